# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rexray_iam_policy end to end: the JSON file in tmp_path and IAM in moto's backend."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import boto3
import pytest
from moto import mock_aws

from ansible_collections.dcos.stateful.plugins.modules import rexray_iam_policy
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_module

TRUST = json.dumps({'Version': '2012-10-17', 'Statement': [
    {'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'}, 'Action': 'sts:AssumeRole'}]})


def run(capsys, check_mode=False, diff=False, **args):
    return run_module(rexray_iam_policy, capsys, check_mode=check_mode, diff=diff, **args)


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv('AWS_DEFAULT_REGION', 'us-east-1')
    monkeypatch.delenv('AWS_ACCESS_KEY_ID', raising=False)
    monkeypatch.delenv('AWS_SECRET_ACCESS_KEY', raising=False)
    with mock_aws():
        raw = boto3.client('iam', region_name='us-east-1', aws_access_key_id='testing', aws_secret_access_key='testing')
        raw.create_role(RoleName='agents', AssumeRolePolicyDocument=TRUST)
        yield raw


def test_file_only(tmp_path, capsys):
    dest = str(tmp_path / 'policy.json')
    result = run(capsys, dest=dest, profile='rexray_documented', efs=True)
    assert result['changed'] is True and result['action_count'] == 29
    with open(dest) as handle:
        assert json.load(handle) == result['policy']
    assert run(capsys, dest=dest, profile='rexray_documented', efs=True)['changed'] is False


def test_policy_in_iam(tmp_path, capsys, aws):
    creds = dict(aws_access_key='testing', aws_secret_key='testing')
    args = dict(policy_name='rexray', role_names=['agents'], **creds)
    check = run(capsys, check_mode=True, diff=True, **args)
    assert check['changed'] is True and check['policy_action'] == 'create'
    assert aws.list_policies(Scope='Local')['Policies'] == []
    first = run(capsys, **args)
    assert first['changed'] is True and first['attached_roles'] == ['agents']
    assert run(capsys, **args)['changed'] is False
    update = run(capsys, diff=True, profile='snapshots', **args)
    assert update['changed'] is True and update['policy_action'] == 'update' and update['policy_version'] == 'v2'
    assert 'ec2:CreateSnapshot' in update['diff'][0]['after'] and 'ec2:CreateSnapshot' not in update['diff'][0]['before']
    gone = run(capsys, policy_name='rexray', state='absent', **creds)
    assert gone['changed'] is True
    assert aws.list_attached_role_policies(RoleName='agents')['AttachedPolicies'] == []


@pytest.mark.parametrize('args, message', [
    (dict(kms_key_arns=['alias/mykey']), 'not a KMS key ARN'),
    (dict(policy_name='p', policy_path='dcos'), 'policy_path must begin and end with /'),
    (dict(role_names=['agents']), 'missing parameter(s) required by \'role_names\''),
    (dict(profile='all'), 'value of profile must be one of'),
    (dict(state='absent'), 'state is absent but all of the following are missing: policy_name'),
])
def test_input_errors(capsys, args, message):
    result = run(capsys, **args)
    assert result['failed'] is True and message in result['msg']


def test_missing_role_fails_cleanly(capsys, aws):
    result = run(capsys, policy_name='rexray', role_names=['nope'], aws_access_key='testing', aws_secret_key='testing')
    assert result['failed'] is True and 'role nope does not exist' in result['msg']
    assert result['error_code'] == 'NoSuchEntity'


def test_an_endpoint_port_botocore_refuses_fails_cleanly(capsys):
    # Found by the module property test: botocore checks the port only when it signs the first request and
    # raised ValueError ("Port out of range 0-65535") through the module as a traceback.
    result = run(capsys, policy_name='rexray', aws_access_key='testing', aws_secret_key='testing',
                 aws_region='us-east-1', aws_endpoint_url='http://127.0.0.1:99999')
    assert result['failed'] is True
    assert result['msg'].startswith('aws_endpoint_url') and 'Port out of range' in result['msg']
