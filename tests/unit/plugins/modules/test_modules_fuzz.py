# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property: every module, fed random options and random server answers, ends in a result, never a traceback.

Each module runs in-process (its real ``main()``) against a real local HTTP server whose answers are drawn by
Hypothesis: random JSON of any shape, Marathon- and Mesos-shaped JSON with random field types, HTML pages, empty
and truncated bodies, any status. URLs include forms without scheme or port (``leader.mesos``). A failure must
come with a message; a success is fine. An exception escaping ``main()`` fails the test with its traceback.

The example count is small by default so that ``make units`` stays quick; set ``FUZZ_EXAMPLES`` (for example
``FUZZ_EXAMPLES=500``) for a longer run. Backoff sleeps between retries are skipped (the retries still happen).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.dcos.stateful.plugins.module_utils import _http
from ansible_collections.dcos.stateful.plugins.modules import (
    dcos_genconf,
    marathon_app,
    marathon_app_info,
    marathon_task_wipe,
    mesos_volume,
    mesos_volume_info,
    rexray_config,
    rexray_iam_policy,
)
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_main

# Big random answers make Hypothesis warn about the size of its own report of an example.
pytestmark = pytest.mark.filterwarnings('ignore::hypothesis.errors.HypothesisWarning')

EXAMPLES = int(os.environ.get('FUZZ_EXAMPLES') or 15)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize='FUZZ_EXAMPLES' not in os.environ,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])


class FuzzServer:
    """A real HTTP server that answers every request with the next answer of ``script`` (the last one repeats).

    An answer is (status, content type, body bytes). Every request is recorded as (method, path)."""

    def __init__(self):
        self.script = [(200, 'application/json', b'{}')]
        self.seen = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get('Content-Length') or 0)
                if length:
                    self.rfile.read(length)
                index = min(len(server.seen), len(server.script) - 1)
                server.seen.append((self.command, self.path))
                status, content_type, body = server.script[index]
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header('Location', '/redirected')
                self.send_header('Content-Type', content_type)
                self.send_header('Content-Length', str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = 'http://127.0.0.1:%d' % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.02}, daemon=True)
        self.thread.start()

    def serve(self, script):
        self.script = list(script)
        self.seen = []

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope='module')
def server():
    fuzz_server = FuzzServer()
    yield fuzz_server
    fuzz_server.close()


@pytest.fixture(autouse=True)
def no_backoff_sleep(monkeypatch):
    # Retries still run; only the waits between them are skipped so that a run of examples stays short.
    monkeypatch.setattr(_http, 'backoff_delay', lambda *args, **kwargs: 0)
    for name in ('MARATHON_URL', 'MESOS_URL', 'DCOS_TOKEN'):
        monkeypatch.delenv(name, raising=False)


# -- random values ---------------------------------------------------------------------------------------

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 70000), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=8))
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=6), inner, max_size=3)), max_leaves=10)


def maybe(strategy):
    """A field value that is usually plausible and sometimes of any JSON type."""
    return st.one_of(strategy, strategy, json_values)


UUID = '5e4c5b2a-1b2c-11ee-9a9a-0242ac110002'
TASK_STATES = ['TASK_RUNNING', 'TASK_STAGING', 'TASK_KILLED', 'TASK_UNREACHABLE', 'TASK_LOST', 'TASK_FAILED',
               'TASK_KILLING', 'TASK_GONE']
ids = st.sampled_from(['pv.instance-%s._app.1' % UUID, 'pv.%s' % UUID, 'pv.instance-x', '', 'x'])
pids = st.sampled_from(['pv#data#1', 'pv#data#%s' % UUID, '', 'x'])
local_volume = st.fixed_dictionaries({}, optional={'containerPath': maybe(st.sampled_from(['data', 'x'])),
                                                   'persistenceId': maybe(pids)})
task = st.fixed_dictionaries({}, optional={
    'id': maybe(ids), 'appId': maybe(st.just('/pv')), 'host': maybe(st.sampled_from(['h1', '127.0.1.1'])),
    'slaveId': maybe(st.sampled_from(['S0', 'S1'])), 'state': maybe(st.sampled_from(TASK_STATES)),
    'startedAt': maybe(st.just('2020-01-01T00:00:00.000Z')), 'stagedAt': maybe(st.just('2020-01-01T00:00:00.000Z')),
    'version': maybe(st.just('2020-01-01T00:00:00.000Z')), 'localVolumes': maybe(st.lists(local_volume, max_size=2)),
    'healthCheckResults': maybe(st.lists(st.fixed_dictionaries({}, optional={'alive': maybe(st.booleans())}),
                                         max_size=2)),
    'ports': maybe(st.lists(st.integers(0, 70000), max_size=2))})
