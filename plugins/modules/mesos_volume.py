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
  - With O(reservation=absent), releases a whole dynamic reservation named by O(role), O(labels) and
    O(reservation_principal) on the agent (its cpus, mem, disk, ports...), for example an orphaned Marathon
    reservation without a volume that M(dcos.stateful.mesos_volume_info) lists.
  - Idempotent from C(/master/slaves). The master answers C(202 Accepted) before the agent has applied an
    operation, so after each call the module reads C(/master/slaves) until it shows the result, within
    O(wait_timeout). A call is sent again (up to O(retries) times) only after a fresh read shows it not applied;
    a call whose answer was lost is first waited for like an accepted one. Reserved disk that a late first
    send and its re-send reserved or released twice is detected and undone, as the Mesos persistent-volume
    documentation advises.
  - Nothing is destroyed unless O(state=absent) and the volume is named by O(persistence_id); when other
    options are given with O(state=absent) the existing volume must match them.
  - Reservations labelled by Marathon (C(marathon_framework_id), C(marathon_task_id)) are released only when
    Marathon, asked through O(marathon_url) (C(GET /v2/info), C(GET /v2/apps?embed=apps.tasks)) before anything
    is released, no longer owns them (M(dcos.stateful.mesos_volume_info) would call them C(orphaned)), or with
    O(allow_marathon_data_loss=true). Without O(marathon_url) (or E(MARATHON_URL)) such a release is refused.
author:
  - dcos.stateful maintainers (@dcos-stateful)
extends_documentation_fragment:
  - dcos.stateful.mesos
  - dcos.stateful.mesos.marathon_options
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
      - Required unless O(reservation=absent).
    type: str
  container_path:
    description:
      - Path at which tasks see the volume (C(disk.volume.container_path)). Required with O(state=present).
      - A non-nested path relative to the task's sandbox, such as V(data); Mesos does not mount a volume at
        an absolute (V(/data)) or nested (V(var/data)) path.
    type: str
  size:
    description:
      - Size of the volume in MiB. Required with O(state=present). Mesos cannot resize a volume in place.
    type: int
  labels:
    description:
      - Labels of the reservation (C(reservation.labels)). Reservations with other labels are never used.
      - With O(state=absent) the existing volume must carry exactly these labels.
      - With O(reservation=absent), the labels of the reservation to release (required; V({}) for a
        reservation without labels).
    type: dict
  reservation_principal:
    description:
      - Principal recorded in the reservation and volume. Defaults to O(mesos_principal).
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
      - Without it only the disk the volume held is released; other reserved disk with the same labels stays.
        If that unreserve does not go through, the module fails saying what is left; a rerun cannot tell it from
        other reserved disk with these labels, so release it with O(reservation=absent).
    type: bool
    default: false
  reservation:
    description:
      - V(absent) makes the whole dynamic reservation named by O(role), O(labels) and (when set)
        O(reservation_principal) absent on the agent; needs O(state=absent) and O(labels).
      - The volume named by O(persistence_id), if any, is destroyed first; every other resource of the
        reservation (cpus, mem, disk, ports...) is then unreserved exactly as Mesos lists it, in any principal
        unless O(reservation_principal) is set.
      - Volumes on the reservation that are not named make the module fail before anything is sent.
      - A rerun after a part-failure finishes the job; a second run sends nothing.
    type: str
    choices: [absent]
  allow_marathon_data_loss:
    description:
      - Release a volume or reservation labelled by Marathon (C(marathon_framework_id), C(marathon_task_id))
        without checking with Marathon that no instance owns it any more.
      - B(Data loss:) a suspended (scaled to 0) or running resident Marathon instance whose reservation is
        released can never start again. Without this option the module asks Marathon (O(marathon_url)) and goes
        on only when M(dcos.stateful.mesos_volume_info) would call the volume or reservation C(orphaned);
        without O(marathon_url) it refuses.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait, after each accepted operation, for C(/master/slaves) to show its result.
    type: int
    default: 30
  retries:
    description:
      - HTTP retries of the operator calls - how many times an operation that did not show within O(wait_timeout)
        is sent again, each time after a fresh read of C(/master/slaves) shows it not applied (an operator call is
        not idempotent, so it is never retried blindly as reads are).
      - A create that Mesos refuses (409) because another client used the free reserved disk first is re-planned
        on a fresh read (reserving the shortfall again) up to 5 times, independently of this option.
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
  - A reserve or unreserve whose answer was lost may be applied late; after re-sending one, the module watches
    C(/master/slaves) for up to O(wait_timeout) and undoes disk reserved or released twice (Mesos merges equal
    reservations). A first send applied later still leaves extra reserved disk with the same role and labels,
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

