#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mesos_volume
short_description: Create or destroy a Mesos persistent volume on dynamically reserved disk
version_added: 0.1.0
description:
  - Creates a local persistent volume on one Mesos agent through the master's operator endpoints
    (C(/master/reserve), C(/master/create-volumes)), reserving the disk first when no matching reservation
    has enough free disk.
  - Destroys a volume named by O(persistence_id) (C(/master/destroy-volumes), sending the volume exactly as
    Mesos lists it) and then releases its disk (C(/master/unreserve)) unless O(keep_reservation=true).
  - Idempotent from C(/master/slaves). The master answers C(202 Accepted) before the agent has applied an
    operation, so after each call the module reads C(/master/slaves) until it shows the result, within
    O(wait_timeout); an operation that does not show is sent again up to O(retries) times, as the Mesos
    persistent-volume documentation advises, each time after reading the state again.
  - Nothing is destroyed unless O(state=absent) and the volume is named by O(persistence_id); when other
    options are given with O(state=absent) the existing volume must match them.
author:
  - dcos.stateful maintainers (@dcos-stateful)
extends_documentation_fragment:
  - dcos.stateful.mesos
  - dcos.stateful.mesos.actiongroup_mesos
attributes:
  check_mode:
    description: Computes the operations from C(/master/slaves) and returns the predicted volume; sends nothing.
    support: full
  diff_mode:
    description: Returns the volume, its reservation and the free reserved disk before and after.
    support: full
