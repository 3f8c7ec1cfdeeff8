# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._mesos.audit import (
    ShapeError,
    audit,
    audit_members,
    reservation_id_of_task,
    safe_app_id,
    safe_id_of_persistence,
    safe_id_of_reservation,
    volume_dir,
)

FW = 'b1a2-0000'
U1 = '5e4c5b2a-1b2c-11ee-9a9a-0242ac110002'
U2 = '6f4c5b2a-1b2c-11ee-9a9a-0242ac110002'
U3 = '7a4c5b2a-1b2c-11ee-9a9a-0242ac110002'
U4 = '8b4c5b2a-1b2c-11ee-9a9a-0242ac110002'


def marathon_resources(name, value, instance, fw=FW, pid=None, path='data', role='slave_public'):
    labels = {'labels': [{'key': 'marathon_framework_id', 'value': fw},
                         {'key': 'marathon_task_id', 'value': instance}]}
    res = {'name': name, 'type': 'SCALAR', 'scalar': {'value': value}, 'role': role,
           'reservation': {'principal': 'dcos_marathon', 'labels': labels},
           'reservations': [{'type': 'DYNAMIC', 'role': role, 'principal': 'dcos_marathon', 'labels': labels}]}
    if pid:
        res['disk'] = {'persistence': {'id': pid, 'principal': 'dcos_marathon'},
                       'volume': {'container_path': path, 'mode': 'RW'}}
    return res


def instance_resources(instance, pid, fw=FW):
    return [marathon_resources('cpus', 0.5, instance, fw), marathon_resources('mem', 64, instance, fw),
            marathon_resources('disk', 100, instance, fw, pid=pid)]


# db_pg: two instances, one running, one suspended; db_pg had a third instance wiped (orphaned).
I_RUN = 'db_pg.instance-%s' % U1
I_SUSP = 'db_pg.instance-%s' % U2
I_WIPED = 'db_pg.instance-%s' % U3
I_GONE = 'web.%s' % U4                              # legacy (<=1.7) reservation id of an app since deleted
P_RUN, P_SUSP, P_WIPED, P_GONE = ('db_pg#data#a1', 'db_pg#data#a2', 'db_pg#data#a3', 'web#data#a4')
OPS_VOLUME = {'name': 'disk', 'type': 'SCALAR', 'scalar': {'value': 10}, 'role': 'ops',
              'reservation': {'principal': 'ops'},
              'disk': {'persistence': {'id': 'mine'}, 'volume': {'container_path': 'x', 'mode': 'RW'}}}
OTHER_FW_VOLUME = marathon_resources('disk', 10, 'x.instance-%s' % U1, fw='other-0000', pid='x#data#9')

SLAVES = {
    'slaves': [
        {'id': 'S0', 'hostname': '127.0.0.1', 'port': 5051, 'pid': 'slave(1)@127.0.0.1:5051', 'active': True,
         'reserved_resources_full': {
             'slave_public': instance_resources(I_RUN, P_RUN) + instance_resources(I_WIPED, P_WIPED),
             'ops': [OPS_VOLUME]},
         'used_resources_full': [marathon_resources('disk', 100, I_RUN, pid=P_RUN)]},
        {'id': 'S1', 'hostname': '127.0.0.2', 'port': 5051, 'active': True,
         'reserved_resources_full': {
             'slave_public': instance_resources(I_SUSP, P_SUSP) + instance_resources(I_GONE, P_GONE)
             + [OTHER_FW_VOLUME]}},
    ],
    'recovered_slaves': [{'id': 'S9', 'hostname': '127.0.0.9'}],
}

APPS = {'apps': [{'id': '/db/pg', 'tasks': [
    {'id': I_RUN + '._app.2', 'appId': '/db/pg', 'state': 'TASK_RUNNING', 'startedAt': 't', 'stagedAt': 't',
     'slaveId': 'S0', 'localVolumes': [{'containerPath': 'data', 'persistenceId': P_RUN}]},
    # a resident instance keeps its last terminal task without startedAt/stagedAt after scale-down
    {'id': I_SUSP + '._app.1', 'appId': '/db/pg', 'state': 'TASK_KILLED', 'slaveId': 'S1',
     'localVolumes': [{'containerPath': 'data', 'persistenceId': P_SUSP}]},
]}, {'id': '/plain', 'tasks': []}]}


