# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""Validation of app definitions before anything is sent to Marathon.

Two layers, as in Marathon 1.5+:
1. The collection's own JSON schema (embedded below; types, enums, bounds from Marathon's RAML),
   checked by a small validator (no third-party dependency on the managed node). Errors use the
   play-json keys Marathon returns under "Invalid JSON" (error.expected.jsnumber, error.min, ...).
   One addition of ours: unknown fields are reported (Marathon ignores them silently, which hides typos).
2. Marathon's semantic rules for stateful apps, with Marathon's paths and messages
   ("Object is not valid"): persistent and external (DVDI) volumes, residency, upgrade strategy.

Paths are rendered like Marathon: `/container/volumes(0)/persistent/size`.
`validate_app(app)` returns (message, details) with details = [{"path", "errors"}], or (None, []).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import (
    app_id_errors, is_resident, has_stateful_volumes,
)

STR = {'type': 'string'}
NESTR = {'type': 'string', 'minLength': 1}
INT0 = {'type': 'integer', 'minimum': 0}
NUM0 = {'type': 'number', 'minimum': 0}
BOOL = {'type': 'boolean'}
STRLIST = {'type': 'array', 'items': STR}
STRMAP = {'type': 'object', 'additionalProperties': STR}
ANY = {}
READ_MODE = {'type': 'string', 'enum': ['RO', 'RW']}
PROTOCOL = {'type': 'string', 'enum': ['tcp', 'udp', 'udp,tcp', 'tcp,udp']}

