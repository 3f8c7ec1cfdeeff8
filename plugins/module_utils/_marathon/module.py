# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""The Marathon module wrapper: connection options, argument merging, the clients it builds, failures.

`MarathonModule(argument_spec=own_spec, **ansible_module_kwargs)` merges MARATHON_ARGSPEC (documented
by the doc fragment dcos.stateful.marathon), builds the AnsibleModule, a `MarathonApi` (``self.api``) over an
HttpClient for ``marathon_url``, and on demand a `MesosMasterApi` (``mesos_api``) with the same TLS, timeout and
retry settings. It turns every ApiError into fail_json with Marathon's message, status and details.

The URL paths and answer shapes of each API live in the clients (`_marathon.api`, `_mesos.api`), never here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import time

from ansible_collections.dcos.stateful.plugins.module_utils import _connection
from ansible_collections.dcos.stateful.plugins.module_utils._connection import resolve_environment, service_login
from ansible_collections.dcos.stateful.plugins.module_utils._failure import ModuleFailure
from ansible_collections.dcos.stateful.plugins.module_utils._http import MARATHON_API_HINT, MESOS_API_HINT, ApiError, HttpClient
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.api import MarathonApi, render_details
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.api import MesosMasterApi
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import SecretAwareModule

# Paired one-to-one with plugins/doc_fragments/marathon.py (DOCUMENTATION). No env_fallback and no default for
# the connection options: _connection.resolve() reads the environment after the explicit options are known.
MARATHON_ARGSPEC = dict(
    marathon_url=dict(type='str'),
    marathon_username=dict(type='str', aliases=['url_username']),
    marathon_password=dict(type='str', no_log=True, aliases=['url_password']),
    dcos_token=dict(type='str', no_log=True),
    dcos_url=dict(type='str'),
    dcos_service_account=dict(type='str'),
    dcos_private_key=dict(type='str', no_log=True),
    validate_certs=dict(type='bool'),
    ca_path=dict(type='path'),
    timeout=dict(type='float', default=30),
    retries=dict(type='int', default=3),
)
MARATHON_AUTH_HINT = ('set dcos_token, or dcos_service_account and dcos_private_key (DC/OS), or marathon_username '
                      'and marathon_password (Marathon basic auth)')
MESOS_AUTH_HINT = 'set dcos_token, or dcos_service_account and dcos_private_key (DC/OS), or mesos_principal and mesos_secret'


class MarathonModule:
    def __init__(self, argument_spec, required_together=None, mutually_exclusive=None, scanned=(), groups=(),
                 **kwargs):
        """``scanned``: options whose nested secrets (env passwords, URL passwords) are hidden from the start.
        ``groups``: more credential alternatives (_connection) of the module's own options (another service's)."""
        spec = copy.deepcopy(MARATHON_ARGSPEC)
        spec.update(argument_spec)
        self.module = SecretAwareModule(
            scanned=scanned,
            argument_spec=spec,
            required_together=required_together,
            mutually_exclusive=mutually_exclusive,
            **kwargs)
        resolve_environment(self.module, (_connection.MARATHON_GROUP,) + tuple(groups))
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.started = time.monotonic()
        p = self.params
        if p['timeout'] <= 0:
            self.fail('timeout must be greater than 0, got %s' % p['timeout'])
        if p['retries'] < 0:
            self.fail('retries must be 0 or more, got %s' % p['retries'])
        url = (p['marathon_url'] or '').strip()
        if not url:
            self.fail('marathon_url is required: give the option or set the environment variable MARATHON_URL')
        if not url.startswith(('http://', 'https://')):
            self.fail("marathon_url must be an http:// or https:// URL, got '%s'" % url)
        self.client = self.http_client(url)
        self.api = MarathonApi(self.client)

    def http_client(self, url):
        """A client for Marathon: Marathon's basic credentials, the service account's login or the DC/OS token."""
        return marathon_http_client(self.params, url)

    def mesos_api(self, url, principal=None, secret=None):
        """The Mesos master's API: its own basic credentials, never Marathon's password (another service
        may not see it). The DC/OS token and service account are shared: behind Admin Router one token serves
        Marathon and Mesos."""
        return MesosMasterApi(self._client(
            url, principal, secret, service='the Mesos master', api_hint=MESOS_API_HINT,
            auth_hint=MESOS_AUTH_HINT, error_format='text'))

    def _client(self, url, username, password, **kwargs):
        return connection_client(self.params, url, username, password, **kwargs)

    # ------------------------------------------------------------ results

    def run(self, work, action='Marathon request failed'):
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
        result = dict(kwargs)
        result['msg'] = msg
        self.module.fail_json(**result)

    def fail_api(self, err, action, **kwargs):
        """fail_json with Marathon's message, status and details, prefixed with what we were doing."""
        info = err.to_dict()
        msg = '%s: %s' % (action, info.pop('msg'))
        details = render_details(err.details)
        if details:
            # "Object is not valid" alone does not say what is wrong: the details do
            msg = '%s: %s' % (msg, details)
        info.update(kwargs)
        self.fail(msg, **info)

    def exit(self, **kwargs):
        self.module.exit_json(**kwargs)


def connection_client(params, url, username, password, **kwargs):
    """One way to authenticate: basic auth when this service has a user (_connection chose it), else the service
    account's login, else the token. ``params``: resolved connection options (_connection.resolve_environment)."""
    login = None if username else service_login(params, url)
    return HttpClient(url, timeout=params['timeout'], validate_certs=params['validate_certs'], ca_path=params['ca_path'],
                      url_username=username, url_password=password if username else None,
                      token=None if username or login else params['dcos_token'], login=login,
                      retries=params['retries'], **kwargs)


def marathon_http_client(params, url):
    """An HttpClient for Marathon from resolved connection options (also for modules that are not MarathonModules,
    such as external_volume, where Marathon is optional)."""
    return connection_client(params, url, params['marathon_username'], params['marathon_password'], service='Marathon',
                             api_hint=MARATHON_API_HINT, auth_hint=MARATHON_AUTH_HINT, error_format='json')
