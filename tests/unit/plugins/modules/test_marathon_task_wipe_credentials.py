# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""marathon_task_wipe sends each service only its own credentials: Marathon's basic-auth password never goes
to mesos_url; Mesos gets mesos_principal/mesos_secret, or the DC/OS token that serves both."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

import pytest

from ansible_collections.dcos.stateful.plugins.modules import marathon_task_wipe
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_main
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.recording_http import RecordingServer

TASK = {'id': 'pg.instance-1._app.1', 'appId': '/pg', 'host': 'h1', 'slaveId': 'a-S0', 'state': 'TASK_RUNNING',
        'localVolumes': [{'containerPath': 'data', 'persistenceId': 'pg#data#1'}]}
ANSWERS = {'/v2/apps/pg/tasks': (200, {'tasks': [TASK]}),
           '/v2/tasks/delete': (200, {'tasks': [TASK]}),
           '/master/slaves': (200, {'slaves': []})}
MARATHON_BASIC = {'url_username': 'marathon-admin', 'url_password': 'marathon-pw-1'}
MESOS_BASIC = {'mesos_principal': 'ops', 'mesos_secret': 'mesos-pw-2'}


@pytest.fixture
def servers(monkeypatch):
    monkeypatch.delenv('DCOS_TOKEN', raising=False)
    marathon, mesos = RecordingServer(dict(ANSWERS)), RecordingServer(dict(ANSWERS))
    yield marathon, mesos
    marathon.close()
    mesos.close()


def basic(user, password):
    return 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()


@pytest.mark.parametrize('args, env, marathon_auth, mesos_auth', [
    # Marathon's basic auth stays with Marathon; Mesos without its own credentials gets none
    (MARATHON_BASIC, None, basic('marathon-admin', 'marathon-pw-1'), None),
    # each service its own basic credentials
    (dict(MARATHON_BASIC, **MESOS_BASIC), None, basic('marathon-admin', 'marathon-pw-1'), basic('ops', 'mesos-pw-2')),
    (MESOS_BASIC, None, None, basic('ops', 'mesos-pw-2')),
    # DC/OS: one token, as option or from the environment, serves both
    ({'dcos_token': 'tok-opt'}, None, 'token=tok-opt', 'token=tok-opt'),
    ({}, 'tok-env', 'token=tok-env', 'token=tok-env'),
    # an explicit credential wins over DCOS_TOKEN for its own service; the other service still takes the token
    (MESOS_BASIC, 'tok-env', 'token=tok-env', basic('ops', 'mesos-pw-2')),
    (MARATHON_BASIC, 'tok-env', basic('marathon-admin', 'marathon-pw-1'), 'token=tok-env'),
    # the old names are aliases
    ({'principal': 'ops', 'secret': 'mesos-pw-2'}, None, None, basic('ops', 'mesos-pw-2')),
])
def test_each_service_gets_only_its_own_credentials(servers, monkeypatch, capsys, args, env, marathon_auth,
                                                    mesos_auth):
    marathon, mesos = servers
    if env:
        monkeypatch.setenv('DCOS_TOKEN', env)
    code, result = run_main(marathon_task_wipe, capsys, marathon_url=marathon.url, mesos_url=mesos.url, app_id='/pg',
                            task_ids=[TASK['id']], wipe_running=True, retries=0, timeout=5, wait_timeout=5, **args)
    assert code == 0, result
    assert result['changed'] is True and result['task_ids'] == [TASK['id']] and result['mesos_leftovers'] == []
    assert set(marathon.authorization('/v2/')) == {marathon_auth}
    assert mesos.authorization('/master/slaves') == [mesos_auth]
    assert [p for m, p, h in mesos.seen if not p.startswith('/master/slaves')] == []


@pytest.mark.parametrize('args, env, words', [
    ({'dcos_token': 'tok-opt', 'mesos_principal': 'ops', 'mesos_secret': 'mesos-pw-2'}, None,
     'mutually exclusive: dcos_token|mesos_principal'),
    ({'mesos_principal': 'ops'}, None, 'mesos_principal (MESOS_PRINCIPAL) needs mesos_secret (MESOS_SECRET) too'),
])
def test_conflicting_mesos_credentials_fail_before_any_request(servers, monkeypatch, capsys, args, env, words):
    marathon, mesos = servers
    if env:
        monkeypatch.setenv('DCOS_TOKEN', env)
    code, result = run_main(marathon_task_wipe, capsys, marathon_url=marathon.url, mesos_url=mesos.url, app_id='/pg',
                            task_ids=[TASK['id']], retries=0, timeout=5, **args)
    assert code == 1 and result['failed'] is True
    assert words in result['msg']
    assert marathon.seen == [] and mesos.seen == []
