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
import statistics
import sys
import time
import urllib.request

from _emulator import Emulator


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return resp.status, resp.read()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--apps", type=int, default=1000)
    ap.add_argument("--tasks", type=int, default=5000)
    ap.add_argument("--requests", type=int, default=50)
    args = ap.parse_args()
    per_app = max(1, args.tasks // args.apps)
    with Emulator("--agents", "10", "--agent-cpus", "1000", "--agent-mem", "100000", "--log-level", "WARNING") as emu:
        base = emu.marathon_url
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
        print(f"emulator RSS: {emu.rss_mib():.0f} MB")
        return 0


if __name__ == "__main__":
    sys.exit(main())
