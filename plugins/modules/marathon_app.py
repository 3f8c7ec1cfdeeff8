#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: marathon_app
short_description: Create, update, scale, restart and remove Marathon apps, including apps with persistent volumes
version_added: 0.1.0
description:
  - Makes a Marathon app match a definition, declaratively and idempotently. Only the fields you set are
    compared, after Marathon's defaults are normalised and server-set fields are dropped; when nothing
    differs the module makes exactly one GET request and no write.
  - The definition is validated before any request, against the collection's schema and Marathon's
    rules for stateful apps (local persistent and external volumes), with Marathon's paths and messages.
  - Changes that Marathon rejects on a resident app (an app with local persistent volumes), such as new
    resources or volumes, are refused with a message that says what to do instead.
  - O(instances=0) stops the app and keeps its reservations and volumes; a later O(instances) above
    zero relaunches the same instances on their volumes.
  - Waits for the deployment through Marathon's event stream (C(/v2/events)), falling back to polling
    C(/v2/deployments), and then for the tasks to run and be healthy. On a timeout or a failed deployment
    it fails with diagnostics (why offers were declined, the last task failure).
  - Values of secret-looking keys (names with a word such as password, passwd, secret, token or credential,
    names ending in key or pwd, for example C(PGPASSWORD), C(MYSQL_PWD), C(API_KEY)) and the password of any URL
    in any value (C(postgres://user:password@db/x)) are masked in the diff and in the returned app, and Ansible
    hides them in every message, also when the module fails before sending anything.
author:
  - dcos.stateful maintainers (@dcos-stateful)
extends_documentation_fragment:
  - dcos.stateful.marathon
  - dcos.stateful.marathon.actiongroup_marathon
attributes:
  check_mode:
    support: full
    description: Predicts the change, the resulting app and the diff; sends no write.
  diff_mode:
    support: full
    description: Shows only the fields that change, with secret-looking values masked.
options:
  id:
    description:
      - The app id, for example V(/databases/postgres). Relative ids are resolved against V(/).
      - Required unless the definition carries an C(id). When both are given they must be equal.
    type: str
  definition:
    description:
      - The app definition as a dict, in Marathon's JSON format (C(cmd), C(container), C(cpus), ...).
      - Server-set fields (C(version), C(tasks), C(deployments), counts) are ignored, so the output of
        M(dcos.stateful.marathon_app_info) can be fed back.
      - On an existing app this is a partial update; fields you leave out keep their value.
      - Mutually exclusive with O(src).
    type: dict
  src:
    description:
      - Path of a JSON or YAML file with the app definition, read on the managed node.
      - YAML files need PyYAML on the managed node.
      - Mutually exclusive with O(definition).
    type: path
  apps:
    description:
      - Many apps in one task, each an app definition with its C(id) (as O(definition), relative ids resolved
        against V(/)). The module reads them all with one C(GET /v2/apps), sends the ones that differ in one
        bulk C(PUT /v2/apps) (partial updates, as for one app; Marathon plans one deployment for all of them)
        and waits once. When nothing differs it makes that one GET and no write.
      - Every rule of the single-app form applies to each app (validation, the resident and external-volume
        rules, O(force) for a role change, masked values fed back); one app that breaks a rule refuses the
        whole task before anything is sent, and the message names every such app.
      - Apps of Marathon that are not in the list are left alone.
      - Only with O(state=present). Mutually exclusive with O(id), O(definition), O(src) and O(instances).
    type: list
    elements: dict
  state:
    description:
      - V(present) creates or updates the app. With only O(id) and O(instances) it scales an existing app.
      - V(absent) removes the app. Refused for apps with persistent or external volumes unless
        O(remove_volumes=true).
      - V(restarted) applies the definition if one is given and restarts every task of the app
        (resident tasks restart on their volumes).
    type: str
    choices: [present, absent, restarted]
    default: present
  instances:
    description:
      - Number of instances; overrides C(instances) of the definition.
      - V(0) stops the app and keeps its volumes (resident instances become suspended).
    type: int
  force:
    description:
      - Pass C(force=true) to Marathon, which cancels a deployment that is running for this app.
      - Without it, a write that Marathon refuses because the app is locked by a deployment (HTTP 409)
        waits for that deployment within O(wait_timeout) and is then decided again.
      - Also needed to change the C(role) of an app with local persistent volumes (existing instances keep
        their reservations under the old role).
      - With O(state=absent) the app's own running deployment never holds the delete up; it is cancelled, as
        Marathon's C(DELETE /v2/apps/<id>) does by default (a warning says so). Without O(force), a deployment
        that also touches other apps (a group deployment) is waited for instead of cancelled.
    type: bool
    default: false
  wait:
    description:
      - Wait for the deployment to finish and for the tasks to be running (and healthy when the app has
        health checks).
      - The tasks must then stay running (and healthy) for O(stable_seconds) in a row (less when O(wait_timeout)
        ends sooner), so that a crash-looping task caught in its running instant is not taken for success.
      - The module fails at once, without waiting for O(wait_timeout), when a task of the version being deployed
        fails (C(TASK_FAILED) or C(TASK_ERROR), seen in the event stream or in the app's C(lastTaskFailure));
        Marathon's deployment is left running and keeps relaunching the task.
    type: bool
    default: true
  stable_seconds:
    description:
      - With O(wait=true), how many seconds in a row the tasks must stay running (and healthy) after the
        deployment ended before the module reports success. The app is read again during that time.
      - V(0) reports success as soon as the deployment ended and the tasks are running, without the window
        (the fastest return; a crash-looping task caught in its running instant then passes).
    type: float
    default: 2
  wait_timeout:
    description:
      - How many seconds to wait, in total, for running deployments (a lock) and for our own deployment.
      - Every request made while waiting is cut short when this time is up, whatever O(timeout) is; the
        diagnostics read after a failed wait take at most 2 more seconds.
    type: int
    default: 300
  remove_volumes:
    description:
      - Allow O(state=absent) on an app with local persistent volumes or external volumes.
      - Marathon then releases the reservations and Mesos destroys the local volumes and their data.
    type: bool
    default: false
notes:
  - Creates and updates use C(PUT /v2/apps/<id>), which is idempotent, so a retried request can never
    create a second app.
  - Marathon reports a removed app's reservations as released only after Mesos re-offers them; use
    M(dcos.stateful.mesos_volume_info) to see what is left on the agents.
seealso:
  - module: dcos.stateful.marathon_app_info
  - module: dcos.stateful.marathon_task_wipe
'''

EXAMPLES = r'''
- name: Deploy a service with a local persistent volume (the Marathon stateful tutorial)
  dcos.stateful.marathon_app:
    marathon_url: http://marathon.mesos:8080
    definition:
      id: /test-persistent-volume
      cmd: "ls -la; echo hello >> data/foo; cat data/foo; sleep 1000"
      cpus: 0.1
      mem: 32
      instances: 1
      container:
        type: MESOS
        volumes:
          - containerPath: data
            mode: RW
            persistent:
              size: 10
      upgradeStrategy:
        minimumHealthCapacity: 0.5
        maximumOverCapacity: 0
  register: deployed

- name: Show where the volume lives
  ansible.builtin.debug:
    msg: "{{ deployed.tasks | map(attribute='local_volumes') | list }} on {{ deployed.tasks | map(attribute='host') | list }}"

- name: Stop the service but keep its data
  dcos.stateful.marathon_app:
    id: /test-persistent-volume
    instances: 0

- name: Start it again on the same volume
  dcos.stateful.marathon_app:
    id: /test-persistent-volume
    instances: 1

- name: Restart every task (resident tasks restart on their volumes); cancel a stuck deployment first
  dcos.stateful.marathon_app:
    id: /test-persistent-volume
    state: restarted
    force: true

- name: Connection options once for every Marathon module
  module_defaults:
    group/dcos.stateful.marathon:
      marathon_url: https://dcos.example.com/service/marathon
      dcos_token: "{{ dcos_token }}"
      ca_path: /etc/ssl/dcos-ca.crt
  block:
    - name: Deploy from a file
      dcos.stateful.marathon_app:
        src: files/postgres.json
        wait_timeout: 600

    - name: Remove the app and destroy its volumes
      dcos.stateful.marathon_app:
        id: /postgres
        state: absent
        remove_volumes: true

- name: Converge many resident apps in one task (one GET, one bulk PUT for those that differ, one wait)
  dcos.stateful.marathon_app:
    apps:
      - id: /shards/shard-1
        cmd: "echo up >> data/log; sleep 100000"
        cpus: 0.1
        mem: 32
        container:
          type: MESOS
          volumes:
            - containerPath: data
              mode: RW
              persistent:
                size: 100
        upgradeStrategy:
          minimumHealthCapacity: 0.5
          maximumOverCapacity: 0
      - id: /shards/shard-2
        instances: 0  # a partial update of an existing app: stop it, keep its volume
  register: shards

- name: Show what changed
  ansible.builtin.debug:
    msg: "created {{ shards.changed_apps.created | length }}, updated {{ shards.changed_apps.updated | list }}"

- name: Hundreds of apps from a file (a JSON list of app definitions)
  dcos.stateful.marathon_app:
    apps: "{{ lookup('ansible.builtin.file', 'shards.json') | from_json }}"
    wait_timeout: 900

- name: Scale in a hurry (report success as soon as the deployment ended, without the stability window)
  dcos.stateful.marathon_app:
    id: /postgres
    instances: 2
    stable_seconds: 0
'''

RETURN = r'''
app:
  description:
    - The app as Marathon holds it after the change (in check mode, as it is predicted to be), with the values
      of secret-looking keys masked. V(null) after removal, also in check mode.
  returned: success
  type: dict
  sample: {"id": "/test-persistent-volume", "instances": 1, "cpus": 0.1, "mem": 32, "tasksRunning": 1}
apps:
  description:
    - With O(apps), every app of the list in its order, in short, after the change (in check mode, as it is
      predicted to be), each with its version and counts, its running deployments, and its tasks as in RV(tasks)
      (where each instance runs and keeps its local volumes). The definitions are not repeated (the diff shows what
      changes; M(dcos.stateful.marathon_app_info) reads whole apps), so the result stays small for many apps.
  returned: success, with O(apps)
  type: list
  elements: dict
  contains:
    id:
      description: The app id.
      type: str
      returned: always
      sample: /shards/shard-1
    version:
      description: Marathon's version of the app; V(null) for an app only predicted (check mode).
      type: str
      returned: always
      sample: "2026-12-06T10:03:38.560Z"
    instances:
      description: Wanted instances.
      type: int
      returned: always
      sample: 1
    tasks_running:
      description: Running tasks (V(null) for an app only predicted).
      type: int
      returned: always
      sample: 1
    tasks_healthy:
      description: Healthy tasks (V(null) for an app only predicted).
      type: int
      returned: always
      sample: 0
    tasks_staged:
      description: Staged tasks (V(null) for an app only predicted).
      type: int
      returned: always
      sample: 0
    deployments:
      description: Ids of the deployments running for the app.
      type: list
      elements: str
      returned: always
      sample: []
    tasks:
      description: The app's tasks, summarised as RV(tasks) is.
      type: list
      elements: dict
      returned: always
      sample: [{"id": "shards_shard-1.instance-3f9a.._app.1", "host": "127.0.0.1", "agent_id": "a1-S0",
                "status": "running", "local_volumes": [{"container_path": "data", "persistence_id": "shards_shard-1#data#3f9b"}]}]
  sample: [{"id": "/shards/shard-1", "version": "2026-12-06T10:03:38.560Z", "instances": 1, "tasks_running": 1,
            "tasks_healthy": 0, "tasks_staged": 0, "deployments": [], "tasks": []}]
changed_apps:
  description:
    - With O(apps), the apps the one bulk write creates (C(created), their ids) and updates (C(updated), each id
      with the top-level fields that differ). Also returned when the task is refused.
  returned: with O(apps)
  type: dict
  sample: {"created": ["/shards/shard-3"], "updated": {"/shards/shard-1": ["env"]}}
deployment_id:
  description: Id of the deployment Marathon started, V(null) when nothing was written.
  returned: always
  type: str
  sample: 5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43
changed_keys:
  description: Top-level fields of the definition that differed from Marathon's (what the write changes).
  returned: changed
  type: list
  elements: str
  sample: [instances]
tasks:
  description: The app's tasks, including suspended resident instances, with their local volumes.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Marathon task id.
      type: str
      sample: "test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001._app.1"
      returned: always
    instance_id:
      description: Instance id (kept across relaunches of a resident instance).
      type: str
      sample: "test-persistent-volume.instance-1b2675d2-f146-11f1-aa5d-02fc00000001"
      returned: always
    host:
      description: Agent host name.
      type: str
      sample: "127.0.1.1"
      returned: always
    agent_id:
      description: Mesos agent id (C(slaveId)).
      type: str
      sample: "f8019b48-7d1d-4d40-a027-8f28ba7d6e17-S0"
      returned: always
    state:
      description: Mesos task state as Marathon reports it.
      type: str
      sample: "TASK_RUNNING"
      returned: always
    status:
      description: V(running), V(starting), V(killing), V(suspended) (resident instance without a running task) or V(lost).
      type: str
      sample: "running"
      returned: always
    healthy:
      description: Whether every health check passes; V(null) when the app has none.
      type: bool
      sample: true
      returned: always
    local_volumes:
      description: Local persistent volumes of the instance, each with C(container_path) and C(persistence_id).
      type: list
      sample: [{"container_path": "data", "persistence_id": "test-persistent-volume#data#1b267ed8-f146-11f1-aa5d-02fc00000001"}]
      elements: dict
      returned: always
  sample: [{"id": "test-persistent-volume.instance-3f9a.._app.1", "host": "127.0.0.1", "agent_id": "a1-S0",
            "status": "running", "local_volumes": [{"container_path": "data", "persistence_id": "test-persistent-volume#data#3f9b"}]}]
removed_volumes:
  description: Local volumes (C(container_path), C(persistence_id)) of the removed app, released by Marathon afterwards.
  returned: state=absent and changed
  type: list
  sample: [{"container_path": "data", "persistence_id": "test-persistent-volume#data#1b267ed8-f146-11f1-aa5d-02fc00000001"}]
  elements: dict
wait:
  description: How the module waited (C(via) V(events) or V(polling)) and for how many C(seconds).
  returned: when it waited for a deployment
  type: dict
  sample: {"via": "events", "seconds": 2.113}
duration:
  description: Seconds the module ran.
  returned: always
  type: float
  sample: 1.044
refusals:
  description:
    - With O(apps), when the task is refused before anything is sent, every rule broken, each with the C(app) it
      concerns, the message and Marathon-style C(details) (C(path), C(errors)). The failure message names the first
      ten.
  returned: failure, when O(apps) is refused
  type: list
  elements: dict
  sample: [{"app": "/shards/shard-1", "msg": "has local persistent volumes; Marathon rejects this change: ...",
            "details": [{"path": "/", "errors": ["Persistent volumes can not be changed!"]}]}]
task_failure:
  description:
    - When a task of a version just deployed failed, that task (C(appId), C(taskId), C(state), C(host),
      C(message), C(version), and C(source), V(event) or V(lastTaskFailure)); the wait ended at once.
  returned: failure, when a task of the new version failed
  type: dict
  sample: {"appId": "/stack/db", "taskId": "stack_db.instance-1._app.1", "state": "TASK_FAILED", "host": "10.0.0.5",
           "message": "Command exited with status 3", "version": "2026-12-06T10:52:35.317Z", "source": "event"}
waiting:
  description: With O(apps), when the wait ended without success, the apps whose wanted instances were not (yet) running.
  returned: failure, when the wait of O(apps) ended without success
  type: list
  elements: str
  sample: ["/stack/db"]
diagnostics:
  description:
    - On a failed or timed-out deployment, why it is stuck; C(queue) (count, delay, C(declined_reasons) from the
      launch queue's offer summary), C(last_task_failure), C(deployments), counts.
  returned: failure
  type: dict
  sample:
    deployments:
    - da641bf8-4bbf-4299-b2e7-58bd18355163
    instances: 1
    queue:
      count: 1
      declined_reasons:
      - declined: 3
        processed: 3
        reason: InsufficientCpus
      delay:
        overdue: true
        timeLeftSeconds: 0
      processed_offers: 12
      since: '2026-12-06T07:25:07.540Z'
      unused_offers: 12
    tasks_healthy: 0
    tasks_running: 0
'''

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.module import MarathonModule
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.app_runner import AppRunner
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.bulk_runner import BulkRunner


def main():
    mm = MarathonModule(
        argument_spec=dict(
            id=dict(type='str'),
            definition=dict(type='dict'),
            apps=dict(type='list', elements='dict'),
            src=dict(type='path'),
            state=dict(type='str', default='present', choices=['present', 'absent', 'restarted']),
            instances=dict(type='int'),
            force=dict(type='bool', default=False),
            wait=dict(type='bool', default=True),
            stable_seconds=dict(type='float', default=2.0),
            wait_timeout=dict(type='int', default=300),
            remove_volumes=dict(type='bool', default=False),
        ),
        mutually_exclusive=[['definition', 'src'], ['apps', 'id'], ['apps', 'definition'], ['apps', 'src'],
                            ['apps', 'instances']],
        required_one_of=[['id', 'definition', 'src', 'apps']],
        supports_check_mode=True,
        scanned=['definition', 'apps'],
    )
    mm.run((BulkRunner(mm) if mm.params['apps'] is not None else AppRunner(mm)).run)


if __name__ == '__main__':
    main()
