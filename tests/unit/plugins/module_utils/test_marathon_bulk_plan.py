# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tables for marathon_app's many-apps plan (option apps): what is created, updated, left alone or refused, and the
one bulk PUT body; and the GET /v2/apps id filter that must keep every app asked for."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.bulk_plan import common_id_filter, plan_bulk
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.tasks import app_status
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import MASK

PV = {'containerPath': 'data', 'mode': 'RW', 'persistent': {'size': 10}}
EXT = {'containerPath': 'ext', 'mode': 'RW', 'external': {'name': 'vol1', 'provider': 'dvdi', 'options': {'dvdi/driver': 'rexray'}}}
RESIDENT = {'type': 'MESOS', 'volumes': [PV]}
EXTERNAL = {'type': 'MESOS', 'volumes': [EXT]}
KEEP_ONE = {'minimumHealthCapacity': 0.5, 'maximumOverCapacity': 0}


def app(app_id, **fields):
    return dict({'id': app_id, 'cmd': 'sleep 100', 'cpus': 0.1, 'mem': 16, 'instances': 1}, **fields)


def held(app_id, **fields):
    """An app as Marathon returns it: server fields and defaults filled in."""
    defaults = dict(version='2026-01-01T00:00:00.000Z', tasksRunning=1, tasks=[], deployments=[], disk=0, gpus=0,
                    env={}, labels={}, constraints=[], dependencies=[], role='marathon')
    return dict(defaults, **app(app_id, **fields))


def by_id(*apps):
    return dict((a['id'], a) for a in apps)


# (name, desired, current, force, created, updated, refused apps, ids in the PUT body)
TABLE = [
    ('nothing yet: all created', [app('/a'), app('/b')], {}, False,
     ['/a', '/b'], {}, [], ['/a', '/b']),
    ('all equal: no write', [app('/a'), app('/b')], by_id(held('/a'), held('/b')), False,
     [], {}, [], []),
    ('server defaults are not differences', [app('/a', env={}, labels={})], by_id(held('/a')), False,
     [], {}, [], []),
    ('one of three differs: only it is sent', [app('/a'), app('/b', mem=32), app('/c')],
     by_id(held('/a'), held('/b'), held('/c')), False,
     [], {'/b': ['mem']}, [], ['/b']),
    ('a partial update (instances only) of an existing app', [{'id': '/a', 'instances': 0}], by_id(held('/a')), False,
     [], {'/a': ['instances']}, [], ['/a']),
    ('created and updated in one body, in the given order', [app('/new'), app('/a', cpus=0.2)], by_id(held('/a')), False,
     ['/new'], {'/a': ['cpus']}, [], ['/new', '/a']),
    ('apps of Marathon that are not listed are not touched', [app('/a')], by_id(held('/a'), held('/other')), False,
     [], {}, [], []),
    ('resident app: new volume size refused',
     [app('/db', container={'type': 'MESOS', 'volumes': [dict(PV, persistent={'size': 20})]}, upgradeStrategy=KEEP_ONE)],
     by_id(held('/db', container=RESIDENT, upgradeStrategy=KEEP_ONE)), False,
     [], {'/db': ['container']}, ['/db'], ['/db']),
    ('resident app: scaling is allowed',
     [{'id': '/db', 'instances': 0}], by_id(held('/db', container=RESIDENT, upgradeStrategy=KEEP_ONE)), False,
     [], {'/db': ['instances']}, [], ['/db']),
    ('external volume renamed: refused',
     [app('/x', container={'type': 'MESOS', 'volumes': [dict(EXT, external=dict(EXT['external'], name='vol2'))]})],
     by_id(held('/x', container=EXTERNAL)), False,
     [], {'/x': ['container']}, ['/x'], ['/x']),
    ('role of a resident app: refused without force',
     [{'id': '/db', 'role': 'other'}], by_id(held('/db', container=RESIDENT, upgradeStrategy=KEEP_ONE)), False,
     [], {'/db': ['role']}, ['/db'], ['/db']),
    ('role of a resident app: allowed with force',
     [{'id': '/db', 'role': 'other'}], by_id(held('/db', container=RESIDENT, upgradeStrategy=KEEP_ONE)), True,
     [], {'/db': ['role']}, [], ['/db']),
    ('a new app must be whole (no cmd, args or container)', [{'id': '/bare', 'cpus': 0.1}], {}, False,
     ['/bare'], {}, ['/bare'], ['/bare']),
    ('a new resident app without upgradeStrategy: Marathon gives it the resident default',
     [app('/db', container=RESIDENT)], {}, False,
     ['/db'], {}, [], ['/db']),
    ('a new resident app that may over-provision: refused',
     [app('/db', container=RESIDENT, upgradeStrategy={'minimumHealthCapacity': 0.5, 'maximumOverCapacity': 1})], {}, False,
     ['/db'], {}, ['/db'], ['/db']),
    ('two refused apps are both named', [{'id': '/bare1'}, {'id': '/bare2'}], {}, False,
     ['/bare1', '/bare2'], {}, ['/bare1', '/bare2'], ['/bare1', '/bare2']),
    ('the mask fed back keeps Marathon\'s value: no difference',
     [app('/a', env={'DB_PASSWORD': MASK})], by_id(held('/a', env={'DB_PASSWORD': 'real'})), False,
     [], {}, [], []),
    ('the mask without a value in Marathon: refused', [app('/a', env={'DB_PASSWORD': MASK})], {}, False,
     ['/a'], {}, ['/a'], ['/a']),
]


