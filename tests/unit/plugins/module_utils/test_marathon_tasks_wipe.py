# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tables for task status, the volumes view, wipe selection and Mesos leftovers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.tasks import (
    instance_id, summarise_tasks, task_status, volumes_view,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.wipe import (
    agents_down, down_agent_warning, leftovers_in_mesos, refused_running, select_tasks,
)

LV = [{'containerPath': 'data', 'persistenceId': 'pv#data#1', 'runSpecId': '/pv', 'uuid': '1'}]
RUNNING = {'id': 'pv.instance-a._app.2', 'appId': '/pv', 'host': 'h1', 'slaveId': 'S0', 'state': 'TASK_RUNNING',
           'stagedAt': 't', 'startedAt': 't', 'localVolumes': LV}
SUSPENDED = {'id': 'pv.instance-b._app.1', 'appId': '/pv', 'host': 'h2', 'slaveId': 'S1', 'state': 'TASK_KILLED',
             'localVolumes': [{'containerPath': 'data', 'persistenceId': 'pv#data#2'}]}
STAGING = {'id': 'pv.instance-c._app.1', 'appId': '/pv', 'host': 'h1', 'slaveId': 'S0', 'state': 'TASK_STAGING', 'stagedAt': 't'}
LOST = dict(RUNNING, id='pv.instance-d._app.1', state='TASK_UNREACHABLE', host='h3', slaveId='S2')


@pytest.mark.parametrize('task, status', [
    (RUNNING, 'running'),
    (SUSPENDED, 'suspended'),
    (dict(SUSPENDED, state='TASK_STAGING'), 'suspended'),  # Marathon 1.4 shows reserved instances as staging
    (STAGING, 'starting'),
    (LOST, 'lost'),
    (dict(RUNNING, state='TASK_KILLING'), 'killing'),
])
def test_task_status(task, status):
    assert task_status(task) == status


@pytest.mark.parametrize('task_id, instance', [
    ('pv.instance-a._app.2', 'pv.instance-a'),
    ('db_pg.instance-1f2e._app.10', 'db_pg.instance-1f2e'),
    ('pv.5e3c.3', 'pv.5e3c'),  # 1.7 resident relaunch suffix
    ('pv_instance-x', 'pv.instance-x'),
])
def test_instance_id(task_id, instance):
    assert instance_id(task_id) == instance


def test_volumes_view_marks_detached_volumes():
    app = {'id': '/pv', 'container': {'volumes': [
        {'containerPath': 'data', 'mode': 'RW', 'persistent': {'size': 10}},
        {'containerPath': 'ext', 'mode': 'RW', 'external': {'name': 'v', 'provider': 'dvdi', 'options': {'dvdi/driver': 'rexray'}}}]}}
    rows = volumes_view(app, [RUNNING, SUSPENDED])
    assert [(r['type'], r.get('persistence_id'), r.get('status'), r.get('size')) for r in rows] == [
        ('persistent', 'pv#data#1', 'attached', 10),
        ('persistent', 'pv#data#2', 'detached', 10),
        ('external', None, None, None),
    ]
    assert rows[2]['driver'] == 'rexray'


@pytest.mark.parametrize('state', ['TASK_UNREACHABLE', 'TASK_LOST', 'TASK_UNKNOWN'])
def test_volumes_view_marks_volumes_of_unreachable_tasks(state):
    # Real Marathon keeps startedAt on a TASK_UNREACHABLE resident task: its agent is down, the volume is neither
    # in use (attached) nor waiting to be relaunched on a live agent (detached).
    app = {'id': '/pv', 'container': {'volumes': [{'containerPath': 'data', 'persistent': {'size': 10}}]}}
    rows = volumes_view(app, [RUNNING, dict(LOST, state=state)])
    assert [(r['persistence_id'], r['status'], r['task_status']) for r in rows] == [
        ('pv#data#1', 'attached', 'running'),
        ('pv#data#1', 'unreachable', 'lost'),
    ]


TASKS = summarise_tasks([RUNNING, SUSPENDED, STAGING, LOST])


@pytest.mark.parametrize('kwargs, selected, unknown', [
    ({'suspended': True}, ['pv.instance-b._app.1'], []),
    ({'host': 'h1'}, ['pv.instance-a._app.2', 'pv.instance-c._app.1'], []),
    ({'host': 'S2'}, ['pv.instance-d._app.1'], []),  # agent id works as host
    ({'host': 'h1', 'suspended': True}, [], []),
    ({'task_ids': ['pv.instance-b._app.1']}, ['pv.instance-b._app.1'], []),
    ({'task_ids': ['pv.instance-a']}, ['pv.instance-a._app.2'], []),  # instance id selects the instance
    ({'task_ids': ['pv.instance-a._app.2', 'x']}, ['pv.instance-a._app.2'], ['x']),
])
def test_select_tasks(kwargs, selected, unknown):
    got, missing = select_tasks(TASKS, **kwargs)
    assert sorted(t['id'] for t in got) == sorted(selected)
    assert missing == unknown


