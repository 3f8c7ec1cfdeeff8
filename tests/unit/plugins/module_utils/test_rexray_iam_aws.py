# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ensure_present / ensure_absent against moto's IAM backend (in process)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import boto3
import pytest
from moto import mock_aws

from ansible_collections.dcos.stateful.plugins.module_utils._rexray.iam import build_policy
from ansible_collections.dcos.stateful.plugins.module_utils._rexray.iam_aws import (
    IamClient,
    IamError,
    ensure_absent,
    ensure_present,
)

TRUST = json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'}, 'Action': 'sts:AssumeRole'}]})


@pytest.fixture
def iam(monkeypatch):
    for name, value in (('AWS_ACCESS_KEY_ID', 'testing'), ('AWS_SECRET_ACCESS_KEY', 'testing'),
                        ('AWS_DEFAULT_REGION', 'us-east-1')):
        monkeypatch.setenv(name, value)
    with mock_aws():
        raw = boto3.client('iam', region_name='us-east-1')
        raw.create_role(RoleName='agents', AssumeRolePolicyDocument=TRUST)
        raw.create_role(RoleName='public-agents', AssumeRolePolicyDocument=TRUST)
        yield IamClient(region='us-east-1'), raw


def attached(raw, role):
    return [p['PolicyName'] for p in raw.list_attached_role_policies(RoleName=role)['AttachedPolicies']]


def test_create_then_idempotent(iam):
    client, raw = iam
    document = build_policy('volumes')
    first = ensure_present(client, 'rexray', '/', 'd', document, ['agents'], check_mode=False)
    assert first['changed'] and first['policy_action'] == 'create'
    assert first['policy_version'] == 'v1'
    assert attached(raw, 'agents') == ['rexray']
    second = ensure_present(client, 'rexray', '/', 'd', document, ['agents'], check_mode=False)
    assert not second['changed'] and second['policy_action'] == 'none'
    assert len(raw.list_policy_versions(PolicyArn=first['policy_arn'])['Versions']) == 1


def test_update_makes_a_new_default_version_and_prunes_at_five(iam):
    client, raw = iam
    ensure_present(client, 'rexray', '/', 'd', build_policy('volumes'), [], check_mode=False)
    profiles = ['snapshots', 'rexray_documented', 'dcos_cloudformation', 'volumes', 'snapshots', 'rexray_documented']
    for profile in profiles:
        result = ensure_present(client, 'rexray', '/', 'd', build_policy(profile), [], check_mode=False)
        assert result['changed'] and result['policy_action'] == 'update'
    versions = raw.list_policy_versions(PolicyArn=result['policy_arn'])['Versions']
    assert len(versions) == 5
    default = [v for v in versions if v['IsDefaultVersion']][0]
    document = raw.get_policy_version(PolicyArn=result['policy_arn'], VersionId=default['VersionId'])
    assert len(document['PolicyVersion']['Document']['Statement'][0]['Action']) == 18


def test_check_mode_changes_nothing(iam):
    client, raw = iam
    result = ensure_present(client, 'rexray', '/', 'd', build_policy('volumes'), ['agents'], check_mode=True)
    assert result['changed'] and result['policy_action'] == 'create'
    assert raw.list_policies(Scope='Local')['Policies'] == []
    assert attached(raw, 'agents') == []


def test_attach_to_a_second_role_only(iam):
    client, raw = iam
    ensure_present(client, 'rexray', '/', 'd', build_policy('volumes'), ['agents'], check_mode=False)
    result = ensure_present(client, 'rexray', '/', 'd', build_policy('volumes'), ['agents', 'public-agents'],
                            check_mode=False)
    assert result['changed'] and result['policy_action'] == 'none'
    assert result['roles_attached_now'] == ['public-agents']
    assert attached(raw, 'public-agents') == ['rexray']


def test_missing_role_is_a_clear_error(iam):
    client, _raw = iam
    with pytest.raises(IamError, match='role nosuchrole does not exist'):
        ensure_present(client, 'rexray', '/', 'd', build_policy('volumes'), ['nosuchrole'], check_mode=False)


def test_absent_detaches_and_deletes(iam):
    client, raw = iam
    ensure_present(client, 'rexray', '/dcos/', 'd', build_policy('volumes'), ['agents'], check_mode=False)
    ensure_present(client, 'rexray', '/dcos/', 'd', build_policy('snapshots'), ['agents'], check_mode=False)
    check = ensure_absent(client, 'rexray', '/dcos/', check_mode=True)
    assert check['changed'] and attached(raw, 'agents') == ['rexray']
    result = ensure_absent(client, 'rexray', '/dcos/', check_mode=False)
    assert result['changed'] and result['detached_roles'] == ['agents']
    assert attached(raw, 'agents') == []
    assert raw.list_policies(Scope='Local')['Policies'] == []
    assert not ensure_absent(client, 'rexray', '/dcos/', check_mode=False)['changed']


def test_same_name_other_path_is_another_policy(iam):
    client, raw = iam
    ensure_present(client, 'rexray', '/a/', 'd', build_policy('volumes'), [], check_mode=False)
    result = ensure_present(client, 'rexray', '/b/', 'd', build_policy('volumes'), [], check_mode=False)
    assert result['policy_action'] == 'create'
    assert len(raw.list_policies(Scope='Local')['Policies']) == 2
