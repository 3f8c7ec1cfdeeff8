# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""Bounded poll for results the Mesos master only shows asynchronously.

Mesos has no event for "the agent applied an operator call", so the result is polled: the first read
is immediate, then the interval grows from ``first`` to ``cap`` (no fixed long sleeps), and the wait
ends at ``timeout`` with the last value read (the partial result), never later: every request made by
``read`` is capped by the same deadline (``deadline_scope``), so a hung server cannot stretch the wait.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.dcos.stateful.plugins.module_utils._http import deadline_scope


class WaitResult:
    def __init__(self, done, value, polls, elapsed, error=None):
        self.done = done
        self.value = value
        self.polls = polls
        self.elapsed = elapsed
        self.error = error


def wait_until(read, done, timeout, tolerate=None, clock=time.monotonic, sleep=time.sleep,
               first=0.05, factor=1.6, cap=1.0):
    """Call ``read()`` until ``done(value)`` or ``timeout`` seconds have passed.

    ``tolerate(exc)`` returning True lets a failed read (e.g. a 503 while the master fails over)
    count as "not yet"; other exceptions propagate.
    """
    start = clock()
    deadline = start + max(0.0, timeout)
    # no time to wait (timeout 0): the one read is bounded by the request's own timeout
    with deadline_scope(deadline if timeout > 0 else None):
        return _poll(read, done, tolerate, clock, sleep, start, deadline, first, factor, cap)


def _poll(read, done, tolerate, clock, sleep, start, deadline, first, factor, cap):
    interval = first
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
        sleep(min(interval, remaining))
        interval = min(cap, interval * factor)
