#!/usr/bin/env python3
"""Benchmark: the emulator's Volumes page with 1,000 apps and 5,000 tasks, in headless Chromium.

Starts `python -m dcos_emulator` in a temporary state dir, creates the apps with bulk PUT /v2/apps (Docker apps
without a command: tasks modelled without processes, as bench_emulator_apps.py does), waits until every task
runs, then loads the page N times in a fresh headless Chromium and reads, from the page's own performance mark,
the time from navigation start to the Services view rendered (both requests answered, 1,000 rows in the DOM).
Goal (issue 15): under 1 s. Needs Chromium (`make browser`); exits non-zero only if it could not measure.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import urllib.request

from _emulator import ROOT, Emulator

sys.path.insert(0, os.path.join(ROOT, "emulator", "tests"))

from chromium import Browser, unavailable  # noqa: E402

GOAL_MS = 1000.0
RENDERED = "return (performance.getEntriesByName('rendered:services')[0] || {}).startTime || null;"


def call(base, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return resp.status, resp.read()


def seed(base: str, apps: int, tasks: int) -> None:
    per_app = max(1, tasks // apps)
    for start in range(0, apps, 100):
        batch = [{"id": f"/bench/g{i // 100}/app-{i}", "instances": per_app, "cpus": 0.01, "mem": 4,
                  "portDefinitions": [], "labels": {"bench": "true", "n": str(i)},
                  "container": {"type": "DOCKER", "docker": {"image": "nginx:alpine"}}}
                 for i in range(start, min(start + 100, apps))]
        call(base, "PUT", "/v2/apps", batch)
    while json.loads(call(base, "GET", "/v2/deployments")[1]) != []:
        time.sleep(0.5)


def load_once(driver, url: str) -> float:
    driver.get("about:blank")
    driver.get(url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rendered = driver.execute_script(RENDERED)
        if rendered:
            return float(rendered)
        time.sleep(0.02)
    raise TimeoutError("the Services view was not rendered within 60 s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--apps", type=int, default=1000)
    ap.add_argument("--tasks", type=int, default=5000)
    ap.add_argument("--loads", type=int, default=10)
    args = ap.parse_args()
    reason = unavailable()
    if reason:
        print(f"bench_emulator_ui: cannot measure: {reason}")
        return 1
    emu = Emulator("--agents", "10", "--agent-cpus", "1000", "--agent-mem", "100000", "--log-level", "WARNING").start()
    base = emu.marathon_url
    browser = None
    try:
        t0 = time.time()
        seed(base, args.apps, args.tasks)
        apps = json.loads(call(base, "GET", "/v2/apps")[1])["apps"]
        print(f"setup: {len(apps)} apps, {sum(a['tasksRunning'] for a in apps)} running tasks "
              f"in {time.time() - t0:.1f} s")
        browser = Browser()
        times = [load_once(browser.driver, base + "/#/services") for _ in range(args.loads)]
        rows = browser.driver.execute_script("return document.querySelectorAll('#view tbody tr').length;")
        size = len(call(base, "GET", "/v2/apps?embed=apps.tasks&embed=apps.counts&embed=apps.deployments")[1])
        print(f"Services view ({rows} rows; /v2/apps with tasks {size / 1024:.0f} KiB): navigation to rendered "
              f"first {times[0]:.0f} ms, median {statistics.median(times):.0f} ms, max {max(times):.0f} ms "
              f"over {len(times)} loads (goal < {GOAL_MS:.0f} ms)")
        return 0
    finally:
        if browser is not None:
            browser.close()
        emu.stop()


if __name__ == "__main__":
    sys.exit(main())
