# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._mesos.volume_plan import (
    PlanError,
    agent_agrees,
    confirmed,
    describe_conflict,
    find_agent,
    observe,
    plan_absent,
    plan_present,
    plan_reservation_absent,
    plan_through,
    predict,
    surplus,
    undo_surplus,
    view,
)


def endpoint_resource(name, value, role=None, principal='ops', labels=None, volume=None):
    """A resource as Mesos 1.4+ endpoints list it (role+reservation and reservations[])."""
    res = {'name': name, 'type': 'SCALAR', 'scalar': {'value': value}}
    if role is None:
        res['role'] = '*'
        return res
    label_json = {'labels': [{'key': k, 'value': v} for k, v in sorted((labels or {}).items())]}
    reservation = {'principal': principal}
    entry = {'type': 'DYNAMIC', 'role': role, 'principal': principal}
    if labels:
        reservation['labels'] = label_json
        entry['labels'] = label_json
    res.update(role=role, reservation=reservation, reservations=[entry])
    if volume:
        res['disk'] = {'persistence': {'id': volume[0], 'principal': principal},
                       'volume': {'container_path': volume[1], 'mode': 'RW'}}
    return res


def agent(reserved=(), unreserved_disk=1000, used=(), agent_id='A-S0', hostname='127.0.0.1', active=True):
    full = {}
    for res in reserved:
        full.setdefault(res['role'], []).append(res)
    return {'id': agent_id, 'hostname': hostname, 'active': active, 'reserved_resources_full': full,
            'unreserved_resources_full': [endpoint_resource('disk', unreserved_disk),
                                          endpoint_resource('cpus', 4)],
            'used_resources_full': list(used)}


VOL = endpoint_resource('disk', 512, 'ops', labels={'owner': 'me'}, volume=('v1', 'data'))
FREE_100 = endpoint_resource('disk', 100, 'ops', labels={'owner': 'me'})
FREE_600 = endpoint_resource('disk', 600, 'ops', labels={'owner': 'me'})
FREE_OTHER_LABELS = endpoint_resource('disk', 600, 'ops', labels={'owner': 'else'})
MARATHON_VOL = endpoint_resource('disk', 512, 'ops', principal='dcos_marathon',
                                 labels={'marathon_framework_id': 'fw', 'marathon_task_id': 'a.instance-1'},
                                 volume=('v1', 'data'))

PARAMS = {'role': 'ops', 'persistence_id': 'v1', 'container_path': 'data', 'size': 512,
          'labels': {'owner': 'me'}, 'principal': 'ops', 'reservation_principal': None,
          'disk_source': None, 'keep_reservation': False}


def params(**kw):
    result = dict(PARAMS)
    result.update(kw)
    return result


@pytest.mark.parametrize('reserved, expected_actions, reserve_size', [
    ([], ['reserve', 'create'], 512),                            # nothing reserved yet
    ([FREE_100], ['reserve', 'create'], 412),                    # only the shortfall is reserved
    ([FREE_600], ['create'], None),                              # enough reserved disk already
    ([FREE_OTHER_LABELS], ['reserve', 'create'], 512),           # other labels are never used
    ([VOL], [], None),                                           # already there: no call
    ([VOL, FREE_600], [], None),
])
def test_plan_present(reserved, expected_actions, reserve_size):
    observed = observe(agent(reserved), PARAMS)
    ops = plan_present(observed, PARAMS)
    assert [op['action'] for op in ops] == expected_actions
    if reserve_size is not None:
        assert ops[0]['resources'][0]['scalar']['value'] == reserve_size
        assert ops[0]['resources'][0]['reservation'] == {
            'principal': 'ops', 'labels': {'labels': [{'key': 'owner', 'value': 'me'}]}}
    if 'create' in expected_actions:
        create = ops[-1]['resources'][0]
        assert create['disk']['persistence'] == {'id': 'v1', 'principal': 'ops'}
        assert create['disk']['volume'] == {'container_path': 'data', 'mode': 'RW'}
        assert create['scalar'] == {'value': 512}


@pytest.mark.parametrize('change, field', [
    ({'container_path': 'other'}, 'container_path'),
    ({'size': 1024}, 'size'),
    ({'labels': {'owner': 'x'}}, 'labels'),
    ({'labels': {}}, 'labels'),
    ({'reservation_principal': 'someone'}, 'reservation_principal'),
    ({'disk_source': {'type': 'MOUNT', 'root': '/mnt/d'}}, 'disk_source'),
])
def test_present_never_changes_an_existing_volume(change, field):
    observed = observe(agent([VOL]), params(**change))
    with pytest.raises(PlanError) as err:
        plan_present(observed, params(**change))
    assert err.value.field == field
    assert 'cannot change a volume in place' in err.value.message