PERSISTENT = {
    'type': 'object', 'required': ['size'], 'additionalProperties': False,
    'properties': {
        'type': {'type': 'string', 'enum': ['root', 'path', 'mount']},
        'size': INT0, 'maxSize': INT0, 'profileName': STR,
        'constraints': {'type': 'array', 'items': STRLIST},
    },
}
EXTERNAL = {
    'type': 'object', 'additionalProperties': False,
    'properties': {'name': STR, 'provider': STR, 'size': INT0, 'shared': BOOL,
                   'options': {'type': 'object'}},
}
# `mode` is required on persistent, external and host volumes but is no field of a secret volume (RAML
# AppSecretVolume: containerPath and secret only): volume_shape_errors() checks it per kind.
VOLUME = {
    'type': 'object', 'required': ['containerPath'], 'additionalProperties': False,
    'properties': {
        'containerPath': NESTR, 'hostPath': NESTR, 'mode': READ_MODE,
        'persistent': PERSISTENT, 'external': EXTERNAL, 'secret': NESTR,
    },
}
PORT_MAPPING = {
    'type': 'object', 'additionalProperties': False,
    'properties': {'containerPort': INT0, 'hostPort': INT0, 'servicePort': INT0, 'protocol': PROTOCOL,
                   'name': STR, 'labels': STRMAP, 'networkNames': STRLIST},
}
DOCKER = {
    'type': 'object', 'required': ['image'],
    'properties': {
        'image': NESTR, 'forcePullImage': BOOL, 'privileged': BOOL, 'pullConfig': {'type': 'object'},
        'parameters': {'type': 'array', 'items': {'type': 'object', 'required': ['key', 'value'],
                                                  'properties': {'key': STR, 'value': STR}}},
        'network': {'type': 'string', 'enum': ['BRIDGE', 'HOST', 'NONE', 'USER']},
        'portMappings': {'type': 'array', 'items': PORT_MAPPING},
    },
}
CONTAINER = {
    'type': 'object', 'additionalProperties': False,
    'properties': {
        'type': {'type': 'string', 'enum': ['DOCKER', 'MESOS']},
        'docker': DOCKER, 'linuxInfo': {'type': 'object'},
        'volumes': {'type': 'array', 'items': VOLUME},
        'portMappings': {'type': 'array', 'items': PORT_MAPPING},
    },
}
HEALTH_CHECK = {
    'type': 'object',
    'properties': {
        'protocol': {'type': 'string', 'enum': ['HTTP', 'HTTPS', 'TCP', 'COMMAND', 'MESOS_TCP', 'MESOS_HTTP', 'MESOS_HTTPS']},
        'path': STR, 'portIndex': INT0, 'port': INT0, 'command': {'type': 'object'},
        'gracePeriodSeconds': INT0, 'intervalSeconds': INT0, 'timeoutSeconds': INT0,
        'maxConsecutiveFailures': INT0, 'delaySeconds': INT0, 'ignoreHttp1xx': BOOL,
        'ipProtocol': {'type': 'string', 'enum': ['IPv4', 'IPv6']},
    },
}
UPGRADE = {  # both fields are required in Marathon's RAML (no defaults inside the object)
    'type': 'object', 'additionalProperties': False, 'required': ['minimumHealthCapacity', 'maximumOverCapacity'],
    'properties': {'minimumHealthCapacity': {'type': 'number', 'minimum': 0, 'maximum': 1},
                   'maximumOverCapacity': {'type': 'number', 'minimum': 0, 'maximum': 1}},
}
APP_SCHEMA = {
    'type': 'object', 'required': ['id'], 'additionalProperties': False,
    'properties': {
        'id': NESTR,
        'acceptedResourceRoles': STRLIST,
        'args': STRLIST,
        'backoffFactor': {'type': 'number', 'minimum': 1},
        'backoffSeconds': INT0,
        'cmd': NESTR,
        'constraints': {'type': 'array', 'items': STRLIST},
        'container': CONTAINER,
        'cpus': {'type': 'number', 'minimum': 0.001},
        'dependencies': STRLIST,
        'disk': NUM0,
        'env': {'type': 'object', 'additionalProperties': {'type': ['string', 'object']}},
        'executor': STR,
        'executorResources': {'type': 'object'},
        'fetch': {'type': 'array', 'items': {'type': 'object', 'required': ['uri'], 'properties': {'uri': NESTR}}},
        'healthChecks': {'type': 'array', 'items': HEALTH_CHECK},
        'check': {'type': 'object'},
        'instances': INT0,
        'labels': STRMAP,
        'maxLaunchDelaySeconds': INT0,
        'mem': NUM0,
        'gpus': INT0,
        'ipAddress': {'type': 'object'},
        'networks': {'type': 'array', 'items': {'type': 'object', 'properties': {
            'mode': {'type': 'string', 'enum': ['host', 'container', 'container/bridge']}, 'name': STR}}},
        'ports': {'type': 'array', 'items': INT0},
        'portDefinitions': {'type': 'array', 'items': {'type': 'object', 'properties': {
            'port': INT0, 'protocol': PROTOCOL, 'name': STR, 'labels': STRMAP}}},
        'readinessChecks': {'type': 'array', 'items': {'type': 'object'}},
        'residency': {'type': 'object', 'properties': {
            'relaunchEscalationTimeoutSeconds': INT0,
            'taskLostBehavior': {'type': 'string', 'enum': ['WAIT_FOREVER', 'RELAUNCH_AFTER_TIMEOUT']}}},
        'resourceLimits': {'type': 'object'},
        'requirePorts': BOOL,
        'secrets': {'type': 'object'},
        'taskKillGracePeriodSeconds': INT0,
        'upgradeStrategy': UPGRADE,
        'uris': STRLIST,
        'user': STR,
        'killSelection': {'type': 'string', 'enum': ['YOUNGEST_FIRST', 'OLDEST_FIRST']},
        'unreachableStrategy': {'type': ['string', 'object'], 'properties': {
            'inactiveAfterSeconds': INT0, 'expungeAfterSeconds': INT0}},
        'tty': BOOL,
        'role': NESTR,
    },
}