def by_pid(result):
    return dict((v['persistence_id'], v) for v in result['volumes'])


def test_statuses_with_marathon():
    volumes = by_pid(audit(SLAVES, APPS))
    assert volumes[P_RUN]['status'] == 'attached'
    assert volumes[P_RUN]['in_use'] is True
    assert volumes[P_RUN]['app_id'] == '/db/pg'
    assert volumes[P_RUN]['instance_id'] == I_RUN
    assert volumes[P_RUN]['task_id'] == I_RUN + '._app.2'
    assert volumes[P_SUSP]['status'] == 'suspended'
    assert volumes[P_SUSP]['task_state'] == 'TASK_KILLED'
    assert volumes[P_WIPED]['status'] == 'orphaned'
    assert volumes[P_WIPED]['app_id'] == '/db/pg'
    assert 'exists but no instance owns' in volumes[P_WIPED]['reason']
    assert volumes[P_GONE]['status'] == 'orphaned'
    assert volumes[P_GONE]['app_id'] is None
    assert 'the app is gone' in volumes[P_GONE]['reason']
    assert volumes['mine']['status'] == 'not_marathon'
    # learned framework id: the other Marathon's volume is not ours to judge
    assert volumes['x#data#9']['status'] == 'not_marathon'
    assert 'other-0000' in volumes['x#data#9']['reason']


def test_summary_and_agent_dirs():
    result = audit(SLAVES, APPS)
    assert result['summary'] == {'attached': 1, 'suspended': 1, 'unreachable': 0, 'orphaned': 2, 'not_marathon': 2,
                                 'unknown': 0}
    dirs = dict((a['id'], a['volume_dirs']) for a in result['agents'])
    assert sorted(dirs['S0']) == sorted(['slave_public/' + P_RUN, 'slave_public/' + P_WIPED, 'ops/mine'])
    assert result['recovered_agents'] == [{'id': 'S9', 'hostname': '127.0.0.9'}]


def _agent_down(slaves, agent_id):
    return dict(slaves, slaves=[dict(a, active=False) if a['id'] == agent_id else a for a in slaves['slaves']])


def _task_state(apps, task_id, state):
    tasks = [dict(t, state=state) if t['id'] == task_id else t for t in apps['apps'][0]['tasks']]
    return {'apps': [dict(apps['apps'][0], tasks=tasks)] + apps['apps'][1:]}


@pytest.mark.parametrize('state', ['TASK_UNREACHABLE', 'TASK_LOST', 'TASK_UNKNOWN'])
def test_task_marathon_cannot_reach_is_unreachable_not_attached(state):
    # Real Marathon keeps startedAt on an unreachable resident task; its data is on an agent that is away.
    result = audit(SLAVES, _task_state(APPS, I_RUN + '._app.2', state))
    volume = by_pid(result)[P_RUN]
    assert volume['status'] == 'unreachable'
    assert state in volume['reason'] and I_RUN in volume['reason']
    assert volume['instance_id'] == I_RUN and volume['task_state'] == state
    assert result['summary']['unreachable'] == 1 and result['summary']['attached'] == 0


def test_volumes_on_an_inactive_agent_are_unreachable():
    # The emulator (and real Mesos until the agent is marked unreachable) lists a down agent with active: false,
    # before Marathon has heard of it; a suspended instance's data there cannot be relaunched either.
    result = audit(_agent_down(_agent_down(SLAVES, 'S0'), 'S1'), APPS)
    volumes = by_pid(result)
    assert volumes[P_RUN]['status'] == 'unreachable'
    assert volumes[P_SUSP]['status'] == 'unreachable'
    assert 'not active' in volumes[P_SUSP]['reason']
    # ownership still decides the rest: a wiped instance's volume on a down agent is orphaned
    assert volumes[P_WIPED]['status'] == 'orphaned'
    assert volumes['mine']['status'] == 'not_marathon'
    assert result['summary']['unreachable'] == 2