@pytest.mark.parametrize('keep, expected', [(False, ['destroy', 'unreserve']), (True, ['destroy'])])
def test_plan_absent_sends_the_volume_exactly_as_listed(keep, expected):
    observed = observe(agent([VOL, FREE_100]), params(keep_reservation=keep))
    ops = plan_absent(observed, params(keep_reservation=keep))
    assert [op['action'] for op in ops] == expected
    assert ops[0]['resources'] == [VOL]
    if not keep:
        unreserve = ops[1]['resources'][0]
        assert 'disk' not in unreserve
        assert unreserve['reservations'] == VOL['reservations']
        assert unreserve['scalar'] == {'value': 512}


def test_plan_absent_for_a_missing_volume_is_empty():
    assert plan_absent(observe(agent([FREE_600]), PARAMS), PARAMS) == []


def test_absent_with_minimal_description_destroys_a_marathon_volume():
    minimal = params(container_path=None, size=None, labels=None)
    ops = plan_absent(observe(agent([MARATHON_VOL]), minimal), minimal)
    assert ops[0]['resources'] == [MARATHON_VOL]


def test_absent_refuses_a_volume_that_does_not_match_what_was_described():
    with pytest.raises(PlanError) as err:
        plan_absent(observe(agent([MARATHON_VOL]), PARAMS), PARAMS)
    assert err.value.field == 'labels'
    assert 'refusing to destroy' in err.value.message


def test_volume_of_another_role_is_not_the_requested_one():
    other_role = endpoint_resource('disk', 512, 'web', volume=('v1', 'data'))
    observed = observe(agent([other_role]), PARAMS)
    assert observed['volume'] is None
    assert plan_absent(observed, PARAMS) == []


def test_observe_reports_in_use_and_capacities():
    observed = observe(agent([VOL, FREE_100], unreserved_disk=300, used=[VOL]), PARAMS)
    assert observed['in_use'] is True
    assert observed['free_reserved'] == 100
    assert observed['unreserved_disk'] == 300
    assert observed['reserved_disk'] == [FREE_100]


@pytest.mark.parametrize('action, size, before, after, expected', [
    ('create', 512, [FREE_600], [FREE_100, VOL], True),
    ('create', 512, [FREE_600], [FREE_600], False),
    ('destroy', 512, [VOL], [FREE_600], True),
    ('destroy', 512, [VOL], [VOL], False),
    ('reserve', 412, [FREE_100], [endpoint_resource('disk', 512, 'ops', labels={'owner': 'me'})], True),
    ('reserve', 412, [FREE_100], [FREE_100], False),
    ('reserve', 512, [], [FREE_600], True),
    ('unreserve', 512, [FREE_600], [FREE_100], False),  # 600 -> 100 is only 500 released
    ('unreserve', 500, [FREE_600], [FREE_100], True),
    ('unreserve', 512, [endpoint_resource('disk', 512, 'ops', labels={'owner': 'me'})], [], True),
])
def test_confirmed(action, size, before, after, expected):
    op = {'action': action, 'size': size}
    assert confirmed(op, observe(agent(before), PARAMS), observe(agent(after), PARAMS)) is expected


def test_predict_present_and_absent():
    observed = observe(agent([FREE_100]), PARAMS)
    predicted = predict(observed, plan_present(observed, PARAMS))
    assert predicted['volume']['disk']['persistence']['id'] == 'v1'
    assert predicted['free_reserved'] == 0
    observed = observe(agent([VOL]), PARAMS)
    predicted = predict(observed, plan_absent(observed, params(keep_reservation=True)))
    assert predicted['volume'] is None and predicted['free_reserved'] == 512
    assert view(predicted) == {'volume': None, 'reservation': None, 'free_reserved_disk': 512}


def test_view_normalises_the_reservation():
    shown = view(observe(agent([VOL]), PARAMS))
    assert shown['reservation'] == {'type': 'DYNAMIC', 'role': 'ops', 'principal': 'ops', 'labels': {'owner': 'me'}}
    assert shown['volume'] == VOL


SLAVES = {'slaves': [
    agent(agent_id='S0', hostname='h1'),
    agent(agent_id='S1', hostname='h2', active=False),
    agent(agent_id='S2', hostname='h2'),
    agent(agent_id='S3', hostname='h3'),
    agent(agent_id='S4', hostname='h3'),
]}


@pytest.mark.parametrize('agent_id, hostname, expected', [
    ('S0', None, 'S0'),
    (None, 'h1', 'S0'),
    (None, 'h2', 'S2'),   # the active one of two registrations
])
def test_find_agent(agent_id, hostname, expected):
    assert find_agent(SLAVES, agent_id, hostname)['id'] == expected