volume = st.fixed_dictionaries({}, optional={
    'containerPath': maybe(st.sampled_from(['data', 'x'])), 'mode': maybe(st.just('RW')),
    'persistent': maybe(st.fixed_dictionaries({}, optional={'size': maybe(st.integers(-1, 100))})),
    'external': maybe(st.fixed_dictionaries({}, optional={
        'name': maybe(st.text(max_size=4)), 'options': json_values}))})
app = st.fixed_dictionaries({}, optional={
    'id': maybe(st.sampled_from(['/pv', '/other', 'pv'])), 'instances': maybe(st.integers(-1, 3)),
    'cmd': maybe(st.text(max_size=5)), 'tasks': maybe(st.lists(task, max_size=3)),
    'deployments': maybe(st.lists(st.fixed_dictionaries({}, optional={'id': maybe(st.text(max_size=4))}),
                                  max_size=2)),
    'container': maybe(st.fixed_dictionaries({}, optional={'type': maybe(st.just('MESOS')),
                                                           'volumes': maybe(st.lists(volume, max_size=2))})),
    'version': maybe(st.text(max_size=5)), 'tasksRunning': maybe(st.integers(0, 3)),
    'tasksHealthy': maybe(st.integers(0, 3)), 'env': maybe(st.dictionaries(st.text(max_size=4), json_values, max_size=2)),
    'residency': json_values, 'upgradeStrategy': json_values, 'lastTaskFailure': json_values,
    'labels': maybe(st.dictionaries(st.text(max_size=4), st.text(max_size=4), max_size=2))})
labels = st.fixed_dictionaries({}, optional={'labels': maybe(st.lists(st.fixed_dictionaries({}, optional={
    'key': maybe(st.sampled_from(['marathon_framework_id', 'marathon_task_id', 'k'])),
    'value': maybe(st.one_of(ids, st.just('fw')))}), max_size=2))})
reservation = st.fixed_dictionaries({}, optional={
    'type': maybe(st.just('DYNAMIC')), 'role': maybe(st.sampled_from(['slave_public', 'ops', 'a/b'])),
    'principal': maybe(st.just('p')), 'labels': maybe(labels)})
resource = st.fixed_dictionaries({}, optional={
    'name': maybe(st.sampled_from(['disk', 'cpus', 'mem', 'ports'])), 'type': maybe(st.sampled_from(['SCALAR', 'RANGES'])),
    'scalar': maybe(st.fixed_dictionaries({}, optional={'value': maybe(st.floats(0, 1e6))})),
    'role': maybe(st.sampled_from(['slave_public', 'ops', '*'])), 'reservation': maybe(reservation),
    'reservations': maybe(st.lists(reservation, max_size=2)),
    'disk': maybe(st.fixed_dictionaries({}, optional={
        'persistence': maybe(st.fixed_dictionaries({}, optional={'id': maybe(pids), 'principal': json_values})),
        'volume': maybe(st.fixed_dictionaries({}, optional={'container_path': maybe(st.just('data')),
                                                            'mode': json_values})),
        'source': json_values}))})
agent = st.fixed_dictionaries({}, optional={
    'id': maybe(st.sampled_from(['S0', 'S1'])), 'hostname': maybe(st.sampled_from(['h1', '127.0.1.1'])),
    'port': maybe(st.integers(0, 70000)), 'pid': maybe(st.text(max_size=6)), 'active': maybe(st.booleans()),
    'reserved_resources_full': maybe(st.dictionaries(st.sampled_from(['slave_public', 'ops']),
                                                     maybe(st.lists(resource, max_size=3)), max_size=2)),
    'used_resources_full': maybe(st.lists(resource, max_size=2)),
    'unreserved_resources_full': maybe(st.lists(resource, max_size=2)),
    'resources': json_values, 'reserved_resources': json_values})
