# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._rexray.catalogue import format_for_version
from ansible_collections.dcos.stateful.plugins.module_utils._rexray.document import (
    RexrayConfigError,
    build_document,
    classify,
    flatten,
    has_secrets,
    mask_document,
    settings_to_pairs,
    unflatten,
)

OPS = 'libstorage.integration.volume.operations'
UNSET = dict(service=None, region=None, access_key=None, secret_key=None, mount_preempt=None,
             unmount_ignore_used_count=None, remove_disable=None, volume_size=None, volume_type=None, log_level=None)


def settings(**kw):
    out = dict(UNSET)
    out.update(kw)
    return out


@pytest.mark.parametrize('version, fmt', [
    ('0.3.3', '0.3'), ('0.3.3-dcos', '0.3'), ('0.3', '0.3'), ('0.4.0', 'libstorage'), ('0.9.0', 'libstorage'),
    ('0.11.4', 'libstorage'), ('v0.11.2', 'libstorage'), ('1.0', 'libstorage'),
])
def test_format_for_version(version, fmt):
    assert format_for_version(version) == fmt


@pytest.mark.parametrize('version', ['0.2.1', '11', 'latest', ''])
def test_format_for_version_rejects(version):
    with pytest.raises(ValueError):
        format_for_version(version)


# (format, key, value, status, canonical, substring of the message)
CLASSIFY = [
    # exact keys, any case, written in the canonical spelling
    ('libstorage', OPS + '.mount.preempt', True, 'ok', OPS + '.mount.preempt', None),
    ('libstorage', 'LIBSTORAGE.Integration.Volume.Operations.Unmount.IgnoreUsedCount', True, 'ok',
     OPS + '.unmount.ignoreusedcount', None),
    ('libstorage', 'rexray.loglevel', 'info', 'ok', 'rexray.logLevel', None),
    ('libstorage', 'ebs.kmskeyid', 'arn:aws:kms:x', 'ok', 'ebs.kmsKeyID', None),
    ('0.3', 'rexray.volume.unmount.ignoreUsedCount', True, 'ok', 'rexray.volume.unmount.ignoreusedcount', None),
    ('0.3', 'aws.rexrayTag', 'prod', 'ok', 'aws.rexrayTag', None),
    # wildcards
    ('libstorage', 'rexray.modules.default-docker.disabled', True, 'ok', 'rexray.modules.default-docker.disabled', None),
    ('libstorage', 'libstorage.server.services.ebs.driver', 'ebs', 'ok', 'libstorage.server.services.ebs.driver', None),
    ('libstorage', 'scaleio.endpoint', 'https://x', 'ok', 'scaleio.endpoint', None),
    ('libstorage', 'rexray.modules.ebs-docker.libstorage.service', 'ebs', 'ok',
     'rexray.modules.ebs-docker.libstorage.service', None),
    ('0.3', 'rexray.modules.ebs-docker.libstorage.service', 'ebs', 'error', None, 'unknown REX-Ray 0.3.x key'),
    ('0.3', 'rexray.modules.default-admin.host', 'tcp://127.0.0.1:61003', 'ok', 'rexray.modules.default-admin.host', None),
    # misplaced: silently ignored by REX-Ray, so refused with the right key
    ('libstorage', 'libstorage.integration.volume.mount.preempt', True, 'error', None, 'use ' + OPS + '.mount.preempt'),
    ('libstorage', 'libstorage.integration.volume.unmount.ignoreusedcount', True, 'error', None,
     'use ' + OPS + '.unmount.ignoreusedcount'),
    ('libstorage', 'rexray.volume.unmount.ignoreusedcount', True, 'error', None, 'use ' + OPS + '.unmount.ignoreusedcount'),
    ('libstorage', OPS + '.create.size', 16, 'error', None, 'use ' + OPS + '.create.default.size'),
    ('libstorage', 'libstorage.volume.operations.remove.disable', True, 'error', None, 'use ' + OPS + '.remove.disable'),
    ('0.3', OPS + '.mount.preempt', True, 'error', None, 'use rexray.volume.mount.preempt'),
    ('0.3', 'libstorage.service', 'ebs', 'error', None, 'use rexray.storageDrivers'),
    ('0.3', 'rexray.service', 'ebs', 'error', None, 'use rexray.storageDrivers'),
    ('0.3', 'ebs.region', 'us-east-1', 'error', None, 'use aws.region'),
    ('0.3', 'volume.mount.preempt', True, 'error', None, 'use rexray.volume.mount.preempt'),
    # legacy aliases libStorage still maps: accepted with a warning naming the new key
    ('libstorage', 'aws.region', 'us-east-1', 'warn', 'aws.region', 'prefer ebs.region'),
    ('libstorage', 'docker.size', 16, 'warn', 'docker.size', 'prefer ' + OPS + '.create.default.size'),
    ('libstorage', 'volume.unmount.ignoreusedcount', True, 'warn', None, 'prefer ' + OPS + '.unmount.ignoreusedcount'),
    # unknown: did you mean
    ('libstorage', 'ebs.regoin', 'x', 'error', None, 'did you mean ebs.region?'),
    ('libstorage', OPS + '.mount.preemt', True, 'error', None, 'did you mean ' + OPS + '.mount.preempt?'),
    ('0.3', 'aws.secretkye', 'x', 'error', None, 'did you mean aws.secretKey?'),
    ('libstorage', 'completely.unrelated', 1, 'error', None, 'unchecked_keys'),
    # wrong value kinds
    ('libstorage', OPS + '.mount.preempt', 'yes', 'error', None, 'must be a bool'),
    ('libstorage', OPS + '.create.default.size', '16', 'error', None, 'must be a int'),
    ('0.3', 'rexray.storageDrivers', 'ec2', 'error', None, 'must be a list'),
]


