# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""What marathon_app does with its options: load, validate, decide, write, wait, report."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import time

from ansible_collections.dcos.stateful.plugins.module_utils._failure import ModuleFailure
from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.app_rules import partial_update_errors
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.api import (
    deployment_id_of, describe_diagnostics,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.source import read_definition_file
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import (
    EXTERNAL_HINT, MASK, SERVER_FIELDS, RESIDENT_HINT, app_id_errors, body_for_put, build_diff, canonical_app_id,
    differences, dropped_persistent_volumes, external_volume_violations, external_volume_warnings, external_volumes,
    has_stateful_volumes, mask_secrets, persistent_volumes, predict_app, resident_update_violations, restore_masked,
    role_change_violation,
)
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import secret_values
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.tasks import summarise_tasks
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.validate import (
    group_details, render, semantic_errors, validate_app,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.wait import (
    DeploymentWaiter, TaskFailureWatch, describe_task_failure, send_write, wait_stable,
)


MAX_LOCK_ROUNDS = 5
# After the deployment, the wanted tasks must stay running (and healthy) this long with no task of the new version
# failing: a crash-looping task shows TASK_RUNNING for an instant between its failures.


class AppRunner:
    def __init__(self, mm, clock=time.monotonic):
        self.mm = mm
        self.p = mm.params
        self.clock = clock
        self.deadline = None
        self.api = mm.api
        self.waiter = DeploymentWaiter(mm.api)
        self.result = {'changed': False, 'deployment_id': None}
        self.current = None  # the app as Marathon held it at the last read
        self.wrote = False  # a write was accepted: a later failure (wait, final GET) still reports changed

    # ------------------------------------------------------------ input

    def load_definition(self):
        p = self.p
        definition = p['definition']
        if p['src'] is not None:
            definition = read_definition_file(p['src'])
        if definition is None:
            return None
        if not isinstance(definition, dict):
            raise ModuleFailure('The app definition must be a dict (JSON object), got %s' % type(definition).__name__)
        return copy.deepcopy(definition)

    def resolve(self):
        """(app_id, desired definition or None) after validation; fails before any request."""
        p = self.p
        desired = self.load_definition()
        app_id = p['id']
        if desired is not None:
            # before any check can fail: a failure message (or the invocation at -vvv) must not show them
            self.hide(secret_values(desired))
            for key in SERVER_FIELDS:
                desired.pop(key, None)
            def_id = desired.get('id')
            if app_id is None:
                app_id = def_id
            elif def_id is not None and isinstance(def_id, str) and canonical_app_id(def_id) != canonical_app_id(app_id):
                raise ModuleFailure("id '%s' and the definition's id '%s' differ; give one or make them equal" % (app_id, def_id))
            if isinstance(app_id, str):
                desired['id'] = canonical_app_id(app_id)
            if p['instances'] is not None:
                desired['instances'] = p['instances']
        if not app_id or not isinstance(app_id, str):
            raise ModuleFailure('The app id is missing: set id, or id in the definition')
        if p['instances'] is not None and p['instances'] < 0:
            raise ModuleFailure('instances must be 0 or more, got %s' % p['instances'])
        if p['wait_timeout'] <= 0:
            raise ModuleFailure('wait_timeout must be greater than 0, got %s' % p['wait_timeout'])
        if p['stable_seconds'] < 0:
            raise ModuleFailure('stable_seconds must be 0 or more, got %s' % p['stable_seconds'])
        if desired is not None:
            self.validate(desired, partial=True)
        else:
            errors = app_id_errors(app_id)
            if errors:
                raise ModuleFailure('Object is not valid: /id: %s' % '; '.join(errors),
                                    details=[{'path': '/id', 'errors': errors}])
        return canonical_app_id(app_id), desired

    def validate(self, app, partial=False):
        # a partial update may lack cmd/args/container; the merged app is checked after the GET
        msg, details = partial_update_errors(app) if partial else validate_app(app)
        if msg:
            raise ModuleFailure('App definition is not valid (checked before sending anything to Marathon). ' + msg,
                                details=details)

    def validate_merged(self, merged):
        pairs = semantic_errors(merged)
        if pairs:
            details = group_details(pairs)
            raise ModuleFailure('App definition is not valid (checked before sending anything to Marathon). '
                                'Object is not valid: %s' % render(details), details=details)

    # ------------------------------------------------------------ run

    def run(self):
        """The result of the run; raises ModuleFailure (the wrapper's ``run()`` turns it into fail_json)."""
        app_id, desired = self.resolve()
        self.app_id = app_id
        self.deadline = self.clock() + self.p['wait_timeout']
        state = self.p['state']
        try:
            if state == 'present':
                self.present(desired)
            elif state == 'absent':
                self.absent()
            else:
                self.restarted(desired)
        except ApiError as e:
            raise ModuleFailure('Marathon request failed for app %s' % app_id, error=e, **self.partial())
        return self.finish()

    def partial(self):
        out = dict((k, v) for k, v in self.result.items() if k != 'changed')
        if self.wrote:
            out['changed'] = True
        return out

    def finish(self):
        self.result['duration'] = round(time.monotonic() - self.mm.started, 3)
        return self.result

    def describe_current(self, current):
        self.result['app'] = mask_secrets(current) if current is not None else None
        self.result['tasks'] = summarise_tasks((current or {}).get('tasks'))

    # present ----------------------------------------------------

    def new_round(self):
        """Forget what an earlier round planned: a lock made it send nothing, and the app is read and decided again
        (the deployment that held the lock may have left nothing to do)."""
        self.result.update(changed=self.wrote, deployment_id=None)
        for key in ('diff', 'changed_keys'):
            self.result.pop(key, None)

    def present(self, desired):
        p = self.p
        for _round in range(MAX_LOCK_ROUNDS):
            self.new_round()
            current = self.current = self.api.get_app(self.app_id)
            if desired is not None:
                desired = self.unmask(desired, current)
            if current is None:
                if desired is None:
                    raise ModuleFailure('App %s does not exist; give definition or src to create it' % self.app_id)
                self.validate(desired)
                body = body_for_put(desired)
                changed_keys = sorted(k for k in body if k != 'id')
                predicted = body
            else:
                if desired is None:
                    desired = {'id': self.app_id}
                    if p['instances'] is not None:
                        desired['instances'] = p['instances']
                changed_keys = differences(desired, current)
                if not changed_keys:
                    self.describe_current(current)
                    return
                violations = resident_update_violations(desired, current)
                if violations:
                    dropped = dropped_persistent_volumes(desired, current)
                    raise ModuleFailure('App %s has local persistent volumes; Marathon rejects this change: %s%s Nothing was '
                                        'sent.' % (self.app_id, render(violations), '' if dropped else ' ' + RESIDENT_HINT),
                                        details=violations, changed_keys=changed_keys)
                self.refuse_external_change(desired, current, changed_keys)
                role_change = role_change_violation(desired, current)
                if role_change and not p['force']:
                    raise ModuleFailure('App %s: %s. Set force=true to accept that.' % (self.app_id, role_change['errors'][0]),
                                        details=[role_change], changed_keys=changed_keys)
                predicted = predict_app(desired, current)
                self.validate_merged(predicted)
                body = body_for_put(desired)
            self.warn_external_traps(predicted)
            self.result['changed'] = True
            self.result['changed_keys'] = changed_keys
            if self.mm.module._diff:
                self.result['diff'] = build_diff(desired, current, changed_keys) if current is not None else \
                    {'before': {}, 'after': mask_secrets(body)}
            # the prediction is the result in check mode and with wait=false; waiting replaces it with the real state
            self.result['app'] = mask_secrets(predicted)
            self.result['tasks'] = summarise_tasks((current or {}).get('tasks'))
            if self.mm.check_mode:
                return
            if self.write(lambda body=body: self.api.put_app(self.app_id, body, force=p['force'])):
                return
        raise ModuleFailure('App %s stayed locked by other deployments; gave up after %d attempts' % (self.app_id, MAX_LOCK_ROUNDS))

    def refuse_external_change(self, desired, current, changed_keys):
        violations = external_volume_violations(desired, current)
        if not violations:
            return
        dropped = 'volumes' not in desired['container']
        raise ModuleFailure(
            'App %s: this change of its external volumes is refused: %s. Real Marathon accepts it without a check '
            '(it guards only local persistent volumes), and the next task would mount what the new definition says. '
            'Nothing was sent.%s' % (self.app_id, render(violations).rstrip('.'), '' if dropped else ' ' + EXTERNAL_HINT),
            details=violations, changed_keys=changed_keys)

    def warn_external_traps(self, app):
        """Before anything is sent (and in check mode): the traps of external volumes (no request needed)."""
        for warning in external_volume_warnings(app):
            self.mm.module.warn(warning)

    def unmask(self, desired, current):
        """Masked values fed back keep Marathon's value; fail (nothing sent) where Marathon has none."""
        restored, missing = restore_masked(desired, current)
        if missing:
            raise ModuleFailure('App %s: %s hold%s the mask %s that this collection prints instead of secret values, and '
                                'Marathon has no value there to keep. Give the real value. Nothing was sent.' % (
                                    self.app_id, ', '.join(missing), 's' if len(missing) == 1 else '', MASK),
                                fields=missing)
        self.hide(secret_values(restored))
        return restored

    def hide(self, values):
        """Register secret values with Ansible, which then hides them wherever they would appear."""
        self.mm.module.no_log_values.update(values)

    # absent -----------------------------------------------------

    def absent(self):
        for _round in range(MAX_LOCK_ROUNDS):
            self.new_round()
            self.result.pop('removed_volumes', None)
            current = self.current = self.api.get_app(self.app_id)
            if current is None:
                self.result['app'] = None
                self.result['tasks'] = []
                return
            if has_stateful_volumes(current) and not self.p['remove_volumes']:
                self.refuse_delete(current)
            self.result['changed'] = True
            self.result['removed_volumes'] = [v for t in summarise_tasks(current.get('tasks')) for v in t['local_volumes']]
            if self.mm.module._diff:
                # the definition only: tasks, counts and versions are Marathon's, not something the delete changes
                self.result['diff'] = {'before': mask_secrets(body_for_put(current)), 'after': {}}
            self.describe_current(current)
            if self.mm.check_mode:
                self.result['app'] = None  # as predicted: the app is gone (documented: null after removal)
                return
            force = self.delete_force(current)
            if self.write(lambda force=force: self.api.delete_app(self.app_id, force=force), final_get=False):
                self.result['app'] = None
                return
        raise ModuleFailure('App %s stayed locked by other deployments; gave up after %d attempts' % (self.app_id, MAX_LOCK_ROUNDS))

    def delete_force(self, current):
        """force for the DELETE: true when the only deployments in the way are the app's own.

        Real Marathon: DELETE /v2/apps/{id} defaults to force=true, cancelling the app's running deployment; a
        deployment that never finishes (failing health checks) would otherwise hold the delete until wait_timeout.
        force=false keeps its meaning for deployments that also touch other apps (a group deployment): those are
        waited for, not cancelled.
        """
        if self.p['force'] or not current.get('deployments'):
            return self.p['force']
        locking = set(d.get('id') for d in current['deployments'] if isinstance(d, dict))
        running = [d for d in self.api.deployments() if isinstance(d, dict) and d.get('id') in locking]
        own = [d for d in running if all(isinstance(a, str) and canonical_app_id(a) == self.app_id
                                         for a in d.get('affectedApps') or [self.app_id])]
        if len(own) < len(running):
            return False
        if own:
            self.mm.module.warn('Deleting app %s cancels its own running deployment %s, as Marathon does by default '
                                'for a delete.' % (self.app_id, ', '.join(str(d.get('id')) for d in own)))
        return True

    def refuse_delete(self, current):
        tasks = summarise_tasks(current.get('tasks'))
        local = ['%s on %s (agent %s, %s)' % (v['persistence_id'], t['host'], t['agent_id'], t['status'])
                 for t in tasks for v in t['local_volumes']]
        parts = []
        if persistent_volumes(current):
            parts.append('local persistent volumes (%s)' % (', '.join(local) or ', '.join(
                v.get('containerPath') for v in persistent_volumes(current))))
        if external_volumes(current):
            parts.append('external volumes (%s)' % ', '.join(
                str((v.get('external') or {}).get('name')) for v in external_volumes(current)))
        consequences = []
        if persistent_volumes(current):
            consequences.append('Marathon releases its reservations and Mesos destroys its local volumes (their data is lost)')
        if external_volumes(current):
            consequences.append('the app gives up its external volumes (the provider keeps them, but nothing uses them any more)')
        self.describe_current(current)
        raise ModuleFailure(
            'App %s has %s. Deleting it: %s. Nothing was changed. Set remove_volumes=true to delete the app anyway, '
            'or set instances=0 to stop it and keep the data.' % (self.app_id, ' and '.join(parts), '; '.join(consequences)),
            **dict(self.partial(), changed=False))

    # restarted --------------------------------------------------

    def restarted(self, desired):
        if desired is not None:
            self.present(desired)
            if self.result['changed'] and self.result.get('changed_keys') != ['instances']:
                return  # a config change already replaced every task
        current = self.current = self.api.get_app(self.app_id)
        if current is None:
            raise ModuleFailure('App %s does not exist; cannot restart it' % self.app_id)
        self.warn_external_traps(current)
        self.result['changed'] = True
        self.describe_current(current)
        if self.mm.check_mode:
            return
        for _round in range(MAX_LOCK_ROUNDS):
            if self.write(lambda: self.api.restart_app(self.app_id, force=self.p['force'])):
                return
        raise ModuleFailure('App %s stayed locked by other deployments; gave up after %d attempts' % (self.app_id, MAX_LOCK_ROUNDS))

    # ------------------------------------------------------------ write + wait

    def write(self, send, final_get=True):
        """Send one write; True when done (waited if asked), False to re-decide after a lock cleared."""
        p = self.p
        try:
            sent = send_write(self.waiter, send, self.deadline, p['wait'], p['force'])
        except ApiError as e:
            if e.maybe_applied:
                self.wrote = True  # the reply was lost, not necessarily the write: never claim "no change"
            raise
        if sent.resp is None:
            if sent.pending:
                self.describe_current(self.current)  # nothing was written: the app as Marathon holds it
                raise ModuleFailure('App %s is locked by running deployment(s) %s that did not finish within wait_timeout=%ss. '
                                    'Wait longer, or set force=true to cancel them.' % (
                                        self.app_id, ', '.join(sent.pending), p['wait_timeout']),
                                    status=409, locked_by=sent.pending, diagnostics=self.api.diagnostics(self.app_id, self.p['timeout']), **self.partial())
            return False
        resp, stream = sent.resp, sent.stream
        self.wrote = True
        dep_id = deployment_id_of(resp)
        self.result['deployment_id'] = dep_id
        if not p['wait']:
            if stream is not None:
                stream.close()
            return True
        version = resp.body.get('version') if isinstance(resp.body, dict) else None
        watch = TaskFailureWatch({self.app_id: version}, lambda: [self.api.get_app(self.app_id)]) if final_get else None
        if dep_id:
            res = self.waiter.wait([dep_id], self.deadline, stream, watch)
            self.result['wait'] = {'via': res.via, 'seconds': round(res.elapsed, 3)}
            if res.task_failure:
                self.fail_task_failure(dep_id, res.task_failure)
            if res.failed:
                diag = self.api.diagnostics(self.app_id, self.p['timeout'])
                raise ModuleFailure('Deployment %s of app %s failed: %s' % (dep_id, self.app_id, describe_diagnostics(diag)),
                                    diagnostics=diag, **self.partial())
            if res.pending:
                diag = self.api.diagnostics(self.app_id, self.p['timeout'])
                raise ModuleFailure('Deployment %s of app %s did not finish within wait_timeout=%ss: %s' % (
                    dep_id, self.app_id, p['wait_timeout'], describe_diagnostics(diag)),
                    diagnostics=diag, **self.partial())
        elif stream is not None:
            stream.close()
        if final_get:
            self.wait_tasks(watch)
        return True

    def fail_task_failure(self, dep_id, failure):
        """A task of the version we deployed failed: Marathon relaunches it with a growing delay and the deployment
        runs on, but waiting longer cannot make this version good."""
        diag = self.api.diagnostics(self.app_id, self.p['timeout'])
        raise ModuleFailure('Deployment %s of app %s: a task of the new version failed: %s. Marathon keeps relaunching it '
                            '(the deployment is left running); fix the app and run again, or roll back.' % (
                                dep_id, self.app_id, describe_task_failure(failure)),
                            task_failure=failure, diagnostics=diag, **self.partial())

    def wait_tasks(self, watch=None):
        """After the deployment: every wanted instance running, and healthy when health checks exist, for
        the option stable_seconds in a row, and no task of the new version failed meanwhile."""
        seen = wait_stable(lambda ids: {self.app_id: self.api.get_app(self.app_id)}, [self.app_id], watch,
                           self.p['stable_seconds'], self.deadline, clock=self.clock)
        done, app = seen.done, seen.apps[self.app_id]
        self.describe_current(app)
        if seen.failure:
            self.fail_task_failure(self.result.get('deployment_id'), seen.failure)
        if not done:
            diag = self.api.diagnostics(self.app_id, self.p['timeout'])
            raise ModuleFailure('App %s: deployment finished but only %s of %s instance(s) are running%s within wait_timeout=%ss: %s' % (
                self.app_id, app.get('tasksRunning'), app.get('instances'),
                ' and healthy (%s healthy)' % app.get('tasksHealthy') if app.get('healthChecks') else '',
                self.p['wait_timeout'], describe_diagnostics(diag)), diagnostics=diag, **self.partial())
