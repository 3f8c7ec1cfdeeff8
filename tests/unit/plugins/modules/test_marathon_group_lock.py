# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""marathon_group against a real local server that answers the group write with Marathon's 409 lock: the lock is
waited for, and what the module reports after it cleared is what it did in the round that followed (the integration
target marathon_group does the same against the emulator, tasks/lock.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dcos.stateful.plugins.modules import marathon_group
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.hostile_http import LOCKED, reply, sse
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_main

V1, V2, V3 = '2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z'
GROUP = '/v2/groups/stack'
DRY_RUN = reply(200, {'steps': [{'actions': [{'action': 'RestartApplication', 'app': '/stack/db'}]}]})
DESIRED = {'apps': [{'id': 'db', 'cmd': 'sleep 1000', 'cpus': 0.1, 'mem': 32}]}


def held(version, **fields):
    """The group as Marathon answers GET /v2/groups/stack, with the app /stack/db."""
    app = dict({'id': '/stack/db', 'cmd': 'sleep 1000', 'cpus': 0.1, 'mem': 32, 'instances': 1, 'disk': 0, 'gpus': 0,
                'env': {}, 'labels': {}, 'constraints': [], 'dependencies': [], 'version': version,
                'tasksRunning': 1, 'deployments': []}, **fields)
    return {'id': '/stack', 'apps': [app], 'groups': [], 'dependencies': [], 'pods': [], 'version': version}


def dry_run_or(write):
    """PUT of the group: Marathon's plan for ``dryRun=true`` (Real Marathon: a dry run takes no lock), else ``write``."""
    def act(h):
        (DRY_RUN if 'dryRun=true' in h.path else write)(h)
    return act


def run(srv, capsys, **kw):
    args = dict(marathon_url=srv.url, id='/stack', definition=DESIRED, wait_timeout=8, timeout=5)
    args.update(kw)
    return run_main(marathon_group, capsys, **args)


def test_a_lock_that_clears_into_the_wanted_state_is_no_change(marathon, capsys):
    # Someone's deployment changed db to 100 cpus and never finished; they rolled it back while we waited:
    # after the lock the group already is what we want, so nothing is written and nothing was changed.
    srv = marathon({
        ('GET', GROUP): [reply(200, held(V2, cpus=100)), reply(200, held(V3))],
        ('PUT', GROUP): dry_run_or(LOCKED),
        '/v2/deployments': reply(200, []),
        '/v2/events': sse(),
    })
    code, result = run(srv, capsys, diff=True)
    assert code == 0, result
    assert result['changed'] is False, result
    assert result['deployment_id'] is None and result['steps'] is None
    assert 'diff' not in result
    assert result['changed_apps'] == {'created': [], 'updated': {}, 'removed': []}
    assert result['group']['apps'][0]['version'] == V3
    # the one write refused, and the dry run of the first round; nothing after the lock cleared
    assert [s[1] for s in srv.requests('PUT')] == ['/v2/groups/stack?force=false&dryRun=true', '/v2/groups/stack?force=false']


def test_a_lock_that_clears_is_followed_by_a_new_plan_and_one_write(marathon, capsys):
    srv = marathon({
        ('GET', GROUP): [reply(200, held(V2, cpus=100)), reply(200, held(V2, cpus=100, mem=64))],
        ('PUT', GROUP): [LOCKED, reply(200, {'version': V3, 'deploymentId': 'ours'})],
        ('GET', '/v2/apps'): reply(200, {'apps': [held(V3)['apps'][0]]}),  # the written app's tasks run
        '/v2/deployments': reply(200, []),
        '/v2/events': [sse(), sse(events=[(0.2, 'deployment_success', {'id': 'ours'})])],
    })
    code, result = run(srv, capsys, stable_seconds=0)
    assert code == 0, result
    assert result['changed'] is True and result['deployment_id'] == 'ours'
    # planned again on what the lock left: mem changed by the other deployment, cpus still to put back
    assert result['changed_apps']['updated'] == {'/stack/db': ['cpus', 'mem']}
    assert len(srv.requests('PUT')) == 2


def test_a_lock_that_stays_fails_naming_it_after_one_refused_write(marathon, capsys):
    srv = marathon({
        ('GET', GROUP): reply(200, held(V2, cpus=100)),
        ('PUT', GROUP): LOCKED,
        '/v2/deployments': reply(200, [{'id': 'blocker', 'affectedApps': ['/stack/db']}]),
        '/v2/events': sse(),
    })
    code, result = run(srv, capsys, wait_timeout=1)
    assert code == 1, result
    assert 'locked by running deployment(s) blocker' in result['msg'] and 'force=true' in result['msg']
    assert result['status'] == 409 and result['locked_by'] == ['blocker']
    assert not result.get('changed') and result['deployment_id'] is None
    # nothing was written: the group reported is Marathon's, not the body that was refused
    assert result['group']['apps'][0]['cpus'] == 100
    assert len(srv.requests('PUT')) == 1


def test_a_lock_that_clears_with_the_group_gone_is_no_change_for_absent(marathon, capsys):
    # The deployment that held the lock was a deletion of the group: nothing is left for us to delete.
    srv = marathon({
        ('GET', GROUP): [reply(200, held(V2)), reply(404, {'message': "Group '/stack' does not exist"})],
        ('DELETE', GROUP): LOCKED,
        '/v2/deployments': reply(200, []),
        '/v2/events': sse(),
    })
    code, result = run(srv, capsys, state='absent', definition=None, diff=True)
    assert code == 0, result
    assert result['changed'] is False and 'diff' not in result, result
    assert result['changed_apps']['removed'] == []
    assert len(srv.requests('DELETE')) == 1
