# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""Pure helpers over Mesos resource JSON (no I/O).

Mesos emits resources in two shapes:

* pre-refinement (all versions, only shape before 1.4): ``role`` plus ``reservation{principal, labels}``
  (a resource with a role other than ``*`` and no ``reservation`` is statically reserved);
* post-refinement (1.4+): ``reservations[]``, a stack whose last entry is the current role.

Endpoints of 1.4+ (``/master/slaves``) emit both for single-reservation resources. Everything here reads
either shape through :func:`reservation_stack`, so callers never look at ``role``/``reservation`` directly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

# Mesos keeps scalars as fixed point with three decimals (Value::Scalar).
SCALAR_PRECISION = 3

MARATHON_FRAMEWORK_LABEL = 'marathon_framework_id'
MARATHON_TASK_LABEL = 'marathon_task_id'


def round_scalar(value):
    return round(float(value or 0), SCALAR_PRECISION)


def labels_to_dict(labels):
    """``{"labels": [{"key": k, "value": v}]}`` (or the bare list) -> ``{k: v}``; a missing value is ``''``."""
    if not labels:
        return {}
    items = labels.get('labels', []) if isinstance(labels, dict) else labels
    result = {}
    for item in items or []:
        result[item.get('key')] = item.get('value', '')
    return result


def dict_to_labels(labels):
    """``{k: v}`` -> Mesos ``Labels`` JSON, keys sorted so requests are stable."""
    return {'labels': [{'key': k, 'value': labels[k]} for k in sorted(labels)]}


def reservation_stack(resource):
    """Return the reservations of ``resource`` as a list of normalised dicts, oldest first.

    Each entry is ``{"type": "STATIC"|"DYNAMIC", "role": str, "principal": str|None, "labels": dict}``.
    Unreserved resources give ``[]``.
    """
    stack = resource.get('reservations')
    if stack:
        return [
            {
                'type': entry.get('type') or ('DYNAMIC' if ('principal' in entry or 'labels' in entry) else 'STATIC'),
                'role': entry.get('role'),
                'principal': entry.get('principal'),
                'labels': labels_to_dict(entry.get('labels')),
            }
            for entry in stack
        ]
    role = resource.get('role')
    if not role or role == '*':
        return []
    reservation = resource.get('reservation')
    if reservation is None:
        return [{'type': 'STATIC', 'role': role, 'principal': None, 'labels': {}}]
    return [{
        'type': 'DYNAMIC',
        'role': role,
        'principal': reservation.get('principal'),
        'labels': labels_to_dict(reservation.get('labels')),
    }]


def current_reservation(resource):
    """The last (most refined) reservation, or None for unreserved resources."""
    stack = reservation_stack(resource)
    return stack[-1] if stack else None


def resource_role(resource):
    reservation = current_reservation(resource)
    return reservation['role'] if reservation else '*'


def is_dynamically_reserved(resource):
    reservation = current_reservation(resource)
    return bool(reservation) and reservation['type'] == 'DYNAMIC'


def scalar(resource):
    return round_scalar((resource.get('scalar') or {}).get('value'))


def is_disk(resource):
    return resource.get('name') == 'disk'


def persistence_id(resource):
    """The volume's persistence id, or None when ``resource`` is not a persistent volume."""
    disk = resource.get('disk') or {}
    persistence = disk.get('persistence') or {}
    return persistence.get('id')


def is_volume(resource):
    return is_disk(resource) and persistence_id(resource) is not None


def container_path(resource):
    return ((resource.get('disk') or {}).get('volume') or {}).get('container_path')


def disk_source(resource):
    """Normalised disk source ``{"type": ..., "root": ...}`` or None for the agent's root disk."""
    source = (resource.get('disk') or {}).get('source')
    if not source:
        return None
    kind = source.get('type')
    root = None
    if kind == 'PATH':
        root = (source.get('path') or {}).get('root')
    elif kind == 'MOUNT':
        root = (source.get('mount') or {}).get('root')
    return {'type': kind, 'root': root}


