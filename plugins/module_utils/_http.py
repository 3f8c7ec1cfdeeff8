# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""Shared HTTP transport for every module of the collection (Marathon and Mesos).

Zero third-party dependencies: built on ``ansible.module_utils.urls`` (``Request``, as ``open_url`` is),
with one SSL context per client. Why no library (requests, urllib3's Retry): a module runs on a managed node that
may have neither; what they would add here (deadlines over a whole wait, same-origin credentials on redirects,
answer-shape checks) is written on top of them in any case.

API
---
``HttpClient(base_url, timeout=30, validate_certs=True, ca_path=None, url_username=None,
url_password=None, token=None, login=None, retries=3, backoff=0.5, max_backoff=5.0, headers=None,
sleep=time.sleep, service=None, api_hint=None, auth_hint=None, error_format='json', max_body=MAX_BODY)``
    ``token`` adds the DC/OS header ``Authorization: token=<token>``; ``url_username``/``url_password``
    send HTTP basic auth pre-emptively. ``login`` (a ``_dcos_login.DcosLogin``) authorizes every request with
    the service account's token instead, and after a 401 logs in again and repeats the request once. ``retries`` is the number of *extra* attempts a call
    gets when it opts in with ``retry=True``. ``service`` names the server in messages ("Marathon"),
    ``api_hint`` is added when an answer is not that service's ("is marathon_url the Marathon API? ..."),
    ``auth_hint`` to a 401/403 ("set dcos_token ..."); ``error_format`` is how the service itself
    reports errors: ``json`` (an object with ``message``, Marathon) or ``text`` (Mesos).

``client.request(method, path, query=None, json=None, data=None, content_type=None, retry=False,
timeout=None, expect=None, deadline=None, shape=None)`` -> ``Response``
    ``path`` is joined to ``base_url`` (``/v2/apps/x``); ``query`` is a dict whose list values repeat
    the key (``{"embed": ["a", "b"]}``) and whose booleans render as ``true``/``false``; ``json``
    is encoded as the body; ``data`` is sent as-is (str/bytes/dict -> form encoded).
    Any status >= 400 (or outside ``expect``) raises ``ApiError``; a connection error, timeout or
    dropped connection raises ``ApiError`` with ``status=None``.
    ``retry=True`` (only for idempotent requests) retries connection errors and 500/502/503/504
    with full-jitter exponential backoff, at most ``retries`` times. 4xx (409 locked, 422 invalid)
    are never retried.
    ``shape`` checks the parsed body: ``dict``, ``list`` or ``{"member": type}`` (an object with these
    members); an answer of another shape (an HTML page, another JSON service) raises ``ApiError`` with
    ``reason='not_api'`` naming what came back.

``client.get_json(path, query=None, retry=True, timeout=None, deadline=None, shape=None)`` -> parsed body.

``client.open_stream(path, query=None, timeout=None, headers=None, deadline=None)`` -> ``BoundedStream``
    for incremental reads (Server-Sent Events, large JSON); the caller must ``close()`` it.

Time limits
    ``timeout`` bounds one attempt as a whole: connecting, the headers *and* reading the body (a server
    that drips a byte a second ends at ``timeout``, not never). ``deadline`` (a ``time.monotonic()``
    value) and every enclosing ``deadline_scope(deadline)`` cap it further: a wait passes what is left of
    ``wait_timeout`` this way, and no request or retry outlives it.

Size limits
    A successful body over ``max_body`` bytes is refused (``reason='too_large'``); an error body is read up
    to ``MAX_ERROR_BODY`` bytes only and its message is cut to ``MAX_TEXT_MESSAGE`` characters, so an
    error page never becomes megabytes of module output.

Redirects
    Followed (at most ``MAX_REDIRECTS``) for GET/HEAD on 301/302/303/307/308, for other methods on 307/308
    only (method and body kept: a non-leading Mesos master answers 307 to the leader). Credentials (basic
    auth, the DC/OS token, any ``Authorization`` header) are sent only to the origin (scheme, host, port)
    of ``base_url``: a redirect to another origin, ``https`` -> ``http`` on the same host included, is
    followed without them, and a 401/403 there says so.

``client.calls`` counts requests sent (attempts, including retries); ``client.retried`` counts retries.

``Response``: ``status`` (int), ``headers`` (dict, lower-case keys), ``body`` (parsed JSON or text or None),
``text`` (raw decoded text), ``url`` (the URL that answered, after redirects).

``ApiError(Exception)``: ``status`` (int or None), ``message`` (the server's ``message`` when it sent
JSON, else its text, trimmed), ``details`` (the server's ``details`` or None), ``body`` (parsed body),
``method``, ``url``, ``reason`` (``connection``, ``timeout``, ``tls``, ``http``, ``not_api``,
``too_large``, ``redirect``), ``attempts``, ``maybe_applied`` (a write whose outcome is unknown),
``to_dict()`` for ``fail_json(**err.to_dict())``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json as _json
import random
import re
import socket
import ssl
import time
from contextlib import contextmanager

from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import urlencode, quote, urljoin, urlsplit
from ansible.module_utils.urls import Request, SSLValidationError, make_context

try:  # Python 3
    from http.client import HTTPException, responses as STATUS_PHRASES
except ImportError:  # pragma: no cover
    HTTPException = Exception
    STATUS_PHRASES = {}

RETRYABLE_STATUS = frozenset([500, 502, 503, 504])
IDEMPOTENT_METHODS = frozenset(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'])
READ_METHODS = frozenset(['GET', 'HEAD'])
# A write whose reply was lost (no status) or came from a gateway/server failure may have been applied.
UNKNOWN_OUTCOME_STATUS = frozenset([500, 502, 504])
REDIRECT_STATUS = frozenset([301, 302, 303, 307, 308])
MAX_REDIRECTS = 5
MAX_TEXT_MESSAGE = 300
MAX_ERROR_BODY = 64 * 1024
MAX_BODY = 64 * 1024 * 1024
MAX_RESPONSE_EXTRA = 2000
CHUNK = 64 * 1024

_HTML_RE = re.compile(r'^\s*(<!doctype\s+html|<html|<head|<body|<\?xml|<!--)', re.IGNORECASE)
_TITLE_RE = re.compile(r'<title[^>]*>(.*?)</title>', re.IGNORECASE | re.DOTALL)
_LOGIN_RE = re.compile(r'log ?in|sign ?in|password|auth', re.IGNORECASE)

# Where each API lives, said when a URL answers with something else.
MARATHON_API_HINT = 'is marathon_url the Marathon API? On DC/OS it is https://<cluster>/service/marathon'
MESOS_API_HINT = 'is mesos_url the Mesos master? On DC/OS it is https://<cluster>/mesos, else http://<master>:5050'

# Deadlines (time.monotonic() values) of the waits we are in: every request made inside is capped by them.
_SCOPES = []


@contextmanager
def deadline_scope(deadline):
    """Cap every request made inside (connect, headers, body, retries) at ``deadline``."""
    _SCOPES.append(deadline)
    try:
        yield
    finally:
        _SCOPES.pop()


def scope_deadline(deadline=None):
    """The earliest of ``deadline`` and the enclosing scopes (None: unbounded)."""
    found = [d for d in list(_SCOPES) + [deadline] if d is not None]
    return min(found) if found else None


class ApiError(Exception):
    """An HTTP failure, with what the server said."""

    def __init__(self, message, status=None, details=None, body=None, method=None, url=None, reason='http',
                 hint=None):
        super(ApiError, self).__init__(message)
        self.message = message
        self.status = status
        self.details = details
        self.body = body
        self.method = method
        self.url = url
        self.reason = reason
        self.hint = hint
        self.attempts = 1

    @property
    def maybe_applied(self):
        """A write that may have landed although we got no usable reply."""
        if self.method in READ_METHODS or self.method is None:
            return False
        if self.status is None:
            return self.reason in ('connection', 'timeout')
        return self.status in UNKNOWN_OUTCOME_STATUS

    def to_dict(self):
        result = {'msg': self.describe(), 'status': self.status, 'url': self.url, 'method': self.method}
        if self.details is not None:
            result['details'] = self.details
        if isinstance(self.body, dict):
            extra = dict((k, v) for k, v in self.body.items() if k not in ('message', 'details'))
            if extra and len(_json.dumps(extra, default=str)) <= MAX_RESPONSE_EXTRA:
                result['response'] = extra
        if self.maybe_applied:
            result['may_have_been_applied'] = True
        return result

    def describe(self):
        if self.status is None:
            text = '%s %s failed: %s' % (self.method, self.url, self.message)
        else:
            phrase = STATUS_PHRASES.get(self.status, '')
            text = '%s %s returned HTTP %s%s: %s' % (self.method, self.url, self.status,
                                                     ' ' + phrase if phrase else '', self.message)
        if self.hint:
            text = '%s; %s' % (text.rstrip('. '), self.hint)
        if self.maybe_applied:
            text = '%s. The %s may have been applied before its reply was lost: read the current state before ' \
                   'sending it again' % (text.rstrip('. '), self.method)
        return text

    def __str__(self):
        return self.describe()


class Response:
    def __init__(self, status, headers, text, url=None):
        self.status = status
        self.headers = headers
        self.text = text
        self.url = url
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
    if error.reason in ('not_api', 'too_large', 'redirect', 'tls'):
        return False
    return error.status is None or error.status in RETRYABLE_STATUS


def invalid_url(error, method, url):
    """urllib refuses a URL without scheme (``leader.mesos:5050``) or a malformed one with ValueError."""
    return ApiError('invalid URL %s (%s): expected http(s)://host[:port][/path]' % (url, to_text(error)),
                    method=method, url=url, reason='url')


def quote_path(path):
    """Quote an app/task id path for the URL while keeping its slashes."""
    return quote(path, safe='/')


def origin_of(url):
    """(scheme, host, port) of a URL: where credentials may go. A URL urllib cannot split (``http://[::1``) has
    no origin: nothing matches it, and the request itself fails with ``invalid_url``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None, None, None
    scheme = (parts.scheme or '').lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or '').lower(), port or {'http': 80, 'https': 443}.get(scheme)


def origin_text(origin):
    return '%s://%s:%s' % origin


# ---------------------------------------------------------------- what an answer is, in a few words

def is_html(text):
    return bool(text) and bool(_HTML_RE.match(text[:200]))


def short_text(text, limit=MAX_TEXT_MESSAGE):
    """Whitespace collapsed and cut to ``limit`` characters, saying how long it was."""
    flat = ' '.join((text or '').split())
    if len(flat) > limit:
        return '%s... (%d characters)' % (flat[:limit], len(text))
    return flat


def describe_html(text):
    match = _TITLE_RE.search(text or '')
    title = short_text(re.sub(r'<[^>]+>', '', match.group(1)), 80) if match else ''
    what = "an HTML page titled '%s'" % title if title else 'an HTML page'
    if _LOGIN_RE.search(title or '') or re.search(r'type=["\']?password', text or '', re.IGNORECASE):
        what += ' (a login page: the URL or the credentials may be wrong)'
    return '%s (%d characters, not shown)' % (what, len(text))


def describe_answer(body, text):
    """What came back, in a few words, never the whole of it."""
    if not text or not text.strip():
        return 'an empty body'
    if isinstance(body, str):
        return describe_html(text) if is_html(text) else "text '%s'" % short_text(text, 120)
    if isinstance(body, dict):
        keys = sorted(str(k) for k in body)
        shown = ', '.join(keys[:8]) + (', ...' if len(keys) > 8 else '')
        return 'a JSON object with the keys %s' % shown if keys else 'an empty JSON object'
    if isinstance(body, list):
        return 'a JSON array of %d element(s)' % len(body)
    return 'the JSON value %s' % short_text(_json.dumps(body), 60)


def shape_problem(body, shape):
    """None when ``body`` has ``shape`` (dict, list or {member: type}), else what is wrong."""
    if isinstance(shape, dict):
        if not isinstance(body, dict):
            return 'not a JSON object'
        for key, kind in shape.items():
            if key not in body:
                return "no '%s'" % key
            if not isinstance(body[key], kind):
                return "'%s' is not a JSON %s" % (key, 'array' if kind is list else 'object')
        return None
    if not isinstance(body, shape):
        return 'not a JSON %s' % ('array' if shape is list else 'object')
    return None


def error_message(body, text, reason):
    """The server's own words, short: Marathon's ``message``, Mesos's text, or what the page was."""
    if isinstance(body, dict) and isinstance(body.get('message'), str):
        return short_text(body['message'])
    if isinstance(body, str):
        return describe_html(text) if is_html(text) else short_text(text)
    if body is not None:
        return short_text(_json.dumps(body))
    return 'empty body'


def _socket_of(resp):
    """The socket under an http.client response (or an HTTPError wrapping one); None when hidden."""
    fp = getattr(resp, 'fp', None)
    for _level in range(3):
        sock = getattr(getattr(fp, 'raw', None), '_sock', None)
        if sock is not None:
            return sock
        fp = getattr(fp, 'fp', None)
    return None


def _read_some(resp, size, seconds):
    """At most ``size`` bytes, blocking at most ``seconds``: read1 returns what one recv got (a plain read(n)
    waits for all n bytes however slowly they come)."""
    sock = _socket_of(resp)
    if sock is not None:
        sock.settimeout(max(0.001, seconds))
    src = getattr(resp, 'fp', None) if isinstance(resp, HTTPError) else resp
    src = src if src is not None else resp
    reader = getattr(src, 'read1', None) or src.read
    return reader(size)


class BoundedStream:
    """A response read incrementally, never past its deadline, never holding more than asked."""

    def __init__(self, resp, end, url, clock=time.monotonic, limit=None):
        self.resp = resp
        self.end = end
        self.url = url
        self.clock = clock
        self.limit = limit
        self.received = 0
        self.headers = dict((k.lower(), v) for k, v in (getattr(resp, 'headers', None) or {}).items())
        self._buf = bytearray()

    def _chunk(self, size=CHUNK, until=None):
        end = self.end if until is None or (self.end is not None and self.end < until) else until
        left = None if end is None else end - self.clock()
        if left is not None and left <= 0:
            raise socket.timeout('deadline reached')
        data = _read_some(self.resp, size, left if left is not None else 3600)
        self.received += len(data or b'')
        if self.limit is not None and self.received > self.limit:
            raise ApiError('the answer is larger than %d bytes; not read further' % self.limit,
                           method='GET', url=self.url, reason='too_large')
        return data

    def read(self, size=CHUNK):
        """Up to ``size`` bytes (b'' at the end); socket.timeout at the deadline."""
        if self._buf:
            data, self._buf = bytes(self._buf[:size]), self._buf[size:]
            return data
        return self._chunk(size)

    def readline(self, limit, until=None):
        """One line (with its newline; without at the end of data). ValueError for a line over ``limit``
        bytes, socket.timeout at ``until`` or the deadline; memory never exceeds ``limit`` + a chunk."""
        while True:
            newline = self._buf.find(b'\n')
            if newline >= 0:
                line = bytes(self._buf[:newline + 1])
                del self._buf[:newline + 1]
                return line
            if len(self._buf) > limit:
                self._buf = bytearray()
                raise ValueError('a line longer than %d bytes' % limit)
            data = self._chunk(CHUNK, until)
            if not data:
                line, self._buf = bytes(self._buf), bytearray()
                return line
            self._buf.extend(data)

    def close(self):
        try:
            self.resp.close()
        except Exception:  # closing a broken stream must not mask the real outcome
            pass


class HttpClient:
    def __init__(self, base_url, timeout=30, validate_certs=True, ca_path=None, url_username=None,
                 url_password=None, token=None, login=None, retries=3, backoff=0.5, max_backoff=5.0, headers=None,
                 sleep=time.sleep, service=None, api_hint=None, auth_hint=None, error_format='json',
                 max_body=MAX_BODY, clock=time.monotonic):
        self.base_url = base_url.rstrip('/')
        self.origin = origin_of(self.base_url)
        self.timeout = timeout
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.url_username = url_username
        self.url_password = url_password
        self.login = login
        self.retries = max(0, int(retries or 0))
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.sleep = sleep
        self.clock = clock
        self.service = service or 'the server'
        self.api_hint = api_hint
        self.auth_hint = auth_hint
        self.error_format = error_format
        self.max_body = max_body
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

    # ------------------------------------------------------------ time

    def end_of(self, timeout=None, deadline=None):
        """When one attempt must be over: ``timeout`` from now, capped by ``deadline`` and the scopes."""
        end = self.clock() + (self.timeout if timeout is None else timeout)
        cap = scope_deadline(deadline)
        return end if cap is None else min(end, cap)

    def _left(self, end, method, url, what):
        left = end - self.clock()
        if left <= 0:
            raise ApiError('timed out: %s did not end within the time allowed (timeout, or what was left of '
                           'wait_timeout)' % what, method=method, url=url, reason='timeout')
        return left

    # ------------------------------------------------------------ sending

    def _open(self, method, url, data, headers, end, with_credentials):
        return Request().open(
            method, url, data=data, headers=headers, timeout=self._left(end, method, url, 'the request'),
            validate_certs=self.validate_certs, ca_path=self.ca_path,
            url_username=self.url_username if with_credentials else None,
            url_password=self.url_password if with_credentials else None,
            force_basic_auth=bool(self.url_username) and with_credentials, follow_redirects='none',
            use_proxy=True, use_netrc=False, context=self._context(url))

    def _send(self, method, url, data, headers, end):
        """(response or HTTPError, final url, other origin redirected to or None); redirects followed here so
        that credentials go only to our own origin."""
        foreign = None
        for _hop in range(MAX_REDIRECTS + 1):
            send_headers = dict(headers)
            if foreign is not None:
                for key in list(send_headers):
                    if key.lower() == 'authorization':
                        del send_headers[key]
            try:
                return self._open(method, url, data, send_headers, end, foreign is None), url, foreign
            except HTTPError as e:
                location = (e.headers or {}).get('Location') if e.code in REDIRECT_STATUS else None
                if not location:
                    return e, url, foreign
                _close(e)
                target = urljoin(url, location.strip())
                if method not in READ_METHODS and e.code not in (307, 308):
                    raise ApiError('redirected with HTTP %s to %s; a %s is only followed through 307/308 (which keep '
                                   'the method and body)' % (e.code, target, method),
                                   status=e.code, method=method, url=url, reason='redirect')
                if not target.startswith(('http://', 'https://')):
                    raise ApiError('redirected to %s, which is not an http(s) URL' % target, status=e.code,
                                   method=method, url=url, reason='redirect')
                if origin_of(target) != self.origin:
                    foreign = origin_of(target)
                url = target
        raise ApiError('more than %d redirects' % MAX_REDIRECTS, method=method, url=url, reason='redirect')

    def _read_all(self, resp, end, limit, method, url):
        """(bytes, truncated) of the body, at most ``limit`` bytes, never past ``end``."""
        chunks, size = [], 0
        while True:
            left = self._left(end, method, url, 'reading the answer')
            data = _read_some(resp, min(CHUNK, limit + 1 - size), left)
            if not data:
                return b''.join(chunks), False
            chunks.append(data)
            size += len(data)
            if size > limit:
                return b''.join(chunks)[:limit], True

    def _attempt(self, method, url, data, headers, end, expect, shape):
        self.calls += 1
        foreign = None
        try:
            resp, final_url, foreign = self._send(method, url, data, headers, end)
            try:
                status = resp.code if isinstance(resp, HTTPError) else resp.getcode()
                failed = status >= 400 or (expect is not None and status not in expect)
                limit = MAX_ERROR_BODY if failed else self.max_body
                raw, truncated = self._read_all(resp, end, limit, method, url)
                resp_headers = dict((k.lower(), v) for k, v in (resp.headers or {}).items())
            finally:
                _close(resp)
        except ApiError:
            raise
        except SSLValidationError as e:
            raise ApiError(short_text(to_text(e)), method=method, url=url, reason='tls')
        except socket.timeout as e:
            raise ApiError('timed out (%s); the time allowed was timeout, or what was left of wait_timeout'
                           % (to_text(e) or 'no response'), method=method, url=url, reason='timeout')
        except URLError as e:
            reason = getattr(e, 'reason', e)
            if isinstance(reason, socket.timeout):
                raise ApiError('timed out (%s)' % to_text(reason), method=method, url=url, reason='timeout')
            raise ApiError('connection error: %s' % to_text(reason), method=method, url=url, reason='connection')
        except (HTTPException, socket.error, OSError) as e:
            raise ApiError('connection error: %s' % (to_text(e) or type(e).__name__),
                           method=method, url=url, reason='connection')
        except ValueError as e:
            raise invalid_url(e, method, url)
        text = to_text(raw or b'', errors='surrogate_or_replace')
        if failed:
            raise self._http_error(method, url, status, text, 'HTTP error', foreign)
        if truncated:
            raise ApiError('the answer is larger than %d bytes; not read further' % limit, status=status,
                           method=method, url=url, reason='too_large')
        response = Response(status, resp_headers, text, final_url)
        if shape is not None:
            self.check_shape(response, shape, method, url)
        return response

    def check_shape(self, response, shape, method, url):
        """Raise ``not_api`` when the body is not of ``shape``: the URL answers, but it is not our service."""
        problem = shape_problem(response.body, shape)
        if problem is None:
            return
        via = ' (after a redirect to %s)' % response.url if response.url and response.url != url else ''
        raise ApiError('answered HTTP %s%s with %s (%s), which is not an answer of %s' % (
            response.status, via, describe_answer(response.body, response.text), problem, self.service),
            status=None, body=None, method=method, url=url, reason='not_api', hint=self.api_hint)

    def _http_error(self, method, url, status, text, reason, foreign=None):
        body = parse_body(text)
        details = body.get('details') if isinstance(body, dict) else None
        message = error_message(body, text, reason)
        return ApiError(to_text(message), status=status, details=details, body=body, method=method, url=url,
                        reason='http', hint=self._error_hint(status, body, text, foreign))

    def _error_hint(self, status, body, text, foreign):
        if status in (401, 403):
            parts = ['credentials missing or rejected' if status == 401 else
                     'the credentials lack the permission for this']
            if foreign is not None:
                parts.append('the request was redirected to %s, another origin than %s, and credentials are only sent '
                             'to the origin of the URL given: point the URL at %s' % (
                                 origin_text(foreign), origin_text(self.origin), origin_text(foreign)))
            else:
                parts.append(self.auth_hint or 'check the credentials given')
            return '; '.join(parts)
        if is_html(text):
            return self.api_hint
        if status in (404, 405):
            # Marathon's own 404 ("App '/x' does not exist") is JSON with a message; Mesos answers a right URL
            # with 404/405 only for a wrong path: both mean the URL is not the API we want
            own = self.error_format == 'json' and isinstance(body, dict) and isinstance(body.get('message'), str)
            return None if own else self.api_hint
        return None

    def request(self, method, path, query=None, json=None, data=None, content_type=None,
                retry=False, timeout=None, expect=None, deadline=None, shape=None):
        method = method.upper()
        url = self.url(path, query)
        extra = {}
        payload = None
        if json is not None:
            payload = _json.dumps(json).encode('utf-8')
            extra['Content-Type'] = 'application/json'
        elif data is not None:
            if isinstance(data, dict):
                data = urlencode(data)
                content_type = content_type or 'application/x-www-form-urlencoded'
            payload = data.encode('utf-8') if not isinstance(data, bytes) else data
            if content_type:
                extra['Content-Type'] = content_type
        return self._authorized(lambda: self._retrying(
            method, retry, deadline,
            lambda: self._attempt(method, url, payload, dict(self.headers, **extra), self.end_of(timeout, deadline),
                                  expect, shape)))

    def _authorized(self, call):
        """``call()``, with the service account's token when the client has a ``login``: a 401 (the cluster no
        longer takes the cached token) logs in again and repeats ``call()`` once. Safe for writes too: a request
        refused with 401 was not applied. The headers are read inside ``call()``, so the new token is sent."""
        if self.login is None:
            return call()
        return self.login.with_refresh(self, call)

    def _retrying(self, method, retry, deadline, attempt_once):
        """The one retry policy: ``attempt_once()`` again after a retryable failure (connection error, timeout,
        500/502/503/504), at most ``retries`` times, for idempotent methods that opt in with ``retry``, with
        full-jitter backoff, never past ``deadline`` or the enclosing scopes."""
        attempts = 1 + (self.retries if retry and method in IDEMPOTENT_METHODS else 0)
        attempt = 0
        while True:
            try:
                return attempt_once()
            except ApiError as e:
                attempt += 1
                e.attempts = attempt
                if attempt >= attempts or not is_retryable(e):
                    raise
                delay = backoff_delay(attempt - 1, self.backoff, self.max_backoff)
                cap = scope_deadline(deadline)
                if cap is not None and self.clock() + delay >= cap:
                    raise  # no time left for another attempt: the last failure is the answer
                self.retried += 1
                self.sleep(delay)

    def get_json(self, path, query=None, retry=True, timeout=None, deadline=None, shape=None):
        return self.request('GET', path, query=query, retry=retry, timeout=timeout, deadline=deadline,
                            shape=shape).body

    def open_stream(self, path, query=None, timeout=None, headers=None, deadline=None, limit=None, retry=False):
        """Open a GET for incremental reading. Opening is bounded like a request, and with ``retry`` retried like
        one (nothing has been read yet); reading ends at ``deadline`` (and the scopes) when given, else ``timeout``
        after opening."""
        return self._authorized(lambda: self._retrying(
            'GET', retry, deadline, lambda: self._open_stream(path, query, timeout, headers, deadline, limit)))

    def _open_stream(self, path, query, timeout, headers, deadline, limit):
        url = self.url(path, query)
        all_headers = dict(self.headers)
        all_headers.update(headers or {})
        self.calls += 1
        end = self.end_of(timeout, deadline)
        foreign = None
        try:
            resp, final_url, foreign = self._send('GET', url, None, all_headers, end)
            if isinstance(resp, HTTPError):
                try:
                    raw, _truncated = self._read_all(resp, end, MAX_ERROR_BODY, 'GET', url)
                finally:
                    _close(resp)
                text = to_text(raw or b'', errors='surrogate_or_replace')
                raise self._http_error('GET', url, resp.code, text, resp.reason, foreign)
        except ApiError:
            raise
        except socket.timeout as e:
            raise ApiError('timed out (%s)' % (to_text(e) or 'no response'), method='GET', url=url, reason='timeout')
        except (URLError, HTTPException, socket.error, OSError, SSLValidationError) as e:
            raise ApiError('connection error: %s' % to_text(getattr(e, 'reason', e)),
                           method='GET', url=url, reason='connection')
        except ValueError as e:
            raise invalid_url(e, 'GET', url)
        read_end = scope_deadline(deadline) if deadline is not None else self.end_of(timeout)
        return BoundedStream(resp, read_end, final_url, clock=self.clock, limit=limit)


def _close(resp):
    try:
        resp.close()
    except Exception:  # closing a broken response must not mask the real outcome
        pass
