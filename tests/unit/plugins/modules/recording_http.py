# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A real local HTTP server that answers fixed JSON per path and records every request's headers:
what a module sends where, without a cluster."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RecordingServer:
    """``answers`` maps a path (query dropped) to (status, JSON body); unknown paths answer 404."""

    def __init__(self, answers):
        self.answers = answers
        self.seen = []  # (method, path, headers)
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _serve(self):
                length = int(self.headers.get('Content-Length') or 0)
                if length:
                    self.rfile.read(length)
                recorder.seen.append((self.command, self.path, dict(self.headers)))
                status, body = recorder.answers.get(self.path.split('?', 1)[0], (404, {'message': 'no such path'}))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header('Content-Type', 'application/json')
                self.send_header('Content-Length', str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

        self.httpd = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={'poll_interval': 0.02}, daemon=True)
        self.thread.start()

    def authorization(self, path_prefix):
        """The Authorization header (or None) of every request whose path starts with ``path_prefix``."""
        return [headers.get('Authorization') for method, path, headers in self.seen if path.startswith(path_prefix)]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