TYPE_ERRORS = {
    'string': 'error.expected.jsstring', 'integer': 'error.expected.jsnumber', 'number': 'error.expected.jsnumber',
    'boolean': 'error.expected.jsboolean', 'object': 'error.expected.jsobject', 'array': 'error.expected.jsarray',
}
UNKNOWN_FIELD = 'unknown field (not part of the Marathon app definition)'


def _type_ok(value, expected):
    if expected == 'string':
        return isinstance(value, str)
    if expected == 'integer':
        return isinstance(value, int) and not isinstance(value, bool) or \
            isinstance(value, float) and value.is_integer()
    if expected == 'number':
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if expected == 'boolean':
        return isinstance(value, bool)
    if expected == 'object':
        return isinstance(value, dict)
    if expected == 'array':
        return isinstance(value, list)
    return True


def _key_path(path, key):
    return '%s/%s' % (path if path != '/' else '', key)


def schema_errors(value, schema, path='/', out=None):
    """Check `value` against the embedded schema; append (path, error) pairs to `out`."""
    out = [] if out is None else out
    expected = schema.get('type')
    if expected is not None:
        types = expected if isinstance(expected, list) else [expected]
        if not any(_type_ok(value, t) for t in types):
            out.append((path, TYPE_ERRORS[types[0]]))
            return out
    _scalar_errors(value, schema, path, out)
    if isinstance(value, dict):
        _object_errors(value, schema, path, out)
    if isinstance(value, list) and 'items' in schema:
        for i, item in enumerate(value):
            schema_errors(item, schema['items'], '%s(%d)' % (path if path != '/' else '', i), out)
    return out


def _scalar_errors(value, schema, path, out):
    """enum, minimum/maximum and minLength of one value."""
    if 'enum' in schema and value not in schema['enum']:
        out.append((path, 'error.unknown.enum.literal'))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 'minimum' in schema and value < schema['minimum']:
            out.append((path, 'error.min'))
        if 'maximum' in schema and value > schema['maximum']:
            out.append((path, 'error.max'))
    if isinstance(value, str) and 'minLength' in schema and len(value) < schema['minLength']:
        out.append((path, 'error.minLength'))


def _object_errors(value, schema, path, out):
    """Required keys, then each key against its property schema or additionalProperties."""
    props = schema.get('properties', {})
    for req in schema.get('required', []):
        if req not in value:
            out.append((_key_path(path, req), 'error.path.missing'))
    extra = schema.get('additionalProperties', True)
    for key, sub in value.items():
        if key in props:
            schema_errors(sub, props[key], _key_path(path, key), out)
        elif extra is False:
            out.append((_key_path(path, key), UNKNOWN_FIELD))
        elif isinstance(extra, dict):
            schema_errors(sub, extra, '%s("%s")' % (path if path != '/' else '', key), out)


def volume_shape_errors(app):
    """Schema rules that depend on the kind of volume: `mode` is required, except on a secret volume."""
    out = []
    container = app.get('container') if isinstance(app, dict) else None
    volumes = container.get('volumes') if isinstance(container, dict) else None
    for i, vol in enumerate(volumes if isinstance(volumes, list) else []):
        if not isinstance(vol, dict):
            continue
        if 'secret' in vol:
            if 'mode' in vol:
                out.append(('/container/volumes(%d)/mode' % i,
                            'not a field of a secret volume (it has containerPath and secret only; Marathon ignores '
                            'mode there)'))
        elif 'mode' not in vol:
            out.append(('/container/volumes(%d)/mode' % i, 'error.path.missing'))
    return out


# ---------------------------------------------------------------- semantic (stateful) rules

DVDI_DRIVER_RE = re.compile(r'^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$')
DVDI_OPTION_KEY_RE = re.compile(r'^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?/[A-Za-z0-9](?:[-A-Za-z0-9\._:]*[A-Za-z0-9])?$')
CONSTRAINT_OPS = ('UNIQUE', 'CLUSTER', 'GROUP_BY', 'LIKE', 'UNLIKE', 'MAX_PER', 'IS')


