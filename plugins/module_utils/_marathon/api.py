# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""``MarathonApi(http)``: the one place that knows Marathon's URL paths and the shapes of its answers.

It holds an ``_http.HttpClient`` pointed at Marathon and returns data or raises ``ApiError`` (the one error
type of every client); it never fails a module. Which AnsibleModule options built the HttpClient is the
business of the module wrappers (``_marathon.MarathonModule``, ``_mesos.MesosModule``): any module may use
this client, whatever API its own options describe.

Every answer is checked for the shape Marathon gives it (``{"app": {...}}``, ``{"apps": [...]}``, a list of
deployments, ...) so that a URL that answers 200 but is not Marathon (the DC/OS UI, an SSO login page,
another JSON service) fails with one clear message in every module instead of a traceback or an empty
success.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.dcos.stateful.plugins.module_utils._http import (
    ApiError, Response, deadline_scope, quote_path,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import canonical_app_id

# Shapes of Marathon's answers (see marathon-api.md): anything else is not Marathon.
APP_SHAPE = {'app': dict}
APPS_SHAPE = {'apps': list}
TASKS_SHAPE = {'tasks': list}
QUEUE_SHAPE = {'queue': list}
DEPLOYMENTS_SHAPE = list
PODS_STATUS_SHAPE = list
WRITE_SHAPE = dict  # DeploymentResult {version, deploymentId}, or the killed tasks {tasks: [...]}
GROUP_SHAPE = {'id': str}
DRY_RUN_SHAPE = {'steps': list}
# apps with their definitions and their sub-groups, all levels (Marathon's default embed, spelt out)
GROUP_EMBED = ['group.apps', 'group.groups']
APP_EMBED = ['app.tasks', 'app.counts', 'app.deployments', 'app.lastTaskFailure']
# GET /v2/apps with what GET /v2/apps/{id} embeds, for many apps in one request
APPS_EMBED = ['apps.tasks', 'apps.counts', 'apps.deployments', 'apps.lastTaskFailure']
# After a failed wait, the diagnostics get this long at most (each read also within `timeout`).
DIAGNOSTICS_SECONDS = 2.0


def app_path(app_id, suffix=''):
    return '/v2/apps' + quote_path(canonical_app_id(app_id)) + suffix


def group_path(group_id):
    return '/v2/groups' + quote_path(canonical_app_id(group_id))


def deployment_id_of(resp):
    """Deployment id from a write response: body `deploymentId`, else the 1.4+ header."""
    body = resp.body if isinstance(resp.body, dict) else {}
    if body.get('deploymentId'):
        return body['deploymentId']
    deps = body.get('deployments')
    if isinstance(deps, list) and deps and isinstance(deps[0], dict):
        return deps[0].get('id')
    return resp.headers.get('marathon-deployment-id')


def locking_deployments(err):
    """Deployment ids named by a 409 "App is locked" answer (empty for other errors)."""
    if not isinstance(err, ApiError) or err.status != 409 or not isinstance(err.body, dict):
        return []
    return [d.get('id') for d in err.body.get('deployments') or [] if isinstance(d, dict) and d.get('id')]


def render_details(details):
    """Marathon's error details in one line: [{path, errors}] (422) or the parser's text (400 Invalid JSON)."""
    if isinstance(details, str):
        return details
    if not isinstance(details, list):
        return ''
    parts = []
    for d in details:
        if isinstance(d, dict):
            errors = d.get('errors') if isinstance(d.get('errors'), list) else [d.get('errors')]
            parts.append('%s: %s' % (d.get('path', '/'), '; '.join(str(e) for e in errors if e is not None)))
        elif d is not None:
            parts.append(str(d))
    return ', '.join(parts)


def is_marathon_not_found(err):
    """Marathon's own 404 for a missing app: JSON with a message ("App '/x' does not exist").

    Anything else answering 404 (Mesos: empty body; Admin Router: an HTML page) is not Marathon.
    """
    return err.status == 404 and isinstance(err.body, dict) and isinstance(err.body.get('message'), str)


class MarathonApi:
    """Marathon's REST API (``/v2/...``) over one HttpClient: data back, or ApiError."""

    def __init__(self, http):
        self.http = http

    @property
    def calls(self):
        return self.http.calls

    # ------------------------------------------------------------ apps

    def get_app(self, app_id):
        """The app as Marathon holds it (tasks, counts, deployments embedded) or None when absent."""
        try:
            resp = self.http.request('GET', app_path(app_id), query={'embed': APP_EMBED}, retry=True, shape=APP_SHAPE)
        except ApiError as e:
            if is_marathon_not_found(e):
                return None
            raise
        return resp.body['app']

    def list_apps(self, query=None):
        """GET /v2/apps: the list of apps (not Marathon's answer: ApiError ``not_api``)."""
        return self.http.get_json('/v2/apps', query=query, shape=APPS_SHAPE)['apps']

    def apps_by_id(self, id_filter=None):
        """{app id: app} from one GET /v2/apps, each app as get_app() gives it (tasks, counts, deployments and
        the last task failure embedded). ``id_filter`` is Marathon's ``id`` filter: a case-insensitive substring of
        the id, so the answer is a superset of the apps wanted."""
        query = {'embed': APPS_EMBED}
        if id_filter:
            query['id'] = id_filter
        resp = self.http.request('GET', '/v2/apps', query=query, retry=True, shape=APPS_SHAPE)
        return dict((canonical_app_id(app['id']), app) for app in resp.body['apps']
                    if isinstance(app, dict) and isinstance(app.get('id'), str))

    def apps_answer(self, query=None):
        """GET /v2/apps as it came, unchecked, for callers that judge its shape themselves."""
        return self.http.get_json('/v2/apps', query=query)

    def app_tasks(self, app_id):
        return self.http.get_json(app_path(app_id, '/tasks'), shape=TASKS_SHAPE)['tasks']

    def put_app(self, app_id, body, force=False):
        """Create or partially update; PUT is idempotent, so a retry can never duplicate the app."""
        return self.http.request('PUT', app_path(app_id), query={'force': force}, json=body, retry=True,
                                 shape=WRITE_SHAPE)

    def put_apps(self, bodies, force=False):
        """Create or partially update many apps in one request and one deployment (PUT /v2/apps). Re-sending the
        same list leaves Marathon as the first one did, so it is retried like the single-app PUT."""
        return self.http.request('PUT', '/v2/apps', query={'force': force}, json=list(bodies), retry=True,
                                 shape=WRITE_SHAPE)

    def delete_app(self, app_id, force=False):
        """DELETE, retried. A retry answered by Marathon's own 404 means an earlier attempt was applied and only
        its reply was lost: the app is gone, which is what was asked (``Response.lost_reply`` is True then)."""
        try:
            return self.http.request('DELETE', app_path(app_id), query={'force': force}, retry=True,
                                     shape=WRITE_SHAPE)
        except ApiError as e:
            if e.attempts > 1 and is_marathon_not_found(e):
                gone = Response(200, {}, '', e.url)
                gone.lost_reply = True
                return gone
            raise

    def restart_app(self, app_id, force=False):
        # POST is not idempotent (each call is a new restart): never retried.
        return self.http.request('POST', app_path(app_id, '/restart'), query={'force': force}, shape=WRITE_SHAPE)

    # ------------------------------------------------------------ groups

    def get_group(self, group_id):
        """The group with its apps (definitions) and sub-groups at every level, or None when absent."""
        try:
            resp = self.http.request('GET', group_path(group_id), query={'embed': GROUP_EMBED}, retry=True,
                                     shape=GROUP_SHAPE)
        except ApiError as e:
            if is_marathon_not_found(e):
                return None
            raise
        return resp.body

    def put_group(self, group_id, body, force=False, dry_run=False):
        """PUT the whole group (creates it when absent). Idempotent, so retried. With dry_run Marathon answers
        ``{"steps": [...]}`` and changes nothing."""
        query = {'force': force}
        if dry_run:
            query['dryRun'] = True
        return self.http.request('PUT', group_path(group_id), query=query, json=body, retry=True,
                                 shape=DRY_RUN_SHAPE if dry_run else WRITE_SHAPE)

    def delete_group(self, group_id, force=False):
        """DELETE the group and everything below it (Real Marathon: force defaults to false here). A retry
        answered by Marathon's own 404 means an earlier attempt was applied (``Response.lost_reply``)."""
        try:
            return self.http.request('DELETE', group_path(group_id), query={'force': force}, retry=True,
                                     shape=WRITE_SHAPE)
        except ApiError as e:
            if e.attempts > 1 and is_marathon_not_found(e):
                gone = Response(200, {}, '', e.url)
                gone.lost_reply = True
                return gone
            raise

    # ------------------------------------------------------------ pods, tasks, deployments, queue, info

    def pods_status(self, shape=PODS_STATUS_SHAPE):
        """GET /v2/pods/::status: a list of pod statuses (Marathon 1.4+; before, HTTP 404)."""
        return self.http.get_json('/v2/pods/::status', shape=shape)

    def delete_tasks(self, task_ids, wipe=False, force=False):
        """Kill (and with wipe expunge) many tasks in one request: POST /v2/tasks/delete."""
        return self.http.request('POST', '/v2/tasks/delete', query={'wipe': wipe, 'force': force},
                                 json={'ids': list(task_ids)}, shape=WRITE_SHAPE)

    def deployments(self, retry=True):
        return self.http.get_json('/v2/deployments', retry=retry, shape=DEPLOYMENTS_SHAPE)

    def queue(self):
        return self.http.get_json('/v2/queue', query={'embed': 'lastUnusedOffers'}, shape=QUEUE_SHAPE)['queue']

    def info(self):
        """GET /v2/info as it came (``frameworkId``, ``version``, ...)."""
        return self.http.get_json('/v2/info')

    def open_events(self, event_types, timeout=None, deadline=None):
        """GET /v2/events (Server-Sent Events) filtered to ``event_types``: a BoundedStream the caller closes."""
        return self.http.open_stream('/v2/events', query={'event_type': list(event_types)}, timeout=timeout,
                                     deadline=deadline, headers={'Accept': 'text/event-stream'})

    # ------------------------------------------------------------ diagnostics

    def diagnostics(self, app_id, timeout=DIAGNOSTICS_SECONDS):
        """Why a deployment is stuck: the queue's offer-decline reasons and the last task failure.
        Bounded by DIAGNOSTICS_SECONDS: they follow a wait that already used the time allowed."""
        with deadline_scope(time.monotonic() + min(timeout, DIAGNOSTICS_SECONDS)):
            diag = {}
            self._queue_diagnostics(app_id, diag)
            self._app_diagnostics(app_id, diag)
            return diag

    def _queue_diagnostics(self, app_id, diag):
        try:
            for entry in self.queue():
                if not isinstance(entry, dict):
                    continue
                app = entry.get('app') if isinstance(entry.get('app'), dict) else {}
                if not isinstance(app.get('id'), str) or canonical_app_id(app['id']) != canonical_app_id(app_id):
                    continue
                summary = entry.get('processedOffersSummary') if isinstance(entry.get('processedOffersSummary'), dict) else {}
                reasons = [r for r in summary.get('rejectSummaryLastOffers') or []
                           if isinstance(r, dict) and r.get('declined')]
                diag['queue'] = {
                    'count': entry.get('count'),
                    'delay': entry.get('delay'),
                    'since': entry.get('since'),
                    'processed_offers': summary.get('processedOffersCount'),
                    'unused_offers': summary.get('unusedOffersCount'),
                    'declined_reasons': reasons,
                }
        except ApiError as e:
            diag['queue_error'] = e.describe()

    def _app_diagnostics(self, app_id, diag):
        try:
            app = self.get_app(app_id)
            if app is not None:
                if app.get('lastTaskFailure'):
                    diag['last_task_failure'] = app['lastTaskFailure']
                diag['deployments'] = [d.get('id') for d in app.get('deployments') or [] if isinstance(d, dict)]
                diag['tasks_running'] = app.get('tasksRunning')
                diag['tasks_healthy'] = app.get('tasksHealthy')
                diag['instances'] = app.get('instances')
                unhealthy = unhealthy_tasks(app)
                if unhealthy:
                    diag['unhealthy_tasks'] = unhealthy
        except ApiError as e:
            diag['app_error'] = e.describe()


def unhealthy_tasks(app):
    """Tasks whose health check fails: a deployment with health checks waits for them, the queue says nothing."""
    out = []
    for task in app.get('tasks') or []:
        if not isinstance(task, dict):
            continue
        for res in task.get('healthCheckResults') or []:
            if isinstance(res, dict) and res.get('alive') is False:
                out.append({'task_id': task.get('id'), 'host': task.get('host'),
                            'consecutive_failures': res.get('consecutiveFailures'),
                            'last_failure_cause': res.get('lastFailureCause')})
                break
    return out


MAX_DESCRIBED_TASKS = 3


def describe_diagnostics(diag):
    """One line for the failure message."""
    parts = []
    q = diag.get('queue')
    if q:
        reasons = ', '.join('%s (%s of %s offers)' % (r.get('reason'), r.get('declined'), r.get('processed'))
                            for r in q.get('declined_reasons') or [])
        parts.append('%s instance(s) waiting in the launch queue%s' % (
            q.get('count'), '; offers declined for: ' + reasons if reasons else ''))
    f = diag.get('last_task_failure')
    if f:
        parts.append('last task failure: %s on %s: %s' % (f.get('state'), f.get('host'), f.get('message')))
    unhealthy = diag.get('unhealthy_tasks') or []
    if unhealthy:
        shown = ', '.join('%s on %s (%s consecutive failures%s)' % (
            u.get('task_id'), u.get('host'), u.get('consecutive_failures'),
            ': %s' % u['last_failure_cause'] if u.get('last_failure_cause') else '') for u in unhealthy[:MAX_DESCRIBED_TASKS])
        more = ' and %d more' % (len(unhealthy) - MAX_DESCRIBED_TASKS) if len(unhealthy) > MAX_DESCRIBED_TASKS else ''
        parts.append('failing health checks: %s%s' % (shown, more))
    return '; '.join(parts) or 'no queue entry and no task failure reported'
