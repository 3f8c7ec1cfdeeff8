#!/usr/bin/env python3
"""Volume-heavy Mesos side of the emulator: seed AGENTS agents with VOLUMES persistent volumes (each with its own
labelled reservation, like Marathon makes them), then report `/master/slaves` latency and the emulator's RSS.

Prints figures; it is not a pass/fail test. Usage: bench_emulator_volumes.py [--agents 1000] [--volumes 10000]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: bytes | None = None, headers=None, timeout=600.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


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
    mesos_port, marathon_port = free_port(), free_port()
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "emulator") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    with tempfile.TemporaryDirectory(prefix="bench-volumes-") as state_dir:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dcos_emulator", "--state-dir", state_dir, "--agents", str(args.agents),
             "--mesos-port", str(mesos_port), "--marathon-port", str(marathon_port), "--log-level", "WARNING"],
            env=env, stdout=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    if request(mesos_port, "GET", "/master/health", timeout=5)[0] == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("emulator did not start")
                time.sleep(0.1)
            idle_rss = rss_mib(proc.pid)
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
            rss = rss_mib(proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=60)
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
