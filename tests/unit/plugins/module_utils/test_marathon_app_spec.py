# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tables for normalise / compare / diff / mask / resident rules of app definitions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import (
    MASK, MASK_CHANGED, build_diff, canonical_app_id, differences, external_volume_violations, external_volume_warnings,
    mask_secrets, normalise_app, predict_app, resident_update_violations, restart_starts_first, restore_masked,
    role_change_violation, safe_app_id, values_equal,
)

PV = {'containerPath': 'data', 'mode': 'RW', 'persistent': {'size': 10}}
RESIDENT_USER = {
    'id': '/pv', 'cmd': 'sleep 1000', 'cpus': 0.1, 'mem': 32, 'instances': 1,
    'container': {'type': 'MESOS', 'volumes': [PV]},
}
# What Marathon 1.10 returns for RESIDENT_USER (defaults filled, server fields added).
RESIDENT_SERVER = {
    'id': '/pv', 'cmd': 'sleep 1000', 'cpus': 0.1, 'mem': 32, 'disk': 0, 'gpus': 0, 'instances': 1,
    'backoffSeconds': 1, 'backoffFactor': 1.15, 'maxLaunchDelaySeconds': 300, 'executor': '',
    'requirePorts': False, 'killSelection': 'YOUNGEST_FIRST', 'env': {}, 'labels': {}, 'constraints': [],
    'healthChecks': [], 'fetch': [], 'portDefinitions': [{'port': 10000, 'protocol': 'tcp', 'name': 'default'}],
    'container': {'type': 'MESOS', 'volumes': [{'containerPath': 'data', 'mode': 'RW',
                                                'persistent': {'type': 'root', 'size': 10, 'constraints': []}}]},
    'upgradeStrategy': {'minimumHealthCapacity': 0.5, 'maximumOverCapacity': 0},
    'unreachableStrategy': 'disabled',
    'residency': {'relaunchEscalationTimeoutSeconds': 3600, 'taskLostBehavior': 'WAIT_FOREVER'},
    'version': '2026-11-21T19:00:00.000Z', 'versionInfo': {'lastScalingAt': 'x', 'lastConfigChangeAt': 'y'},
    'tasksStaged': 0, 'tasksRunning': 1, 'tasksHealthy': 0, 'tasksUnhealthy': 0,
    'deployments': [], 'tasks': [{'id': 'pv.instance-1._app.1'}],
}


def with_(base, **changes):
    new = dict(base)
    new.update(changes)
    return new


@pytest.mark.parametrize('raw, canonical, safe', [
    ('pv', '/pv', 'pv'),
    ('/db/pg/', '/db/pg', 'db_pg'),
    ('/a/./b/../c', '/a/c', 'a_c'),
])
def test_app_ids(raw, canonical, safe):
    assert canonical_app_id(raw) == canonical
    assert safe_app_id(raw) == safe


