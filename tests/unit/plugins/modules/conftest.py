# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by the module tests that run against a real local fake Marathon (hostile_http.HostileServer)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.tests.unit.plugins.modules.hostile_http import HostileServer


@pytest.fixture
def marathon(monkeypatch):
    """``make(routes)`` starts a HostileServer answering ``routes``; all are closed after the test. The environment
    variables the modules would read instead of their options are cleared."""
    for var in ('DCOS_TOKEN', 'MARATHON_URL'):
        monkeypatch.delenv(var, raising=False)
    made = []

    def make(routes):
        srv = HostileServer(routes)
        made.append(srv)
        return srv
    yield make
    for srv in made:
        srv.close()
