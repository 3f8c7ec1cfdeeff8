# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rexray_config end to end: real files in tmp_path, the module run through AnsibleModule."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat


import pytest
import yaml

from ansible_collections.dcos.stateful.plugins.modules import rexray_config
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_module


def run(capsys, check_mode=False, diff=False, **args):
    return run_module(rexray_config, capsys, check_mode=check_mode, diff=diff, **args)


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_libstorage_config_and_is_idempotent(tmp_path, capsys):
    dest = str(tmp_path / 'config.yml')
    args = dict(dest=dest, region='us-east-1', mount_preempt=True, unmount_ignore_used_count=True, volume_size=16,
                volume_type='gp2', log_level='info', extra_config={'libstorage.server.tasks.logTimeout': '5m'})
    first = run(capsys, **args)
    assert first['changed'] is True and first['format'] == 'libstorage'
    with open(dest) as handle:
        written = yaml.safe_load(handle)
    ops = written['libstorage']['integration']['volume']['operations']
    assert ops == {'mount': {'preempt': True}, 'unmount': {'ignoreusedcount': True},
                   'create': {'default': {'size': 16, 'type': 'gp2'}}}
    assert written['libstorage']['service'] == 'ebs'
    assert written['libstorage']['server'] == {'tasks': {'logTimeout': '5m'}}
    assert written['ebs'] == {'region': 'us-east-1'}
    assert written['rexray'] == {'logLevel': 'info'}
    assert mode_of(dest) == 0o644
    before = os.stat(dest).st_mtime_ns
    second = run(capsys, **args)
    assert second['changed'] is False
    assert os.stat(dest).st_mtime_ns == before  # no write on the second run


def test_03_format(tmp_path, capsys):
    dest = str(tmp_path / 'config.yml')
    result = run(capsys, dest=dest, rexray_version='0.3.3', region='eu-west-1', remove_disable=True,
                 unmount_ignore_used_count=True)
    assert result['format'] == '0.3'
    with open(dest) as handle:
        written = yaml.safe_load(handle)
    assert written == {'rexray': {'storageDrivers': ['ec2'], 'volume': {'remove': {'disable': True},
                                                                        'unmount': {'ignoreusedcount': True}}},
                       'aws': {'region': 'eu-west-1'}}


def test_credentials_file_mode_and_masking(tmp_path, capsys):
    dest = str(tmp_path / 'config.yml')
    result = run(capsys, diff=True, dest=dest, access_key='AKIAEXAMPLE', secret_key='s3cr3t-value', region='r')
    assert mode_of(dest) == 0o600
    assert result['has_credentials'] is True
    text = json.dumps(result)
    assert 's3cr3t-value' not in text and 'AKIAEXAMPLE' not in text
    assert result['config']['ebs']['secretKey'] == '********'
    with open(dest) as handle:
        assert yaml.safe_load(handle)['ebs']['secretKey'] == 's3cr3t-value'
    # change the region: the diff's before side comes from the file and must be masked too
    result = run(capsys, diff=True, dest=dest, access_key='AKIAEXAMPLE', secret_key='s3cr3t-value', region='r2')
    assert result['changed'] is True
    assert 's3cr3t-value' not in json.dumps(result['diff'])
    assert 'region: r\n' in result['diff'][0]['before'] and 'region: r2\n' in result['diff'][0]['after']


def test_credentials_in_extra_config_are_masked_too(tmp_path, capsys):
    result = run(capsys, extra_config={'ebs': {'accessKey': 'AKIAOTHER', 'secretKey': 'other-secret'}})
    assert 'other-secret' not in json.dumps(result)
    assert result['has_credentials'] is True


def test_check_mode_writes_nothing(tmp_path, capsys):
    dest = str(tmp_path / 'config.yml')
    result = run(capsys, check_mode=True, diff=True, dest=dest, region='us-east-1')
    assert result['changed'] is True
    assert not os.path.exists(dest)
    assert 'region: us-east-1' in result['diff'][0]['after']


def test_render_only(capsys):
    result = run(capsys, unmount_ignore_used_count=True, service='ebs')
    assert result['changed'] is False and 'dest' not in result
    assert result['config'] == {'libstorage': {'integration': {'volume': {'operations': {
        'unmount': {'ignoreusedcount': True}}}}, 'service': 'ebs'}}
    assert yaml.safe_load(result['content']) == result['config']


def test_mode_fix_alone_is_a_change(tmp_path, capsys):
    dest = str(tmp_path / 'config.yml')
    run(capsys, dest=dest)
    os.chmod(dest, 0o666)
    result = run(capsys, dest=dest)
    assert result['changed'] is True and mode_of(dest) == 0o644


def test_backup(tmp_path, capsys):
    dest = str(tmp_path / 'config.yml')
    run(capsys, dest=dest, region='a')
    result = run(capsys, dest=dest, region='b', backup=True)
    assert os.path.exists(result['backup_file'])
    with open(result['backup_file']) as handle:
        assert 'region: a' in handle.read()


