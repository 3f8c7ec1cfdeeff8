# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real local HTTP server whose answers are programmable per request: well-behaved JSON, pages that are not
the API, redirects, and misbehaviour (hang, drip a byte at a time, endless bodies, dropped connections)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A misbehaving answer never runs longer than this, so that a test of the old code ends (and fails) too.
GIVE_UP = 8.0


def reply(status, body, headers=None, content_type=None):
    """A complete answer: JSON for dict/list, text for str, bytes as they are."""
    def act(h):
        if isinstance(body, bytes):
            data, ctype = body, 'application/octet-stream'
        elif isinstance(body, str):
            data, ctype = body.encode(), 'text/html' if body.lstrip().startswith('<') else 'text/plain'
        else:
            data, ctype = json.dumps(body).encode(), 'application/json'
        h.send_response(status)
        h.send_header('Content-Type', content_type or ctype)
        h.send_header('Content-Length', str(len(data)))
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        h.end_headers()
        try:
            h.wfile.write(data)
        except OSError:  # the client stopped reading (a size cap): that is the point
            h.close_connection = True
    return act


def redirect(status, location):
    return reply(status, '', headers={'Location': location}, content_type='text/plain')


def hang(seconds=GIVE_UP, then=None):
    """No answer for ``seconds`` (then ``then``, or close)."""
    def act(h):
        time.sleep(seconds)
        if then is not None:
            then(h)
    return act


def drip(total=10000, every=0.2, status=200, content_type='application/json'):
    """Headers at once, then the body one byte every ``every`` seconds (at most GIVE_UP seconds)."""
    def act(h):
        h.send_response(status)
        h.send_header('Content-Type', content_type)
        h.send_header('Content-Length', str(total))
        h.end_headers()
        h.wfile.flush()
        end = time.monotonic() + GIVE_UP
        try:
            while time.monotonic() < end:
                h.wfile.write(b' ')
                h.wfile.flush()
                time.sleep(every)
        except OSError:
            pass
    return act


def endless(status=200, prefix=b'', chunk=b'x' * 65536, content_type='text/plain', seconds=GIVE_UP):
    """``prefix`` and then the same chunk without end (no newline), for ``seconds``; no Content-Length."""
    def act(h):
        h.send_response(status)
        h.send_header('Content-Type', content_type)
        h.send_header('Connection', 'close')
        h.end_headers()
        end = time.monotonic() + seconds
        try:
            h.wfile.write(prefix)
            while time.monotonic() < end:
                h.wfile.write(chunk)
        except OSError:
            pass
        h.close_connection = True
    return act


def sse(events=(), heartbeat=None, seconds=GIVE_UP):
    """An event stream: the (delay, event, data) items, then heartbeats (empty lines) or silence."""
    def act(h):
        h.send_response(200)
        h.send_header('Content-Type', 'text/event-stream')
        h.send_header('Connection', 'close')
        h.end_headers()
        end = time.monotonic() + seconds
        try:
            h.wfile.write(b'event: event_stream_attached\ndata: {"remoteAddress":"x"}\n\n')
            h.wfile.flush()
            for delay, event, data in events:
                time.sleep(delay)
                h.wfile.write(('event: %s\ndata: %s\n\n' % (event, json.dumps(data))).encode())
                h.wfile.flush()
            while time.monotonic() < end:
                time.sleep(heartbeat or 0.05)
                if heartbeat:
                    h.wfile.write(b'\r\n')
                    h.wfile.flush()
        except OSError:
            pass
        h.close_connection = True
    return act


def drop(h):
    """Close the connection without answering."""
    h.close_connection = True
    h.wfile.flush()
    h.connection.shutdown(2)


class HostileServer:
    """``routes`` maps (METHOD, path without query) or path to an action or a list of actions (taken in order, the
    last one repeats); a callable ``fallback`` answers everything else (default: 404 JSON message)."""

    def __init__(self, routes=None, fallback=None):
        self.routes = dict(routes or {})
        self.fallback = fallback or reply(404, {'message': 'no such path'})
        self.seen = []  # (method, path, headers, body)
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                server.seen.append((self.command, self.path, dict(self.headers), body))
                server.action(self.command, self.path.split('?', 1)[0])(self)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.url = 'http://127.0.0.1:%d' % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.02}, daemon=True).start()

    def action(self, method, path):
        found = self.routes.get((method, path), self.routes.get(path))
        if isinstance(found, list):
            return found.pop(0) if len(found) > 1 else found[0]
        return found or self.fallback

    def requests(self, method=None, prefix=''):
        return [s for s in self.seen if (method is None or s[0] == method) and s[1].startswith(prefix)]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


# Real Marathon (MarathonExceptionMapper, AppLockedException): the message is a constant, the ids come in `deployments`
LOCKED = reply(409, {'message': "App is locked by one or more deployments. Override with the option '?force=true'. "
                                "View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
                     'deployments': [{'id': 'blocker'}]})