def test_reservations_of_unreachable_instances_are_unreachable():
    instance = 'db_pg.instance-%s' % U4
    slaves = {'slaves': [{'id': 'S0', 'hostname': 'h', 'active': False, 'reserved_resources_full': {
        'slave_public': [marathon_resources('cpus', 1, instance)]}}]}
    apps = {'apps': [{'id': '/db/pg', 'tasks': [
        {'id': instance + '._app.1', 'state': 'TASK_UNREACHABLE', 'startedAt': 't', 'slaveId': 'S0'}]}]}
    assert audit(slaves, apps)['reservations'][0]['status'] == 'unreachable'


def test_without_marathon_labelled_volumes_are_unknown():
    volumes = by_pid(audit(SLAVES))
    assert volumes[P_RUN]['status'] == 'unknown'
    assert volumes['mine']['status'] == 'not_marathon'


def test_explicit_framework_id_overrides_learning():
    volumes = by_pid(audit(SLAVES, APPS, framework_id='other-0000'))
    assert volumes['x#data#9']['status'] == 'orphaned'
    assert volumes[P_WIPED]['status'] == 'not_marathon'
    assert volumes[P_RUN]['status'] == 'attached'  # an owner found in Marathon always wins


def test_no_instances_at_all_judges_every_marathon_volume():
    volumes = by_pid(audit(SLAVES, {'apps': []}))
    assert set(v['status'] for k, v in volumes.items() if k != 'mine') == {'orphaned'}


def test_reservations_with_volumes_are_reported_through_their_volumes():
    result = audit(SLAVES, APPS)
    volumes = by_pid(result)
    assert volumes[P_RUN]['reserved_resources'] == {'cpus': 0.5, 'mem': 64.0, 'disk': 100.0}
    assert volumes['mine']['reserved_resources'] == {'disk': 10.0}
    assert result['reservations'] == []


def test_reservations_without_volumes_are_listed_and_classified():
    wiped_leftover = [marathon_resources('cpus', 0.5, I_WIPED), marathon_resources('mem', 64, I_WIPED),
                      marathon_resources('disk', 100, I_WIPED)]
    running_extra = [marathon_resources('cpus', 1, 'db_pg.instance-%s' % U4)]
    operator = {'name': 'disk', 'type': 'SCALAR', 'scalar': {'value': 5}, 'role': 'ops',
                'reservation': {'principal': 'ops'}}
    static = {'name': 'cpus', 'type': 'SCALAR', 'scalar': {'value': 1}, 'role': 'ops'}
    slaves = {'slaves': [{'id': 'S0', 'hostname': 'h', 'reserved_resources_full': {
        'slave_public': instance_resources(I_RUN, P_RUN) + wiped_leftover + running_extra,
        'ops': [operator, static]}}]}
    result = audit(slaves, APPS)
    groups = dict((r['labels'].get('marathon_task_id', r['role']), r) for r in result['reservations'])
    assert set(groups) == {I_WIPED, 'db_pg.instance-%s' % U4, 'ops'}   # static reservations are not listed
    assert groups[I_WIPED]['resources'] == {'cpus': 0.5, 'mem': 64.0, 'disk': 100.0}
    assert groups[I_WIPED]['status'] == 'orphaned'
    assert groups[I_WIPED]['app_id'] == '/db/pg'
    assert groups['ops']['status'] == 'not_marathon'
    assert 'volumes' not in groups['ops']


@pytest.mark.parametrize('filters, expected', [
    ({'agent_ids': ['S1']}, {P_SUSP, P_GONE, 'x#data#9'}),
    ({'agent_ids': ['S1'], 'roles': ['ops']}, set()),
    ({'hostnames': ['127.0.0.1']}, {P_RUN, P_WIPED, 'mine'}),
    ({'roles': ['ops']}, {'mine'}),
])
def test_filters(filters, expected):
    assert set(by_pid(audit(SLAVES, APPS, **filters))) == expected


def test_include_resources_returns_the_exact_listing():
    volumes = by_pid(audit(SLAVES, include_resources=True))
    assert volumes['mine']['resource'] == OPS_VOLUME
    assert 'resource' not in by_pid(audit(SLAVES))['mine']


