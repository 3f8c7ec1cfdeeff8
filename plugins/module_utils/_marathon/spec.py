# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""Pure decision logic for Marathon app definitions: normalise, compare, diff, mask.

No I/O here; everything is tested as tables in tests/unit/plugins/module_utils/test_marathon_app_spec.py.
Defaults follow Marathon's RAML (1.5+ API, docs/docs/rest-api/public/api/v2/types).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import re

# The secret detector lives in _secrets; these names are re-exported for the Marathon modules.
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import (  # noqa: F401 pylint: disable=unused-import
    MASK, MASK_CHANGED, flag_changed_secrets, is_secret_key, mask_secrets, name_parts, restore_masked,
)

# Fields Marathon sets itself; never compared and never sent back.
SERVER_FIELDS = frozenset([
    'version', 'versionInfo', 'tasksStaged', 'tasksRunning', 'tasksHealthy', 'tasksUnhealthy',
    'deployments', 'tasks', 'readinessCheckResults', 'lastTaskFailure', 'tasksStats', 'taskStats',
])

# Top-level defaults Marathon applies (RAML App type) when the field is absent.
TOP_DEFAULTS = {
    'instances': 1, 'cpus': 1, 'mem': 128, 'disk': 0, 'gpus': 0,
    'backoffSeconds': 1, 'backoffFactor': 1.15, 'maxLaunchDelaySeconds': 300,
    'requirePorts': False, 'killSelection': 'YOUNGEST_FIRST', 'executor': '',
    'taskKillGracePeriodSeconds': None, 'env': {}, 'labels': {}, 'constraints': [],
    'acceptedResourceRoles': None, 'healthChecks': [], 'fetch': [], 'dependencies': [],
    'secrets': {}, 'args': [], 'readinessChecks': [], 'uris': [], 'tty': False,
}

HEALTH_CHECK_DEFAULTS = {
    'gracePeriodSeconds': 300, 'intervalSeconds': 60, 'timeoutSeconds': 20,
    'maxConsecutiveFailures': 3, 'delaySeconds': 15,
}
HTTP_HEALTH_DEFAULTS = {'path': '/', 'ignoreHttp1xx': False, 'ipProtocol': 'IPv4'}

# Fields whose value is a set in Marathon (order is not kept): compared sorted.
SET_FIELDS = frozenset(['acceptedResourceRoles', 'dependencies', 'constraints'])
# Dict fields that are user data maps: compared exactly (a removed key is a change).
MAP_FIELDS = frozenset(['env', 'labels', 'secrets', 'options'])

DYNAMIC_PORT_FIELDS = frozenset(['port', 'servicePort', 'hostPort'])

RESOURCE_FIELDS = ('cpus', 'mem', 'disk', 'gpus', 'requirePorts')

APP_ID_SEGMENT_RE = re.compile(r'^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])$')


def canonical_app_id(app_id):
    """Absolute, without trailing slash, '.'/'..' resolved (Marathon's PathId canonicalisation)."""
    parts = []
    for seg in (app_id or '').split('/'):
        if seg in ('', '.'):
            continue
        if seg == '..':
            if parts:
                parts.pop()
            continue
        parts.append(seg)
    return '/' + '/'.join(parts)


def safe_app_id(app_id):
    """Marathon's safe id used in task and persistence ids: '/db/pg' -> 'db_pg'."""
    return canonical_app_id(app_id).strip('/').replace('/', '_')


def app_id_errors(app_id):
    """Reasons the id is not a valid Marathon PathId (empty list when valid)."""
    cid = canonical_app_id(app_id)
    if cid == '/':
        return ['must not be the root group']
    bad = [s for s in cid.strip('/').split('/') if not APP_ID_SEGMENT_RE.match(s)]
    if bad:
        return ["path contains invalid characters (allowed: lowercase letters, digits, hyphens, '.', '..'): %s" % ', '.join(bad)]
    return []


# ---------------------------------------------------------------- volume helpers

