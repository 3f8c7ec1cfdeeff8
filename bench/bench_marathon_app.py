#!/usr/bin/env python3
"""Bench for marathon_app against a fresh dcos-emulator (started and stopped here).

Figures (goals from issue 3):
  1. requests made by a no-op marathon_app run            (goal: 1)   via /emulator/counters
  2. wall time of a no-op marathon_app task / an ansible.builtin.uri GET task, same emulator,
     one ansible-playbook run, N items each, order alternated (goal: <= 1.15)
  3. time from the end of a deployment (deployment_success seen on /v2/events) to the module's
     return (the module process exits)                    (goal: < 0.2 s)
Usage: .venv/bin/python bench/bench_marathon_app.py [--items N] [--deploys N]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

from _emulator import ROOT, Emulator

VENV_BIN = os.path.join(ROOT, '.venv', 'bin')
PYTHON = os.path.join(VENV_BIN, 'python')
COLLECTIONS = os.path.join(ROOT, '.build', 'collections')
APP_ID = '/bench/pv'
DEFINITION = {
    'id': APP_ID, 'cmd': 'echo hi >> data/x; sleep 1000', 'cpus': 0.1, 'mem': 16, 'instances': 1,
    'container': {'type': 'MESOS', 'volumes': [{'containerPath': 'data', 'mode': 'RW', 'persistent': {'size': 5}}]},
    'upgradeStrategy': {'minimumHealthCapacity': 0.5, 'maximumOverCapacity': 0},
}


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(req, timeout=10) as resp:
        text = resp.read().decode()
    return json.loads(text) if text.strip() else None


def ensure_collection():
    subprocess.run([PYTHON, os.path.join(ROOT, 'scripts', 'build_collection.py'), '--root', ROOT, '--dest', COLLECTIONS],
                   check=True, stdout=subprocess.DEVNULL)


def run_module(args, workdir):
    """Run marathon_app as a plain process (what Ansible runs on the node); return (result, exit time)."""
    path = os.path.join(workdir, 'args.json')
    with open(path, 'w') as f:
        json.dump({'ANSIBLE_MODULE_ARGS': args}, f)
    proc = subprocess.Popen([PYTHON, '-m', 'ansible_collections.dcos.stateful.plugins.modules.marathon_app', path],
                            stdout=subprocess.PIPE, env=dict(os.environ, PYTHONPATH=COLLECTIONS))
    first = proc.stdout.read(1)
    output_at = time.time()  # the module printed its result (exit_json)
    rest = proc.stdout.read()
    proc.wait()
    ended = time.time()  # the process is gone: what Ansible waits for
    result = json.loads(first + rest)
    result['_output_at'] = output_at
    return result, ended


class EventListener(threading.Thread):
    """Records when each deployment_success arrives on /v2/events."""

    def __init__(self, url):
        super().__init__(daemon=True)
        self.url = url
        self.seen = {}

    def run(self):
        resp = urllib.request.urlopen(self.url + '/v2/events?event_type=deployment_success', timeout=600)
        data = None
        for raw in resp:
            line = raw.decode().rstrip('\r\n')
            if line.startswith('data:'):
                data = json.loads(line[5:].strip())
            elif not line and data:
                dep = data.get('id') or (data.get('plan') or {}).get('id')
                self.seen[dep] = time.time()
                data = None


def playbook(url, items, workdir):
    text = """
- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: %(python)s
    definition: %(definition)s
  tasks:
    - set_fact: {t0: "{{ now().timestamp() }}"}
    - dcos.stateful.marathon_app: {marathon_url: "%(url)s", definition: "{{ definition }}"}
      loop: "{{ range(%(items)d) | list }}"
    - set_fact: {t1: "{{ now().timestamp() }}"}
    - ansible.builtin.uri: {url: "%(url)s/v2/apps%(app)s"}
      loop: "{{ range(%(items)d) | list }}"
    - set_fact: {t2: "{{ now().timestamp() }}"}
    - ansible.builtin.uri: {url: "%(url)s/v2/apps%(app)s"}
      loop: "{{ range(%(items)d) | list }}"
    - set_fact: {t3: "{{ now().timestamp() }}"}
    - dcos.stateful.marathon_app: {marathon_url: "%(url)s", definition: "{{ definition }}"}
      loop: "{{ range(%(items)d) | list }}"
    - set_fact: {t4: "{{ now().timestamp() }}"}
    - debug: {msg: "TIMES {{ [t0, t1, t2, t3, t4] | to_json }}"}
