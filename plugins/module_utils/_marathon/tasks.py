# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""Tasks and their local volumes as the modules return them (the UI's Volumes tab as data).

Marathon lists suspended resident instances in /v2/apps/<id>/tasks without `startedAt` (and
without stagedAt/version/ports); Marathon's own tests call a task "launched" iff `startedAt` is
present. We follow that rule.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

INSTANCE_RE = re.compile(r'^(.+)[._](instance-|marathon-)([^._]+)')
ACTIVE_STATES = frozenset(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_UNREACHABLE'])


def _text(value):
    """``value`` when it is a string, else None (a server that is not quite Marathon may send anything)."""
    return value if isinstance(value, str) else None


def _dicts(value):
    """The JSON objects of a list (anything else in the answer is not Marathon's and is left out)."""
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def instance_id(task_id):
    """Instance id of a 1.8+ task id (`app.instance-<uuid>._app.N`); legacy ids map to themselves minus `.N`."""
    if not isinstance(task_id, str):
        return None
    m = INSTANCE_RE.match(task_id or '')
    if m:
        return '%s.%s%s' % (m.group(1), m.group(2), m.group(3))
    return re.sub(r'\.\d+$', '', task_id or '')


def task_status(task):
    """running | starting | suspended | lost | killing (module-level summary of a Marathon task)."""
    state = _text(task.get('state'))
    if state in ('TASK_LOST', 'TASK_UNREACHABLE', 'TASK_GONE', 'TASK_UNKNOWN', 'TASK_DROPPED'):
        return 'lost'
    if not task.get('startedAt'):
        # launching (staged, not started yet) or a resident instance kept on its reservation
        return 'starting' if task.get('stagedAt') and state in ACTIVE_STATES else 'suspended'
    if state == 'TASK_RUNNING':
        return 'running'
    if state == 'TASK_KILLING':
        return 'killing'
    return 'starting' if state in ACTIVE_STATES else 'suspended'


def task_healthy(task):
    results = _dicts(task.get('healthCheckResults'))
    if not results:
        return None
    return all(r.get('alive') for r in results)


def summarise_task(task):
    return {
        'id': task.get('id'),
        'instance_id': instance_id(task.get('id')),
        'app_id': task.get('appId'),
        'host': task.get('host'),
        'agent_id': task.get('slaveId'),
        'state': task.get('state'),
        'status': task_status(task),
        'healthy': task_healthy(task),
        'started_at': task.get('startedAt'),
        'ports': task.get('ports') or [],
        'local_volumes': [
            {'container_path': v.get('containerPath'), 'persistence_id': v.get('persistenceId')}
            for v in _dicts(task.get('localVolumes'))
        ],
    }


def summarise_tasks(tasks):
    # str(): a non-string host or id from a server that is not quite Marathon must not break the sort
    return sorted((summarise_task(t) for t in _dicts(tasks)), key=lambda t: (str(t['host'] or ''), str(t['id'] or '')))


def app_status(app):
    """An app in short, for results about many apps: its version and counts, its running deployments, and where its
    instances run and keep their local volumes. No definition (the caller gave it), so nothing secret and a result
    a few hundred bytes per app, where the app as Marathon holds it takes kilobytes."""
    app = app if isinstance(app, dict) else {}
    return {
        'id': app.get('id'),
        'version': app.get('version'),
        'instances': app.get('instances', 1),  # Marathon's default: an app predicted from a definition without it
        'tasks_running': app.get('tasksRunning'),
        'tasks_healthy': app.get('tasksHealthy'),
        'tasks_staged': app.get('tasksStaged'),
        'deployments': [d.get('id') for d in _dicts(app.get('deployments'))],
        'tasks': summarise_tasks(app.get('tasks')),
    }


# Marathon's states for a task whose agent it cannot reach (Real Marathon 1.4+: TASK_UNREACHABLE, startedAt kept;
# TASK_LOST before partition awareness; TASK_UNKNOWN: the master does not know the agent).
UNREACHABLE_STATES = frozenset(['TASK_UNREACHABLE', 'TASK_LOST', 'TASK_UNKNOWN'])


def volume_status(task):
    """attached | unreachable | detached for the local volume of a summarised task."""
    if _text(task['state']) in UNREACHABLE_STATES:
        return 'unreachable'  # the data is on an agent that is down or partitioned, not free to wipe casually
    if task['status'] in ('running', 'starting', 'killing'):
        return 'attached'
    return 'detached'


def volumes_view(app, tasks, agents=None):
    """One row per local persistent volume (Marathon UI's Volumes tab), plus external volumes.

    ``agents`` (``{agent id: {hostname, zone, ...}}`` from Mesos' /master/state, or None when Mesos was not read)
    gives the zone of the agent whose task mounts an external volume.
    """
    rows = []
    summaries = summarise_tasks(tasks)
    for t in summaries:
        for v in t['local_volumes']:
            rows.append({
                'app_id': app.get('id'), 'type': 'persistent', 'container_path': v['container_path'],
                'persistence_id': v['persistence_id'], 'host': t['host'], 'agent_id': t['agent_id'],
                'task_id': t['id'], 'instance_id': t['instance_id'], 'status': volume_status(t),
                'task_status': t['status'],
                'size': _persistent_size(app, v['container_path']),
            })
    for v in _container_volumes(app):
        ext = v.get('external')
        if isinstance(ext, dict):
            rows.append({
                'app_id': app.get('id'), 'type': 'external', 'container_path': v.get('containerPath'),
                'name': ext.get('name'), 'provider': ext.get('provider'),
                'driver': ext['options'].get('dvdi/driver') if isinstance(ext.get('options'), dict) else None,
                'size': ext.get('size'),
            })
            rows[-1].update(_external_user(summaries, agents))
    return rows


def _external_user(summaries, agents):
    """The task that mounts the app's external volumes, its agent and (with Mesos' agents) zone.

    Real Marathon: an app with DVDI volumes has at most one instance, so its one live task is the one using them;
    with none or several (a restart that started the new task first) the fields stay None.
    """
    live = [t for t in summaries if t['status'] in ('running', 'starting', 'killing')]
    if len(live) != 1:
        return {'task_id': None, 'agent_id': None, 'host': None, 'zone': None}
    task = live[0]
    agent = (agents or {}).get(task['agent_id']) or {}
    return {'task_id': task['id'], 'agent_id': task['agent_id'], 'host': agent.get('hostname') or task['host'],
            'zone': agent.get('zone')}


def _container_volumes(app):
    container = app.get('container')
    return _dicts(container.get('volumes')) if isinstance(container, dict) else []


def _persistent_size(app, container_path):
    for v in _container_volumes(app):
        if v.get('containerPath') == container_path and isinstance(v.get('persistent'), dict):
            return v['persistent'].get('size')
    return None
