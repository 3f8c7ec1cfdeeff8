#!/usr/bin/env python3
"""External volumes in the emulator: time from an agent stop to the replacement task running with its volume
(REX-Ray preempt, zone constraint), RUNS times, with the local store and, when moto_server is installed, with
EBS in a moto_server. The replacement counts as running with its volume when it has written its line into
the volume the stopped task wrote to (read from the volume's data directory).

Prints figures; it is not a pass/fail test. Usage: bench_emulator_extvol.py [--runs 5] [--no-moto]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from _emulator import Emulator, free_port
APP = {"id": "/hello", "instances": 1, "cpus": 0.1, "mem": 32,
       "cmd": "echo \"$MESOS_TASK_ID\" >> data/hello; exec sleep 100000",
       "constraints": [["@zone", "IS", "us-east-1a"]],
       "container": {"type": "MESOS", "volumes": [{"containerPath": "data", "mode": "RW", "external": {
           "name": "benchvol", "provider": "dvdi", "options": {"dvdi/driver": "rexray"}}}]},
       "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0}}


def call(port: int, method: str, path: str, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        data = json.dumps(body).encode() if body is not None else None
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw) if raw else None
        except ValueError:   # /ping answers "pong", moto's /moto-api/ HTML
            return response.status, raw
    finally:
        conn.close()


def wait(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = predicate()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(0.01)
    raise SystemExit("timed out")


def lines(port: int) -> list:
    vols = call(port, "GET", "/emulator/volumes")[1]["volumes"]
    path = os.path.join(vols[0]["dataDir"], "hello") if vols else None
    return open(path).read().split() if path and os.path.exists(path) else []


def running(port: int):
    tasks = call(port, "GET", "/v2/apps/hello/tasks")[1]["tasks"]
    return next((t for t in tasks if t["state"] == "TASK_RUNNING"), None)


def measure(runs: int, extra_args: list, env: dict) -> list:
    state_dir = tempfile.mkdtemp(prefix="bench-extvol-")
    config = os.path.join(state_dir, "rexray.json")
    with open(config, "w") as handle:
        json.dump({"libstorage": {"integration": {"volume": {"operations": {"mount": {"preempt": True}}}}}}, handle)
    emu = Emulator("--agents", "4", "--zones", "us-east-1a,us-east-1b", "--rexray-config", config, *extra_args,
                   env=env, state_dir=os.path.join(state_dir, "s"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    port = emu.start().marathon_port
    samples = []
    try:
        call(port, "POST", "/v2/apps", APP)
        task = wait(lambda: running(port))
        wait(lambda: task["id"] in lines(port))
        for _ in range(runs):
            start = time.perf_counter()
            call(port, "POST", f"/emulator/agents/{task['slaveId']}/stop")
            new = wait(lambda old=task["id"]: (lambda t: t if t and t["id"] != old else None)(running(port)))
            wait(lambda n=new["id"]: n in lines(port))
            samples.append(time.perf_counter() - start)
            call(port, "POST", f"/emulator/agents/{task['slaveId']}/start")
            task = new
    finally:
        emu.stop()
        shutil.rmtree(state_dir, ignore_errors=True)
    return samples


def report(label: str, samples: list) -> None:
    print(f"{label}: agent stop -> replacement running with its volume: median {statistics.median(samples)*1000:.0f} ms,"
          f" min {min(samples)*1000:.0f} ms, max {max(samples)*1000:.0f} ms ({len(samples)} runs)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-moto", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    report("local store", measure(args.runs, [], env))
    moto = shutil.which("moto_server") or os.path.join(os.path.dirname(sys.executable), "moto_server")
    if args.no_moto or not os.path.exists(moto):
        return 0
    moto_port = free_port()
    server = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(moto_port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        wait(lambda: call(moto_port, "GET", "/moto-api/")[0] < 500)
        aws_env = dict(env, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1")
        report("EBS in moto_server", measure(args.runs, ["--aws-endpoint-url", f"http://127.0.0.1:{moto_port}"],
                                             aws_env))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
