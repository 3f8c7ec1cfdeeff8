#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: external_volume_info
short_description: Audit external (REX-Ray / EBS) volumes, joined from Marathon, Mesos and EC2
version_added: 0.1.0
description:
  - One entry per external volume name, joining which Marathon apps declare it (one C(GET /v2/apps)), which live
    Mesos task mounts it and on which agent and zone (one C(GET /master/state)), and, when O(region) is set, the
    EBS volumes of that name as REX-Ray names them (C(Name) tag, with the O(ebs_tag) prefix) and the instances they
    are attached to (EC2 C(DescribeVolumes), and C(DescribeInstances) of the attached instances only).
  - Each entry gets a status, the first of these that applies.
  - C(twin) - EBS volumes of that name exist in more than one zone. REX-Ray only sees the one in the agent's zone,
    so which data a task gets depends on where it lands.
  - C(in_use) - a live Mesos task mounts it.
  - C(orphaned) - no Marathon app references it; it costs money and nobody uses it (see M(dcos.stateful.external_volume)
    to snapshot and delete it).
  - C(missing) - an app references it and no EBS volume has that name. The next launch makes REX-Ray create an empty
    one with its defaults (16 GiB), which is how a typo in C(external.name) starts a database on an empty disk.
  - C(zone_unreachable) - no active agent in the volume's zone can run an app referencing it (no agent there, or
    the app's C(@zone)/C(@region)/C(hostname) constraints exclude that zone). A launch in another zone gets an empty
    twin.
  - C(detached) - an app references it and no task mounts it (the app is scaled to 0, or its launch is pending).
  - C(unknown) - as C(detached), but EC2 was not read, so the volume may as well be C(missing).
  - Only volumes of the O(drivers) are audited (Marathon's C(dvdi/driver) option, Mesos' C(docker_volume.driver)).
author:
  - dcos.stateful maintainers (@dcos-stateful)
extends_documentation_fragment:
  - dcos.stateful.marathon
  - dcos.stateful.marathon.actiongroup_marathon
  - dcos.stateful.aws
  - dcos.stateful.aws.rexray
  - dcos.stateful.aws.actiongroup_aws
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode.
  diff_mode:
    support: none
    description: Returns no diff.
