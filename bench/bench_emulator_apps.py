#!/usr/bin/env python3
"""Benchmark: GET /v2/apps on a dcos-emulator holding 1,000 apps and 5,000 tasks.

Starts `python -m dcos_emulator` in a temporary state dir, creates the apps with bulk PUT /v2/apps
(Docker apps without a command: tasks modelled without processes), waits until every task runs,
then times GET /v2/apps and prints median / p95 and the emulator's resident memory (VmRSS).
Goals (issue 2): median < 100 ms, RSS < 300 MB.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return resp.status, resp.read()


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--apps", type=int, default=1000)
    ap.add_argument("--tasks", type=int, default=5000)
    ap.add_argument("--requests", type=int, default=50)
    args = ap.parse_args()
    per_app = max(1, args.tasks // args.apps)
    state = tempfile.mkdtemp(prefix="bench-emulator-")
    mport, sport = free_port(), free_port()
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "emulator") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "dcos_emulator", "--state-dir", state, "--agents", "10",
                             "--agent-cpus", "1000", "--agent-mem", "100000", "--marathon-port", str(mport),
                             "--mesos-port", str(sport), "--log-level", "WARNING"], env=env)
    base = f"http://127.0.0.1:{mport}"
    try:
        deadline = time.time() + 30
        while True:
            try:
                call(base, "GET", "/ping")
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        t0 = time.time()
        for start in range(0, args.apps, 100):
            batch = [{"id": f"/bench/g{i // 100}/app-{i}", "instances": per_app, "cpus": 0.01, "mem": 4,
                      "portDefinitions": [], "labels": {"bench": "true", "n": str(i)},
                      "container": {"type": "DOCKER", "docker": {"image": "nginx:alpine"}}}
                     for i in range(start, min(start + 100, args.apps))]
            call(base, "PUT", "/v2/apps", batch)
        while True:
            _, body = call(base, "GET", "/v2/deployments")
            if json.loads(body) == []:
                break
            time.sleep(0.5)
        _, body = call(base, "GET", "/v2/apps")
        apps = json.loads(body)["apps"]
        running = sum(a["tasksRunning"] for a in apps)
        print(f"setup: {len(apps)} apps, {running} running tasks in {time.time() - t0:.1f} s")
        times = []
        for _ in range(args.requests):
            t = time.perf_counter()
            _, body = call(base, "GET", "/v2/apps")
            times.append((time.perf_counter() - t) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
        print(f"GET /v2/apps ({len(body) / 1024:.0f} KiB): median {statistics.median(times):.1f} ms, "
              f"p95 {p95:.1f} ms over {len(times)} requests")
        t = time.perf_counter()
        call(base, "GET", "/v2/apps?embed=apps.tasks")
        print(f"GET /v2/apps?embed=apps.tasks: {(time.perf_counter() - t) * 1000:.1f} ms")
        print(f"emulator RSS: {rss_mb(proc.pid):.0f} MB")
        return 0
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
