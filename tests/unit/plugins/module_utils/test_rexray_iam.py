# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._rexray.iam import (
    build_policy,
    canonical_policy,
    plan_attachments,
    plan_policy,
    same_policy,
    version_to_prune,
)


def actions(document):
    return sorted(a for s in document['Statement'] for a in s['Action'])


@pytest.mark.parametrize('profile, count, must_have, must_not_have', [
    ('volumes', 7, ['ec2:AttachVolume', 'ec2:DescribeInstances', 'ec2:CreateTags'], ['ec2:CreateSnapshot']),
    ('snapshots', 11, ['ec2:CreateSnapshot', 'ec2:CopySnapshot', 'ec2:DetachVolume'], ['ec2:ModifyVolumeAttribute']),
    ('rexray_documented', 18, ['ec2:DescribeAvailabilityZones', 'ec2:ModifySnapshotAttribute', 'ec2:DescribeTags'], []),
    ('dcos_cloudformation', 14, ['ec2:DescribeVolumeStatus', 'ec2:DescribeSnapshotAttribute'],
     ['ec2:DescribeAvailabilityZones', 'ec2:DescribeTags', 'ec2:ModifyVolumeAttribute']),
])
def test_profiles(profile, count, must_have, must_not_have):
    document = build_policy(profile)
    assert document['Version'] == '2012-10-17'
    assert len(document['Statement']) == 1
    got = actions(document)
    assert len(got) == len(set(got)) == count
    assert set(must_have) <= set(got)
    assert not set(must_not_have) & set(got)
    assert document['Statement'][0]['Resource'] == '*'


def test_profiles_nest():
    assert set(actions(build_policy('volumes'))) < set(actions(build_policy('snapshots'))) \
        < set(actions(build_policy('rexray_documented')))


def test_efs_and_kms_statements():
    key = 'arn:aws:kms:us-east-1:123456789012:key/abc'
    document = build_policy('volumes', efs=True, kms_key_arns=[key, key])
    sids = [s['Sid'] for s in document['Statement']]
    assert sids == ['RexrayEbs', 'RexrayEfs', 'RexrayKmsUse', 'RexrayKmsGrant']
    efs = document['Statement'][1]['Action']
    assert 'elasticfilesystem:CreateMountTarget' in efs and 'ec2:CreateNetworkInterface' in efs and len(efs) == 11
    grant = document['Statement'][3]
    assert grant['Action'] == ['kms:CreateGrant'] and grant['Resource'] == [key]
    assert grant['Condition'] == {'Bool': {'kms:GrantIsForAWSResource': 'true'}}


def test_unknown_profile():
    with pytest.raises(ValueError):
        build_policy('everything')


BASE = {'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Action': ['ec2:AttachVolume', 'ec2:DetachVolume'], 'Resource': '*'},
    {'Effect': 'Allow', 'Action': 'kms:CreateGrant', 'Resource': ['arn:k'],
     'Condition': {'Bool': {'kms:GrantIsForAWSResource': True}}},
]}


@pytest.mark.parametrize('other, same', [
    # equivalent spellings
    ({'Version': '2012-10-17', 'Statement': list(reversed(BASE['Statement']))}, True),
    ({'Version': '2012-10-17', 'Statement': [
        {'Effect': 'Allow', 'Action': ['EC2:detachvolume', 'ec2:AttachVolume'], 'Resource': ['*']},
        {'Effect': 'Allow', 'Action': ['kms:CreateGrant'], 'Resource': 'arn:k',
         'Condition': {'Bool': {'kms:GrantIsForAWSResource': 'true'}}}]}, True),
    (json.dumps(BASE), True),
    # real differences
    ({'Version': '2012-10-17', 'Statement': BASE['Statement'][:1]}, False),
    ({'Version': '2008-10-17', 'Statement': BASE['Statement']}, False),
    ({'Statement': BASE['Statement']}, False),  # IAM's default Version is 2008-10-17
    ({'Version': '2012-10-17', 'Statement': [
        {'Effect': 'Deny', 'Action': ['ec2:AttachVolume', 'ec2:DetachVolume'], 'Resource': '*'},
        BASE['Statement'][1]]}, False),
    ({'Version': '2012-10-17', 'Statement': [
        {'Effect': 'Allow', 'Action': ['ec2:AttachVolume', 'ec2:DetachVolume'], 'Resource': 'arn:vol'},
        BASE['Statement'][1]]}, False),
])
def test_canonical_comparison(other, same):
    assert same_policy(BASE, other) is same


def test_canonical_principal_star():
    a = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': '*', 'Action': 's3:Get*'}]}
    b = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': ['*']}, 'Action': ['s3:get*']}]}
    assert canonical_policy(a) == canonical_policy(b)


@pytest.mark.parametrize('current, expected', [
    (None, 'create'),
    (BASE, 'none'),
    ({'Version': '2012-10-17', 'Statement': BASE['Statement'][1:]}, 'update'),
])
def test_plan_policy(current, expected):
    assert plan_policy(current, BASE) == expected


@pytest.mark.parametrize('attached, wanted, expected', [
    ([], ['agents'], ['agents']),
    (['agents'], ['agents'], []),
    (['other'], ['agents', 'public-agents'], ['agents', 'public-agents']),
    (['agents', 'other'], [], []),
])
def test_plan_attachments(attached, wanted, expected):
    assert plan_attachments(attached, wanted) == expected


def _versions(n, default):
    return [{'VersionId': 'v%d' % i, 'IsDefaultVersion': i == default, 'CreateDate': '2026-01-%02d' % i}
            for i in range(1, n + 1)]


@pytest.mark.parametrize('versions, expected', [
    (_versions(1, 1), None),
    (_versions(4, 4), None),
    (_versions(5, 5), 'v1'),
    (_versions(5, 1), 'v2'),  # never the default version
])
def test_version_to_prune(versions, expected):
    assert version_to_prune(versions) == expected