""" % {'python': PYTHON, 'definition': json.dumps(DEFINITION), 'url': url, 'items': items, 'app': APP_ID}
    path = os.path.join(workdir, 'bench.yml')
    with open(path, 'w') as f:
        f.write(text)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR='1',
               ANSIBLE_LOCALHOST_WARNING='false', ANSIBLE_INVENTORY_UNPARSED_WARNING='false')
    out = subprocess.run([os.path.join(VENV_BIN, 'ansible-playbook'), path], capture_output=True, text=True, env=env)
    for line in out.stdout.splitlines():
        if 'TIMES ' in line:
            return [float(x) for x in json.loads(line.split('TIMES ', 1)[1].rstrip('"'))]
    raise SystemExit('playbook failed:\n' + out.stdout[-3000:] + out.stderr[-2000:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--items', type=int, default=15)
    ap.add_argument('--deploys', type=int, default=6)
    opts = ap.parse_args()
    ensure_collection()
    emu = Emulator('--agents', '3', '--log-level', 'WARNING', stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL).start()
    url = emu.marathon_url
    workdir = tempfile.mkdtemp(prefix='bench-marathon-app.')
    try:
        created, _ = run_module({'marathon_url': url, 'definition': DEFINITION}, workdir)
        if not created.get('changed'):
            raise SystemExit('could not create the bench app: %s' % created.get('msg'))

        http('DELETE', url + '/emulator/counters')
        noop, _ = run_module({'marathon_url': url, 'definition': DEFINITION}, workdir)
        counters = http('GET', url + '/emulator/counters')
        print('1. requests made by a no-op run: %d (goal 1; changed=%s) %s' % (
            counters['total'], noop['changed'], json.dumps(counters['requests'])))

        t = playbook(url, opts.items, workdir)
        app_time = (t[1] - t[0]) + (t[4] - t[3])
        uri_time = (t[2] - t[1]) + (t[3] - t[2])
        print('2. no-op marathon_app task / uri GET task: %.3f (goal <= 1.15; %d items each, alternated: '
              'marathon_app %.1f ms/item, uri %.1f ms/item)' % (
                  app_time / uri_time, 2 * opts.items, 1000 * app_time / (2 * opts.items), 1000 * uri_time / (2 * opts.items)))

        listener = EventListener(url)
        listener.start()
        time.sleep(0.3)
        for stable in (0, None):
            end_of_deployment(url, workdir, listener, opts.deploys, stable)
    finally:
        emu.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def end_of_deployment(url, workdir, listener, deploys, stable):
    """Scale up and down `deploys` times; the time from Marathon's deployment_success to the module's exit.
    stable None: the module's default stability window (stable_seconds, 2 s); 0: no window."""
    gaps, to_output = [], []
    extra = {} if stable is None else {'stable_seconds': stable}
    for i in range(deploys):
        args = dict({'marathon_url': url, 'id': APP_ID, 'instances': 2 if i % 2 == 0 else 1}, **extra)
        result, ended = run_module(args, workdir)
        dep = result.get('deployment_id')
        for _ in range(50):
            if dep in listener.seen:
                break
            time.sleep(0.02)
        if dep not in listener.seen:
            raise SystemExit('no deployment_success seen for %s: %s' % (dep, result.get('msg')))
        gaps.append(ended - listener.seen[dep])
        to_output.append(result['_output_at'] - listener.seen[dep])
    window = 'stable_seconds=0 (goal < 0.2 s)' if stable == 0 else 'default stable_seconds=2 (goal: the window + < 0.2 s)'
    print('3. end of deployment -> module return (process exit), %s: median %.3f s, max %.3f s over %d deployments '
          '(waited via %s); -> result printed: median %.3f s (the rest is Python interpreter teardown, load %.1f)' % (
              window, statistics.median(gaps), max(gaps), len(gaps), result.get('wait', {}).get('via'),
              statistics.median(to_output), os.getloadavg()[0]))


if __name__ == '__main__':
    sys.exit(main())