@pytest.mark.parametrize('wipe_running, refused', [
    (False, ['pv.instance-a._app.2', 'pv.instance-c._app.1']),
    (True, []),
])
def test_refused_running_leaves_lost_and_suspended_alone(wipe_running, refused):
    assert sorted(t['id'] for t in refused_running(TASKS, wipe_running)) == refused


def _res(name, pid=None, rid='pv.instance-b', post_refinement=False):
    labels = {'labels': [{'key': 'marathon_framework_id', 'value': 'fw'}, {'key': 'marathon_task_id', 'value': rid}]}
    r = {'name': name, 'type': 'SCALAR', 'scalar': {'value': 1}, 'role': 'slave_public'}
    if post_refinement:
        r['reservations'] = [{'type': 'DYNAMIC', 'role': 'slave_public', 'labels': labels}]
    else:
        r['reservation'] = {'principal': 'dcos_marathon', 'labels': labels}
    if pid:
        r['disk'] = {'persistence': {'id': pid}, 'volume': {'container_path': 'data', 'mode': 'RW'}}
    return r


@pytest.mark.parametrize('resources, expected', [
    ([], []),
    ([_res('cpus', rid='pv.instance-z')], []),
    ([_res('cpus')], [('cpus', None, 'pv.instance-b')]),
    ([_res('disk', pid='pv#data#2', rid='other')], [('disk', 'pv#data#2', 'other')]),
    ([_res('mem', post_refinement=True)], [('mem', None, 'pv.instance-b')]),
])
def test_leftovers_in_mesos(resources, expected):
    body = {'slaves': [{'id': 'S1', 'hostname': 'h2', 'reserved_resources_full': {'slave_public': resources}}]}
    got = leftovers_in_mesos(body, ['pv#data#2'], ['pv.instance-b'])
    assert [(x['resource'], x['persistence_id'], x['reservation_id']) for x in got] == expected


def test_leftovers_on_a_down_agent_are_marked():
    body = {'slaves': [{'id': 'S1', 'hostname': 'h2', 'active': False,
                        'reserved_resources_full': {'slave_public': [_res('disk', pid='pv#data#2')]}}]}
    [left] = leftovers_in_mesos(body, ['pv#data#2'], [])
    assert left['agent_active'] is False


@pytest.mark.parametrize('slaves, expected', [
    ([{'id': 'S0', 'active': True}, {'id': 'S1', 'active': True}], []),
    ([{'id': 'S0', 'active': True}, {'id': 'S1', 'active': False}], ['S1']),
    # Real Mesos drops an agent from /master/slaves once it is marked unreachable
    ([{'id': 'S0', 'active': True}], ['S1']),
    ([{'id': 'S0'}, {'id': 'S1'}], []),  # no active flag: taken as up
])
def test_agents_down(slaves, expected):
    assert agents_down({'slaves': slaves}, ['S0', 'S1', None, 'S1']) == expected


def test_down_agent_warning_says_what_happens_when_it_returns():
    left = [{'agent_id': 'S1', 'resource': 'disk', 'persistence_id': 'pv#data#2', 'reservation_id': 'pv.instance-b'},
            {'agent_id': 'S0', 'resource': 'cpus', 'persistence_id': None, 'reservation_id': 'pv.instance-c'}]
    msg = down_agent_warning('/pv', ['S1'], left)
    assert 'S1' in msg and 'disk pv#data#2' in msg and 'pv.instance-c' not in msg
    assert 'cannot release' in msg and 're-registers' in msg and 'volume_data_cleanup' in msg


@pytest.mark.parametrize('tasks', [
    # what the fuzz test found (issue 8, item 21): non-string ids/hosts/states, null entries, lists for objects
    [dict(RUNNING, id=['x'])],
    [dict(RUNNING, id=7, host=3), dict(SUSPENDED, host='h2')],
    [dict(RUNNING, state=['TASK_RUNNING'])],
    [dict(RUNNING, healthCheckResults=[None, {'alive': True}])],
    [dict(RUNNING, localVolumes={'persistenceId': 'x'}), None, 'task'],
    'not a list',
])
def test_summaries_of_odd_tasks_never_raise(tasks):
    summaries = summarise_tasks(tasks)
    assert all(isinstance(t, dict) for t in summaries)
    app = {'id': '/pv', 'container': {'volumes': [None, {'containerPath': 'data', 'external': {'options': []}}]}}
    volumes_view(app, tasks)
    volumes_view({'id': '/pv', 'container': ['x']}, tasks)


def test_non_string_task_id_has_no_instance_id():
    assert instance_id(['x']) is None and instance_id(7) is None
