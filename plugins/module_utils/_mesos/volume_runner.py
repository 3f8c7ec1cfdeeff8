# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""What mesos_volume does with its options: validate, read, plan, guard, send, confirm, report.

``validate(params)`` lists input errors before anything is sent. ``VolumeRunner(mesos).run()`` reads the agent
from ``/master/slaves`` (through ``MesosModule.master``), plans with the pure ``_mesos.volume_plan``, refuses to
release what Marathon may still own (``_mesos.ownership``, asking Marathon through ``MarathonApi``), sends one
operator call at a time and waits (``_wait``) until the master (and with ``confirm_on_agent`` the agent)
shows it applied. It returns the result or raises ``ModuleFailure``; ``MesosModule.run`` reports either.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import re
import time

from ansible_collections.dcos.stateful.plugins.module_utils._failure import ModuleFailure
from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.audit import Auditor
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.ownership import (
    find_audit_entry,
    marathon_owner,
    refusal_without_marathon,
    refusal_from_audit,
)
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.resources import current_reservation
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.volume_plan import (
    agent_agrees,
    PlanError,
    confirmed,
    describe_conflict,
    find_agent,
    observe,
    plan_absent,
    plan_present,
    plan_reservation_absent,
    plan_through,
    predict,
    surplus,
    undo_surplus,
    view,
)
from ansible_collections.dcos.stateful.plugins.module_utils._wait import wait_until

# A create answered 409 because another client used the free reserved disk first: re-read and re-plan
# (reserve the shortfall again) at most this many times.
CONFLICT_REPLANS = 5

_BAD_ID = re.compile(r'[/\\\s]')
_ROLE_BAD_CHARS = re.compile(r"[\x08\x09\x0a\x0b\x0c\x0d\x20]")  # backspace or whitespace


def role_error(role):
    """What Mesos's role rules (roles::validate) say about ``role``, None when it is valid.

    Used for a check-mode warning only: a real run sends the call and reports the master's own 400.
    """
    if role.startswith('/') or role.endswith('/'):
        return "role %r cannot start or end with a slash" % role
    for component in role.split('/'):
        if component == '':
            return "role %r cannot contain two adjacent slashes" % role
        if component in ('.', '..', '*'):
            return "role %r cannot include '%s' as a component" % (role, component)
        if component.startswith('-'):
            return "role component %r is invalid because it starts with a dash" % component
        if _ROLE_BAD_CHARS.search(component):
            return "role component %r is invalid because it contains backspace or whitespace" % component
    return None


def container_path_error(path):
    """Mesos mounts a persistent volume at a non-nested path relative to the sandbox (the persistent-volume
    document; the agent's filesystem isolators skip a container_path with a '/' in it)."""
    if path.startswith('/'):
        return ("container_path: %r is absolute; Mesos needs a non-nested relative path such as 'data' "
                "(the volume is mounted in the task's sandbox)" % path)
    if '/' in path:
        return "container_path: %r is nested; Mesos needs a non-nested relative path such as 'data'" % path
    if path in ('.', '..') or not path.strip():
        return "container_path: %r is not a directory name; use a non-nested relative path such as 'data'" % path
    return None


def validate(params):
    """Input errors, each naming its field, found before anything is sent (in the order of the checks below)."""
    errors = []
    for check in (_identity_errors, _whole_reservation_errors, _present_errors, _number_errors, _label_errors):
        errors.extend(check(params))
    return errors


def _identity_errors(params):
    """The role and the persistence id."""
    errors = []
    if params['role'] in ('', '*'):
        errors.append("role: the role '*' (or an empty role) cannot be dynamically reserved")
    pid = params.get('persistence_id')
    if pid is None:
        if params.get('reservation') != 'absent':
            errors.append('persistence_id: required (unless reservation=absent)')
    elif pid in ('', '.', '..') or _BAD_ID.search(pid):
        errors.append("persistence_id: %r is not a valid Mesos id (no '/', '\\', whitespace, '.' or '..')" % pid)
    return errors


def _whole_reservation_errors(params):
    """reservation=absent releases a whole reservation: what it needs and excludes."""
    if params.get('reservation') != 'absent':
        return []
    errors = []
    if params['state'] != 'absent':
        errors.append('reservation: reservation=absent releases a reservation; it needs state=absent')
    if params.get('labels') is None:
        errors.append('labels: required with reservation=absent (the labels of the reservation to release; '
                      '{} for a reservation without labels)')
    if params.get('keep_reservation'):
        errors.append('keep_reservation: cannot be true with reservation=absent')
    return errors