def volumes_of(app):
    container = app.get('container') if isinstance(app, dict) else None
    volumes = container.get('volumes') if isinstance(container, dict) else None
    return volumes if isinstance(volumes, list) else []


def persistent_volumes(app):
    return [v for v in volumes_of(app) if isinstance(v, dict) and isinstance(v.get('persistent'), dict)]


def external_volumes(app):
    return [v for v in volumes_of(app) if isinstance(v, dict) and isinstance(v.get('external'), dict)]


def is_resident(app):
    """Marathon 1.5+: an app is resident iff it has a local persistent volume."""
    return bool(persistent_volumes(app))


def has_stateful_volumes(app):
    return bool(persistent_volumes(app) or external_volumes(app))


# ---------------------------------------------------------------- normalisation

def _normalise_volume(vol):
    vol = dict(vol)
    if isinstance(vol.get('persistent'), dict):
        p = dict(vol['persistent'])
        p.setdefault('type', 'mount' if p.get('profileName') else 'root')
        p.setdefault('constraints', [])
        vol['persistent'] = p
    if isinstance(vol.get('external'), dict):
        e = dict(vol['external'])
        e.setdefault('options', {})
        if e.get('provider', 'dvdi') == 'dvdi':
            e.setdefault('shared', False)
        vol['external'] = e
    return vol


def _normalise_port_mapping(pm):
    pm = dict(pm)
    pm.setdefault('containerPort', 0)
    pm.setdefault('servicePort', 0)
    pm.setdefault('protocol', 'tcp')
    pm.setdefault('labels', {})
    return pm


def _normalise_port_definition(pd):
    pd = dict(pd)
    pd.setdefault('port', 0)
    pd.setdefault('protocol', 'tcp')
    pd.setdefault('labels', {})
    return pd


def _normalise_container(container):
    c = dict(container)
    c.setdefault('type', 'DOCKER')
    if isinstance(c.get('volumes'), list):
        c['volumes'] = [_normalise_volume(v) if isinstance(v, dict) else v for v in c['volumes']]
    else:
        c['volumes'] = []
    if isinstance(c.get('portMappings'), list):
        c['portMappings'] = [_normalise_port_mapping(p) if isinstance(p, dict) else p for p in c['portMappings']]
    if isinstance(c.get('docker'), dict):
        d = dict(c['docker'])
        d.setdefault('forcePullImage', False)
        d.setdefault('privileged', False)
        d.setdefault('parameters', [])
        c['docker'] = d
    return c


def _normalise_health_check(hc):
    hc = dict(hc)
    hc.setdefault('protocol', 'HTTP')
    for k, v in HEALTH_CHECK_DEFAULTS.items():
        hc.setdefault(k, v)
    if hc['protocol'] in ('HTTP', 'HTTPS', 'MESOS_HTTP', 'MESOS_HTTPS'):
        for k, v in HTTP_HEALTH_DEFAULTS.items():
            if k == 'ignoreHttp1xx' and hc['protocol'].startswith('MESOS'):
                continue
            hc.setdefault(k, v)
    if hc['protocol'] in ('HTTP', 'HTTPS', 'TCP', 'MESOS_HTTP', 'MESOS_HTTPS', 'MESOS_TCP') and 'port' not in hc:
        hc.setdefault('portIndex', 0)
    return hc


def _sort_key(value):
    return json.dumps(value, sort_keys=True)


DOCKER_NETWORK_MODES = {'HOST': 'host', 'BRIDGE': 'container/bridge'}


