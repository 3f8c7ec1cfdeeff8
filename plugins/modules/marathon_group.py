#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: marathon_group
short_description: Make a Marathon group (its apps, sub-groups and dependencies) match a definition in one request
version_added: 0.1.0
description:
  - Makes a Marathon group match a definition, declaratively and idempotently. Every app is compared as
    M(dcos.stateful.marathon_app) compares it (only the fields you set, after normalising Marathon's defaults);
    when nothing differs the module makes exactly one request (a C(GET) of the group) and no write.
  - Otherwise it sends one C(PUT /v2/groups/<id>) with the whole group and waits for the one deployment Marathon
    plans for it.
  - Marathon's own group C(PUT) deletes the apps it does not list. This module sends such apps back unchanged
    unless O(prune=true); apps with persistent or external volumes are never pruned without O(remove_volumes=true).
  - Every rule of M(dcos.stateful.marathon_app) for stateful apps applies to each app (validation, resident
    immutability, external-volume immutability and their warnings), with the app's path in the message.
  - Values of secret-looking keys are masked in the diff and in the returned group.
author:
  - dcos.stateful maintainers (@dcos-stateful)
extends_documentation_fragment:
  - dcos.stateful.marathon
  - dcos.stateful.marathon.actiongroup_marathon
attributes:
  check_mode:
    support: full
    description: Asks Marathon for the deployment steps with C(dryRun=true) and returns them; no write.
  diff_mode:
    support: full
    description: The changed fields of every changed app, keyed by app path, with secret-looking values masked.
options:
  id:
    description:
      - The group's path, for example V(/stack). The root group V(/) is refused.
    type: str
    required: true
  definition:
    description:
      - The group as a dict with C(apps) (app definitions in Marathon's JSON format), C(groups) (sub-groups of the
        same shape, each with its C(id)), C(dependencies) and C(enforceRole). Ids and dependencies may be relative
        to their group.
      - C(enforceRole) (Marathon 1.9+) is for top-level groups. Left out, the group keeps its value (the module
        sends Marathon's value back). Marathon refuses to change it in the same request as the group's apps, so a
        value different from Marathon's on an existing group is refused before anything is sent; change it on its
        own with C(PATCH /v2/groups/<id>).
      - A group as Marathon returns it (its C(version), an empty C(pods) list, apps with server-set fields) is
        accepted as it is.
      - An C(id) in the definition must be the group's path.
      - For an existing app only the fields you set are compared and changed; the others keep Marathon's value.
      - O(definition) or O(src) is required with O(state=present).
    type: dict
  src:
    description:
      - Path of a JSON or YAML file with the group definition (the shape of O(definition)), read on the managed
        node; for example the output of C(dcos marathon group show). Server-set fields of its apps are ignored.
      - YAML files need PyYAML on the managed node.
      - Mutually exclusive with O(definition).
    type: path
  state:
    description:
      - V(present) makes the group match O(definition); V(absent) deletes the group and everything below it.
    type: str
    choices: [present, absent]
    default: present
  prune:
    description:
      - Delete apps (and sub-groups) that Marathon holds in the group but the definition does not list.
      - When V(false), they are sent back unchanged and kept.
    type: bool
    default: false
  remove_volumes:
    description:
      - Allow pruning, or with O(state=absent) deleting, apps with local persistent or external volumes.
        Marathon destroys their local volumes and the data on them.
    type: bool
    default: false
  force:
    description:
      - Pass C(force=true) to Marathon, which cancels deployments running for the group's apps, and accept a
        change of an app's role. Without it a lock by another deployment is waited for within O(wait_timeout).
    type: bool
    default: false
  wait:
    description:
      - Wait for the deployment to finish (through the event stream, polling as fallback), then for the tasks of
        the apps it created or changed to run (and be healthy where the app has health checks) for
        O(stable_seconds) in a row.
      - The module fails at once, without waiting for O(wait_timeout), when a task of a version being deployed
        fails (C(TASK_FAILED) or C(TASK_ERROR)); Marathon's deployment is left running and keeps relaunching it.
    type: bool
    default: true
  stable_seconds:
    description:
      - With O(wait=true), how many seconds in a row the tasks of the created or changed apps must stay running
        (and healthy) after the deployment ended. V(0) returns as soon as they run.
    type: float
    default: 2
  wait_timeout:
    description: Seconds to wait, in total, for a locking deployment, our deployment and the tasks.
    type: int
    default: 300
'''

EXAMPLES = r'''
- name: A database and its exporter, as one group
  dcos.stateful.marathon_group:
    marathon_url: http://marathon.example.com:8080
    id: /stack
    definition:
      apps:
        - id: db
          cmd: sleep 1000
          cpus: 0.5
          mem: 256
          container:
            type: MESOS
            volumes:
              - {containerPath: data, mode: RW, persistent: {size: 1024}}
        - id: exporter
          cmd: sleep 1000
          cpus: 0.1
          mem: 32
          dependencies: [db]

- name: Show the steps Marathon would take, without deploying
  dcos.stateful.marathon_group:
    id: /stack
    definition: "{{ stack }}"
  check_mode: true
  diff: true

- name: Delete the group and its volumes
  dcos.stateful.marathon_group:
    id: /stack
    state: absent
    remove_volumes: true

- name: Make the group hold exactly these apps (apps left out are deleted; apps with volumes need remove_volumes)
  dcos.stateful.marathon_group:
    id: /stack
    definition: "{{ stack }}"
    prune: true

- name: The group from a file (JSON as `dcos marathon group show` prints it, or YAML)
  dcos.stateful.marathon_group:
    id: /stack
    src: files/stack.json
'''

RETURN = r'''
group:
  description:
    - The group as sent (after a change, in check mode as it would be sent) or as Marathon holds it (no change),
      with secret-looking values masked. V(null) after removal or when the group does not exist.
  returned: always
  type: dict
  sample: {"id": "/stack", "apps": [{"id": "/stack/db", "cmd": "sleep 1000", "instances": 1}], "groups": [],
           "dependencies": []}
deployment_id:
  description: Id of the deployment Marathon started, V(null) when nothing was written.
  returned: always
  type: str
  sample: 5ed4c0c5-9ff8-4a6f-a0cd-f57f59a34b43
steps:
  description:
    - The deployment steps Marathon plans for the change (its C(dryRun=true) answer), in check mode or diff mode.
      V(null) otherwise.
  returned: always
  type: list
  elements: dict
  sample: [{"actions": [{"action": "StartApplication", "app": "/stack/db"}]},
           {"actions": [{"action": "ScaleApplication", "app": "/stack/db"}]}]
changed_apps:
  description: The apps the change creates, updates (with the fields that differ) and removes.
  returned: always
  type: dict
  sample: {"created": ["/stack/exporter"], "updated": {"/stack/db": ["instances"]}, "removed": []}
kept_apps:
  description: Apps Marathon holds in the group that the definition does not list, kept because O(prune=false).
  returned: state=present
  type: list
  elements: str
  sample: ["/stack/backup"]
wait:
  description: How the module waited for the deployment (C(via) V(events) or V(polling)) and for how many C(seconds).
  returned: when it waited for a deployment
  type: dict
  sample: {"via": "events", "seconds": 2.113}
duration:
  description: Seconds the module ran.
  returned: success
  type: float
  sample: 1.044
refusals:
  description:
    - When the task is refused before anything is sent, every rule broken, each with the C(app) (or, for a rule of
      the group itself, the C(group)) it concerns, the message and Marathon-style C(details) (C(path), C(errors)).
      The failure message names the first ten.
  returned: failure, when refused
  type: list
  elements: dict
  sample: [{"app": "/stack/db", "msg": "has local persistent volumes; Marathon rejects this change: ...",
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
  description: When the wait ended without success, the apps whose wanted instances were not (yet) running.
  returned: failure, when the wait ended without success
  type: list
  elements: str
  sample: ["/stack/db"]
'''

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.group_runner import GroupRunner
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.module import MarathonModule


def main():
    mm = MarathonModule(
        argument_spec=dict(
            id=dict(type='str', required=True),
            definition=dict(type='dict'),
            src=dict(type='path'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            prune=dict(type='bool', default=False),
            remove_volumes=dict(type='bool', default=False),
            force=dict(type='bool', default=False),
            wait=dict(type='bool', default=True),
            stable_seconds=dict(type='float', default=2.0),
            wait_timeout=dict(type='int', default=300),
        ),
        required_if=[['state', 'present', ['definition', 'src'], True]],
        mutually_exclusive=[['definition', 'src']],
        supports_check_mode=True,
        scanned=['definition'],
    )
    mm.run(GroupRunner(mm).run)


if __name__ == '__main__':
    main()