plausible = st.one_of(
    st.fixed_dictionaries({'app': app}), st.fixed_dictionaries({'apps': st.lists(app, max_size=2)}),
    st.fixed_dictionaries({'tasks': st.lists(task, max_size=3)}),
    st.fixed_dictionaries({'deploymentId': maybe(st.text(max_size=5)), 'version': maybe(st.text(max_size=5))}),
    st.lists(st.fixed_dictionaries({}, optional={'id': maybe(st.text(max_size=4)), 'affectedApps': json_values}),
             max_size=2),
    st.fixed_dictionaries({'slaves': maybe(st.lists(agent, max_size=2))},
                          optional={'recovered_slaves': json_values}),
    st.fixed_dictionaries({}, optional={'message': json_values, 'details': json_values}),
    st.fixed_dictionaries({}, optional={'flags': maybe(st.fixed_dictionaries({}, optional={'work_dir': json_values})),
                                        'reserved_resources_full': json_values, 'id': json_values}),
)


def encode(value):
    return json.dumps(value).encode()


bodies = st.one_of(
    plausible.map(encode), plausible.map(encode), json_values.map(encode),
    st.sampled_from([b'', b'null', b'{"apps": [', b'{"slaves": [{"id": "S0"', b'[]', b'"text"', b'\xff\xfe',
                     b'<html><head><title>DC/OS Login</title></head><body><form>sign in</form></body></html>',
                     b'event: deployment_success\ndata: {"id": 1}\n\n']),
)
answers = st.tuples(
    st.sampled_from([200, 200, 200, 200, 201, 202, 204, 307, 400, 401, 403, 404, 409, 422, 500, 503]),
    st.sampled_from(['application/json', 'application/json', 'text/html', 'text/event-stream', 'text/plain']),
    bodies)
scripts = st.lists(answers, min_size=1, max_size=6)


def urls(server):
    """Mostly the fuzz server; sometimes a URL without scheme or port, or not a URL."""
    return st.sampled_from([server.url, server.url, server.url, server.url + '/', 'leader.mesos',
                            '127.0.0.1:%d' % server.port, 'http://', 'marathon.mesos:8080', 'ftp://127.0.0.1/',
                            'http://127.0.0.1:99999', 'http://[::1', ''])


# Tracebacks this test finds in files that another change of issue 8 reworks (item 4: recognise an answer that
# is not Marathon's; engineer H1's _http/_marathon/_mesos work): reported there, not patched here. Each entry is
# (file under plugins/, exception type, text of the message). Empty this list once that work is merged: these
# cases then fail like any other traceback.
PENDING_ELSEWHERE = []


def pending_elsewhere(error):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if '/plugins/' in f.filename]
    where = frames[-1].filename.split('/plugins/', 1)[1] if frames else None
    return any(where == path and isinstance(error, kind) and text in str(error)
               for path, kind, text in PENDING_ELSEWHERE)


def run_offline(module, capsys, args):
    """Run ``module`` with ``args`` (None: option left out): a result, and a message when it failed."""
    try:
        code, result = run_main(module, capsys, **dict((k, v) for k, v in args.items() if v is not None))
    except Exception as error:  # pylint: disable=broad-except
        if not pending_elsewhere(error):
            raise
        capsys.readouterr()
        return None
    assert 'Traceback' not in json.dumps(result), result
    if code != 0 or result.get('failed'):
        assert code == 1 and result.get('failed') is True, result
        assert isinstance(result.get('msg'), str) and result['msg'].strip(), result
    return result


def run_fuzz(module, capsys, server, script, args):
    server.serve(script)
    return run_offline(module, capsys, args)


option_values = st.one_of(json_values, st.integers(-3, 3), st.text(max_size=5))


# -- the modules -------------------------------------------------------------------------------------------

RESIDENT_CONTAINER = {'type': 'MESOS', 'volumes': [{'containerPath': 'data', 'mode': 'RW', 'persistent': {'size': 5}}]}


@FUZZ
@given(data=st.data(), script=scripts)
def test_marathon_app_fuzz(data, script, server, capsys):
    args = {'marathon_url': data.draw(urls(server)), 'timeout': 2, 'retries': data.draw(st.integers(0, 1)),
            'wait_timeout': 1, 'wait': data.draw(st.booleans()),
            'state': data.draw(st.sampled_from(['present', 'absent', 'restarted'])),
            'force': data.draw(st.booleans()), 'remove_volumes': data.draw(st.booleans())}
    if data.draw(st.booleans()):
        args['definition'] = data.draw(st.one_of(app, st.fixed_dictionaries({'id': st.just('/pv')}, optional={
            'cmd': st.just('sleep 1000'), 'instances': st.integers(0, 2),
            'container': st.just(RESIDENT_CONTAINER)})))
    else:
        args.update(id=data.draw(maybe(st.just('/pv'))), instances=data.draw(st.one_of(st.none(), st.integers(0, 2))))
    run_fuzz(marathon_app, capsys, server, script, args)


