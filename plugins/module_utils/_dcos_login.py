# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""DC/OS service-account login, as the DC/OS CLI does it: an RS256 *service login token* (claims ``uid`` and
``exp``, five minutes, signed with the account's private key) posted to ``/acs/api/v1/auth/login`` at the
cluster root; the answer ``{"token": ...}`` is the DC/OS authentication token (``Authorization: token=...``)
that Marathon and Mesos accept behind Admin Router, for five days by default.

API
---
``DcosLogin(cluster_url, uid, private_key, timeout=30, validate_certs=True, ca_path=None)``
    ``private_key`` is the PEM text of the account's RSA private key (unencrypted, PKCS#1 or PKCS#8).
``login.token`` -> the authentication token; logs in on first use, then cached for the run (shared by every
    ``DcosLogin`` of the same cluster, uid and key in this process) and renewed when it is about to expire.
``login.refresh()`` -> a new token (after a 401: the cluster no longer takes the cached one).
``login.authorize(client)`` puts ``Authorization: token=<token>`` on an ``HttpClient``.
``login.with_refresh(client, call)`` -> ``call()`` with ``client`` authorized; on a 401 it logs in again once
    and repeats ``call()`` once (a second 401 is the caller's).
``login.logins`` counts the logins this object made.

Every failure is an ``ApiError`` (``_http.py``) whose message names the option to check; neither the private key
nor a token ever appears in a message. Needs PyJWT and cryptography (``requirements.txt``); without them the
first use raises ``ApiError`` with Ansible's missing-library message (``reason='dependency'``; the import
traceback is ``JWT_IMPORT_ERROR``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import time
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError, HttpClient, origin_text

# PyJWT and cryptography are imported at their first use, not here: importing them takes about 0.1 s, which every
# run of every module would pay while only the service-account login needs them.
HAS_JWT = True  # until the import at first use fails (tests set it False to stand for a missing library)
JWT_IMPORT_ERROR = None
_LIBRARIES = {}


def _libraries():
    """{'jwt', 'serialization', 'rsa'}, imported once; ApiError (reason ``dependency``) when they are missing."""
    if HAS_JWT and not _LIBRARIES:
        try:
            import jwt
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa
            _LIBRARIES.update(jwt=jwt, serialization=serialization, rsa=rsa)
        except ImportError:
            _LIBRARIES['error'] = traceback.format_exc()
    if not HAS_JWT or 'error' in _LIBRARIES:
        error = ApiError(missing_required_lib(LIBRARIES), reason='dependency')
        error.exception = _LIBRARIES.get('error') or JWT_IMPORT_ERROR
        raise error
    return _LIBRARIES


LOGIN_PATH = '/acs/api/v1/auth/login'
# The DC/OS CLI signs its service login tokens for five minutes; the IAM warns about more than ten.
LOGIN_TOKEN_LIFETIME = 5 * 60
# Renew a cached authentication token this long before its ``exp`` (at most a tenth of its lifetime), so that
# no request starts with one that expires on the way.
RENEW_BEFORE = 60
LIBRARIES = 'PyJWT and cryptography (for dcos_service_account)'
LOGIN_API_HINT = ('is the cluster URL the DC/OS cluster root (https://<cluster>)? The login is at '
                  'https://<cluster>%s' % LOGIN_PATH)
LOGIN_AUTH_HINT = ('the IAM refused the service login: check dcos_service_account (an existing service account) '
                   'and dcos_private_key (the private key of the public key DC/OS has for it), and that this '
                   "host's clock is right (the login token is valid for %d minutes)" % (LOGIN_TOKEN_LIFETIME // 60))

# (cluster URL, uid, key fingerprint) -> (authentication token, when it came), for the run (one module run is
# one process)
_TOKENS = {}


class _LoginClient(HttpClient):
    """The login token is a credential: it goes to the cluster URL's origin only, never along a redirect."""

    def _open(self, method, url, data, headers, end, with_credentials):
        if not with_credentials:
            raise ApiError('the login was redirected to another origin than %s; the service login token is only '
                           'sent to the cluster URL given: point it at the cluster root' % origin_text(self.origin),
                           method=method, url=url, reason='redirect')
        return super(_LoginClient, self)._open(method, url, data, headers, end, with_credentials)

    def _error_hint(self, status, body, text, foreign):
        # The IAM refuses a login with a JSON object carrying a ``code`` (ERR_INVALID_CREDENTIALS); any other 401
        # (Admin Router's HTML page, Jetty's) came from something else than the IAM: the URL is wrong.
        if status in (401, 403) and foreign is None and not (isinstance(body, dict) and 'code' in body):
            return LOGIN_API_HINT
        return super(_LoginClient, self)._error_hint(status, body, text, foreign)


def _unverified_exp(token):
    """The ``exp`` claim of a JWT without checking its signature (it is ours, just received), or None."""
    jwt = _libraries()['jwt']
    try:
        exp = jwt.decode(token, options={'verify_signature': False}).get('exp')
    except jwt.InvalidTokenError:
        return None
    return exp if isinstance(exp, (int, float)) else None


class DcosLogin:
    def __init__(self, cluster_url, uid, private_key, timeout=30, validate_certs=True, ca_path=None,
                 clock=time.time):
        if not uid:
            raise ApiError('dcos_service_account is empty: give the uid of the DC/OS service account',
                           reason='parameters')
        if not private_key:
            raise ApiError('dcos_private_key is empty: give the PEM private key of service account %s' % uid,
                           reason='parameters')
        self.cluster_url = cluster_url.rstrip('/')
        self.uid = uid
        self._private_key = private_key if isinstance(private_key, bytes) else private_key.encode('utf-8')
        self._cache_key = (self.cluster_url, uid, hashlib.sha256(self._private_key).hexdigest())
        self.clock = clock
        self.logins = 0
        self.http = _LoginClient(self.cluster_url, timeout=timeout, validate_certs=validate_certs, ca_path=ca_path,
                                 retries=0, service='the DC/OS IAM', api_hint=LOGIN_API_HINT,
                                 auth_hint=LOGIN_AUTH_HINT)

    # ------------------------------------------------------------ the token

    @property
    def token(self):
        cached = _TOKENS.get(self._cache_key)
        if cached is not None:
            token, received = cached
            exp = _unverified_exp(token)
            if exp is None or exp - self.clock() > min(RENEW_BEFORE, (exp - received) / 10.0):
                return token
        return self.refresh()

    def refresh(self):
        _TOKENS.pop(self._cache_key, None)
        token = self._login()
        _TOKENS[self._cache_key] = (token, self.clock())
        return token

    def authorize(self, client):
        client.headers['Authorization'] = 'token=%s' % self.token

    def with_refresh(self, client, call):
        """``call()`` with ``client`` authorized; one new login and one more ``call()`` after a 401."""
        self.authorize(client)
        try:
            return call()
        except ApiError as e:
            if e.status != 401:
                raise
        client.headers['Authorization'] = 'token=%s' % self.refresh()
        return call()

    # ------------------------------------------------------------ logging in

    def _key(self):
        libraries = _libraries()
        try:
            key = libraries['serialization'].load_pem_private_key(self._private_key, password=None)
        except TypeError:
            raise ApiError('dcos_private_key is an encrypted private key; give it unencrypted (PEM, as '
                           '`dcos security org service-accounts keypair` writes it)', reason='parameters')
        except (ValueError, IndexError) as e:
            # the library's own message never quotes the key, but only its kind is said here, to be sure
            raise ApiError('dcos_private_key is not a PEM private key (%s)' % type(e).__name__, reason='parameters')
        if not isinstance(key, libraries['rsa'].RSAPrivateKey):
            raise ApiError('dcos_private_key is not an RSA private key: DC/OS service accounts use RSA (RS256)',
                           reason='parameters')
        return key

    def login_token(self):
        """A fresh service login token (RS256, claims uid and exp)."""
        claims = {'uid': self.uid, 'exp': int(self.clock() + LOGIN_TOKEN_LIFETIME)}
        return _libraries()['jwt'].encode(claims, self._key(), algorithm='RS256')

    def _login(self):
        body = {'uid': self.uid, 'token': self.login_token()}
        self.logins += 1
        response = self.http.request('POST', LOGIN_PATH, json=body)
        token = response.body.get('token') if isinstance(response.body, dict) else None
        if not isinstance(token, str) or not token:
            what = 'a JSON object without a token' if isinstance(response.body, dict) else \
                'no JSON object (%d characters, not shown)' % len(response.text or '')
            raise ApiError('answered HTTP %s with %s, which is not a DC/OS login answer' % (response.status, what),
                           status=None, method='POST', url=self.http.url(LOGIN_PATH), reason='not_api',
                           hint=LOGIN_API_HINT)
        return token


def clear_cache():
    """Forget every cached token (tests; a module run never needs it)."""
    _TOKENS.clear()
