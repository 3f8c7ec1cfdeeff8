"""external_volume's plan (plugins/module_utils/_ext_volumes/plan.py) as tables: create, tag, no-op, reported
differences, refused twins, refused deletes of attached or referenced volumes."""

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.plan import (
    PlanError, diff_view, differences, plan_absent, plan_present,
)


def vol(zone='us-east-1a', vid=None, size=10, vtype='gp2', state='available', tags=None, instance=None):
    return {'id': vid or 'vol-' + zone[-1], 'name': 'pg', 'tag_name': 'pg', 'size': size, 'type': vtype, 'iops': None,
            'encrypted': False, 'zone': zone, 'state': state, 'instance_id': instance, 'device': None,
            'tags': dict(tags or {}), 'create_time': None}


WANT = {'size': 10, 'type': 'gp2', 'iops': None, 'encrypted': None}

PRESENT = [
    # (case, existing, zone, wanted, tags, allow_twin, action or error text, zone planned)
    ('create', [], 'us-east-1a', WANT, {}, False, 'create', 'us-east-1a'),
    ('exists: nothing to do', [vol()], 'us-east-1a', WANT, {}, False, 'none', 'us-east-1a'),
    ('exists, zone not given', [vol()], None, WANT, {}, False, 'none', 'us-east-1a'),
    ('exists, tag missing', [vol(tags={'a': '1'})], 'us-east-1a', WANT, {'a': '1', 'b': '2'}, False, 'tag', None),
    ('exists, tag differs', [vol(tags={'a': '1'})], 'us-east-1a', WANT, {'a': '2'}, False, 'tag', None),
    ('twin refused', [vol('us-east-1b')], 'us-east-1a', WANT, {}, False, 'another zone', None),
    ('twin allowed', [vol('us-east-1b')], 'us-east-1a', WANT, {}, True, 'create', 'us-east-1a'),
    ('no zone, none exists', [], None, WANT, {}, False, 'availability_zone is required', None),
    ('no zone, two zones', [vol(), vol('us-east-1b')], None, WANT, {}, False, 'give availability_zone', None),
    ('two in one zone', [vol(vid='vol-1'), vol(vid='vol-2')], 'us-east-1a', WANT, {}, False, 'keep one', None),
    ('no size to create', [], 'us-east-1a', dict(WANT, size=None), {}, False, 'size is required', None),
]


@pytest.mark.parametrize('case', PRESENT, ids=[c[0] for c in PRESENT])
def test_plan_present(case):
    existing, zone, wanted, tags, allow_twin, expected, zone_planned = case[1:]
    if expected in ('create', 'none', 'tag'):
        plan = plan_present(existing, 'pg', zone, wanted, tags, allow_twin)
        assert plan['action'] == expected
        if zone_planned:
            assert plan['zone'] == zone_planned
        if expected == 'tag':
            assert plan['tags_to_set'] == dict((k, v) for k, v in tags.items() if existing[0]['tags'].get(k) != v)
    else:
        with pytest.raises(PlanError, match=expected):
            plan_present(existing, 'pg', zone, wanted, tags, allow_twin)


def test_differences_are_reported_not_applied():
    plan = plan_present([vol(size=16, vtype='gp2')], 'pg', 'us-east-1a',
                        {'size': 100, 'type': 'gp3', 'iops': None, 'encrypted': False}, {})
    assert plan['action'] == 'none'
    assert plan['differences'] == [{'field': 'size', 'wanted': 100, 'actual': 16},
                                   {'field': 'type', 'wanted': 'gp3', 'actual': 'gp2'}]
    assert differences(vol(), {'size': None, 'type': None}) == []


ABSENT = [
    # (case, existing, zone, references, marathon checked, force, action or error text, warnings)
    ('nothing there', [], None, [], True, False, 'none', 0),
    ('delete', [vol()], None, [], True, False, 'delete', 0),
    ('delete, Marathon not asked: warns', [vol()], None, [], False, False, 'delete', 1),
    ('attached: never', [vol(state='in-use', instance='i-1')], None, [], True, False, 'never deleted', 0),
    ('attached: never, even forced', [vol(state='in-use')], None, [], True, True, 'never deleted', 0),
    ('referenced: refused', [vol()], None, ['/db'], True, False, 'referenced by Marathon', 0),
    ('referenced, forced: warns', [vol()], None, ['/db'], True, True, 'delete', 1),
    ('twins: which one?', [vol(), vol('us-east-1b')], None, [], True, False, 'give availability_zone', 0),
    ('twins, zone given', [vol(), vol('us-east-1b')], 'us-east-1b', [], True, False, 'delete', 0),
    ('other zone only', [vol('us-east-1b')], 'us-east-1a', [], True, False, 'none', 0),
]


@pytest.mark.parametrize('case', ABSENT, ids=[c[0] for c in ABSENT])
def test_plan_absent(case):
    existing, zone, refs, checked, force, expected, warnings = case[1:]
    if expected in ('none', 'delete'):
        plan = plan_absent(existing, 'pg', zone, refs, checked, force)
        assert plan['action'] == expected and len(plan['warnings']) == warnings
        if zone and expected == 'delete':
            assert plan['volume']['zone'] == zone
    else:
        with pytest.raises(PlanError, match=expected):
            plan_absent(existing, 'pg', zone, refs, checked, force)


def test_diff_view():
    assert diff_view(None) == {}
    assert 'create_time' not in diff_view(vol()) and diff_view(vol())['id'] == 'vol-a'
