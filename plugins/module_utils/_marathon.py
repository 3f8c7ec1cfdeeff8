# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""The Marathon client of the collection: connection options, argument merging, failures.

`MarathonModule(argument_spec=own_spec, **ansible_module_kwargs)` merges MARATHON_ARGSPEC (documented
by the doc fragment dcos.stateful.marathon), builds the AnsibleModule and an HttpClient, and turns
every ApiError into fail_json with Marathon's message, status and details.

Every answer is checked for the shape Marathon gives it (`{"app": {...}}`, `{"apps": [...]}`, a list of
deployments, ...) here, in the client, so that a URL that answers 200 but is not Marathon (the DC/OS UI, an SSO
login page, another JSON service) fails with one clear message in every module instead of a traceback or an
empty success. `read_apps`, `read_pods_status` serve modules that hold a plain HttpClient for Marathon.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import time

from ansible.module_utils.basic import env_fallback

from ansible_collections.dcos.stateful.plugins.module_utils._http import (
    MARATHON_API_HINT, MESOS_API_HINT, ApiError, HttpClient, Response, deadline_scope, quote_path,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon_app_spec import canonical_app_id
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import SecretAwareModule

# Paired one-to-one with plugins/doc_fragments/marathon.py (DOCUMENTATION).
MARATHON_ARGSPEC = dict(
    marathon_url=dict(type='str', required=True, fallback=(env_fallback, ['MARATHON_URL'])),
    dcos_token=dict(type='str', no_log=True, fallback=(env_fallback, ['DCOS_TOKEN'])),
    url_username=dict(type='str'),
    url_password=dict(type='str', no_log=True),
    validate_certs=dict(type='bool', default=True),
    ca_path=dict(type='path'),
    timeout=dict(type='float', default=30),
    retries=dict(type='int', default=3),
)
MARATHON_AUTH_HINT = 'set dcos_token (DC/OS), or url_username and url_password (Marathon basic auth)'
# Shapes of Marathon's answers (see marathon-api.md): anything else is not Marathon.
APP_SHAPE = {'app': dict}
APPS_SHAPE = {'apps': list}
TASKS_SHAPE = {'tasks': list}
QUEUE_SHAPE = {'queue': list}
DEPLOYMENTS_SHAPE = list
WRITE_SHAPE = dict  # DeploymentResult {version, deploymentId}, or the killed tasks {tasks: [...]}
# After a failed wait, the diagnostics get this long at most (each read also within `timeout`).
DIAGNOSTICS_SECONDS = 2.0

MARATHON_REQUIRED_TOGETHER = [['url_username', 'url_password']]
MARATHON_MUTUALLY_EXCLUSIVE = [['dcos_token', 'url_username']]


def app_path(app_id, suffix=''):
    return '/v2/apps' + quote_path(canonical_app_id(app_id)) + suffix


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


class MarathonModule:
    def __init__(self, argument_spec, required_together=None, mutually_exclusive=None, scanned=(), **kwargs):
        """``scanned``: options whose nested secrets (env passwords, URL passwords) are hidden from the start."""
        spec = copy.deepcopy(MARATHON_ARGSPEC)
        spec.update(argument_spec)
        self.module = SecretAwareModule(
            scanned=scanned,
            argument_spec=spec,
            required_together=MARATHON_REQUIRED_TOGETHER + (required_together or []),
            mutually_exclusive=MARATHON_MUTUALLY_EXCLUSIVE + (mutually_exclusive or []),
            **kwargs)
        self.params = self.module.params
        self.check_mode = self.module.check_mode
        self.started = time.monotonic()
        self.fail_results = {}
        p = self.params
        if p['timeout'] <= 0:
            self.fail('timeout must be greater than 0, got %s' % p['timeout'])
        if p['retries'] < 0:
            self.fail('retries must be 0 or more, got %s' % p['retries'])
        url = (p['marathon_url'] or '').strip()
        if not url.startswith(('http://', 'https://')):
            self.fail("marathon_url must be an http:// or https:// URL, got '%s'" % url)
        self.client = self.http_client(url)

    def http_client(self, url):
        """A client for Marathon: Marathon's basic credentials or the DC/OS token."""
        return self._client(url, self.params['url_username'], self.params['url_password'], service='Marathon',
                            api_hint=MARATHON_API_HINT, auth_hint=MARATHON_AUTH_HINT, error_format='json')

    def mesos_client(self, url, principal=None, secret=None):
        """A client for the Mesos master: its own basic credentials, never Marathon's password (another service
        may not see it). The DC/OS token is shared: behind Admin Router one token serves Marathon and Mesos."""
        return self._client(url, principal, secret, service='the Mesos master', api_hint=MESOS_API_HINT,
                            auth_hint='set dcos_token (DC/OS), or mesos_principal and mesos_secret', error_format='text')

    def _client(self, url, username, password, **kwargs):
        p = self.params
        return HttpClient(url, timeout=p['timeout'], validate_certs=p['validate_certs'], ca_path=p['ca_path'],
                          url_username=username, url_password=password,
                          token=p['dcos_token'], retries=p['retries'], **kwargs)

    # ------------------------------------------------------------ results

    def fail(self, msg, **kwargs):
        result = dict(self.fail_results)
        result.update(kwargs)
        result['msg'] = msg
        self.module.fail_json(**result)

    def fail_api(self, err, action, **kwargs):
        """fail_json with Marathon's message, status and details, prefixed with what we were doing."""
        info = err.to_dict()
        msg = '%s: %s' % (action, info.pop('msg'))
        details = render_details(err.details)
        if details:
            # "Object is not valid" alone does not say what is wrong: the details do
            msg = '%s: %s' % (msg, details)
        info.update(kwargs)
        self.fail(msg, **info)

    def exit(self, **kwargs):
        self.module.exit_json(**kwargs)

    # ------------------------------------------------------------ Marathon API (raise ApiError)

    def get_app(self, app_id):
        """The app as Marathon holds it (tasks, counts, deployments embedded) or None when absent."""
        try:
            resp = self.client.request('GET', app_path(app_id), query={
                'embed': ['app.tasks', 'app.counts', 'app.deployments', 'app.lastTaskFailure']}, retry=True,
                shape=APP_SHAPE)
        except ApiError as e:
            if is_marathon_not_found(e):
                return None
            raise
        return resp.body['app']

    def list_apps(self, query=None):
        return read_apps(self.client, query)

    def app_tasks(self, app_id):
        return self.client.get_json(app_path(app_id, '/tasks'), shape=TASKS_SHAPE)['tasks']

    def put_app(self, app_id, body, force=False):
        """Create or partially update; PUT is idempotent, so a retry can never duplicate the app."""
        return self.client.request('PUT', app_path(app_id), query={'force': force}, json=body, retry=True,
                                   shape=WRITE_SHAPE)

    def delete_app(self, app_id, force=False):
        """DELETE, retried. A retry answered by Marathon's own 404 means an earlier attempt was applied and only
        its reply was lost: the app is gone, which is what was asked (``Response.lost_reply`` is True then)."""
        try:
            return self.client.request('DELETE', app_path(app_id), query={'force': force}, retry=True,
                                       shape=WRITE_SHAPE)
        except ApiError as e:
            if e.attempts > 1 and is_marathon_not_found(e):
                gone = Response(200, {}, '', e.url)
                gone.lost_reply = True
                return gone
            raise

    def restart_app(self, app_id, force=False):
        # POST is not idempotent (each call is a new restart): never retried.
        return self.client.request('POST', app_path(app_id, '/restart'), query={'force': force}, shape=WRITE_SHAPE)

    def deployments(self):
        return self.client.get_json('/v2/deployments', shape=DEPLOYMENTS_SHAPE)

    def queue(self):
        return self.client.get_json('/v2/queue', query={'embed': 'lastUnusedOffers'}, shape=QUEUE_SHAPE)['queue']

    def delete_tasks(self, task_ids, wipe=False, force=False):
        """Kill (and with wipe expunge) many tasks in one request: POST /v2/tasks/delete."""
        return self.client.request('POST', '/v2/tasks/delete', query={'wipe': wipe, 'force': force},
                                   json={'ids': list(task_ids)}, shape=WRITE_SHAPE)

    # ------------------------------------------------------------ diagnostics

    def diagnostics(self, app_id):
        """Why a deployment is stuck: the queue's offer-decline reasons and the last task failure.
        Bounded by DIAGNOSTICS_SECONDS: they follow a wait that already used the time allowed."""
        with deadline_scope(time.monotonic() + min(self.params['timeout'], DIAGNOSTICS_SECONDS)):
            return self._diagnostics(app_id)

    def _diagnostics(self, app_id):
        diag = {}
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
        return diag


def read_apps(client, query=None):
    """GET /v2/apps through any Marathon HttpClient: the list, or ApiError (not Marathon's answer included)."""
    return client.get_json('/v2/apps', query=query, shape=APPS_SHAPE)['apps']


def read_pods_status(client):
    """GET /v2/pods/::status: a list of pod statuses (Marathon 1.4+)."""
    return client.get_json('/v2/pods/::status', shape=list)


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
