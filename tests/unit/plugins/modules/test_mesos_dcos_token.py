# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Mesos modules pass DC/OS Admin Router: dcos_token (or DCOS_TOKEN) is sent as ``Authorization: token=...``,
the same environment variable the Marathon modules read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

import pytest

from ansible_collections.dcos.stateful.plugins.modules import mesos_volume_info
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_main
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.recording_http import RecordingServer

ANSWERS = {'/master/slaves': (200, {'slaves': [], 'recovered_slaves': []}),
           '/v2/apps': (200, {'apps': []})}


@pytest.fixture
def server(monkeypatch):
    monkeypatch.delenv('DCOS_TOKEN', raising=False)
    monkeypatch.delenv('MARATHON_URL', raising=False)
    srv = RecordingServer(dict(ANSWERS))
    yield srv
    srv.close()


def basic(user, password):
    return 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()


@pytest.mark.parametrize('args, env, mesos_auth, marathon_auth', [
    # the option: Mesos gets the token; Marathon (not asked) nothing
    ({'dcos_token': 'tok-opt'}, None, 'token=tok-opt', None),
    # the environment variable of the Marathon modules serves Mesos and Marathon
    ({'marathon': True}, 'tok-env', 'token=tok-env', 'token=tok-env'),
    # explicit marathon_token wins over the environment for Marathon; Mesos keeps the environment's
    ({'marathon': True, 'marathon_token': 'tok-m'}, 'tok-env', 'token=tok-env', 'token=tok-m'),
    # plain Mesos basic auth still works and sends no token
    ({'principal': 'ops', 'secret': 's3cret-ops'}, None, basic('ops', 's3cret-ops'), None),
    ({'marathon': True, 'marathon_username': 'mu', 'marathon_password': 'mp-123'}, None, None, basic('mu', 'mp-123')),
    # an explicit principal wins over DCOS_TOKEN (no conflict); Marathon still takes the token
    ({'marathon': True, 'principal': 'ops', 'secret': 's3cret-ops'}, 'tok-env', basic('ops', 's3cret-ops'),
     'token=tok-env'),
    ({'marathon': True, 'marathon_username': 'mu', 'marathon_password': 'mp-123'}, 'tok-env', 'token=tok-env',
     basic('mu', 'mp-123')),
])
def test_mesos_volume_info_sends_the_dcos_token(server, monkeypatch, capsys, args, env, mesos_auth, marathon_auth):
    if env:
        monkeypatch.setenv('DCOS_TOKEN', env)
    args = dict(args)
    if args.pop('marathon', False):
        args['marathon_url'] = server.url
    code, result = run_main(mesos_volume_info, capsys, mesos_url=server.url, timeout=5, **args)
    assert code == 0, result
    assert server.authorization('/master/slaves') == [mesos_auth]
    assert server.authorization('/v2/apps') == ([marathon_auth] if 'marathon_url' in args else [])


@pytest.mark.parametrize('args, env, names', [
    ({'dcos_token': 'tok-opt', 'principal': 'ops', 'secret': 's3cret-ops'}, None, 'dcos_token|mesos_principal'),
])
def test_token_and_basic_auth_are_mutually_exclusive(server, monkeypatch, capsys, args, env, names):
    if env:
        monkeypatch.setenv('DCOS_TOKEN', env)
    code, result = run_main(mesos_volume_info, capsys, mesos_url=server.url, timeout=5, **args)
    assert code == 1 and result['failed'] is True
    assert 'mutually exclusive' in result['msg'] and names in result['msg']
    assert server.seen == []
