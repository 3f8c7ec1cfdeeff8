# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._wait import wait_until


class FakeClock:
    """Time that advances only when the waiter sleeps."""

    def __init__(self):
        self.now = 100.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def reader(values):
    values = list(values)

    def read():
        value = values.pop(0) if len(values) > 1 else values[0]
        if isinstance(value, Exception):
            raise value
        return value
    return read


def test_done_on_first_read_does_not_sleep():
    clock = FakeClock()
    result = wait_until(reader([True]), bool, 10, clock=clock.clock, sleep=clock.sleep)
    assert result.done and result.polls == 1 and clock.sleeps == []


def test_interval_grows_and_is_capped():
    clock = FakeClock()
    result = wait_until(reader([False] * 8 + [True]), bool, 60, clock=clock.clock, sleep=clock.sleep,
                        first=0.1, factor=2, cap=1.0)
    assert result.done and result.polls == 9
    assert clock.sleeps == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 1.0]


def test_timeout_returns_the_last_value_and_never_oversleeps():
    clock = FakeClock()
    result = wait_until(reader([{'n': 1}, {'n': 2}]), lambda v: False, 2.5, clock=clock.clock,
                        sleep=clock.sleep, first=1, factor=1, cap=1)
    assert not result.done
    assert result.value == {'n': 2}
    assert result.elapsed == pytest.approx(2.5)
    assert clock.sleeps == [1, 1, 0.5]


def test_tolerated_errors_count_as_not_yet():
    clock = FakeClock()
    result = wait_until(reader([OSError('503'), True]), bool, 5, tolerate=lambda e: True,
                        clock=clock.clock, sleep=clock.sleep)
    assert result.done and result.polls == 2


def test_tolerated_error_at_timeout_is_reported():
    clock = FakeClock()
    result = wait_until(reader([OSError('503')]), bool, 1, tolerate=lambda e: True, clock=clock.clock,
                        sleep=clock.sleep, first=1)
    assert not result.done and isinstance(result.error, OSError)


def test_other_errors_propagate():
    clock = FakeClock()
    with pytest.raises(ValueError):
        wait_until(reader([ValueError('bad')]), bool, 5, tolerate=lambda e: isinstance(e, OSError),
                   clock=clock.clock, sleep=clock.sleep)


def test_zero_timeout_reads_once():
    clock = FakeClock()
    result = wait_until(reader([False]), bool, 0, clock=clock.clock, sleep=clock.sleep)
    assert not result.done and result.polls == 1 and clock.sleeps == []
