# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""Shared HTTP transport for every module of the collection (Marathon and Mesos).

Zero third-party dependencies: built on ``ansible.module_utils.urls`` (``Request``, as ``open_url`` is),
with one SSL context per client.

API
---
``HttpClient(base_url, timeout=30, validate_certs=True, ca_path=None, url_username=None,
url_password=None, token=None, retries=3, backoff=0.5, max_backoff=5.0, headers=None, sleep=time.sleep)``
    ``token`` adds the DC/OS header ``Authorization: token=<token>``; ``url_username``/``url_password``
    send HTTP basic auth pre-emptively. ``retries`` is the number of *extra* attempts a call
    gets when it opts in with ``retry=True``.

``client.request(method, path, query=None, json=None, data=None, content_type=None, retry=False,
timeout=None, expect=None)`` -> ``Response``
    ``path`` is joined to ``base_url`` (``/v2/apps/x``); ``query`` is a dict whose list values repeat
    the key (``{"embed": ["a", "b"]}``) and whose booleans render as ``true``/``false``; ``json``
    is encoded as the body; ``data`` is sent as-is (str/bytes/dict -> form encoded).
    Any status >= 400 (or outside ``expect``) raises ``ApiError``; a connection error, timeout or
    dropped connection raises ``ApiError`` with ``status=None``.
    ``retry=True`` (only for idempotent requests) retries connection errors and 500/502/503/504
    with full-jitter exponential backoff, at most ``retries`` times. 4xx (409 locked, 422 invalid)
    are never retried.

``client.get_json(path, query=None, retry=True, timeout=None)`` -> parsed JSON body (GET, retried).

``client.open_stream(path, query=None, timeout=None)`` -> raw response object of ``Request.open`` for
    streaming reads (Server-Sent Events); the caller must ``close()`` it.

``client.calls`` counts requests sent (attempts, including retries); ``client.retried`` counts retries.

``Response``: ``status`` (int), ``headers`` (dict, lower-case keys), ``body`` (parsed JSON or text or None),
``text`` (raw decoded text).

