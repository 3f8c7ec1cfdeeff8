# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Table for wait_stable(), the one wait for tasks after a deployment (one app or many), and for tasks_ready()."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.wait import (
    TaskFailureWatch, tasks_ready, wait_stable,
)

V = '2026-01-01T00:00:00.000Z'


def app(app_id, instances=1, running=1, healthy=None, checks=False, failure=None):
    out = {'id': app_id, 'instances': instances, 'tasksRunning': running, 'tasksHealthy': healthy or 0}
    if checks:
        out['healthChecks'] = [{'protocol': 'TCP'}]
    if failure:
        out['lastTaskFailure'] = {'appId': app_id, 'state': failure, 'version': V, 'taskId': 't1'}
    return out


@pytest.mark.parametrize('value,ready', [
    (None, True),                                   # gone: nothing to wait for
    (app('/a', instances=0, running=0), True),      # stopped on purpose
    (app('/a'), True),
    (app('/a', running=0), False),
    (app('/a', checks=True, healthy=0), False),     # running but not healthy yet
    (app('/a', checks=True, healthy=1), True),
    (app('/a', instances=3, running=2), False),
])
def test_tasks_ready(value, ready):
    assert tasks_ready(value) is ready


# (name, apps as read, stable_seconds, deadline passed, done, waiting, failed)
TABLE = [
    ('all running, no window', {'/a': app('/a'), '/b': app('/b')}, 0, False, True, [], False),
    ('one not running at the deadline', {'/a': app('/a'), '/b': app('/b', running=0)}, 0, True, False, ['/b'], False),
    ('nothing wanted: done at once', {'/a': app('/a', instances=0, running=0)}, 5, True, True, [], False),
    ('a gone app does not hold the wait', {'/a': None, '/b': app('/b')}, 0, False, True, [], False),
    ('a failed task of the new version ends it', {'/a': app('/a', running=0, failure='TASK_FAILED'), '/b': app('/b')},
     5, False, True, ['/a'], True),
    ('a killed task is not a failed one', {'/a': app('/a', failure='TASK_KILLED')}, 0, False, True, [], False),
    ('the window ends at the deadline', {'/a': app('/a')}, 60, True, True, [], False),
]


@pytest.mark.parametrize('name,apps,stable,late,done,waiting,failed', TABLE, ids=[t[0] for t in TABLE])
def test_wait_stable(name, apps, stable, late, done, waiting, failed):
    reads = []

    def read(ids):
        reads.append(list(ids))
        return dict((i, apps[i]) for i in ids)
    watch = TaskFailureWatch(dict((i, V) for i in apps), lambda: read(list(apps)).values())
    deadline = time.monotonic() + (-1 if late else 30)
    seen = wait_stable(read, list(apps), watch, stable, deadline)
    assert seen.done is done
    assert seen.waiting == waiting
    assert (seen.failure is not None) is failed
    assert len(reads) == 1  # each case is decided by its first look: no sleeping here
