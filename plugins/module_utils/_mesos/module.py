# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""``MesosModule``: the module wrapper of the Mesos modules. It owns the Mesos connection options, builds
the AnsibleModule and the clients (``self.master``, a ``MesosMasterApi``; ``marathon_api()``; ``agent_api()``),
and reports failures. Transport is the shared ``_http.HttpClient``; the URL paths live in the clients
(``_mesos.api``, ``_marathon.api``).

Connection options are ``MESOS_COMMON_ARGS``, documented one-to-one by the doc fragment
``dcos.stateful.mesos``. Modules pass only their own options; the wrapper merges these in. A module that asks
Marathon about the volumes it made passes ``marathon=True`` and gets ``MESOS_MARATHON_ARGS`` too, documented
one-to-one by ``dcos.stateful.mesos.marathon_options``.

Redirects: a non-leading master answers 307 to the leader. The client follows it (method and body kept), but
sends the credentials (``mesos_principal``/``mesos_secret``, ``dcos_token``) only to the origin of ``mesos_url``: a leader
on another host gets none, and a 401 there says to point ``mesos_url`` at the leader (or ``leader.mesos``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.dcos.stateful.plugins.module_utils import _connection
from ansible_collections.dcos.stateful.plugins.module_utils._connection import resolve_environment, service_login
from ansible_collections.dcos.stateful.plugins.module_utils._failure import ModuleFailure
from ansible_collections.dcos.stateful.plugins.module_utils._http import MARATHON_API_HINT, MESOS_API_HINT, ApiError, HttpClient
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.api import MarathonApi
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.api import MesosAgentApi, MesosMasterApi
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import SecretAwareModule

# No env_fallback and no default for the connection options: _connection.resolve() reads the environment after the
# explicit options are known (an explicit option wins; conflicts only between explicit options).
MESOS_COMMON_ARGS = dict(
    mesos_url=dict(type='str'),
    mesos_principal=dict(type='str', aliases=['principal']),
    mesos_secret=dict(type='str', no_log=True, aliases=['secret']),
    # Same options and variables as the Marathon modules: on DC/OS one token passes Admin Router for both.
    dcos_token=dict(type='str', no_log=True),
    dcos_url=dict(type='str'),
    dcos_service_account=dict(type='str'),
    dcos_private_key=dict(type='str', no_log=True),
    validate_certs=dict(type='bool'),
    ca_path=dict(type='path'),
    timeout=dict(type='float', default=30),
)

# The Marathon that made the reservations, asked by mesos_volume (does an instance still own them?) and joined by
# mesos_volume_info. Paired one-to-one with the MARATHON_OPTIONS attribute of plugins/doc_fragments/mesos.py
# (dcos.stateful.mesos.marathon_options). As above, no env_fallback: _connection resolves the environment
# (MESOS_MARATHON_GROUP: marathon_token, or marathon_username with marathon_password, else the service account).
MESOS_MARATHON_ARGS = dict(
    marathon_url=dict(type='str'),
    marathon_username=dict(type='str'),
    marathon_password=dict(type='str', no_log=True),
    marathon_token=dict(type='str', no_log=True),
)

# HTTP retries of reads (documented in the doc fragment); operator calls are re-sent only by mesos_volume's own
# `retries`, after a fresh read shows them not applied.
READ_RETRIES = 2
MESOS_SERVICE = 'the Mesos master'
MESOS_AUTH_HINT = ('set mesos_principal and mesos_secret (Mesos HTTP authentication), or dcos_token, or '
                   'dcos_service_account and dcos_private_key (DC/OS)')
MARATHON_AUTH_HINT = ('set marathon_token, or dcos_service_account and dcos_private_key (DC/OS), or marathon_username '
                      'and marathon_password')
AGENT_API_HINT = 'is agent_url (or the agent\'s registered hostname and port) a Mesos agent?'


def mesos_argument_spec(spec=None, marathon=False):
    """The module's own options with the connection options (and with ``marathon``, those of Marathon)."""
    merged = copy.deepcopy(MESOS_COMMON_ARGS)
    if marathon:
        merged.update(copy.deepcopy(MESOS_MARATHON_ARGS))
    merged.update(copy.deepcopy(spec or {}))
    return merged


class MesosModule:
    """Builds the AnsibleModule (own spec + connection spec) and the clients; reports failures."""

    def __init__(self, argument_spec=None, required_together=None, mutually_exclusive=None, marathon=False,
                 **module_kwargs):
        self.module = SecretAwareModule(argument_spec=mesos_argument_spec(argument_spec, marathon=marathon),
                                        required_together=required_together, mutually_exclusive=mutually_exclusive,
                                        **module_kwargs)
        resolve_environment(self.module, (_connection.MESOS_GROUP, _connection.MESOS_MARATHON_GROUP))
        params = self.module.params
        if not params.get('mesos_url'):
            self.fail('mesos_url is required: give the option or set the environment variable MESOS_URL')
        self.http = self._http_client(params['mesos_url'], params.get('mesos_principal'), params.get('mesos_secret'),
                                      params.get('dcos_token'), service=MESOS_SERVICE, api_hint=MESOS_API_HINT,
                                      auth_hint=MESOS_AUTH_HINT, error_format='text')
        self.master = MesosMasterApi(self.http)
        self._agents = {}

    @property
    def params(self):
        return self.module.params

    @property
    def check_mode(self):
        return self.module.check_mode

    def _http_client(self, url, username=None, password=None, token=None, **kwargs):
        """One way to authenticate: basic auth (a user given), else the token given for this service, else the
        service account's login."""
        params = self.module.params
        login = None if username or token else service_login(params, url)
        # Retries stay opt-in per call: reads retry 5xx/connection errors, operator POSTs never do.
        return HttpClient(url, timeout=params['timeout'], validate_certs=params['validate_certs'],
                          ca_path=params.get('ca_path'), url_username=username,
                          url_password=password if username else None, token=None if username else token,
                          login=login, retries=READ_RETRIES, **kwargs)

    def marathon_api(self, url, username=None, password=None, token=None):
        """Marathon's API with the same TLS and timeout settings."""
        return MarathonApi(self._http_client(url, username, password, token, service='Marathon',
                                             api_hint=MARATHON_API_HINT, auth_hint=MARATHON_AUTH_HINT,
                                             error_format='json'))

    def agent_api(self, agent, url_template=None):
        """The API of one agent of ``/master/slaves`` (one client per agent URL).

        ``url_template`` may use ``{hostname}``, ``{port}`` and ``{id}``; by default the agent is reached on
        its registered hostname and port with the scheme of ``mesos_url``.
        """
        scheme = self.params['mesos_url'].split('://', 1)[0] if '://' in self.params['mesos_url'] else 'http'
        template = url_template or (scheme + '://{hostname}:{port}')
        base = template.format(hostname=agent.get('hostname'), port=agent.get('port'), id=agent.get('id'))
        api = self._agents.get(base)
        if api is None:
            api = self._agents[base] = MesosAgentApi(self._http_client(
                base, self.params.get('mesos_principal'), self.params.get('mesos_secret'), self.params.get('dcos_token'),
                service='a Mesos agent', api_hint=AGENT_API_HINT, auth_hint=MESOS_AUTH_HINT, error_format='text'))
        return api

    # -- results --------------------------------------------------------------------------------------
    def run(self, work, action='Reading the Mesos master failed'):
        """``exit_json(**work())``; the one place where a run fails: a ModuleFailure (with the ApiError behind it,
        if any) or an ApiError that escaped (``action`` says what was being done) becomes fail_json."""
        try:
            result = work()
        except ModuleFailure as failure:
            if failure.error is not None:
                self.fail_api(failure.error, failure.msg, **failure.result)
            self.fail(failure.msg, **failure.result)
        except ApiError as error:
            self.fail_api(error, action)
        self.exit(**result)

    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    def fail_api(self, error, what, **kwargs):
        """Fail with the server's own message and status, prefixed by what was being done."""
        result = error.to_dict()
        result['msg'] = '%s: %s' % (what, error.describe())
        result['mesos_message'] = error.message
        result.update(kwargs)
        self.module.fail_json(**result)

    def exit(self, **kwargs):
        self.module.exit_json(**kwargs)
