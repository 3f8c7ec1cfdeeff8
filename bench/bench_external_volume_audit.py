#!/usr/bin/env python
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bench: external_volume_info's audit of 1,000 apps / 1,000 EBS volumes in 2 zones.

Starts its own moto_server and dcos-emulator (4 agents in zones us-east-1a/us-east-1b, volumes in EC2), creates
1,000 EBS volumes through boto3 (half per zone; some with no app, some twins) and 1,000 Marathon apps with an
external volume each (a few running, so that Mesos tasks carry docker_volume sources and EBS volumes are
attached; the others scaled to 0; some referencing names with no volume), then measures, in a fresh child process
each time, external_volume_info.main() from its arguments to exit_json: GET /v2/apps, GET /master/state, EC2
DescribeVolumes (pages of 500) and DescribeInstances, the join, the JSON of the result.

Figures: CPU time of the module process (best of --runs; the goal is judged on it, the machine is shared) and
its wall time (which includes moto's and the emulator's work), peak RSS of the child (ru_maxrss), requests sent.
Goals: < 2 s and < 150 MB. Exit status 1 when a goal is missed.

Usage: .venv/bin/python bench/bench_external_volume_audit.py [--apps 1000] [--running 10] [--runs 3]
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from _emulator import PYTHON, Emulator, free_port, wait_answers
from bench_volume_audit import BASELINE, post_json, run_child

GOAL_SECONDS = 2.0
GOAL_MB = 150.0
ZONES = ('us-east-1a', 'us-east-1b')
AWS_ENV = {'AWS_ACCESS_KEY_ID': 'testing', 'AWS_SECRET_ACCESS_KEY': 'testing', 'AWS_DEFAULT_REGION': 'us-east-1'}

CHILD = r'''
import io, json, resource, sys, time
from ansible.module_utils.testing import patch_module_args
start = time.perf_counter()
cpu_start = time.process_time()
from ansible_collections.dcos.stateful.plugins.modules import external_volume_info
out = io.StringIO()
real_stdout, sys.stdout = sys.stdout, out
try:
    with patch_module_args({"marathon_url": sys.argv[1], "mesos_url": sys.argv[2], "endpoint_url": sys.argv[3],
                            "region": "us-east-1", "access_key": "testing", "secret_key": "testing"}):
        external_volume_info.main()
except SystemExit:
    pass
finally:
    sys.stdout = real_stdout
end = time.perf_counter()
result = json.loads(out.getvalue())
print(json.dumps({
    "total": end - start, "cpu": time.process_time() - cpu_start, "volumes": len(result.get("volumes", [])),
    "summary": result.get("summary"), "requests": result.get("requests"), "failed": result.get("failed", False),
    "msg": result.get("msg"), "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    "result_mb": len(out.getvalue()) / 1048576.0}))
'''


def app(index, name, running):
    return {'id': '/bench/app-%04d' % index, 'instances': 1 if running else 0, 'cpus': 0.01, 'mem': 8,
            'cmd': 'exec sleep 100000', 'constraints': [['@zone', 'IS', ZONES[index % 2]]],
            'upgradeStrategy': {'minimumHealthCapacity': 0, 'maximumOverCapacity': 0},
            'container': {'type': 'MESOS', 'volumes': [{'containerPath': 'data', 'mode': 'RW', 'external': {
                'name': name, 'provider': 'dvdi', 'options': {'dvdi/driver': 'rexray'}}}]}}