def _translate_deprecated(app):
    """Marathon 1.5+ stores `uris` as `fetch`, `ports` as `portDefinitions` and `container.docker.network` /
    `portMappings` as `networks` / `container.portMappings`, and never returns the old fields: a definition using
    them is compared in the new form (the request still sends what the user wrote)."""
    uris = app.get('uris')
    if isinstance(uris, list) and 'fetch' not in app and all(isinstance(u, str) for u in uris):
        app['fetch'] = [{'uri': u} for u in uris]  # extract is Marathon's guess from the file name: not compared
        del app['uris']
    ports = app.get('ports')
    if isinstance(ports, list) and 'portDefinitions' not in app and all(isinstance(p, int) for p in ports):
        app['portDefinitions'] = [{'port': p} for p in ports]
        del app['ports']
    container = app.get('container')
    docker = container.get('docker') if isinstance(container, dict) else None
    if isinstance(docker, dict) and ('network' in docker or 'portMappings' in docker):
        # docker.network HOST/BRIDGE -> networks; docker.portMappings -> container.portMappings
        # (USER needs ipAddress.networkName: left as written)
        mode = DOCKER_NETWORK_MODES.get(docker.get('network'))
        if mode is not None and 'networks' not in app:
            docker = dict(docker)
            del docker['network']
            app['networks'] = [{'mode': mode}]
        if 'portMappings' in docker and 'portMappings' not in container:
            docker = dict(docker)
            container = dict(container, portMappings=docker.pop('portMappings'))
        app['container'] = dict(container, docker=docker)


def normalise_app(app):
    """Canonical form of an app definition (user-supplied or as Marathon returns it).

    Server-set fields are dropped, Marathon's defaults are filled in nested objects, set-like
    lists are sorted and numbers are made comparable. Top-level defaults are *not* added here:
    `differences()` compares only the top-level keys the user set and falls back to TOP_DEFAULTS.
    """
    app = copy.deepcopy(app or {})
    for key in SERVER_FIELDS:
        app.pop(key, None)
    if 'id' in app and isinstance(app['id'], str):
        app['id'] = canonical_app_id(app['id'])
    _translate_deprecated(app)
    resident = is_resident(app)
    stateful = has_stateful_volumes(app)
    if isinstance(app.get('container'), dict):
        app['container'] = _normalise_container(app['container'])
    if isinstance(app.get('healthChecks'), list):
        app['healthChecks'] = [_normalise_health_check(h) if isinstance(h, dict) else h for h in app['healthChecks']]
    if isinstance(app.get('portDefinitions'), list):
        app['portDefinitions'] = [_normalise_port_definition(p) if isinstance(p, dict) else p for p in app['portDefinitions']]
    if isinstance(app.get('upgradeStrategy'), dict):
        us = dict(app['upgradeStrategy'])
        default_min, default_over = (0.5, 0.0) if stateful else (1.0, 1.0)
        us.setdefault('minimumHealthCapacity', default_min)
        us.setdefault('maximumOverCapacity', default_over)
        app['upgradeStrategy'] = us
    if isinstance(app.get('residency'), dict):
        r = dict(app['residency'])
        r.setdefault('relaunchEscalationTimeoutSeconds', 3600)
        r.setdefault('taskLostBehavior', 'WAIT_FOREVER')
        app['residency'] = r
    if isinstance(app.get('unreachableStrategy'), dict):
        u = dict(app['unreachableStrategy'])
        u.setdefault('inactiveAfterSeconds', 0)
        u.setdefault('expungeAfterSeconds', 0)
        app['unreachableStrategy'] = u
    for key in SET_FIELDS:
        if isinstance(app.get(key), list):
            app[key] = sorted(app[key], key=_sort_key)
    app['_resident'] = resident  # consumed by default_for(); never sent
    return app


def default_for(key, normalised_app):
    """What Marathon holds for `key` when the app definition does not set it."""
    stateful = has_stateful_volumes(normalised_app)
    if key == 'upgradeStrategy':
        return {'minimumHealthCapacity': 0.5, 'maximumOverCapacity': 0.0} if stateful else \
            {'minimumHealthCapacity': 1.0, 'maximumOverCapacity': 1.0}
    if key == 'unreachableStrategy':
        return 'disabled' if normalised_app.get('_resident') else {'inactiveAfterSeconds': 0, 'expungeAfterSeconds': 0}
    if key == 'residency':
        return {'relaunchEscalationTimeoutSeconds': 3600, 'taskLostBehavior': 'WAIT_FOREVER'} \
            if normalised_app.get('_resident') else None
    if key == 'networks':
        return [{'mode': 'host'}]
    return copy.deepcopy(TOP_DEFAULTS.get(key))