@FUZZ
@given(data=st.data(), script=scripts)
def test_marathon_app_info_fuzz(data, script, server, capsys):
    args = {'marathon_url': data.draw(urls(server)), 'timeout': 2, 'retries': data.draw(st.integers(0, 1)),
            'id': data.draw(st.one_of(st.none(), st.sampled_from(['/pv', 'pv', '/a/b']))),
            'label': data.draw(st.one_of(st.none(), st.just('tier==db')))}
    if args['id']:
        args['label'] = None
    run_fuzz(marathon_app_info, capsys, server, script, args)


@FUZZ
@given(data=st.data(), script=scripts)
def test_marathon_task_wipe_fuzz(data, script, server, capsys):
    args = {'marathon_url': data.draw(urls(server)), 'timeout': 2, 'retries': data.draw(st.integers(0, 1)),
            'app_id': data.draw(st.sampled_from(['/pv', 'pv', '/x'])),
            'task_ids': data.draw(st.one_of(st.none(), st.lists(ids, max_size=2))),
            'host': data.draw(st.one_of(st.none(), st.sampled_from(['h1', 'S0']))),
            'suspended': data.draw(st.booleans()), 'wipe_running': data.draw(st.booleans()),
            'mesos_url': data.draw(st.one_of(st.none(), urls(server))), 'wait_timeout': 1,
            'wait': data.draw(st.booleans())}
    run_fuzz(marathon_task_wipe, capsys, server, script, args)


@FUZZ
@given(data=st.data(), script=scripts)
def test_mesos_volume_fuzz(data, script, server, capsys):
    args = {'mesos_url': data.draw(urls(server)), 'timeout': 2, 'retries': data.draw(st.integers(0, 1)),
            'wait_timeout': 1, 'role': data.draw(st.sampled_from(['ops', 'a/b', '*'])),
            'persistence_id': data.draw(pids.filter(bool)),
            'state': data.draw(st.sampled_from(['present', 'absent'])),
            'container_path': data.draw(st.one_of(st.none(), st.sampled_from(['data', 'a/b', '/abs']))),
            'size': data.draw(st.one_of(st.none(), st.integers(-1, 100))),
            'keep_reservation': data.draw(st.booleans()), 'confirm_on_agent': data.draw(st.booleans()),
            'labels': data.draw(st.one_of(st.none(), st.dictionaries(st.text(max_size=3), st.text(max_size=3),
                                                                     max_size=2)))}
    if data.draw(st.booleans()):
        args['agent_id'] = data.draw(st.sampled_from(['S0', 'S1']))
    else:
        args['agent_hostname'] = data.draw(st.sampled_from(['h1', '127.0.1.1']))
    if data.draw(st.booleans()):
        args['agent_url'] = data.draw(urls(server))
    run_fuzz(mesos_volume, capsys, server, script, args)


@FUZZ
@given(data=st.data(), script=scripts)
def test_mesos_volume_info_fuzz(data, script, server, capsys):
    args = {'mesos_url': data.draw(urls(server)), 'timeout': 2,
            'marathon_url': data.draw(st.one_of(st.none(), urls(server))),
            'agent_ids': data.draw(st.one_of(st.none(), st.lists(st.sampled_from(['S0', 'S1']), max_size=2))),
            'agent_hostnames': data.draw(st.one_of(st.none(), st.lists(st.just('h1'), max_size=1))),
            'roles': data.draw(st.one_of(st.none(), st.lists(st.just('ops'), max_size=1))),
            'include_resources': data.draw(st.booleans()), 'check_pods': data.draw(st.booleans()),
            'marathon_volume_ids': data.draw(st.booleans())}
    run_fuzz(mesos_volume_info, capsys, server, script, args)