@pytest.mark.parametrize('desired, current, expected', [
    # a definition equal to what Marathon returns, server fields and defaults aside
    (RESIDENT_USER, RESIDENT_SERVER, []),
    (with_(RESIDENT_USER, upgradeStrategy={'minimumHealthCapacity': 0.5}), RESIDENT_SERVER, []),
    (with_(RESIDENT_USER, upgradeStrategy={'minimumHealthCapacity': 0.5, 'maximumOverCapacity': 0.0}), RESIDENT_SERVER, []),
    (with_(RESIDENT_USER, instances=2), RESIDENT_SERVER, ['instances']),
    (with_(RESIDENT_USER, cmd='sleep 2000'), RESIDENT_SERVER, ['cmd']),
    (with_(RESIDENT_USER, env={'A': '1'}), RESIDENT_SERVER, ['env']),
    (with_(RESIDENT_SERVER, env={'A': '1', 'B': '2'}), with_(RESIDENT_SERVER, env={'A': '1'}), ['env']),
    # a removed env key is a change (maps compare exactly)
    (with_(RESIDENT_USER, env={'A': '1'}), with_(RESIDENT_SERVER, env={'A': '1', 'B': '2'}), ['env']),
    (with_(RESIDENT_USER, env={}), RESIDENT_SERVER, []),
    # defaults the user spells out
    (with_(RESIDENT_USER, disk=0, gpus=0, backoffFactor=1.15, requirePorts=False), RESIDENT_SERVER, []),
    (with_(RESIDENT_USER, unreachableStrategy='disabled'), RESIDENT_SERVER, []),
    # 1 vs 1.0
    (with_(RESIDENT_USER, mem=32.0), RESIDENT_SERVER, []),
    # ports: 0 asks Marathon to choose
    (with_(RESIDENT_USER, portDefinitions=[{'port': 0, 'name': 'default'}]), RESIDENT_SERVER, []),
    (with_(RESIDENT_USER, portDefinitions=[{'port': 0, 'name': 'http'}]), RESIDENT_SERVER, ['portDefinitions']),
    # set-like fields are order-insensitive
    (with_(RESIDENT_USER, constraints=[['b', 'UNIQUE'], ['a', 'UNIQUE']]),
     with_(RESIDENT_SERVER, constraints=[['a', 'UNIQUE'], ['b', 'UNIQUE']]), []),
    # a top-level field the user leaves out is not compared (partial update)
    ({'id': '/pv', 'instances': 1}, RESIDENT_SERVER, []),
    ({'id': '/pv', 'instances': 0}, RESIDENT_SERVER, ['instances']),
    # a default the user sets differently
    (with_(RESIDENT_USER, killSelection='OLDEST_FIRST'), RESIDENT_SERVER, ['killSelection']),
    # booleans are not numbers
    (with_(RESIDENT_USER, requirePorts=0), RESIDENT_SERVER, ['requirePorts']),
    # health check defaults
    (with_(RESIDENT_USER, healthChecks=[{'protocol': 'COMMAND', 'command': {'value': 'true'}}]),
     with_(RESIDENT_SERVER, healthChecks=[{'protocol': 'COMMAND', 'command': {'value': 'true'}, 'gracePeriodSeconds': 300,
                                           'intervalSeconds': 60, 'timeoutSeconds': 20, 'maxConsecutiveFailures': 3,
                                           'delaySeconds': 15}]), []),
    (with_(RESIDENT_USER, healthChecks=[{'protocol': 'COMMAND', 'command': {'value': 'true'}, 'intervalSeconds': 5}]),
     with_(RESIDENT_SERVER, healthChecks=[{'protocol': 'COMMAND', 'command': {'value': 'true'}}]), ['healthChecks']),
])
def test_differences(desired, current, expected):
    assert differences(desired, current) == expected


def test_normalise_drops_server_fields_and_fills_volume_defaults():
    n = normalise_app(RESIDENT_USER)
    assert n['container']['volumes'][0]['persistent'] == {'type': 'root', 'size': 10, 'constraints': []}
    s = normalise_app(RESIDENT_SERVER)
    for key in ('version', 'tasks', 'deployments', 'tasksRunning', 'versionInfo'):
        assert key not in s


@pytest.mark.parametrize('desired, current, equal', [
    ({'a': 1}, {'a': 1, 'b': []}, True),
    ({'a': 1}, {'a': 1, 'b': 'x'}, True),  # server-only nested keys are ignored
    ({'a': None}, {'a': []}, True),
    ([1, 2], [1, 2, 3], False),
    (True, 1, False),
    (1, 1.0, True),
])
def test_values_equal(desired, current, equal):
    assert values_equal(desired, current) is equal


@pytest.mark.parametrize('value, expected', [
    ({'env': {'DB_PASSWORD': 'hunter2', 'USER': 'app'}}, {'env': {'DB_PASSWORD': MASK, 'USER': 'app'}}),
    ({'labels': {'api_token': 'x', 'ssh-key': 'y', 'secretName': 'z'}},
     {'labels': {'api_token': MASK, 'ssh-key': MASK, 'secretName': MASK}}),
    ({'env': {'TOKEN': {'secret': 'ref'}}}, {'env': {'TOKEN': {'secret': 'ref'}}}),  # a reference, not a value
    ({'env': {'PASSWORD': ''}}, {'env': {'PASSWORD': ''}}),
    ([{'password': 's'}], [{'password': MASK}]),
])
def test_mask_secrets(value, expected):
    assert mask_secrets(value) == expected


