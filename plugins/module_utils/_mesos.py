# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""``MesosClient``: the one place that owns the Mesos connection options, the HTTP calls to the master's
operator endpoints, and how their failures are reported. Transport is the shared ``_http.HttpClient``.

Connection options are ``MESOS_COMMON_ARGS``, documented one-to-one by the doc fragment
``dcos.stateful.mesos``. Modules pass only their own options; the client merges these in.

Answers are checked here: ``/master/slaves`` must be a JSON object with a ``slaves`` array, an agent's
``/state`` an object, an operator call's success body empty or plain text (never an HTML page). A URL that
answers but is not the Mesos master (the DC/OS UI, a login page, another service) fails with one clear
message naming what came back, in every module. ``read_slaves(http)`` serves a plain HttpClient for Mesos.

Redirects: a non-leading master answers 307 to the leader. The client follows it (method and body kept), but
sends the credentials (``principal``/``secret``, ``dcos_token``) only to the origin of ``mesos_url``: a leader
on another host gets none, and a 401 there says to point ``mesos_url`` at the leader (or ``leader.mesos``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import socket

from ansible.module_utils.basic import AnsibleModule, env_fallback

from ansible_collections.dcos.stateful.plugins.module_utils._http import (
    MARATHON_API_HINT, MESOS_API_HINT, ApiError, HttpClient, backoff_delay, describe_answer, is_html, is_retryable,
    parse_body,
)
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

MESOS_SERVICE = 'the Mesos master'
MESOS_AUTH_HINT = 'set principal and secret (Mesos HTTP authentication) or dcos_token (DC/OS)'
MARATHON_AUTH_HINT = 'set marathon_token (DC/OS), or marathon_username and marathon_password'
AGENT_API_HINT = 'is agent_url (or the agent\'s registered hostname and port) a Mesos agent?'
SLAVES_SHAPE = {'slaves': list}
STATE_SHAPE = {'slaves': list, 'frameworks': list}
# The first bytes of a streamed answer, kept to say what it was when it is not JSON.
HEAD_BYTES = 4096


def read_slaves(http, query=None):
    """GET /master/slaves (whole) through any HttpClient for the Mesos master."""
    return http.get_json('/master/slaves', query=query, shape=SLAVES_SHAPE)


def read_state(http):
    """GET /master/state (whole): agents with their domain and every framework's tasks with their container, in
    one request (external_volume_info)."""
    return http.get_json('/master/state', shape=STATE_SHAPE)


class _HeadRecorder:
    """Passes ``read`` through and keeps the first HEAD_BYTES, to describe a body that is not JSON."""

    def __init__(self, read):
        self._read = read
        self.head = b''

    def read(self, size):
        data = self._read(size)
        if len(self.head) < HEAD_BYTES:
            self.head += data[:HEAD_BYTES - len(self.head)]
        return data


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
                                      params.get('dcos_token'), service=MESOS_SERVICE, api_hint=MESOS_API_HINT,
                                      auth_hint=MESOS_AUTH_HINT, error_format='text')
        self._agents = {}

    @property
    def params(self):
        return self.module.params

    @property
    def check_mode(self):
        return self.module.check_mode

    def _http_client(self, url, username=None, password=None, token=None, **kwargs):
        params = self.module.params
        # Retries stay opt-in per call: reads retry 5xx/connection errors, operator POSTs never do.
        return HttpClient(url, timeout=params['timeout'], validate_certs=params['validate_certs'],
                          ca_path=params.get('ca_path'), url_username=username, url_password=password,
                          token=token, retries=2, **kwargs)

    def other_client(self, url, username=None, password=None, token=None):
        """A client for Marathon with the same TLS and timeout settings."""
        return self._http_client(url, username, password, token, service='Marathon', api_hint=MARATHON_API_HINT,
                                 auth_hint=MARATHON_AUTH_HINT, error_format='json')

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
        head = _HeadRecorder(response.read)
        arrays, keys = set(), []
        try:
            content_type = response.headers.get('content-type') or ''
            if 'html' in content_type:
                head.read(HEAD_BYTES)
                raise ValueError('an HTML answer')
            for key, value in iter_object(head.read, 'slaves', arrays_seen=arrays):
                if key not in keys:
                    keys.append(key)
                yield key, value
        except ValueError as error:
            raise self._not_mesos(url, head.head, str(error))
        except socket.timeout:
            raise ApiError('timed out while reading the answer; the time allowed was timeout (or what was left of '
                           'wait_timeout)', method='GET', url=url, reason='timeout')
        except (IOError, OSError) as error:
            raise ApiError('connection error while reading: %s' % error, method='GET', url=url,
                           reason='connection')
        finally:
            response.close()
        if 'slaves' not in arrays:
            raise self._not_mesos(url, b'', 'no slaves array', keys)

    @staticmethod
    def _not_mesos(url, head, problem, keys=None):
        text = head.decode('utf-8', 'replace')
        body = parse_body(text)
        start = text.lstrip()[:1]
        if keys is not None:
            what = describe_answer(dict.fromkeys(keys), 'keys') + " (no 'slaves' array)"
        elif isinstance(body, str) and start in ('[', '{'):
            what = 'a JSON %s that is not what the master sends (%s)' % ('array' if start == '[' else 'object', problem)
        else:
            what = describe_answer(body, text)
        return ApiError('answered with %s, which is not an answer of the Mesos master' % what,
                        method='GET', url=url, reason='not_api', hint=MESOS_API_HINT)

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
            client = self._agents[base] = self._http_client(
                base, self.params.get('principal'), self.params.get('secret'), self.params.get('dcos_token'),
                service='a Mesos agent', api_hint=AGENT_API_HINT, auth_hint=MESOS_AUTH_HINT, error_format='text')
        return client.get_json('/state', retry=False, shape=dict)

    # -- operator calls ------------------------------------------------------------------------------
    def operate(self, path, field, agent_id, resources):
        """POST a form-encoded operator call; returns the HTTP status (200/202) or raises ApiError."""
        data = {'slaveId': agent_id, field: json.dumps(resources, sort_keys=True)}
        response = self.http.request('POST', path, data=data, retry=False, expect=ACCEPTED)
        if is_html(response.text) or isinstance(response.body, (dict, list)):
            # the master accepts with an empty (or plain-text) body; a page or JSON here is another service
            raise ApiError('answered HTTP %s with %s, which is not an answer of the Mesos master' % (
                response.status, describe_answer(response.body, response.text)), method='POST',
                url=self.http.url(path), reason='not_api', hint=MESOS_API_HINT)
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
