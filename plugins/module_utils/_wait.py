# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""The one bounded poll of the collection (as kubernetes.core's ``Waiter``): read until done or out of time, and
return the partial result on timeout instead of raising.

Marathon's deployments are waited for through the event stream (``_marathon.wait.DeploymentWaiter``, which uses
the same ``Backoff`` when it falls back to polling); everything that has no event is polled here: the tasks of a
deployed app, the volumes Mesos releases after a wipe, an operator call the master shows applied (Mesos has no
event for "the agent applied an operator call").

The first read is immediate, then the interval grows from ``first`` to ``cap`` (no fixed long sleeps), and the
wait ends at the deadline with the last value read, never later: every request made by ``read`` is capped by the
same deadline (``_http.deadline_scope``), so a hung server cannot stretch the wait. A wait with no time left
(``timeout`` 0, a deadline already past) still makes the one read, bounded by the request's own ``timeout``.

No library: the loop is a dozen lines, and a module on a managed node should not need one to poll.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.dcos.stateful.plugins.module_utils._http import deadline_scope

FIRST, FACTOR, CAP = 0.05, 1.6, 1.0


class Backoff:
    """Poll intervals: ``first``, then times ``factor`` up to ``cap``."""

    def __init__(self, first=FIRST, factor=FACTOR, cap=CAP):
        self.interval = first
        self.factor = factor
        self.cap = cap

    def next(self):
        interval = self.interval
        self.interval = min(self.cap, self.interval * self.factor)
        return interval


class WaitResult:
    """``done``; ``value`` (the last value read: the partial result when not done); ``polls``; ``elapsed``;
    ``error`` (the last tolerated failure when the last read failed)."""

    def __init__(self, done, value, polls, elapsed, error=None):
        self.done = done
        self.value = value
        self.polls = polls
        self.elapsed = elapsed
        self.error = error


def wait_until(read, done, timeout=None, tolerate=None, clock=time.monotonic, sleep=time.sleep,
               first=FIRST, factor=FACTOR, cap=CAP, deadline=None):
    """Call ``read()`` until ``done(value)``, for ``timeout`` seconds (or until ``deadline``, a ``clock()`` value).

    ``tolerate(exc)`` returning True lets a failed read (e.g. a 503 while the master fails over)
    count as "not yet"; other exceptions propagate.
    """
    start = clock()
    if deadline is None:
        deadline = start + max(0.0, timeout or 0.0)
    # no time to wait: the one read is bounded by the request's own timeout
    with deadline_scope(deadline if deadline > start else None):
        return _poll(read, done, tolerate, clock, sleep, start, deadline, Backoff(first, factor, cap))


def _poll(read, done, tolerate, clock, sleep, start, deadline, backoff):
    polls = 0
    value = None
    error = None
    while True:
        try:
            value = read()
            error = None
        except Exception as exc:  # pylint: disable=broad-except
            if tolerate is None or not tolerate(exc):
                raise
            error = exc
        polls += 1
        if error is None and done(value):
            return WaitResult(True, value, polls, clock() - start)
        remaining = deadline - clock()
        if remaining <= 0:
            return WaitResult(False, value, polls, clock() - start, error)
        sleep(min(backoff.next(), remaining))
