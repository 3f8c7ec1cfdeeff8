# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tables for marathon_group's plan: the desired tree, the per-app diff, the prune and volume rules, the PUT body."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.group_plan import (
    DefinitionError, apps_of, desired_tree, plan_group,
)

PV = {'containerPath': 'data', 'mode': 'RW', 'persistent': {'size': 10}}
EXT = {'containerPath': 'ext', 'mode': 'RW', 'external': {'name': 'vol1', 'provider': 'dvdi', 'options': {'dvdi/driver': 'rexray'}}}


def app(app_id, **fields):
    return dict({'id': app_id, 'cmd': 'sleep 100', 'cpus': 0.1, 'mem': 16, 'instances': 1}, **fields)


def held(app_id, **fields):
    """An app as Marathon returns it: server fields and defaults filled in."""
    defaults = dict(version='2026-01-01T00:00:00.000Z', tasksRunning=1, tasks=[], deployments=[], disk=0, gpus=0,
                    env={}, labels={}, constraints=[], dependencies=[])
    return dict(defaults, **app(app_id, **fields))


def group(group_id, apps=(), groups=(), dependencies=()):
    return {'id': group_id, 'apps': list(apps), 'groups': list(groups), 'dependencies': list(dependencies),
            'version': '2026-01-01T00:00:00.000Z'}


RESIDENT = {'type': 'MESOS', 'volumes': [PV]}
EXTERNAL = {'type': 'MESOS', 'volumes': [EXT]}

# (name, definition, current, options, created, updated, removed, kept, refused apps, changed)
TABLE = [
    ('create everything', {'apps': [app('a'), app('b')]}, None, {},
     ['/g/a', '/g/b'], {}, [], [], [], True),
    ('empty group created', {}, None, {}, [], {}, [], [], [], True),
    ('same apps: nothing', {'apps': [app('a')]}, group('/g', [held('/g/a')]), {}, [], {}, [], [], [], False),
    ('server defaults are not differences', {'apps': [app('/g/a', env={})]}, group('/g', [held('/g/a')]), {},
     [], {}, [], [], [], False),
    ('one field differs', {'apps': [app('a', mem=32), app('b')]}, group('/g', [held('/g/a'), held('/g/b')]), {},
     [], {'/g/a': ['mem']}, [], [], [], True),
    ('unlisted app kept by default', {'apps': [app('a')]}, group('/g', [held('/g/a'), held('/g/b')]), {},
     [], {}, [], ['/g/b'], [], False),
    ('unlisted app pruned', {'apps': [app('a')]}, group('/g', [held('/g/a'), held('/g/b')]), {'prune': True},
     [], {}, ['/g/b'], [], [], True),
    ('unlisted resident app: prune refused', {'apps': [app('a')]},
     group('/g', [held('/g/a'), held('/g/db', container=RESIDENT)]), {'prune': True},
     [], {}, ['/g/db'], [], ['/g/db'], True),
    ('unlisted external-volume app: prune refused', {'apps': [app('a')]},
     group('/g', [held('/g/a'), held('/g/ext', container=EXTERNAL)]), {'prune': True},
     [], {}, ['/g/ext'], [], ['/g/ext'], True),
    ('unlisted resident app pruned with remove_volumes', {'apps': [app('a')]},
     group('/g', [held('/g/a'), held('/g/db', container=RESIDENT)]), {'prune': True, 'remove_volumes': True},
     [], {}, ['/g/db'], [], [], True),
    ('unlisted resident app kept without prune', {'apps': [app('a')]},
     group('/g', [held('/g/a'), held('/g/db', container=RESIDENT)]), {},
     [], {}, [], ['/g/db'], [], False),
    ('resident app: more disk refused', {'apps': [app('db', container={'type': 'MESOS', 'volumes': [
        dict(PV, persistent={'size': 20})]})]}, group('/g', [held('/g/db', container=RESIDENT)]), {},
     [], {'/g/db': ['container']}, [], [], ['/g/db'], True),
    ('external volume renamed refused', {'apps': [app('ext', container={'type': 'MESOS', 'volumes': [
        dict(EXT, external=dict(EXT['external'], name='vol2'))]})]}, group('/g', [held('/g/ext', container=EXTERNAL)]), {},
     [], {'/g/ext': ['container']}, [], [], ['/g/ext'], True),
    ('sub-group app created', {'groups': [{'id': 'sub', 'apps': [app('x')]}]}, group('/g'), {},
     ['/g/sub/x'], {}, [], [], [], True),
    ('unlisted sub-group kept', {'apps': [app('a')]}, group('/g', [held('/g/a')], [group('/g/sub', [held('/g/sub/x')])]),
     {}, [], {}, [], ['/g/sub/x'], [], False),
    ('unlisted sub-group pruned', {'apps': [app('a')]},
     group('/g', [held('/g/a')], [group('/g/sub', [held('/g/sub/x')])]), {'prune': True},
     [], {}, ['/g/sub/x'], [], [], True),
    ('group dependencies differ', {'dependencies': ['/other']}, group('/g'), {}, [], {}, [], [], [], True),
    ('dependencies not given: kept', {}, group('/g', dependencies=['/other']), {}, [], {}, [], [], [], False),
    ('relative app dependencies resolved', {'apps': [app('b', dependencies=['a'])]},
     group('/g', [held('/g/b', dependencies=['/g/a'])]), {}, [], {}, [], [], [], False),
]


@pytest.mark.parametrize('name,definition,current,options,created,updated,removed,kept,refused,changed', TABLE,
                         ids=[t[0] for t in TABLE])