@FUZZ
@given(data=st.data())
def test_rexray_config_fuzz(data, tmp_path_factory, capsys):
    dest = str(tmp_path_factory.mktemp('rexray') / 'config.yml')
    args = {'dest': data.draw(st.sampled_from([dest, dest, None])),
            'rexray_version': data.draw(st.sampled_from(['0.11.4', '0.3.3', '0.9.0', '0.5', 'x', ''])),
            'service': data.draw(st.sampled_from(['ebs', 'efs', 'x', ''])),
            'region': data.draw(st.one_of(st.none(), st.text(max_size=5))),
            'access_key': data.draw(st.one_of(st.none(), st.text(max_size=5))),
            'secret_key': data.draw(st.one_of(st.none(), st.text(max_size=5))),
            'mount_preempt': data.draw(st.one_of(st.none(), st.booleans())),
            'volume_size': data.draw(st.one_of(st.none(), st.integers(-1, 20))),
            'log_level': data.draw(st.one_of(st.none(), st.sampled_from(['info', 'debug']))),
            'extra_config': data.draw(st.one_of(st.none(), st.dictionaries(
                st.sampled_from(['rexray.loglevel', 'libstorage.service', 'rexray', 'libstorage', 'x.y', 'ebs.region',
                                 'libstorage.integration.volume.operations.mount.preempt', '', 'a..b']),
                json_values, max_size=3))),
            'unchecked_keys': data.draw(st.one_of(st.none(), st.lists(st.text(max_size=4), max_size=2)))}
    run_offline(rexray_config, capsys, args)


@FUZZ
@given(data=st.data(), script=scripts)
def test_rexray_iam_policy_fuzz(data, script, server, capsys, tmp_path_factory, monkeypatch):
    # IAM is the fuzz server (boto3 with one attempt): random answers instead of AWS's.
    monkeypatch.setenv('AWS_MAX_ATTEMPTS', '1')
    monkeypatch.setenv('AWS_RETRY_MODE', 'standard')
    dest = str(tmp_path_factory.mktemp('iam') / 'policy.json')
    args = {'dest': data.draw(st.sampled_from([dest, None])),
            'profile': data.draw(st.sampled_from(['volumes', 'volumes', 'x'])),
            'efs': data.draw(st.booleans()),
            'kms_key_arns': data.draw(st.one_of(st.none(), st.lists(st.sampled_from(
                ['arn:aws:kms:us-east-1:1:key/a', 'x', '']), max_size=2))),
            'state': data.draw(st.sampled_from(['present', 'absent'])),
            'policy_path': data.draw(st.sampled_from(['/', '/rexray/', 'x', ''])),
            'policy_name': data.draw(st.one_of(st.none(), st.sampled_from(['rexray', '']))),
            'role_names': data.draw(st.one_of(st.none(), st.lists(st.sampled_from(['agents', '']), max_size=2))),
            'aws_endpoint_url': data.draw(urls(server)), 'aws_region': 'us-east-1',
            'aws_access_key': 'testing', 'aws_secret_key': 'testing'}
    run_fuzz(rexray_iam_policy, capsys, server, script, args)


genconf_values = st.one_of(json_values, st.sampled_from(['static', 'http://10.0.0.5:8080', 'true', ['10.0.1.10']]))


@FUZZ
@given(data=st.data())
def test_dcos_genconf_fuzz(data, tmp_path_factory, capsys):
    genconf = tmp_path_factory.mktemp('cluster') / 'genconf'
    genconf.mkdir()
    config = data.draw(st.one_of(
        st.dictionaries(st.sampled_from(['cluster_name', 'bootstrap_url', 'exhibitor_storage_backend',
                                         'master_discovery', 'master_list', 'resolvers', 'rexray_config',
                                         'rexray_config_preset', 'rexray_config_method', 'rexray_config_filename',
                                         'ip_detect_filename', 'dns_search', 'num_masters', 'oauth_enabled',
                                         'aws_secret_access_key', 'x']), genconf_values, max_size=8),
        st.fixed_dictionaries({'cluster_name': st.just('c'), 'bootstrap_url': st.just('http://10.0.0.5:8080'),
                               'exhibitor_storage_backend': st.just('static'), 'master_discovery': st.just('static'),
                               'master_list': st.just(['10.0.1.10']), 'resolvers': st.just(['10.0.0.2'])},
                              optional={'rexray_config': json_values,
                                        'rexray_config_filename': st.sampled_from(['rexray.yaml', '/nope', '']),
                                        'ip_detect_filename': st.sampled_from(['genconf/ip-detect', '', 'x'])})))
    args = {'dcos_version': data.draw(st.sampled_from(['1.8', '1.8.2', '1.10', '1.13', '2.2', 'x', ''])),
            'config': config, 'dest': data.draw(st.sampled_from([str(genconf / 'config.yaml'), None])),
            'check_files': data.draw(st.booleans()), 'enterprise': data.draw(st.booleans()),
            'extra_keys': data.draw(st.one_of(st.none(), st.lists(st.text(max_size=4), max_size=2)))}
    run_offline(dcos_genconf, capsys, args)
