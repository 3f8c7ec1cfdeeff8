# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""What marathon_app does with the option ``apps``: validate every app, one GET /v2/apps, decide (bulk_plan),
one bulk PUT /v2/apps for the apps that differ, one wait for its one deployment, then the tasks of those apps."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import time

from ansible_collections.dcos.stateful.plugins.module_utils._failure import ModuleFailure
from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError, deadline_scope
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.api import (
    DIAGNOSTICS_SECONDS, deployment_id_of, describe_diagnostics,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.app_rules import (
    describe_refusals, partial_update_errors, refusals_result,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.bulk_plan import common_id_filter, plan_bulk
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import (
    SERVER_FIELDS, app_id_errors, canonical_app_id, external_volume_warnings,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.tasks import app_status
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.wait import (
    DeploymentWaiter, TaskFailureWatch, describe_task_failure, send_write, tasks_ready, wait_stable,
)
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import secret_values

MAX_LOCK_ROUNDS = 5
# how many apps a message names before it says "and N more"
NAMED_IN_MESSAGE = 10


def name_some(ids):
    ids = list(ids)
    more = len(ids) - NAMED_IN_MESSAGE
    return ', '.join(ids[:NAMED_IN_MESSAGE]) + (' and %d more' % more if more > 0 else '')


class BulkRunner:
    def __init__(self, mm, clock=time.monotonic):
        self.mm = mm
        self.p = mm.params
        self.clock = clock
        self.api = mm.api
        self.waiter = DeploymentWaiter(mm.api)
        self.deadline = None
        self.id_filter = None
        self.current = {}  # {app id: app or None} as Marathon held them at the last read
        self.wrote = False  # a write was accepted: a later failure (the wait) still reports changed
        self.result = {'changed': False, 'deployment_id': None, 'apps': [],
                       'changed_apps': {'created': [], 'updated': {}}}

    # ------------------------------------------------------------ input

    def resolve(self):
        """The desired apps (canonical ids, no server-set fields), in the given order; fails before any request."""
        p = self.p
        if p['state'] != 'present':
            raise ModuleFailure('apps (many apps in one task) works with state=present only, got state=%s; remove or '
                                'restart apps one per task, or remove a whole group with dcos.stateful.marathon_group '
                                'state=absent' % p['state'])
        if p['wait_timeout'] <= 0:
            raise ModuleFailure('wait_timeout must be greater than 0, got %s' % p['wait_timeout'])
        if p['stable_seconds'] < 0:
            raise ModuleFailure('stable_seconds must be 0 or more, got %s' % p['stable_seconds'])
        desired, where_of = [], {}
        for index, item in enumerate(p['apps']):
            app = self.resolve_one('apps[%d]' % index, item)
            if app['id'] in where_of:
                raise ModuleFailure('%s and apps[%d] both have the id %s; give each app once' % (
                    where_of[app['id']], index, app['id']))
            where_of[app['id']] = 'apps[%d]' % index
            desired.append(app)
        return desired

    def resolve_one(self, where, item):
        if not isinstance(item, dict):
            raise ModuleFailure('%s must be an app definition (a dict), got %s' % (where, type(item).__name__))
        self.hide(secret_values(item))  # before any check can fail
        app = copy.deepcopy(item)
        for key in SERVER_FIELDS:
            app.pop(key, None)
        app_id = app.get('id')
        if not isinstance(app_id, str) or not app_id:
            raise ModuleFailure('%s: id is missing; every app of apps needs its id' % where)
        errors = app_id_errors(app_id)
        if errors:
            raise ModuleFailure('%s: Object is not valid: /id: %s' % (where, '; '.join(errors)),
                                details=[{'path': '/id', 'errors': errors}])
        app['id'] = canonical_app_id(app_id)
        msg, details = partial_update_errors(app)
        if msg:
            raise ModuleFailure('%s (app %s): App definition is not valid (checked before sending anything to '
                                'Marathon). %s' % (where, app['id'], msg), details=details, app_id=app['id'])
        return app

    def hide(self, values):
        """Register secret values with Ansible, which then hides them wherever they would appear."""
        self.mm.module.no_log_values.update(values)

    # ------------------------------------------------------------ run

    def run(self):
        desired = self.resolve()
        self.deadline = self.clock() + self.p['wait_timeout']
        self.id_filter = common_id_filter([app['id'] for app in desired])
        try:
            if desired:
                self.present(desired)
        except ApiError as e:
            raise ModuleFailure('Marathon request failed for the %d app(s) of apps' % len(desired), error=e,
                                **self.partial())
        self.result['duration'] = round(time.monotonic() - self.mm.started, 3)
        return self.result

    def partial(self):
        out = dict((k, v) for k, v in self.result.items() if k != 'changed')
        if self.wrote:
            out['changed'] = True
        return out

    def read(self, ids):
        """{app id: app or None} for ``ids``, from one GET /v2/apps."""
        apps = self.api.apps_by_id(self.id_filter)
        return dict((app_id, apps.get(app_id)) for app_id in ids)

    # ------------------------------------------------------------ present

    def present(self, desired):
        p = self.p
        ids = [app['id'] for app in desired]
        for _round in range(MAX_LOCK_ROUNDS):
            # a round after a lock starts clean: the deployment that held it may have left nothing to do
            self.result.update(changed=self.wrote, deployment_id=None)
            self.result.pop('diff', None)
            self.current = self.read(ids)
            plan = plan_bulk(desired, self.current, force=p['force'])
            self.result['changed_apps'] = plan.changed_apps()
            if plan.refusals:
                self.refuse(plan)
            self.hide(secret_values(plan.body))  # values restored from Marathon where the mask was fed back
            self.result['apps'] = [app_status(app) for app in plan.predicted]
            if not plan.changed:
                return
            for app in plan.warn_about:
                for warning in external_volume_warnings(app):
                    self.mm.module.warn('App %s: %s' % (app.get('id'), warning))
            self.result['changed'] = True
            if self.mm.module._diff:
                self.result['diff'] = plan.diff
            if self.mm.check_mode:
                return
            if self.write(plan):
                return
        raise ModuleFailure('The apps stayed locked by other deployments; gave up after %d attempts' % MAX_LOCK_ROUNDS,
                            **self.partial())

    def refuse(self, plan):
        raise ModuleFailure('Refused, nothing was sent: %s.' % describe_refusals(plan.refusals),
                            refusals=refusals_result(plan.refusals), changed_apps=plan.changed_apps())

    # ------------------------------------------------------------ write + wait

    def write(self, plan):
        """Send the one bulk PUT and wait for its one deployment; False when a lock cleared (decide again)."""
        p = self.p
        try:
            sent = send_write(self.waiter, lambda: self.api.put_apps(plan.body, force=p['force']), self.deadline,
                              p['wait'], p['force'])
        except ApiError as e:
            if e.maybe_applied:
                self.wrote = True  # the reply was lost, not necessarily the write: never claim "no change"
            raise
        if sent.resp is None:
            if sent.pending:
                # nothing was written: the apps as Marathon holds them (a new app: its prediction)
                predicted = dict((app['id'], app) for app in self.result['apps'])
                self.result['apps'] = [app_status(self.current[app_id]) if self.current.get(app_id) is not None
                                       else predicted[app_id] for app_id in predicted]
                raise ModuleFailure('The apps are locked by running deployment(s) %s that did not finish within '
                                    'wait_timeout=%ss. Wait longer, or set force=true to cancel them.' % (
                                        ', '.join(sent.pending), p['wait_timeout']),
                                    status=409, locked_by=sent.pending, **self.partial())
            return False
        resp, stream = sent.resp, sent.stream
        self.wrote = True
        dep_id = deployment_id_of(resp)
        self.result['deployment_id'] = dep_id
        if not p['wait']:
            if stream is not None:
                stream.close()
            return True
        ids = [body['id'] for body in plan.body]
        # Real Marathon: every app of one bulk PUT gets the version of the write (updateMultiple uses one timestamp)
        version = resp.body.get('version') if isinstance(resp.body, dict) else None
        watch = TaskFailureWatch(dict((app_id, version) for app_id in ids), lambda: self.read(ids).values())
        if dep_id:
            res = self.waiter.wait([dep_id], self.deadline, stream, watch)
            self.result['wait'] = {'via': res.via, 'seconds': round(res.elapsed, 3)}
            if res.task_failure:
                self.fail_task_failure(res.task_failure)
            if res.failed or res.pending:
                self.fail_deployment(ids, 'failed' if res.failed else 'did not finish within wait_timeout=%ss' % (
                    p['wait_timeout']))
        elif stream is not None:
            stream.close()
        self.wait_tasks(ids, watch)
        return True

    def diagnose(self, app_id):
        return self.api.diagnostics(app_id, self.p['timeout']) if app_id else None

    def fail_deployment(self, ids, what):
        dep_id = self.result['deployment_id']
        # after a wait that used the time allowed: which apps wait, and why, within the diagnostics' own bound
        with deadline_scope(time.monotonic() + DIAGNOSTICS_SECONDS):
            waiting = self.waiting(ids)
            diag = self.diagnose(waiting[0] if waiting else None)
        raise ModuleFailure('Deployment %s of %d app(s) %s%s' % (
            dep_id, len(ids), what, '; not running yet: %s; %s: %s' % (
                name_some(waiting), waiting[0], describe_diagnostics(diag)) if waiting else ''),
            diagnostics=diag, waiting=waiting, **self.partial())

    def waiting(self, ids):
        """The apps whose wanted tasks are not (yet) running, read once; [] when that read fails."""
        try:
            apps = self.read(ids)
        except ApiError:
            return []
        return [app_id for app_id in ids if not tasks_ready(apps[app_id])]

    def fail_task_failure(self, failure):
        """A task of a version we deployed failed: Marathon relaunches it with a growing delay and the deployment
        runs on, but waiting longer cannot make this version good."""
        app_id = failure.get('appId')
        diag = self.diagnose(app_id)
        raise ModuleFailure('Deployment %s: a task of the new version of app %s failed: %s. Marathon keeps relaunching '
                            'it (the deployment is left running); fix the app and run again, or roll back.' % (
                                self.result['deployment_id'], app_id, describe_task_failure(failure)),
                            task_failure=failure, diagnostics=diag, **self.partial())

    def wait_tasks(self, ids, watch):
        """After the deployment: every written app's wanted instances running (and healthy when it has health
        checks) for stable_seconds in a row, and no task of the new versions failed meanwhile. One GET per look."""
        seen = wait_stable(self.read, ids, watch, self.p['stable_seconds'], self.deadline, clock=self.clock)
        shown = dict((app_id, app_status(app)) for app_id, app in seen.apps.items() if app is not None)
        self.result['apps'] = [shown.get(app['id'], app) for app in self.result['apps']]
        if seen.failure:
            self.fail_task_failure(seen.failure)
        if not seen.done:
            diag = self.diagnose(seen.waiting[0])
            raise ModuleFailure('Deployment %s finished but %d of %d app(s) do not run all their instances (healthy, '
                                'where they have health checks) within wait_timeout=%ss: %s; %s: %s' % (
                                    self.result['deployment_id'], len(seen.waiting), len(ids), self.p['wait_timeout'],
                                    name_some(seen.waiting), seen.waiting[0], describe_diagnostics(diag)),
                                diagnostics=diag, waiting=seen.waiting, **self.partial())
