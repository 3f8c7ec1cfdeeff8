#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dcos.stateful contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rexray_iam_policy
short_description: Least-privilege IAM policy for REX-Ray on EBS, as a file and as an AWS managed policy
version_added: 0.1.0
description:
  - Renders the IAM policy document REX-Ray needs for EBS, by profile, with optional EFS and KMS statements.
  - Writes it as JSON to O(dest) when given.
  - When O(policy_name) is given, also creates or updates that customer managed policy in IAM and attaches it
    to O(role_names), the role of the agents' instance profile (REX-Ray runs on agents only). Policies are
    compared in canonical form (statement and action order, case of action names, scalar versus list), so an
    equivalent policy is not rewritten. A new policy version is made the default; the oldest non-default
    version is deleted first when IAM's limit of five versions is reached.
author:
  - dcos.stateful maintainers (@dcos-stateful)
requirements:
  - boto3 (only when O(policy_name) is set)
notes:
  - IAM calls use botocore's C(standard) retry mode (at most 5 attempts, jittered, only for throttling and
    transient errors).
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Reads IAM and the file, reports what would change, changes nothing.
  diff_mode:
    support: full
    description: Shows the file and the IAM policy document before and after.
  platform:
    support: full
    platforms: posix
    description: The file is written on the target; IAM is called from the target.
options:
  profile:
    description:
      - V(volumes) is the 7 EC2 actions the EBS driver calls for volumes (attach, create, tag, delete, describe
        instances and volumes, detach).
      - V(snapshots) adds the 4 snapshot actions (copy, create, delete, describe).
      - V(rexray_documented) is the 18-action list REX-Ray documents.
      - V(dcos_cloudformation) is the 14-action list of the DC/OS 1.7 documentation and CloudFormation agent role.
    type: str
    choices: [volumes, snapshots, rexray_documented, dcos_cloudformation]
    default: volumes
  efs:
    description: Add the statement for the libStorage EFS driver (EFS and network interface actions).
    type: bool
    default: false
  kms_key_arns:
    description:
      - ARNs of the KMS keys set as C(ebs.kmsKeyID) for encrypted volumes. Adds the key use actions the EBS
        user guide lists, and C(kms:CreateGrant) limited to grants for AWS resources.
    type: list
    elements: str
    default: []
  dest:
    description: File to write the policy JSON to. Its directory must exist.
    type: path
  state:
    description:
      - With V(present) the managed policy named O(policy_name) is created or updated and attached.
      - With V(absent) it is detached from every role, user and group and deleted. O(dest) is left alone.
        V(absent) requires O(policy_name).
    type: str
    choices: [present, absent]
    default: present
  policy_name:
    description: Name of the customer managed policy in IAM. Without it IAM is not touched.
    type: str
  policy_path:
    description: IAM path of the managed policy.
    type: str
    default: /
  description:
    description: Description of the managed policy, set when it is created (IAM cannot change it later).
    type: str
    default: Least-privilege access for REX-Ray on Amazon EBS (dcos.stateful)
  role_names:
    description:
      - IAM roles to attach the managed policy to, usually the role of the agents' instance profile. Each must
        exist. Roles not listed are left as they are. Requires O(policy_name).
    type: list
    elements: str
  aws_endpoint_url:
    description: IAM endpoint URL, for example a local moto server in tests. Defaults to the AWS endpoint.
    type: str
  aws_region:
    description: Region for the IAM client (IAM is global; this matters only for the endpoint chosen).
    type: str
    default: us-east-1
  aws_access_key:
    description:
      - AWS access key id. When unset, boto3 looks for credentials in the usual places (environment, shared
        files, instance profile).
    type: str
  aws_secret_key:
    description: AWS secret access key, together with O(aws_access_key).
    type: str
  aws_session_token:
    description: AWS session token for temporary credentials.
    type: str
seealso:
  - module: dcos.stateful.rexray_config
'''

EXAMPLES = r'''
- name: Write the volumes-only policy for review
  dcos.stateful.rexray_iam_policy:
    profile: volumes
    dest: /srv/policies/rexray-ebs.json

- name: Manage the policy in IAM and attach it to the agents' role
  dcos.stateful.rexray_iam_policy:
    profile: snapshots
    kms_key_arns:
      - arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab
    policy_name: dcos-rexray-ebs
    role_names:
      - dcos-agent-role

- name: Remove the managed policy
  dcos.stateful.rexray_iam_policy:
    policy_name: dcos-rexray-ebs
    state: absent
'''

RETURN = r'''
policy:
  description: The policy document.
  returned: always
  type: dict
  sample: {"Version": "2012-10-17", "Statement": [{"Sid": "RexrayEbs", "Effect": "Allow", "Action": ["ec2:AttachVolume"], "Resource": "*"}]}
