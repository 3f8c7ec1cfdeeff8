#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
module: external_volume
short_description: The EBS volume behind a REX-Ray external volume, Marathon-aware
version_added: 0.1.0
description:
  - Creates the EBS volume of a REX-Ray external volume before an app uses it, with the size and type wanted, in
    the zone where the app will run, so that REX-Ray's implicit create (16 GiB, empty) never happens; or deletes
    it, optionally after a snapshot, when nothing uses it any more.
  - The volume is found as REX-Ray finds it, by its C(Name) tag (with the O(ebs_tag) prefix).
  - With O(state=present), an existing volume in the zone is left as it is; when its size, type, IOPS or
    encryption differ from what was asked, the module warns and returns RV(differences) (EBS is not resized
    here). Missing O(tags) are added. A volume of the same name in another zone (a twin, which tasks in that zone
    would mount instead of the data) is refused unless O(allow_twin=true).
  - With O(state=absent), the volume is deleted only when EC2 reports it C(available) (an attached volume is never
    deleted) and, when O(marathon_url) is given, no Marathon app references it (unless O(force=true)).
  - For plain EBS work that needs nothing from Marathon (resizing, restoring a snapshot, copying snapshots) use
    C(amazon.aws.ec2_vol) and C(amazon.aws.ec2_snapshot); see the external volumes guide of this collection.
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
    description: Reads EC2 (and Marathon), reports what would be done, creates, tags, snapshots and deletes nothing.
  diff_mode:
    support: full
    description: Shows the volume before and after.