@pytest.mark.parametrize('agent_id, hostname, field, text', [
    ('nope', None, 'agent_id', "No agent with id 'nope' is registered"),
    (None, 'nope', 'agent_hostname', "No agent with hostname 'nope'"),
    (None, 'h3', 'agent_hostname', 'matches several active agents (S3, S4)'),
])
def test_find_agent_errors(agent_id, hostname, field, text):
    with pytest.raises(PlanError) as err:
        find_agent(SLAVES, agent_id, hostname)
    assert err.value.field == field
    assert text in err.value.message


def test_capacity_text_for_409():
    observed = observe(agent([FREE_100], unreserved_disk=50), PARAMS)
    text = describe_conflict({'action': 'reserve', 'size': 412}, observed, PARAMS)
    assert '50 MiB of unreserved disk' in text and '100 MiB of disk already reserved' in text
    assert 'asked for a 512 MiB volume' in text


def test_conflict_text_for_a_vanished_reservation():
    observed = observe(agent([]), PARAMS)
    text = describe_conflict({'action': 'unreserve', 'size': 512}, observed, PARAMS)
    assert 'no longer holds the 512 MiB reservation' in text


def test_unreserve_after_destroy_is_judged_on_the_destroyed_volumes_reservation():
    # absent with only the persistence id: the options describe no labels, the volume had some
    minimal = params(container_path=None, size=None, labels=None)
    before_destroy = observe(agent([VOL]), minimal)
    after_destroy = observe(agent([endpoint_resource('disk', 512, 'ops', labels={'owner': 'me'})]), minimal,
                            before_destroy['key'])
    assert after_destroy['free_reserved'] == 512
    after_unreserve = observe(agent([]), minimal, after_destroy['key'])
    op = plan_absent(before_destroy, minimal)[1]
    assert confirmed(op, after_destroy, after_unreserve)
    # without the carried key the options' (unlabelled) reservation would be counted instead
    assert observe(agent([FREE_600]), minimal)['free_reserved'] == 0


def test_observe_does_not_modify_the_listing():
    listing = agent([VOL, FREE_100])
    snapshot = copy.deepcopy(listing)
    plan_absent(observe(listing, PARAMS), PARAMS)
    assert listing == snapshot


@pytest.mark.parametrize('master, agent_side, expected', [
    ([VOL], [VOL], True),
    ([VOL], [], False),                         # master lists the volume, the agent has not created it
    ([], [VOL], False),
    ([FREE_600], [FREE_100], False),            # reserved disk differs
    ([FREE_600], [FREE_600], True),
])
def test_agent_agrees(master, agent_side, expected):
    master_observed = observe(agent(master), PARAMS)
    agent_observed = observe(agent(agent_side), PARAMS, master_observed['key'])
    assert agent_agrees(master_observed, agent_observed) is expected


# -- reservation=absent (issue 8 item 10) -------------------------------------------------------------------
MARATHON_LABELS = {'marathon_framework_id': 'fw', 'marathon_task_id': 'a.instance-1'}
M_CPUS = endpoint_resource('cpus', 0.1, 'ops', principal='dcos_marathon', labels=MARATHON_LABELS)
M_MEM = endpoint_resource('mem', 16, 'ops', principal='dcos_marathon', labels=MARATHON_LABELS)
M_DISK = endpoint_resource('disk', 8, 'ops', principal='dcos_marathon', labels=MARATHON_LABELS)
M_VOL2 = endpoint_resource('disk', 8, 'ops', principal='dcos_marathon', labels=MARATHON_LABELS,
                           volume=('v2', 'data'))
WHOLE = {'role': 'ops', 'persistence_id': None, 'container_path': None, 'size': None,
         'labels': MARATHON_LABELS, 'principal': 'ops', 'reservation_principal': None,
         'disk_source': None, 'keep_reservation': False, 'reservation': 'absent'}


def whole(**kw):
    result = dict(WHOLE)
    result.update(kw)
    return result


@pytest.mark.parametrize('reserved, options, actions, unreserved', [
    # an orphaned cpus/mem/disk reservation without a volume: everything it holds, exactly as listed
    ([M_CPUS, M_MEM, M_DISK], {}, ['unreserve'], [M_CPUS, M_MEM, M_DISK]),
    # the named volume is destroyed first, then the rest (its disk included) is released
    ([M_CPUS, MARATHON_VOL], {'persistence_id': 'v1'}, ['destroy', 'unreserve'],
     [M_CPUS, endpoint_resource('disk', 512, 'ops', principal='dcos_marathon', labels=MARATHON_LABELS)]),
    # other labels, another principal (when set), another role: never touched
    ([FREE_600, M_CPUS], {}, ['unreserve'], [M_CPUS]),
    ([M_CPUS], {'reservation_principal': 'someone'}, [], None),
    ([M_CPUS], {'role': 'web'}, [], None),
    ([M_CPUS], {'labels': {}}, [], None),
    ([], {}, [], None),                                            # already absent: nothing to send
])
def test_plan_reservation_absent(reserved, options, actions, unreserved):
    opts = whole(**options)
    ops = plan_through(observe(agent(reserved), opts), opts, plan_reservation_absent)
    assert [op['action'] for op in ops] == actions
    if unreserved is not None:
        sent = ops[-1]['resources']
        assert [(r['name'], r['scalar']) for r in sent] == [(r['name'], r['scalar']) for r in unreserved]