def _present_errors(params):
    """What state=present needs: a valid container_path and a size."""
    if params['state'] != 'present':
        return []
    errors = []
    for field in ('container_path', 'size'):
        if params.get(field) in (None, ''):
            errors.append('%s: required with state=present' % field)
    if params.get('container_path'):
        error = container_path_error(params['container_path'])
        if error:
            errors.append(error)
    return errors


def _number_errors(params):
    errors = []
    if params.get('size') is not None and params['size'] <= 0:
        errors.append('size: must be a positive number of MiB, got %s' % params['size'])
    if params['wait_timeout'] < 0:
        errors.append('wait_timeout: must not be negative')
    if params['retries'] < 0:
        errors.append('retries: must not be negative')
    return errors


def _label_errors(params):
    labels = params.get('labels') or {}
    return ['labels: value of %r must be a string' % key for key, value in labels.items() if not isinstance(value, str)]


def plan_params(params):
    """Options as the pure planner wants them (labels as strings, effective reservation principal)."""
    return {
        'role': params['role'],
        'persistence_id': params.get('persistence_id'),
        'container_path': params.get('container_path'),
        'size': params.get('size'),
        'labels': dict(params['labels']) if params.get('labels') is not None else None,
        'reservation_principal': params.get('reservation_principal'),
        'principal': params.get('reservation_principal') or params.get('mesos_principal'),
        'disk_source': params.get('disk_source'),
        'keep_reservation': params['keep_reservation'],
        'reservation': params.get('reservation'),
    }


def outcome_of(error):
    """``not_applied`` (a 503: no leading master), ``unknown`` (no answer, or 500/502/504 on the way: the call
    may have been applied, or may still be), or ``refused`` (any other status)."""
    if error.status == 503:
        return 'not_applied'
    if error.status is None or error.status >= 500:
        return 'unknown'
    return 'refused'


class CreateConflict(Exception):
    """A create answered 409: another client used the free reserved disk first."""

    def __init__(self, observed, error):
        super(CreateConflict, self).__init__(error.message)
        self.observed = observed
        self.error = error


