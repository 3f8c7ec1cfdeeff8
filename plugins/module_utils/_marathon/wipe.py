# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""Decision logic of marathon_task_wipe: which tasks to wipe, what Mesos still holds of them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ACTIVE_STATUSES = frozenset(['running', 'starting', 'killing'])


def select_tasks(tasks, task_ids=None, host=None, suspended=False):
    """Summarised tasks matching every given selector (task ids, host name or agent id, suspended).

    Returns (selected, unknown_task_ids). A task id selects its whole instance, like Marathon does.
    """
    selected = list(tasks)
    unknown = []
    if task_ids:
        by_id = dict((t['id'], t) for t in tasks)
        by_instance = dict((t['instance_id'], t) for t in tasks)
        keep = []
        for tid in task_ids:
            t = by_id.get(tid) or by_instance.get(tid)
            if t is None:
                unknown.append(tid)
            elif t not in keep:
                keep.append(t)
        selected = [t for t in selected if t in keep]
    if host:
        selected = [t for t in selected if host in (t['host'], t['agent_id'])]
    if suspended:
        selected = [t for t in selected if t['status'] == 'suspended']
    return selected, unknown


def refused_running(selected, wipe_running):
    """Selected tasks that still run and may not be wiped without wipe_running=true."""
    if wipe_running:
        return []
    return [t for t in selected if t['status'] in ACTIVE_STATUSES]


def leftovers_in_mesos(slaves_body, persistence_ids, reservation_ids):
    """Volumes and reservations of the wiped instances that Mesos still holds, per agent.

    Looks at `reserved_resources_full` of GET /master/slaves: volumes by `disk.persistence.id`,
    reservations by the `marathon_task_id` label (Marathon's reservation id = instance id on 1.8+).
    """
    persistence_ids = set(persistence_ids)
    reservation_ids = set(reservation_ids)
    left = []
    for agent in (slaves_body or {}).get('slaves') or []:
        for role, resources in (agent.get('reserved_resources_full') or {}).items():
            for r in resources or []:
                pid = ((r.get('disk') or {}).get('persistence') or {}).get('id')
                labels = _labels(r)
                rid = labels.get('marathon_task_id')
                if pid in persistence_ids or rid in reservation_ids:
                    left.append({'agent_id': agent.get('id'), 'host': agent.get('hostname'), 'role': role,
                                 'resource': r.get('name'), 'persistence_id': pid, 'reservation_id': rid,
                                 'agent_active': agent.get('active') is not False})
    return left


def agents_down(slaves_body, agent_ids):
    """The given agent ids that the master lists as not active, or does not list at all.

    Real Mesos lists a disconnected agent with ``active: false`` and drops it from ``/master/slaves`` once it
    marks it unreachable (after its ping timeouts); either way it makes no offers, so Marathon, which releases
    reservations only through offers, cannot release what the agent holds until it re-registers.
    """
    listed = dict((a.get('id'), a.get('active') is not False) for a in (slaves_body or {}).get('slaves') or [])
    return sorted(set(a for a in agent_ids if a and not listed.get(a, False)))


def down_agent_warning(app_id, down, left):
    """What happens to the wiped instances' reservations on agents that are down (see marathon-api §7)."""
    held = [x for x in left if x['agent_id'] in down]
    what = (' (still held: %s)' % ', '.join('%s %s' % (x['resource'], x['persistence_id'] or x['reservation_id'])
                                            for x in held)) if held else ''
    return ('Wiped instances of %s were on agent(s) that are down: %s%s. Marathon has expunged them (a replacement, '
            'if the app still wants one, starts elsewhere on a new, empty volume), but Mesos cannot release a down '
            "agent's reservations and volumes: Marathon releases them only when the agent offers them again. When the "
            'agent re-registers with the same agent id, Marathon destroys those volumes (their data is deleted) and '
            'unreserves them; if it comes back with a new agent id, Mesos has forgotten them and only their '
            'directories remain on its disk (see the dcos.stateful.volume_data_cleanup role).'
            % (app_id, ', '.join(down), what))


def _labels(resource):
    found = {}
    sources = [resource.get('reservation') or {}] + list(resource.get('reservations') or [])
    for src in sources:
        for label in ((src.get('labels') or {}).get('labels') or []):
            if isinstance(label, dict) and 'key' in label:
                found[label['key']] = label.get('value')
    return found
