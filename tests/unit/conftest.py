# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every unit test starts without the collection's connection variables: a DCOS_TOKEN or MARATHON_URL in the
shell that runs the tests must not change what a module does."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._connection import ENVIRONMENT
from ansible_collections.dcos.stateful.tests.unit.dcos_login_emulator import make_keys, run_emulator


@pytest.fixture(autouse=True)
def no_connection_variables(monkeypatch):
    for variable in set(ENVIRONMENT.values()):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(scope='module')
def keys():
    """(the service account's key, another key)"""
    return make_keys()


@pytest.fixture(scope='module')
def emulator(tmp_path_factory, keys):
    """A dcos-emulator with the service account UID (public key of keys[0]); its tokens live TTL seconds."""
    yield from run_emulator(tmp_path_factory, keys)
