# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""Bounded waiting for Marathon deployments: the event stream first, polling as fallback.

Open the stream *before* the write (`subscribe()`), so a deployment that finishes at once is not
missed; then `wait(ids, deadline, stream, watch)`. Marathon removes finished, failed and cancelled plans
from GET /v2/deployments, so "absent from that list" is the ground truth; events only make us
notice sooner, and the list is read again whenever no event of ours came for `idle` seconds (a stream that
only sends heartbeats cannot hold the wait). Transient HTTP errors while waiting are tolerated until the
deadline. Never raises on timeout: the result says what is still pending.

Every read inside the wait is capped by the deadline (`deadline_scope`), and the stream is read with the
deadline too: a hung or dripping server ends the wait at the deadline, not at the next full line.

`TaskFailureWatch({app_id: version}, read_apps)` ends the wait early when a task of a version being deployed
fails (a `status_update_event` with TASK_FAILED/TASK_ERROR, or the app's `lastTaskFailure` of that version):
Marathon keeps relaunching such a task and the deployment would otherwise run until `wait_timeout`.
`tasks_ready(app)` says whether an app's wanted instances run (and are healthy when it has health checks);
`wait_stable(read, ids, ...)` waits, after the deployment, until every one of the apps written does so for a
stability window, or a task of the new version failed. `send_write(waiter, send, ...)` sends one write the way
every runner does: the stream opened first, a 409 lock waited out.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import time

from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError, deadline_scope
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.api import locking_deployments
from ansible_collections.dcos.stateful.plugins.module_utils._wait import Backoff, wait_until

DEPLOYMENT_EVENTS = ['deployment_success', 'deployment_failed']
STATUS_EVENT = 'status_update_event'
# A task's own failure; TASK_KILLED (our kill, a health-check kill) and TASK_LOST (an agent) are not.
FAILED_TASK_STATES = frozenset(['TASK_FAILED', 'TASK_ERROR'])
# One SSE line: deployment events carry whole plans, large on a big cluster but never unbounded.
MAX_EVENT_LINE = 16 * 1024 * 1024
IDLE = ('idle', None)


class WaitResult:
    def __init__(self, pending, failed, elapsed, via, last_error=None, failure_events=None, task_failure=None):
        self.pending = sorted(pending)
        self.failed = sorted(failed)
        self.elapsed = elapsed
        self.via = via
        self.last_error = last_error
        self.failure_events = failure_events or []
        self.task_failure = task_failure

    @property
    def ok(self):
        return not self.pending and not self.failed and not self.task_failure

    @property
    def timed_out(self):
        return bool(self.pending) and not self.task_failure


class EventStream:
    """Server-Sent Events reader over a BoundedStream (or any object with readline(limit, until))."""

    def __init__(self, response, clock=time.monotonic):
        self.response = response
        self.clock = clock
        self._event, self._data = None, []

    def next_event(self, until=None):
        """(event_type, data) of the next event; IDLE when ``until`` passes first (heartbeats do not count);
        None at end of stream or when the stream broke (then reopen)."""
        while True:
            if until is not None and self.clock() >= until:
                return IDLE
            try:
                line = self.response.readline(MAX_EVENT_LINE, until)
            except socket.timeout:
                return IDLE
            except (ApiError, OSError, ValueError):
                return None
            if not line:
                return None
            line = line.decode('utf-8', 'replace').rstrip('\r\n')
            if not line:
                if self._data or self._event:
                    event, payload = self._event or 'message', '\n'.join(self._data)
                    self._event, self._data = None, []
                    try:
                        payload = json.loads(payload)
                    except ValueError:
                        pass
                    return event, payload
                continue
            if line.startswith(':'):
                continue
            field, sep, value = line.partition(':')
            value = value[1:] if sep and value.startswith(' ') else value
            if field == 'event':
                self._event = value
            elif field == 'data':
                self._data.append(value)

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


def describe_task_failure(failure):
    return '%s %s on %s%s' % (failure.get('taskId') or failure.get('task_id') or 'a task', failure.get('state'),
                              failure.get('host'), ': %s' % failure['message'] if failure.get('message') else '')


class TaskFailureWatch:
    """Failures of tasks of the app versions that a write returned (tasks launched for a version carry it).

    ``versions``: {app id: version}, one app for marathon_app, every app of a bulk write for its many-apps form.
    ``read_apps()``: the watched apps as Marathon holds them now (one request; None for an app that is gone)."""

    def __init__(self, versions, read_apps):
        self.versions = dict((app_id, version) for app_id, version in versions.items() if version)
        self.read_apps = read_apps

    def _ours(self, app_id, version, state):
        return app_id in self.versions and version == self.versions[app_id] and state in FAILED_TASK_STATES

    def from_event(self, event, data):
        if event != STATUS_EVENT or not isinstance(data, dict):
            return None
        if self._ours(data.get('appId'), data.get('version'), data.get('taskStatus')):
            return {'appId': data.get('appId'), 'taskId': data.get('taskId'), 'state': data.get('taskStatus'),
                    'host': data.get('host'), 'message': data.get('message'), 'version': data.get('version'),
                    'source': 'event'}
        return None

    def from_app(self, app):
        failure = app.get('lastTaskFailure') if isinstance(app, dict) else None
        if isinstance(failure, dict) and self._ours(app.get('id'), failure.get('version'), failure.get('state')):
            return dict(failure, source='lastTaskFailure')
        return None

    def from_apps(self, apps):
        """The first failure of a watched version among ``apps`` (an iterable; None entries are skipped)."""
        for app in apps:
            failure = self.from_app(app)
            if failure:
                return failure
        return None

    def poll(self):
        if not self.versions:
            return None
        return self.from_apps(self.read_apps())


def tasks_ready(app):
    """Whether the app's wanted instances are running, and healthy when it has health checks. An app that wants no
    instance, or is gone (None), is ready: nothing is left to wait for."""
    if app is None:
        return True
    want = app.get('instances') or 0
    ok = (app.get('tasksRunning') or 0) >= want
    if app.get('healthChecks'):
        ok = ok and (app.get('tasksHealthy') or 0) >= want
    return ok


class Stability:
    """What wait_stable() saw last: ``done``, the apps (``{id: app or None}``), the ids still ``waiting``, and the
    task ``failure`` of a watched version (or None)."""

    def __init__(self, done, apps, waiting, failure):
        self.done = done
        self.apps = apps
        self.waiting = waiting
        self.failure = failure


def wait_stable(read, ids, watch, stable_seconds, deadline, clock=time.monotonic):
    """After a deployment: every app of ``ids`` runs its wanted instances (healthy where it has health checks) for
    ``stable_seconds`` in a row (less when ``deadline`` comes first), and no task of a watched version failed.

    ``read(ids)`` returns ``{id: app or None}`` in one request. Returns the partial result (a Stability), never
    raises on timeout. Apps that want no instance are done at once (nothing to be stable)."""
    since = {'at': None}

    def look():
        apps = read(ids)
        failure = watch.from_apps(apps.values()) if watch is not None else None
        waiting = [app_id for app_id in ids if not tasks_ready(apps.get(app_id))]
        if failure is not None:
            return Stability(True, apps, waiting, failure)
        if waiting or not any((app or {}).get('instances') for app in apps.values()):
            since['at'] = None
            return Stability(not waiting, apps, waiting, None)
        now = clock()
        since['at'] = since['at'] if since['at'] is not None else now
        return Stability(now - since['at'] >= stable_seconds or now >= deadline, apps, waiting, None)

    return wait_until(look, lambda seen: seen.done, deadline=deadline, clock=clock).value


class DeploymentWaiter:
    def __init__(self, api, clock=time.monotonic, sleep=time.sleep, idle=5.0, use_events=True):
        """``api``: a MarathonApi (the event stream and the deployments list)."""
        self.api = api
        self.clock = clock
        self.sleep = sleep
        self.idle = idle
        self.use_events = use_events

    def subscribe(self, timeout=None, deadline=None):
        """Open Marathon's event stream filtered to deployment outcomes and task status; None when unavailable (then we
        poll). ``deadline`` bounds how long the stream is read (default: ``timeout`` from now)."""
        if not self.use_events:
            return None
        if deadline is None and timeout is not None:
            deadline = self.clock() + max(0.5, timeout)
        try:
            resp = self.api.open_events(DEPLOYMENT_EVENTS + [STATUS_EVENT], timeout=min(self.idle, self.api.http.timeout),
                                        deadline=deadline)
        except ApiError:
            return None
        if 'text/event-stream' not in (resp.headers.get('content-type') or ''):
            resp.close()  # not an event stream (a proxy's page, another service): poll instead
            return None
        return EventStream(resp, clock=self.clock)

    def running_ids(self):
        deployments = self.api.deployments(retry=False)
        return set(d.get('id') for d in deployments or [] if isinstance(d, dict))

    def wait(self, deployment_ids, deadline, stream=None, watch=None):
        """Wait until none of `deployment_ids` is running, a task of the watched version failed, or `deadline`
        (clock value) passes."""
        with deadline_scope(deadline):
            return self._wait(deployment_ids, deadline, stream, watch)

    def _check(self, pending, watch):
        """(still pending, task failure or None, error text or None) from the list (and the app)."""
        error = None
        try:
            pending = pending & self.running_ids()
        except ApiError as e:
            error = e.describe()
        failure = None
        if watch is not None:
            try:
                failure = watch.poll()
            except ApiError as e:
                error = e.describe()
        return pending, failure, error

    def _wait(self, deployment_ids, deadline, stream, watch):
        start = self.clock()
        pending = set(i for i in deployment_ids if i)
        failed, failure_events = set(), []
        task_failure, last_error = None, None
        via = 'events' if stream is not None else 'polling'
        backoff = Backoff()
        check_now = stream is None
        next_check = self.clock() + self.idle
        try:
            while pending and task_failure is None:
                if check_now:
                    pending, task_failure, error = self._check(pending, watch)
                    last_error = error or last_error
                    check_now = False
                    next_check = self.clock() + self.idle
                    if not pending or task_failure is not None:
                        break
                remaining = deadline - self.clock()
                if remaining <= 0:
                    break
                if stream is None:
                    self.sleep(min(backoff.next(), remaining))
                    check_now = True
                    continue
                item = stream.next_event(min(deadline, next_check))
                if item is IDLE:
                    check_now = True  # nothing of ours for `idle` seconds (heartbeats only?): read the list
                    continue
                if item is None:
                    # dropped: reopen first, then check the list, so nothing is missed
                    stream.close()
                    stream = self.subscribe(deadline=deadline) if deadline - self.clock() > 0 else None
                    if stream is None:
                        via = 'polling'
                    check_now = True
                    continue
                event, data = item
                if watch is not None:
                    task_failure = watch.from_event(event, data)
                dep_id = event_deployment_id(data)
                if dep_id in pending and event in DEPLOYMENT_EVENTS:
                    pending.discard(dep_id)
                    if event == 'deployment_failed':
                        failed.add(dep_id)
                        failure_events.append(data)
        finally:
            if stream is not None:
                stream.close()
        return WaitResult(pending, failed, self.clock() - start, via, last_error, failure_events, task_failure)


class Sent:
    """What send_write() did: ``resp`` (and the open ``stream`` when waiting) after an accepted write; ``resp`` None
    after a lock, with ``pending`` the deployments still holding it at the deadline (empty: it cleared, decide again)."""

    def __init__(self, resp=None, stream=None, pending=()):
        self.resp = resp
        self.stream = stream
        self.pending = list(pending)


def send_write(waiter, send, deadline, wait, force):
    """Send one write: the event stream is opened first when waiting (a deployment that ends at once is not missed).
    A 409 lock by other deployments (without ``force``) is waited out until ``deadline``; any other failure raises
    the ApiError (``maybe_applied`` says whether the write may have been applied)."""
    stream = waiter.subscribe(deadline=deadline) if wait else None
    try:
        resp = send()
    except ApiError as e:
        if stream is not None:
            stream.close()
        locks = locking_deployments(e)
        if not locks or force:
            raise
        res = waiter.wait(locks, deadline)
        return Sent(pending=res.pending if not res.ok else ())
    return Sent(resp, stream)
