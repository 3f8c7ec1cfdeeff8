# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    # Paired one-to-one with MARATHON_ARGSPEC in plugins/module_utils/_marathon/module.py.
    DOCUMENTATION = r'''
options:
  marathon_url:
    description:
      - Base URL of the Marathon API, for example V(http://marathon.mesos:8080) or, on DC/OS,
        V(https://leader.mesos/service/marathon).
      - If not set, the value of the E(MARATHON_URL) environment variable is used.
    type: str
    required: true
  dcos_token:
    description:
      - "DC/OS authentication token, sent as the header C(Authorization: token=<token>)."
      - If not set, the value of the E(DCOS_TOKEN) environment variable is used.
      - Mutually exclusive with O(url_username).
    type: str
  url_username:
    description:
      - User name for HTTP basic authentication (Marathon's C(--http_credentials)).
      - The credentials are sent with the first request.
    type: str
  url_password:
    description:
      - Password for HTTP basic authentication. Required with O(url_username).
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Set to V(false) only for self-signed test clusters.
    type: bool
    default: true
  ca_path:
    description:
      - Path to a PEM file with the CA certificate(s) used to verify the server, for example the DC/OS
        cluster CA C(dcos-ca.crt).
    type: path
  timeout:
    description:
      - Timeout in seconds for each HTTP request as a whole (connecting, the headers and the body), not for
        waiting on deployments. While a module waits (its C(wait_timeout)), a request also ends when that time is up.
    type: float
    default: 30
  retries:
    description:
      - How many times an idempotent request (GET, PUT, DELETE) is retried after a connection
        error, a timeout or an HTTP 500/502/503/504, with jittered exponential backoff.
      - Conflicts (HTTP 409, the app is locked by a deployment) and validation errors (HTTP 422) are
        never retried.
    type: int
    default: 3
notes:
  - Every HTTP failure is reported with Marathon's message in C(msg), the HTTP status in
    C(status) and Marathon's validation C(details) when it sent any.
'''

    # Attribute for modules that belong to the action group (meta/runtime.yml: marathon).
    ACTIONGROUP_MARATHON = r'''
attributes:
  action_group:
    description: Use C(group/dcos.stateful.marathon) in C(module_defaults) to set the connection options once.
    support: full
    membership:
      - dcos.stateful.marathon
'''