- name: Destroy an orphaned Marathon volume found by mesos_volume_info (Marathon is asked again first)
  dcos.stateful.mesos_volume:
    agent_id: "{{ item.agent_id }}"
    role: "{{ item.role }}"
    persistence_id: "{{ item.persistence_id }}"
    marathon_url: http://marathon.mesos:8080
    state: absent
  loop: "{{ audit.volumes | selectattr('status', 'equalto', 'orphaned') }}"
  loop_control:
    label: "{{ item.persistence_id }}"

- name: Release orphaned Marathon reservations without a volume (cpus, mem, disk)
  dcos.stateful.mesos_volume:
    agent_id: "{{ item.agent_id }}"
    role: "{{ item.role }}"
    labels: "{{ item.labels }}"
    reservation_principal: "{{ item.principal }}"
    marathon_url: http://marathon.mesos:8080
    state: absent
    reservation: absent
  loop: "{{ audit.reservations | selectattr('status', 'equalto', 'orphaned') }}"
  loop_control:
    label: "{{ item.agent_id }} {{ item.reservation_id }}"

- name: Destroy the volume of a Marathon instance whatever Marathon says (its app can never start again there)
  dcos.stateful.mesos_volume:
    agent_id: 7f5b2c3e-1d4a-4b8e-9c6f-2a1e3d4c5b6a-S0
    role: slave_public
    persistence_id: postgres#data#5d6e7f80-0000-11ee-8000-000000000000
    state: absent
    allow_marathon_data_loss: true
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
reservation_resources:
  description: With O(reservation=absent), the resources of the reservation still listed without a volume
    (V([]) once it is released, also as predicted in check mode; the diff shows them before).
  returned: success and O(reservation=absent)
  type: list
  elements: dict
  sample: []
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
      description: V(reserve), V(create), V(destroy) or V(unreserve) (an undo of disk reserved or released twice
        is one of these too).
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
    note:
      description: Set when Mesos refused a re-send because an earlier send had been applied.
      type: str
      sample: "unreserve re-sent after a lost answer: Mesos refused it because the first send had been applied"
'''


from ansible_collections.dcos.stateful.plugins.module_utils._mesos.module import MesosModule
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.volume_runner import VolumeRunner

ARGUMENT_SPEC = dict(
    agent_id=dict(type='str'),
    agent_hostname=dict(type='str'),
    role=dict(type='str', required=True),
    persistence_id=dict(type='str'),
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
    reservation=dict(type='str', choices=['absent']),
    allow_marathon_data_loss=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=30),
    retries=dict(type='int', default=1),
    confirm_on_agent=dict(type='bool', default=False),
    agent_url=dict(type='str'),
)


def main():
    mesos = MesosModule(
        ARGUMENT_SPEC,
        marathon=True,  # marathon_*: paired and exclusive in _connection (environment aware)
        mutually_exclusive=[['agent_id', 'agent_hostname']],
        required_one_of=[['agent_id', 'agent_hostname']],
        supports_check_mode=True,
    )
    mesos.run(VolumeRunner(mesos).run)


if __name__ == '__main__':
    main()
