# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A dcos-emulator with a DC/OS service account (``--dcos-service-account``), shared by the login tests of the
client (module_utils) and of the modules. The fixtures ``keys`` and ``emulator`` are in tests/unit/conftest.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import subprocess
import sys
import time
from urllib.request import urlopen

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

UID = 'ansible-sa'
TTL = 2  # seconds: the emulator's issued tokens expire quickly, so that a refresh can be seen


def _pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _free_ports(count):
    socks = [socket.socket() for _index in range(count)]
    try:
        for sock in socks:
            sock.bind(('127.0.0.1', 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


def _serving(url):
    try:
        urlopen(url, timeout=1).close()
        return True
    except OSError as e:
        return getattr(e, 'code', 500) < 500


def make_keys():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048), \
        rsa.generate_private_key(public_exponent=65537, key_size=2048)


def run_emulator(tmp_path_factory, keys):
    """A dcos-emulator with the service account UID (public key of keys[0]); its tokens live TTL seconds."""
    work = tmp_path_factory.mktemp('dcos-login')
    public = work / 'sa.pub'
    public.write_bytes(keys[0].public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
    marathon_port, mesos_port = _free_ports(2)
    log = open(str(work / 'emulator.log'), 'wb')
    proc = subprocess.Popen(
        [sys.executable, '-m', 'dcos_emulator', '--state-dir', str(work / 'state'), '--agents', '1',
         '--marathon-port', str(marathon_port), '--mesos-port', str(mesos_port),
         '--dcos-service-account', '%s=%s' % (UID, public), '--dcos-token-ttl', str(TTL)],
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    url = 'http://127.0.0.1:%d' % marathon_port
    deadline = time.monotonic() + 30
    while not _serving(url + '/ping'):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail('dcos-emulator did not start: %s' % (work / 'emulator.log').read_text()[-2000:])
        time.sleep(0.05)
    yield {'marathon': url, 'mesos': 'http://127.0.0.1:%d' % mesos_port}
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    log.close()