def _is_empty(value):
    return value is None or value == [] or value == {} or value == '' or value is False or value == 0


def values_equal(desired, current, key=None):
    """Desired value (what the user set, normalised) matches what Marathon holds.

    Nested objects: keys only Marathon holds are ignored when empty (server-filled defaults);
    user data maps (env, labels, secrets, options) must match exactly.
    """
    if isinstance(desired, dict) and isinstance(current, dict):
        if key in MAP_FIELDS:
            return _canon(desired) == _canon(current)
        for k, v in desired.items():
            if k not in current:
                if _is_empty(v):
                    continue
                return False
            if not values_equal(v, current[k], k):
                return False
        return True
    if isinstance(desired, list) and isinstance(current, list):
        return len(desired) == len(current) and all(values_equal(d, c, key) for d, c in zip(desired, current))
    if key in DYNAMIC_PORT_FIELDS and desired == 0:
        return True  # 0 asks Marathon to pick a port; it returns the one it picked
    if isinstance(desired, bool) or isinstance(current, bool):
        return type(desired) is type(current) and desired == current
    if isinstance(desired, (int, float)) and isinstance(current, (int, float)):
        return float(desired) == float(current)
    if desired is None and _is_empty(current):
        return True
    return desired == current


def _canon(value):
    return json.dumps(value, sort_keys=True)


def differences(desired, current):
    """Top-level keys (of the user's definition) whose value differs from Marathon's. Sorted."""
    d = normalise_app(desired)
    c = normalise_app(current)
    changed = []
    for key in sorted(d):
        if key in ('_resident', 'id'):
            continue
        have = c[key] if key in c else default_for(key, c)
        if not values_equal(d[key], have, key):
            changed.append(key)
    return changed


def partial_diff(before, after, key=None):
    """(before, after) reduced to the parts that differ, for --diff."""
    if isinstance(before, dict) and isinstance(after, dict) and key not in ('container', 'upgradeStrategy'):
        b, a = {}, {}
        for k in sorted(set(before) | set(after)):
            if k in before and k in after and values_equal(after[k], before[k], k) and values_equal(before[k], after[k], k):
                continue
            if k in before:
                b[k] = before[k]
            if k in after:
                a[k] = after[k]
        return b, a
    return before, after


def build_diff(desired, current, changed_keys):
    """--diff payload showing only what changes, with secret-looking values masked."""
    d = normalise_app(desired)
    c = normalise_app(current) if current else {}
    before, after = {}, {}
    for key in changed_keys:
        if current is None:
            after[key] = d.get(key)
            continue
        have = c[key] if key in c else default_for(key, c)
        want = keep_assigned_ports(d.get(key), have)
        if key in MAP_FIELDS:
            have, want = partial_diff(have or {}, want or {}, None)
        before[key] = have
        after[key] = want
    masked_after = mask_secrets(after)
    flag_changed_secrets(before, after, masked_after)
    return {'before': mask_secrets(before), 'after': masked_after}


def predict_app(desired, current):
    """What Marathon will hold after a partial-update PUT of `desired` (check mode result)."""
    result = copy.deepcopy(current) if current else {}
    for key in SERVER_FIELDS:
        result.pop(key, None)
    for key, value in desired.items():
        result[key] = keep_assigned_ports(copy.deepcopy(value), result.get(key))
    return result


def body_for_put(desired):
    """Request body: the user's definition without server-set fields."""
    body = copy.deepcopy(desired)
    for key in SERVER_FIELDS:
        body.pop(key, None)
    return body


# ---------------------------------------------------------------- resident update rules

def _host_ports(app):
    """Fixed host ports: requested port definitions with requirePorts, and non-zero hostPorts."""
    ports = set()
    if app.get('requirePorts'):
        for pd in app.get('portDefinitions') or []:
            if isinstance(pd, dict) and pd.get('port'):
                ports.add(pd['port'])
    for pm in (app.get('container') or {}).get('portMappings') or []:
        if isinstance(pm, dict) and pm.get('hostPort'):
            ports.add(pm['hostPort'])
    return ports


