# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deployment waiter against a real local HTTP server speaking SSE and /v2/deployments."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._http import HttpClient
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.api import MarathonApi
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.wait import DeploymentWaiter


class World:
    def __init__(self):
        self.running = set()
        self.events = []          # (delay, event, data) sent on each /v2/events connection
        self.events_status = 200
        self.stream_opens = 0
        self.polls = 0


def make_handler(world):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.path.startswith('/v2/events'):
                world.stream_opens += 1
                if world.events_status != 200:
                    self.send_response(world.events_status)
                    self.send_header('Content-Length', '0')
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header('Content-Type', 'text/event-stream')
                self.send_header('Connection', 'close')
                self.end_headers()
                self.wfile.write(b'event: event_stream_attached\ndata: {"remoteAddress":"x"}\n\n')
                self.wfile.flush()
                for delay, event, data in world.events:
                    time.sleep(delay)
                    self.wfile.write(('event: %s\ndata: %s\n\n' % (event, json.dumps(data))).encode())
                    self.wfile.flush()
                time.sleep(5)  # keep the stream open and idle
                return
            world.polls += 1
            body = json.dumps([{'id': i} for i in sorted(world.running)]).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)
    return Handler


@pytest.fixture
def world():
    w = World()
    httpd = ThreadingHTTPServer(('127.0.0.1', 0), make_handler(w))
    httpd.daemon_threads = True
    httpd.block_on_close = False
    threading.Thread(target=httpd.serve_forever, kwargs={'poll_interval': 0.02}, daemon=True).start()
    w.client = MarathonApi(HttpClient('http://127.0.0.1:%d' % httpd.server_address[1], timeout=5, retries=0))
    yield w
    httpd.shutdown()
    httpd.server_close()


def test_success_event_ends_the_wait_at_once(world):
    world.running = {'d1'}
    world.events = [(0.1, 'deployment_success', {'id': 'd1', 'plan': {'id': 'd1'}})]
    waiter = DeploymentWaiter(world.client, idle=2)
    stream = waiter.subscribe()
    res = waiter.wait(['d1'], time.monotonic() + 5, stream)
    assert res.ok and res.via == 'events' and res.elapsed < 1.0
    assert world.polls == 0


def test_failed_event_is_reported(world):
    world.running = {'d1'}
    world.events = [(0, 'deployment_failed', {'id': 'd1', 'reason': 'x'})]
    waiter = DeploymentWaiter(world.client, idle=2)
    res = waiter.wait(['d1'], time.monotonic() + 5, waiter.subscribe())
    assert res.failed == ['d1'] and not res.pending and res.failure_events[0]['reason'] == 'x'


def test_other_deployments_events_are_ignored(world):
    world.running = {'d1'}
    world.events = [(0, 'deployment_success', {'id': 'other'})]
    waiter = DeploymentWaiter(world.client, idle=0.3)
    res = waiter.wait(['d1'], time.monotonic() + 1, waiter.subscribe())
    assert res.pending == ['d1'] and res.timed_out
    assert res.elapsed < 2.0  # bounded


def test_missed_event_is_caught_by_the_list_after_idle(world):
    world.running = set()  # finished before we listened; no event will come
    waiter = DeploymentWaiter(world.client, idle=0.3)
    res = waiter.wait(['d1'], time.monotonic() + 5, waiter.subscribe())
    assert res.ok and world.polls >= 1 and res.elapsed < 1.5


def test_polling_fallback_when_events_are_unavailable(world):
    world.events_status = 404
    world.running = {'d1'}
    waiter = DeploymentWaiter(world.client, idle=2)
    stream = waiter.subscribe()
    assert stream is None

    def finish():
        time.sleep(0.3)
        world.running.clear()
    threading.Thread(target=finish).start()
    res = waiter.wait(['d1'], time.monotonic() + 5, stream)
    assert res.ok and res.via == 'polling' and world.polls >= 2


def test_timeout_returns_pending_without_raising(world):
    world.events_status = 404
    world.running = {'d1', 'd2'}
    waiter = DeploymentWaiter(world.client)
    start = time.monotonic()
    res = waiter.wait(['d1', 'd2'], start + 0.5, None)
    assert res.pending == ['d1', 'd2'] and 0.4 < time.monotonic() - start < 2.0