options:
  agent_id:
    description:
      - Id of the agent that holds the volume, as in C(/master/slaves).
      - Exactly one of O(agent_id) and O(agent_hostname) is required.
    type: str
  agent_hostname:
    description:
      - Hostname of the agent, as the agent registered it. When several agents have it, the active one is used.
    type: str
  role:
    description:
      - Role of the reservation and the volume. Persistence ids are unique per role on each agent.
      - The role C(*) cannot be reserved.
    type: str
    required: true
  persistence_id:
    description:
      - Id of the volume (C(disk.persistence.id)). No C(/), C(\), whitespace, C(.) or C(..).
    type: str
    required: true
  container_path:
    description:
      - Path at which tasks see the volume (C(disk.volume.container_path)). Required with O(state=present).
    type: str
  size:
    description:
      - Size of the volume in MiB. Required with O(state=present). Mesos cannot resize a volume in place.
    type: int
  labels:
    description:
      - Labels of the reservation (C(reservation.labels)). Reservations with other labels are never used.
      - With O(state=absent) the existing volume must carry exactly these labels.
    type: dict
  reservation_principal:
    description:
      - Principal recorded in the reservation and volume. Defaults to O(principal).
      - When set, the existing volume must carry it.
    type: str
  disk_source:
    description:
      - Disk the volume lives on, for agents with several disks. Omit for the agent's root disk.
    type: dict
    suboptions:
      type:
        description: Kind of disk.
        type: str
        choices: [PATH, MOUNT]
        required: true
      root:
        description: Root of the disk (C(path.root) or C(mount.root)).
        type: str
        required: true
  state:
    description:
      - V(present) reserves disk if needed and creates the volume; V(absent) destroys it and releases the disk.
    type: str
    choices: [present, absent]
    default: present
  keep_reservation:
    description:
      - With O(state=absent), keep the disk reserved after destroying the volume.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait, after each accepted operation, for C(/master/slaves) to show its result.
    type: int
    default: 30
  retries:
    description:
      - How many times an accepted operation that did not show within O(wait_timeout) is sent again.
    type: int
    default: 1
  confirm_on_agent:
    description:
      - After C(/master/slaves) shows an operation, also wait until the agent's own C(/state) shows it, as the
        Mesos documentation advises. The master applies operator calls to its own view at once, even for an
        agent that is disconnected; only the agent shows whether it has applied them.
      - Needs the agent's HTTP endpoint to be reachable from where the module runs (see O(agent_url)).
    type: bool
    default: false
  agent_url:
    description:
      - How to reach an agent's HTTP endpoint with O(confirm_on_agent=true), as a template with C({hostname}),
        C({port}) and C({id}), for example V(https://dcos.example.com/agent/{id}) through DC/OS Admin Router.
      - Defaults to the scheme of O(mesos_url) and the agent's registered hostname and port.
    type: str
notes:
  - A reservation that the master accepted may be applied late; a re-sent reserve can then leave extra
    reserved disk (Mesos merges equal reservations). Such disk carries the same role and labels and stays
    visible in M(dcos.stateful.mesos_volume_info).
  - Mesos 1.0 and later delete the volume's data on destroy; older agents leave it, see the
    C(dcos.stateful.volume_data_cleanup) role.
seealso:
  - module: dcos.stateful.mesos_volume_info
  - name: Mesos persistent volumes
    description: Operator endpoints for persistent volumes.
    link: https://mesos.apache.org/documentation/latest/persistent-volume/
'''

EXAMPLES = r'''
- name: Create a 512 MiB volume for role ops on agent 10.0.1.5
  dcos.stateful.mesos_volume:
    mesos_url: http://leader.mesos:5050
    principal: ops
    secret: "{{ mesos_ops_secret }}"
    agent_hostname: 10.0.1.5
    role: ops
    persistence_id: backup-data
    container_path: data
    size: 512
    labels:
      owner: backups

- name: Destroy it and release the disk
  dcos.stateful.mesos_volume:
    agent_hostname: 10.0.1.5
    role: ops
    persistence_id: backup-data
    state: absent

- name: Destroy an orphaned Marathon volume found by mesos_volume_info, keeping the disk reserved
  dcos.stateful.mesos_volume:
    agent_id: "{{ item.agent_id }}"
    role: "{{ item.role }}"
    persistence_id: "{{ item.persistence_id }}"
    state: absent
    keep_reservation: true
  loop: "{{ audit.volumes | selectattr('status', 'equalto', 'orphaned') }}"
  loop_control:
    label: "{{ item.persistence_id }}"
'''

RETURN = r'''
agent:
  description: The agent, as C(/master/slaves) lists it.
  returned: success
  type: dict
  sample: {"active": true, "hostname": "127.0.1.1", "id": "f8019b48-7d1d-4d40-a027-8f28ba7d6e17-S0"}
  contains:
    id:
      description: Agent id.
      type: str
      sample: "f8019b48-7d1d-4d40-a027-8f28ba7d6e17-S0"
    hostname:
      description: Agent hostname.
      type: str
      sample: "127.0.1.1"
    active:
      description: Whether the agent is connected to the master.
      type: bool
      sample: true
volume:
  description:
    - The volume exactly as Mesos lists it in C(reserved_resources_full) (null when absent).
    - In check mode, the volume as it would be sent to C(/master/create-volumes).
  returned: success
  type: dict
  sample:
    name: disk
    type: SCALAR
    scalar: {value: 512}
    role: ops
    reservation: {principal: ops, labels: {labels: [{key: owner, value: backups}]}}
    reservations: [{type: DYNAMIC, role: ops, principal: ops, labels: {labels: [{key: owner, value: backups}]}}]
    disk: {persistence: {id: backup-data, principal: ops}, volume: {container_path: data, mode: RW}}
reservation:
  description: The reservation holding the volume (null when absent), read from either resource format.
  returned: success
  type: dict
  sample: {"labels": {"owner": "backups"}, "principal": "ops", "role": "ops", "type": "DYNAMIC"}
  contains:
    type:
      description: C(DYNAMIC) or C(STATIC).
      type: str
      sample: "DYNAMIC"
    role:
      description: Role.
      type: str
      sample: "ops"
    principal:
      description: Reservation principal.
      type: str
      sample: "ops"
    labels:
      description: Reservation labels as a mapping.
      type: dict
      sample: {"owner": "backups"}
free_reserved_disk:
  description: MiB of disk with the same reservation (role, principal, labels, disk) that holds no volume.
  returned: success
  type: float
  sample: 0.0
operations:
  description: Operator calls sent (or, in check mode, that would be sent), in order.
  returned: success
  type: list
  sample:
    - action: reserve
      attempts: 1
      resources:
      - name: disk
        reservation:
          labels:
            labels:
            - key: owner
              value: backups
          principal: ops
        role: ops
        scalar:
          value: 512.0
        type: SCALAR
      size: 512.0
      status: 202
      waited: 0.004
    - action: create
      attempts: 1
      resources:
      - disk:
          persistence:
            id: backup-data
            principal: ops
          volume:
            container_path: data
            mode: RW
        name: disk
        reservation:
          labels:
            labels:
            - key: owner
              value: backups
          principal: ops
        role: ops
        scalar:
          value: 512
        type: SCALAR
      size: 512.0
      status: 202
      waited: 0.01
  elements: dict
  contains:
    action:
      description: V(reserve), V(create), V(destroy) or V(unreserve).
      type: str
      sample: "reserve"
    resources:
      description: The resource JSON sent.
      type: list
      sample:
        - name: disk
          reservation:
            labels:
              labels:
              - key: owner
                value: backups
            principal: ops
          role: ops
          scalar:
            value: 512.0
          type: SCALAR
      elements: dict
    size:
      description: MiB of disk the operation reserves, turns into a volume, frees or releases.
      type: float
      sample: 512.0
    status:
      description: HTTP status of the master's answer (absent in check mode).
      type: int
      sample: 202
    attempts:
      description: How many times the call was sent.
      type: int
      sample: 1
    waited:
      description: Seconds spent until C(/master/slaves) showed the result.
      type: float
      sample: 0.004
'''

import re

from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError
from ansible_collections.dcos.stateful.plugins.module_utils._mesos import MesosClient
from ansible_collections.dcos.stateful.plugins.module_utils._mesos_resources import MARATHON_TASK_LABEL
from ansible_collections.dcos.stateful.plugins.module_utils._mesos_volume_plan import (
    ENDPOINTS,
    agent_agrees,
    PlanError,
    confirmed,
    describe_conflict,
    find_agent,
    observe,
    plan_absent,
    plan_present,
    predict,
    view,
)
from ansible_collections.dcos.stateful.plugins.module_utils._mesos_waiter import wait_until

ARGUMENT_SPEC = dict(
    agent_id=dict(type='str'),
    agent_hostname=dict(type='str'),
    role=dict(type='str', required=True),
    persistence_id=dict(type='str', required=True),
    container_path=dict(type='str'),
    size=dict(type='int'),
    labels=dict(type='dict'),
    reservation_principal=dict(type='str'),
    disk_source=dict(type='dict', options=dict(
        type=dict(type='str', required=True, choices=['PATH', 'MOUNT']),
        root=dict(type='str', required=True),
    )),
    state=dict(type='str', default='present', choices=['present', 'absent']),
    keep_reservation=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=30),
    retries=dict(type='int', default=1),
    confirm_on_agent=dict(type='bool', default=False),
    agent_url=dict(type='str'),
)

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


def validate(params):
    """Input errors, each naming its field, found before anything is sent."""
    errors = []
    if params['role'] in ('', '*'):
        errors.append("role: the role '*' (or an empty role) cannot be dynamically reserved")
    pid = params['persistence_id']
    if pid in ('', '.', '..') or _BAD_ID.search(pid):
        errors.append("persistence_id: %r is not a valid Mesos id (no '/', '\\', whitespace, '.' or '..')" % pid)
    if params['state'] == 'present':
        for field in ('container_path', 'size'):
            if params.get(field) in (None, ''):
                errors.append('%s: required with state=present' % field)
    if params.get('size') is not None and params['size'] <= 0:
        errors.append('size: must be a positive number of MiB, got %s' % params['size'])
    if params['wait_timeout'] < 0:
        errors.append('wait_timeout: must not be negative')
    if params['retries'] < 0:
        errors.append('retries: must not be negative')
    labels = params.get('labels') or {}
    for key, value in labels.items():
        if not isinstance(value, str):
            errors.append('labels: value of %r must be a string' % key)
    return errors


def plan_params(params):
    """Options as the pure planner wants them (labels as strings, effective reservation principal)."""
    return {
        'role': params['role'],
        'persistence_id': params['persistence_id'],
        'container_path': params.get('container_path'),
        'size': params.get('size'),
        'labels': dict(params['labels']) if params.get('labels') is not None else None,
        'reservation_principal': params.get('reservation_principal'),
        'principal': params.get('reservation_principal') or params.get('principal'),
        'disk_source': params.get('disk_source'),
        'keep_reservation': params['keep_reservation'],
    }


class VolumeRunner:
    def __init__(self, client):
        self.client = client
        self.params = plan_params(client.params)
        self.agent = None
        self.key = None  # reservation of the volume, kept once it is destroyed
        self.done = []

    def read(self):
        agent_id = self.agent['id'] if self.agent else self.client.params['agent_id']
        hostname = None if agent_id else self.client.params['agent_hostname']
        agent = find_agent(self.client.matching_slaves(agent_id, hostname), agent_id, hostname)
        observed = observe(agent, self.params, self.key)
        self.key = observed['key']
        return agent, observed

    def agent_info(self):
        return {'id': self.agent.get('id'), 'hostname': self.agent.get('hostname'),
                'active': self.agent.get('active')}

    def plan(self, observed):
        if self.client.params['state'] == 'present':
            return plan_present(observed, self.params)
        return plan_absent(observed, self.params)

    def result(self, observed, changed, before=None):
        result = dict(changed=changed, agent=self.agent_info(), operations=self.done)
        result.update(view(observed))
        if before is not None and self.client.module._diff:
            result['diff'] = {'before': before, 'after': view(observed)}
        return result

    def send(self, op, observed):
        path, field = ENDPOINTS[op['action']]
        try:
            return self.client.operate(path, field, self.agent['id'], op['resources'])
        except ApiError as error:
            self.fail_operation(op, observed, error)

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
        self.client.fail_api(error, what, **extra)

    def apply(self, op, observed):
        """Send ``op``, then wait until /master/slaves shows it; re-send up to ``retries`` times."""
        params = self.client.params
        before = observed
        attempts, waited = 0, 0.0
        while True:
            status = self.send(op, observed)
            attempts += 1
            outcome = wait_until(self._read_observation, lambda o, sent=op: confirmed(sent, before, o),
                                 params['wait_timeout'], tolerate=_transient)
            waited += outcome.elapsed
            if outcome.done:
                if params['confirm_on_agent']:
                    waited += self.confirm_on_agent(op, outcome.value, attempts, waited, status)
                self.done.append(dict(op, status=status, attempts=attempts, waited=round(waited, 3)))
                return outcome.value
            if outcome.value is not None:
                observed = outcome.value
            if attempts > params['retries']:
                self.fail_timeout(op, observed, attempts, waited, status, outcome.error)
            if op['action'] == 'destroy' and observed['volume'] is not None:
                op = dict(op, resources=[observed['volume']])  # re-send it as Mesos lists it now

    def confirm_on_agent(self, op, master_observed, attempts, waited, status):
        """Wait until the agent's own /state shows what the master lists (the Mesos docs' check)."""
        agent = self.agent

        def read_agent():
            return observe(self.client.agent_state(agent, self.client.params.get('agent_url')), self.params,
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
            self.client.fail(msg, **extra)
        return outcome.elapsed

    def _read_observation(self):
        agent, observed = self.read()
        self.agent = agent
        return observed

    def fail_timeout(self, op, observed, attempts, waited, status, error):
        hint = '' if self.agent.get('active', True) else ' The agent is not active (disconnected from the master).'
        msg = ('Mesos accepted the %s on agent %s (%s) with HTTP %s, but /master/slaves did not show the result '
               'within %ss (%d attempt(s), %.1fs waited). The operation may have failed on the agent or the '
               'agent may be unreachable.%s'
               % (op['action'], self.agent['id'], self.agent.get('hostname'), status,
                  self.client.params['wait_timeout'], attempts, waited, hint))
        if error is not None:
            msg += ' Last read failed: %s' % error
        extra = dict(changed=True, operations=self.done, pending_operation=dict(op, attempts=attempts),
                     agent=self.agent_info())
        extra.update(view(observed))
        self.client.fail(msg, **extra)

    def run(self):
        module = self.client.module
        try:
            agent, observed = self.read()
            self.agent = agent
            ops = self.plan(observed)
        except PlanError as error:
            self.client.fail(error.message, field=error.field, **error.extra)
        before = view(observed)
        labels = (before['reservation'] or {}).get('labels') or {}
        if ops and self.client.params['state'] == 'absent' and MARATHON_TASK_LABEL in labels:
            module.warn('Volume %r was reserved by Marathon for %s; destroy it only if mesos_volume_info reports it '
                        'orphaned, or Marathon cannot relaunch that instance.'
                        % (self.params['persistence_id'], labels[MARATHON_TASK_LABEL]))
        if not ops:
            module.exit_json(**self.result(observed, False, before))
        if self.client.check_mode:
            self.done = [dict(op) for op in ops]
            if observed['volume'] is not None and observed['in_use']:
                module.warn('Volume %r is in use by a task; Mesos would refuse to destroy it.'
                            % self.params['persistence_id'])
            invalid_role = role_error(self.params['role'])
            if invalid_role:
                module.warn('Mesos would refuse this (400): %s.' % invalid_role)
            if ops[0]['action'] == 'reserve' and ops[0]['size'] > observed['unreserved_disk']:
                module.warn('The agent lists %s MiB of unreserved disk for a %s MiB reservation; Mesos would '
                            'likely refuse it (409).' % (observed['unreserved_disk'], ops[0]['size']))
            module.exit_json(**self.result(predict(observed, ops), True, before))
        if self.client.params['state'] == 'absent' and observed['in_use']:
            module.warn('Volume %r is in use by a task; Mesos refuses to destroy volumes in use.'
                        % self.params['persistence_id'])
        for op in ops:
            observed = self.apply(op, observed)
        module.exit_json(**self.result(observed, True, before))


def _transient(error):
    return isinstance(error, ApiError) and (error.status is None or error.status >= 500)


def main():
    client = MesosClient(
        ARGUMENT_SPEC,
        mutually_exclusive=[['agent_id', 'agent_hostname']],
        required_one_of=[['agent_id', 'agent_hostname']],
        supports_check_mode=True,
    )
    errors = validate(client.params)
    if errors:
        client.fail('Invalid options: %s' % '; '.join(errors), errors=errors)
    runner = VolumeRunner(client)
    try:
        runner.run()
    except ApiError as error:
        client.fail_api(error, 'Reading the Mesos master failed', changed=bool(runner.done),
                        operations=runner.done)
    except PlanError as error:
        client.fail(error.message, field=error.field, changed=bool(runner.done), operations=runner.done)


if __name__ == '__main__':
    main()
