# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""marathon_app never prints a secret of the definition: not on early failures, not in --diff, not in the app.

The module runs in-process; its whole stdout is checked, which includes the invocation (the module arguments
Ansible shows at -vvv), warnings and the message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from ansible.module_utils import _internal as module_internal
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args
from unittest import mock

from ansible_collections.dcos.stateful.plugins.modules import marathon_app

from .recording_http import RecordingServer

SECRETS = ('pg-secret-7f3a', 'mysql-secret-9b1c', 'url-secret-c4d2', 'db-secret-e5f6')


def definition(app_id='/db'):
    return {'id': app_id, 'cmd': 'sleep 1000', 'cpus': 0.1, 'mem': 32,
            'env': {'PGPASSWORD': SECRETS[0], 'MYSQL_PWD': SECRETS[1],
                    'DATABASE_URL': 'postgres://app:%s@db.example/x' % SECRETS[2], 'DB_PASSWORD': SECRETS[3]}}


def raw_run(capsys, **args):
    """(exit code, the module's whole stdout as text)."""
    module_warnings._global_warnings.clear()
    with patch_module_args(args), mock.patch.object(module_internal, 'is_controller', False):
        with pytest.raises(SystemExit) as exit_info:
            marathon_app.main()
    return exit_info.value.code, capsys.readouterr().out


def assert_no_secret(out):
    for secret in SECRETS:
        assert secret not in out, out


@pytest.mark.parametrize('bad, expect', [
    ({'marathon_url': 'marathon.mesos:8080'}, 'marathon_url must be an http'),
    ({'timeout': 0}, 'timeout must be greater than 0'),
    ({'retries': -1}, 'retries must be 0 or more'),
    ({'id': '/other'}, 'differ'),
    ({'wait_timeout': 0}, 'wait_timeout must be greater than 0'),
    ({'wait_timeout': 'soon'}, 'wait_timeout'),  # Ansible's own argument check, before any module code runs
    ({'state': 'gone'}, 'state'),
])
def test_early_failures_print_no_secret(capsys, bad, expect):
    args = dict(marathon_url='http://127.0.0.1:9', retries=0, timeout=1, definition=definition())
    args.update(bad)
    code, out = raw_run(capsys, **args)
    assert code == 1
    result = json.loads(out)
    assert expect in result['msg']
    assert 'invocation' in result  # what -vvv shows: it must be masked too
    assert_no_secret(out)


@pytest.fixture
def marathon():
    current = dict(definition(), env={'PGPASSWORD': 'old-pg-1111', 'MYSQL_PWD': 'old-my-2222',
                                      'DATABASE_URL': 'postgres://app:old-url-3333@db.example/x',
                                      'DB_PASSWORD': 'old-db-4444'},
                   version='2024-01-01T00:00:00.000Z', tasks=[], tasksRunning=0, instances=1)
    server = RecordingServer({'/v2/apps/db': (200, {'app': current})})
    yield server
    server.close()


def test_diff_and_app_mask_common_secret_names_and_url_passwords(capsys, marathon):
    code, out = raw_run(capsys, _ansible_check_mode=True, _ansible_diff=True, marathon_url=marathon.url,
                        definition=definition())
    assert code == 0, out
    assert_no_secret(out)
    for old in ('old-pg-1111', 'old-my-2222', 'old-url-3333', 'old-db-4444'):
        assert old not in out
    result = json.loads(out)
    assert result['changed'] is True
    env = result['app']['env']
    assert env['PGPASSWORD'] == env['MYSQL_PWD'] == env['DB_PASSWORD'] == '********'
    assert env['DATABASE_URL'] == 'postgres://app:********@db.example/x'
    after = result['diff']['after']['env']
    assert after['PGPASSWORD'] == after['MYSQL_PWD'] == '******** (changed)'
    assert after['DATABASE_URL'] == 'postgres://app:********@db.example/x (changed)'
