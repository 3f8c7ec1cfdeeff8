#!/usr/bin/env python3
"""Volume-heavy Mesos side of the emulator: seed AGENTS agents with VOLUMES persistent volumes (each with its own
labelled reservation, like Marathon makes them), then report `/master/slaves` latency and the emulator's RSS.

Prints figures; it is not a pass/fail test. Usage: bench_emulator_volumes.py [--agents 1000] [--volumes 10000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import statistics
import subprocess
import time

from _emulator import Emulator


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None, timeout=600.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def timed(port: int, method: str, path: str, runs: int, body=None, headers=None):
    samples, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        status, payload = request(port, method, path, body, headers)
        samples.append((time.perf_counter() - started) * 1000.0)
        if status != 200:
            raise SystemExit(f"{method} {path} answered {status}: {payload[:200]!r}")
        size = len(payload)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--volumes", type=int, default=10000, help="total volumes (spread evenly over the agents)")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    per_agent = max(1, args.volumes // args.agents)
    # stdout (the start-up banner) dropped, stderr (warnings) kept; 1,000 agents take a while to start and to save
    with Emulator("--agents", str(args.agents), "--log-level", "WARNING", stdout=subprocess.DEVNULL,
                  start_timeout=120, stop_timeout=60) as emu:
        mesos_port = emu.mesos_port
        idle_rss = emu.rss_mib()
        started = time.perf_counter()
        status, payload = request(mesos_port, "POST", "/emulator/seed",
                                  json.dumps({"volumes_per_agent": per_agent, "size": 10}).encode(),
                                  {"Content-Type": "application/json"})
        seed_seconds = time.perf_counter() - started
        if status != 200:
            raise SystemExit(f"seed failed: {status} {payload[:300]!r}")
        seeded = json.loads(payload)
        cold = timed(mesos_port, "GET", "/master/slaves", 1)[0]  # first render after seeding: nothing cached
        slaves = timed(mesos_port, "GET", "/master/slaves", args.runs)
        one = timed(mesos_port, "GET", "/master/slaves?slave_id=" + _first_agent(mesos_port), args.runs)
        state = timed(mesos_port, "GET", "/master/state", args.runs)
        agents_v1 = timed(mesos_port, "POST", "/api/v1", args.runs, b'{"type":"GET_AGENTS"}',
                          {"Content-Type": "application/json", "Accept": "application/json"})
        rss = emu.rss_mib()
    print(f"agents {seeded['agents']}, volumes {seeded['volumes']} (each with a labelled cpus/mem/disk reservation)")
    print(f"seed: {seed_seconds:.2f} s (real volume directories and agent checkpoints)")
    print(f"GET /master/slaves, first (cold) {cold:8.1f} ms; then per-agent JSON is cached until the agent changes")
    for name, (median, p95, size) in (("GET /master/slaves", slaves), ("GET /master/slaves?slave_id=", one),
                                      ("GET /master/state", state), ("POST /api/v1 GET_AGENTS", agents_v1)):
        print(f"{name:32s} median {median:8.1f} ms   p95 {p95:8.1f} ms   body {size / 1024:9.1f} KiB")
    print(f"emulator RSS: {idle_rss:.1f} MiB idle, {rss:.1f} MiB after seeding and queries")
    return 0


def _first_agent(port: int) -> str:
    status, payload = request(port, "GET", "/emulator/agents")
    return json.loads(payload)["agents"][0]["id"]


if __name__ == "__main__":
    raise SystemExit(main())
