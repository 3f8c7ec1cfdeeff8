# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An integer option given "INF": ansible-core's int check lets an OverflowError escape its argument validation
(found by the marathon_app property test). Every module built on SecretAwareModule answers with a message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.modules import external_volume, marathon_app, mesos_volume
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_main


@pytest.mark.parametrize('module, args', [
    (marathon_app, dict(marathon_url='http://127.0.0.1:9', id='/x', instances='INF', marathon_username='u',
                        marathon_password='s3cret-pw')),
    (mesos_volume, dict(mesos_url='http://127.0.0.1:9', agent_id='a-S0', role='r', persistence_id='p',
                        container_path='data', size=1, wait_timeout='-inf')),
    (external_volume, dict(name='v', size='INF', region='us-east-1')),
])
def test_an_infinite_integer_fails_with_a_message(module, args, capsys, monkeypatch):
    for var in ('MARATHON_URL', 'MESOS_URL', 'DCOS_TOKEN'):
        monkeypatch.delenv(var, raising=False)
    code, result = run_main(module, capsys, **args)
    assert code == 1 and result['failed'] is True
    assert result['msg'].startswith('an integer option was given an infinite number'), result
    assert 's3cret-pw' not in capsys.readouterr().out + repr(result)
