# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The transport against real local servers that misbehave: time limits, size limits, redirects, messages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import time

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._http import (
    MARATHON_API_HINT, ApiError, HttpClient, deadline_scope,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.api import MarathonApi
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.wait import DeploymentWaiter
from ansible_collections.dcos.stateful.tests.unit.plugins.modules.hostile_http import (
    HostileServer, drip, endless, hang, redirect, reply, sse,
)


@pytest.fixture
def servers():
    made = []

    def make(routes=None, fallback=None):
        srv = HostileServer(routes, fallback)
        made.append(srv)
        return srv
    yield make
    for srv in made:
        srv.close()


def marathon_client(url, **kw):
    kw.setdefault('sleep', lambda s: None)
    kw.setdefault('retries', 0)
    return HttpClient(url, service='Marathon', api_hint=MARATHON_API_HINT, auth_hint='set dcos_token', **kw)


def marathon_api(url, **kw):
    return MarathonApi(marathon_client(url, **kw))


def timed(call):
    start = time.monotonic()
    try:
        result = call()
    except ApiError as e:
        return time.monotonic() - start, e
    return time.monotonic() - start, result


# ------------------------------------------------------------------ time limits (item 16)

def test_a_server_dripping_a_byte_at_a_time_ends_at_timeout(servers):
    srv = servers({'/v2/apps': drip(every=0.1)})
    elapsed, err = timed(lambda: marathon_client(srv.url, timeout=1).get_json('/v2/apps'))
    assert isinstance(err, ApiError) and err.reason == 'timeout', err
    assert elapsed < 2.0


def test_a_hung_request_is_cut_at_the_deadline_of_the_wait(servers):
    srv = servers({'/v2/deployments': hang()})
    client = marathon_client(srv.url, timeout=30, retries=3)
    with deadline_scope(time.monotonic() + 1):
        elapsed, err = timed(lambda: client.get_json('/v2/deployments'))
    assert isinstance(err, ApiError) and err.reason == 'timeout'
    assert elapsed < 2.0 and client.calls == 1  # no retry started once the time was up


def test_a_hung_deployments_list_ends_the_wait_at_wait_timeout(servers):
    srv = servers({'/v2/deployments': hang()}, fallback=reply(404, {'message': 'no events here'}))
    waiter = DeploymentWaiter(marathon_api(srv.url, timeout=30), idle=0.5)
    start = time.monotonic()
    res = waiter.wait(['d1'], start + 1.5, waiter.subscribe(deadline=start + 1.5))
    assert res.pending == ['d1'] and time.monotonic() - start < 2.5
    assert 'timed out' in res.last_error


def test_an_event_stream_of_heartbeats_only_does_not_hold_the_wait(servers):
    # the deployment finished before we listened; the stream then only sends keep-alives
    srv = servers({'/v2/events': sse(heartbeat=0.1), '/v2/deployments': reply(200, [])})
    waiter = DeploymentWaiter(marathon_api(srv.url, timeout=5), idle=0.5)
    start = time.monotonic()
    res = waiter.wait(['d1'], start + 6, waiter.subscribe(deadline=start + 6))
    assert res.ok and res.via == 'events'
    assert time.monotonic() - start < 2.0


def test_an_endless_event_line_ends_at_the_deadline_in_bounded_memory(servers):
    srv = servers({'/v2/events': endless(prefix=b'data: ', content_type='text/event-stream'),
                   '/v2/deployments': reply(200, [{'id': 'd1'}])})
    waiter = DeploymentWaiter(marathon_api(srv.url, timeout=5), idle=5)
    start = time.monotonic()
    res = waiter.wait(['d1'], start + 1.5, waiter.subscribe(deadline=start + 1.5))
    assert res.pending == ['d1'] and time.monotonic() - start < 2.5


# ------------------------------------------------------------------ size limits (item 16)

def test_a_huge_error_body_becomes_a_short_message(servers):
    huge = {'message': 'boom ' * (2 * 1024 * 1024)}  # 10 MB of message
    srv = servers({'/v2/apps': reply(500, huge)})
    err = timed(lambda: marathon_client(srv.url, timeout=10).get_json('/v2/apps'))[1]
    assert isinstance(err, ApiError) and err.status == 500
    out = json.dumps(err.to_dict())
    assert len(out) < 2000, len(out)


def test_an_endless_error_body_is_read_only_so_far(servers):
    srv = servers({'/v2/apps': endless(status=502)})
    elapsed, err = timed(lambda: marathon_client(srv.url, timeout=5).get_json('/v2/apps'))
    assert isinstance(err, ApiError) and err.status == 502 and elapsed < 2.0
    assert len(err.describe()) < 1000


def test_a_body_over_the_cap_is_refused(servers):
    srv = servers({'/v2/apps': reply(200, {'apps': ['x' * 1000] * 2000})})
    err = timed(lambda: marathon_client(srv.url, max_body=1024 * 1024).get_json('/v2/apps'))[1]
    assert isinstance(err, ApiError) and err.reason == 'too_large'


# ------------------------------------------------------------------ messages (items 4 and 14)

LOGIN_PAGE = '<!DOCTYPE html><html><head><title>Sign in - DC/OS</title></head><body>' + \
    '<form><input type="password" name="p"></form>' + 'filler ' * 5000 + '</body></html>'


@pytest.mark.parametrize('status, body, expected', [
    (401, LOGIN_PAGE, ["HTTP 401 Unauthorized", "an HTML page titled 'Sign in - DC/OS'",
                       'credentials missing or rejected; set dcos_token']),
    (403, {'message': 'Forbidden for you'}, ['HTTP 403 Forbidden: Forbidden for you', 'lack the permission']),
    (404, '', ['HTTP 404 Not Found: empty body', MARATHON_API_HINT]),
    (404, '<html><title>Not Found</title></html>', ["an HTML page titled 'Not Found'", MARATHON_API_HINT]),
    (405, {'code': 405}, ['HTTP 405 Method Not Allowed', MARATHON_API_HINT]),
    (502, '<html><head><title>502 Bad Gateway</title></head><body>' + 'x' * 5000 + '</body></html>',
     ["HTTP 502 Bad Gateway: an HTML page titled '502 Bad Gateway'"]),
    (400, 'y' * 5000, ['(5000 characters)']),
])
def test_one_short_message_per_status(servers, status, body, expected):
    srv = servers({'/v2/apps': reply(status, body)})
    err = timed(lambda: marathon_client(srv.url).get_json('/v2/apps'))[1]
    text = err.describe()
    for part in expected:
        assert part in text, text
    assert len(text) < 700 and 'filler filler' not in text and 'xxxxxxxx' * 100 not in text


def test_marathons_own_404_gets_no_url_hint(servers):
    srv = servers({'/v2/apps/a': reply(404, {'message': "App '/a' does not exist"})})
    err = timed(lambda: marathon_client(srv.url).get_json('/v2/apps/a'))[1]
    assert err.describe().endswith("App '/a' does not exist")


@pytest.mark.parametrize('body, expected', [
    (LOGIN_PAGE, "HTML page titled 'Sign in - DC/OS' (a login page"),
    ({'status': 'ok', 'version': 3}, "a JSON object with the keys status, version (no 'apps')"),
    ([1, 2], 'a JSON array of 2 element(s)'),
    ('', 'an empty body'),
])
def test_an_answer_that_is_not_marathons_is_named(servers, body, expected):
    srv = servers({'/v2/apps': reply(200, body)})
    err = timed(lambda: marathon_client(srv.url).get_json('/v2/apps', shape={'apps': list}))[1]
    assert isinstance(err, ApiError) and err.reason == 'not_api'
    assert expected in err.describe() and MARATHON_API_HINT in err.describe()
    assert 'filler filler' not in err.describe()


def test_a_write_whose_reply_was_lost_may_have_been_applied(servers):
    srv = servers({('POST', '/v2/apps/a/restart'): hang(3)})
    err = timed(lambda: marathon_client(srv.url, timeout=0.5).request('POST', '/v2/apps/a/restart'))[1]
    assert err.maybe_applied and 'may have been applied' in err.describe()
    assert err.to_dict()['may_have_been_applied'] is True
    # a read never says so
    err = timed(lambda: marathon_client(srv.url, timeout=0.5).request('GET', '/v2/apps/a/restart'))[1]
    assert not err.maybe_applied and 'may have been applied' not in err.describe()


# ------------------------------------------------------------------ redirects and credentials (item 19)

def basic(user, password):
    return 'Basic ' + base64.b64encode(('%s:%s' % (user, password)).encode()).decode()


@pytest.mark.parametrize('creds, header', [
    ({'token': 'tok-123'}, 'token=tok-123'),
    ({'url_username': 'u', 'url_password': 'p4ss'}, basic('u', 'p4ss')),
])
def test_credentials_never_follow_a_redirect_to_another_origin(servers, creds, header):
    other = servers({'/v2/apps': reply(200, {'apps': []})})
    first = servers({'/v2/apps': redirect(302, other.url + '/v2/apps')})
    assert marathon_client(first.url, **creds).get_json('/v2/apps') == {'apps': []}
    assert first.seen[0][2].get('Authorization') == header
    assert [s[2].get('Authorization') for s in other.seen] == [None]


def test_credentials_follow_a_redirect_within_the_origin(servers):
    srv = servers({'/v2/apps': redirect(301, '/service/marathon/v2/apps'),
                   '/service/marathon/v2/apps': reply(200, {'apps': []})})
    assert marathon_client(srv.url, token='tok').get_json('/v2/apps') == {'apps': []}
    assert [s[2].get('Authorization') for s in srv.seen] == ['token=tok', 'token=tok']


def test_a_post_follows_mesos_307_to_the_leader_with_its_body_but_without_credentials(servers):
    leader = servers({'/master/reserve': reply(202, '')})
    follower = servers({'/master/reserve': redirect(307, '//127.0.0.1:%d/master/reserve' % leader.httpd.server_address[1])})
    client = HttpClient(follower.url, url_username='ops', url_password='s3cret', retries=0, error_format='text')
    resp = client.request('POST', '/master/reserve', data={'slaveId': 'a1', 'resources': '[]'}, expect=(200, 202))
    assert resp.status == 202
    method, path, headers, body = leader.seen[0]
    assert (method, path) == ('POST', '/master/reserve') and b'slaveId=a1' in body
    assert headers.get('Authorization') is None
    assert follower.seen[0][2]['Authorization'] == basic('ops', 's3cret')


def test_a_401_after_a_redirect_to_another_origin_says_why(servers):
    leader = servers({'/master/slaves': reply(401, 'Unauthorized')})
    follower = servers({'/master/slaves': redirect(307, leader.url + '/master/slaves')})
    client = HttpClient(follower.url, token='tok', retries=0, error_format='text')
    err = timed(lambda: client.get_json('/master/slaves'))[1]
    assert err.status == 401 and 'redirected to %s' % leader.url.replace('http://', 'http://') in err.describe()
    assert leader.seen[0][2].get('Authorization') is None


def test_https_to_http_on_the_same_host_is_another_origin(servers):
    from ansible_collections.dcos.stateful.plugins.module_utils._http import origin_of
    assert origin_of('https://m.example:443/x') != origin_of('http://m.example:443/x')
    assert origin_of('https://M.example/x') == origin_of('https://m.example:443/y')
    assert origin_of('http://m.example/x') != origin_of('http://m.example:8080/x')
