#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: marathon_task_wipe
short_description: Wipe instances of a Marathon app and release their persistent volumes
version_added: 0.1.0
description:
  - Kills and expunges chosen instances of an app with C(wipe=true). Marathon then releases their
    reservations and Mesos destroys their local persistent volumes (the data is lost). If the app still
    wants the instances, Marathon launches replacements with new, empty volumes, possibly on other agents.
  - This is the documented way to move a stateful instance off a dead agent, and to get rid of suspended
    instances after a scale-down.
  - Select instances by task id, by host, or all suspended ones; selectors combine (all must match).
  - Refuses to wipe instances that are running unless O(wipe_running=true).
  - All selected tasks are wiped with one request (C(POST /v2/tasks/delete?wipe=true)).
  - With O(mesos_url), waits until Mesos no longer holds the instances' volumes and reservations, except on agents
    that are down - Mesos cannot release those until the agent returns; the module then succeeds with a warning.
author:
  - dcos.stateful maintainers (@dcos-stateful)
extends_documentation_fragment:
  - dcos.stateful.marathon
  - dcos.stateful.marathon.actiongroup_marathon
attributes:
  check_mode:
    support: full
    description: Lists what would be wiped; sends nothing.
  diff_mode:
    support: none
    description: Returns no diff.
options:
  app_id:
    description: Id of the app whose instances are wiped, for example V(/databases/postgres).
    type: str
    required: true
  task_ids:
    description:
      - Task ids (or instance ids) to wipe. Every id must belong to the app, else nothing is wiped.
    type: list
    elements: str
  host:
    description: Only instances on this agent (host name or Mesos agent id).
    type: str
  suspended:
    description:
      - Only suspended instances (resident instances without a running task, kept after a scale-down
        or on an agent that was lost).
    type: bool
    default: false
  wipe_running:
    description:
      - Allow wiping instances whose task is running, starting or being killed. Their volumes are destroyed.
    type: bool
    default: false
  mesos_url:
    description:
      - Base URL of the Mesos master, for example V(http://leader.mesos:5050). When set (and O(wait=true)),
        the module waits until the wiped instances' volumes and reservations are gone from C(/master/slaves).
      - It does not wait for what agents that are down hold (listed as not active, or not listed at all). It warns
        and returns them in RV(mesos_leftovers) with C(agent_active=false).
      - Authenticates with O(mesos_principal) and O(mesos_secret), or with O(dcos_token) or the service account
        O(dcos_service_account) (on DC/OS one token serves Marathon and Mesos through Admin Router). Marathon's
        O(marathon_username) and O(marathon_password) are never sent to Mesos.
      - If not set, the value of the E(MESOS_URL) environment variable is used.
    type: str
  mesos_principal:
    description:
      - Principal sent as HTTP basic user to O(mesos_url) when the master runs with C(--authenticate_http_readwrite)
        (or C(--authenticate_http_readonly)).
      - Requires O(mesos_secret). Mutually exclusive with O(dcos_token) and O(dcos_service_account) when both are
        given as options; an explicit O(mesos_principal) wins over E(DCOS_TOKEN) and E(DCOS_SERVICE_ACCOUNT).
      - If not set, the value of the E(MESOS_PRINCIPAL) environment variable is used (when no other Mesos
        credential was given as an option).
    type: str
    aliases: [principal]
  mesos_secret:
    description:
      - Secret of O(mesos_principal), sent as HTTP basic password to O(mesos_url) only.
      - If not set, the value of the E(MESOS_SECRET) environment variable is used.
    type: str
    aliases: [secret]
  wait:
    description: With O(mesos_url), wait for Mesos to release the volumes and reservations.
    type: bool
    default: true
  wait_timeout:
    description: Seconds to wait for Mesos.
    type: int
    default: 120
notes:
  - Marathon releases reservations only when Mesos offers them again, and an agent that is down makes no offers.
    When it re-registers with the same agent id, Marathon destroys the wiped instances' volumes (deleting their
    data) and unreserves them. When it comes back with a new agent id (its metadata was removed), Mesos has
    forgotten them and only their directories remain; the C(dcos.stateful.volume_data_cleanup) role removes those.
seealso:
  - module: dcos.stateful.marathon_app_info
  - module: dcos.stateful.marathon_app
'''

EXAMPLES = r'''
- name: After scaling down, drop the suspended instances and their volumes
  dcos.stateful.marathon_task_wipe:
    marathon_url: http://marathon.mesos:8080
    mesos_url: http://leader.mesos:5050
    app_id: /test-persistent-volume
    suspended: true

