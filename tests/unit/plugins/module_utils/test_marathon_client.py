# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tables for the client helpers: deployment ids, 409 locks, diagnostics text, URL paths."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError, Response
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.api import (
    app_path, deployment_id_of, describe_diagnostics, is_marathon_not_found, locking_deployments, render_details,
    unhealthy_tasks,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.app_runner import secret_values


@pytest.mark.parametrize('app_id, suffix, path', [
    ('/db/pg', '', '/v2/apps/db/pg'),
    ('pg', '/tasks', '/v2/apps/pg/tasks'),
    ('/a/./b/', '/restart', '/v2/apps/a/b/restart'),
])
def test_app_path(app_id, suffix, path):
    assert app_path(app_id, suffix) == path


@pytest.mark.parametrize('body, headers, expected', [
    ('{"version": "v", "deploymentId": "d1"}', {}, 'd1'),
    ('{"id": "/a", "deployments": [{"id": "d2"}]}', {}, 'd2'),  # POST /v2/apps answers the app
    ('', {'marathon-deployment-id': 'd3'}, 'd3'),  # 202 with an empty body, header only
    ('{"version": "v"}', {}, None),
])
def test_deployment_id_of(body, headers, expected):
    assert deployment_id_of(Response(200, headers, body)) == expected


LOCKED = {'message': "App is locked by one or more deployments. Override with the option '?force=true'. "
                     "View details at '/v2/deployments/<DEPLOYMENT_ID>'.", 'deployments': [{'id': 'd1'}, {'id': 'd2'}]}


@pytest.mark.parametrize('err, expected', [
    (ApiError('locked', status=409, body=LOCKED), ['d1', 'd2']),
    (ApiError('An app with id [/a] already exists.', status=409, body={'message': 'x'}), []),
    (ApiError('invalid', status=422, body={'message': 'x', 'deployments': [{'id': 'd1'}]}), []),
    (ApiError('down', status=None), []),
])
def test_locking_deployments(err, expected):
    assert locking_deployments(err) == expected


@pytest.mark.parametrize('diag, text', [
    ({}, 'no queue entry and no task failure reported'),
    ({'queue': {'count': 1, 'declined_reasons': [{'reason': 'InsufficientMemory', 'declined': 3, 'processed': 3}]}},
     '1 instance(s) waiting in the launch queue; offers declined for: InsufficientMemory (3 of 3 offers)'),
    ({'last_task_failure': {'state': 'TASK_FAILED', 'host': 'h1', 'message': 'Command exited with status 1'}},
     'last task failure: TASK_FAILED on h1: Command exited with status 1'),
    # running but unhealthy: the queue is empty, the health check says why the deployment waits
    ({'unhealthy_tasks': [{'task_id': 't1', 'host': 'h1', 'consecutive_failures': 4,
                           'last_failure_cause': 'Connection refused'}]},
     'failing health checks: t1 on h1 (4 consecutive failures: Connection refused)'),
    ({'unhealthy_tasks': [{'task_id': 't%d' % i, 'host': 'h', 'consecutive_failures': 1} for i in range(5)]},
     'failing health checks: t0 on h (1 consecutive failures), t1 on h (1 consecutive failures), '
     't2 on h (1 consecutive failures) and 2 more'),
])
def test_describe_diagnostics(diag, text):
    assert describe_diagnostics(diag) == text


@pytest.mark.parametrize('app, expected', [
    ({}, []),
    ({'tasks': [{'id': 't1', 'host': 'h1', 'healthCheckResults': [{'alive': True}]}]}, []),
    ({'tasks': [{'id': 't1', 'host': 'h1', 'healthCheckResults': []}]}, []),  # not checked yet
    ({'tasks': [{'id': 't1', 'host': 'h1', 'healthCheckResults': [
        {'alive': False, 'consecutiveFailures': 2, 'lastFailureCause': 'refused'}, {'alive': False}]}]},
     [{'task_id': 't1', 'host': 'h1', 'consecutive_failures': 2, 'last_failure_cause': 'refused'}]),
    ({'tasks': [None, {'id': 't2', 'healthCheckResults': [None, {'alive': False}]}]},
     [{'task_id': 't2', 'host': None, 'consecutive_failures': None, 'last_failure_cause': None}]),
])
def test_unhealthy_tasks(app, expected):
    assert unhealthy_tasks(app) == expected


@pytest.mark.parametrize('definition, values', [
    ({'env': {'DB_PASSWORD': 'p4ss-w0rd', 'USER': 'u'}}, {'p4ss-w0rd'}),
    ({'labels': {'api-token': 'tok-123456'}, 'env': {'SECRET': {'secret': 'ref'}}}, {'tok-123456'}),
    ({'env': {'KEY_COUNT': 0, 'TOKEN': ''}}, set()),  # nothing worth hiding (and hiding "0" would mangle output)
    ({'env': {'PIN_TOKEN': 1234}}, {'1234'}),
    # short or common values under keys that merely look secret would mangle cpus, ids and every "true" in the output
    ({'env': {'USE_API_KEY': '1', 'KEYCLOAK_ENABLED': 'true', 'SECRET_MODE': 'off'}, 'labels': {'monkey': 'd'}}, set()),
    ({'env': {'DB_PASSWORD': '********'}}, set()),  # the mask itself (fed back) is not a secret
])
def test_secret_values_registered_as_no_log(definition, values):
    assert secret_values(definition) == values


@pytest.mark.parametrize('err, expected', [
    (ApiError("App '/x' does not exist", status=404, body={'message': "App '/x' does not exist"}), True),
    (ApiError('', status=404, body=None), False),  # Mesos answers unknown paths with an empty 404
    (ApiError('<html>Not Found</html>', status=404, body='<html>Not Found</html>'), False),  # Admin Router page
    (ApiError('x', status=500, body={'message': 'x'}), False),
    (ApiError('refused', status=None), False),
])
def test_is_marathon_not_found(err, expected):
    assert is_marathon_not_found(err) is expected


@pytest.mark.parametrize('details, text', [
    (None, ''),
    ([], ''),
    ([{'path': '/', 'errors': ['Groups and Applications may not have the same identifier.']}],
     '/: Groups and Applications may not have the same identifier.'),
    ([{'path': '/cpus', 'errors': ['a', 'b']}, {'path': '/mem', 'errors': ['c']}], '/cpus: a; b, /mem: c'),
    ('Unexpected end-of-input at line 1', 'Unexpected end-of-input at line 1'),  # 400 Invalid JSON
    ([{'errors': 'one'}, 'odd', None], '/: one, odd'),  # shapes Marathon does not send still render
])
def test_render_details(details, text):
    assert render_details(details) == text