def seed(marathon_url, aws_url, apps, running):
    import boto3
    ec2 = boto3.client('ec2', endpoint_url=aws_url, region_name='us-east-1', aws_access_key_id='testing',
                       aws_secret_access_key='testing')
    made = 0
    for index in range(apps):
        # every 20th app references a name without a volume (missing); 1 in 50 names has a twin
        if index % 20 != 19:
            zones = ZONES if index % 50 == 7 else (ZONES[index % 2],)
            for zone in zones:
                ec2.create_volume(Size=1 + index % 8, AvailabilityZone=zone, VolumeType='gp2', TagSpecifications=[
                    {'ResourceType': 'volume', 'Tags': [{'Key': 'Name', 'Value': 'vol-%04d' % index}]}])
                made += 1
    while made < apps:   # volumes no app references (orphaned), up to one per app
        ec2.create_volume(Size=1, AvailabilityZone=ZONES[made % 2], TagSpecifications=[
            {'ResourceType': 'volume', 'Tags': [{'Key': 'Name', 'Value': 'orphan-%04d' % made}]}])
        made += 1
    for index in range(apps):
        post_json(marathon_url + '/v2/apps', app(index, 'vol-%04d' % index, index < running))
    return made


def running_tasks(marathon_url):
    with urllib.request.urlopen(marathon_url + '/v2/tasks', timeout=60) as response:
        return sum(1 for t in json.loads(response.read())['tasks'] if t.get('state') == 'TASK_RUNNING')


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--apps', type=int, default=1000)
    parser.add_argument('--running', type=int, default=10)
    parser.add_argument('--runs', type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix='bench-extvol-audit-')
    env = dict(os.environ, **AWS_ENV)
    moto_port = free_port()
    aws_url = 'http://127.0.0.1:%d' % moto_port
    log = open(os.path.join(work, 'log'), 'w')
    moto = subprocess.Popen([PYTHON, '-m', 'moto.server', '-H', '127.0.0.1', '-p', str(moto_port)], stdout=log,
                            stderr=log, env=env)
    emulator = Emulator('--agents', '4', '--zones', ','.join(ZONES), '--aws-endpoint-url', aws_url, env=env,
                        state_dir=os.path.join(work, 'state'), stdout=log, stderr=log)
    try:
        wait_answers(aws_url + '/moto-api/', 60, moto)
        marathon_url, mesos_url = emulator.start().marathon_url, emulator.mesos_url
        began = time.monotonic()
        volumes = seed(marathon_url, aws_url, args.apps, args.running)
        deadline = time.monotonic() + 120
        while running_tasks(marathon_url) < args.running and time.monotonic() < deadline:
            time.sleep(0.5)
        print('seeded %d apps (%d running), %d EBS volumes in %.1fs'
              % (args.apps, args.running, volumes, time.monotonic() - began))
        timed = [run_child(CHILD, marathon_url, mesos_url, aws_url) for _ in range(max(1, args.runs))]
        baseline = run_child(BASELINE)
    finally:
        emulator.stop()
        stop(moto)
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    best = min(timed, key=lambda r: r['cpu'])
    if best['failed']:
        raise SystemExit('external_volume_info failed: %s' % best['msg'])
    print('audit of %d volume names, requests %s, result %.1f MB JSON'
          % (best['volumes'], json.dumps(best['requests'], sort_keys=True), best['result_mb']))
    print('time   (module main() to exit_json, best of %d): CPU %.3f s, wall %.3f s   [all runs CPU/wall: %s]'
          % (len(timed), best['cpu'], best['total'], ', '.join('%.3f/%.3f' % (r['cpu'], r['total']) for r in timed)))
    print('        wall includes moto answering DescribeVolumes and the emulator rendering; load average %.2f on %d CPUs'
          % (os.getloadavg()[0], os.cpu_count() or 1))
    print('memory: peak RSS %.1f MB (interpreter + Ansible imports alone: %.1f MB)'
          % (best['maxrss_mb'], baseline['maxrss_mb']))
    print('summary: %s' % json.dumps(best['summary'], sort_keys=True))
    ok_time, ok_mem = best['cpu'] < GOAL_SECONDS, best['maxrss_mb'] < GOAL_MB
    print('goals: module CPU time < %.0f s %s; memory < %.0f MB %s'
          % (GOAL_SECONDS, 'PASS' if ok_time else 'FAIL', GOAL_MB, 'PASS' if ok_mem else 'FAIL'))
    return 0 if ok_time and ok_mem else 1


if __name__ == '__main__':
    sys.exit(main())