- name: Same with HTTP authentication on both Marathon and the Mesos master (each gets only its own credentials)
  dcos.stateful.marathon_task_wipe:
    marathon_url: http://marathon.mesos:8080
    marathon_username: marathon-admin
    marathon_password: "{{ marathon_password }}"
    mesos_url: http://leader.mesos:5050
    mesos_principal: ops
    mesos_secret: "{{ mesos_ops_secret }}"
    app_id: /test-persistent-volume
    suspended: true

- name: On DC/OS the token (here from the DCOS_TOKEN environment variable) serves Marathon and Mesos
  dcos.stateful.marathon_task_wipe:
    marathon_url: https://dcos.example.com/service/marathon
    mesos_url: https://dcos.example.com/mesos
    app_id: /test-persistent-volume
    suspended: true
  environment:
    DCOS_TOKEN: "{{ dcos_token }}"

- name: Move a stateful instance off a dead agent (it is relaunched elsewhere on a new volume)
  dcos.stateful.marathon_task_wipe:
    app_id: /postgres
    host: 10.0.3.17
    # succeeds with a warning: the dead agent keeps the old volume until it returns (then Marathon releases it)
    mesos_url: http://leader.mesos:5050

- name: Preview what would be wiped
  dcos.stateful.marathon_task_wipe:
    app_id: /postgres
    task_ids: [postgres.instance-2e5a7a40-1b1c-11ea-9d2f-0242ac110002._app.3]
  check_mode: true
  register: preview
'''

RETURN = r'''
wiped:
  description: The wiped (in check mode, the selected) instances with host, agent and volumes.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "test.instance-1._app.1", "instance_id": "test.instance-1", "host": "127.0.0.1", "agent_id": "a-S0",
            "status": "suspended", "local_volumes": [{"container_path": "data", "persistence_id": "test#data#9f"}]}]
task_ids:
  description: Ids of the wiped tasks.
  returned: always
  type: list
  sample: ["test-persistent-volume.instance-1cf2a1c4-f146-11f1-aa5d-02fc00000001._app.1"]
  elements: str
persistence_ids:
  description: Persistence ids of the local volumes that are released.
  returned: always
  type: list
  sample: ["test-persistent-volume#data#1cf2ab2e-f146-11f1-aa5d-02fc00000001"]
  elements: str
mesos_leftovers:
  description:
    - Volumes and reservations of the wiped instances that Mesos still held when the module returned, with
      C(agent_id), C(host), C(role), C(resource), C(persistence_id), C(reservation_id) and C(agent_active).
    - Those with C(agent_active=false) are on an agent that is down; they are released when it returns.
  returned: when mesos_url is set
  type: list
  elements: dict
  sample: [{"agent_id": "a-S0", "host": "10.0.3.17", "role": "slave_public", "resource": "disk",
            "persistence_id": "postgres#data#9f", "reservation_id": "postgres.instance-1", "agent_active": false}]
agents_down:
  description: Agent ids of wiped instances that the master lists as not active or does not list (O(mesos_url) set).
  returned: when mesos_url is set
  type: list
  elements: str
  sample: [a-S0]
duration:
  description: Seconds the module ran.
  returned: always
  type: float
  sample: 0.031
'''

from ansible_collections.dcos.stateful.plugins.module_utils._connection import MESOS_GROUP
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.module import MarathonModule
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.wipe_runner import WipeRunner


def main():
    mm = MarathonModule(
        argument_spec=dict(
            app_id=dict(type='str', required=True),
            task_ids=dict(type='list', elements='str'),
            host=dict(type='str'),
            suspended=dict(type='bool', default=False),
            wipe_running=dict(type='bool', default=False),
            mesos_url=dict(type='str'),
            mesos_principal=dict(type='str', aliases=['principal']),
            mesos_secret=dict(type='str', no_log=True, aliases=['secret']),
            wait=dict(type='bool', default=True),
            wait_timeout=dict(type='int', default=120),
        ),
        # one Authorization header for Mesos: the DC/OS token, the service account or Mesos basic auth; paired and
        # exclusive in _connection, which knows explicit options from environment variables
        groups=[MESOS_GROUP],
        supports_check_mode=True,
    )
    mm.run(WipeRunner(mm).run)


if __name__ == '__main__':
    main()
