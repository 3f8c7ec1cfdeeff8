# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation table: Marathon's paths and messages (fact sheet sections 3-4)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.validate import DVDI_DRIVER_RE, validate_app

BASE = {'id': '/pv', 'cmd': 'sleep 1000', 'cpus': 0.1, 'mem': 32,
        'container': {'type': 'MESOS', 'volumes': [{'containerPath': 'data', 'mode': 'RW', 'persistent': {'size': 10}}]}}
DVDI = {'id': '/ext', 'cmd': 'sleep 1', 'instances': 1,
        'container': {'type': 'MESOS', 'volumes': [{'containerPath': 'v', 'mode': 'RW', 'external': {
            'name': 'vol', 'provider': 'dvdi', 'size': 1, 'options': {'dvdi/driver': 'rexray'}}}]},
        'upgradeStrategy': {'minimumHealthCapacity': 0, 'maximumOverCapacity': 0}}


def change(base, path, value):
    """Copy of base with the value at a dotted path (list indexes as ints) set; None deletes."""
    app = copy.deepcopy(base)
    node = app
    keys = [int(k) if k.isdigit() else k for k in path.split('.')]
    for k in keys[:-1]:
        node = node[k]
    if value is None:
        del node[keys[-1]]
    else:
        node[keys[-1]] = value
    return app


VOL0 = '/container/volumes(0)'