def source_to_json(source):
    """``{"type": "PATH"|"MOUNT", "root": r}`` -> Mesos ``DiskInfo.Source`` JSON (None stays None)."""
    if not source:
        return None
    kind = source['type']
    result = {'type': kind}
    if source.get('root') is not None:
        result[kind.lower()] = {'root': source['root']}
    return result


def reservation_key(resource):
    """What decides whether two disk resources can be merged/consumed for one another.

    Mesos merges reservations with the same role, principal and labels on the same disk source.
    """
    stack = tuple(
        (entry['type'], entry['role'], entry['principal'], tuple(sorted(entry['labels'].items())))
        for entry in reservation_stack(resource)
    )
    source = disk_source(resource)
    return (stack, (source['type'], source['root']) if source else None, bool(resource.get('shared') is not None))


def canonical(value):
    """Canonical JSON text (sorted keys) for order-insensitive comparison."""
    return json.dumps(value, sort_keys=True, separators=(',', ':'))


def summarize(resources):
    """Sum scalars per name and count ranges, as ``/master/slaves`` summaries do (ranges as list)."""
    totals = {}
    for resource in resources or []:
        name = resource.get('name')
        if resource.get('type', 'SCALAR') == 'SCALAR':
            totals[name] = round_scalar(totals.get(name, 0) + scalar(resource))
        elif resource.get('type') == 'RANGES':
            ranges = totals.setdefault(name, [])
            for item in (resource.get('ranges') or {}).get('range', []):
                ranges.append('%s-%s' % (item.get('begin'), item.get('end')))
    return totals


def strip_volume(resource):
    """The reserved disk that remains after destroying ``resource`` (a volume listed by Mesos).

    Persistence, volume and sharing go; role, reservation(s) and disk source stay exactly as listed,
    which is what ``/master/unreserve`` must be given afterwards.
    """
    result = copy.deepcopy(resource)
    result.pop('shared', None)
    result.pop('allocation_info', None)
    disk = result.get('disk')
    if disk is not None:
        disk.pop('persistence', None)
        disk.pop('volume', None)
        if not disk:
            result.pop('disk')
    return result


def build_reserved_disk(size, role, principal=None, labels=None, source=None):
    """A dynamically reserved disk resource in the pre-refinement shape (accepted by Mesos 0.25 .. 1.11)."""
    reservation = {}
    if principal:
        reservation['principal'] = principal
    if labels:
        reservation['labels'] = dict_to_labels(labels)
    resource = {
        'name': 'disk',
        'type': 'SCALAR',
        'scalar': {'value': size},
        'role': role,
        'reservation': reservation,
    }
    source_json = source_to_json(source)
    if source_json:
        resource['disk'] = {'source': source_json}
    return resource


def build_volume(size, role, persistence, path, principal=None, labels=None, source=None):
    """The ``/master/create-volumes`` JSON for one volume on reserved disk."""
    resource = build_reserved_disk(size, role, principal=principal, labels=labels, source=source)
    disk = resource.setdefault('disk', {})
    disk['persistence'] = {'id': persistence}
    if principal:
        disk['persistence']['principal'] = principal
    disk['volume'] = {'container_path': path, 'mode': 'RW'}
    return resource


def describe_resource(resource):
    """Short human text: ``disk(slave_public, ops){k=v}:512 [vol: id]``."""
    reservation = current_reservation(resource)
    role = reservation['role'] if reservation else '*'
    principal = (reservation or {}).get('principal')
    labels = (reservation or {}).get('labels') or {}
    text = '%s(%s%s)' % (resource.get('name'), role, ', %s' % principal if principal else '')
    if labels:
        text += '{%s}' % ','.join('%s=%s' % (k, labels[k]) for k in sorted(labels))
    if resource.get('type', 'SCALAR') == 'SCALAR':
        text += ':%s' % _fmt_number(scalar(resource))
    if is_volume(resource):
        text += '[%s:%s]' % (persistence_id(resource), container_path(resource))
    return text


def _fmt_number(value):
    return ('%d' % value) if value == int(value) else ('%s' % value)