def test_reservation_absent_re_plans_on_a_fresh_read():
    opts = whole(persistence_id='v1')
    first = plan_reservation_absent(observe(agent([M_CPUS, MARATHON_VOL]), opts), opts)
    assert [op['action'] for op in first] == ['destroy']  # the unreserve is planned on what is listed next
    after_destroy = agent([M_CPUS, endpoint_resource('disk', 512, 'ops', principal='dcos_marathon',
                                                     labels=MARATHON_LABELS)])
    second = plan_reservation_absent(observe(after_destroy, opts), opts)
    assert second[0]['action'] == 'unreserve' and second[0]['size'] == 512
    assert confirmed(second[0], observe(after_destroy, opts), observe(agent([]), opts))
    assert not confirmed(second[0], observe(after_destroy, opts), observe(agent([M_CPUS]), opts))


def test_reservation_absent_refuses_volumes_not_named():
    with pytest.raises(PlanError) as err:
        plan_reservation_absent(observe(agent([M_CPUS, M_VOL2]), whole()), whole())
    assert err.value.field == 'reservation'
    assert 'v2' in err.value.message and 'nothing was sent' in err.value.message
    with pytest.raises(PlanError):
        opts = whole(persistence_id='v1')
        plan_reservation_absent(observe(agent([MARATHON_VOL, M_VOL2]), opts), opts)


def test_reservation_absent_refuses_a_named_volume_on_another_reservation():
    opts = whole(persistence_id='v1')
    with pytest.raises(PlanError) as err:
        plan_reservation_absent(observe(agent([VOL, M_CPUS]), opts), opts)
    assert err.value.field == 'labels'


# -- surplus of a late first send (issue 8 item 18) ---------------------------------------------------------
RESERVE_64 = {'action': 'reserve', 'size': 64,
              'resources': [endpoint_resource('disk', 64, 'ops', labels={'owner': 'me'})]}
UNRESERVE_64 = {'action': 'unreserve', 'size': 64,
                'resources': [endpoint_resource('disk', 64, 'ops', labels={'owner': 'me'})]}


@pytest.mark.parametrize('op, expected_free, observed_free, potential, result', [
    (RESERVE_64, 0, 64, 64, 64),       # the late first reserve landed next to its re-send
    (RESERVE_64, 0, 0, 64, 0),         # it never landed
    (RESERVE_64, 0, 164, 64, 64),      # more free disk (another client's): only what this run may have added
    (RESERVE_64, 100, 90, 64, 0),      # less than expected (someone used it): nothing to undo
    (UNRESERVE_64, 100, 36, 64, 64),   # the late unreserve took 64 MiB of another client's reservation
    (UNRESERVE_64, 100, 100, 64, 0),
    (UNRESERVE_64, 100, 0, 64, 64),
    (dict(UNRESERVE_64, whole=True), 100, 0, 64, 0),  # releasing a whole reservation has no surplus
    ({'action': 'create', 'size': 64}, 0, 64, 64, 0),
])
def test_surplus(op, expected_free, observed_free, potential, result):
    assert surplus(op, expected_free, observed_free, potential) == result


@pytest.mark.parametrize('op, undo_action', [(RESERVE_64, 'unreserve'), (UNRESERVE_64, 'reserve')])
def test_undo_surplus_uses_the_same_reservation(op, undo_action):
    undo = undo_surplus(op, 32)
    assert undo['action'] == undo_action and undo['size'] == 32
    resource = undo['resources'][0]
    assert resource['scalar'] == {'value': 32}
    assert resource['role'] == 'ops'
    assert resource['reservation'] == {'principal': 'ops', 'labels': {'labels': [{'key': 'owner', 'value': 'me'}]}}
    # same reservation key as what was sent: Mesos merges them
    assert observe(agent([resource]), PARAMS)['free_reserved'] == 32


def test_predict_reservation_absent_for_check_mode():
    opts = whole(persistence_id='v1')
    observed = observe(agent([M_CPUS, MARATHON_VOL]), opts)
    ops = plan_through(observed, opts, plan_reservation_absent)
    predicted = predict(observed, ops)
    assert predicted['volume'] is None
    assert predicted['reservation_free'] == [] and predicted['reservation_volumes'] == []
    assert view(predicted)['reservation_resources'] == []
