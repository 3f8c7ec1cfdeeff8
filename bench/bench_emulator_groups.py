#!/usr/bin/env python3
"""Benchmark: 1,000 resident apps in one request on a dcos-emulator (issue 14).

Starts `python -m dcos_emulator` in a temporary state dir with agents big enough for the lot, then:
1. creates 1,000 resident apps (a local persistent volume each, 1 instance, `sleep 3600`, cpus 0.01, mem 8) with one
   bulk PUT /v2/apps and waits until every app runs one task and the deployment is gone. Goal: under 60 s with the
   emulator's own time included; its share is its process CPU time (user + system, from /proc) over the wall time;
2. sends the same list again (a no-op: no step, no app version changes), and the same apps as PUT /v2/groups/bench,
   once with dryRun=true and once for real. Goal: each answers well within the 5 s the module's no-op converge is
   given (issue 14); only the request is timed, the client's JSON encoding is not.
Prints the figures with their units, the request counts (/emulator/counters) and the load average. Exits non-zero
only if it could not measure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import urllib.request

from _emulator import Emulator

CREATE_GOAL_S = 60.0
NOOP_GOAL_S = 5.0


def call(base: str, method: str, path: str, data: bytes | None = None):
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data is not None else {})
    with urllib.request.urlopen(req, timeout=300) as resp:
        return resp.status, resp.headers, resp.read()


def get_json(base: str, path: str):
    return json.loads(call(base, "GET", path)[2])


def resident_app(i: int) -> dict:
    return {"id": f"/bench/app-{i:04d}", "cmd": "sleep 3600", "cpus": 0.01, "mem": 8, "instances": 1,
            "portDefinitions": [], "container": {"type": "MESOS", "volumes": [
                {"containerPath": "data", "mode": "RW", "persistent": {"size": 1}}]}}


def all_running(base: str, count: int) -> bool:
    apps = get_json(base, "/v2/apps?id=/bench/")["apps"]
    return len(apps) == count and all(a["tasksRunning"] == 1 and not a["deployments"] for a in apps)


def timed_request(base: str, method: str, path: str, body: bytes) -> tuple[float, int, dict]:
    start = time.perf_counter()
    status, headers, raw = call(base, method, path, body)
    return time.perf_counter() - start, status, json.loads(raw)


def sized_emulator(agents: int, apps: int) -> Emulator:
    # Agents sized for the apps (0.01 cpus, 8 MiB, a 1 MiB volume each) plus a little room, so no agent carries
    # much more than apps/agents of them: every reservation rewrites its agent's checkpoint (fsynced), which costs
    # in proportion to what the agent already holds. A real cluster with 1,000 stateful apps has many agents too.
    per_agent = -(-apps // agents) + 5
    # Saving the state of 1,000 resident apps on SIGTERM takes a while: up to 120 s before it is killed.
    return Emulator("--agents", str(agents), "--agent-cpus", f"{0.01 * per_agent:.2f}", "--agent-mem",
                    str(8 * per_agent + 64), "--agent-disk", str(per_agent + 64), "--log-level", "WARNING",
                    stop_timeout=120)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--apps", type=int, default=1000)
    ap.add_argument("--agents", type=int, default=50)
    args = ap.parse_args()
    emu = sized_emulator(args.agents, args.apps).start()
    base = emu.marathon_url
    apps = [resident_app(i) for i in range(args.apps)]
    as_list = json.dumps(apps).encode()
    as_group = json.dumps({"id": "/bench", "apps": apps}).encode()
    try:
        call(base, "DELETE", "/emulator/counters")
        cpu0, load0 = emu.cpu_seconds(), os.getloadavg()[0]
        wall0 = time.perf_counter()
        answer_s, status, body = timed_request(base, "PUT", "/v2/apps", as_list)
        assert status == 200, (status, body)
        polls = 0
        while not all_running(base, args.apps):
            polls += 1
            time.sleep(0.5)
        create_s = time.perf_counter() - wall0
        emulator_cpu = emu.cpu_seconds() - cpu0
        counts = get_json(base, "/emulator/counters")
        print(f"create {args.apps} resident apps in one bulk PUT /v2/apps and wait until all run "
              f"(goal < {CREATE_GOAL_S:.0f} s):")
        print(f"  total {create_s:6.1f} s   (PUT answered in {answer_s:5.2f} s; {polls} polls of GET /v2/apps)")
        print(f"  emulator CPU {emulator_cpu:6.1f} s = {100 * emulator_cpu / create_s:4.0f} % of the wall time "
              f"(2-core machine shared; load average {load0:.2f} before, {os.getloadavg()[0]:.2f} after)")
        print(f"  requests: {counts['total']} ({counts['requests'].get('PUT /v2/apps', 0)} PUT /v2/apps)")

        print(f"no-op writes of the same {args.apps} apps (goal < {NOOP_GOAL_S:.0f} s each):")
        versions = {a["id"]: a["version"] for a in get_json(base, "/v2/apps")["apps"]}
        for label, method, path, data in (("PUT /v2/apps (same list)", "PUT", "/v2/apps", as_list),
                                          ("PUT /v2/groups/bench?dryRun=true", "PUT", "/v2/groups/bench?dryRun=true",
                                           as_group),
                                          ("PUT /v2/groups/bench (same group)", "PUT", "/v2/groups/bench", as_group)):
            seconds, status, body = timed_request(base, method, path, data)
            steps = len(body["steps"]) if "steps" in body else None
            print(f"  {label:<36} {seconds * 1000:7.0f} ms   status {status}"
                  + (f", {steps} steps" if steps is not None else ""))
        unchanged = versions == {a["id"]: a["version"] for a in get_json(base, "/v2/apps")["apps"]}
        print(f"  app versions unchanged by the no-op writes: {unchanged}; "
              f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