def test_diff_shows_only_what_changes_and_masks():
    current = with_(RESIDENT_SERVER, env={'A': '1', 'DB_PASSWORD': 'old'})
    desired = with_(RESIDENT_USER, env={'A': '1', 'DB_PASSWORD': 'new'}, instances=2)
    keys = differences(desired, current)
    assert keys == ['env', 'instances']
    diff = build_diff(desired, current, keys)
    # the after side says the masked value changed (both sides reading MASK would show no change)
    assert diff == {'before': {'env': {'DB_PASSWORD': MASK}, 'instances': 1},
                    'after': {'env': {'DB_PASSWORD': MASK_CHANGED}, 'instances': 2}}


@pytest.mark.parametrize('current_env, desired_env, before, after', [
    # only a secret changes: the diff still shows a changed line
    ({'DB_PASSWORD': 'old', 'A': '1'}, {'DB_PASSWORD': 'new', 'A': '1'},
     {'DB_PASSWORD': MASK}, {'DB_PASSWORD': MASK_CHANGED}),
    # a new secret: plain mask on the after side, nothing before
    ({'A': '1'}, {'DB_PASSWORD': 'new', 'A': '1'}, {}, {'DB_PASSWORD': MASK}),
    # the secret is unchanged, another key changes: the secret is not in the diff at all
    ({'DB_PASSWORD': 's', 'A': '1'}, {'DB_PASSWORD': 's', 'A': '2'}, {'A': '1'}, {'A': '2'}),
])
def test_diff_of_secret_only_changes_is_visible(current_env, desired_env, before, after):
    current = with_(RESIDENT_SERVER, env=current_env)
    desired = with_(RESIDENT_USER, env=desired_env)
    keys = differences(desired, current)
    assert keys == ['env']
    diff = build_diff(desired, current, keys)
    assert diff == {'before': {'env': before}, 'after': {'env': after}}
    assert diff['before'] != diff['after']
    assert 'old' not in repr(diff) and 'new' not in repr(diff)


def test_predict_app_is_partial_update():
    p = predict_app({'id': '/pv', 'instances': 0}, RESIDENT_SERVER)
    assert p['instances'] == 0 and p['cmd'] == 'sleep 1000' and 'tasks' not in p


RES_MSG = ('Services with persistent volumes configured may not change resource requirements. '
           'If you need to make this change, please create a new service.')


@pytest.mark.parametrize('desired, expected', [
    ({'id': '/pv', 'instances': 3}, []),
    ({'id': '/pv', 'cmd': 'other'}, []),
    (RESIDENT_USER, []),
    ({'id': '/pv', 'cpus': 0.2}, [{'path': '/cpus', 'errors': [RES_MSG]}]),
    ({'id': '/pv', 'mem': 64, 'disk': 1}, [{'path': '/mem', 'errors': [RES_MSG]}, {'path': '/disk', 'errors': [RES_MSG]}]),
    ({'id': '/pv', 'container': {'type': 'MESOS', 'volumes': [dict(PV, persistent={'size': 20})]}},
     [{'path': '/', 'errors': ['Persistent volumes can not be changed!']}]),
    ({'id': '/pv', 'container': {'type': 'MESOS', 'volumes': []}},
     [{'path': '/', 'errors': ['Persistent volumes can not be changed!']}]),
    ({'id': '/pv', 'requirePorts': True, 'portDefinitions': [{'port': 8080}]},
     [{'path': '/requirePorts', 'errors': [RES_MSG]},
      {'path': '/', 'errors': ['Services with persistent volumes configured may not change host ports. '
                               'If you need to make this change, please create a new service.']}]),
])
def test_resident_update_violations(desired, expected):
    assert resident_update_violations(desired, RESIDENT_SERVER) == expected