@pytest.mark.parametrize('app, kind, details', [
    (BASE, None, []),
    (DVDI, None, []),
    # --- layer 1: schema (Invalid JSON, play-json keys)
    (change(BASE, 'cpus', 'abc'), 'Invalid JSON', [{'path': '/cpus', 'errors': ['error.expected.jsnumber']}]),
    (change(BASE, 'cpus', 0), 'Invalid JSON', [{'path': '/cpus', 'errors': ['error.min']}]),
    (change(BASE, 'instances', -1), 'Invalid JSON', [{'path': '/instances', 'errors': ['error.min']}]),
    (change(BASE, 'instances', True), 'Invalid JSON', [{'path': '/instances', 'errors': ['error.expected.jsnumber']}]),
    (change(BASE, 'id', None), 'Invalid JSON', [{'path': '/id', 'errors': ['error.path.missing']}]),
    (change(BASE, 'container.volumes.0.containerPath', ''), 'Invalid JSON',
     [{'path': VOL0 + '/containerPath', 'errors': ['error.minLength']}]),
    (change(BASE, 'container.volumes.0.persistent.size', -1), 'Invalid JSON',
     [{'path': VOL0 + '/persistent/size', 'errors': ['error.min']}]),
    (change(BASE, 'container.volumes.0.persistent.size', None), 'Invalid JSON',
     [{'path': VOL0 + '/persistent/size', 'errors': ['error.path.missing']}]),
    (change(BASE, 'container.volumes.0.persistent.type', 'ssd'), 'Invalid JSON',
     [{'path': VOL0 + '/persistent/type', 'errors': ['error.unknown.enum.literal']}]),
    (change(BASE, 'container.volumes.0.mode', 'rw'), 'Invalid JSON',
     [{'path': VOL0 + '/mode', 'errors': ['error.unknown.enum.literal']}]),
    (change(BASE, 'upgradeStrategy', {'minimumHealthCapacity': 1.2, 'maximumOverCapacity': 0}), 'Invalid JSON',
     [{'path': '/upgradeStrategy/minimumHealthCapacity', 'errors': ['error.max']}]),
    (change(BASE, 'upgradeStrategy', {'minimumHealthCapacity': 0}), 'Invalid JSON',
     [{'path': '/upgradeStrategy/maximumOverCapacity', 'errors': ['error.path.missing']}]),
    (change(BASE, 'env', {'PORT': 8080}), 'Invalid JSON', [{'path': '/env("PORT")', 'errors': ['error.expected.jsstring']}]),
    (change(BASE, 'instnaces', 2), 'Invalid JSON',
     [{'path': '/instnaces', 'errors': ['unknown field (not part of the Marathon app definition)']}]),
    (change(BASE, 'container.volumes.0.persistent_WRONG_FIELD_NAME', {}), 'Invalid JSON',
     [{'path': VOL0 + '/persistent_WRONG_FIELD_NAME', 'errors': ['unknown field (not part of the Marathon app definition)']}]),
    # --- layer 2: Marathon's semantic rules (Object is not valid)
    (change(BASE, 'container.volumes.0.containerPath', 'a/b'), 'Object is not valid',
     [{'path': VOL0 + '/containerPath', 'errors': ['value must not contain "/"']}]),
    (change(BASE, 'container.volumes.0.containerPath', '..'), 'Object is not valid',
     [{'path': VOL0 + '/containerPath', 'errors': ['can not be one of (.,..)']}]),
    (change(BASE, 'container.volumes.0.mode', 'RO'), 'Object is not valid',
     [{'path': VOL0 + '/mode', 'errors': ['does not equal RW']}]),
    (change(BASE, 'container.volumes.0.persistent.size', 0), 'Object is not valid',
     [{'path': VOL0 + '/persistent/size', 'errors': ['got 0, expected more than 0']}]),
    (change(BASE, 'container.volumes.0.persistent.maxSize', 20), 'Object is not valid',
     [{'path': VOL0 + '/persistent', 'errors': ['Only mount volumes can have maxSize']}]),
    (change(change(BASE, 'container.volumes.0.persistent.type', 'mount'), 'container.volumes.0.persistent.maxSize', 5),
     'Object is not valid', [{'path': VOL0 + '/persistent', 'errors': ['Max size must be larger than size']}]),
    (change(BASE, 'container.volumes.0.persistent.constraints', [['path', 'LIKE', 'ssd']]), 'Object is not valid',
     [{'path': VOL0 + '/persistent', 'errors': ['Constraints on root volumes are not supported']}]),
    (change(change(BASE, 'container.volumes.0.persistent.type', 'mount'), 'container.volumes.0.persistent.constraints',
            [['path', 'IS', 'x']]), 'Object is not valid',
     [{'path': VOL0 + '/persistent/constraints(0)', 'errors': ['Operator must be one of LIKE, UNLIKE']}]),
    (change(BASE, 'upgradeStrategy', {'minimumHealthCapacity': 0.5, 'maximumOverCapacity': 1}), 'Object is not valid',
     [{'path': '/upgradeStrategy/maximumOverCapacity', 'errors': ['got 1.0, expected 0.0']}]),
    (change(BASE, 'acceptedResourceRoles', ['slave_public']), 'Object is not valid',
     [{'path': '/acceptedResourceRoles', 'errors': ['A resident app must have `acceptedResourceRoles = ["*"]`.']}]),
    (change(BASE, 'role', '*'), 'Object is not valid', [{'path': '/role', 'errors': ['Resident apps cannot have the role *']}]),
    (change(BASE, 'unreachableStrategy', {'inactiveAfterSeconds': 1, 'expungeAfterSeconds': 2}), 'Object is not valid',
     [{'path': '/', 'errors': ['unreachableStrategy must be disabled for resident tasks']}]),
    (change(change(BASE, 'container', None), 'unreachableStrategy', {'inactiveAfterSeconds': 60}), 'Object is not valid',
     [{'path': '/unreachableStrategy', 'errors': ['inactiveAfterSeconds (60) must be less or equal to expungeAfterSeconds, which is 0']}]),
    (change(BASE, 'unreachableStrategy', {'inactiveAfterSeconds': -1}), 'Invalid JSON',
     [{'path': '/unreachableStrategy/inactiveAfterSeconds', 'errors': ['error.min']}]),
    (change(BASE, 'healthChecks', [{'protocol': 'MESOS_HTTP'}, {'protocol': 'MESOS_TCP'}]), 'Object is not valid',
     [{'path': '/', 'errors': ['AppDefinition can contain at most one Mesos health check']}]),
    (change(BASE, 'healthChecks', [{'protocol': 'HTTP', 'portIndex': 1}]), 'Object is not valid',
     [{'path': '/', 'errors': ['Health check port indices must address an element of the ports array or container port mappings.']}]),
    (change(change(BASE, 'portDefinitions', [{'port': 0}, {'port': 0}]), 'healthChecks', [{'protocol': 'HTTP', 'portIndex': 1}]),
     None, []),
    (change(BASE, 'cmd', None), 'Object is not valid',
     [{'path': '/', 'errors': []}]),  # container alone is allowed: see the next case
    (change(change(BASE, 'cmd', None), 'container', None), 'Object is not valid',
     [{'path': '/', 'errors': ["AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."]}]),
    (change(BASE, 'container.volumes.0', {'containerPath': 'x', 'mode': 'RW'}), 'Object is not valid',
     [{'path': VOL0 + '/hostPath', 'errors': ['error.path.missing']}]),
    (change(DVDI, 'instances', 2), 'Object is not valid',
     [{'path': '/', 'errors': ['Number of instances is limited to 1 when declaring DVDI volumes in app [/ext]']}]),
    (change(DVDI, 'container.volumes.0.external.provider', 'ebs'), 'Object is not valid',
     [{'path': VOL0 + '/external/provider', 'errors': ['is unknown provider']}]),
    (change(DVDI, 'container.volumes.0.external.options', {}), 'Object is not valid',
     [{'path': VOL0 + '/external/options("dvdi/driver")', 'errors': ['not defined']}]),
    # Marathon 1.10 (accord's matchRegex) says "must match", not "must fully match", for DVDI options
    (change(DVDI, 'container.volumes.0.external.options', {'dvdi/driver': 'Rex Ray'}), 'Object is not valid',
     [{'path': VOL0 + '/external/options("dvdi/driver")',
       'errors': ["must match regular expression '%s'" % DVDI_DRIVER_RE.pattern]}]),
    (change(DVDI, 'container.type', 'DOCKER'), 'Object is not valid',
     [{'path': VOL0 + '/external/size', 'errors': ['must be undefined for Docker containers']}]),
    (change(DVDI, 'id', '/Bad_Id'), 'Object is not valid',
     [{'path': '/id', 'errors': ["path contains invalid characters (allowed: lowercase letters, digits, hyphens, '.', '..'): Bad_Id"]}]),
])
def test_validate_app(app, kind, details):
    msg, got = validate_app(app)
    if details and details[0]['errors'] == []:  # "container without cmd is valid" case
        assert msg is None
        return
    if kind is None:
        assert (msg, got) == (None, [])
    else:
        assert msg.startswith(kind + ': ')
        assert got == details