def _fmt_num(v):
    """Marathon prints doubles as 0.0 / 1.0 (the strategy fields are doubles, so 1 prints as 1.0)."""
    return repr(float(v))


def _persistent_volume_rules(i, vol, add):
    base = '/container/volumes(%d)' % i
    cpath = vol.get('containerPath')
    p = vol['persistent']
    if isinstance(cpath, str) and cpath:
        if cpath in ('.', '..'):
            add(base + '/containerPath', 'can not be one of (.,..)')
        if '/' in cpath:
            add(base + '/containerPath', 'value must not contain "/"')
    if vol.get('mode') not in (None, 'RW'):
        add(base + '/mode', 'does not equal RW')
    size = p.get('size')
    if isinstance(size, int) and not isinstance(size, bool) and size == 0:
        add(base + '/persistent/size', 'got %s, expected more than 0' % size)
    ptype = p.get('type') or ('mount' if p.get('profileName') else 'root')
    if p.get('maxSize') is not None:
        if ptype != 'mount':
            add(base + '/persistent', 'Only mount volumes can have maxSize')
        elif isinstance(size, int) and isinstance(p['maxSize'], int) and p['maxSize'] <= size:
            add(base + '/persistent', 'Max size must be larger than size')
    constraints = p.get('constraints') or []
    if constraints and ptype == 'root':
        add(base + '/persistent', 'Constraints on root volumes are not supported')
    for j, c in enumerate(constraints if isinstance(constraints, list) else []):
        _disk_constraint_rules(base + '/persistent/constraints(%d)' % j, c, add)
    if 'profileName' in p and not p.get('profileName'):
        add(base + '/persistent/profileName', 'must not be empty')


def _disk_constraint_rules(cp, c, add):
    """One constraint of a persistent volume: Marathon supports only ["path", "LIKE"|"UNLIKE", regex]."""
    if not isinstance(c, list) or len(c) < 2:
        add(cp, 'Missing field and operator')
        return
    if c[0] != 'path':
        add(cp, 'Unsupported constraint path, only "path" is supported')
    if c[1] not in ('LIKE', 'UNLIKE'):
        add(cp, 'Operator must be one of LIKE, UNLIKE')
    elif len(c) < 3 or not _is_regex(c[2]):
        add(cp, 'Invalid regular expression')


def _is_regex(value):
    if not isinstance(value, str) or not value:
        return False
    try:
        re.compile(value)
    except re.error:
        return False
    return True


def _external_volume_rules(i, vol, app, add, names):
    base = '/container/volumes(%d)' % i
    ext = vol['external']
    provider = ext.get('provider')
    if provider != 'dvdi':
        add(base + '/external/provider', 'is unknown provider')
        return
    name = ext.get('name')
    if not name:
        add(base + '/external/name', 'must not be empty')
    elif name in names:
        add('/', "Requested DVDI volume '%s' is declared more than once within app %s" % (name, app.get('id')))
    names.add(name)
    options = ext.get('options') or {}
    driver = options.get('dvdi/driver') if isinstance(options, dict) else None
    if driver is None:
        add(base + '/external/options("dvdi/driver")', 'not defined')
    elif not isinstance(driver, str) or not DVDI_DRIVER_RE.match(driver):
        add(base + '/external/options("dvdi/driver")', "must match regular expression '%s'" % DVDI_DRIVER_RE.pattern)
    for key in (options if isinstance(options, dict) else {}):
        if not DVDI_OPTION_KEY_RE.match(str(key)):
            add(base + '/external/options', "key '%s' must match regular expression '%s'" % (key, DVDI_OPTION_KEY_RE.pattern))
    ctype = (app.get('container') or {}).get('type', 'DOCKER')
    cpath = vol.get('containerPath')
    if cpath in ('.', '..'):
        add(base + '/containerPath', 'can not be one of (.,..)')
    if ctype == 'MESOS' and vol.get('mode') not in (None, 'RW'):
        add(base + '/mode', 'does not equal RW')
    if ctype == 'DOCKER':
        if set(options) - set(['dvdi/driver']):
            add(base + '/external/options', 'must only contain dvdi/driver')
        if ext.get('size') is not None:
            add(base + '/external/size', 'must be undefined for Docker containers')