def test_adding_a_first_persistent_volume_is_a_violation():
    plain = with_(RESIDENT_SERVER, container={'type': 'MESOS', 'volumes': []})
    assert resident_update_violations(RESIDENT_USER, plain) == [
        {'path': '/', 'errors': ['Persistent volumes can not be changed!']}]


@pytest.mark.parametrize('desired, current, changed', [
    ({'id': '/pv', 'role': 'slave_public'}, with_(RESIDENT_SERVER, role='slave_public'), False),
    ({'id': '/pv', 'role': 'db'}, with_(RESIDENT_SERVER, role='slave_public'), True),
    ({'id': '/pv', 'instances': 2}, with_(RESIDENT_SERVER, role='slave_public'), False),
    ({'id': '/pv', 'role': 'db'}, with_(RESIDENT_SERVER, role='slave_public', container={'type': 'MESOS', 'volumes': []}), False),
])
def test_role_change_violation(desired, current, changed):
    got = role_change_violation(desired, current)
    assert (got is not None) is changed
    if changed:
        assert got['path'] == '/role' and 'previous role, slave_public' in got['errors'][0] and 'new role, db' in got['errors'][0]


# ---------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2, allow_nan=False), st.text(max_size=4))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                         st.dictionaries(st.text(max_size=4), inner, max_size=3)), max_leaves=6)
_keys = st.sampled_from(['cmd', 'cpus', 'mem', 'instances', 'env', 'labels', 'container', 'constraints', 'healthChecks',
                         'portDefinitions', 'upgradeStrategy', 'acceptedResourceRoles', 'fetch', 'args', 'user'])
_apps = st.dictionaries(_keys, _values, max_size=6).map(lambda d: dict(d, id='/p'))


@settings(max_examples=300, deadline=None)
@given(desired=_apps, current=_apps)
def test_after_the_update_nothing_is_left_to_change(desired, current):
    """Idempotency: once Marathon holds the partial update of `desired`, comparing again finds no difference."""
    assert differences(desired, predict_app(desired, current)) == []


@settings(max_examples=300, deadline=None)
# a secret made of mask characters ('******') is found inside the mask itself: not a leak
@given(app=_apps, secret=st.text(min_size=6, max_size=12).filter(lambda s: s.strip() and s.isprintable() and s not in MASK))
def test_masking_hides_secret_values_everywhere(app, secret):
    app = dict(app, env={'DB_PASSWORD': secret}, labels={'api_token': secret})
    masked = mask_secrets(app)
    assert masked['env']['DB_PASSWORD'] == MASK and masked['labels']['api_token'] == MASK
    assert mask_secrets(masked) == masked
    current = dict(app, env={'DB_PASSWORD': secret + 'x'})
    keys = differences(app, current)
    diff = build_diff(app, current, keys)
    assert secret not in repr(diff['after']) and secret not in repr(diff['before'])


@pytest.mark.parametrize('desired, current, restored, missing', [
    # the masked output fed back keeps Marathon's secret
    ({'env': {'DB_PASSWORD': MASK, 'A': '1'}}, {'env': {'DB_PASSWORD': 'real', 'A': '0'}},
     {'env': {'DB_PASSWORD': 'real', 'A': '1'}}, []),
    # a real value is a real change
    ({'env': {'DB_PASSWORD': 'new'}}, {'env': {'DB_PASSWORD': 'real'}}, {'env': {'DB_PASSWORD': 'new'}}, []),
    # the mask under a key that is not secret-looking is a plain value
    ({'env': {'STARS': MASK}}, {'env': {'STARS': 'x'}}, {'env': {'STARS': MASK}}, []),
    # nothing to keep: the app does not exist, or has no such key
    ({'env': {'DB_PASSWORD': MASK}}, None, {'env': {'DB_PASSWORD': MASK}}, ['/env/DB_PASSWORD']),
    ({'labels': {'api_token': MASK}}, {'labels': {}}, {'labels': {'api_token': MASK}}, ['/labels/api_token']),
    # inside lists of the same length (health-check or fetch entries with secret-looking keys)
    ({'x': [{'token': MASK}]}, {'x': [{'token': 't'}]}, {'x': [{'token': 't'}]}, []),
    ({'x': [{'token': MASK}]}, {'x': []}, {'x': [{'token': MASK}]}, ['/x(0)/token']),
])
def test_restore_masked(desired, current, restored, missing):
    assert restore_masked(desired, current) == (restored, missing)


