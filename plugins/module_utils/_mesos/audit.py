# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""Decision logic of ``mesos_volume_info``: pure functions, no I/O.

Input: the parsed ``/master/slaves`` body and, optionally, Marathon's ``/v2/apps?embed=apps.tasks``.
Output: every dynamic reservation and persistent volume per agent, each volume joined to its Marathon app
and instance through its persistence id (``<safeAppId>#<containerPath>#<uuid>``, listed in the tasks'
``localVolumes``) and its reservation labels (``marathon_framework_id``, ``marathon_task_id``), with a status:

* ``attached``: a task of the owning instance is launched (Marathon shows ``stagedAt``/``startedAt``);
* ``suspended``: the instance is kept but has no launched task (scaled down / stopped resident instance);
* ``unreachable``: the owning instance's agent is down: the master lists the agent as not active, or Marathon
  reports its task ``TASK_UNREACHABLE`` (``TASK_LOST``/``TASK_UNKNOWN`` before partition awareness). The data is
  on that agent and nothing can use or release it until the agent comes back;
* ``orphaned``: labelled by Marathon, but no instance owns it any more (or the app is gone);
* ``not_marathon``: no Marathon labels, or labels of another Marathon framework;
* ``unknown``: labelled by Marathon, but Marathon was not asked (no ``marathon_url``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import safe_app_id
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.resources import (
    MARATHON_FRAMEWORK_LABEL,
    MARATHON_TASK_LABEL,
    container_path,
    current_reservation,
    disk_source,
    is_volume,
    persistence_id,
    round_scalar,
    scalar,
)

STATUSES = ('attached', 'suspended', 'unreachable', 'orphaned', 'not_marathon', 'unknown')

# Task states Marathon reports for a task whose agent it cannot reach. Real Marathon (partition-aware, 1.4+)
# shows TASK_UNREACHABLE while the agent is away, with startedAt still set (the task counts as active);
# TASK_LOST is what older Marathon and non-partition-aware paths report, TASK_UNKNOWN an agent the master
# no longer knows.
UNREACHABLE_TASK_STATES = ('TASK_UNREACHABLE', 'TASK_LOST', 'TASK_UNKNOWN')

# Pod instance states (PodInstanceState) in which the instance has launched containers.
POD_LAUNCHED = ('STAGING', 'STABLE', 'DEGRADED')

# Instance/reservation id inside a task id. 1.8+: "<safeAppId>.instance-<uuid>._app.<n>"; before:
# "<safeAppId>.<uuid>" with an optional ".<n>" per resident relaunch; migrated ids carry "marathon-".
_UUID = r'[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
_RESERVATION_ID = re.compile(r'^(.*[._](?:instance-|marathon-)?' + _UUID + r')')


class ShapeError(ValueError):
    """An answer that is not shaped like Marathon's or Mesos's (a field of the wrong type).

    The audit refuses it rather than skipping the odd entry: a task left out would make its volume look orphaned."""


class _MapOf:
    """Schema of a JSON object with free keys (roles) and values of one schema."""

    def __init__(self, schema):
        self.schema = schema


_NUMBER = (int, float)
_LABELS = {'labels': [{'key': str, 'value': str}]}
_RESERVATION = {'type': str, 'role': str, 'principal': str, 'labels': _LABELS}
_RESOURCE = {'name': str, 'type': str, 'role': str, 'scalar': {'value': _NUMBER},
             'reservation': _RESERVATION, 'reservations': [_RESERVATION],
             'disk': {'persistence': {'id': str}, 'volume': {'container_path': str},
                      'source': {'type': str, 'path': {'root': str}, 'mount': {'root': str}}}}
AGENT_SCHEMA = {'id': str, 'hostname': str, 'port': int, 'pid': str, 'active': bool,
                'reserved_resources_full': _MapOf([_RESOURCE]), 'used_resources_full': [_RESOURCE]}
RECOVERED_SCHEMA = [{'id': str, 'hostname': str}]
_LOCAL_VOLUMES = [{'persistenceId': str, 'containerPath': str}]
APPS_SCHEMA = {'apps': [{'id': str, 'tasks': [{'id': str, 'appId': str, 'state': str, 'slaveId': str,
                                               'localVolumes': _LOCAL_VOLUMES}]}]}
PODS_SCHEMA = [{'id': str, 'instances': [{'id': str, 'status': str, 'agentId': str, 'localVolumes': _LOCAL_VOLUMES}]}]


def check_shape(value, schema, where):
    """Raise ShapeError naming the first field of ``value`` (at ``where``) whose type ``schema`` does not allow.

    Fields may be missing or null; lists and objects must hold what the schema says."""
    if value is None:
        return
    if isinstance(schema, _MapOf):
        if not isinstance(value, dict):
            raise ShapeError('%s is %s, not an object' % (where, type(value).__name__))
        for key, item in value.items():
            check_shape(item, schema.schema, '%s.%s' % (where, key))
    elif isinstance(schema, dict):
        if not isinstance(value, dict):
            raise ShapeError('%s is %s, not an object' % (where, type(value).__name__))
        for key, sub in schema.items():
            check_shape(value.get(key), sub, '%s.%s' % (where, key))
    elif isinstance(schema, list):
        if not isinstance(value, list):
            raise ShapeError('%s is %s, not a list' % (where, type(value).__name__))
        for index, item in enumerate(value):
            check_shape(item, schema[0], '%s[%d]' % (where, index))
    elif not isinstance(value, schema) or (schema is int and isinstance(value, bool)):
        raise ShapeError('%s is %s %r' % (where, type(value).__name__, value if len(repr(value)) < 40 else '...'))


def reservation_id_of_task(task_id):
    """The id Marathon puts in ``marathon_task_id`` for the instance running ``task_id``."""
    match = _RESERVATION_ID.match(task_id or '')
    return match.group(1) if match else task_id


def safe_id_of_persistence(pid):
    """``db_pg#data#<uuid>`` -> ``db_pg``; None when the id does not look like Marathon's."""
    parts = (pid or '').split('#')
    return parts[0] if len(parts) >= 3 else None


def safe_id_of_reservation(reservation_id):
    """``db_pg.instance-<uuid>`` / ``db_pg.<uuid>`` -> ``db_pg``."""
    match = re.match(r'^(.*)[._](?:instance-|marathon-)?' + _UUID + '$', reservation_id or '')
    return match.group(1) if match else None


def task_launched(task):
    # Marathon's own tests call a resident task launched iff it has startedAt; a staging task has stagedAt.
    return bool(task.get('startedAt') or task.get('stagedAt'))


class MarathonIndex:
    """Lookups over ``/v2/apps?embed=apps.tasks``: apps by safe id, tasks by persistence and reservation id."""

    def __init__(self, apps_payload):
        if not isinstance(apps_payload, dict) or not isinstance(apps_payload.get('apps'), list):
            raise ShapeError('the answer to GET /v2/apps is not an object with a list of "apps"')
        check_shape(apps_payload, APPS_SCHEMA, 'Marathon /v2/apps')
        apps = apps_payload['apps']
        self.apps_by_safe_id = {}
        self.by_persistence = {}
        self.by_reservation = {}
        for app in apps:
            app_id = app.get('id')
            self.apps_by_safe_id[safe_app_id(app_id)] = app_id
            for task in app.get('tasks') or []:
                entry = {
                    'app_id': task.get('appId') or app_id,
                    'task_id': task.get('id'),
                    'instance_id': reservation_id_of_task(task.get('id')),
                    'task_state': task.get('state'),
                    'launched': task_launched(task),
                    'agent_id': task.get('slaveId'),
                }
                self._add(self.by_reservation, entry['instance_id'], entry)
                for local in task.get('localVolumes') or []:
                    self._add(self.by_persistence, local.get('persistenceId'), entry)

    def add_pods(self, pods_status):
        """Join pods too, from ``/v2/pods/::status`` (pod instances list their ``localVolumes``)."""
        check_shape(pods_status, PODS_SCHEMA, 'Marathon /v2/pods/::status')
        for pod in pods_status or []:
            pod_id = pod.get('id')
            self.apps_by_safe_id[safe_app_id(pod_id)] = pod_id
            for instance in pod.get('instances') or []:
                entry = {
                    'app_id': pod_id,
                    'task_id': None,
                    'instance_id': instance.get('id'),
                    'task_state': instance.get('status'),
                    'launched': instance.get('status') in POD_LAUNCHED,
                    'agent_id': instance.get('agentId'),
                }
                self._add(self.by_reservation, entry['instance_id'], entry)
                for local in instance.get('localVolumes') or []:
                    self._add(self.by_persistence, local.get('persistenceId'), entry)

    @staticmethod
    def _add(index, key, entry):
        # A relaunched resident instance can list an old terminal task and a new one: keep the launched one.
        current = index.get(key)
        if current is None or (entry['launched'] and not current['launched']):
            index[key] = entry

    def owner(self, pid, reservation_id):
        if pid and pid in self.by_persistence:
            return self.by_persistence[pid]
        if reservation_id and reservation_id in self.by_reservation:
            return self.by_reservation[reservation_id]
        return None

    def app_for(self, pid, reservation_id):
        safe = safe_id_of_persistence(pid) if pid else None
        safe = safe or safe_id_of_reservation(reservation_id)
        return self.apps_by_safe_id.get(safe) if safe else None


def _unreachable_reason(owner, agent_active):
    """Why the owner's data cannot be reached, or None when its agent is up."""
    if owner['task_state'] in UNREACHABLE_TASK_STATES:
        return 'Marathon reports task %s of instance %s as %s (its agent is down or partitioned)' % (
            owner['task_id'] or '-', owner['instance_id'], owner['task_state'])
    if agent_active is False:
        return 'the agent holding instance %s is not active (down or disconnected)' % owner['instance_id']
    return None


def classify(labels, pid, marathon, framework_ids, agent_active=True):
    """Status, reason and Marathon fields for one volume or reservation (``agent_active``: the master's
    ``active`` flag of the agent holding it)."""
    framework_id = labels.get(MARATHON_FRAMEWORK_LABEL)
    reservation_id = labels.get(MARATHON_TASK_LABEL)
    result = {'framework_id': framework_id, 'reservation_id': reservation_id, 'app_id': None,
              'instance_id': None, 'task_id': None, 'task_state': None}
    if framework_id is None or reservation_id is None:
        result.update(status='not_marathon', reason='no Marathon reservation labels')
        return result
    if marathon is None:
        result.update(status='unknown', reason='reserved by Marathon; marathon_url not given')
        return result
    owner = marathon.owner(pid, reservation_id)
    if owner is not None:
        result.update(app_id=owner['app_id'], instance_id=owner['instance_id'], task_id=owner['task_id'],
                      task_state=owner['task_state'])
        unreachable = _unreachable_reason(owner, agent_active)
        if unreachable:
            # Checked before `launched`: an unreachable resident task keeps its startedAt.
            result.update(status='unreachable', reason=unreachable)
        elif owner['launched']:
            launched = ('task %s' % owner['task_id']) if owner['task_id'] else (
                'pod instance %s (%s)' % (owner['instance_id'], owner['task_state']))
            result.update(status='attached', reason='%s is launched' % launched)
        else:
            result.update(status='suspended', reason='instance %s is kept without a launched task'
                          % owner['instance_id'])
        return result
    if framework_ids and framework_id not in framework_ids:
        result.update(status='not_marathon',
                      reason='reserved by framework %s, not by the Marathon asked (%s)'
                      % (framework_id, ', '.join(sorted(framework_ids))))
        return result
    app_id = marathon.app_for(pid, reservation_id)
    result['app_id'] = app_id
    if app_id:
        result.update(status='orphaned', reason='app %s exists but no instance owns reservation %s'
                      % (app_id, reservation_id))
    else:
        result.update(status='orphaned', reason='the app is gone (no instance owns reservation %s)'
                      % reservation_id)
    return result


def volume_dir(role, pid):
    """Path of a root-disk volume relative to ``<work_dir>/volumes/roles`` ("/" in roles becomes " ")."""
    return '%s/%s' % (role.replace('/', ' '), pid)


def _in_use_ids(agent):
    return set(persistence_id(r) for r in agent.get('used_resources_full') or [] if is_volume(r))


class Auditor:
    """Accumulates agents one at a time (so a streamed ``/master/slaves`` is never held whole)."""

    def __init__(self, apps_payload=None, framework_id=None, agent_ids=None, hostnames=None, roles=None,
                 include_resources=False):
        self.marathon = MarathonIndex(apps_payload) if apps_payload is not None else None
        self.framework_id = framework_id
        self.wanted_ids = set(agent_ids or [])
        self.wanted_hosts = set(hostnames or [])
        self.wanted_roles = set(roles or [])
        self.include_resources = include_resources
        self.agents, self.volumes, self.reservations, self.recovered = [], [], [], []
        self.pending = []
        self.inactive_agents = set()

    def add_recovered(self, slaves):
        check_shape(slaves, RECOVERED_SCHEMA, 'Mesos /master/slaves recovered_slaves')
        self.recovered.extend({'id': s.get('id'), 'hostname': s.get('hostname')} for s in slaves or [])

    def add_agent(self, agent):
        if not self._wanted_agent(agent):
            return
        agent_id, hostname = agent.get('id'), agent.get('hostname')
        in_use = _in_use_ids(agent)
        volume_dirs = []
        groups = {}
        for reservation, resource in self._dynamic_reservations(agent):
            pid = persistence_id(resource) if is_volume(resource) else None
            entry = None
            if pid is not None:
                entry = self._add_volume(agent_id, hostname, reservation, resource, pid, pid in in_use)
                volume_dirs.append(entry['path'])
            _add_to_group(groups, agent_id, hostname, reservation, resource, entry)
        self._add_reservations(groups)
        if agent.get('active') is False:
            self.inactive_agents.add(agent_id)
        self.agents.append({
            'id': agent_id, 'hostname': hostname, 'port': agent.get('port'), 'pid': agent.get('pid'),
            'active': agent.get('active'), 'volume_dirs': volume_dirs,
        })

    def _wanted_agent(self, agent):
        """Check the agent's shape (every agent, wanted or not), then whether the filters select it."""
        if not isinstance(agent, dict):
            raise ShapeError('Mesos /master/slaves lists an agent that is %s, not an object' % type(agent).__name__)
        check_shape(agent, AGENT_SCHEMA, 'Mesos /master/slaves agent %s' % agent.get('id'))
        if self.wanted_ids and agent.get('id') not in self.wanted_ids:
            return False
        return not (self.wanted_hosts and agent.get('hostname') not in self.wanted_hosts)

    def _dynamic_reservations(self, agent):
        """(reservation, resource) of every dynamically reserved resource of the wanted roles."""
        for role, resources in (agent.get('reserved_resources_full') or {}).items():
            if self.wanted_roles and role not in self.wanted_roles:
                continue
            for resource in resources or []:
                reservation = current_reservation(resource)
                if reservation is not None and reservation['type'] == 'DYNAMIC':
                    yield reservation, resource

    def _add_volume(self, agent_id, hostname, reservation, resource, pid, in_use):
        """Record one persistent volume (classified later, in finish)."""
        labels = reservation['labels']
        entry = {
            'agent_id': agent_id, 'hostname': hostname,
            'role': reservation['role'], 'persistence_id': pid,
            'container_path': container_path(resource), 'size': scalar(resource),
            'principal': reservation['principal'], 'labels': labels,
            'disk_source': disk_source(resource), 'in_use': in_use,
            'path': volume_dir(reservation['role'], pid),
        }
        if self.include_resources:
            entry['resource'] = resource
        self.volumes.append(entry)
        self.pending.append((entry, labels, pid))
        return entry

    def _add_reservations(self, groups):
        """Record the reservations of one agent that hold no volume; the others are reported through their volumes."""
        for group in groups.values():
            if group['volumes']:
                # A reservation holding volumes is reported through its volumes (what it reserves in all).
                for entry in group['volumes']:
                    entry['reserved_resources'] = group['resources']
                continue
            del group['volumes']
            self.reservations.append(group)
            self.pending.append((group, group['labels'], None))

    def finish(self, load_pods=None, marathon_ids=False):
        """Classify everything (this Marathon's framework ids are only known once all agents are read).

        ``load_pods()`` (returning ``/v2/pods/::status``) is called only when something looks orphaned, so
        the common case costs one Marathon request; pods' volumes are then joined before anything is called
        orphaned. With ``marathon_ids`` pods are always read, and the result lists every persistence id
        Marathon's instances hold (``marathon_persistence_ids``), whatever Mesos lists.
        """
        result = self._classify()
        if load_pods is not None and self.marathon is not None and (marathon_ids or result['summary']['orphaned'] + sum(
                1 for r in self.reservations if r['status'] == 'orphaned')):
            self.marathon.add_pods(load_pods())
            result = self._classify()
        if marathon_ids and self.marathon is not None:
            result['marathon_persistence_ids'] = sorted(pid for pid in self.marathon.by_persistence if pid)
        self.pending = []
        return result

    def _classify(self):
        marathon = self.marathon
        framework_ids = set([self.framework_id]) if self.framework_id else set()
        if marathon is not None and not framework_ids:
            # Learn this Marathon's framework id from the reservations its instances own.
            for _entry, labels, pid in self.pending:
                if MARATHON_FRAMEWORK_LABEL in labels and marathon.owner(pid, labels.get(MARATHON_TASK_LABEL)):
                    framework_ids.add(labels[MARATHON_FRAMEWORK_LABEL])
        for entry, labels, pid in self.pending:
            agent_active = entry['agent_id'] not in self.inactive_agents
            entry.update(classify(labels, pid, marathon, framework_ids, agent_active))
        summary = dict((status, 0) for status in STATUSES)
        # A reservation without a volume (e.g. the cpus/mem/disk of a wiped instance) counts like a volume.
        for entry in self.volumes + self.reservations:
            summary[entry['status']] += 1
        return {'agents': self.agents, 'volumes': self.volumes, 'reservations': self.reservations,
                'recovered_agents': self.recovered, 'summary': summary}


def audit(slaves_payload, apps_payload=None, load_pods=None, **options):
    """Audit a parsed ``/master/slaves`` body; returns ``{"agents", "volumes", "reservations",
    "recovered_agents", "summary"}``. ``options``: framework_id, agent_ids, hostnames, roles, include_resources."""
    auditor = Auditor(apps_payload, **options)
    for agent in (slaves_payload or {}).get('slaves') or []:
        auditor.add_agent(agent)
    auditor.add_recovered((slaves_payload or {}).get('recovered_slaves'))
    return auditor.finish(load_pods)


def audit_members(members, apps_payload=None, load_pods=None, marathon_ids=False, **options):
    """Same as :func:`audit` over ``(key, value)`` pairs streamed from ``/master/slaves``
    (``("slaves", agent)`` once per agent, see ``_mesos.json_stream.iter_object``)."""
    auditor = Auditor(apps_payload, **options)
    for key, value in members:
        if key == 'slaves':
            auditor.add_agent(value)
        elif key == 'recovered_slaves':
            auditor.add_recovered(value)
    return auditor.finish(load_pods, marathon_ids)


def _add_to_group(groups, agent_id, hostname, reservation, resource, entry):
    """Add a resource to its reservation (role, principal, labels) of one agent: the scalar sums and the volumes."""
    labels = reservation['labels']
    key = (reservation['role'], reservation['principal'], tuple(sorted(labels.items())))
    group = groups.get(key)
    if group is None:
        group = groups[key] = {
            'agent_id': agent_id, 'hostname': hostname,
            'role': reservation['role'], 'principal': reservation['principal'],
            'labels': labels, 'resources': {}, 'volumes': [],
        }
    if resource.get('type', 'SCALAR') == 'SCALAR':
        name = resource.get('name')
        group['resources'][name] = round_scalar(group['resources'].get(name, 0) + scalar(resource))
    if entry is not None:
        group['volumes'].append(entry)