``ApiError(Exception)``: ``status`` (int or None), ``message`` (the server's ``message`` when it sent
JSON, else its text, else the reason), ``details`` (the server's ``details`` or None), ``body``
(parsed body), ``method``, ``url``, ``reason`` (``connection``, ``timeout`` or ``http``),
``to_dict()`` for ``fail_json(**err.to_dict())``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json as _json
import random
import socket
import ssl
import time

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlencode, quote
from ansible.module_utils.urls import Request, SSLValidationError, make_context

try:  # Python 3
    from http.client import HTTPException
except ImportError:  # pragma: no cover
    HTTPException = Exception

RETRYABLE_STATUS = frozenset([500, 502, 503, 504])
IDEMPOTENT_METHODS = frozenset(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'])
MAX_TEXT_MESSAGE = 500


class ApiError(Exception):
    """An HTTP failure, with what the server said."""

    def __init__(self, message, status=None, details=None, body=None, method=None, url=None, reason='http'):
        super(ApiError, self).__init__(message)
        self.message = message
        self.status = status
        self.details = details
        self.body = body
        self.method = method
        self.url = url
        self.reason = reason

    def to_dict(self):
        result = {'msg': self.describe(), 'status': self.status, 'url': self.url, 'method': self.method}
        if self.details is not None:
            result['details'] = self.details
        if isinstance(self.body, dict):
            extra = dict((k, v) for k, v in self.body.items() if k not in ('message', 'details'))
            if extra:
                result['response'] = extra
        return result

    def describe(self):
        if self.status is None:
            return '%s %s failed: %s' % (self.method, self.url, self.message)
        return '%s %s returned HTTP %s: %s' % (self.method, self.url, self.status, self.message)

    def __str__(self):
        return self.describe()


class Response:
    def __init__(self, status, headers, text):
        self.status = status
        self.headers = headers
        self.text = text
        self.body = parse_body(text)


def parse_body(text):
    if not text:
        return None
    try:
        return _json.loads(text)
    except ValueError:
        return text


def build_query(query):
    if not query:
        return ''
    pairs = []
    for key, value in query.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool):
                item = 'true' if item else 'false'
            pairs.append((key, item))
    return urlencode(pairs)


def backoff_delay(attempt, base, cap, rnd=random.random):
    """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
    return rnd() * min(cap, base * (2 ** attempt))


def is_retryable(error):
    return error.status is None or error.status in RETRYABLE_STATUS


def invalid_url(error, method, url):
    """urllib refuses a URL without scheme (``leader.mesos:5050``) or a malformed one with ValueError."""
    return ApiError('invalid URL %s (%s): expected http(s)://host[:port][/path]' % (url, to_text(error)),
                    method=method, url=url, reason='url')


def quote_path(path):
    """Quote an app/task id path for the URL while keeping its slashes."""
    return quote(path, safe='/')


class HttpClient:
    def __init__(self, base_url, timeout=30, validate_certs=True, ca_path=None, url_username=None,
                 url_password=None, token=None, retries=3, backoff=0.5, max_backoff=5.0, headers=None,
                 sleep=time.sleep):
        self.base_url = base_url.rstrip('/')
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.url_username = url_username
        self.url_password = url_password
        self.retries = max(0, int(retries or 0))
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.headers = {'Accept': 'application/json'}
        if token:
            self.headers['Authorization'] = 'token=%s' % token
        if headers:
            self.headers.update(headers)
        self.calls = 0
        self.retried = 0
        self._tls_context = None
        self._plain_context = None

    def _context(self, url):
        """One SSL context per client: building one loads the CA store (~60 ms), too slow per request."""
        if url.startswith('https://'):
            if self._tls_context is None:
                self._tls_context = make_context(cafile=self.ca_path, validate_certs=self.validate_certs)
            return self._tls_context
        if self._plain_context is None:
            # never used for plain http; a redirect to https would fail verification (no CA loaded), never pass
            self._plain_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return self._plain_context

    def url(self, path, query=None):
        url = self.base_url + (path if path.startswith('/') else '/' + path)
        qs = build_query(query)
        return url + ('?' + qs if qs else '')

    def _open(self, method, url, data, headers, timeout):
        return Request().open(
            method, url, data=data, headers=headers, timeout=timeout,
            validate_certs=self.validate_certs, ca_path=self.ca_path,
            url_username=self.url_username, url_password=self.url_password,
            force_basic_auth=bool(self.url_username), follow_redirects='safe',
            use_proxy=True, use_netrc=False, context=self._context(url))

    def _attempt(self, method, url, data, headers, timeout, expect):
        self.calls += 1
        try:
            resp = self._open(method, url, data, headers, timeout)
            try:
                raw = resp.read()
            finally:
                resp.close()
            status = resp.getcode()
            resp_headers = dict((k.lower(), v) for k, v in resp.headers.items())
        except HTTPError as e:
            try:
                raw = e.read()
            except Exception:  # the body of an error response may be unreadable (dropped connection)
                raw = b''
            status = e.code
            resp_headers = dict((k.lower(), v) for k, v in (e.headers or {}).items())
            text = to_text(raw or b'', errors='surrogate_or_replace')
            raise self._http_error(method, url, status, text, e.reason)
        except SSLValidationError as e:
            raise ApiError(to_text(e), method=method, url=url, reason='tls')
        except socket.timeout as e:
            raise ApiError('timed out after %ss (%s)' % (timeout, to_text(e) or 'no response'),
                           method=method, url=url, reason='timeout')
        except URLError as e:
            reason = getattr(e, 'reason', e)
            kind = 'timeout' if isinstance(reason, socket.timeout) else 'connection'
            raise ApiError('connection error: %s' % to_text(reason), method=method, url=url, reason=kind)
        except (HTTPException, socket.error, OSError) as e:
            raise ApiError('connection error: %s' % (to_text(e) or type(e).__name__),
                           method=method, url=url, reason='connection')
        except ValueError as e:
            raise invalid_url(e, method, url)
        text = to_text(raw or b'', errors='surrogate_or_replace')
        if expect is not None and status not in expect:
            raise self._http_error(method, url, status, text, 'unexpected status')
        return Response(status, resp_headers, text)

    @staticmethod
    def _http_error(method, url, status, text, reason):
        body = parse_body(text)
        details = None
        if isinstance(body, dict):
            message = body.get('message') or text
            details = body.get('details')
        else:
            # plain-text bodies (Mesos) are the message; HTML pages (a proxy's or Jetty's 401) are cut short
            message = (text or '').strip() or to_text(reason) or 'HTTP error'
            if len(message) > MAX_TEXT_MESSAGE:
                message = message[:MAX_TEXT_MESSAGE] + '... (%d characters)' % len(message)
        return ApiError(to_text(message), status=status, details=details, body=body,
                        method=method, url=url, reason='http')

    def request(self, method, path, query=None, json=None, data=None, content_type=None,
                retry=False, timeout=None, expect=None):
        method = method.upper()
        url = self.url(path, query)
        headers = dict(self.headers)
        payload = None
        if json is not None:
            payload = _json.dumps(json).encode('utf-8')
            headers['Content-Type'] = 'application/json'
        elif data is not None:
            if isinstance(data, dict):
                data = urlencode(data)
                content_type = content_type or 'application/x-www-form-urlencoded'
            payload = data.encode('utf-8') if not isinstance(data, bytes) else data
            if content_type:
                headers['Content-Type'] = content_type
        if timeout is None:
            timeout = self.timeout
        attempts = 1 + (self.retries if retry and method in IDEMPOTENT_METHODS else 0)
        attempt = 0
        while True:
            try:
                return self._attempt(method, url, payload, headers, timeout, expect)
            except ApiError as e:
                attempt += 1
                if attempt >= attempts or not is_retryable(e):
                    raise
                self.retried += 1
                self.sleep(backoff_delay(attempt - 1, self.backoff, self.max_backoff))

    def get_json(self, path, query=None, retry=True, timeout=None):
        return self.request('GET', path, query=query, retry=retry, timeout=timeout).body

    def open_stream(self, path, query=None, timeout=None, headers=None):
        url = self.url(path, query)
        all_headers = dict(self.headers)
        all_headers.update(headers or {})
        self.calls += 1
        try:
            return self._open('GET', url, None, all_headers, timeout or self.timeout)
        except HTTPError as e:
            text = to_text(e.read() or b'', errors='surrogate_or_replace')
            raise self._http_error('GET', url, e.code, text, e.reason)
        except (URLError, HTTPException, socket.error, OSError, SSLValidationError) as e:
            raise ApiError('connection error: %s' % to_text(getattr(e, 'reason', e)),
                           method='GET', url=url, reason='connection')
        except ValueError as e:
            raise invalid_url(e, 'GET', url)