FETCHED = {'uri': 'http://x/a.tgz', 'extract': True, 'executable': False, 'cache': False}


@pytest.mark.parametrize('desired, current, changed', [
    # deprecated fields Marathon 1.5+ stores in the new form and never returns
    ({'uris': ['http://x/a.tgz']}, {'fetch': [FETCHED]}, []),
    ({'uris': ['http://x/b.tgz']}, {'fetch': [FETCHED]}, ['fetch']),
    ({'uris': []}, {'fetch': []}, []),
    ({'ports': [0, 0]}, {'portDefinitions': [{'port': 10001, 'protocol': 'tcp'}, {'port': 10002, 'protocol': 'tcp'}]}, []),
    ({'ports': [8080]}, {'portDefinitions': [{'port': 8081, 'protocol': 'tcp'}]}, ['portDefinitions']),
    ({'ports': [0]}, {'portDefinitions': []}, ['portDefinitions']),
    ({'container': {'type': 'DOCKER', 'docker': {
        'image': 'nginx', 'network': 'BRIDGE', 'portMappings': [{'containerPort': 80, 'hostPort': 0}]}}},
     {'networks': [{'mode': 'container/bridge'}],
      'container': {'type': 'DOCKER', 'volumes': [], 'docker': {
          'image': 'nginx', 'forcePullImage': False, 'parameters': [], 'privileged': False},
          'portMappings': [{'containerPort': 80, 'hostPort': 31000, 'protocol': 'tcp', 'servicePort': 10001}]}},
     []),
    ({'container': {'type': 'DOCKER', 'docker': {'image': 'nginx', 'network': 'HOST'}}},
     {'networks': [{'mode': 'host'}], 'container': {'type': 'DOCKER', 'docker': {'image': 'nginx'}, 'volumes': []}}, []),
    ({'container': {'type': 'DOCKER', 'docker': {'image': 'nginx', 'network': 'BRIDGE'}}},
     {'networks': [{'mode': 'host'}], 'container': {'type': 'DOCKER', 'docker': {'image': 'nginx'}, 'volumes': []}},
     ['networks']),
])
def test_deprecated_uris_and_ports_compare_in_the_new_form(desired, current, changed):
    base = {'id': '/d', 'cmd': 'sleep 1', 'cpus': 0.1, 'mem': 16, 'instances': 1}
    assert differences(dict(base, **desired), dict(base, **current)) == changed


RESIDENT_DOCKER = {
    'id': '/pg', 'cpus': 0.1, 'mem': 32, 'instances': 1, 'version': '2024-01-01T00:00:00.000Z',
    'container': {'type': 'DOCKER', 'docker': {'image': 'postgres:15', 'forcePullImage': False, 'privileged': False,
                                               'parameters': []},
                  'volumes': [{'containerPath': 'pgdata', 'mode': 'RW',
                               'persistent': {'size': 100, 'type': 'root', 'constraints': []}}],
                  'portMappings': [{'containerPort': 5432, 'hostPort': 0, 'servicePort': 10001, 'protocol': 'tcp',
                                    'labels': {}}]},
    'networks': [{'mode': 'container/bridge'}],
}