@pytest.mark.parametrize('fmt, key, value, status, canonical, message', CLASSIFY)
def test_classify(fmt, key, value, status, canonical, message):
    got_status, got_key, got_message = classify(fmt, key, value)
    assert got_status == status
    if canonical:
        assert got_key == canonical
    if message:
        assert message in got_message
    else:
        assert got_message is None


@pytest.mark.parametrize('fmt, given, expected', [
    ('libstorage', settings(service='ebs', region='us-east-1', mount_preempt=True, volume_size=16, volume_type='gp2'),
     [('libstorage.service', 'ebs'), (OPS + '.mount.preempt', True), (OPS + '.create.default.size', 16),
      (OPS + '.create.default.type', 'gp2'), ('ebs.region', 'us-east-1')]),
    ('libstorage', settings(service='ec2', unmount_ignore_used_count=True), [
        ('libstorage.service', 'ebs'), (OPS + '.unmount.ignoreusedcount', True)]),
    ('libstorage', settings(service='efs', region='eu-west-1', access_key='A', secret_key='S'), [
        ('libstorage.service', 'efs'), ('efs.region', 'eu-west-1'), ('efs.accessKey', 'A'), ('efs.secretKey', 'S')]),
    ('0.3', settings(service='ebs', region='eu-west-1', remove_disable=True, volume_size=8, log_level='debug'), [
        ('rexray.storageDrivers', ['ec2']), ('rexray.logLevel', 'debug'), ('rexray.volume.remove.disable', True),
        ('docker.size', 8), ('aws.region', 'eu-west-1')]),
    ('0.3', settings(), []),
])
def test_settings_to_pairs(fmt, given, expected):
    assert [(k, v) for k, v, _option in settings_to_pairs(fmt, given)] == expected


@pytest.mark.parametrize('fmt, given, message', [
    ('0.3', settings(service='efs'), 'service efs is not a REX-Ray 0.3.x storage driver'),
    ('libstorage', settings(service='gce'), 'service gce is not a libStorage storage driver'),
    ('libstorage', settings(service='scaleio', region='us-east-1'), 'region applies to the AWS drivers'),
    ('0.3', settings(service='virtualbox', access_key='A', secret_key='S'), 'access_key applies to the AWS drivers'),
])
def test_settings_errors(fmt, given, message):
    with pytest.raises(RexrayConfigError) as caught:
        build_document(fmt, given)
    assert any(message in e for e in caught.value.errors), caught.value.errors


@pytest.mark.parametrize('fmt, service', [('0.3', 'ebs'), ('0.3', 'ec2'), ('0.3', 'scaleio'), ('libstorage', 'ec2'),
                                          ('libstorage', 'efs'), ('libstorage', 'rbd')])
def test_settings_accepted(fmt, service):
    build_document(fmt, settings(service=service))


def test_build_document_merges_options_and_extra_config():
    document, warnings = build_document('libstorage', settings(service='ebs', unmount_ignore_used_count=True), {
        'libstorage': {'server': {'tasks': {'logTimeout': '5m'}}},
        'rexray.modules.default-docker.disabled': False,
    })
    assert warnings == []
    assert document == {
        'rexray': {'modules': {'default-docker': {'disabled': False}}},
        'libstorage': {
            'integration': {'volume': {'operations': {'unmount': {'ignoreusedcount': True}}}},
            'server': {'tasks': {'logTimeout': '5m'}},
            'service': 'ebs',
        },
    }
    # sections in REX-Ray's order
    assert list(document) == ['rexray', 'libstorage']


def test_build_document_reports_every_problem():
    with pytest.raises(RexrayConfigError) as caught:
        build_document('libstorage', settings(region='us-east-1'), {
            'libstorage': {'integration': {'volume': {'mount': {'preempt': True}}}},
            'ebs': {'REGION': 'eu-west-1', 'regoin': 'x'},
        })
    errors = caught.value.errors
    assert len(errors) == 3
    assert any('use %s.mount.preempt' % OPS in e for e in errors)
    assert any('set twice' in e and 'option region' in e for e in errors)
    assert any('did you mean ebs.region' in e for e in errors)


def test_build_document_unchecked_keys():
    document, warnings = build_document('libstorage', settings(), {'mydriver': {'url': 'x'}, 'ebs.someNewKey': 1},
                                        unchecked_keys=['mydriver', 'ebs.somenewkey'])
    assert document == {'ebs': {'someNewKey': 1}, 'mydriver': {'url': 'x'}}
    assert warnings == []


def test_build_document_legacy_alias_warns():
    document, warnings = build_document('libstorage', settings(), {'aws': {'region': 'us-east-1'}})
    assert document == {'aws': {'region': 'us-east-1'}}
    assert warnings and 'ebs.region' in warnings[0]


def test_unflatten_detects_value_and_section_clash():
    with pytest.raises(RexrayConfigError):
        unflatten([('rexray.volume', True), ('rexray.volume.mount.preempt', True)])


def test_flatten_accepts_dotted_and_nested():
    assert sorted(flatten({'a.b': 1, 'a': {'c': {'d': [1]}}, 'e': {}})) == [('a.b', 1), ('a.c.d', [1]), ('e', {})]


def test_masking():
    document = {'ebs': {'accessKey': 'AKIA', 'secretKey': 'S', 'region': 'r'}, 'aws': {'secretKey': ''}}
    assert has_secrets(document)
    masked = mask_document(document)
    assert masked['ebs'] == {'accessKey': '********', 'secretKey': '********', 'region': 'r'}
    assert masked['aws'] == {'secretKey': ''}
    assert document['ebs']['secretKey'] == 'S'  # the original is untouched
    assert not has_secrets({'ebs': {'region': 'r'}})
