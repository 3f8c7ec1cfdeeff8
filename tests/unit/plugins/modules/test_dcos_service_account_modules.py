# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Module runs with a DC/OS service account against a real dcos-emulator started with --dcos-service-account:
a good key logs in (options or environment), a wrong key or an unknown uid fails clearly without showing the key,
an expired token is refreshed once; the Mesos modules log in too (at dcos_url)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils import _dcos_login
from ansible_collections.dcos.stateful.plugins.modules import marathon_app_info, mesos_volume_info
from ansible_collections.dcos.stateful.tests.unit.dcos_login_emulator import TTL, UID, _pem
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_main


@pytest.fixture(autouse=True)
def fresh_cache():
    _dcos_login.clear_cache()
    yield
    _dcos_login.clear_cache()


@pytest.fixture
def logins(monkeypatch):
    """The logins the module makes (the real login runs; this only counts it)."""
    made = []
    real = _dcos_login.DcosLogin._login

    def counting(self):
        made.append(self.cluster_url)
        return real(self)

    monkeypatch.setattr(_dcos_login.DcosLogin, '_login', counting)
    return made


def shown(result):
    return json.dumps(result)


def assert_key_not_shown(result, pem):
    text = shown(result)
    for line in pem.splitlines():
        if 'PRIVATE KEY' not in line:
            assert line not in text
    assert 'eyJ' not in text  # no token (JWTs start so)


def test_without_credentials_the_emulator_refuses(emulator, capsys):
    code, result = run_main(marathon_app_info, capsys, marathon_url=emulator['marathon'], retries=0, timeout=5)
    assert code == 1 and '401' in shown(result)


@pytest.mark.parametrize('from_environment', [False, True])
def test_good_key_logs_in_once_for_the_run(emulator, keys, capsys, monkeypatch, logins, from_environment):
    pem = _pem(keys[0])
    if from_environment:
        # as AWX injects a credential: every variable set, the unused ones empty
        for name, value in [('MARATHON_URL', emulator['marathon']), ('DCOS_SERVICE_ACCOUNT', UID),
                            ('DCOS_PRIVATE_KEY', pem), ('DCOS_TOKEN', ''), ('MARATHON_USERNAME', ''),
                            ('MARATHON_PASSWORD', ''), ('DCOS_CA_PATH', ''), ('DCOS_VALIDATE_CERTS', '')]:
            monkeypatch.setenv(name, value)
        args = {}
    else:
        args = dict(marathon_url=emulator['marathon'], dcos_service_account=UID, dcos_private_key=pem)
    code, result = run_main(marathon_app_info, capsys, retries=0, timeout=5, **args)
    assert code == 0, result
    assert result['apps'] == []
    assert logins == [emulator['marathon']]
    assert_key_not_shown(result, pem)


def test_wrong_key_fails_naming_the_options_without_the_key(emulator, keys, capsys, logins):
    pem = _pem(keys[1])
    code, result = run_main(marathon_app_info, capsys, marathon_url=emulator['marathon'], dcos_service_account=UID,
                            dcos_private_key=pem, retries=0, timeout=5)
    assert code == 1 and result['failed'] is True
    assert 'ERR_INVALID_CREDENTIALS' in result['msg']
    assert 'dcos_private_key' in result['msg'] and 'dcos_service_account' in result['msg']
    assert result['status'] == 401
    assert len(logins) == 1  # a refused login is not repeated
    assert_key_not_shown(result, pem)


def test_unknown_uid_fails_naming_the_account_option(emulator, keys, capsys):
    pem = _pem(keys[0])
    code, result = run_main(marathon_app_info, capsys, marathon_url=emulator['marathon'],
                            dcos_service_account='nobody', dcos_private_key=pem, retries=0, timeout=5)
    assert code == 1 and result['status'] == 401
    assert 'check dcos_service_account' in result['msg']
    assert_key_not_shown(result, pem)


def test_expired_token_is_refreshed_once(emulator, keys, capsys, monkeypatch, logins):
    pem = _pem(keys[0])
    # a token the cluster no longer takes, still cached (clocks apart, a restarted IAM): only the 401 tells
    monkeypatch.setattr(_dcos_login, 'RENEW_BEFORE', -3600)
    first = _dcos_login.DcosLogin(emulator['marathon'], UID, pem).token
    time.sleep(TTL + 1.1)
    code, result = run_main(marathon_app_info, capsys, marathon_url=emulator['marathon'], dcos_service_account=UID,
                            dcos_private_key=pem, retries=0, timeout=5)
    assert code == 0, result
    assert len(logins) == 2  # the first login above, one refresh after the 401
    tokens = [token for token, _received in _dcos_login._TOKENS.values()]
    assert len(tokens) == 1 and tokens[0] != first


def test_mesos_modules_log_in_at_dcos_url(emulator, keys, capsys, logins):
    pem = _pem(keys[0])
    # the emulator's IAM answers on the Marathon port, as DC/OS's at the cluster root
    code, result = run_main(mesos_volume_info, capsys, mesos_url=emulator['mesos'], marathon_url=emulator['marathon'],
                            dcos_url=emulator['marathon'], dcos_service_account=UID, dcos_private_key=pem, timeout=5)
    assert code == 0, result
    assert result['requests']['mesos'] >= 1 and result['requests']['marathon'] >= 1
    assert logins == [emulator['marathon']]  # one login serves the master and Marathon
    assert_key_not_shown(result, pem)