def test_image_only_container_on_a_resident_app_names_the_real_cause():
    violations = resident_update_violations({'id': '/pg', 'container': {'type': 'DOCKER', 'docker': {
        'image': 'postgres:16'}}}, RESIDENT_DOCKER)
    assert len(violations) == 1 and violations[0]['path'] == '/container/volumes'
    message = violations[0]['errors'][0]
    assert 'replaces the whole container block' in message and 'pgdata' in message
    for advice in ('remove_volumes', 'state=absent', 'delete'):
        assert advice not in message  # never suggest destroying the data


def test_resident_hint_never_suggests_destroying_data():
    from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import RESIDENT_HINT
    assert 'remove_volumes' not in RESIDENT_HINT and 'absent' not in RESIDENT_HINT


def test_image_upgrade_with_the_whole_container_is_allowed_and_keeps_the_service_port():
    desired = {'id': '/pg', 'container': {
        'type': 'DOCKER', 'docker': {'image': 'postgres:16'},
        'volumes': [{'containerPath': 'pgdata', 'mode': 'RW', 'persistent': {'size': 100}}],
        'portMappings': [{'containerPort': 5432, 'hostPort': 0}]}}
    assert resident_update_violations(desired, RESIDENT_DOCKER) == []
    changed = differences(desired, RESIDENT_DOCKER)
    assert changed == ['container']
    diff = build_diff(desired, RESIDENT_DOCKER, changed)
    assert diff['before']['container']['portMappings'][0]['servicePort'] == 10001
    assert diff['after']['container']['portMappings'][0]['servicePort'] == 10001  # not 0: Marathon keeps it
    assert diff['after']['container']['docker']['image'] == 'postgres:16'
    assert predict_app(desired, RESIDENT_DOCKER)['container']['portMappings'][0]['servicePort'] == 10001


# ---------------------------------------------------------------- external (DVDI) volumes

def _ext(name='pgdata', path='data', **external):
    ext = {'name': name, 'provider': 'dvdi', 'options': {'dvdi/driver': 'rexray'}}
    ext.update(external)
    return {'containerPath': path, 'mode': 'RW', 'external': ext}


# What Marathon 1.10 returns for an app with one REX-Ray volume (options echoed, shared always written).
EXT_SERVER = {
    'id': '/db', 'cmd': 'sleep 1000', 'cpus': 0.1, 'mem': 32, 'instances': 1, 'constraints': [],
    'container': {'type': 'MESOS', 'volumes': [dict(_ext(size=20), external=dict(_ext(size=20)['external'], shared=False))]},
    'upgradeStrategy': {'minimumHealthCapacity': 0.5, 'maximumOverCapacity': 0},
    'unreachableStrategy': {'inactiveAfterSeconds': 0, 'expungeAfterSeconds': 0},
    'version': '2026-11-21T19:00:00.000Z', 'tasks': [{'id': 'db.1'}],
}


def _ext_container(*volumes):
    return {'id': '/db', 'container': {'type': 'MESOS', 'volumes': list(volumes)}}


@pytest.mark.parametrize('desired, fragments', [
    ({'id': '/db', 'instances': 0}, []),
    ({'id': '/db', 'cmd': 'sleep 2000'}, []),
    (_ext_container(_ext(size=20)), []),
    (_ext_container(_ext(size=20, shared=False)), []),
    (_ext_container(_ext(path='other', size=20)), []),  # same volume mounted elsewhere: no data swapped
    (_ext_container(_ext(name='pgdata2', size=20)), ["external volume at data would change from 'pgdata' to 'pgdata2'",
                                                     "stays with the provider, unused"]),
    (_ext_container(_ext(size=40)), ["external volume 'pgdata': size would change", 'keeps its size and type']),
    (_ext_container(_ext(size=20, options={'dvdi/driver': 'rexray', 'dvdi/volumetype': 'gp3'})),
     ["external volume 'pgdata': options would change"]),
    (_ext_container(_ext(size=20, provider='dvdi2')), ["external volume 'pgdata': provider would change"]),
    (_ext_container(_ext(size=20, shared=True)), ["external volume 'pgdata': shared would change"]),
    (_ext_container(), ["external volume 'pgdata' (at data) would be removed", 'runs without its data']),
    (_ext_container(_ext(size=20), _ext(name='logs', path='logs')),
     ["external volume 'logs' (at logs) would be added", 'creates it empty']),
    ({'id': '/db', 'container': {'type': 'MESOS', 'docker': {'image': 'pg:16'}}},
     ["without the external volumes 'pgdata'", 'replaces the whole container block']),
])
def test_external_volume_violations(desired, fragments):
    got = external_volume_violations(desired, EXT_SERVER)
    if not fragments:
        assert got == []
        return
    assert [d['path'] for d in got] == ['/container/volumes']
    text = ' '.join(got[0]['errors'])
    for fragment in fragments:
        assert fragment in text
    assert 'destroy' not in text and 'delete' not in text and 'absent' not in text