def test_relaunched_instance_prefers_the_launched_task():
    apps = {'apps': [{'id': '/db/pg', 'tasks': [
        {'id': I_RUN + '._app.1', 'state': 'TASK_FAILED', 'localVolumes': [{'persistenceId': P_RUN}]},
        {'id': I_RUN + '._app.2', 'state': 'TASK_RUNNING', 'startedAt': 't',
         'localVolumes': [{'persistenceId': P_RUN}]},
    ]}]}
    assert by_pid(audit(SLAVES, apps))[P_RUN]['status'] == 'attached'


@pytest.mark.parametrize('task_id, expected', [
    ('db_pg.instance-%s._app.3' % U1, 'db_pg.instance-%s' % U1),
    ('db_pg.%s' % U1, 'db_pg.%s' % U1),
    ('db_pg.%s.2' % U1, 'db_pg.%s' % U1),
    ('my.app.%s.1' % U1, 'my.app.%s' % U1),
    ('db_pg.marathon-%s' % U1, 'db_pg.marathon-%s' % U1),
    ('weird', 'weird'),
])
def test_reservation_id_of_task(task_id, expected):
    assert reservation_id_of_task(task_id) == expected


@pytest.mark.parametrize('func, value, expected', [
    (safe_app_id, '/db/pg', 'db_pg'),
    (safe_app_id, 'web', 'web'),
    (safe_id_of_persistence, 'db_pg#data#uuid', 'db_pg'),
    (safe_id_of_persistence, 'backup-data', None),
    (safe_id_of_reservation, 'db_pg.instance-%s' % U1, 'db_pg'),
    (safe_id_of_reservation, 'db_pg.%s' % U1, 'db_pg'),
    (safe_id_of_reservation, 'nothing', None),
])
def test_id_helpers(func, value, expected):
    assert func(value) == expected


@pytest.mark.parametrize('role, pid, expected', [
    ('slave_public', 'a#b#c', 'slave_public/a#b#c'),
    ('eng/web', 'v', 'eng web/v'),   # Mesos encodes "/" of hierarchical roles as a space
])
def test_volume_dir(role, pid, expected):
    assert volume_dir(role, pid) == expected


POD_INSTANCE = 'pod_db.instance-%s' % U1
POD_SUSPENDED = 'pod_db.instance-%s' % U2
PODS = [{'id': '/pod/db', 'status': 'STABLE', 'instances': [
    {'id': POD_INSTANCE, 'status': 'STABLE', 'agentId': 'S0',
     'localVolumes': [{'containerPath': 'data', 'persistenceId': 'pod_db#data#p1'}]},
    {'id': POD_SUSPENDED, 'status': 'TERMINAL', 'agentId': 'S0'},
]}]
POD_SLAVES = {'slaves': [{'id': 'S0', 'hostname': 'h', 'reserved_resources_full': {
    'slave_public': instance_resources(POD_INSTANCE, 'pod_db#data#p1') + instance_resources(POD_SUSPENDED, 'pod_db#data#p2')
    + instance_resources(I_RUN, P_RUN)}}]}


def test_pods_are_read_only_when_something_looks_orphaned():
    calls = []

    def load_pods():
        calls.append(1)
        return PODS

    only_apps = {'slaves': [{'id': 'S0', 'hostname': 'h', 'reserved_resources_full': {
        'slave_public': instance_resources(I_RUN, P_RUN)}}]}
    assert by_pid(audit(only_apps, APPS, load_pods=load_pods))[P_RUN]['status'] == 'attached'
    assert calls == []
    volumes = by_pid(audit(POD_SLAVES, APPS, load_pods=load_pods))
    assert calls == [1]
    assert volumes['pod_db#data#p1']['status'] == 'attached'
    assert volumes['pod_db#data#p1']['app_id'] == '/pod/db'
    assert 'pod instance %s (STABLE)' % POD_INSTANCE in volumes['pod_db#data#p1']['reason']
    assert volumes['pod_db#data#p2']['status'] == 'suspended'   # found by its reservation id
    assert volumes[P_RUN]['status'] == 'attached'


