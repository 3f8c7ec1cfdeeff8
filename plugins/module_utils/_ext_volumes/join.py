# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""The audit of external volumes behind external_volume_info: pure functions, no I/O.

Three sources, each read once by the module:

* Marathon ``/v2/apps``: which apps declare which external volume names (``container.volumes[].external``);
* Mesos ``/master/state``: agents with their zone (``domain.fault_domain.zone.name``) and live tasks with their
  ``container.volumes[].source.docker_volume`` (Marathon's task JSON has no volume info; Mesos' has);
* EC2 (optional): EBS volumes named by their ``Name`` tag as REX-Ray names them (ec2.volume_record), and the
  instances they are attached to.

One entry per volume name, with a status (first that applies):

``twin``             the name has EBS volumes in more than one zone: REX-Ray only sees the one of the agent's zone.
``in_use``           a live Mesos task mounts it.
``orphaned``         no Marathon app references it (the EBS volume costs money and nobody uses it).
``missing``          an app references it and no EBS volume exists: the next launch creates an empty one with
                     REX-Ray's defaults (16 GiB).
``zone_unreachable`` no active agent in the volume's zone can run an app referencing it (none there, or the
                     app's ``@zone``/``@region`` constraints exclude that zone): a launch elsewhere creates an
                     empty twin.