options:
  mesos_url:
    description:
      - Base URL of the leading Mesos master, for example V(http://leader.mesos:5050) or, on DC/OS,
        V(https://<cluster>/mesos).
      - If not set, the value of the E(MESOS_URL) environment variable is used.
      - Authenticates with O(mesos_principal) and O(mesos_secret), or with O(dcos_token). Marathon's O(url_username)
        and O(url_password) are never sent to Mesos.
    type: str
    required: true
  mesos_principal:
    description:
      - Principal sent as HTTP basic user to O(mesos_url) when the master authenticates HTTP reads.
      - Requires O(mesos_secret). Mutually exclusive with O(dcos_token).
    type: str
  mesos_secret:
    description: Secret of O(mesos_principal), sent to O(mesos_url) only.
    type: str
  drivers:
    description: Docker volume drivers audited (C(dvdi/driver)). EBS statuses only make sense for REX-Ray.
    type: list
    elements: str
    default: [rexray]
notes:
  - Two HTTP requests whatever the size of the cluster, plus one EC2 C(DescribeVolumes) per 500 volumes and one
    C(DescribeInstances) when volumes are attached.
  - An attached instance is recognised as an agent when its private or public IP address or DNS name, or its
    C(Name) tag, is the agent's hostname (DC/OS agents register with their private IP address), or its C(Name) tag
    is the agent id.
  - "The EC2 permissions needed: C(ec2:DescribeVolumes) and C(ec2:DescribeInstances)."
seealso:
  - module: dcos.stateful.external_volume
  - module: dcos.stateful.marathon_app_info
'''

EXAMPLES = r'''
- name: Audit the external volumes of the cluster
  dcos.stateful.external_volume_info:
    marathon_url: http://marathon.mesos:8080
    mesos_url: http://leader.mesos:5050
    region: us-east-1
  register: audit

- name: Volumes nobody uses any more
  ansible.builtin.debug:
    msg: "{{ audit.volumes | selectattr('status', 'equalto', 'orphaned') | map(attribute='name') | list }}"

- name: Stop before a launch creates an empty volume
  ansible.builtin.assert:
    that: audit.summary.missing == 0 and audit.summary.twin == 0 and audit.summary.zone_unreachable == 0
    fail_msg: "{{ audit.volumes | rejectattr('status', 'in', ['in_use', 'detached', 'orphaned']) | list }}"

- name: REX-Ray runs with ebs.tag=prod (volumes are tagged Name=prod/<name>)
  dcos.stateful.external_volume_info:
    marathon_url: http://marathon.mesos:8080
    mesos_url: http://leader.mesos:5050
    region: us-east-1
    ebs_tag: prod
'''

RETURN = r'''
volumes:
  description: One entry per external volume name, sorted by name.
  returned: always
  type: list
  elements: dict
  sample:
    - name: marathon-si-test-vol
      status: in_use
      reason: mounted by task hello.1d4e5 on agent 127.0.1.1
      apps: [/hello]
      volume_ids: [vol-0123456789abcdef0]
      size: 1
      type: gp2
      zones: [us-east-1a]
      state: in-use
  contains:
    name:
      description: The volume name (C(external.name); the EBS C(Name) tag without the O(ebs_tag) prefix).
      type: str
      sample: marathon-si-test-vol
    status:
      description: C(in_use), C(detached), C(orphaned), C(missing), C(twin), C(zone_unreachable) or C(unknown).
      type: str
      sample: in_use
    reason:
      description: Why that status, in words.
      type: str
      sample: mounted by task hello.1d4e5 on agent 127.0.1.1
    apps:
      description: Ids of the Marathon apps that declare the volume.
      type: list
      elements: str
      sample: [/hello]
    references:
      description: Each app's declaration (C(app_id), C(instances), C(constraints), C(container_path), C(size) in
        GiB, C(driver)).
      type: list
      elements: dict
      sample: [{app_id: /hello, instances: 1, constraints: [["@zone", "IS", "us-east-1a"]],
                container_path: test-rexray-volume, size: 1, driver: rexray}]
    tasks:
      description: Live Mesos tasks mounting it (C(task_id), C(framework_id), C(agent_id), C(hostname), C(zone),
        C(state)).
      type: list
      elements: dict
      sample: [{task_id: hello.1d4e5, framework_id: 5b1c-0000, agent_id: 5b1c-S0, hostname: 127.0.1.1,
                zone: us-east-1a, state: TASK_RUNNING}]
    volume_ids:
      description: EBS volume ids with that name (more than one for a C(twin)). Empty when EC2 was not read.
      type: list
      elements: str
      sample: [vol-0123456789abcdef0]
    size:
      description: Size in GiB of the EBS volume (the attached one, else the first).
      type: int
      sample: 1
    type:
      description: EBS volume type.
      type: str
      sample: gp2
    zones:
      description: Availability zones of the EBS volumes.
      type: list
      elements: str
      sample: [us-east-1a]
    state:
      description: EC2 state of the EBS volume (C(available), C(in-use), ...).
      type: str
      sample: in-use
    attachments:
      description: Where the EBS volumes are attached (C(volume_id), C(instance_id), and the agent of that instance
        C(agent_id), C(hostname), C(agent_active) when it is known).
      type: list
      elements: dict
      sample: [{volume_id: vol-0123456789abcdef0, instance_id: i-0abc, agent_id: 5b1c-S0, hostname: 127.0.1.1,
                agent_active: true}]
    ebs_volumes:
      description: The EBS volumes of that name (C(id), C(name), C(tag_name), C(size), C(type), C(iops),
        C(encrypted), C(zone), C(state), C(instance_id), C(device), C(tags), C(create_time)).
      type: list
      elements: dict
      sample: [{id: vol-0123456789abcdef0, name: marathon-si-test-vol, tag_name: marathon-si-test-vol, size: 1,
                type: gp2, iops: 100, encrypted: false, zone: us-east-1a, state: in-use, instance_id: i-0abc,
                device: /dev/xvdf, tags: {}, create_time: "2024-05-01T10:00:00+00:00"}]
summary:
  description: Number of volume names per status (every status, zeros included).
  returned: always
  type: dict
  sample: {in_use: 1, detached: 0, orphaned: 2, missing: 0, twin: 0, zone_unreachable: 0, unknown: 0}
ec2_read:
  description: Whether EC2 was read (O(region) set).
  returned: always
  type: bool
  sample: true
requests:
  description: Requests sent to each source (HTTP attempts; EC2 API calls).
  returned: always
  type: dict
  sample: {marathon: 1, mesos: 1, ec2: 2}
'''

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.ec2 import (
    BOTO3_IMPORT_ERROR, HAS_BOTO3, Ec2, Ec2Error,
)
from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.join import ShapeError, audit
from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.spec import (
    AWS_ARGSPEC, AWS_MUTUALLY_EXCLUSIVE, AWS_REQUIRED_TOGETHER, REXRAY_ARGSPEC, aws_params,
)
from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.module import MarathonModule


def argument_spec():
    spec = dict(
        mesos_url=dict(type='str', required=True, fallback=(env_fallback, ['MESOS_URL'])),
        mesos_principal=dict(type='str'),
        mesos_secret=dict(type='str', no_log=True),
        drivers=dict(type='list', elements='str', default=['rexray']),
    )
    spec.update(AWS_ARGSPEC)
    spec.update(REXRAY_ARGSPEC)
    return spec


def read_ebs(mm, params):
    """EBS volumes and the instances they are attached to; (None, None, 0) when EC2 is not asked."""
    if not params['region']:
        return None, None, 0
    if not HAS_BOTO3:
        mm.fail(missing_required_lib('boto3'), exception=BOTO3_IMPORT_ERROR)
    try:
        ec2 = Ec2(**aws_params(params))
        volumes = ec2.volumes(params['ebs_tag'])
        instances = ec2.instances(set(v['instance_id'] for v in volumes if v['instance_id']))
    except Ec2Error as exc:
        mm.fail('Cannot read EBS volumes: %s' % exc)
    return volumes, instances, ec2.calls


def main():
    mm = MarathonModule(
        argument_spec=argument_spec(),
        required_together=[['mesos_principal', 'mesos_secret']] + AWS_REQUIRED_TOGETHER,
        # one Authorization header for Mesos: the DC/OS token or Mesos basic auth
        mutually_exclusive=[['dcos_token', 'mesos_principal'], ['dcos_token', 'mesos_secret']] + AWS_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )
    p = mm.params
    mesos_url = p['mesos_url'].strip()
    if not mesos_url.startswith(('http://', 'https://')):
        mm.fail("mesos_url must be an http:// or https:// URL, got '%s'" % mesos_url)
    master = mm.mesos_api(mesos_url, p['mesos_principal'], p['mesos_secret'])
    try:
        apps = mm.api.list_apps()
    except ApiError as e:
        mm.fail_api(e, 'Cannot read apps from Marathon')
    try:
        state = master.state()
    except ApiError as e:
        mm.fail_api(e, 'Cannot read /master/state from the Mesos master')
    ebs, instances, ec2_calls = read_ebs(mm, p)
    try:
        result = audit(apps, state, ebs, instances, drivers=p['drivers'])
    except ShapeError as e:
        mm.fail('Not the answer of Marathon or Mesos: %s (are marathon_url and mesos_url the Marathon API and the '
                'Mesos master?)' % e)
    result['ec2_read'] = ebs is not None
    result['requests'] = {'marathon': mm.api.calls, 'mesos': master.calls, 'ec2': ec2_calls}
    mm.exit(changed=False, **result)


if __name__ == '__main__':
    main()
