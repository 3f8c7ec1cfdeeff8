# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""``MesosMasterApi(http)`` and ``MesosAgentApi(http)``: the one place that knows the URL paths of the Mesos
master (``/master/slaves``, the operator endpoints) and of an agent (``/state``), and the shapes of their answers.

Each holds an ``_http.HttpClient`` and returns data or raises ``ApiError`` (the one error type of every client);
neither fails a module. Any module may use them: ``mesos_volume`` through ``_mesos.MesosModule``,
``marathon_task_wipe`` through ``_marathon.MarathonModule.mesos_api``.

Answers are checked here: ``/master/slaves`` must be a JSON object with a ``slaves`` array, an agent's
``/state`` an object, an operator call's success body empty or plain text (never an HTML page). A URL that
answers but is not the Mesos master (the DC/OS UI, a login page, another service) fails with one clear
message naming what came back, in every module.

The planner (``_mesos.volume_plan``) speaks of operation kinds (``reserve``, ``unreserve``, ``create``,
``destroy``); ``OPERATIONS`` maps each to its operator endpoint and form field here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket

from ansible_collections.dcos.stateful.plugins.module_utils._http import (
    MESOS_API_HINT, ApiError, describe_answer, is_html, parse_body,
)
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.json_stream import iter_object

# Master success codes: 202 since Mesos 1.0, 200 on 0.25 - 0.28.
ACCEPTED = (200, 202)
# Operation kind -> (operator endpoint, form field holding the JSON resources).
OPERATIONS = {
    'reserve': ('/master/reserve', 'resources'),
    'unreserve': ('/master/unreserve', 'resources'),
    'create': ('/master/create-volumes', 'volumes'),
    'destroy': ('/master/destroy-volumes', 'volumes'),
}
SLAVES_SHAPE = {'slaves': list}
STATE_SHAPE = {'slaves': list, 'frameworks': list}
# The first bytes of a streamed answer, kept to say what it was when it is not JSON.
HEAD_BYTES = 4096


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


class MesosMasterApi:
    """The Mesos master's HTTP endpoints over one HttpClient: data back, or ApiError."""

    def __init__(self, http):
        self.http = http

    @property
    def calls(self):
        return self.http.calls

    # -- reads -----------------------------------------------------------------------------------------
    def slaves(self, query=None):
        """``GET /master/slaves``, parsed whole (small answers: one agent, or a wait's repeated reads)."""
        return self.http.get_json('/master/slaves', query=query, shape=SLAVES_SHAPE)

    def state(self):
        """``GET /master/state``, parsed whole: agents with their domain and every framework's tasks with their
        container, in one request (external_volume_info)."""
        return self.http.get_json('/master/state', shape=STATE_SHAPE)

    def stream_slaves(self, agent_id=None):
        """``GET /master/slaves`` read incrementally: yields ``("slaves", agent)`` per agent and the other
        top-level members, so a large cluster's answer is never held as objects all at once."""
        query = {'slave_id': agent_id} if agent_id else None
        url = self.http.url('/master/slaves', query)
        # Opening is retried like any idempotent read (nothing has been read yet); reading is not.
        response = self.http.open_stream('/master/slaves', query=query, retry=True)
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

    # -- operator calls ------------------------------------------------------------------------------
    def operate(self, kind, agent_id, resources):
        """POST the form-encoded operator call of ``kind`` (a key of OPERATIONS); returns the HTTP status
        (200/202) or raises ApiError. Never retried here: the caller re-reads the state before any re-send."""
        path, field = OPERATIONS[kind]
        data = {'slaveId': agent_id, field: json.dumps(resources, sort_keys=True)}
        response = self.http.request('POST', path, data=data, retry=False, expect=ACCEPTED)
        if is_html(response.text) or isinstance(response.body, (dict, list)):
            # the master accepts with an empty (or plain-text) body; a page or JSON here is another service
            raise ApiError('answered HTTP %s with %s, which is not an answer of the Mesos master' % (
                response.status, describe_answer(response.body, response.text)), method='POST',
                url=self.http.url(path), reason='not_api', hint=MESOS_API_HINT)
        return response.status


class MesosAgentApi:
    """One Mesos agent's own endpoints over one HttpClient."""

    def __init__(self, http):
        self.http = http

    def state(self):
        """``GET /state`` of the agent (what the agent itself has applied)."""
        return self.http.get_json('/state', retry=False, shape=dict)