def _persistent_signature(app):
    sig = []
    for v in persistent_volumes(normalise_app(app)):
        p = v['persistent']
        sig.append(_canon({'containerPath': v.get('containerPath'), 'mode': v.get('mode'), 'type': p.get('type'),
                           'size': p.get('size'), 'maxSize': p.get('maxSize'), 'constraints': p.get('constraints'),
                           'profileName': p.get('profileName')}))
    return sorted(sig)


RESIDENT_HINT = ('Marathon keeps the reservations of a resident app fixed. To get different ones, deploy a new app '
                 'with a new id and move the data to it; this app and its volumes stay as they are.')

DROPPED_VOLUMES_HINT = ('The definition sets container, and Marathon replaces the whole container block with it: '
                        'without its volumes it would drop the local persistent volumes %s. Give container.volumes '
                        '(and container.portMappings, if any) as they are (the app as registered from this module or '
                        'marathon_app_info holds them) and change only what you mean to change, such as '
                        'container.docker.image.')


def dropped_persistent_volumes(desired, current):
    """containerPaths of the app's persistent volumes that a `container` without `volumes` in `desired` drops.

    The common mistake (container: {docker: {image: new}} to upgrade an image); an explicit `volumes` list is
    judged by Marathon's own rule instead.
    """
    container = desired.get('container')
    if not isinstance(container, dict) or 'volumes' in container or not is_resident(current):
        return []
    kept = set(v.get('containerPath') for v in persistent_volumes(desired))
    return [v.get('containerPath') for v in persistent_volumes(current) if v.get('containerPath') not in kept]


def keep_assigned_ports(after, before):
    """Copy of `after` where a dynamic port left at 0 shows the port Marathon assigned and keeps (`before`).

    Marathon keeps an app's assigned service ports across updates that ask for 0, so a diff or prediction
    showing `servicePort: 10001 -> 0` would be wrong.
    """
    if isinstance(after, dict) and isinstance(before, dict):
        out = {}
        for k, v in after.items():
            if k in DYNAMIC_PORT_FIELDS and v == 0 and isinstance(before.get(k), int) and before.get(k):
                out[k] = before[k]
            else:
                out[k] = keep_assigned_ports(v, before.get(k))
        if 'servicePort' not in after and 'containerPort' in after and before.get('servicePort'):
            out['servicePort'] = before['servicePort']  # a port mapping without servicePort asks for 0
        return out
    if isinstance(after, list) and isinstance(before, list) and len(after) == len(before):
        return [keep_assigned_ports(a, b) for a, b in zip(after, before)]
    return after


def resident_update_violations(desired, current):
    """Changes Marathon rejects on an app with local persistent volumes (1.7+ messages).

    Returns a list of {"path", "errors"} like Marathon's 422 details. Only keys the user set are
    checked (a partial update keeps the others).
    """
    if not (is_resident(current) or ('container' in desired and is_resident(desired))):
        return []
    d = normalise_app(desired)
    c = normalise_app(current)
    out = []
    dropped = dropped_persistent_volumes(desired, current)
    if dropped:
        out.append({'path': '/container/volumes', 'errors': [DROPPED_VOLUMES_HINT % ', '.join(map(str, dropped))]})
    elif 'container' in desired and _persistent_signature(desired) != _persistent_signature(current):
        out.append({'path': '/', 'errors': ['Persistent volumes can not be changed!']})
    for key in RESOURCE_FIELDS:
        if key in d:
            have = c[key] if key in c else default_for(key, c)
            if not values_equal(d[key], have, key):
                out.append({'path': '/' + key, 'errors': [
                    'Services with persistent volumes configured may not change resource requirements. '
                    'If you need to make this change, please create a new service.']})
    if 'portDefinitions' in desired or 'container' in desired or 'requirePorts' in desired:
        merged = predict_app(desired, current)
        if _host_ports(merged) != _host_ports(current):
            out.append({'path': '/', 'errors': [
                'Services with persistent volumes configured may not change host ports. '
                'If you need to make this change, please create a new service.']})
    return out


