# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every Marathon and Mesos module, pointed at a URL that answers 200 but is not the API (the DC/OS UI, an SSO
login page, another JSON service), fails with a message that says so: never a Python error, never ok."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.modules import (
    marathon_app, marathon_app_info, marathon_task_wipe, mesos_volume, mesos_volume_info,
)
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.hostile_http import HostileServer, reply
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_main

UI_PAGE = '<!DOCTYPE html><html><head><title>DC/OS</title></head><body><div id="app"></div>' + \
    '<script src="main.js"></script>' * 500 + '</body></html>'
SSO_PAGE = '<html><head><title>Log in</title></head><body><form method="post"><input name="user">' \
    '<input type="password" name="password"></form></body></html>'
OTHER_JSON = {'status': 'ok', 'service': 'billing', 'items': [1, 2]}
OTHER_LIST = [{'name': 'x'}]

FOREIGN = [
    pytest.param(UI_PAGE, 'an HTML page titled', id='dcos-ui'),
    pytest.param(SSO_PAGE, 'a login page', id='sso-login'),
    pytest.param(OTHER_JSON, 'a JSON object with the keys', id='other-json'),
    pytest.param(OTHER_LIST, 'a JSON array', id='json-list'),
]

MODULE_ARGS = [
    pytest.param(marathon_app, {'id': '/db', 'instances': 1}, 'marathon', id='marathon_app'),
    pytest.param(marathon_app, {'id': '/db', 'state': 'absent'}, 'marathon', id='marathon_app-absent'),
    pytest.param(marathon_app, {'id': '/db', 'state': 'restarted'}, 'marathon', id='marathon_app-restarted'),
    pytest.param(marathon_app, {'definition': {'id': '/db', 'cmd': 'sleep 1000', 'cpus': 0.1, 'mem': 32}},
                 'marathon', id='marathon_app-definition'),
    pytest.param(marathon_app_info, {'id': '/db'}, 'marathon', id='marathon_app_info-id'),
    pytest.param(marathon_app_info, {}, 'marathon', id='marathon_app_info-all'),
    pytest.param(marathon_task_wipe, {'app_id': '/db', 'suspended': True}, 'marathon', id='marathon_task_wipe'),
    pytest.param(mesos_volume, {'agent_id': 'a1', 'role': 'r', 'persistence_id': 'p1', 'size': 64,
                                'container_path': 'data'}, 'mesos', id='mesos_volume'),
    pytest.param(mesos_volume_info, {}, 'mesos', id='mesos_volume_info'),
]


@pytest.fixture
def foreign_server(request):
    srv = HostileServer(fallback=reply(200, request.param))
    yield srv
    srv.close()


@pytest.mark.parametrize('foreign_server, what', FOREIGN, indirect=['foreign_server'])
@pytest.mark.parametrize('module, args, kind', MODULE_ARGS)
def test_a_url_that_is_not_the_api_is_named_as_such(foreign_server, what, module, args, kind, capsys, monkeypatch):
    for var in ('DCOS_TOKEN', 'MARATHON_URL', 'MESOS_URL'):
        monkeypatch.delenv(var, raising=False)
    url = {'marathon_url' if kind == 'marathon' else 'mesos_url': foreign_server.url}
    code, result = run_main(module, capsys, timeout=5, **dict(args, **url))
    assert code == 1 and result.get('failed'), result
    assert 'exception' not in result, result.get('exception')
    hint = 'is marathon_url the Marathon API?' if kind == 'marathon' else 'is mesos_url the Mesos master?'
    assert hint in result['msg'] and what in result['msg'], result['msg']
    assert not result.get('changed'), result
    assert len(result['msg']) < 800 and 'main.js' not in result['msg']
    # nothing was written to a server that is not the API
    assert [m for m, _path, _h, _b in foreign_server.seen if m not in ('GET', 'HEAD')] == []


@pytest.mark.parametrize('foreign_server', [OTHER_JSON], indirect=True)
def test_mesos_volume_info_names_a_marathon_url_that_is_not_marathon(foreign_server, capsys, monkeypatch):
    monkeypatch.delenv('DCOS_TOKEN', raising=False)
    mesos = HostileServer({'/master/slaves': reply(200, {'slaves': [], 'recovered_slaves': []})})
    try:
        code, result = run_main(mesos_volume_info, capsys, mesos_url=mesos.url, marathon_url=foreign_server.url,
                                timeout=5)
    finally:
        mesos.close()
    assert code == 1 and 'is marathon_url the Marathon API?' in result['msg'], result


def test_task_wipe_names_a_mesos_url_that_is_not_mesos(capsys, monkeypatch):
    monkeypatch.delenv('DCOS_TOKEN', raising=False)
    task = {'id': 'db.instance-1._app.1', 'appId': '/db', 'host': 'h1', 'slaveId': 'a1', 'state': 'TASK_KILLED',
            'localVolumes': [{'containerPath': 'data', 'persistenceId': 'p1'}]}
    marathon = HostileServer({'/v2/apps/db/tasks': reply(200, {'tasks': [task]}),
                              '/v2/tasks/delete': reply(200, {'tasks': [task]})})
    ui = HostileServer(fallback=reply(200, UI_PAGE))
    try:
        code, result = run_main(marathon_task_wipe, capsys, marathon_url=marathon.url, mesos_url=ui.url,
                                app_id='/db', suspended=True, wait_timeout=20, timeout=5)
    finally:
        marathon.close()
        ui.close()
    assert code == 1 and 'is mesos_url the Mesos master?' in result['msg'], result
    assert result['changed'] is True  # the wipe itself was done; only the check in Mesos failed
    assert result['duration'] < 5  # not a wait until wait_timeout
