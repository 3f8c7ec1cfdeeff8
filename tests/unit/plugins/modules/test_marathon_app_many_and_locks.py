# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""marathon_app, one app and many (apps), against a real local server: after Marathon's 409 lock cleared, the result
says what the next round did, not what the refused write would have done; a lock that stays shows what Marathon
holds; many refusals make a short message and a full list."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dcos.stateful.plugins.modules import marathon_app
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.hostile_http import LOCKED, reply, sse
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.module_runner import run_main

V1, V2, V3 = '2024-01-01T00:00:00.000Z', '2024-01-02T00:00:00.000Z', '2024-01-03T00:00:00.000Z'
APP = '/v2/apps/db'
WANTED = {'id': '/db', 'cmd': 'sleep 1000', 'cpus': 0.1, 'mem': 32}


def held(version, **fields):
    """The app as Marathon answers for it, tasks and counts embedded."""
    return dict({'id': '/db', 'cmd': 'sleep 1000', 'cpus': 0.1, 'mem': 32, 'instances': 1, 'disk': 0, 'gpus': 0,
                 'env': {}, 'labels': {}, 'constraints': [], 'dependencies': [], 'version': version,
                 'tasksRunning': 1, 'tasksHealthy': 0, 'tasks': [], 'deployments': []}, **fields)


def test_one_app_lock_that_clears_into_the_wanted_state_is_no_change(marathon, capsys):
    # Someone's deployment set db to 100 cpus and never finished; it was rolled back while we waited.
    srv = marathon({
        ('GET', APP): [reply(200, {'app': held(V2, cpus=100)}), reply(200, {'app': held(V3)})],
        ('PUT', APP): LOCKED,
        '/v2/deployments': reply(200, []),
        '/v2/events': sse(),
    })
    code, result = run_main(marathon_app, capsys, marathon_url=srv.url, definition=WANTED, wait_timeout=8, timeout=5,
                            diff=True)
    assert code == 0, result
    assert result['changed'] is False, result
    assert result['deployment_id'] is None
    assert 'diff' not in result and 'changed_keys' not in result
    assert result['app']['version'] == V3
    assert len(srv.requests('PUT')) == 1


def test_many_apps_lock_that_clears_into_the_wanted_state_is_no_change(marathon, capsys):
    srv = marathon({
        ('GET', '/v2/apps'): [reply(200, {'apps': [held(V2, cpus=100)]}), reply(200, {'apps': [held(V3)]})],
        ('PUT', '/v2/apps'): LOCKED,
        '/v2/deployments': reply(200, []),
        '/v2/events': sse(),
    })
    code, result = run_main(marathon_app, capsys, marathon_url=srv.url, apps=[WANTED], wait_timeout=8, timeout=5,
                            diff=True)
    assert code == 0, result
    assert result['changed'] is False, result
    assert result['deployment_id'] is None and 'diff' not in result
    assert result['changed_apps'] == {'created': [], 'updated': {}}
    assert result['apps'][0]['version'] == V3
    assert len(srv.requests('PUT')) == 1


def test_many_apps_lock_that_clears_is_followed_by_a_new_plan_and_one_write(marathon, capsys):
    srv = marathon({
        ('GET', '/v2/apps'): [reply(200, {'apps': [held(V2, cpus=100)]}), reply(200, {'apps': [held(V2, cpus=100, mem=64)]}),
                              reply(200, {'apps': [held(V3)]})],
        ('PUT', '/v2/apps'): [LOCKED, reply(200, {'version': V3, 'deploymentId': 'ours'})],
        '/v2/deployments': reply(200, []),
        '/v2/events': [sse(), sse(events=[(0.2, 'deployment_success', {'id': 'ours'})])],
    })
    code, result = run_main(marathon_app, capsys, marathon_url=srv.url, apps=[WANTED], wait_timeout=8, timeout=5,
                            stable_seconds=0)
    assert code == 0, result
    assert result['changed'] is True and result['deployment_id'] == 'ours'
    assert result['changed_apps']['updated'] == {'/db': ['cpus', 'mem']}
    assert len(srv.requests('PUT')) == 2


def test_one_app_lock_that_stays_reports_the_app_as_marathon_holds_it(marathon, capsys):
    srv = marathon({
        ('GET', APP): reply(200, {'app': held(V2, cpus=100)}),
        ('PUT', APP): LOCKED,
        '/v2/deployments': reply(200, [{'id': 'blocker', 'affectedApps': ['/db']}]),
        '/v2/queue': reply(200, {'queue': []}),
        '/v2/events': sse(),
    })
    code, result = run_main(marathon_app, capsys, marathon_url=srv.url, definition=WANTED, wait_timeout=1, timeout=5)
    assert code == 1, result
    assert result['status'] == 409 and result['locked_by'] == ['blocker']
    assert not result.get('changed')
    # nothing was written: the app shown is Marathon's (100 cpus), not the prediction of the refused write
    assert result['app']['cpus'] == 100
    assert len(srv.requests('PUT')) == 1


def test_many_apps_lock_that_stays_reports_the_apps_as_marathon_holds_them(marathon, capsys):
    srv = marathon({
        ('GET', '/v2/apps'): reply(200, {'apps': [held(V2, cpus=100)]}),
        ('PUT', '/v2/apps'): LOCKED,
        '/v2/deployments': reply(200, [{'id': 'blocker', 'affectedApps': ['/db']}]),
        '/v2/events': sse(),
    })
    code, result = run_main(marathon_app, capsys, marathon_url=srv.url,
                            apps=[WANTED, dict(WANTED, id='/new')], wait_timeout=1, timeout=5)
    assert code == 1, result
    assert result['status'] == 409 and result['locked_by'] == ['blocker']
    assert not result.get('changed')
    assert [a['id'] for a in result['apps']] == ['/db', '/new']
    assert result['apps'][0]['version'] == V2  # Marathon's app, not a prediction
    assert len(srv.requests('PUT')) == 1


def test_many_refusals_name_the_first_ten_and_list_them_all(marathon, capsys):
    """A thousand apps refused: the message stays short, ``refusals`` has every one; nothing is written."""
    srv = marathon({('GET', '/v2/apps'): reply(200, {'apps': []})})
    bare = [{'id': '/bare-%d' % i, 'cpus': 0.1} for i in range(25)]  # new apps without cmd, args or container
    code, result = run_main(marathon_app, capsys, marathon_url=srv.url, apps=bare, timeout=5)
    assert code == 1, result
    assert result['msg'].startswith('Refused, nothing was sent: app /bare-0 ')
    assert 'and 15 more refusal(s), all listed in refusals' in result['msg']
    assert '/bare-10 ' not in result['msg']
    assert sorted(r['app'] for r in result['refusals']) == sorted(a['id'] for a in bare)
    assert srv.requests('PUT') == []