action_count:
  description: Number of distinct actions in the document.
  returned: always
  type: int
  sample: 7
dest:
  description: The file written.
  returned: when dest is set
  type: str
  sample: /srv/policies/rexray-ebs.json
policy_arn:
  description: ARN of the managed policy (not known in check mode before it exists).
  returned: when policy_name is set
  type: str
  sample: arn:aws:iam::123456789012:policy/dcos-rexray-ebs
policy_version:
  description: Default version id of the managed policy after the run.
  returned: when policy_name is set and state is present
  type: str
  sample: v2
policy_action:
  description: What was (or would be) done to the managed policy, V(create), V(update), V(delete) or V(none).
  returned: when policy_name is set
  type: str
  sample: update
attached_roles:
  description: Roles the policy is attached to after the run.
  returned: when policy_name is set
  type: list
  elements: str
  sample: [dcos-agent-role]
'''

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.dcos.stateful.plugins.module_utils._files import ensure_file
from ansible_collections.dcos.stateful.plugins.module_utils._rexray.iam import PROFILES, build_policy, policy_json
from ansible_collections.dcos.stateful.plugins.module_utils._rexray.iam_aws import (
    BOTO3_IMPORT_ERROR,
    HAS_BOTO3,
    IamClient,
    IamError,
    ensure_absent,
    ensure_present,
)
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import SecretAwareModule


def argument_spec():
    return dict(
        profile=dict(type='str', choices=sorted(PROFILES), default='volumes'),
        efs=dict(type='bool', default=False),
        kms_key_arns=dict(type='list', elements='str', default=[], no_log=False),
        dest=dict(type='path'),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        policy_name=dict(type='str'),
        policy_path=dict(type='str', default='/'),
        description=dict(type='str', default='Least-privilege access for REX-Ray on Amazon EBS (dcos.stateful)'),
        role_names=dict(type='list', elements='str'),
        aws_endpoint_url=dict(type='str'),
        aws_region=dict(type='str', default='us-east-1'),
        aws_access_key=dict(type='str', no_log=True),
        aws_secret_key=dict(type='str', no_log=True),
        aws_session_token=dict(type='str', no_log=True),
    )


def main():
    module = SecretAwareModule(
        argument_spec=argument_spec(),
        required_together=[('aws_access_key', 'aws_secret_key')],
        required_by={'role_names': 'policy_name'},
        required_if=[('state', 'absent', ['policy_name'])],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = module.params
    for arn in params['kms_key_arns']:
        if not arn.startswith('arn:') or ':kms:' not in arn:
            module.fail_json(msg='kms_key_arns: %r is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)' % arn)
    path = params['policy_path']
    if not (path.startswith('/') and path.endswith('/')):
        module.fail_json(msg='policy_path must begin and end with /, got %r' % path)

    document = build_policy(params['profile'], efs=params['efs'], kms_key_arns=params['kms_key_arns'])
    actions = set(a for s in document['Statement'] for a in s['Action'])
    result = dict(changed=False, policy=document, action_count=len(actions))
    diffs = []

    if params['dest']:
        outcome = ensure_file(module, params['dest'], policy_json(document), '0644')
        result.update(changed=outcome['changed'], dest=params['dest'])
        diffs.append(dict(before_header=params['dest'], after_header=params['dest'],
                          before=outcome['before'] or '', after=policy_json(document)))

    if params['policy_name']:
        if not HAS_BOTO3:
            module.fail_json(msg=missing_required_lib('boto3'), exception=BOTO3_IMPORT_ERROR)
        try:
            iam = IamClient(endpoint_url=params['aws_endpoint_url'], region=params['aws_region'],
                            access_key=params['aws_access_key'], secret_key=params['aws_secret_key'],
                            session_token=params['aws_session_token'])
            if params['state'] == 'present':
                outcome = ensure_present(iam, params['policy_name'], path, params['description'], document,
                                         params['role_names'] or [], module.check_mode)
            else:
                outcome = ensure_absent(iam, params['policy_name'], path, module.check_mode)
        except IamError as exc:
            module.fail_json(msg=str(exc), error_code=exc.code, **result)
        header = 'iam:%s%s' % (path, params['policy_name'])
        diffs.append(dict(before_header=header, after_header=header,
                          before=policy_json(outcome['before']) if outcome['before'] else '',
                          after=policy_json(document) if params['state'] == 'present' else ''))
        result['changed'] = result['changed'] or outcome['changed']
        for key in ('policy_arn', 'policy_version', 'policy_action', 'attached_roles'):
            if key in outcome:
                result[key] = outcome[key]

    if module._diff and diffs:
        result['diff'] = diffs
    module.exit_json(**result)


if __name__ == '__main__':
    main()
