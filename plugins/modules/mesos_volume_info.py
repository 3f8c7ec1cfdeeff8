#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: mesos_volume_info
short_description: Audit Mesos dynamic reservations and persistent volumes, joined with Marathon
version_added: 0.1.0
description:
  - Lists every persistent volume and every dynamic reservation per agent from one C(GET /master/slaves).
  - When O(marathon_url) (or E(MARATHON_URL)) is given, one C(GET /v2/apps?embed=apps.tasks) joins each volume
    and reservation to its Marathon app and instance, through the persistence id (listed in the tasks'
    C(localVolumes)) and the reservation labels C(marathon_framework_id) and C(marathon_task_id), and gives it a
    status. Without either, volumes are not joined with Marathon.
  - C(attached) - a task of the owning instance is launched.
  - C(suspended) - the instance is kept (scaled down or stopped) and no task is launched; the data is kept.
  - C(unreachable) - the owning instance's agent is down - the master lists it as not active, or Marathon reports
    the task C(TASK_UNREACHABLE) (C(TASK_LOST), C(TASK_UNKNOWN)). The data stays on that agent; nothing can use or
    release it until the agent returns. Real Mesos drops an agent from C(/master/slaves) once it is marked
    unreachable (after its ping timeouts), so its volumes are then not listed at all.
  - C(orphaned) - reserved by Marathon but no instance owns it any more, or the app is gone. Marathon releases
    such reservations only when Mesos offers them to it again; see M(dcos.stateful.mesos_volume) to destroy them
    (and to release a reservation without a volume, with its O(dcos.stateful.mesos_volume#module:reservation=absent)).
  - C(not_marathon) - no Marathon labels, or labels of another Marathon framework.
  - C(unknown) - labelled by Marathon, but O(marathon_url) was not given.
author:
  - dcos.stateful maintainers (@dcos-stateful)
extends_documentation_fragment:
  - dcos.stateful.mesos
  - dcos.stateful.mesos.marathon_options
  - dcos.stateful.mesos.actiongroup_mesos
attributes:
  check_mode:
    description: Only reads; runs the same in check mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: N/A
options:
  agent_ids:
    description: Only these agents (by id).
    type: list
    elements: str
  agent_hostnames:
    description: Only these agents (by hostname).
    type: list
    elements: str
  roles:
    description: Only reservations and volumes of these roles.
    type: list
    elements: str
  marathon_framework_id:
    description:
      - Framework id of the Marathon at O(marathon_url). Volumes labelled by another framework are C(not_marathon).
      - When not set, it is learned from the volumes Marathon's tasks own; if none, every Marathon-labelled
        volume is judged against this Marathon.
    type: str
  check_pods:
    description:
      - When something looks orphaned after the join with apps, also read C(GET /v2/pods/::status) and join pod
        instances (through their C(localVolumes) and instance ids) before calling anything orphaned.
      - Costs one more request only when there are orphan candidates.
    type: bool
    default: true
  include_resources:
    description: Add to each volume the resource JSON exactly as Mesos lists it (what a destroy must send).
    type: bool
    default: false
  marathon_volume_ids:
    description:
      - With O(marathon_url), also return RV(marathon_persistence_ids), every persistence id that Marathon's app
        and pod instances list in C(localVolumes) (running, suspended and unreachable instances), whether or not
        Mesos lists the volume. Reads C(/v2/pods/::status) too (unless O(check_pods=false)).
      - What the C(dcos.stateful.volume_data_cleanup) role checks before removing a volume directory.
    type: bool
    default: false
notes:
  - Two requests whatever the size of the cluster (three when something looks orphaned and
    O(check_pods=true)). The C(/master/slaves) answer is read one agent at a time, so memory grows with the
    result, not with the size of the master's answer.
seealso:
  - module: dcos.stateful.mesos_volume
'''

EXAMPLES = r'''
- name: Audit volumes against Marathon
  dcos.stateful.mesos_volume_info:
    mesos_url: http://leader.mesos:5050
    marathon_url: http://marathon.mesos:8080
  register: audit

- name: Audit through DC/OS Admin Router (both use the token in the DCOS_TOKEN environment variable)
  dcos.stateful.mesos_volume_info:
    mesos_url: https://dcos.example.com/mesos
    marathon_url: https://dcos.example.com/service/marathon
  environment:
    DCOS_TOKEN: "{{ dcos_token }}"

- name: Show orphaned volumes
  ansible.builtin.debug:
    msg: "{{ item.hostname }} {{ item.persistence_id }}: {{ item.reason }}"
  loop: "{{ audit.volumes | selectattr('status', 'equalto', 'orphaned') }}"
  loop_control:
    label: "{{ item.persistence_id }}"

- name: Persistence ids Marathon's instances still use (what volume_data_cleanup must never remove)
  dcos.stateful.mesos_volume_info:
    mesos_url: http://leader.mesos:5050
    marathon_url: http://marathon.mesos:8080
    marathon_volume_ids: true
  register: in_use
'''

RETURN = r'''
agents:
  description: Agents listed (after filters), with the volume directories Mesos still knows.
  returned: always
  type: list
  sample:
    - active: true
      hostname: 127.0.1.1
      id: f8019b48-7d1d-4d40-a027-8f28ba7d6e17-S0
      pid: slave(1)@127.0.1.1:54131
      port: 54131
      volume_dirs:
      - slave_public/test-persistent-volume#data#1b267ed8-f146-11f1-aa5d-02fc00000001
      - slave_public/test-persistent-volume#data#1cf2ab2e-f146-11f1-aa5d-02fc00000001
  elements: dict
  contains:
    id:
      description: Agent id.
      type: str
      sample: "f8019b48-7d1d-4d40-a027-8f28ba7d6e17-S0"
    hostname:
      description: Agent hostname.
      type: str
      sample: "127.0.1.1"
    port:
      description: Agent port.
      type: int
      sample: 54131
    pid:
      description: Agent libprocess pid (C(slave(1)@ip:port)).
      type: str
      sample: "slave(1)@127.0.1.1:54131"
    active:
      description: Whether the agent is connected.
      type: bool
      sample: true
    volume_dirs:
      description: Volume directories relative to C(<work_dir>/volumes/roles) (C(<role>/<persistence id>), C(/) in
        roles written as a space).
      type: list
      sample:
        - slave_public/test-persistent-volume#data#1b267ed8-f146-11f1-aa5d-02fc00000001
        - slave_public/test-persistent-volume#data#1cf2ab2e-f146-11f1-aa5d-02fc00000001
      elements: str
volumes:
  description: Persistent volumes.
  returned: always
  type: list
  sample:
    - agent_id: f8019b48-7d1d-4d40-a027-8f28ba7d6e17-S0
      app_id: /test-persistent-volume
      container_path: data
      disk_source: null
      framework_id: f8019b48-7d1d-4d40-a027-8f28ba7d6e17-0000
      hostname: 127.0.1.1
      in_use: true
      instance_id: test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001
      labels:
        marathon_framework_id: f8019b48-7d1d-4d40-a027-8f28ba7d6e17-0000
        marathon_task_id: test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001
      path: slave_public/test-persistent-volume#data#1b267ed8-f146-11f1-aa5d-02fc00000001
      persistence_id: test-persistent-volume#data#1b267ed8-f146-11f1-aa5d-02fc00000001
      principal: dcos_marathon
      reason: task test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001._app.1 is launched
      reservation_id: test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001
      reserved_resources:
        cpus: 0.1
        disk: 10.0
        mem: 64.0
      role: slave_public
      size: 10.0
      status: attached
      task_id: test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001._app.1
      task_state: TASK_RUNNING
  elements: dict
  contains:
    agent_id:
      description: Agent id.
      type: str
      sample: "f8019b48-7d1d-4d40-a027-8f28ba7d6e17-S0"
    hostname:
      description: Agent hostname.
      type: str
      sample: "127.0.1.1"
    role:
      description: Role.
      type: str
      sample: "slave_public"
    persistence_id:
      description: Persistence id.
      type: str
      sample: "test-persistent-volume#data#1b267ed8-f146-11f1-aa5d-02fc00000001"
    container_path:
      description: Container path.
      type: str
      sample: "data"
    size:
      description: Size in MiB.
      type: float
      sample: 10.0
    principal:
      description: Reservation principal.
      type: str
      sample: "dcos_marathon"
    labels:
      description: Reservation labels.
      type: dict
      sample:
        marathon_framework_id: f8019b48-7d1d-4d40-a027-8f28ba7d6e17-0000
        marathon_task_id: test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001
    disk_source:
      description: Disk source (C(type), C(root)) or null for the root disk.
      type: dict
      sample: null
    in_use:
      description: Whether Mesos lists the volume among the agent's used resources.
      type: bool
      sample: true
    path:
      description: Directory relative to C(<work_dir>/volumes/roles).
      type: str
      sample: "slave_public/test-persistent-volume#data#1b267ed8-f146-11f1-aa5d-02fc00000001"
    status:
      description: C(attached), C(suspended), C(unreachable), C(orphaned), C(not_marathon) or C(unknown).
      type: str
      sample: "attached"
    reason:
      description: Why that status.
      type: str
      sample: "task test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001._app.1 is launched"
    framework_id:
      description: Label C(marathon_framework_id).
      type: str
      sample: "f8019b48-7d1d-4d40-a027-8f28ba7d6e17-0000"
    reservation_id:
      description: Label C(marathon_task_id) (Marathon instance or legacy task id).
      type: str
      sample: "test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001"
    app_id:
      description: Marathon app owning (or having owned) the volume.
      type: str
      sample: "/test-persistent-volume"
    instance_id:
      description: Marathon instance owning the volume.
      type: str
      sample: "test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001"
    task_id:
      description: Latest task of that instance.
      type: str
      sample: "test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001._app.1"
    task_state:
      description: State of that task.
      type: str
      sample: "TASK_RUNNING"
    reserved_resources:
      description: Scalar totals (for example C(cpus), C(mem), C(disk)) of the reservation the volume is on,
        this volume's disk included.
      type: dict
      sample: {"cpus": 0.1, "disk": 10.0, "mem": 64.0}
    resource:
      description: The volume exactly as Mesos lists it (with O(include_resources=true)).
      type: dict
      sample:
        disk:
          persistence:
            id: test-persistent-volume#data#1b267ed8-f146-11f1-aa5d-02fc00000001
            principal: dcos_marathon
          volume:
            container_path: data
            mode: RW
        name: disk
        reservation:
          labels:
            labels:
            - key: marathon_framework_id
              value: f8019b48-7d1d-4d40-a027-8f28ba7d6e17-0000
            - key: marathon_task_id
              value: test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001
          principal: dcos_marathon
        reservations:
        - labels:
            labels:
            - key: marathon_framework_id
              value: f8019b48-7d1d-4d40-a027-8f28ba7d6e17-0000
            - key: marathon_task_id
              value: test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001
          principal: dcos_marathon
          role: slave_public
          type: DYNAMIC
        role: slave_public
        scalar:
          value: 10.0
        type: SCALAR
reservations:
  description:
    - Dynamic reservations that hold no persistent volume, grouped per agent, role, principal and labels, with the
      same Marathon fields as volumes (for example what a wiped Marathon instance without volumes left behind).
    - A reservation that holds volumes is reported through its volumes (RV(volumes[].reserved_resources)).
  returned: always
  type: list
  sample:
    - agent_id: 55cc9dd6-3f6d-4879-b9a0-bfff9893d53c-S0
      app_id: null
      framework_id: null
      hostname: 127.0.1.1
      instance_id: null
      labels:
        owner: backups
      principal: ops
      reason: no Marathon reservation labels
      reservation_id: null
      resources:
        disk: 512.0
      role: ops
      status: not_marathon
      task_id: null
      task_state: null
  elements: dict
  contains:
    agent_id:
      description: Agent id.
      type: str
      sample: "55cc9dd6-3f6d-4879-b9a0-bfff9893d53c-S0"
    hostname:
      description: Agent hostname.
      type: str
      sample: "127.0.1.1"
    role:
      description: Role.
      type: str
      sample: "ops"
    principal:
      description: Principal.
      type: str
      sample: "ops"
    labels:
      description: Labels.
      type: dict
      sample: {"owner": "backups"}
    resources:
      description: Scalar totals by resource name.
      type: dict
      sample: {"disk": 512.0}
    status:
      description: Same statuses as volumes.
      type: str
      sample: "not_marathon"
    reason:
      description: Why that status.
      type: str
      sample: "no Marathon reservation labels"
    framework_id:
      description: Label C(marathon_framework_id).
      type: str
      sample: "f8019b48-7d1d-4d40-a027-8f28ba7d6e17-0000"
    reservation_id:
      description: Label C(marathon_task_id).
      type: str
      sample: "test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001"
    app_id:
      description: Marathon app owning (or having owned) the reservation.
      type: str
      sample: "/test-persistent-volume"
    instance_id:
      description: Marathon instance owning the reservation.
      type: str
      sample: "test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001"
    task_id:
      description: Latest task of that instance.
      type: str
      sample: "test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001._app.1"
    task_state:
      description: State of that task.
      type: str
      sample: "TASK_RUNNING"
recovered_agents:
  description: Agents the master knows from its registry but that have not re-registered; their reservations are
    not listed.
  returned: always
  type: list
  sample: [{"id": "f8019b48-7d1d-4d40-a027-8f28ba7d6e17-S3", "hostname": "127.0.1.4"}]
  elements: dict
summary:
  description: Number of volumes and of reservations without a volume (RV(reservations)) per status.
  returned: always
  type: dict
  sample: {attached: 2, suspended: 1, unreachable: 0, orphaned: 1, not_marathon: 0, unknown: 0}
marathon_persistence_ids:
  description: Persistence ids Marathon's instances hold (see O(marathon_volume_ids)).
  returned: when O(marathon_volume_ids=true) and Marathon was asked
  type: list
  elements: str
  sample: ["db_pg#data#5e4c5b2a-1b2c-11ee-9a9a-0242ac110002"]
requests:
  description: HTTP requests sent (attempts).
  returned: always
  type: dict
  sample: {mesos: 1, marathon: 1}
'''

from functools import partial


from ansible_collections.dcos.stateful.plugins.module_utils._failure import ModuleFailure
from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.module import MesosModule
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.audit import ShapeError, audit_members

ARGUMENT_SPEC = dict(
    agent_ids=dict(type='list', elements='str'),
    agent_hostnames=dict(type='list', elements='str'),
    roles=dict(type='list', elements='str'),
    marathon_framework_id=dict(type='str'),
    include_resources=dict(type='bool', default=False),
    check_pods=dict(type='bool', default=True),
    marathon_volume_ids=dict(type='bool', default=False),
)


def read_pods(marathon):
    """Marathon's pod statuses; Marathon before 1.4 has no pods (404)."""
    try:
        return marathon.pods_status()
    except ApiError as error:
        if error.status == 404:
            return []
        raise ModuleFailure('Reading Marathon pods failed', error=error)


def read_marathon_apps(mesos):
    """(MarathonApi or None, ``{"apps": [...]}`` or None): the apps to join with, when marathon_url is given."""
    params = mesos.params
    if not params.get('marathon_url'):
        return None, None
    marathon = mesos.marathon_api(params['marathon_url'], params.get('marathon_username'),
                                  params.get('marathon_password'), params.get('marathon_token'))
    try:
        return marathon, {'apps': marathon.list_apps({'embed': 'apps.tasks'})}
    except ApiError as error:
        raise ModuleFailure('Reading Marathon apps failed', error=error)


def audit_volumes(mesos):
    """The module's result: /master/slaves audited (and joined with Marathon's apps and pods when asked)."""
    params = mesos.params
    agent_ids = params.get('agent_ids') or []
    marathon, apps = read_marathon_apps(mesos)
    try:
        # Streamed, one agent at a time; one agent named: let the master narrow the answer.
        members = mesos.master.stream_slaves(agent_ids[0] if len(agent_ids) == 1 else None)
        load_pods = partial(read_pods, marathon) if marathon is not None and params['check_pods'] else None
        result = audit_members(members, apps, load_pods=load_pods, marathon_ids=params['marathon_volume_ids'],
                               framework_id=params.get('marathon_framework_id'),
                               agent_ids=agent_ids, hostnames=params.get('agent_hostnames'),
                               roles=params.get('roles'), include_resources=params['include_resources'])
    except ApiError as error:
        raise ModuleFailure('Reading /master/slaves failed', error=error)
    except ShapeError as error:
        raise ModuleFailure('Not the answer of Mesos or Marathon: %s (are mesos_url and marathon_url the '
                            'Mesos master and the Marathon API?)' % error)
    result['requests'] = {'mesos': mesos.master.calls, 'marathon': marathon.calls if marathon else 0}
    result['changed'] = False
    return result


def main():
    # marathon_*: paired and exclusive in _connection (environment aware)
    mesos = MesosModule(ARGUMENT_SPEC, marathon=True, supports_check_mode=True)
    mesos.run(partial(audit_volumes, mesos))


if __name__ == '__main__':
    main()