``detached``         an app references it, no task mounts it (the app is stopped or scaled to 0).
``unknown``          an app references it, no task mounts it, and EC2 was not read (it may be ``missing``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

STATUSES = ('in_use', 'detached', 'orphaned', 'missing', 'twin', 'zone_unreachable', 'unknown')
LIVE_TASK_STATES = frozenset(('TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING'))
DEFAULT_DRIVERS = ('rexray',)


class ShapeError(ValueError):
    """An answer that is not shaped as Marathon's or Mesos' (the module names the source)."""


def _dict(value):
    return value if isinstance(value, dict) else {}


def _list(value):
    return value if isinstance(value, list) else []


def zone_key(zone):
    """EC2 availability zone of a Mesos zone name: DC/OS' AWS fault-domain script names zones
    ``aws/us-east-1a``, EC2 ``us-east-1a``; other names compare as they are."""
    return zone.rsplit('/', 1)[-1] if isinstance(zone, str) else None


# ----------------------------------------------------------------------------------------------- Marathon

def external_volumes_of(app, drivers=DEFAULT_DRIVERS):
    """``[{name, driver, provider, container_path, size, shared}]`` of one app's external volumes."""
    out = []
    container = _dict(_dict(app).get('container'))
    for volume in _list(container.get('volumes')):
        external = _dict(_dict(volume).get('external'))
        name = external.get('name')
        if not isinstance(name, str) or not name:
            continue
        driver = _dict(external.get('options')).get('dvdi/driver')
        if drivers and driver not in drivers:
            continue
        out.append({'name': name, 'driver': driver, 'provider': external.get('provider'),
                    'container_path': volume.get('containerPath'), 'size': external.get('size'),
                    'shared': bool(external.get('shared'))})
    return out


def app_references(apps, drivers=DEFAULT_DRIVERS):
    """``{volume name: [{app_id, instances, constraints, container_path, size, driver}]}``."""
    if not isinstance(apps, list):
        raise ShapeError('the apps are not a list')
    refs = {}
    for app in apps:
        if not isinstance(app, dict):
            raise ShapeError('an app is not an object')
        for vol in external_volumes_of(app, drivers):
            refs.setdefault(vol['name'], []).append({
                'app_id': app.get('id'), 'instances': app.get('instances'),
                'constraints': _list(app.get('constraints')), 'container_path': vol['container_path'],
                'size': vol['size'], 'driver': vol['driver']})
    return refs


# ----------------------------------------------------------------------------------------------- Mesos

def agents_of(state):
    """``{agent id: {id, hostname, active, zone, region}}`` from ``/master/state``."""
    if not isinstance(state, dict) or not isinstance(state.get('slaves'), list):
        raise ShapeError("no 'slaves' array")
    agents = {}
    for slave in state['slaves']:
        if not isinstance(slave, dict) or not isinstance(slave.get('id'), str):
            continue
        fault = _dict(_dict(slave.get('domain')).get('fault_domain'))
        agents[slave['id']] = {
            'id': slave['id'], 'hostname': slave.get('hostname'), 'active': slave.get('active', True) is not False,
            'zone': _dict(fault.get('zone')).get('name'), 'region': _dict(fault.get('region')).get('name')}
    return agents


def volume_tasks(state, agents, drivers=DEFAULT_DRIVERS):
    """``{volume name: [{task_id, framework_id, agent_id, hostname, zone, state}]}`` of the live tasks."""
    if not isinstance(state.get('frameworks'), list):
        raise ShapeError("no 'frameworks' array")
    out = {}
    for framework in state['frameworks']:
        for task in _list(_dict(framework).get('tasks')):
            if not isinstance(task, dict) or task.get('state') not in LIVE_TASK_STATES:
                continue
            agent = agents.get(task.get('slave_id')) or {}
            for volume in _list(_dict(task.get('container')).get('volumes')):
                source = _dict(_dict(volume).get('source'))
                docker = _dict(source.get('docker_volume'))
                name = docker.get('name')
                if not name or (drivers and docker.get('driver') not in drivers):
                    continue
                out.setdefault(name, []).append({
                    'task_id': task.get('id'), 'framework_id': task.get('framework_id'),
                    'agent_id': task.get('slave_id'), 'hostname': agent.get('hostname'), 'zone': agent.get('zone'),
                    'state': task.get('state')})
    return out


# ----------------------------------------------------------------------------------------------- placement

def _matches(op, value, actual):
    """One Marathon constraint operator on a field value (None: the operator does not restrict placement)."""
    if actual is None:
        return None
    if op == 'IS':
        return actual == value
    if op in ('LIKE', 'UNLIKE'):
        try:
            hit = re.match('(?:%s)\\Z' % value, actual) is not None
        except (re.error, TypeError):
            return None
        return hit if op == 'LIKE' else not hit
    return None


def app_admits(constraints, agent):
    """Whether an app's ``@zone``/``@region``/``@hostname`` constraints let it run on that agent.
    Other fields and operators (UNIQUE, GROUP_BY, MAX_PER, attributes) do not exclude a zone as such."""
    fields = {'@zone': agent.get('zone'), '@region': agent.get('region'), '@hostname': agent.get('hostname'),
              'hostname': agent.get('hostname')}
    for constraint in constraints:
        if not isinstance(constraint, list) or len(constraint) < 2 or constraint[0] not in fields:
            continue
        ok = _matches(constraint[1], constraint[2] if len(constraint) > 2 else None, fields[constraint[0]])
        if ok is False:
            return False
    return True


def runnable_agents(refs, agents, zone):
    """Active agents in EC2 zone ``zone`` on which every referencing app may run."""
    return [a for a in agents.values() if a['active'] and zone_key(a['zone']) == zone
            and all(app_admits(r['constraints'], a) for r in refs)]


# ----------------------------------------------------------------------------------------------- the join

def attachment_agents(ebs, instances, agents):
    """``{instance id: agent id}``: an instance is an agent when its private/public IP or DNS name, or its
    ``Name`` tag, is the agent's hostname (or its ``Name`` tag is the agent id)."""
    by_host = {}
    for agent in agents.values():
        if agent.get('hostname'):
            by_host.setdefault(agent['hostname'], agent['id'])
        by_host.setdefault(agent['id'], agent['id'])
    out = {}
    for instance_id, inst in (instances or {}).items():
        for key in ('private_ip', 'private_dns', 'public_ip', 'public_dns', 'name'):
            if inst.get(key) and inst[key] in by_host:
                out[instance_id] = by_host[inst[key]]
                break
    return out


def classify(refs, tasks, vols, agents, ec2_read):
    """(status, reason) of one volume name; see the module docstring for the order."""
    zones = sorted(set(v['zone'] for v in vols))
    if len(zones) > 1:
        return 'twin', 'EBS volumes with this name in %d zones (%s): REX-Ray sees only the one in the agent\'s ' \
                       'zone, the others hold other data' % (len(zones), ', '.join(zones))
    if tasks:
        return 'in_use', 'mounted by task %s on agent %s' % (tasks[0]['task_id'], tasks[0]['hostname'] or
                                                             tasks[0]['agent_id'])
    if not refs:
        return 'orphaned', 'no Marathon app references it'
    apps = ', '.join(sorted(str(r['app_id']) for r in refs))
    if not ec2_read:
        return 'unknown', 'referenced by %s, no task mounts it, and EC2 was not read (give region) to know whether ' \
                          'the EBS volume exists' % apps
    if not vols:
        return 'missing', 'referenced by %s and no EBS volume has this name: the next launch creates an empty ' \
                          'one with REX-Ray\'s defaults' % apps
    zone = zones[0]
    if any(a.get('zone') for a in agents.values()) and not runnable_agents(refs, agents, zone):
        return 'zone_unreachable', 'the EBS volume is in %s and no active agent there can run %s: a launch in ' \
                                   'another zone gets an empty twin' % (zone, apps)
    wanted = sum(r['instances'] for r in refs if isinstance(r['instances'], int))
    if wanted:
        return 'detached', 'referenced by %s (%d instance(s) wanted) but no task mounts it: the launch is ' \
                           'pending or failing' % (apps, wanted)
    return 'detached', 'referenced by %s, which is stopped (0 instances)' % apps


def _entry(name, refs, tasks, vols, agents, agent_of_instance, ec2_read):
    status, reason = classify(refs, tasks, vols, agents, ec2_read)
    attachments = []
    for vol in vols:
        if vol.get('instance_id'):
            agent_id = agent_of_instance.get(vol['instance_id'])
            if agent_id is None and len(tasks) == 1 and zone_key(tasks[0]['zone']) in (None, vol['zone']):
                agent_id = tasks[0]['agent_id']   # the instance was not recognised; the task says where it runs
            agent = agents.get(agent_id) or {}
            attachments.append({'volume_id': vol['id'], 'instance_id': vol['instance_id'], 'agent_id': agent_id,
                                'hostname': agent.get('hostname'), 'agent_active': agent.get('active')})
    main = next((v for v in vols if v.get('instance_id')), vols[0] if vols else {})
    return {
        'name': name,
        'status': status,
        'reason': reason,
        'apps': sorted(set(str(r['app_id']) for r in refs)),
        'references': refs,
        'tasks': tasks,
        'volume_ids': [v['id'] for v in vols],
        'size': main.get('size'),
        'type': main.get('type'),
        'zones': sorted(set(v['zone'] for v in vols)),
        'state': main.get('state'),
        'attachments': attachments,
        'ebs_volumes': vols,
    }


def audit(apps, state, ebs=None, instances=None, drivers=DEFAULT_DRIVERS):
    """``{'volumes': [entry per name], 'summary': {status: count}}``.

    ``ebs`` is None when EC2 was not read (then no ``orphaned``/``missing``/``twin``/``zone_unreachable``),
    else the volume records of ec2.Ec2.volumes; ``instances`` those of ec2.Ec2.instances."""
    refs = app_references(apps, drivers)
    agents = agents_of(state)
    tasks = volume_tasks(state, agents, drivers)
    by_name = {}
    for vol in ebs or []:
        by_name.setdefault(vol['name'], []).append(vol)
    agent_of_instance = attachment_agents(ebs, instances, agents)
    volumes = [_entry(name, refs.get(name, []), tasks.get(name, []), by_name.get(name, []), agents,
                      agent_of_instance, ebs is not None)
               for name in sorted(set(refs) | set(tasks) | set(by_name))]
    summary = dict((status, 0) for status in STATUSES)
    for entry in volumes:
        summary[entry['status']] += 1
    return {'volumes': volumes, 'summary': summary}