options:
  name:
    description: The volume name, as in the app's C(external.name).
    type: str
    required: true
  state:
    description: Whether the EBS volume should exist.
    type: str
    choices: [present, absent]
    default: present
  availability_zone:
    description:
      - Availability zone of the volume, for example V(us-east-1a). Required to create one; put the app in the same
        zone (a C(@zone) constraint), as REX-Ray only finds volumes in the zone of the agent.
      - Without it, the one volume of that name is meant (an error when there are several).
    type: str
    aliases: [zone]
  size:
    description: Size in GiB. Required to create a volume.
    type: int
  volume_type:
    description: EBS volume type. Without it EC2's default type is used (as REX-Ray does when C(dvdi/volumetype) is not set).
    type: str
    choices: [standard, gp2, gp3, io1, io2, st1, sc1]
  iops:
    description: Provisioned IOPS (for V(io1), V(io2), V(gp3)).
    type: int
  encrypted:
    description: Whether the volume is encrypted (with the account's default EBS key).
    type: bool
  tags:
    description: Tags of the volume besides C(Name) (which is the volume name). Missing or different ones are set;
      others are left alone.
    type: dict
    default: {}
  allow_twin:
    description: Create the volume in O(availability_zone) although one of the same name exists in another zone.
    type: bool
    default: false
  snapshot:
    description: With O(state=absent), take an EBS snapshot first (tagged with the volume's C(Name)) and return its id.
    type: bool
    default: false
  snapshot_description:
    description: Description of that snapshot.
    type: str
  force:
    description: With O(state=absent), delete the volume although a Marathon app references it. An attached
      (C(in-use)) volume is never deleted, even with O(force=true).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for a new volume to become C(available).
    type: int
    default: 300
  marathon_url:
    description:
      - Base URL of the Marathon API. With it, a volume that an app references is not deleted (see O(force)).
      - If not set, the value of the E(MARATHON_URL) environment variable is used; without either, Marathon is not
        asked and the module warns when deleting.
    type: str
    required: false
notes:
  - "EC2 permissions: C(ec2:DescribeVolumes), C(ec2:CreateVolume), C(ec2:CreateTags), C(ec2:DeleteVolume),
    C(ec2:CreateSnapshot)."
seealso:
  - module: dcos.stateful.external_volume_info
'''

EXAMPLES = r'''
- name: The volume of the hello app - 100 GiB gp3 in us-east-1a (the app is pinned to that zone)
  dcos.stateful.external_volume:
    name: hellovol
    availability_zone: us-east-1a
    size: 100
    volume_type: gp3
    tags:
      team: data
    region: us-east-1

- name: Snapshot and delete a volume no app uses any more
  dcos.stateful.external_volume:
    name: hellovol
    state: absent
    snapshot: true
    marathon_url: http://marathon.mesos:8080
    region: us-east-1
  register: gone

- name: The snapshot to keep
  ansible.builtin.debug:
    msg: "{{ gone.snapshot_id }}"

- name: A second volume of the same name in another zone, on purpose (REX-Ray finds a volume by name per zone)
  dcos.stateful.external_volume:
    name: hellovol
    availability_zone: us-east-1b
    size: 100
    allow_twin: true
    region: us-east-1

- name: Delete a volume an app still names (the app's next task gets a new, empty volume)
  dcos.stateful.external_volume:
    name: hellovol
    state: absent
    force: true
    snapshot: true
    marathon_url: http://marathon.mesos:8080
    region: us-east-1
'''

RETURN = r'''
action:
  description: What was done (or, in check mode, would be done) - V(create), V(tag), V(delete) or V(none).
  returned: always
  type: str
  sample: create
volume:
  description: The EBS volume (C(id), C(name), C(tag_name), C(size) in GiB, C(type), C(iops), C(encrypted), C(zone),
    C(state), C(instance_id), C(device), C(tags), C(create_time)); with O(state=absent) the deleted one; null when
    there is none. In check mode a volume to create has C(id) null.
  returned: always
  type: dict
  sample: {id: vol-0123456789abcdef0, name: hellovol, tag_name: hellovol, size: 100, type: gp3, iops: 3000,
           encrypted: false, zone: us-east-1a, state: available, instance_id: null, device: null, tags: {team: data},
           create_time: "2024-05-01T10:00:00+00:00"}
differences:
  description: How the existing volume differs from what was asked (C(field), C(wanted), C(actual)); nothing is
    changed for them.
  returned: always
  type: list
  elements: dict
  sample: [{field: size, wanted: 200, actual: 100}]
snapshot_id:
  description: Id of the snapshot taken before deleting (O(snapshot=true)); null in check mode.
  returned: when a volume was deleted with O(snapshot=true)
  type: str
  sample: snap-0123456789abcdef0
references:
  description: Marathon apps that reference the volume name (read when O(marathon_url) is given).
  returned: always
  type: list
  elements: str
  sample: [/hello]
marathon_checked:
  description: Whether Marathon was asked which apps reference the volume.
  returned: always
  type: bool
  sample: true
'''

import copy

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.ec2 import (
    BOTO3_IMPORT_ERROR, HAS_BOTO3, Ec2, Ec2Error,
)
from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.join import ShapeError, app_references
from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.plan import (
    PlanError, diff_view, plan_absent, plan_present,
)
from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.spec import (
    AWS_ARGSPEC, AWS_MUTUALLY_EXCLUSIVE, AWS_REQUIRED_TOGETHER, REXRAY_ARGSPEC, aws_params,
)
from ansible_collections.dcos.stateful.plugins.module_utils._connection import MARATHON_GROUP, resolve_environment
from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.module import MARATHON_ARGSPEC, marathon_http_client
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.api import MarathonApi
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import SecretAwareModule


def argument_spec():
    spec = copy.deepcopy(MARATHON_ARGSPEC)
    # marathon_url stays optional here (as in MARATHON_ARGSPEC): the EBS side works without Marathon, the
    # reference check needs it.
    spec.update(
        name=dict(type='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        availability_zone=dict(type='str', aliases=['zone']),
        size=dict(type='int'),
        volume_type=dict(type='str', choices=['standard', 'gp2', 'gp3', 'io1', 'io2', 'st1', 'sc1']),
        iops=dict(type='int'),
        encrypted=dict(type='bool'),
        tags=dict(type='dict', default={}),
        allow_twin=dict(type='bool', default=False),
        snapshot=dict(type='bool', default=False),
        snapshot_description=dict(type='str'),
        force=dict(type='bool', default=False),
        wait_timeout=dict(type='int', default=300),
    )
    spec.update(AWS_ARGSPEC)
    spec.update(REXRAY_ARGSPEC)
    return spec


def marathon_references(module, name):
    """(app ids referencing ``name``, whether Marathon was asked)."""
    p = module.params
    url = (p['marathon_url'] or '').strip()
    if not url:
        return [], False
    if not url.startswith(('http://', 'https://')):
        module.fail_json(msg="marathon_url must be an http:// or https:// URL, got '%s'" % url)
    client = marathon_http_client(p, url)
    try:
        refs = app_references(MarathonApi(client).list_apps()).get(name, [])
    except ApiError as e:
        module.fail_json(msg='Cannot read apps from Marathon: %s' % e.describe(), status=e.status, url=e.url)
    except ShapeError as e:
        module.fail_json(msg='Not the answer of Marathon: %s (is marathon_url the Marathon API?)' % e)
    return sorted(set(str(r['app_id']) for r in refs)), True


def ensure_present(module, ec2, existing):
    p = module.params
    wanted = {'size': p['size'], 'type': p['volume_type'], 'iops': p['iops'], 'encrypted': p['encrypted']}
    plan = plan_present(existing, p['name'], p['availability_zone'], wanted, p['tags'], p['allow_twin'])
    volume = plan['volume']
    result = {'action': plan['action'], 'differences': plan['differences'], 'changed': plan['action'] != 'none'}
    for diff in plan['differences']:
        module.warn('volume %s (%s) has %s %s, not %s as asked; it is left as it is' % (
            p['name'], volume['id'], diff['field'], diff['actual'], diff['wanted']))
    after = copy.deepcopy(volume)
    if plan['action'] == 'create':
        after = {'id': None, 'name': p['name'], 'tag_name': None, 'size': p['size'], 'type': p['volume_type'],
                 'iops': p['iops'], 'encrypted': bool(p['encrypted']), 'zone': plan['zone'], 'state': 'available',
                 'instance_id': None, 'device': None, 'tags': dict(p['tags']), 'create_time': None}
        if not module.check_mode:
            after = ec2.create_volume(p['name'], p['ebs_tag'], plan['zone'], p['size'], p['volume_type'], p['iops'],
                                      p['encrypted'], p['tags'])
            ec2.wait_available(after['id'], p['wait_timeout'])
            after['state'] = 'available'
    elif plan['action'] == 'tag':
        after['tags'].update(plan['tags_to_set'])
        if not module.check_mode:
            ec2.set_tags(volume['id'], plan['tags_to_set'])
    result['volume'] = after
    result['diff'] = {'before': diff_view(volume), 'after': diff_view(after)}
    return result


def ensure_absent(module, ec2, existing):
    p = module.params
    references, checked = marathon_references(module, p['name']) if existing else ([], False)
    plan = plan_absent(existing, p['name'], p['availability_zone'], references, checked, p['force'])
    for warning in plan['warnings']:
        module.warn(warning)
    volume = plan['volume']
    result = {'action': plan['action'], 'changed': plan['action'] == 'delete', 'volume': volume,
              'differences': [], 'references': references, 'marathon_checked': checked}
    if plan['action'] == 'delete':
        if p['snapshot']:
            result['snapshot_id'] = None
            if not module.check_mode:
                result['snapshot_id'] = ec2.snapshot(volume, p['snapshot_description'] or
                                                     'dcos.stateful external_volume %s before deletion' % p['name'])
        if not module.check_mode:
            ec2.delete_volume(volume['id'])
    result['diff'] = {'before': diff_view(volume), 'after': {}}
    return result


def main():
    module = SecretAwareModule(
        argument_spec=argument_spec(),
        required_together=AWS_REQUIRED_TOGETHER,
        mutually_exclusive=AWS_MUTUALLY_EXCLUSIVE,
        supports_check_mode=True,
    )
    # Marathon's connection options and their environment variables, resolved as in every Marathon module
    resolve_environment(module, (MARATHON_GROUP,))
    p = module.params
    if not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib('boto3'), exception=BOTO3_IMPORT_ERROR)
    for option in ('size', 'iops', 'wait_timeout'):
        if p[option] is not None and p[option] <= 0:
            module.fail_json(msg='%s must be greater than 0, got %s' % (option, p[option]))
    try:
        ec2 = Ec2(**aws_params(p))
        existing = ec2.volumes(p['ebs_tag'], name=p['name'])
        if p['state'] == 'present':
            result = ensure_present(module, ec2, existing)
            result.update(references=[], marathon_checked=False)
        else:
            result = ensure_absent(module, ec2, existing)
    except PlanError as e:
        module.fail_json(msg=str(e))
    except Ec2Error as e:
        module.fail_json(msg=str(e))
    module.exit_json(**result)


if __name__ == '__main__':
    main()
