# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""marathon_app's outcome against a real local fake Marathon: failed tasks of the new version are never a success
and end the wait early; a lost reply after an applied write is reported for what it may be."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


from ansible_collections.dcos.stateful.plugins.modules import marathon_app
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.hostile_http import (
    drop, hang, reply, sse,
)
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_main

V1, V2 = '2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z'


def app(instances=1, running=1, version=V1, failure=None):
    body = {'id': '/db', 'cmd': 'run', 'cpus': 0.1, 'mem': 32, 'instances': instances, 'version': version,
            'tasksRunning': running, 'tasksHealthy': 0, 'tasks': [], 'deployments': []}
    if failure:
        body['lastTaskFailure'] = failure
    return {'app': body}


def failure(version):
    return {'appId': '/db', 'host': 'agent-1', 'message': 'Command exited with status 1', 'state': 'TASK_FAILED',
            'taskId': 'db.instance-1._app.3', 'timestamp': '2024-01-02T00:00:01.000Z', 'version': version,
            'slaveId': 'a1'}


def scale(srv, capsys, **kw):
    start = time.monotonic()
    code, result = run_main(marathon_app, capsys, marathon_url=srv.url, id='/db', instances=2,
                            **dict({'wait_timeout': 8, 'timeout': 5}, **kw))
    return code, result, time.monotonic() - start


# ------------------------------------------------------------------ item 3: failed deployments

def test_a_failed_task_event_of_the_new_version_fails_at_once(marathon, capsys):
    srv = marathon({
        ('GET', '/v2/apps/db'): reply(200, app()),
        ('PUT', '/v2/apps/db'): reply(200, {'version': V2, 'deploymentId': 'd2'}),
        '/v2/events': sse(events=[(0.3, 'status_update_event', {
            'appId': '/db', 'taskId': 'db.instance-1._app.3', 'taskStatus': 'TASK_FAILED', 'version': V2,
            'host': 'agent-1', 'message': 'Command exited with status 1'})]),
        '/v2/deployments': reply(200, [{'id': 'd2'}]),
        '/v2/queue': reply(200, {'queue': []}),
    })
    code, result, elapsed = scale(srv, capsys)
    assert code == 1 and 'a task of the new version failed' in result['msg'], result
    assert 'TASK_FAILED on agent-1: Command exited with status 1' in result['msg']
    assert result['changed'] is True and result['task_failure']['version'] == V2
    assert elapsed < 4  # not wait_timeout


def test_the_last_task_failure_of_the_new_version_fails_the_wait_when_polling(marathon, capsys):
    srv = marathon({
        ('GET', '/v2/apps/db'): [reply(200, app()), reply(200, app(failure=failure(V2)))],
        ('PUT', '/v2/apps/db'): reply(200, {'version': V2, 'deploymentId': 'd2'}),
        '/v2/events': reply(404, {'message': 'no events'}),
        '/v2/deployments': reply(200, [{'id': 'd2'}]),
        '/v2/queue': reply(200, {'queue': []}),
    })
    code, result, elapsed = scale(srv, capsys)
    assert code == 1 and 'a task of the new version failed' in result['msg'], result
    assert elapsed < 4


def test_a_crash_looping_app_caught_running_is_not_a_success(marathon, capsys):
    # the deployment is over and the first look shows every task running; the task then fails again
    srv = marathon({
        ('GET', '/v2/apps/db'): [reply(200, app()), reply(200, app(instances=2, running=2)),
                                 reply(200, app(instances=2, running=1, failure=failure(V2)))],
        ('PUT', '/v2/apps/db'): reply(200, {'version': V2, 'deploymentId': 'd2'}),
        '/v2/events': sse(events=[(0.1, 'deployment_success', {'id': 'd2'})]),
        '/v2/deployments': reply(200, []),
        '/v2/queue': reply(200, {'queue': []}),
    })
    code, result, _elapsed = scale(srv, capsys)
    assert code == 1 and 'a task of the new version failed' in result['msg'], result


def test_an_old_versions_failure_does_not_fail_the_new_deployment(marathon, capsys):
    srv = marathon({
        ('GET', '/v2/apps/db'): [reply(200, app()), reply(200, app(instances=2, running=2, failure=failure(V1)))],
        ('PUT', '/v2/apps/db'): reply(200, {'version': V2, 'deploymentId': 'd2'}),
        '/v2/events': sse(events=[(0.1, 'deployment_success', {'id': 'd2'})]),
        '/v2/deployments': reply(200, []),
    })
    code, result, elapsed = scale(srv, capsys)
    assert code == 0 and result['changed'] is True, result
    assert 1.9 < elapsed < 5  # the stability window, then success


def test_stable_seconds_zero_reports_success_when_the_deployment_ends(marathon, capsys):
    # the window is an option: 0 gives back the immediate return (bench: end of deployment -> module exit)
    srv = marathon({
        ('GET', '/v2/apps/db'): [reply(200, app()), reply(200, app(instances=2, running=2))],
        ('PUT', '/v2/apps/db'): reply(200, {'version': V2, 'deploymentId': 'd2'}),
        '/v2/events': sse(events=[(0.1, 'deployment_success', {'id': 'd2'})]),
        '/v2/deployments': reply(200, []),
    })
    code, result, elapsed = scale(srv, capsys, stable_seconds=0)
    assert code == 0 and result['changed'] is True, result
    assert elapsed < 1.5


def test_a_negative_stable_seconds_is_refused(marathon, capsys):
    srv = marathon({('GET', '/v2/apps/db'): reply(200, app())})
    code, result, _elapsed = scale(srv, capsys, stable_seconds=-1)
    assert code == 1 and result['msg'] == 'stable_seconds must be 0 or more, got -1.0', result


# ------------------------------------------------------------------ item 16: the wait is bounded

def test_a_hung_deployments_list_ends_at_wait_timeout(marathon, capsys):
    srv = marathon({
        ('GET', '/v2/apps/db'): reply(200, app()),
        ('PUT', '/v2/apps/db'): reply(200, {'version': V2, 'deploymentId': 'd2'}),
        '/v2/events': reply(404, {'message': 'no events'}),
        '/v2/deployments': hang(),
        '/v2/queue': hang(),
    })
    code, result, elapsed = scale(srv, capsys, wait_timeout=2, timeout=30)
    assert code == 1 and 'did not finish within wait_timeout=2s' in result['msg'], result
    assert elapsed < 5.5  # wait_timeout + the diagnostics' 2 s, not timeout=30


# ------------------------------------------------------------------ item 17: lost replies

def test_a_retried_delete_answered_404_reached_absent(marathon, capsys):
    srv = marathon({
        ('GET', '/v2/apps/db'): reply(200, app()),
        ('DELETE', '/v2/apps/db'): [drop, reply(404, {'message': "App '/db' does not exist"})],
    })
    code, result = run_main(marathon_app, capsys, marathon_url=srv.url, id='/db', state='absent', timeout=5)
    assert code == 0, result
    assert result['changed'] is True and result['app'] is None
    assert len(srv.requests('DELETE')) == 2


def test_a_restart_whose_reply_was_lost_may_have_been_applied(marathon, capsys):
    srv = marathon({
        ('GET', '/v2/apps/db'): reply(200, app()),
        ('POST', '/v2/apps/db/restart'): drop,
    })
    code, result = run_main(marathon_app, capsys, marathon_url=srv.url, id='/db', state='restarted', timeout=5)
    assert code == 1 and 'may have been applied' in result['msg'], result
    assert result['changed'] is True and result['may_have_been_applied'] is True
    assert len(srv.requests('POST')) == 1  # a restart is never re-sent