def role_change_violation(desired, current):
    """Marathon 1.9+: a resident app's role may only change with force=true (existing reservations keep the old role)."""
    if not is_resident(current) or 'role' not in desired or not current.get('role'):
        return None
    old, new = current['role'], desired['role']
    if old == new:
        return None
    return {'path': '/role', 'errors': [
        'It is not possible to change the role for existing reservations. If you proceed with this change, all existing '
        'instances will continue to run under the previous role, %s. Only new instances will be allocated with the new '
        'role, %s. In order to continue, retry your request with ?force=true' % (old, new)]}


# ---------------------------------------------------------------- external (DVDI) volume rules

# Real Marathon: AppDefinition.residentUpdateIsValid compares only persistent volumes, and DVDI apps are not resident
# (RunSpec.isResident = persistentVolumes.nonEmpty): a change of an app's external volumes is accepted without a
# word. This collection refuses it, because of what the next task then mounts (external-volumes.md §1, §4).
EXTERNAL_FIELDS = ('provider', 'size', 'options', 'shared')

EXTERNAL_HINT = ('Keep container.volumes as they are (marathon_app_info lists them). To put the app on another or an '
                 'additional volume, deploy a new app with a new id that declares it, create that volume beforehand with '
                 'dcos.stateful.external_volume (size, type and zone as wanted) and copy the data across; to grow or '
                 'retype a volume, change it with the provider (amazon.aws.ec2_vol for EBS) and keep the definition as '
                 'it is. This app and its volumes stay as they are.')

DROPPED_EXTERNAL_HINT = ('The definition sets container, and Marathon replaces the whole container block with it: '
                         'without its volumes the next task would run without the external volumes %s (they stay with '
                         'the provider, unused). Give container.volumes as they are (marathon_app_info lists them) and '
                         'change only what you mean to change, such as container.docker.image.')


def _external_by_name(app):
    """{name: normalised external volume} of an app (entries without a string name are left to validation)."""
    out = {}
    for v in external_volumes(normalise_app(app)):
        name = v['external'].get('name')
        if isinstance(name, str):
            out[name] = v
    return out


def _describe_external_change(name, old, new):
    defaults = {'options': {}, 'shared': False}  # Marathon writes both whatever the provider
    fields = [k for k in EXTERNAL_FIELDS
              if _canon(old['external'].get(k, defaults.get(k))) != _canon(new['external'].get(k, defaults.get(k)))]
    if not fields:
        return None
    return ("external volume '%s': %s would change. dvdcli passes size and options only when it creates a volume, so "
            "the existing volume keeps its size and type and the definition would no longer describe it (a task in "
            "another zone, where the volume is not, would get a new empty one made to the new definition)"
            % (name, ', '.join(fields)))


def external_volume_violations(desired, current):
    """Changes to the external volumes of an existing app this collection refuses (Marathon accepts them silently).

    Returns a list of {"path", "errors"} like Marathon's 422 details; empty when `desired` does not set container
    (a partial update keeps the volumes) or leaves the external volumes as they are. A changed containerPath or
    mode of the same volume is not refused: the same volume is mounted elsewhere, no data is swapped.
    """
    container = desired.get('container')
    if not isinstance(container, dict):
        return []
    have = _external_by_name(current)
    if 'volumes' not in container:
        if not have:
            return []
        return [{'path': '/container/volumes', 'errors': [DROPPED_EXTERNAL_HINT % ', '.join(
            "'%s'" % n for n in sorted(have))]}]
    want = _external_by_name(desired)
    errors = []
    old_by_path = dict((v.get('containerPath'), n) for n, v in have.items())
    renamed = {}
    for name in sorted(set(want) - set(have)):
        old = old_by_path.get(want[name].get('containerPath'))
        if old is not None and old not in want:
            renamed[old] = name
    for old, new in sorted(renamed.items()):
        errors.append("external volume at %s would change from '%s' to '%s': the next task mounts '%s' instead of the "
                      "data on '%s' (REX-Ray creates '%s' empty if it does not exist, in the zone of the agent that "
                      "runs the task); '%s' stays with the provider, unused" % (
                          have[old].get('containerPath'), old, new, new, old, new, old))
    for name in sorted(set(have) - set(want) - set(renamed)):
        errors.append("external volume '%s' (at %s) would be removed: the next task runs without its data; the volume "
                      "stays with the provider, unused" % (name, have[name].get('containerPath')))
    for name in sorted(set(want) - set(have) - set(renamed.values())):
        errors.append("external volume '%s' (at %s) would be added: the next task mounts it, and REX-Ray creates it "
                      "empty (16 GiB unless size is set) if it does not exist in the zone of the agent that runs the "
                      "task" % (name, want[name].get('containerPath')))
    for name in sorted(set(want) & set(have)):
        change = _describe_external_change(name, have[name], want[name])
        if change:
            errors.append(change)
    return [{'path': '/container/volumes', 'errors': errors}] if errors else []


