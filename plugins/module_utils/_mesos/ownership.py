# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""Who may release a reservation: pure rules behind ``mesos_volume``'s guard on Marathon's reservations.

Marathon labels every reservation it makes (``marathon_framework_id``, ``marathon_task_id``) and relaunches a
suspended resident instance only on that same reservation and volume: releasing it loses the instance's data
for good (Marathon then fails with ``NoCorrespondingReservationFound``). So such a reservation is released only
when the audit of ``mesos_volume_info`` (``_mesos.audit``, the same join) calls it ``orphaned`` against the
Marathon that made it, or when the user accepts the loss explicitly.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dcos.stateful.plugins.module_utils._mesos.resources import (
    MARATHON_FRAMEWORK_LABEL,
    MARATHON_TASK_LABEL,
)

FORCE_OPTION = 'allow_marathon_data_loss'


def marathon_owner(labels):
    """``{"framework_id", "reservation_id"}`` when ``labels`` are Marathon's reservation labels, else None."""
    labels = labels or {}
    if MARATHON_FRAMEWORK_LABEL not in labels and MARATHON_TASK_LABEL not in labels:
        return None
    return {'framework_id': labels.get(MARATHON_FRAMEWORK_LABEL), 'reservation_id': labels.get(MARATHON_TASK_LABEL)}


def find_audit_entry(audit_result, params, is_volume, labels):
    """The audit's entry for the target: the volume (role, persistence id) or the volume-less reservation
    (role, labels and, when given, reservation principal). None when the audit does not list it."""
    if is_volume:
        for entry in audit_result['volumes']:
            if entry['role'] == params['role'] and entry['persistence_id'] == params['persistence_id']:
                return entry
        return None
    principal = params.get('reservation_principal')
    for entry in audit_result['reservations']:
        if entry['role'] == params['role'] and entry['labels'] == labels and (
                principal is None or entry['principal'] == principal):
            return entry
    return None


def refusal_without_marathon(what, owner):
    """Why a Marathon-labelled target is refused when Marathon cannot be asked, and the two ways forward."""
    return ('Refusing to release the %s: it is reserved by Marathon (framework %s, instance %s), and releasing a '
            'reservation a suspended or running Marathon instance still owns destroys its data for good (the '
            'instance can never start again). Nothing was sent. Give marathon_url so the module can check that '
            'Marathon no longer owns it (it proceeds only when mesos_volume_info would call it orphaned), or set '
            '%s=true to release it anyway.' % (what, owner['framework_id'], owner['reservation_id'], FORCE_OPTION))


def refusal_from_audit(what, owner, entry):
    """Why a Marathon-labelled target that the audit does not call orphaned is refused."""
    if entry is None:
        status, reason = 'not listed', 'the audit of this agent did not list it'
    else:
        status, reason = entry.get('status'), entry.get('reason')
    return ('Refusing to release the %s: it is reserved by Marathon (framework %s, instance %s) and Marathon '
            'reports it %s (%s), not orphaned. Releasing it would destroy what that instance needs to start '
            'again. Nothing was sent. Wipe or delete the instance in Marathon first, or set %s=true to release it '
            'anyway.' % (what, owner['framework_id'], owner['reservation_id'], status, reason, FORCE_OPTION))
