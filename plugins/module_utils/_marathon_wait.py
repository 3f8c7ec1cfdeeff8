# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""Bounded waiting for Marathon deployments: the event stream first, polling as fallback.

Open the stream *before* the write (`subscribe()`), so a deployment that finishes at once is not
missed; then `wait(ids, deadline, stream)`. Marathon removes finished, failed and cancelled plans
from GET /v2/deployments, so "absent from that list" is the ground truth; events only make us
notice sooner. Transient HTTP errors while waiting are tolerated until the deadline. Never raises
on timeout: the result says what is still pending.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import time

from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError

DEPLOYMENT_EVENTS = ['deployment_success', 'deployment_failed']


class WaitResult:
    def __init__(self, pending, failed, elapsed, via, last_error=None, failure_events=None):
        self.pending = sorted(pending)
        self.failed = sorted(failed)
        self.elapsed = elapsed
        self.via = via
        self.last_error = last_error
        self.failure_events = failure_events or []

    @property
    def ok(self):
        return not self.pending and not self.failed

    @property
    def timed_out(self):
        return bool(self.pending)


class EventStream:
    """Server-Sent Events reader over an open_url response."""

    def __init__(self, response):
        self.response = response

    def next_event(self):
        """(event_type, data) of the next event; None at end of stream. Raises socket.timeout/OSError."""
        event, data = None, []
        while True:
            line = self.response.readline()
            if not line:
                return None
            line = line.decode('utf-8', 'replace').rstrip('\r\n')
            if not line:
                if data or event:
                    payload = '\n'.join(data)
                    try:
                        payload = json.loads(payload)
                    except ValueError:
                        pass
                    return event or 'message', payload
                continue
            if line.startswith(':'):
                continue
            field, sep, value = line.partition(':')
            value = value[1:] if sep and value.startswith(' ') else value
            if field == 'event':
                event = value
            elif field == 'data':
                data.append(value)

    def close(self):
        try:
            self.response.close()
        except Exception:  # closing a broken stream must not mask the real outcome
            pass


def event_deployment_id(data):
    if not isinstance(data, dict):
        return None
    plan = data.get('plan')
    return data.get('id') or (plan.get('id') if isinstance(plan, dict) else None)


class DeploymentWaiter:
    def __init__(self, client, clock=time.monotonic, sleep=time.sleep, idle=5.0, use_events=True):
        self.client = client
        self.clock = clock
        self.sleep = sleep
        self.idle = idle
        self.use_events = use_events

    def subscribe(self, timeout=None):
        """Open /v2/events filtered to deployment outcomes; None when unavailable (then we poll)."""
        if not self.use_events:
            return None
        idle = self.idle if timeout is None else max(0.5, min(self.idle, timeout))
        try:
            resp = self.client.open_stream('/v2/events', query={'event_type': DEPLOYMENT_EVENTS},
                                           timeout=idle, headers={'Accept': 'text/event-stream'})
        except ApiError:
            return None
        return EventStream(resp)

    def running_ids(self):
        deployments = self.client.get_json('/v2/deployments', retry=False)
        return set(d.get('id') for d in deployments or [] if isinstance(d, dict))

    def wait(self, deployment_ids, deadline, stream=None):
        """Wait until none of `deployment_ids` is running or `deadline` (clock value) passes."""
        start = self.clock()
        pending = set(i for i in deployment_ids if i)
        failed, failure_events = set(), []
        last_error = None
        via = 'events' if stream is not None else 'polling'
        delay = 0.05
        check_now = stream is None
        try:
            while pending:
                if check_now:
                    try:
                        pending &= self.running_ids()
                    except ApiError as e:
                        last_error = e.describe()
                    check_now = False
                    if not pending:
                        break
                remaining = deadline - self.clock()
                if remaining <= 0:
                    break
                if stream is None:
                    self.sleep(min(delay, remaining))
                    delay = min(delay * 1.6, 1.0)
                    check_now = True
                    continue
                try:
                    item = stream.next_event()
                except (socket.timeout, OSError, ValueError):
                    item = None
                if item is None:
                    # idle or dropped: reopen first, then check the list, so nothing is missed
                    stream.close()
                    stream = self.subscribe(deadline - self.clock())
                    if stream is None:
                        via = 'polling'
                    check_now = True
                    continue
                event, data = item
                dep_id = event_deployment_id(data)
                if dep_id in pending and event in DEPLOYMENT_EVENTS:
                    pending.discard(dep_id)
                    if event == 'deployment_failed':
                        failed.add(dep_id)
                        failure_events.append(data)
        finally:
            if stream is not None:
                stream.close()
        return WaitResult(pending, failed, self.clock() - start, via, last_error, failure_events)


def wait_until(predicate, deadline, clock=time.monotonic, sleep=time.sleep):
    """Poll `predicate()` (returns (done, value)) with backoff until done or deadline; -> (done, value)."""
    delay = 0.05
    while True:
        done, value = predicate()
        remaining = deadline - clock()
        if done or remaining <= 0:
            return done, value
        sleep(min(delay, remaining))
        delay = min(delay * 1.6, 1.0)