class VolumeRunner:
    def __init__(self, client):
        self.client = client
        self.params = plan_params(client.params)
        self.agent = None
        self.key = None  # reservation of the volume, kept once it is destroyed
        self.done = []
        self.duplicates = []  # (op, MiB) a re-sent reserve/unreserve may have applied twice

    # -- reading --------------------------------------------------------------------------------------
    def read(self):
        agent_id = self.agent['id'] if self.agent else self.client.params['agent_id']
        hostname = None if agent_id else self.client.params['agent_hostname']
        agent = find_agent(self.client.master.matching_slaves(agent_id, hostname), agent_id, hostname)
        observed = observe(agent, self.params, self.key)
        self.key = observed['key']
        return agent, observed

    def _read_observation(self):
        agent, observed = self.read()
        self.agent = agent
        return observed

    def read_now(self):
        """One read of /master/slaves, riding out a master fail-over within ``wait_timeout``."""
        outcome = wait_until(self._read_observation, lambda o: True, self.client.params['wait_timeout'],
                             tolerate=_transient)
        if not outcome.done:
            raise outcome.error
        return outcome.value

    def agent_info(self):
        return {'id': self.agent.get('id'), 'hostname': self.agent.get('hostname'),
                'active': self.agent.get('active')}

    def planner(self):
        if self.params.get('reservation') == 'absent':
            return plan_reservation_absent
        if self.client.params['state'] == 'present':
            return plan_present
        return plan_absent

    def result(self, observed, changed, before=None):
        result = dict(changed=changed, agent=self.agent_info(), operations=self.done)
        result.update(view(observed))
        if before is not None and self.client.module._diff:
            result['diff'] = {'before': before, 'after': view(observed)}
        return result

    # -- the ownership guard (Marathon's reservations) ------------------------------------------------
    def guard(self, observed, ops):
        """Refuse to destroy or unreserve what a Marathon instance may still need (see _mesos.ownership)."""
        if not any(op['action'] in ('destroy', 'unreserve') for op in ops):
            return
        volume = observed['volume']
        if volume is not None:
            labels = (current_reservation(volume) or {}).get('labels') or {}
        else:
            labels = self.params.get('labels') or {}
        owner = marathon_owner(labels)
        if owner is None:
            return
        what = ('volume %r' % self.params['persistence_id']) if volume is not None else (
            'reservation of role %r with labels %r' % (self.params['role'], labels))
        params = self.client.params
        if params['allow_marathon_data_loss']:
            self.client.module.warn(
                'allow_marathon_data_loss=true: releasing the %s of Marathon framework %s (instance %s) without '
                'checking that Marathon no longer needs it.' % (what, owner['framework_id'], owner['reservation_id']))
            return
        if not params.get('marathon_url'):
            self.fail_guard(refusal_without_marathon(what, owner), observed, ops)
        entry = self.audit_entry(observed, labels)
        if entry is None or entry.get('status') != 'orphaned':
            self.fail_guard(refusal_from_audit(what, owner, entry), observed, ops, entry)

    def audit_entry(self, observed, labels):
        """What mesos_volume_info would say about the target, asking the Marathon at ``marathon_url``."""
        params = self.client.params
        marathon = self.client.marathon_api(params['marathon_url'], params.get('marathon_username'),
                                            params.get('marathon_password'), params.get('marathon_token'))
        try:
            info = marathon.info()
            apps = marathon.apps_answer({'embed': 'apps.tasks'})
        except ApiError as error:
            raise ModuleFailure('Asking Marathon whether it still owns the volume failed; nothing was sent', error=error)
        if not isinstance(info, dict) or not isinstance(info.get('frameworkId'), str) or not isinstance(
                apps, dict) or not isinstance(apps.get('apps'), list):
            raise ModuleFailure('marathon_url %s did not answer as Marathon (GET /v2/info without frameworkId, or '
                                'GET /v2/apps without apps); is it the Marathon API? Nothing was sent.'
                                % params['marathon_url'])

        def load_pods():
            try:
                return marathon.pods_status(shape=None) or []
            except ApiError as error:
                if error.status == 404:  # Marathon before 1.4 has no pods
                    return []
                raise ModuleFailure('Reading Marathon pods failed; nothing was sent', error=error)

        auditor = Auditor(apps, framework_id=info['frameworkId'])
        auditor.add_agent(self.agent)
        return find_audit_entry(auditor.finish(load_pods), self.params, observed['volume'] is not None, labels)

    def fail_guard(self, msg, observed, ops, entry=None):
        extra = dict(changed=False, operations=[], refused_operations=ops, agent=self.agent_info())
        if entry is not None:
            extra['marathon'] = dict((k, entry.get(k)) for k in (
                'status', 'reason', 'app_id', 'instance_id', 'task_id', 'task_state', 'framework_id'))
        extra.update(view(observed))
        raise ModuleFailure(msg, **extra)

    # -- sending ---------------------------------------------------------------------------------------
    def post(self, op):
        """Send ``op`` once: (status, None) when accepted, (None, ApiError) otherwise."""
        try:
            return self.client.master.operate(op['action'], self.agent['id'], op['resources']), None
        except ApiError as error:
            return None, error

    def record(self, op, status, attempts, waited, note=None):
        entry = dict(op, status=status, attempts=attempts, waited=round(waited, 3))
        entry.pop('whole', None)
        entry.pop('undo', None)
        if note:
            entry['note'] = note
        self.done.append(entry)

    def execute(self, op, base):
        """Send ``op`` until /master/slaves shows it applied (judged against ``base``, read before the first send).

        Every re-send comes after a fresh read that does not show the call applied: a call whose answer was
        lost is never sent blindly again. A refusal (4xx) that the state shows as already applied (an earlier
        send landed) counts as done.
        """
        params = self.client.params
        attempts, sends_that_may_apply, waited = 0, 0, 0.0
        observed = base
        status, last_error = None, None
        while True:
            if attempts:
                observed = self.read_now()
                if confirmed(op, base, observed):
                    return self.finish_op(op, observed, status, attempts, waited, sends_that_may_apply)
                if op['action'] == 'destroy' and observed['volume'] is not None:
                    op = dict(op, resources=[observed['volume']])  # re-send it as Mesos lists it now
            attempts += 1
            status, error = self.post(op)
            kind = 'accepted' if error is None else outcome_of(error)
            if kind == 'refused':
                observed = self.read_now()
                if confirmed(op, base, observed):
                    return self.finish_op(op, observed, error.status, attempts, waited, sends_that_may_apply,
                                          note='an earlier send was applied; Mesos refused the repeat')
                if op['action'] == 'create' and error.status == 409:
                    raise CreateConflict(observed, error)
                self.fail_operation(op, observed, error)
            if kind in ('accepted', 'unknown'):
                sends_that_may_apply += 1
            last_error = error
            # A lost answer may still be applied: wait for it as for an accepted call, then re-read.
            timeout = 0 if kind == 'not_applied' else params['wait_timeout']
            outcome = wait_until(self._read_observation, lambda o, sent=op: confirmed(sent, base, o), timeout,
                                 tolerate=_transient)
            waited += outcome.elapsed
            if outcome.done:
                return self.finish_op(op, outcome.value, status, attempts, waited, sends_that_may_apply)
            if outcome.value is not None:
                observed = outcome.value
            if attempts > params['retries']:
                self.fail_timeout(op, observed, attempts, waited, status, outcome.error, last_error)

    def finish_op(self, op, observed, status, attempts, waited, sends, note=None):
        if self.client.params['confirm_on_agent']:
            waited += self.confirm_on_agent(op, observed, attempts, waited, status)
        self.record(op, status, attempts, waited, note)
        if sends > 1 and op['action'] in ('reserve', 'unreserve') and not op.get('whole') and not op.get('undo'):
            self.duplicates.append((op, op['size'] * (sends - 1)))
        return observed

    def converge(self, observed, plan):
        """Apply what ``plan`` asks, one call at a time, re-planning on a fresh read after each (the state
        machine the Mesos persistent-volume document advises)."""
        conflicts = 0
        ops = plan(observed, self.params)
        while ops:
            try:
                observed = self.execute(ops[0], observed)
            except CreateConflict as conflict:
                conflicts += 1
                if conflicts > CONFLICT_REPLANS:
                    self.fail_operation(ops[0], conflict.observed, conflict.error)
                # Another client on the same reservation used the free disk first: re-read, reserve again.
                time.sleep(random.uniform(0, 0.2 * conflicts))
                observed = self.read_now()
            ops = plan(observed, self.params)
        return observed

    def settle_surplus(self, initial, observed):
        """After a re-sent reserve/unreserve, wait (within ``wait_timeout``) for a late first send and undo what
        it applied twice."""
        if not self.duplicates:
            return observed
        op = self.duplicates[0][0]
        potential = sum(size for _op, size in self.duplicates)
        expected = predict(initial, self.done)['free_reserved']
        outcome = wait_until(self._read_observation,
                             lambda o: surplus(op, expected, o['free_reserved'], potential) >= potential,
                             self.client.params['wait_timeout'], tolerate=_transient)
        observed = outcome.value if outcome.value is not None else observed
        amount = surplus(op, expected, observed['free_reserved'], potential)
        if amount <= 0:
            return observed
        self.duplicates = []
        return self.execute(undo_surplus(op, amount), observed)

    def confirm_on_agent(self, op, master_observed, attempts, waited, status):
        """Wait until the agent's own /state shows what the master lists (the Mesos docs' check)."""
        agent = self.agent

        def read_agent():
            return observe(self.client.agent_api(agent, self.client.params.get('agent_url')).state(), self.params,
                           master_observed['key'])

        outcome = wait_until(read_agent, lambda a: agent_agrees(master_observed, a),
                             self.client.params['wait_timeout'], tolerate=_transient)
        if not outcome.done:
            if outcome.error is not None:
                reason = 'last read failed: %s' % outcome.error
            elif outcome.value is None:
                reason = 'nothing was read'
            else:
                reason = 'it still shows %s' % ('the volume' if outcome.value['volume'] else 'no volume')
            msg = ('Mesos accepted the %s on agent %s (%s) with HTTP %s and the master lists the result, but the '
                   'agent did not show it on its /state within %ss (%s). The agent may be disconnected or the '
                   'operation may have failed on it.'
                   % (op['action'], agent['id'], agent.get('hostname'), status,
                      self.client.params['wait_timeout'], reason))
            extra = dict(changed=True, operations=self.done, pending_operation=dict(op, attempts=attempts),
                         agent=self.agent_info())
            extra.update(view(master_observed))
            raise ModuleFailure(msg, **extra)
        return outcome.elapsed

    # -- failures --------------------------------------------------------------------------------------
    def fail_operation(self, op, observed, error):
        what = 'Mesos refused to %s on agent %s (%s)' % (
            op['action'], self.agent['id'], self.agent.get('hostname'))
        extra = dict(changed=bool(self.done), operations=self.done, failed_operation=op,
                     agent=self.agent_info())
        extra.update(view(observed))
        if error.status == 409:
            what = '%s: not enough resources; %s' % (what, describe_conflict(op, observed, self.params))
            extra['agent_resources'] = {'unreserved_disk': observed['unreserved_disk'],
                                        'free_reserved_disk': observed['free_reserved']}
            extra['requested'] = op['resources']
        raise ModuleFailure(what + self.leftover_hint(op), error=error, **extra)

    def leftover_hint(self, op):
        """What a plain absent leaves reserved when its unreserve does not go through, and how to release it."""
        if op['action'] != 'unreserve' or op.get('whole') or op.get('undo'):
            return ''
        return ('. The volume is destroyed but its %s MiB are still reserved; a rerun cannot tell them from other '
                'reserved disk with the same labels. Release them with reservation=absent (when these labels are '
                "the volume's own) or with /master/unreserve (pending_operation has the resource)"
                % op['size'])

    def fail_timeout(self, op, observed, attempts, waited, status, read_error, send_error=None):
        hint = '' if self.agent.get('active', True) else ' The agent is not active (disconnected from the master).'
        if send_error is not None:
            answer = 'the call got no usable answer (%s)' % send_error.describe()
            may = ' It may have been applied, or may still be applied later.'
        else:
            answer = 'Mesos accepted the %s with HTTP %s' % (op['action'], status)
            may = ' The operation may have failed on the agent or the agent may be unreachable.'
        msg = ('%s on agent %s (%s), but /master/slaves did not show the result within %ss (%d attempt(s), %.1fs '
               'waited, the state re-read before each re-send).%s%s'
               % (answer[0].upper() + answer[1:], self.agent['id'], self.agent.get('hostname'),
                  self.client.params['wait_timeout'], attempts, waited, may, hint))
        if read_error is not None:
            msg += ' Last read failed: %s' % read_error
        msg += self.leftover_hint(op)
        extra = dict(changed=True, operations=self.done, pending_operation=dict(op, attempts=attempts),
                     agent=self.agent_info())
        extra.update(view(observed))
        raise ModuleFailure(msg, **extra)

    # -- the run ---------------------------------------------------------------------------------------
    def warn_check_mode(self, observed, ops):
        module = self.client.module
        if observed['volume'] is not None and observed['in_use']:
            module.warn('Volume %r is in use by a task; Mesos would refuse to destroy it.'
                        % self.params['persistence_id'])
        invalid_role = role_error(self.params['role'])
        if invalid_role:
            module.warn('Mesos would refuse this (400): %s.' % invalid_role)
        if ops[0]['action'] == 'reserve' and ops[0]['size'] > observed['unreserved_disk']:
            module.warn('The agent lists %s MiB of unreserved disk for a %s MiB reservation; Mesos would '
                        'likely refuse it (409).' % (observed['unreserved_disk'], ops[0]['size']))

    def run(self):
        """The result of the run; raises ModuleFailure (``MesosModule.run`` turns it into fail_json)."""
        errors = validate(self.client.params)
        if errors:
            raise ModuleFailure('Invalid options: %s' % '; '.join(errors), errors=errors)
        try:
            return self._run()
        except ApiError as error:
            raise ModuleFailure('Reading the Mesos master failed', error=error, changed=bool(self.done),
                                operations=self.done)
        except PlanError as error:
            raise ModuleFailure(error.message, field=error.field, changed=bool(self.done), operations=self.done)

    def _run(self):
        module = self.client.module
        plan = self.planner()
        try:
            agent, observed = self.read()
            self.agent = agent
            ops = plan_through(observed, self.params, plan)
        except PlanError as error:
            raise ModuleFailure(error.message, field=error.field, **error.extra)
        before = view(observed)
        if not ops:
            return self.result(observed, False, before)
        self.guard(observed, ops)
        if self.client.check_mode:
            self.done = [dict((k, v) for k, v in op.items() if k != 'whole') for op in ops]
            self.warn_check_mode(observed, ops)
            return self.result(predict(observed, ops), True, before)
        if self.client.params['state'] == 'absent' and observed['in_use']:
            module.warn('Volume %r is in use by a task; Mesos refuses to destroy volumes in use.'
                        % self.params['persistence_id'])
        initial = observed
        if plan is plan_absent:
            # The unreserve after a destroy cannot be re-planned (the volume is gone): send the planned calls.
            for op in ops:
                observed = self.execute(op, observed)
        else:
            observed = self.converge(observed, plan)
        observed = self.settle_surplus(initial, observed)
        return self.result(observed, True, before)


def _transient(error):
    return isinstance(error, ApiError) and (error.status is None or error.status >= 500)