@pytest.mark.parametrize('args, message', [
    (dict(extra_config={'libstorage': {'integration': {'volume': {'mount': {'preempt': True}}}}}),
     'use libstorage.integration.volume.operations.mount.preempt'),
    (dict(rexray_version='0.3.3', extra_config={'libstorage.service': 'ebs'}), 'use rexray.storageDrivers'),
    (dict(region='x', extra_config={'ebs.region': 'y'}), 'set twice'),
    (dict(rexray_version='latest'), 'rexray_version'),
    (dict(volume_size=0), 'volume_size must be at least 1'),
    (dict(access_key='AKIAEXAMPLE'), 'parameters are required together'),
])
def test_errors_name_the_key(tmp_path, capsys, args, message):
    dest = str(tmp_path / 'config.yml')
    result = run(capsys, dest=dest, **args)
    assert result['failed'] is True
    assert message in result['msg']
    assert not os.path.exists(dest)


def test_missing_directory(tmp_path, capsys):
    result = run(capsys, dest=str(tmp_path / 'nope' / 'config.yml'))
    assert result['failed'] is True and 'does not exist' in result['msg']
    # in check mode an earlier task (the role's directory task) would have created it
    check = run(capsys, check_mode=True, dest=str(tmp_path / 'nope' / 'config.yml'))
    assert check['changed'] is True and 'does not exist yet' in json.dumps(check['warnings'])
    assert not os.path.exists(tmp_path / 'nope')


@pytest.mark.parametrize('mode, warned', [('0644', True), ('0600', False), ('u=rw,g=r', True), ('u=rw', False)])
def test_warns_when_credentials_are_readable(tmp_path, capsys, mode, warned):
    dest = str(tmp_path / 'config.yml')
    result = run(capsys, dest=dest, mode=mode, access_key='AKIAEXAMPLE', secret_key='s3cr3t-value')
    assert ('lets other users read it' in json.dumps(result.get('warnings', []))) is warned


# The rexray.yaml of Marathon's external-volumes document, for REX-Ray 0.3.3 (DC/OS 1.8 and 1.9), as given there.
EXTERNAL_VOLUMES_DOC = {'rexray': {'loglevel': 'info', 'storageDrivers': ['ec2'],
                                   'volume': {'unmount': {'ignoreusedcount': True}}}}


def test_a_pasted_document_wins_over_options_left_unset(tmp_path, capsys):
    dest = str(tmp_path / 'config.yml')
    result = run(capsys, dest=dest, rexray_version='0.3.3', extra_config=EXTERNAL_VOLUMES_DOC)
    assert 'failed' not in result, result
    with open(dest) as handle:
        written = yaml.safe_load(handle)
    assert written['rexray']['storageDrivers'] == ['ec2']
    # another driver in the document: the unset service option does not add ec2 next to it
    result = run(capsys, rexray_version='0.3.3', extra_config={'rexray': {'storageDrivers': ['virtualbox']}})
    assert result['config'] == {'rexray': {'storageDrivers': ['virtualbox']}}
    result = run(capsys, extra_config={'libstorage': {'service': 'vfs'}})
    assert result['config'] == {'libstorage': {'service': 'vfs'}}


def test_an_option_set_to_another_value_than_extra_config_is_refused(capsys):
    result = run(capsys, rexray_version='0.3.3', service='virtualbox', extra_config=EXTERNAL_VOLUMES_DOC)
    assert result['failed'] is True
    assert 'rexray.storageDrivers is set twice, differently' in result['msg'] and "['virtualbox']" in result['msg']
    # the same value twice is no conflict
    result = run(capsys, rexray_version='0.3.3', service='ec2', extra_config=EXTERNAL_VOLUMES_DOC)
    assert 'failed' not in result


PREVIOUS_SECRET = 'previous-secret-4f2a'


@pytest.mark.parametrize('previous', [
    '{"ebs": {"accessKey": "AKIAPREVIOUS", "secretKey": "%s"}, "libstorage": {"service": "ebs"}}' % PREVIOUS_SECRET,
    'ebs: {accessKey: AKIAPREVIOUS, secretKey: %s}\nlibstorage: {service: ebs}\n' % PREVIOUS_SECRET,
    'ebs:\n  accessKey: AKIAPREVIOUS\n  secretKey: %s\nlibstorage:\n  service: ebs\n' % PREVIOUS_SECRET,
    '{ebs: {secretKey: %s}, broken' % PREVIOUS_SECRET,  # not parseable: not shown at all
], ids=['json', 'flow-yaml', 'block-yaml', 'unparseable'])
def test_diff_never_shows_a_secret_of_the_previous_file(tmp_path, capsys, previous):
    dest = tmp_path / 'config.yml'
    dest.write_text(previous)
    result = run(capsys, diff=True, check_mode=True, dest=str(dest), region='us-east-1')
    assert result['changed'] is True
    text = json.dumps(result)
    assert PREVIOUS_SECRET not in text and 'AKIAPREVIOUS' not in text
    before = result['diff'][0]['before']
    if 'broken' in previous:
        assert 'not shown' in before
    else:
        assert yaml.safe_load(before)['ebs']['secretKey'] == '********'


def test_no_secret_of_extra_config_on_an_argument_error(capsys):
    from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_main
    code, result = run_main(rexray_config, capsys, volume_size='big',
                            extra_config={'ebs': {'secretKey': 'arg-error-secret-1'},
                                          'libstorage.client.url': 'https://u:url-secret-2@ls.example'})
    assert code == 1 and 'volume_size' in result['msg']
    text = json.dumps(result)
    assert 'arg-error-secret-1' not in text and 'url-secret-2' not in text
