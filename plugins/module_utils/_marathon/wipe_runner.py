# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""What marathon_task_wipe does with its options: select, refuse, wipe, then watch Mesos release the volumes.

The decisions are the pure functions of ``_marathon.wipe``; this runner reads and writes through ``MarathonApi``
(``mm.api``) and ``MesosMasterApi`` (``mm.mesos_api``), returns the result, or raises ``ModuleFailure``
(``MarathonModule.run`` turns it into fail_json).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.dcos.stateful.plugins.module_utils._failure import ModuleFailure
from ansible_collections.dcos.stateful.plugins.module_utils._http import ApiError
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import canonical_app_id
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.tasks import summarise_tasks
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.wipe import (
    agents_down, down_agent_warning, leftovers_in_mesos, refused_running, select_tasks,
)
from ansible_collections.dcos.stateful.plugins.module_utils._wait import wait_until


class WipeRunner:
    def __init__(self, mm):
        self.mm = mm
        self.p = mm.params
        self.app_id = None
        self.result = {'changed': False, 'wiped': [], 'task_ids': [], 'persistence_ids': []}

    def run(self):
        """The result of the run; raises ModuleFailure."""
        self.check_options()
        self.app_id = canonical_app_id(self.p['app_id'])
        selected = self.select()
        self.result['wiped'] = selected
        self.result['task_ids'] = [t['id'] for t in selected]
        self.result['persistence_ids'] = [v['persistence_id'] for t in selected for v in t['local_volumes']]
        if selected:
            self.result['changed'] = True
            if not self.mm.check_mode:
                self.wipe()
                if self.p['mesos_url']:
                    self.watch_mesos(selected)
        return self.finish()

    def finish(self):
        self.result['duration'] = round(time.monotonic() - self.mm.started, 3)
        return self.result

    def check_options(self):
        p = self.p
        if not (p['task_ids'] or p['host'] or p['suspended']):
            raise ModuleFailure('Choose what to wipe: task_ids, host, or suspended=true (selectors combine)')
        if p['wait_timeout'] <= 0:
            raise ModuleFailure('wait_timeout must be greater than 0, got %s' % p['wait_timeout'])
        if p['mesos_url'] and not p['mesos_url'].startswith(('http://', 'https://')):
            raise ModuleFailure("mesos_url must be an http:// or https:// URL, got '%s'" % p['mesos_url'])

    def select(self):
        """The instances to wipe; refuses unknown task ids and running instances (unless wipe_running)."""
        p = self.p
        try:
            tasks = summarise_tasks(self.mm.api.app_tasks(self.app_id))
        except ApiError as e:
            raise ModuleFailure('Cannot read the tasks of app %s' % self.app_id, error=e)
        selected, unknown = select_tasks(tasks, p['task_ids'], p['host'], p['suspended'])
        if unknown:
            raise ModuleFailure('Task ids not found in app %s: %s. Nothing was wiped.' % (
                self.app_id, ', '.join(unknown)), **self.result)
        running = refused_running(selected, p['wipe_running'])
        if running:
            # host alone selects every instance there, running ones included: most often only the suspended were meant
            hint = ' To wipe only the suspended instances on that host, add suspended=true.' \
                if p['host'] and not p['suspended'] and not p['task_ids'] else ''
            raise ModuleFailure(
                'Refusing to wipe running instance(s) of %s: %s. Wiping destroys their volumes; scale the app down '
                'first (the instances become suspended) or set wipe_running=true.%s' % (
                    self.app_id, ', '.join('%s on %s (%s)' % (t['id'], t['host'], t['status']) for t in running), hint),
                **self.result)
        return selected

    def wipe(self):
        try:
            self.mm.api.delete_tasks(self.result['task_ids'], wipe=True)
        except ApiError as e:
            # A 5xx or a dropped connection leaves open whether Marathon applied it: say so, claim nothing.
            maybe = ' (it may still have been applied; check with dcos.stateful.marathon_app_info)' \
                if e.status is None or e.status >= 500 else ''
            raise ModuleFailure('Wiping tasks of %s failed%s' % (self.app_id, maybe), error=e, changed=False,
                                selected=self.result['wiped'], wiped=[], task_ids=[], persistence_ids=[])

    def watch_mesos(self, selected):
        """Wait (with wait=true) until Mesos no longer holds the wiped instances' volumes and reservations, except on
        agents that are down; report what is left either way."""
        p = self.p
        watch = MesosRelease(self.mm.mesos_api(p['mesos_url'].strip(), p['mesos_principal'], p['mesos_secret']),
                             selected, self.result['persistence_ids'])
        outcome = wait_until(watch.released, lambda check: check[0], timeout=p['wait_timeout'] if p['wait'] else 0)
        done, left = outcome.value
        if watch.refused:
            self.finish()
            raise ModuleFailure(
                'Tasks of %s were wiped, but reading Mesos to see their volumes released failed (is mesos_url the '
                'leading Mesos master, and may mesos_principal or dcos_token read it?)' % self.app_id,
                error=watch.refused[0], **self.result)
        self.result['mesos_leftovers'] = left or []
        self.result['agents_down'] = list(watch.down)
        if watch.down:
            self.mm.module.warn(down_agent_warning(self.app_id, watch.down, self.result['mesos_leftovers']))
        if p['wait'] and not done:
            self.finish()
            pending = [x for x in left or [] if x['agent_id'] not in watch.down]
            why = 'still held: %s' % ', '.join('%s %s on %s' % (
                x['resource'], x['persistence_id'] or x['reservation_id'], x['host']) for x in pending) \
                if pending else (watch.last_error or 'unknown')
            raise ModuleFailure(
                'Tasks of %s were wiped, but Mesos did not release their volumes/reservations within wait_timeout=%ss '
                '(%s). Marathon releases them when the agent offers them again; a down agent keeps them.' % (
                    self.app_id, p['wait_timeout'], why), **self.result)


class MesosRelease:
    """One check of what Mesos still holds of the wiped instances, for ``wait_until``."""

    def __init__(self, mesos, selected, persistence_ids):
        self.mesos = mesos
        self.agent_ids = [t['agent_id'] for t in selected]
        self.instance_ids = [t['instance_id'] for t in selected]
        self.persistence_ids = persistence_ids
        self.refused = []
        self.down = []
        self.last_error = None

    def released(self):
        """(done, leftovers): done when nothing is held outside down agents, or when waiting cannot help."""
        try:
            slaves = self.mesos.slaves()
        except ApiError as e:
            if e.reason == 'not_api' or (e.status is not None and 400 <= e.status < 500):
                self.refused.append(e)  # wrong mesos_url or credentials: waiting cannot help
                return True, None
            self.last_error = e.describe()
            return False, None
        left = leftovers_in_mesos(slaves, self.persistence_ids, self.instance_ids)
        self.down = agents_down(slaves, self.agent_ids + [x['agent_id'] for x in left])
        # A down agent makes no offers, so Marathon cannot release what it holds: waiting cannot help.
        return not [x for x in left if x['agent_id'] not in self.down], left