def test_without_pods_a_pod_volume_would_look_orphaned():
    assert by_pid(audit(POD_SLAVES, APPS))['pod_db#data#p1']['status'] == 'orphaned'


def test_summary_counts_reservations_without_a_volume():
    # issue 8 item 10: a wiped instance without volumes leaves cpus/mem/disk reserved; the summary shows it
    wiped_cpus_mem = 'db_pg.instance-%s' % U4
    slaves = {'slaves': [{'id': 'S0', 'hostname': 'h', 'reserved_resources_full': {'slave_public': [
        marathon_resources('cpus', 0.5, wiped_cpus_mem), marathon_resources('mem', 64, wiped_cpus_mem),
        marathon_resources('disk', 32, wiped_cpus_mem)]}}]}
    result = audit(slaves, {'apps': [{'id': '/db/pg', 'tasks': []}]}, framework_id=FW)
    assert result['volumes'] == []
    assert [r['status'] for r in result['reservations']] == ['orphaned']
    assert result['reservations'][0]['resources'] == {'cpus': 0.5, 'mem': 64, 'disk': 32}
    assert result['summary'] == {'attached': 0, 'suspended': 0, 'orphaned': 1, 'unreachable': 0, 'not_marathon': 0,
                                 'unknown': 0}


def test_marathon_persistence_ids_list_every_instance_whatever_mesos_lists():
    # No agent lists any volume (say the agent re-registered under a new id): Marathon's ids are still listed,
    # suspended instances and pod instances included, so the clean-up role never removes their directories.
    calls = []

    def load_pods():
        calls.append(1)
        return PODS

    result = audit_members([('slaves', {'id': 'S5', 'hostname': 'h'})], APPS, load_pods=load_pods, marathon_ids=True)
    assert result['marathon_persistence_ids'] == sorted([P_RUN, P_SUSP, 'pod_db#data#p1'])
    assert calls == [1]
    assert 'marathon_persistence_ids' not in audit_members([], APPS)
    assert 'marathon_persistence_ids' not in audit_members([], None, marathon_ids=True)  # Marathon not asked


@pytest.mark.parametrize('slaves, apps, field', [
    # what the fuzz test found: a non-string task id, lists where objects belong (issue 8, item 21)
    (SLAVES, {'apps': [{'id': '/db/pg', 'tasks': [{'id': ['x'], 'localVolumes': []}]}]}, '.tasks[0].id'),
    (SLAVES, [{'id': '/db/pg'}], 'not an object with a list of "apps"'),
    (SLAVES, {'apps': [{'id': '/db/pg', 'tasks': [{'id': 't', 'localVolumes': [{'persistenceId': 7}]}]}]},
     'localVolumes[0].persistenceId'),
    ({'slaves': [['S0']]}, APPS, 'not an object'),
    ({'slaves': [{'id': 'S0', 'reserved_resources_full': []}]}, APPS, 'reserved_resources_full is list'),
    ({'slaves': [{'id': 'S0', 'reserved_resources_full': {'r': [{'name': 'disk', 'disk': {'persistence': []}}]}}]},
     APPS, 'reserved_resources_full.r[0].disk.persistence is list'),
    ({'slaves': [{'id': 'S0', 'reserved_resources_full': {'r': [{'reservation': {'labels': {'labels': [
        {'key': 'marathon_task_id', 'value': ['x']}]}}}]}}]}, APPS, 'labels[0].value'),
    ({'slaves': [], 'recovered_slaves': {'id': 'S9'}}, APPS, 'recovered_slaves is dict'),
])
def test_answers_of_the_wrong_shape_are_refused_naming_the_field(slaves, apps, field):
    # Never skipped: a task left out of the index would make its volume look orphaned (and destroyable).
    with pytest.raises(ShapeError) as error:
        audit(slaves, apps)
    assert field in str(error.value)


def test_pods_of_the_wrong_shape_are_refused():
    with pytest.raises(ShapeError):
        audit(POD_SLAVES, APPS, load_pods=lambda: [{'id': '/pod/db', 'instances': {'id': 'x'}}])
