#!/usr/bin/env python
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bench: mesos_volume_info's audit over 1,000 agents and 10,000 volumes.

Starts its own dcos-emulator, seeds it through the admin API (POST /emulator/seed: 1,000 agents x 10
Marathon-shaped volumes, each with its own labelled cpus/mem/disk reservation), then measures, in a fresh
child process each time, what the module does between its arguments and exit_json: GET /master/slaves,
GET /v2/apps?embed=apps.tasks, the join/classification, and the JSON encoding of the result.

Figures: CPU time of the module process for mesos_volume_info.main() (best of --runs, without tracing; the
goal is judged on it because the machine is shared) and its wall time (which also waits for the emulator to
render and send its answer, printed apart), the child's peak RSS (ru_maxrss, interpreter
included; the RSS of a child that only imports Ansible is printed for comparison) and the peak of traced
Python allocations (tracemalloc, separate run).
Goals: < 2 s and < 150 MB. Exit status 1 when a goal is missed.

Usage: .venv/bin/python bench/bench_volume_audit.py [--agents 1000] [--volumes-per-agent 10] [--runs 3]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

from _emulator import ROOT, Emulator

GOAL_SECONDS = 2.0
GOAL_MB = 150.0

# Runs in the child: the module itself (mesos_volume_info.main(), from its arguments to exit_json, the JSON it
# prints included), timed and measured; nothing of the module is imported before the clock starts.
CHILD = r'''
import io, json, resource, sys, time, tracemalloc
trace = sys.argv[3] == "trace"
if trace:
    tracemalloc.start()
from ansible.module_utils.testing import patch_module_args
start = time.perf_counter()
cpu_start = time.process_time()
from ansible_collections.dcos.stateful.plugins.modules import mesos_volume_info
out = io.StringIO()
real_stdout, sys.stdout = sys.stdout, out
try:
    with patch_module_args({"mesos_url": sys.argv[1], "marathon_url": sys.argv[2]}):
        mesos_volume_info.main()
except SystemExit:
    pass
finally:
    sys.stdout = real_stdout
end = time.perf_counter()
cpu = time.process_time() - cpu_start
peak = tracemalloc.get_traced_memory()[1] if trace else None
result = json.loads(out.getvalue())
print(json.dumps({
    "total": end - start, "cpu": cpu, "volumes": len(result["volumes"]), "reservations": len(result["reservations"]),
    "agents": len(result["agents"]), "summary": result["summary"], "requests": result["requests"],
    "failed": result.get("failed", False), "msg": result.get("msg"),
    "traced_peak_mb": peak / 1048576.0 if peak is not None else None,
    "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    "result_mb": len(out.getvalue()) / 1048576.0}))
'''

# The same child, without the module: what the interpreter and Ansible's imports cost by themselves.
BASELINE = r'''
import json, resource
from ansible.module_utils.testing import patch_module_args
from ansible.module_utils.basic import AnsibleModule
print(json.dumps({"maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0}))
'''

# What the master's answer costs to transfer (the emulator renders it; not the module's work).
TRANSFER = r'''
import json, sys, time, urllib.request
start = time.perf_counter()
size = len(urllib.request.urlopen(sys.argv[1] + "/master/slaves", timeout=300).read())
print(json.dumps({"seconds": time.perf_counter() - start, "mb": size / 1048576.0}))
'''


def post_json(url, body, timeout=600):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method='POST',
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def collections_path():
    build = os.path.join(ROOT, '.build', 'collections')
    if os.path.isdir(os.path.join(build, 'ansible_collections', 'dcos', 'stateful')):
        return build
    # Fall back to a throw-away tree that points at the working copy.
    tmp = tempfile.mkdtemp(prefix='bench-coll-')
    os.makedirs(os.path.join(tmp, 'ansible_collections', 'dcos'))
    os.symlink(ROOT, os.path.join(tmp, 'ansible_collections', 'dcos', 'stateful'))
    return tmp


def run_child(code, *args):
    env = dict(os.environ, PYTHONPATH=collections_path())
    out = subprocess.run([sys.executable, '-c', code] + list(args), env=env, check=True, capture_output=True,
                         text=True)
    return json.loads(out.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--agents', type=int, default=1000)
    parser.add_argument('--volumes-per-agent', type=int, default=10)
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()

    emulator = Emulator('--agents', '1', stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).start()
    mesos_url, marathon_url = emulator.mesos_url, emulator.marathon_url
    try:
        started = time.monotonic()
        seeded = post_json(mesos_url + '/emulator/seed', {
            'agents': args.agents, 'volumes_per_agent': args.volumes_per_agent, 'size': 10})
        print('seeded %d agents, %d volumes in %.1fs'
              % (seeded['agents'], seeded['volumes'], time.monotonic() - started))
        transfer = run_child(TRANSFER, mesos_url)
        timed = [run_child(CHILD, mesos_url, marathon_url, 'time') for _ in range(max(1, args.runs))]
        best = min(timed, key=lambda r: r['cpu'])
        if best['failed']:
            raise SystemExit('mesos_volume_info failed: %s' % best['msg'])
        traced = run_child(CHILD, mesos_url, marathon_url, 'trace')
        baseline = run_child(BASELINE)
    finally:
        emulator.stop()

    print('audit of %d agents / %d volumes / %d reservations, requests %s, result %.1f MB JSON'
          % (best['agents'], best['volumes'], best['reservations'], json.dumps(best['requests'], sort_keys=True),
             best['result_mb']))
    print('master answer: %.1f MB, %.3f s to render and transfer (emulator side, included in the time below)'
          % (transfer['mb'], transfer['seconds']))
    print('time   (module main() to exit_json, best of %d): CPU %.3f s, wall %.3f s   [all runs CPU/wall: %s]'
          % (len(timed), best['cpu'], best['total'],
             ', '.join('%.3f/%.3f' % (r['cpu'], r['total']) for r in timed)))
    print('        wall includes waiting for the emulator to render its answer; load average now %.2f on %d CPUs'
          % (os.getloadavg()[0], os.cpu_count() or 1))
    print('memory: peak RSS %.1f MB (interpreter + Ansible imports alone: %.1f MB); '
          'peak traced Python allocations %.1f MB'
          % (best['maxrss_mb'], baseline['maxrss_mb'], traced['traced_peak_mb']))
    print('summary: %s' % json.dumps(best['summary'], sort_keys=True))
    ok_time = best['cpu'] < GOAL_SECONDS
    ok_mem = best['maxrss_mb'] < GOAL_MB
    print('goals: module CPU time < %.0f s %s; memory < %.0f MB %s'
          % (GOAL_SECONDS, 'PASS' if ok_time else 'FAIL', GOAL_MB, 'PASS' if ok_mem else 'FAIL'))
    return 0 if ok_time and ok_mem else 1


if __name__ == '__main__':
    sys.exit(main())
