# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""dcos_genconf end to end: config.yaml written into a real genconf/ directory."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat


import pytest
import yaml

from ansible_collections.dcos.stateful.plugins.modules import dcos_genconf
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_module

CONFIG = {'cluster_name': 'prod', 'bootstrap_url': 'http://10.0.0.5:8080', 'exhibitor_storage_backend': 'static',
          'master_discovery': 'static', 'master_list': ['10.0.1.10'], 'resolvers': ['10.0.0.2'],
          'rexray_config': {'rexray': {'loglevel': 'info', 'service': 'ebs'},
                            'libstorage': {'integration': {'volume': {'operations': {'unmount': {'ignoreusedcount': True}}}}}}}


def run(capsys, check_mode=False, diff=False, **args):
    return run_module(dcos_genconf, capsys, check_mode=check_mode, diff=diff, **args)


@pytest.fixture
def genconf(tmp_path):
    directory = tmp_path / 'genconf'
    directory.mkdir()
    (directory / 'ip-detect').write_text('#!/bin/sh\necho 10.0.0.1\n')
    return directory


def test_write_read_back_idempotent(genconf, capsys):
    dest = str(genconf / 'config.yaml')
    check = run(capsys, check_mode=True, diff=True, dcos_version='1.13.9', config=CONFIG, dest=dest)
    assert check['changed'] is True and not os.path.exists(dest)
    first = run(capsys, dcos_version='1.13.9', config=CONFIG, dest=dest)
    assert first['changed'] is True and first['rexray_format'] == 'libstorage' and first['version_bucket'] == '1.13'
    with open(dest) as handle:
        assert yaml.safe_load(handle) == CONFIG
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o644
    assert run(capsys, dcos_version='1.13.9', config=CONFIG, dest=dest)['changed'] is False


def test_secrets_masked_and_file_private(genconf, capsys):
    dest = str(genconf / 'config.yaml')
    config = dict(CONFIG, exhibitor_storage_backend='aws_s3', aws_region='us-east-1', s3_bucket='b', s3_prefix='p',
                  exhibitor_explicit_keys='true', aws_access_key_id='AKIAEXAMPLE', aws_secret_access_key='very-secret',
                  rexray_config={'ebs': {'accessKey': 'AKIAREXRAY', 'secretKey': 'rexray-secret'}})
    result = run(capsys, diff=True, dcos_version='1.13.9', config=config, dest=dest)
    assert result['changed'] is True
    text = json.dumps(result)
    assert 'very-secret' not in text and 'rexray-secret' not in text
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    with open(dest) as handle:
        written = yaml.safe_load(handle)
    assert written['aws_secret_access_key'] == 'very-secret'
    assert written['rexray_config']['ebs']['secretKey'] == 'rexray-secret'
    config['s3_prefix'] = 'q'
    again = run(capsys, diff=True, dcos_version='1.13.9', config=config, dest=dest)
    assert 'very-secret' not in again['diff']['before'] and 's3_prefix: p' in again['diff']['before']


def test_rexray_file_for_old_versions(genconf, capsys):
    dest = str(genconf / 'config.yaml')
    config = dict(CONFIG, rexray_config_method='file', rexray_config_filename='genconf/rexray.yaml')
    del config['rexray_config']
    missing = run(capsys, dcos_version='1.8.0', config=config, dest=dest)
    assert missing['failed'] is True and 'rexray_config_filename' in missing['msg']
    (genconf / 'rexray.yaml').write_text('rexray: {storageDrivers: [ec2]}\n')
    result = run(capsys, dcos_version='1.8.0', config=config, dest=dest)
    assert result['changed'] is True and result['rexray_format'] == '0.3'


def test_missing_ip_detect(tmp_path, capsys):
    (tmp_path / 'genconf').mkdir()
    result = run(capsys, dcos_version='1.13.9', config=CONFIG, dest=str(tmp_path / 'genconf' / 'config.yaml'))
    assert result['failed'] is True and 'ip_detect_filename' in result['msg']
    check = run(capsys, check_mode=True, dcos_version='1.13.9', config=CONFIG,
                dest=str(tmp_path / 'genconf' / 'config.yaml'))
    assert check['changed'] is True and 'ip-detect' in json.dumps(check['warnings'])
    ok = run(capsys, dcos_version='1.13.9', config=CONFIG, dest=str(tmp_path / 'genconf' / 'config.yaml'),
             check_files=False)
    assert ok['changed'] is True


