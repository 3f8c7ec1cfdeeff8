# -*- coding: utf-8 -*-
# Copyright: dcos.stateful contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE: internal to dcos.stateful; no compatibility guarantees.
"""IAM policy documents for REX-Ray on EBS, and their canonical comparison.

No AWS calls here: ``build_policy`` makes the document, ``canonical_policy`` turns a
document into a value that compares equal for equivalent policies (order of
statements and actions, scalar vs list, case of action names, default Version),
and ``plan_*`` decide what has to change. _rexray/iam_aws.py does the calls.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

VERSION = '2012-10-17'

# What the EBS driver calls for volumes (0.3.3 ec2.go and 0.11.4 ebs_storage.go).
VOLUME_ACTIONS = (
    'ec2:AttachVolume', 'ec2:CreateTags', 'ec2:CreateVolume', 'ec2:DeleteVolume',
    'ec2:DescribeInstances', 'ec2:DescribeVolumes', 'ec2:DetachVolume',
)
# Added by the snapshot code paths.
SNAPSHOT_ACTIONS = ('ec2:CopySnapshot', 'ec2:CreateSnapshot', 'ec2:DeleteSnapshot', 'ec2:DescribeSnapshots')
# The list REX-Ray documents (0.3.3 "RexRayMin", 0.11.4 EBS troubleshooting).
DOCUMENTED_ACTIONS = VOLUME_ACTIONS + SNAPSHOT_ACTIONS + (
    'ec2:DescribeAvailabilityZones', 'ec2:DescribeVolumeAttribute', 'ec2:DescribeVolumeStatus',
    'ec2:DescribeSnapshotAttribute', 'ec2:ModifySnapshotAttribute', 'ec2:ModifyVolumeAttribute', 'ec2:DescribeTags',
)
# DC/OS 1.7 docs and the DC/OS CloudFormation SlaveRole.
DCOS_CLOUDFORMATION_ACTIONS = VOLUME_ACTIONS + SNAPSHOT_ACTIONS + (
    'ec2:DescribeVolumeStatus', 'ec2:DescribeVolumeAttribute', 'ec2:DescribeSnapshotAttribute',
)

PROFILES = {
    'volumes': VOLUME_ACTIONS,
    'snapshots': VOLUME_ACTIONS + SNAPSHOT_ACTIONS,
    'rexray_documented': DOCUMENTED_ACTIONS,
    'dcos_cloudformation': DCOS_CLOUDFORMATION_ACTIONS,
}

EFS_ACTIONS = (
    'elasticfilesystem:CreateFileSystem', 'elasticfilesystem:CreateMountTarget', 'elasticfilesystem:CreateTags',
    'elasticfilesystem:DeleteFileSystem', 'elasticfilesystem:DeleteMountTarget',
    'elasticfilesystem:DescribeFileSystems', 'elasticfilesystem:DescribeMountTargets',
    'ec2:DescribeSubnets', 'ec2:DescribeNetworkInterfaces', 'ec2:CreateNetworkInterface',
    'ec2:DeleteNetworkInterface',
)

# The EBS user guide's list for volumes encrypted with a customer managed key; grants
# only on behalf of an AWS service (REX-Ray does not document its own list).
KMS_USE_ACTIONS = ('kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncrypt*')
KMS_GRANT_ACTIONS = ('kms:CreateGrant',)


def build_policy(profile, efs=False, kms_key_arns=None):
    """The least-privilege policy document for one profile plus the optional statements."""
    if profile not in PROFILES:
        raise ValueError('unknown profile %r; choose one of %s' % (profile, ', '.join(sorted(PROFILES))))
    statements = [{
        'Sid': 'RexrayEbs',
        'Effect': 'Allow',
        'Action': sorted(set(PROFILES[profile])),
        'Resource': '*',
    }]
    if efs:
        statements.append({'Sid': 'RexrayEfs', 'Effect': 'Allow', 'Action': sorted(EFS_ACTIONS), 'Resource': '*'})
    keys = sorted(set(kms_key_arns or []))
    if keys:
        statements.append({'Sid': 'RexrayKmsUse', 'Effect': 'Allow', 'Action': list(KMS_USE_ACTIONS), 'Resource': keys})
        statements.append({
            'Sid': 'RexrayKmsGrant', 'Effect': 'Allow', 'Action': list(KMS_GRANT_ACTIONS), 'Resource': keys,
            'Condition': {'Bool': {'kms:GrantIsForAWSResource': 'true'}},
        })
    return {'Version': VERSION, 'Statement': statements}


def policy_json(document):
    """The JSON text we write and send: stable, readable."""
    return json.dumps(document, indent=2, sort_keys=False) + '\n'


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _scalar(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def _canonical_statement(statement):
    out = {}
    for key, value in statement.items():
        if key in ('Action', 'NotAction'):
            # IAM action names are case-insensitive
            out[key] = sorted(set(_scalar(v).lower() for v in _as_list(value)))
        elif key in ('Resource', 'NotResource'):
            out[key] = sorted(set(_scalar(v) for v in _as_list(value)))
        elif key in ('Principal', 'NotPrincipal'):
            if value == '*':
                value = {'AWS': '*'}
            out[key] = dict((k, sorted(set(_scalar(v) for v in _as_list(v2)))) for k, v2 in value.items())
        elif key == 'Condition':
            out[key] = dict(
                (op, dict((ck, sorted(set(_scalar(v) for v in _as_list(cv)))) for ck, cv in body.items()))
                for op, body in value.items()
            )
        else:
            out[key] = value
    return out


def canonical_policy(document):
    """A JSON string equal for equivalent policy documents."""
    if isinstance(document, str):
        document = json.loads(document)
    statements = [_canonical_statement(s) for s in _as_list(document.get('Statement', []))]
    statements.sort(key=lambda s: json.dumps(s, sort_keys=True))
    canonical = {'Version': document.get('Version', '2008-10-17'), 'Statement': statements}
    for key in document:
        if key not in ('Version', 'Statement'):
            canonical[key] = document[key]
    return json.dumps(canonical, sort_keys=True)


def same_policy(left, right):
    return canonical_policy(left) == canonical_policy(right)


def plan_policy(current_document, desired_document):
    """'create' when there is no policy, 'update' when it differs, else 'none'."""
    if current_document is None:
        return 'create'
    return 'none' if same_policy(current_document, desired_document) else 'update'


def plan_attachments(attached_roles, wanted_roles):
    """Roles that still need the policy attached, in the order asked for."""
    attached = set(attached_roles)
    return [role for role in wanted_roles if role not in attached]


def version_to_prune(versions):
    """IAM keeps at most 5 versions: the oldest non-default one to delete before adding, or None."""
    if len(versions) < 5:
        return None
    candidates = [v for v in versions if not v.get('IsDefaultVersion')]
    if not candidates:
        return None
    return sorted(candidates, key=lambda v: (str(v.get('CreateDate')), v['VersionId']))[0]['VersionId']
