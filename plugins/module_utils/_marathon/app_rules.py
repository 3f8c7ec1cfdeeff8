# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""marathon_app's rules for one app among many, as refusals ``(app id, message, details)``.

The planners that write many apps in one request (group_plan for marathon_group, bulk_plan for marathon_app's
``apps``) refuse the whole request when one app breaks a rule, and name every app that does. No I/O.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import (
    EXTERNAL_HINT, RESIDENT_HINT, external_volume_violations, resident_update_violations, role_change_violation,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.validate import (
    group_details, render, semantic_errors, validate_app,
)

# how many refusals a message names before it says how many more there are (``refusals`` lists them all)
NAMED_REFUSALS = 10


def partial_update_errors(app):
    """validate_app's (message, details) for a definition that may be a partial update of an existing app: the
    rule that an app needs cmd, args or container waits for the check of the merged app. (None, []) when valid."""
    msg, details = validate_app(app)
    if not msg:
        return None, []
    details = [d for d in details if not (d['path'] == '/' and any('must either contain' in e for e in d['errors']))]
    if not details:
        return None, []
    return '%s: %s' % (msg.split(':', 1)[0], render(details)), details


def update_refusals(app_id, desired, current, force):
    """The rules of a change to an existing app: resident immutability, external-volume immutability, role."""
    refusals = []
    violations = resident_update_violations(desired, current)
    if violations:
        refusals.append((app_id, 'has local persistent volumes; Marathon rejects this change: %s %s' % (
            render(violations), RESIDENT_HINT), violations))
    external = external_volume_violations(desired, current)
    if external:
        refusals.append((app_id, 'this change of its external volumes is refused (Real Marathon accepts it without a '
                                 'check and the next task would mount what the new definition says): %s %s' % (
                                     render(external), EXTERNAL_HINT), external))
    role = role_change_violation(desired, current)
    if role and not force:
        refusals.append((app_id, '%s; set force=true to accept that' % role['errors'][0], [role]))
    return refusals


def merged_errors(app_id, merged):
    """Marathon's semantic rules on the app as it would be after a partial update."""
    pairs = semantic_errors(merged)
    if not pairs:
        return []
    details = group_details(pairs)
    return [(app_id, 'is not valid: %s' % render(details), details)]


def creation_errors(app_id, app):
    """A new app is a whole definition: every rule of the schema and of Marathon applies (cmd, args or container
    included, which a partial update of an existing app may leave out)."""
    msg, details = validate_app(app)
    if not msg:
        return []
    return [(app_id, 'is new and not valid: %s' % render(details), details)]


def masked_refusals(app_id, missing):
    """Masked values fed back where Marathon holds no value to keep (``restore_masked``'s missing paths)."""
    if not missing:
        return []
    return [(app_id, '%s hold the mask that this collection prints instead of secret values, and Marathon has no '
                     'value there to keep; give the real value' % ', '.join(missing),
             [{'path': m, 'errors': ['masked value without a current value']} for m in missing])]


def _kind(refusal):
    """Refusals are (app id, message, details); a group's own carries a fourth element, 'group'."""
    return refusal[3] if len(refusal) > 3 else 'app'


def describe_refusals(refusals):
    """One line for a failure message: the first NAMED_REFUSALS refusals by app (or group), then how many more."""
    lines = ['%s %s %s' % (_kind(r), r[0], r[1].rstrip('.')) for r in refusals]
    more = len(lines) - NAMED_REFUSALS
    if more > 0:  # a thousand apps refused: the message stays short, the result's ``refusals`` has them all
        lines = lines[:NAMED_REFUSALS] + ['and %d more refusal(s), all listed in refusals' % more]
    return '; '.join(lines)


def refusals_result(refusals):
    return [{_kind(r): r[0], 'msg': r[1], 'details': r[2]} for r in refusals]
