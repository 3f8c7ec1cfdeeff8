# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.dcos.stateful.plugins.filter.rexray_document import FilterModule, rexray_document

OPS = 'libstorage.integration.volume.operations'


def test_registered():
    assert FilterModule().filters()['rexray_document'] is rexray_document


def test_libstorage_document_keeps_credentials():
    document = rexray_document({'region': 'us-east-1', 'access_key': 'AKIA', 'secret_key': 'S',
                                'unmount_ignore_used_count': True, 'extra_config': {OPS + '.mount.preempt': True}})
    assert document == {
        'libstorage': {'integration': {'volume': {'operations': {'mount': {'preempt': True},
                                                                 'unmount': {'ignoreusedcount': True}}}},
                       'service': 'ebs'},
        'ebs': {'accessKey': 'AKIA', 'region': 'us-east-1', 'secretKey': 'S'},
    }


def test_03_document():
    assert rexray_document({'remove_disable': True}, '0.3.3') == {
        'rexray': {'storageDrivers': ['ec2'], 'volume': {'remove': {'disable': True}}}}


@pytest.mark.parametrize('settings, version, message', [
    ({'extra_config': {'libstorage.integration.volume.mount.preempt': True}}, '0.11.4',
     'use ' + OPS + '.mount.preempt'),
    ({'regoin': 'x'}, '0.11.4', 'unknown settings regoin'),
    ({'access_key': 'A'}, '0.11.4', 'go together'),
    ({}, 'latest', 'MAJOR.MINOR'),
    ('ebs', '0.11.4', 'expects a mapping'),
])
def test_errors(settings, version, message):
    with pytest.raises(AnsibleFilterError, match=message):
        rexray_document(settings, version)
