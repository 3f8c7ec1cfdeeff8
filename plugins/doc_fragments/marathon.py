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
      - If not set, the value of the E(MARATHON_URL) environment variable is used. One of the two is required.
    type: str
  marathon_username:
    description:
      - User name for HTTP basic authentication (Marathon's C(--http_credentials)), sent with the first request.
        Requires O(marathon_password).
      - If not set, the value of the E(MARATHON_USERNAME) environment variable is used, unless O(dcos_token) or
        O(dcos_service_account) is given as an option.
    type: str
    aliases: [url_username]
  marathon_password:
    description:
      - Password for HTTP basic authentication.
      - If not set, the value of the E(MARATHON_PASSWORD) environment variable is used.
    type: str
    aliases: [url_password]
  dcos_token:
    description:
      - "DC/OS authentication token, sent as the header C(Authorization: token=<token>)."
      - If not set, the value of the E(DCOS_TOKEN) environment variable is used, unless O(marathon_username) or
        O(dcos_service_account) is given as an option.
      - Mutually exclusive with O(marathon_username) and O(dcos_service_account) when both are given as options.
    type: str
  dcos_service_account:
    description:
      - UID of a DC/OS service account. With O(dcos_private_key) the module logs in as the DC/OS CLI does (a
        login token signed with the key, posted to C(/acs/api/v1/auth/login) at the cluster root) and sends the
        token it gets; the token is kept for the run and, after an HTTP 401, renewed once.
      - If not set, the value of the E(DCOS_SERVICE_ACCOUNT) environment variable is used, unless O(dcos_token) or
        O(marathon_username) is given as an option.
      - Needs the Python libraries PyJWT and cryptography on the host that runs the module.
    type: str
  dcos_private_key:
    description:
      - PEM text (not a path) of the RSA private key of O(dcos_service_account), unencrypted.
      - If not set, the value of the E(DCOS_PRIVATE_KEY) environment variable is used.
    type: str
  dcos_url:
    description:
      - Root URL of the DC/OS cluster, where O(dcos_service_account) logs in, for example
        V(https://dcos.example.com).
      - If not set, the value of the E(DCOS_URL) environment variable is used; without either, the scheme, host
        and port of O(marathon_url).
    type: str
  validate_certs:
    description:
      - Verify the server's TLS certificate. Set to V(false) only for self-signed test clusters.
      - If not set, the value of the E(DCOS_VALIDATE_CERTS) environment variable is used (V(true), V(false),
        V(yes), V(no), V(1), V(0)); without either, certificates are verified.
    type: bool
  ca_path:
    description:
      - Path to a PEM file with the CA certificate(s) used to verify the server, for example the DC/OS
        cluster CA C(dcos-ca.crt).
      - If not set, the value of the E(DCOS_CA_PATH) environment variable is used.
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
  - An option given in the task (or in C(module_defaults)) always wins over its environment variable, and an empty
    value, option or variable, counts as not set (AWX sets every variable of a credential, empty when the field is
    empty). Credentials from the environment are used only when no other credential for the same service was given
    as an option; with several in the environment, the service account wins over the token, and the token over
    basic authentication.
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
