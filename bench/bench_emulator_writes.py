#!/usr/bin/env python3
"""Benchmark: latency of acknowledged writes on a dcos-emulator, empty and holding 1,000 apps / 5,000 tasks.

Every write the emulator answers is on disk first (issue 9: acknowledged writes survive kill -9), so a
write costs a state save. This times the writes clients make: POST /v2/apps, PUT /v2/apps/{id} (scale),
DELETE /v2/apps/{id}, and the Mesos operator calls reserve, create-volumes, destroy-volumes, unreserve.
It starts `python -m dcos_emulator` in a temporary state dir, measures with an empty Marathon, seeds the
apps with bulk PUT /v2/apps (Docker apps without a command: tasks without processes), measures again,
and prints median / p95 per write. Goal: a write at 1,000 apps answers within 100 ms (median, quiet
machine); at 1,000 apps most of it is waiting for the scheduler's round, not the fsynced journal line.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.parse
import urllib.request

from _emulator import Emulator

GOAL_MS = 100.0


def call(base, method, path, body=None, form=None):
    headers = {}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=120) as resp:
        return resp.status, resp.read()


def timed(*request, **kw) -> float:
    t = time.perf_counter()
    call(*request, **kw)
    return (time.perf_counter() - t) * 1000


def summary(name: str, times: list) -> str:
    times = sorted(times)
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return f"  {name:<34} median {statistics.median(times):7.1f} ms   p95 {p95:7.1f} ms   (n={len(times)})"


def wait_idle(base) -> None:
    while json.loads(call(base, "GET", "/v2/deployments")[1]):
        time.sleep(0.2)


def measure(base, mesos, agent_id: str, rounds: int, tag: str) -> dict:
    app = {"instances": 1, "cpus": 0.01, "mem": 4, "portDefinitions": [],
           "container": {"type": "DOCKER", "docker": {"image": "nginx:alpine"}}}
    out = {k: [] for k in ("POST /v2/apps", "PUT /v2/apps/{id} (scale)", "DELETE /v2/apps/{id}",
                           "POST /master/reserve", "POST /master/create-volumes", "POST /master/destroy-volumes",
                           "POST /master/unreserve")}
    for i in range(rounds):
        app_id = f"/w/{tag}-{i}"
        out["POST /v2/apps"].append(timed(base, "POST", "/v2/apps", dict(app, id=app_id)))
        out["PUT /v2/apps/{id} (scale)"].append(
            timed(base, "PUT", f"/v2/apps{app_id}?force=true", dict(app, instances=2)))
        out["DELETE /v2/apps/{id}"].append(timed(base, "DELETE", f"/v2/apps{app_id}?force=true"))
        reservation = {"name": "disk", "type": "SCALAR", "scalar": {"value": 4}, "role": "bench",
                       "reservation": {"principal": "bench"}}
        volume = dict(reservation, disk={"persistence": {"id": f"{tag}-{i}", "principal": "bench"},
                                         "volume": {"container_path": "data", "mode": "RW"}})
        for path, key, value in (("/master/reserve", "resources", reservation),
                                 ("/master/create-volumes", "volumes", volume),
                                 ("/master/destroy-volumes", "volumes", volume),
                                 ("/master/unreserve", "resources", reservation)):
            out["POST " + path].append(timed(mesos, "POST", path, form={"slaveId": agent_id, key: json.dumps([value])}))
    wait_idle(base)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--apps", type=int, default=1000)
    ap.add_argument("--tasks", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=30)
    args = ap.parse_args()
    per_app = max(1, args.tasks // max(1, args.apps))
    with Emulator("--agents", "10", "--agent-cpus", "1000", "--agent-mem", "100000", "--log-level", "WARNING") as emu:
        base, mesos = emu.marathon_url, emu.mesos_url
        agent_id = json.loads(call(mesos, "GET", "/master/slaves")[1])["slaves"][0]["id"]
        print(f"write latency, goal: median < {GOAL_MS:.0f} ms at {args.apps} apps")
        print("empty Marathon:")
        for name, times in measure(base, mesos, agent_id, args.rounds, "empty").items():
            print(summary(name, times))
        for start in range(0, args.apps, 100):
            batch = [{"id": f"/bench/g{i // 100}/app-{i}", "instances": per_app, "cpus": 0.01, "mem": 4,
                      "portDefinitions": [], "labels": {"bench": "true", "n": str(i)},
                      "container": {"type": "DOCKER", "docker": {"image": "nginx:alpine"}}}
                     for i in range(start, min(start + 100, args.apps))]
            call(base, "PUT", "/v2/apps", batch)
        wait_idle(base)
        size = os.path.getsize(os.path.join(emu.state_dir, "emulator.json"))
        print(f"{args.apps} apps, {args.apps * per_app} tasks (emulator.json {size / 1024:.0f} KiB):")
        missed = []
        for name, times in measure(base, mesos, agent_id, args.rounds, "full").items():
            print(summary(name, times))
            if statistics.median(times) >= GOAL_MS:
                missed.append(name)
        if missed:
            print(f"goal missed (median >= {GOAL_MS:.0f} ms at {args.apps} apps): {', '.join(missed)}")
            return 1
        print("all goals met")
        return 0


if __name__ == "__main__":
    sys.exit(main())