def test_adding_a_first_external_volume_is_refused():
    plain = with_(EXT_SERVER, container={'type': 'MESOS', 'volumes': []})
    got = external_volume_violations(_ext_container(_ext()), plain)
    assert len(got) == 1 and "external volume 'pgdata' (at data) would be added" in got[0]['errors'][0]


def test_container_without_volumes_on_an_app_without_external_volumes_is_not_refused():
    plain = with_(EXT_SERVER, container={'type': 'MESOS', 'volumes': []})
    assert external_volume_violations({'id': '/db', 'container': {'type': 'MESOS'}}, plain) == []


@pytest.mark.parametrize('instances, strategy, starts_first', [
    (1, None, True),                                                     # DVDI default {0.5, 0}
    (1, {'minimumHealthCapacity': 0.5, 'maximumOverCapacity': 0}, True),
    (1, {'minimumHealthCapacity': 1, 'maximumOverCapacity': 1}, True),   # non-DVDI default
    (1, {'minimumHealthCapacity': 1, 'maximumOverCapacity': 0}, True),
    (1, {'minimumHealthCapacity': 0.01, 'maximumOverCapacity': 0}, True),
    (1, {'minimumHealthCapacity': 0, 'maximumOverCapacity': 0}, False),
    (1, {'minimumHealthCapacity': 0}, False),
    (0, None, False),
    (2, {'minimumHealthCapacity': 0.5, 'maximumOverCapacity': 0}, False),  # one old task is killed first
    (2, {'minimumHealthCapacity': 0, 'maximumOverCapacity': 0}, False),
])
def test_restart_starts_first(instances, strategy, starts_first):
    app = {'id': '/db', 'instances': instances, 'container': {'type': 'MESOS', 'volumes': [_ext()]}}
    if strategy is not None:
        app['upgradeStrategy'] = strategy
    assert restart_starts_first(app) is starts_first


@pytest.mark.parametrize('changes, start_first, zone', [
    ({}, True, True),
    ({'upgradeStrategy': {'minimumHealthCapacity': 0, 'maximumOverCapacity': 0}}, False, True),
    ({'instances': 0}, False, True),
    ({'constraints': [['@zone', 'IS', 'us-east-1a']]}, True, False),
    ({'constraints': [['@zone', 'LIKE', 'us-east-1[ab]']]}, True, False),
    ({'constraints': [['@zone', 'GROUP_BY', '2']]}, True, True),  # spreads, does not pin
    ({'constraints': [['@zone', 'IS', 'us-east-1a']],
      'upgradeStrategy': {'minimumHealthCapacity': 0, 'maximumOverCapacity': 0}}, False, False),
])
def test_external_volume_warnings(changes, start_first, zone):
    app = with_({'id': '/db', 'container': {'type': 'MESOS', 'volumes': [_ext()]}}, **changes)
    warnings = external_volume_warnings(app)
    assert any('starts the new task before it kills the old one' in w for w in warnings) is start_first
    assert any('no @zone constraint' in w for w in warnings) is zone
    assert len(warnings) == int(start_first) + int(zone)


def test_no_external_volume_no_warning():
    assert external_volume_warnings(RESIDENT_USER) == []
    assert external_volume_warnings({'id': '/web', 'cmd': 'x', 'instances': 1}) == []
