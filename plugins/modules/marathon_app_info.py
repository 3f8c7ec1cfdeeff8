#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: marathon_app_info
short_description: Marathon apps, their tasks and their volumes, including suspended instances
version_added: 0.1.0
description:
  - Reads apps from Marathon with their tasks, and lists every local persistent volume with the agent
    that holds it and whether its instance is running or suspended (the Marathon UI's Volumes tab, as data).
  - External (DVDI) volumes of the apps are listed too.
  - One request for one app (O(id)) or for a filtered list of apps, plus one C(GET /master/state) when O(mesos_url)
    is given and an app has external volumes.
author:
  - dcos.stateful maintainers (@dcos-stateful)
extends_documentation_fragment:
  - dcos.stateful.marathon
  - dcos.stateful.marathon.actiongroup_marathon
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Returns no diff.
options:
  id:
    description:
      - Id of one app, for example V(/databases/postgres). An app that does not exist gives empty lists.
      - Without it, every app (narrowed by O(id_contains) and O(label)) is returned.
    type: str
  id_contains:
    description: Only apps whose id contains this text (Marathon's C(id) filter, case-insensitive).
    type: str
  label:
    description: Marathon label selector, for example V(tier==db) or V(backup in (daily,weekly)).
    type: str
  mesos_url:
    description:
      - Base URL of the leading Mesos master, for example V(http://leader.mesos:5050) or, on DC/OS,
        V(https://<cluster>/mesos). When given, one C(GET /master/state) adds the zone of the agent whose task
        uses each external volume.
      - If not set, the value of the E(MESOS_URL) environment variable is used; without either, Mesos is not read.
      - Authenticates with O(mesos_principal) and O(mesos_secret), or with O(dcos_token). Marathon's O(url_username)
        and O(url_password) are never sent to Mesos.
    type: str
  mesos_principal:
    description:
      - Principal sent as HTTP basic user to O(mesos_url) when the master authenticates HTTP reads.
      - Requires O(mesos_secret). Mutually exclusive with O(dcos_token).
    type: str
  mesos_secret:
    description: Secret of O(mesos_principal), sent to O(mesos_url) only.
    type: str
'''

EXAMPLES = r'''
- name: Where are the volumes of the database?
  dcos.stateful.marathon_app_info:
    marathon_url: http://marathon.mesos:8080
    id: /databases/postgres
  register: info

- name: Suspended instances whose volumes could be wiped
  ansible.builtin.debug:
    msg: "{{ info.volumes | selectattr('status', 'equalto', 'detached') | list }}"

- name: Volumes on agents that are down
  ansible.builtin.debug:
    msg: "{{ info.volumes | selectattr('status', 'equalto', 'unreachable') | map(attribute='host') | unique }}"

- name: External volumes with the zone of the agent using them
  dcos.stateful.marathon_app_info:
    marathon_url: http://marathon.mesos:8080
    mesos_url: http://leader.mesos:5050
  register: info

- name: Where each external volume is mounted
  ansible.builtin.debug:
    msg: "{{ info.volumes | selectattr('type', 'equalto', 'external') | map(attribute='zone') | list }}"

- name: Every stateful app labelled tier==db
  dcos.stateful.marathon_app_info:
    label: tier==db
'''

RETURN = r'''
apps:
  description: The apps as Marathon returns them (with counts and deployments), secret-looking values masked.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "/postgres", "instances": 1, "tasksRunning": 1}]
tasks:
  description: Every task of the apps, suspended resident instances included (see M(dcos.stateful.marathon_app) for the fields).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "postgres.instance-1._app.2", "app_id": "/postgres", "host": "127.0.0.1", "agent_id": "a-S0",
            "status": "suspended", "local_volumes": [{"container_path": "pgdata", "persistence_id": "postgres#pgdata#7a"}]}]
