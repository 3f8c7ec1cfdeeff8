# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""What marathon_group does with its options: validate, one GET, decide (group_plan), one PUT or DELETE, one wait."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.dcos.stateful.plugins.module_utils._failure import ModuleFailure
from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.api import deployment_id_of
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.app_rules import (
    describe_refusals, partial_update_errors, refusals_result,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.group_plan import (
    DefinitionError, apps_of, desired_tree, plan_group,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.source import read_definition_file
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import (
    app_id_errors, body_for_put, canonical_app_id, external_volume_warnings, has_stateful_volumes, mask_secrets,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.validate import render
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.wait import (
    DeploymentWaiter, TaskFailureWatch, describe_task_failure, send_write, wait_stable,
)
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import secret_values

MAX_LOCK_ROUNDS = 5


class GroupRunner:
    def __init__(self, mm, clock=time.monotonic):
        self.mm = mm
        self.p = mm.params
        self.clock = clock
        self.api = mm.api
        self.waiter = DeploymentWaiter(mm.api)
        self.deadline = None
        self.current = None  # the group as Marathon held it at the last read
        self.wrote = False
        self.result = {'changed': False, 'group': None, 'deployment_id': None, 'steps': None,
                       'changed_apps': {'created': [], 'updated': {}, 'removed': []}}

    # ------------------------------------------------------------ input

    def resolve(self):
        """(group id, desired tree or None); fails naming the field before any request."""
        p = self.p
        group_id = canonical_app_id(p['id'])
        errors = app_id_errors(group_id)
        if errors:
            raise ModuleFailure('id: %s' % '; '.join(errors))
        if p['wait_timeout'] <= 0:
            raise ModuleFailure('wait_timeout must be greater than 0, got %s' % p['wait_timeout'])
        if p['stable_seconds'] < 0:
            raise ModuleFailure('stable_seconds must be 0 or more, got %s' % p['stable_seconds'])
        if p['state'] == 'absent':
            return group_id, None
        definition = p['definition'] if p['src'] is None else read_definition_file(p['src'])
        where = 'definition' if p['src'] is None else "src '%s'" % p['src']
        self.mm.module.no_log_values.update(secret_values(definition))  # before any check can fail
        try:
            tree = desired_tree(group_id, definition, where)
        except DefinitionError as e:
            raise ModuleFailure('Group definition is not valid (checked before sending anything to Marathon): %s' % e)
        for app_id, app in sorted(apps_of(tree).items()):
            self.validate(app_id, app)
        return group_id, tree

    def validate(self, app_id, app):
        # a partial update of an existing app may lack cmd/args/container; the merged app is checked in the plan
        msg, details = partial_update_errors(app)
        if msg:
            raise ModuleFailure('App %s of the group is not valid (checked before sending anything to Marathon): %s' % (
                app_id, render(details)), details=details, app=app_id)

    # ------------------------------------------------------------ run

    def run(self):
        group_id, desired = self.resolve()
        self.group_id = group_id
        self.deadline = self.clock() + self.p['wait_timeout']
        try:
            if self.p['state'] == 'present':
                self.present(desired)
            else:
                self.absent()
        except ApiError as e:
            raise ModuleFailure('Marathon request failed for group %s' % group_id, error=e, **self.partial())
        self.result['duration'] = round(time.monotonic() - self.mm.started, 3)
        return self.result

    def new_round(self):
        """Forget what an earlier round planned: a lock made it send nothing, and the group is read and decided
        again (the deployment that held the lock may have left nothing to do)."""
        self.result.update(changed=self.wrote, deployment_id=None, steps=None,
                           changed_apps={'created': [], 'updated': {}, 'removed': []})
        self.result.pop('diff', None)

    def partial(self):
        out = dict((k, v) for k, v in self.result.items() if k != 'changed')
        if self.wrote:
            out['changed'] = True
        return out

    # ------------------------------------------------------------ present

    def present(self, desired):
        p = self.p
        for _round in range(MAX_LOCK_ROUNDS):
            self.new_round()
            current = self.current = self.api.get_group(self.group_id)
            plan = plan_group(desired, current, prune=p['prune'], remove_volumes=p['remove_volumes'], force=p['force'])
            self.result['changed_apps'] = plan.changed_apps()
            self.result['kept_apps'] = plan.kept
            if plan.refusals:
                self.refuse(plan)
            if not plan.changed:
                self.result['group'] = mask_secrets(current)
                return
            for app in plan.warn_about:
                for warning in external_volume_warnings(app):
                    self.mm.module.warn('App %s: %s' % (app.get('id'), warning))
            self.result['changed'] = True
            self.result['group'] = mask_secrets(plan.body)
            if self.mm.module._diff:
                self.result['diff'] = plan.diff
            if self.mm.check_mode or self.mm.module._diff:
                # Marathon's own plan of the deployment; changes nothing
                dry = self.api.put_group(self.group_id, plan.body, force=p['force'], dry_run=True)
                self.result['steps'] = dry.body['steps']
            if self.mm.check_mode:
                return
            written = plan.created + sorted(plan.updated)
            if self.write(lambda body=plan.body: self.api.put_group(self.group_id, body, force=p['force']), written):
                return
        raise ModuleFailure('Group %s stayed locked by other deployments; gave up after %d attempts' % (
            self.group_id, MAX_LOCK_ROUNDS), **self.partial())

    def refuse(self, plan):
        raise ModuleFailure('Group %s: refused, nothing was sent: %s.' % (self.group_id, describe_refusals(plan.refusals)),
                            refusals=refusals_result(plan.refusals), changed_apps=plan.changed_apps())

    # ------------------------------------------------------------ absent

    def absent(self):
        for _round in range(MAX_LOCK_ROUNDS):
            self.new_round()
            current = self.current = self.api.get_group(self.group_id)
            if current is None:
                return
            apps = apps_of(current)
            stateful = sorted(a for a, app in apps.items() if has_stateful_volumes(app))
            if stateful and not self.p['remove_volumes']:
                raise ModuleFailure(
                    'Group %s holds apps with persistent or external volumes: %s. Deleting the group deletes them (Marathon '
                    'destroys their local volumes and their data). Nothing was changed. Set remove_volumes=true to delete '
                    'it anyway.' % (self.group_id, ', '.join(stateful)), group=mask_secrets(current))
            self.result['changed'] = True
            self.result['changed_apps'] = {'created': [], 'updated': {}, 'removed': sorted(apps)}
            if self.mm.module._diff:
                self.result['diff'] = {'before': dict((a, mask_secrets(body_for_put(app))) for a, app in apps.items()),
                                       'after': {}}
            if self.mm.check_mode:
                return
            if self.write(lambda: self.api.delete_group(self.group_id, force=self.p['force'])):
                self.result['group'] = None
                return
        raise ModuleFailure('Group %s stayed locked by other deployments; gave up after %d attempts' % (
            self.group_id, MAX_LOCK_ROUNDS), **self.partial())

    # ------------------------------------------------------------ write + wait

    def read(self, ids):
        """{app id: app or None} for ``ids``, from one GET /v2/apps of the group's apps."""
        apps = self.api.apps_by_id(self.group_id.rstrip('/') + '/')
        return dict((app_id, apps.get(app_id)) for app_id in ids)

    def write(self, send, written=()):
        """Send the one write and wait for its one deployment, then for the tasks of the ``written`` apps; False
        when a lock cleared (decide again)."""
        p = self.p
        try:
            sent = send_write(self.waiter, send, self.deadline, p['wait'], p['force'])
        except ApiError as e:
            if e.maybe_applied:
                self.wrote = True  # the reply was lost, not necessarily the write
            raise
        if sent.resp is None:
            if sent.pending:
                # nothing was written: the group is still what Marathon holds, not the refused body
                self.result['group'] = mask_secrets(self.current) if self.current is not None else None
                raise ModuleFailure('Group %s is locked by running deployment(s) %s that did not finish within '
                                    'wait_timeout=%ss. Wait longer, or set force=true to cancel them.' % (
                                        self.group_id, ', '.join(sent.pending), p['wait_timeout']),
                                    status=409, locked_by=sent.pending, **self.partial())
            return False
        resp, stream = sent.resp, sent.stream
        self.wrote = True
        dep_id = deployment_id_of(resp)
        self.result['deployment_id'] = dep_id
        if not p['wait'] or not dep_id:
            if stream is not None:
                stream.close()
            return True
        # Real Marathon: the apps a group update creates or changes take the version of the write
        version = resp.body.get('version') if isinstance(resp.body, dict) else None
        watch = TaskFailureWatch(dict((app_id, version) for app_id in written), lambda: self.read(written).values())
        res = self.waiter.wait([dep_id], self.deadline, stream, watch)
        self.result['wait'] = {'via': res.via, 'seconds': round(res.elapsed, 3)}
        if res.task_failure:
            self.fail_task_failure(dep_id, res.task_failure)
        if res.failed:
            raise ModuleFailure('Deployment %s of group %s failed' % (dep_id, self.group_id), **self.partial())
        if res.pending:
            raise ModuleFailure('Deployment %s of group %s did not finish within wait_timeout=%ss' % (
                dep_id, self.group_id, p['wait_timeout']), **self.partial())
        if written:
            self.wait_tasks(dep_id, list(written), watch)
        return True

    def fail_task_failure(self, dep_id, failure):
        raise ModuleFailure('Deployment %s of group %s: a task of the new version of app %s failed: %s. Marathon keeps '
                            'relaunching it (the deployment is left running); fix the app and run again, or roll '
                            'back.' % (dep_id, self.group_id, failure.get('appId'), describe_task_failure(failure)),
                            task_failure=failure, **self.partial())

    def wait_tasks(self, dep_id, ids, watch):
        seen = wait_stable(self.read, ids, watch, self.p['stable_seconds'], self.deadline, clock=self.clock)
        if seen.failure:
            self.fail_task_failure(dep_id, seen.failure)
        if not seen.done:
            raise ModuleFailure('Deployment %s of group %s finished but %d app(s) do not run all their instances '
                                '(healthy, where they have health checks) within wait_timeout=%ss: %s' % (
                                    dep_id, self.group_id, len(seen.waiting), self.p['wait_timeout'],
                                    ', '.join(seen.waiting)), waiting=seen.waiting, **self.partial())