def semantic_errors(app):
    """Marathon's code-level rules relevant to stateful apps. Returns [(path, message)], in the order of the
    sections below (the details of a failure list paths in first-seen order)."""
    out = []

    def add(path, msg):
        out.append((path, msg))

    for rules in SEMANTIC_RULES:
        rules(app, add)
    return out


def _command_rules(app, add):
    for msg in app_id_errors(app.get('id', '')):
        add('/id', msg)
    cmd = app.get('cmd')
    if isinstance(cmd, str) and len(cmd) == 1:
        # Real Marathon (AppValidation): cmd must be longer than one character; it says "must not be an empty string"
        add('/cmd', "must be longer than one character (Marathon refuses a one-character cmd with 'must not be an "
                    "empty string')")
    if not (app.get('cmd') or app.get('args') or app.get('container')) or (app.get('cmd') and app.get('args')):
        add('/', "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'.")


def _volume_rules(app, add):
    names = set()
    for i, vol in enumerate((app.get('container') or {}).get('volumes') or []):
        kinds = [k for k in ('persistent', 'external', 'secret', 'hostPath') if k in vol]
        if len(kinds) > 1:
            add('/container/volumes(%d)' % i, 'must declare exactly one of persistent, external, secret or hostPath; got %s' % ', '.join(kinds))
            continue
        if 'persistent' in vol:
            _persistent_volume_rules(i, vol, add)
        elif 'external' in vol:
            _external_volume_rules(i, vol, app, add, names)
        elif 'secret' in vol:
            _secret_volume_rules(i, vol, app, add)
        elif 'hostPath' not in vol:
            # Marathon parses a volume without persistent/external/secret as a host volume.
            add('/container/volumes(%d)/hostPath' % i, 'error.path.missing')


def _secret_volume_rules(i, vol, app, add):
    # Real Marathon (AppValidation.validSecretVolume): the volume names an entry of the app's secrets.
    # Checked when the definition carries `secrets` (a partial update may leave them to Marathon).
    secrets = app.get('secrets')
    if isinstance(secrets, dict) and vol.get('secret') not in secrets:
        add('/container/volumes(%d)' % i, 'volume.secret must refer to an existing secret')


def _upgrade_strategy_rules(app, add):
    us = app.get('upgradeStrategy')
    if has_stateful_volumes(app) and isinstance(us, dict) and isinstance(us.get('maximumOverCapacity'), (int, float)) \
            and us['maximumOverCapacity'] != 0:
        add('/upgradeStrategy/maximumOverCapacity', 'got %s, expected 0.0' % _fmt_num(us['maximumOverCapacity']))


def _resident_rules(app, add):
    if not is_resident(app):
        return
    roles = app.get('acceptedResourceRoles')
    if isinstance(roles, list) and set(roles) != set(['*']):
        add('/acceptedResourceRoles', 'A resident app must have `acceptedResourceRoles = ["*"]`.')
    if app.get('role') == '*':
        add('/role', 'Resident apps cannot have the role *')
    if isinstance(app.get('unreachableStrategy'), dict):
        add('/', 'unreachableStrategy must be disabled for resident tasks')


def _unreachable_strategy_rules(app, add):
    us_unreach = app.get('unreachableStrategy')
    if isinstance(us_unreach, dict):
        inactive = us_unreach.get('inactiveAfterSeconds', 0)
        expunge = us_unreach.get('expungeAfterSeconds', 0)
        if isinstance(inactive, int) and isinstance(expunge, int) and inactive > expunge:
            add('/unreachableStrategy', 'inactiveAfterSeconds (%s) must be less or equal to expungeAfterSeconds, which is %s'
                % (inactive, expunge))
    if isinstance(us_unreach, str) and us_unreach != 'disabled':
        add('/unreachableStrategy', 'error.unknown.enum.literal')


