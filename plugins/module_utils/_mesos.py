# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""``MesosClient``: the one place that owns the Mesos connection options, the HTTP calls to the master's
operator endpoints, and how their failures are reported. Transport is the shared ``_http.HttpClient``.

Connection options are ``MESOS_COMMON_ARGS``, documented one-to-one by the doc fragment
``dcos.stateful.mesos``. Modules pass only their own options; the client merges these in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError, HttpClient, backoff_delay, is_retryable
from ansible_collections.dcos.stateful.plugins.module_utils._mesos_json_stream import iter_object

MESOS_COMMON_ARGS = dict(
    mesos_url=dict(type='str', required=True, fallback=(env_fallback, ['MESOS_URL'])),
    principal=dict(type='str'),
    secret=dict(type='str', no_log=True),
    # Same option and variable as the Marathon modules: on DC/OS one token passes Admin Router for both.
    dcos_token=dict(type='str', no_log=True, fallback=(env_fallback, ['DCOS_TOKEN'])),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    timeout=dict(type='int', default=30),
)

MESOS_REQUIRED_TOGETHER = [['principal', 'secret']]
# A token replaces basic auth; sending both would leave it to chance which Authorization header wins.
MESOS_MUTUALLY_EXCLUSIVE = [['dcos_token', 'principal'], ['dcos_token', 'secret']]

# Master success codes: 202 since Mesos 1.0, 200 on 0.25 - 0.28.
ACCEPTED = (200, 202)


def mesos_argument_spec(spec=None):
    merged = copy.deepcopy(MESOS_COMMON_ARGS)
    merged.update(copy.deepcopy(spec or {}))
    return merged


class MesosClient:
    """Builds the AnsibleModule (own spec + connection spec) and talks to the Mesos master."""

    def __init__(self, argument_spec=None, required_together=None, mutually_exclusive=None, **module_kwargs):
        together = list(MESOS_REQUIRED_TOGETHER) + list(required_together or [])
        exclusive = list(MESOS_MUTUALLY_EXCLUSIVE) + list(mutually_exclusive or [])
        self.module = AnsibleModule(argument_spec=mesos_argument_spec(argument_spec),
                                    required_together=together, mutually_exclusive=exclusive, **module_kwargs)
        params = self.module.params
        self.http = self._http_client(params['mesos_url'], params.get('principal'), params.get('secret'),
                                      params.get('dcos_token'))
        self._agents = {}

    @property
    def params(self):
        return self.module.params

    @property
    def check_mode(self):
        return self.module.check_mode

    def _http_client(self, url, username=None, password=None, token=None):
        params = self.module.params
        # Retries stay opt-in per call: reads retry 5xx/connection errors, operator POSTs never do.
        return HttpClient(url, timeout=params['timeout'], validate_certs=params['validate_certs'],
                          ca_path=params.get('ca_path'), url_username=username, url_password=password,
                          token=token, retries=2)

    def other_client(self, url, username=None, password=None, token=None):
        """A client for another service (Marathon) with the same TLS and timeout settings."""
        return self._http_client(url, username, password, token)

    # -- reads -----------------------------------------------------------------------------------------
    def stream_slaves(self, agent_id=None):
        """``GET /master/slaves`` read incrementally: yields ``("slaves", agent)`` per agent and the other
        top-level members, so a large cluster's answer is never held as objects all at once."""
        query = {'slave_id': agent_id} if agent_id else None
        url = self.http.url('/master/slaves', query)
        attempt = 0
        while True:
            # Opening is retried like any idempotent read; nothing has been read yet.
            try:
                response = self.http.open_stream('/master/slaves', query=query)
                break
            except ApiError as error:
                if attempt >= self.http.retries or not is_retryable(error):
                    raise
                self.http.sleep(backoff_delay(attempt, self.http.backoff, self.http.max_backoff))
                attempt += 1
        try:
            yield from iter_object(response.read, 'slaves')
        except ValueError as error:
            raise ApiError('unexpected /master/slaves body: %s' % error, method='GET', url=url, reason='http')
        except (IOError, OSError) as error:
            raise ApiError('connection error while reading: %s' % error, method='GET', url=url,
                           reason='connection')
        finally:
            response.close()

    def matching_slaves(self, agent_id=None, hostname=None):
        """``/master/slaves`` narrowed to the agents with that id (or hostname), read as a stream so that only
        those agents are kept (older masters ignore ``slave_id`` and send every agent)."""
        matches = []
        for key, value in self.stream_slaves(agent_id):
            if key == 'slaves' and isinstance(value, dict) and (
                    value.get('id') == agent_id if agent_id else value.get('hostname') == hostname):
                matches.append(value)
        return {'slaves': matches}

    def agent_state(self, agent, url_template=None):
        """``GET <agent>/state`` of one agent (what the agent itself has applied).

        ``url_template`` may use ``{hostname}``, ``{port}`` and ``{id}``; by default the agent is reached on
        its registered hostname and port with the scheme of ``mesos_url``.
        """
        scheme = self.params['mesos_url'].split('://', 1)[0] if '://' in self.params['mesos_url'] else 'http'
        template = url_template or (scheme + '://{hostname}:{port}')
        base = template.format(hostname=agent.get('hostname'), port=agent.get('port'), id=agent.get('id'))
        client = self._agents.get(base)
        if client is None:
            client = self._agents[base] = self.other_client(base, self.params.get('principal'),
                                                            self.params.get('secret'), self.params.get('dcos_token'))
        return client.get_json('/state', retry=False)

    # -- operator calls ------------------------------------------------------------------------------
    def operate(self, path, field, agent_id, resources):
        """POST a form-encoded operator call; returns the HTTP status (200/202) or raises ApiError."""
        data = {'slaveId': agent_id, field: json.dumps(resources, sort_keys=True)}
        response = self.http.request('POST', path, data=data, retry=False, expect=ACCEPTED)
        return response.status

    # -- failures --------------------------------------------------------------------------------------
    def fail(self, msg, **kwargs):
        self.module.fail_json(msg=msg, **kwargs)

    def fail_api(self, error, what, **kwargs):
        """Fail with the server's own message and status, prefixed by what was being done."""
        result = error.to_dict()
        result['msg'] = '%s: %s' % (what, error.describe())
        result['mesos_message'] = error.message
        result.update(kwargs)
        self.module.fail_json(**result)
