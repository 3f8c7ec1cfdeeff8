# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DC/OS service-account login against a real dcos-emulator (``--dcos-service-account``): good key, wrong key,
unknown uid, an expired token refreshed once; never a key or a token in an error."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ansible_collections.dcos.stateful.plugins.module_utils import _dcos_login
from ansible_collections.dcos.stateful.plugins.module_utils._dcos_login import DcosLogin
from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError, HttpClient
from ansible_collections.dcos.stateful.tests.unit.dcos_login_emulator import TTL, UID, _pem


@pytest.fixture(autouse=True)
def fresh_cache():
    _dcos_login.clear_cache()
    yield
    _dcos_login.clear_cache()


def log_in(login):
    return login.token


def assert_no_secret(error, *secrets):
    shown = str(error) + json.dumps(error.to_dict(), default=str)
    for secret in secrets:
        for line in secret.splitlines():
            if line.strip() and 'PRIVATE KEY' not in line:
                assert line.strip() not in shown
    assert 'eyJ' not in shown  # no JWT (a base64url JSON header starts so)


def test_good_key_logs_in_and_the_token_passes_marathon_and_mesos(emulator, keys):
    login = DcosLogin(emulator['marathon'], UID, _pem(keys[0]))
    marathon, mesos = HttpClient(emulator['marathon']), HttpClient(emulator['mesos'])
    login.authorize(marathon)
    login.authorize(mesos)
    assert marathon.get_json('/v2/apps') == {'apps': []}
    assert 'slaves' in mesos.get_json('/master/slaves')
    # cached for the run: a second object for the same account and key does not log in again
    again = DcosLogin(emulator['marathon'], UID, _pem(keys[0]))
    assert again.token == login.token
    assert (login.logins, again.logins) == (1, 0)


def test_wrong_key_is_refused_without_showing_the_key(emulator, keys):
    pem = _pem(keys[1])
    with pytest.raises(ApiError) as caught:
        log_in(DcosLogin(emulator['marathon'], UID, pem))
    error = caught.value
    assert error.status == 401
    assert 'ERR_INVALID_CREDENTIALS' in str(error)
    assert 'dcos_private_key' in str(error) and 'dcos_service_account' in str(error)
    assert_no_secret(error, pem)


def test_unknown_uid_is_refused(emulator, keys):
    pem = _pem(keys[0])
    with pytest.raises(ApiError) as caught:
        log_in(DcosLogin(emulator['marathon'], 'nobody', pem))
    assert caught.value.status == 401
    assert 'check dcos_service_account' in str(caught.value)
    assert_no_secret(caught.value, pem)


def test_expired_token_is_refreshed_once(emulator, keys, monkeypatch):
    login = DcosLogin(emulator['marathon'], UID, _pem(keys[0]))
    # keep the cached token past its expiry, as a token can stop working before the client expects (clocks
    # apart, a restarted IAM): the 401 then makes the login
    monkeypatch.setattr(_dcos_login, 'RENEW_BEFORE', -3600)
    marathon = HttpClient(emulator['marathon'])
    first = login.token
    time.sleep(TTL + 1.1)
    assert login.with_refresh(marathon, lambda: marathon.get_json('/v2/apps')) == {'apps': []}
    assert login.logins == 2
    assert login.token != first
    assert marathon.headers['Authorization'] == 'token=%s' % login.token


def test_a_second_401_after_the_refresh_is_not_retried(emulator, keys):
    login = DcosLogin(emulator['marathon'], UID, _pem(keys[0]))
    authorized, anonymous = HttpClient(emulator['marathon']), HttpClient(emulator['marathon'])
    calls = []

    def call():
        calls.append(1)
        return anonymous.get_json('/v2/apps')  # never carries the token: 401 every time

    with pytest.raises(ApiError) as caught:
        login.with_refresh(authorized, call)
    assert caught.value.status == 401
    assert (len(calls), login.logins) == (2, 2)


def test_a_token_about_to_expire_is_renewed_before_use(emulator, keys):
    login = DcosLogin(emulator['marathon'], UID, _pem(keys[0]))
    received = time.time()
    first = login.token
    assert login.token == first
    assert login.logins == 1
    exp = _dcos_login._unverified_exp(first)
    time.sleep(max(0.0, exp - (exp - received) / 10.0 - time.time()) + 0.05)  # into the last tenth of its life
    log_in(login)
    assert login.logins == 2


@pytest.mark.parametrize('key, message', [
    ('not a key', 'dcos_private_key is not a PEM private key'),
    ('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n', 'dcos_private_key is not a PEM private key'),
    (None, 'dcos_private_key is not an RSA private key'),
    ('', 'dcos_private_key is empty'),
])
def test_bad_private_key_names_the_option(emulator, key, message):
    if key is None:
        key = _pem(ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(ApiError) as caught:
        log_in(DcosLogin(emulator['marathon'], UID, key))
    assert message in str(caught.value)
    assert_no_secret(caught.value, key)


def test_encrypted_private_key_is_refused(emulator, keys):
    pem = keys[0].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(b'passphrase')).decode()
    with pytest.raises(ApiError) as caught:
        log_in(DcosLogin(emulator['marathon'], UID, pem))
    assert 'encrypted private key' in str(caught.value)


def test_missing_library_is_ansibles_message(monkeypatch, keys):
    monkeypatch.setattr(_dcos_login, 'HAS_JWT', False)
    with pytest.raises(ApiError) as caught:
        log_in(DcosLogin('http://127.0.0.1:9', UID, _pem(keys[0])))
    assert caught.value.reason == 'dependency'
    assert 'PyJWT and cryptography' in str(caught.value)


def test_not_the_cluster_root_says_where_the_login_is(emulator, keys):
    with pytest.raises(ApiError) as caught:
        log_in(DcosLogin(emulator['mesos'], UID, _pem(keys[0])))  # Mesos has no IAM
    assert 'cluster root' in str(caught.value)


class _Redirector(BaseHTTPRequestHandler):
    target = None
    seen = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get('Content-Length') or 0)
        _Redirector.seen.append(self.rfile.read(length))
        self.send_response(307)
        self.send_header('Location', _Redirector.target + self.path)
        self.send_header('Content-Length', '0')
        self.end_headers()


def test_the_login_token_never_follows_a_redirect_to_another_origin(emulator, keys):
    server = ThreadingHTTPServer(('127.0.0.1', 0), _Redirector)
    _Redirector.target = emulator['marathon']  # another origin (port) that would log us in
    _Redirector.seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(ApiError) as caught:
            log_in(DcosLogin('http://127.0.0.1:%d' % server.server_address[1], UID, _pem(keys[0])))
    finally:
        server.shutdown()
        server.server_close()
    assert caught.value.reason == 'redirect'
    assert 'only sent to the cluster URL' in str(caught.value)
    assert len(_Redirector.seen) == 1  # our own origin got the login; the other one nothing (else: a token)