def test_group_plan(name, definition, current, options, created, updated, removed, kept, refused, changed):
    plan = plan_group(desired_tree('/g', definition), current, **options)
    assert (plan.created, plan.updated, plan.removed, plan.kept) == (created, updated, removed, kept)
    assert sorted(set(r[0] for r in plan.refusals)) == refused
    assert plan.changed is changed


def test_the_body_sends_kept_apps_back_unchanged_and_merges_changed_ones():
    current = group('/g', [held('/g/a', env={'X': '1'}), held('/g/b')], [group('/g/sub', [held('/g/sub/x')])])
    plan = plan_group(desired_tree('/g', {'apps': [app('a', mem=64)]}), current)
    body = plan.body
    assert body['id'] == '/g' and [a['id'] for a in body['apps']] == ['/g/a', '/g/b']
    merged = body['apps'][0]
    # the user's field changes; what Marathon holds and the user did not set is kept (as marathon_app does)
    assert merged['mem'] == 64 and merged['env'] == {'X': '1'}
    assert 'version' not in merged and 'tasks' not in merged and 'tasksRunning' not in merged
    assert [g['id'] for g in body['groups']] == ['/g/sub'] and body['groups'][0]['apps'][0]['id'] == '/g/sub/x'
    assert plan.diff == {'before': {'/g/a': {'mem': 16}}, 'after': {'/g/a': {'mem': 64}}}


def test_pruning_leaves_the_app_out_of_the_body():
    current = group('/g', [held('/g/a'), held('/g/b')])
    body = plan_group(desired_tree('/g', {'apps': [app('a')]}), current, prune=True).body
    assert [a['id'] for a in body['apps']] == ['/g/a']


def test_secrets_are_masked_in_the_diff():
    current = group('/g', [held('/g/a', env={'DB_PASSWORD': 'old'})])
    plan = plan_group(desired_tree('/g', {'apps': [app('a', env={'DB_PASSWORD': 'new'})]}), current)
    assert 'new' not in repr(plan.diff) and 'old' not in repr(plan.diff)


def test_a_new_app_is_checked_whole():
    plan = plan_group(desired_tree('/g', {'apps': [{'id': 'a', 'cpus': 0.1}]}), None)
    assert [r[0] for r in plan.refusals] == ['/g/a']


@pytest.mark.parametrize('definition,message', [
    ({'apps': {'id': 'a'}}, 'definition.apps must be a list of objects'),
    ({'apps': [{'cmd': 'x'}]}, 'definition.apps[0].id is missing'),
    ({'apps': [app('/elsewhere/a')]}, 'definition.apps[0].id: /elsewhere/a is not a child of the group /g'),
    ({'apps': [app('Bad_Id')]}, 'definition.apps[0].id: path contains invalid characters'),
    ({'apps': [app('a'), app('/g/a')]}, 'definition: the path(s) /g/a are given more than once'),
    ({'apps': [app('a')], 'groups': [{'id': 'a'}]}, 'definition: the path(s) /g/a are given more than once'),
    ({'id': '/other'}, "definition.id '/other' is not the group's path /g"),
    ({'name': 'x'}, 'definition: unknown field(s) name'),
    ({'pods': [{'id': 'p'}]}, 'definition: unknown field(s) pods'),
    ({'enforceRole': 'yes'}, 'definition.enforceRole must be true or false'),
    ({'groups': [{'id': 'sub', 'apps': [{'id': 'x', 'cmd': 1}], 'dependencies': 'a'}]},
     'definition.groups[0].dependencies must be a list'),
])
def test_definition_errors_name_the_field(definition, message):
    with pytest.raises(DefinitionError) as e:
        desired_tree('/g', definition)
    assert message in str(e.value)


def test_ids_are_resolved_against_their_group():
    tree = desired_tree('/g', {'id': 'g', 'apps': [app('./a'), app('/g/b')], 'groups': [{'id': 'sub', 'apps': [app('x')]}]})
    assert sorted(apps_of(tree)) == ['/g/a', '/g/b', '/g/sub/x']


def test_a_group_read_back_is_a_definition():
    """GET /v2/groups/<id> (and the module's own ``group`` result) carries version and an empty pods list, at every
    level, and apps with server-set fields: given back as the definition, it plans no change."""
    read_back = group('/g', [held('/g/a')], groups=[dict(group('/g/sub', [held('/g/sub/x')]), pods=[])])
    read_back.update(pods=[], enforceRole=False)
    tree = desired_tree('/g', read_back)
    assert sorted(apps_of(tree)) == ['/g/a', '/g/sub/x']
    assert not plan_group(tree, read_back).changed


# Real Marathon 1.10: a group named without enforceRole is set to false, and apps and an enforceRole change may not
# travel in one request (422): the body carries Marathon's value; a different wanted value is refused, not sent.
@pytest.mark.parametrize('group_id,given,held_value,sent,refused', [
    ('/g', None, True, True, False),      # left out: Marathon's value is sent back (else it would turn false)
    ('/g', None, False, False, False),
    ('/g', None, None, None, False),      # a Marathon before 1.9 shows none and gets none
    ('/g', True, True, True, False),
    ('/g', True, False, False, True),     # a change together with the apps: refused
    ('/g', False, True, True, True),
    ('/g/sub', True, None, True, True),   # only top-level groups
    ('/g/sub', False, False, False, False),
])
def test_enforce_role(group_id, given, held_value, sent, refused):
    definition = {'apps': [app('a')]}
    if given is not None:
        definition['enforceRole'] = given
    current = group(group_id, [held(group_id + '/a')])
    if held_value is not None:
        current['enforceRole'] = held_value
    plan = plan_group(desired_tree(group_id, definition), current)
    assert plan.body.get('enforceRole') == sent
    assert bool([r for r in plan.refusals if r[0] == group_id]) is refused
    assert not plan.changed