def restart_starts_first(app):
    """Whether Marathon starts the replacement task before killing the old one when it restarts `app` (one task).

    Real Marathon (TaskReplaceActor.computeRestartStrategy, 1.4-1.10): minHealthy = ceil(n * minimumHealthCapacity),
    maxCapacity = floor(n * (1 + maximumOverCapacity)); a non-resident app with minHealthy == maxCapacity gets one
    instance of over-capacity; nrToKillImmediately = max(0, n - minHealthy). Nothing killed first = start first.
    """
    n = app.get('instances', 1)
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        return False
    strategy = app.get('upgradeStrategy') if isinstance(app.get('upgradeStrategy'), dict) else {}
    default = default_for('upgradeStrategy', app)
    min_health = strategy.get('minimumHealthCapacity', default['minimumHealthCapacity'])
    if not isinstance(min_health, (int, float)) or isinstance(min_health, bool):
        return False
    min_healthy = int(-(-n * min_health // 1))  # ceil without float surprises for whole products
    return max(0, n - min_healthy) == 0


def _pins_zone(constraints):
    """A @zone constraint that pins the app to named zones (IS or LIKE; GROUP_BY/UNIQUE spread instead)."""
    for c in constraints if isinstance(constraints, list) else []:
        if isinstance(c, list) and len(c) >= 3 and c[0] == '@zone' and c[1] in ('IS', 'LIKE'):
            return True
    return False


def external_volume_warnings(app):
    """Traps of an app with external volumes, for warnings before anything is sent (external-volumes.md §1, §4)."""
    names = sorted(_external_by_name(app))
    if not names:
        return []
    shown = ', '.join("'%s'" % n for n in names)
    out = []
    if app.get('instances', 1) == 1 and restart_starts_first(app):
        strategy = dict(default_for('upgradeStrategy', app), **(app.get('upgradeStrategy') or {}))
        out.append('App %s has external volume(s) %s and upgradeStrategy minimumHealthCapacity=%s, '
                   'maximumOverCapacity=%s: on every restart or configuration change Marathon starts the new task '
                   'before it kills the old one, and both want the same volume (the new one fails to mount, or mounts '
                   'it while the old one still writes). Set upgradeStrategy to {minimumHealthCapacity: 0, '
                   'maximumOverCapacity: 0} so the old task is killed first.' % (
                       app.get('id'), shown, strategy.get('minimumHealthCapacity'), strategy.get('maximumOverCapacity')))
    if not _pins_zone(app.get('constraints')):
        out.append('App %s has external volume(s) %s and no @zone constraint. marathon_app cannot see the zones of the '
                   'cluster (it reads only Marathon); if there is more than one, a task launched in another zone than '
                   "the volume's gets an empty twin volume of the same name there. Add constraints "
                   "[['@zone', 'IS', '<zone of the volume>']] (dcos.stateful.external_volume_info shows the zone)."
                   % (app.get('id'), shown))
    return out
