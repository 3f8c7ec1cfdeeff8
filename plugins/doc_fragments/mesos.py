# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Paired one-to-one with MESOS_COMMON_ARGS in plugins/module_utils/_mesos/module.py.
    DOCUMENTATION = r'''
options:
  mesos_url:
    description:
      - Base URL of the leading Mesos master, for example V(http://leader.mesos:5050).
      - On DC/OS through Admin Router use V(https://<cluster>/mesos).
      - If not set, the value of the E(MESOS_URL) environment variable is used.
    type: str
    required: true
  principal:
    description:
      - Operator principal, sent as HTTP basic user when the master runs with C(--authenticate_http_readwrite).
      - Also the reservation and volume principal unless the module says otherwise.
      - Requires O(secret).
    type: str
  secret:
    description:
      - Secret of O(principal), sent as HTTP basic password.
    type: str
  dcos_token:
    description:
      - "DC/OS authentication token, sent as the header C(Authorization: token=<token>); needed to reach the master
        through Admin Router (V(https://<cluster>/mesos))."
      - If not set, the value of the E(DCOS_TOKEN) environment variable is used, as by the Marathon modules.
      - Mutually exclusive with O(principal) and O(secret), also when it comes from E(DCOS_TOKEN); with a token, set
        the reservation principal with the module's own option where it has one.
    type: str
  validate_certs:
    description:
      - Whether to verify the master's TLS certificate.
    type: bool
    default: true
  ca_path:
    description:
      - PEM file of the CA that signed the master's certificate.
    type: path
  timeout:
    description:
      - Timeout in seconds of each HTTP request as a whole (connecting, the headers and the body). While
        waiting for a result, a request also ends when the wait's time is up.
      - Reads of the master and the agents are retried (HTTP retries) twice after a connection error, a timeout or
        an HTTP 500/502/503/504, with jittered exponential backoff; operator calls are never retried blindly
        (see the O(dcos.stateful.mesos_volume#module:retries) option of M(dcos.stateful.mesos_volume)).
    type: float
    default: 30
'''

    ACTIONGROUP_MESOS = r'''
attributes:
  action_group:
    description: Use C(group/dcos.stateful.mesos) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - dcos.stateful.mesos
'''