volumes:
  description:
    - One entry per volume. Local persistent volumes (C(type=persistent)) carry C(persistence_id), C(host), C(agent_id),
      C(task_id), C(instance_id), C(size) (MiB), C(task_status) and C(status) V(attached) (its instance runs),
      V(detached) (suspended, the volume waits on its agent) or V(unreachable) (Marathon reports the task
      C(TASK_UNREACHABLE), C(TASK_LOST) or C(TASK_UNKNOWN) - its agent is down or partitioned and the data cannot be
      reached until it returns, and M(dcos.stateful.marathon_task_wipe) moves the instance elsewhere on a new, empty
      volume). External volumes (C(type=external)) carry C(name), C(provider), C(driver) and C(size) (GiB) from
      the app definition, and C(task_id), C(agent_id) and C(host) of the one live task of the app (which mounts
      it; V(null) when the app has none or, during a restart, two), and C(zone), the fault-domain zone of that
      agent when O(mesos_url) is given (else V(null)).
  returned: always
  type: list
  elements: dict
  sample: [{"type": "persistent", "app_id": "/postgres", "container_path": "pgdata", "persistence_id": "postgres#pgdata#7a",
            "host": "127.0.0.2", "agent_id": "a-S1", "status": "detached", "size": 512},
           {"type": "external", "app_id": "/db", "container_path": "data", "name": "pgdata", "provider": "dvdi",
            "driver": "rexray", "size": 20, "task_id": "db.7f3c", "agent_id": "a-S2", "host": "10.0.1.12",
            "zone": "aws/us-east-1a"}]
'''

from ansible.module_utils.basic import env_fallback

from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.join import ShapeError, agents_of
from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.module import MarathonModule
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import external_volumes, mask_secrets
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.tasks import summarise_tasks, volumes_view


def read_agents(mm, apps):
    """Mesos agents with their zone from one ``/master/state`` read; None without mesos_url or external volumes."""
    url = (mm.params['mesos_url'] or '').strip()
    if not url or not any(external_volumes(a) for a in apps):
        return None
    if not url.startswith(('http://', 'https://')):
        mm.fail("mesos_url must be an http:// or https:// URL, got '%s'" % url)
    master = mm.mesos_api(url, mm.params['mesos_principal'], mm.params['mesos_secret'])
    try:
        return agents_of(master.state())
    except ApiError as e:
        mm.fail_api(e, 'Cannot read /master/state from the Mesos master')
    except ShapeError as e:
        mm.fail('Not the answer of a Mesos master: %s (is mesos_url the Mesos master?)' % e)


def main():
    mm = MarathonModule(
        argument_spec=dict(
            id=dict(type='str'),
            id_contains=dict(type='str'),
            label=dict(type='str'),
            mesos_url=dict(type='str', fallback=(env_fallback, ['MESOS_URL'])),
            mesos_principal=dict(type='str'),
            mesos_secret=dict(type='str', no_log=True),
        ),
        required_together=[['mesos_principal', 'mesos_secret']],
        # one Authorization header for Mesos: the DC/OS token or Mesos basic auth
        mutually_exclusive=[['id', 'id_contains'], ['id', 'label'], ['dcos_token', 'mesos_principal'],
                            ['dcos_token', 'mesos_secret']],
        supports_check_mode=True,
    )
    p = mm.params
    try:
        if p['id']:
            app = mm.api.get_app(p['id'])
            apps = [app] if app else []
        else:
            query = {'embed': ['apps.tasks', 'apps.counts', 'apps.deployments', 'apps.lastTaskFailure']}
            if p['id_contains']:
                query['id'] = p['id_contains']
            if p['label']:
                query['label'] = p['label']
            apps = mm.api.list_apps(query)
    except ApiError as e:
        mm.fail_api(e, 'Cannot read apps from Marathon')
    if not isinstance(apps, list) or not all(isinstance(a, dict) for a in apps):
        mm.fail('Marathon answered something that is not a list of apps (is marathon_url the Marathon API? '
                'On DC/OS it is https://<cluster>/service/marathon)')
    agents = read_agents(mm, apps)
    tasks, volumes = [], []
    for app in sorted(apps, key=lambda a: str(a.get('id') or '')):
        tasks.extend(summarise_tasks(app.get('tasks')))
        volumes.extend(volumes_view(app, app.get('tasks'), agents))
    mm.exit(changed=False, apps=[mask_secrets(a) for a in apps], tasks=tasks, volumes=volumes)


if __name__ == '__main__':
    main()
