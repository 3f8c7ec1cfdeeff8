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
      - If not set, the value of the E(MESOS_URL) environment variable is used. One of the two is required.
    type: str
  mesos_principal:
    description:
      - Operator principal, sent as HTTP basic user when the master runs with C(--authenticate_http_readwrite).
      - Also the reservation and volume principal unless the module says otherwise.
      - Requires O(mesos_secret).
      - If not set, the value of the E(MESOS_PRINCIPAL) environment variable is used, unless O(dcos_token) or
        O(dcos_service_account) is given as an option.
    type: str
    aliases: [principal]
  mesos_secret:
    description:
      - Secret of O(mesos_principal), sent as HTTP basic password.
      - If not set, the value of the E(MESOS_SECRET) environment variable is used.
    type: str
    aliases: [secret]
  dcos_token:
    description:
      - "DC/OS authentication token, sent as the header C(Authorization: token=<token>); needed to reach the master
        through Admin Router (V(https://<cluster>/mesos))."
      - If not set, the value of the E(DCOS_TOKEN) environment variable is used, as by the Marathon modules, unless
        O(mesos_principal) or O(dcos_service_account) is given as an option.
      - Mutually exclusive with O(mesos_principal) and O(dcos_service_account) when both are given as options; with
        a token, set the reservation principal with the module's own option where it has one.
    type: str
  dcos_service_account:
    description:
      - UID of a DC/OS service account. With O(dcos_private_key) the module logs in as the DC/OS CLI does (a
        login token signed with the key, posted to C(/acs/api/v1/auth/login) at the cluster root) and sends the
        token it gets to the master, the agents and Marathon (unless they have their own credentials); the token is
        kept for the run and, after an HTTP 401, renewed once.
      - If not set, the value of the E(DCOS_SERVICE_ACCOUNT) environment variable is used, unless O(dcos_token) or
        O(mesos_principal) is given as an option.
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
        and port of O(mesos_url).
    type: str
  validate_certs:
    description:
      - Whether to verify the master's TLS certificate.
      - If not set, the value of the E(DCOS_VALIDATE_CERTS) environment variable is used; without either,
        certificates are verified.
    type: bool
  ca_path:
    description:
      - PEM file of the CA that signed the master's certificate.
      - If not set, the value of the E(DCOS_CA_PATH) environment variable is used.
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
notes:
  - An option given in the task (or in C(module_defaults)) always wins over its environment variable, and an empty
    value, option or variable, counts as not set (AWX sets every variable of a credential, empty when the field is
    empty). Credentials from the environment are used only when no other credential for the same service was given
    as an option; with several in the environment, the service account wins over the token, and the token over
    basic authentication.
'''

    # Paired one-to-one with MESOS_MARATHON_ARGS in plugins/module_utils/_mesos/module.py: the Marathon that made the
    # reservations, for the modules built with MesosModule(marathon=True).
    MARATHON_OPTIONS = r'''
options:
  marathon_url:
    description:
      - Base URL of the Marathon that made the reservations (the labels C(marathon_framework_id) and
        C(marathon_task_id)), for example V(http://marathon.mesos:8080) or, on DC/OS,
        V(https://<cluster>/service/marathon). The module's description says what it asks Marathon, and what it does
        when no Marathon is given.
      - If not set, the value of the E(MARATHON_URL) environment variable is used.
    type: str
  marathon_username:
    description:
      - HTTP basic user for Marathon. Requires O(marathon_password).
      - If not set, the value of the E(MARATHON_USERNAME) environment variable is used (when O(marathon_token) is
        not given).
    type: str
  marathon_password:
    description:
      - HTTP basic password for Marathon.
      - If not set, the value of the E(MARATHON_PASSWORD) environment variable is used.
    type: str
  marathon_token:
    description:
      - "DC/OS authentication token for Marathon, sent as the header C(Authorization: token=<token>)."
      - If not set, the value of the E(DCOS_TOKEN) environment variable is used (when O(marathon_username) is not
        given). Without either and without basic auth, Marathon is reached with the service account
        O(dcos_service_account) when one is set.
      - Mutually exclusive with O(marathon_username) when both are given as options; an explicit
        O(marathon_username) wins over E(DCOS_TOKEN).
    type: str
'''

    ACTIONGROUP_MESOS = r'''
attributes:
  action_group:
    description: Use C(group/dcos.stateful.mesos) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - dcos.stateful.mesos
'''