def _instance_rules(app, add):
    if external_dvdi(app) and isinstance(app.get('instances'), int) and app['instances'] > 1:
        add('/', 'Number of instances is limited to 1 when declaring DVDI volumes in app [%s]' % app.get('id'))


def _health_check_rules(app, add):
    checks = [h for h in app.get('healthChecks') or [] if isinstance(h, dict)]
    if len([h for h in checks if str(h.get('protocol', 'HTTP')).startswith('MESOS_')]) > 1:
        add('/', 'AppDefinition can contain at most one Mesos health check')
    ports = _port_count(app)
    if any(isinstance(h.get('portIndex'), int) and h['portIndex'] >= ports for h in checks):
        add('/', 'Health check port indices must address an element of the ports array or container port mappings.')


def _constraint_rules(app, add):
    for j, c in enumerate(app.get('constraints') or []):
        if not isinstance(c, list) or len(c) not in (2, 3):
            add('/constraints(%d)' % j, 'Each constraint must have either 2 or 3 fields')
        elif c[1] not in CONSTRAINT_OPS:
            add('/constraints(%d)' % j, 'operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS')


# The sections of semantic_errors, in the order their messages are reported.
SEMANTIC_RULES = (_command_rules, _volume_rules, _upgrade_strategy_rules, _resident_rules, _unreachable_strategy_rules,
                  _instance_rules, _health_check_rules, _constraint_rules)


def _port_count(app):
    """Ports a health check can address: the explicit list, else Marathon's single default port."""
    container = app.get('container') or {}
    for ports in (app.get('portDefinitions'), container.get('portMappings'), (container.get('docker') or {}).get('portMappings')):
        if isinstance(ports, list):
            return len(ports)
    return 1


def external_dvdi(app):
    return any(isinstance(v, dict) and isinstance(v.get('external'), dict) and v['external'].get('provider') == 'dvdi'
               for v in (app.get('container') or {}).get('volumes') or [])


HINTS = {
    'error.expected.jsstring': 'expected a string',
    'error.expected.jsnumber': 'expected a number',
    'error.expected.jsboolean': 'expected a boolean',
    'error.expected.jsobject': 'expected an object (dict)',
    'error.expected.jsarray': 'expected an array (list)',
    'error.path.missing': 'required field is missing',
    'error.min': 'below the minimum',
    'error.max': 'above the maximum',
    'error.minLength': 'must not be empty',
    'error.unknown.enum.literal': 'not one of the allowed values',
}


def group_details(pairs):
    """[(path, msg)] -> Marathon's details shape [{"path", "errors": [...]}] (paths in first-seen order)."""
    order, grouped = [], {}
    for path, msg in pairs:
        if path not in grouped:
            order.append(path)
            grouped[path] = []
        if msg not in grouped[path]:
            grouped[path].append(msg)
    return [{'path': p, 'errors': grouped[p]} for p in order]


def render(details):
    parts = []
    for d in details:
        msgs = ['%s (%s)' % (e, HINTS[e]) if e in HINTS else e for e in d['errors']]
        parts.append('%s: %s' % (d['path'], '; '.join(msgs)))
    return ', '.join(parts)


def validate_app(app):
    """(message, details) for an invalid definition, (None, []) when valid. Never raises."""
    if not isinstance(app, dict):
        return 'App definition must be a dict (JSON object), got %s' % type(app).__name__, [
            {'path': '/', 'errors': ['error.expected.jsobject']}]
    pairs = schema_errors(app, APP_SCHEMA) + volume_shape_errors(app)
    if pairs:
        details = group_details(pairs)
        return 'Invalid JSON: %s' % render(details), details
    pairs = semantic_errors(app)
    if pairs:
        details = group_details(pairs)
        return 'Object is not valid: %s' % render(details), details
    return None, []