@pytest.mark.parametrize('value', [None, [], 'x', 3])
def test_non_dict_definition(value):
    msg, details = validate_app(value)
    assert 'must be a dict' in msg and details[0]['errors'] == ['error.expected.jsobject']


# Shapes Marathon accepts on real clusters (written for this test; patterns from Marathon's docs).
VALID_SHAPES = {
    'mysql-host-volume-workaround': {
        'id': '/mysql', 'cpus': 1, 'mem': 1024, 'disk': 0, 'instances': 1,
        'container': {'type': 'DOCKER', 'docker': {'image': 'mysql:8.0'}, 'volumes': [
            {'containerPath': 'mysqldata', 'mode': 'RW', 'persistent': {'size': 1000}},
            {'containerPath': '/var/lib/mysql', 'hostPath': 'mysqldata', 'mode': 'RW'}]},
        'env': {'MYSQL_ROOT_PASSWORD': 'pw'},
        'upgradeStrategy': {'minimumHealthCapacity': 0, 'maximumOverCapacity': 0},
    },
    'legacy-docker-user-network': {
        'id': '/resident-docker', 'cpus': 0.1, 'mem': 128, 'disk': 100,
        'container': {'type': 'DOCKER', 'docker': {'image': 'nginx:alpine', 'network': 'USER', 'privileged': False},
                      'volumes': [{'containerPath': 'data', 'mode': 'RW', 'persistent': {'type': 'root', 'size': 100}}]},
        'ipAddress': {'networkName': 'dcos'},
        'residency': {'relaunchEscalationTimeoutSeconds': 3600, 'taskLostBehavior': 'WAIT_FOREVER'},
        'healthChecks': [{'protocol': 'HTTP', 'port': 80, 'path': '/', 'ignoreHttp1xx': False}],
    },
    'dvdi-mesos-http-check': dict(DVDI, portDefinitions=[{'port': 0, 'protocol': 'tcp', 'name': 'api'}],
                                  healthChecks=[{'protocol': 'MESOS_HTTP', 'portIndex': 0, 'path': '/'}]),
    'mount-volume-with-path-constraint': change(change(BASE, 'container.volumes.0.persistent.type', 'mount'),
                                                'container.volumes.0.persistent.constraints', [['path', 'LIKE', '/mnt/ssd-.+']]),
}


@pytest.mark.parametrize('name', sorted(VALID_SHAPES))
def test_known_good_shapes_are_valid(name):
    msg, details = validate_app(VALID_SHAPES[name])
    assert msg is None, (name, details)


# A file-based secret (DC/OS Enterprise): RAML AppSecretVolume has containerPath and secret, no mode.
SECRET_FILE = dict(BASE, secrets={'pgpass': {'source': 'db/pgpass'}},
                   container={'type': 'MESOS', 'volumes': [{'containerPath': 'pgpass', 'secret': 'pgpass'}]})


def test_a_file_based_secret_volume_needs_no_mode():
    assert validate_app(SECRET_FILE) == (None, [])
    # a partial update may leave the secrets to Marathon
    assert validate_app(change(SECRET_FILE, 'secrets', None)) == (None, [])


@pytest.mark.parametrize('app, path, error', [
    (change(SECRET_FILE, 'container.volumes.0.mode', 'RO'), VOL0 + '/mode', 'not a field of a secret volume'),
    (change(SECRET_FILE, 'secrets', {'other': {'source': 'x'}}), VOL0, 'volume.secret must refer to an existing secret'),
    (change(BASE, 'container.volumes.0.mode', None), VOL0 + '/mode', 'error.path.missing'),  # other kinds need mode
    (change(BASE, 'cmd', 'x'), '/cmd', 'must be longer than one character'),
])
def test_secret_volume_and_cmd_rules(app, path, error):
    msg, details = validate_app(app)
    assert msg is not None
    assert any(d['path'] == path and any(error in e for e in d['errors']) for d in details), details


def test_a_two_character_cmd_is_fine():
    assert validate_app(change(BASE, 'cmd', 'ls')) == (None, [])