def test_refuses_keys_dcos_ignores(genconf, capsys):
    dest = str(genconf / 'config.yaml')
    config = dict(CONFIG, rexray={'rexray': {'loglevel': 'info'}})
    result = run(capsys, dcos_version='1.13.9', config=config, dest=dest)
    assert result['failed'] is True and 'did you mean rexray_config?' in result['msg']
    assert not os.path.exists(dest)


def test_credentials_inside_rexray_config_make_the_file_private(genconf, capsys):
    dest = str(genconf / 'config.yaml')
    config = dict(CONFIG, rexray_config={'ebs': {'accessKey': 'AKIAREXRAY', 'secretKey': 'rexray-secret'}})
    result = run(capsys, dcos_version='1.13.9', config=config, dest=dest)
    assert result['changed'] is True and 'rexray-secret' not in json.dumps(result)
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600


def test_rexray_file_named_relative_to_genconf_says_where_it_looked(genconf, capsys):
    """DC/OS's documents say "relative to genconf"; its installer resolves against the directory holding genconf/."""
    dest = str(genconf / 'config.yaml')
    (genconf / 'rexray.yaml').write_text('rexray: {storageDrivers: [ec2]}\n')
    config = dict(CONFIG, rexray_config_method='file', rexray_config_filename='rexray.yaml')
    del config['rexray_config']
    result = run(capsys, dcos_version='1.8.0', config=config, dest=dest)
    assert result['failed'] is True
    looked_at = os.path.join(os.path.dirname(str(genconf)), 'rexray.yaml')
    assert looked_at + ' does not exist' in result['msg']
    assert 'name it genconf/rexray.yaml' in result['msg']


def test_file_outside_genconf_is_invisible_to_the_installer(genconf, capsys):
    dest = str(genconf / 'config.yaml')
    result = run(capsys, dcos_version='1.13.9', config=dict(CONFIG, ip_detect_filename=str(genconf / 'ip-detect')),
                 dest=dest)
    assert 'the only directory the DC/OS installer sees' in json.dumps(result['warnings'])
    ok = run(capsys, dcos_version='1.13.9', config=dict(CONFIG, ip_detect_filename='/genconf/ip-detect'), dest=dest)
    assert 'failed' not in ok and not ok.get('warnings')


@pytest.mark.parametrize('bad', [
    dict(master_discovery='nope'),  # a validation error of the module
    dict(master_list=['not-an-ip']),
])
def test_validation_errors_print_no_secret(genconf, capsys, bad):
    config = dict(CONFIG, exhibitor_storage_backend='aws_s3', aws_region='us-east-1', s3_bucket='b', s3_prefix='p',
                  exhibitor_explicit_keys='true', aws_access_key_id='AKIAEXAMPLE', aws_secret_access_key='val-secret-9',
                  bootstrap_url='http://boot:url-secret-8@10.0.0.5:8080',
                  rexray_config={'ebs': {'accessKey': 'AKIAREXRAY', 'secretKey': 'rexray-secret-7'}})
    config.update(bad)
    result = run(capsys, dcos_version='1.13.9', config=config, dest=str(genconf / 'config.yaml'))
    assert result['failed'] is True
    text = json.dumps(result)
    assert 'invocation' in result
    for secret in ('val-secret-9', 'url-secret-8', 'rexray-secret-7'):
        assert secret not in text


@pytest.mark.parametrize('previous', [
    '{"cluster_name": "old", "aws_secret_access_key": "prev-secret-6"}',
    '{cluster_name: old, aws_secret_access_key: prev-secret-6, rexray_config: {ebs: {secretKey: prev-secret-6}}}\n',
], ids=['json', 'flow-yaml'])
def test_diff_masks_a_previous_file_in_any_style(genconf, capsys, previous):
    dest = genconf / 'config.yaml'
    dest.write_text(previous)
    result = run(capsys, check_mode=True, diff=True, dcos_version='1.13.9', config=CONFIG, dest=str(dest))
    assert result['changed'] is True
    assert 'prev-secret-6' not in json.dumps(result)
    assert 'cluster_name: old' in result['diff']['before']