@pytest.mark.parametrize('name,desired,current,force,created,updated,refused,sent', TABLE, ids=[t[0] for t in TABLE])
def test_plan_bulk(name, desired, current, force, created, updated, refused, sent):
    plan = plan_bulk(desired, current, force=force)
    assert plan.created == created
    assert plan.updated == updated
    assert sorted(set(r[0] for r in plan.refusals)) == sorted(refused)
    assert [body['id'] for body in plan.body] == sent
    assert plan.changed == bool(sent)
    assert [a['id'] for a in plan.predicted] == [a['id'] for a in desired]


def test_update_body_is_the_partial_update_not_the_merged_app():
    """Marathon merges a partial update itself (partialUpdate=true): the body carries the user's fields, not the
    server's copy (no version, tasks or counts, which Marathon would refuse or ignore)."""
    plan = plan_bulk([app('/a', mem=32)], by_id(held('/a')))
    assert plan.body == [app('/a', mem=32)]
    assert plan.predicted[0]['mem'] == 32 and plan.predicted[0]['disk'] == 0


def test_secret_restored_into_the_body_and_masked_in_the_diff():
    plan = plan_bulk([app('/a', mem=32, env={'DB_PASSWORD': MASK})], by_id(held('/a', env={'DB_PASSWORD': 'real'})))
    assert plan.body[0]['env'] == {'DB_PASSWORD': 'real'}
    assert 'real' not in repr(plan.diff)
    assert plan.diff['after']['/a'] == {'mem': 32}


def test_diff_of_a_created_app_is_masked():
    plan = plan_bulk([app('/a', env={'API_TOKEN': 'tok-123'})], {})
    assert plan.diff['before'] == {}
    assert plan.diff['after']['/a']['env'] == {'API_TOKEN': MASK}


def test_unchanged_apps_are_predicted_as_marathon_holds_them():
    current = held('/a')
    plan = plan_bulk([app('/a')], by_id(current))
    assert plan.predicted == [current] and plan.unchanged == ['/a']


@pytest.mark.parametrize('ids,expected', [
    ([], None),
    (['/a'], None),
    (['/a', '/b'], None),
    (['/prod/db/a', '/prod/db/b'], '/prod/db/'),
    (['/prod/db/a', '/prod/dbx/b'], '/prod/'),
    (['/prod/db/a', '/prod/web'], '/prod/'),
    (['/prod/db/a'], '/prod/db/'),
    (['/prod/a', '/staging/a'], None),
])
def test_common_id_filter(ids, expected):
    assert common_id_filter(ids) == expected
    # Marathon's filter is a substring of the id: every app asked for must pass it
    assert all(expected is None or expected.lower() in i.lower() for i in ids)


def test_app_status_is_short_and_keeps_where_the_volumes_are():
    task = {'id': 'db.instance-1._app.1', 'host': 'h1', 'slaveId': 'S1', 'state': 'TASK_RUNNING',
            'localVolumes': [{'containerPath': 'data', 'persistenceId': 'db#data#1'}]}
    status = app_status(held('/db', container=RESIDENT, env={'DB_PASSWORD': 'real'}, tasks=[task],
                             deployments=[{'id': 'd1'}]))
    assert set(status) == {'id', 'version', 'instances', 'tasks_running', 'tasks_healthy', 'tasks_staged',
                           'deployments', 'tasks'}
    assert status['deployments'] == ['d1'] and 'real' not in repr(status)
    assert status['tasks'][0]['agent_id'] == 'S1'
    assert status['tasks'][0]['local_volumes'] == [{'container_path': 'data', 'persistence_id': 'db#data#1'}]


def test_app_status_of_a_new_app_predicted_from_its_definition():
    """Check mode: no version, no counts yet; the instances Marathon will give it (1 when the definition has none)."""
    status = app_status({'id': '/new', 'cmd': 'sleep 1'})
    assert status['instances'] == 1 and status['version'] is None and status['tasks'] == []
