# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""Pure decisions of marathon_app's many-apps form (option ``apps``): which apps differ from what Marathon holds,
the body of the one bulk PUT, the per-app diff and the refusals.

No I/O; tested as tables in tests/unit/plugins/module_utils/test_marathon_bulk_plan.py.

Real Marathon (marathon-api.md 2.6, external-volumes.md section 5): ``PUT /v2/apps`` takes a list of app updates,
each with its ``id``; with ``partialUpdate=true`` (the default) the fields an update leaves out keep their value,
as with ``PUT /v2/apps/{id}``; apps that do not exist are created; one deployment plan covers the whole list; apps
not in the list are left alone (unlike a group ``PUT``, nothing is deleted). So the body holds only the apps that
differ, each as the single-app form would send it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os.path

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.app_rules import (
    creation_errors, masked_refusals, merged_errors, update_refusals,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import (
    body_for_put, build_diff, differences, mask_secrets, predict_app, restore_masked,
)


class BulkPlan:
    """What one run does: created and updated apps (app id -> changed keys), the unchanged ones, refusals, the
    list for the one PUT, the per-app diff, and every app as it will be (``predicted``, in the user's order)."""

    def __init__(self):
        self.created = []
        self.updated = {}
        self.unchanged = []
        self.refusals = []  # (app id, message, details)
        self.body = []
        self.diff = {'before': {}, 'after': {}}
        self.predicted = []
        self.warn_about = []  # the apps that change, as they will be (for the external-volume traps)

    @property
    def changed(self):
        return bool(self.body)

    def changed_apps(self):
        return {'created': list(self.created), 'updated': dict(self.updated)}


def plan_bulk(desired_apps, current_apps, force=False):
    """The BulkPlan for making Marathon's apps match ``desired_apps``.

    ``desired_apps``: definitions with canonical ids and no server-set fields, in the user's order (ids unique).
    ``current_apps``: {app id: the app as Marathon holds it} (at least every desired id that exists)."""
    plan = BulkPlan()
    for want in desired_apps:
        app_id = want['id']
        have = current_apps.get(app_id)
        want, missing = restore_masked(want, have)
        plan.refusals.extend(masked_refusals(app_id, missing))
        if have is None:
            _plan_create(plan, app_id, want)
            continue
        keys = differences(want, have)
        if not keys:
            plan.unchanged.append(app_id)
            plan.predicted.append(have)
            continue
        plan.updated[app_id] = keys
        plan.refusals.extend(update_refusals(app_id, want, have, force))
        predicted = predict_app(want, have)
        plan.refusals.extend(merged_errors(app_id, predicted))
        diff = build_diff(want, have, keys)
        plan.diff['before'][app_id] = diff['before']
        plan.diff['after'][app_id] = diff['after']
        plan.body.append(body_for_put(want))
        plan.predicted.append(predicted)
        plan.warn_about.append(predicted)
    return plan


def _plan_create(plan, app_id, want):
    body = body_for_put(want)
    plan.created.append(app_id)
    plan.refusals.extend(creation_errors(app_id, body))
    plan.diff['after'][app_id] = mask_secrets(body)
    plan.body.append(body)
    plan.predicted.append(body)
    plan.warn_about.append(body)


def common_id_filter(ids):
    """Marathon's GET /v2/apps ``id`` filter (a case-insensitive substring of the id) that keeps every app of ``ids``:
    their common parent path with its slash (/prod/db/ for /prod/db/a and /prod/db/b), None when that is the root
    (then every app is read)."""
    if not ids:
        return None
    prefix = os.path.commonprefix([app_id.rsplit('/', 1)[0] + '/' for app_id in ids])
    prefix = prefix[:prefix.rfind('/') + 1]
    return prefix if len(prefix) > 1 else None
