"""Shared helpers of the test_marathon_* suites: a real Cluster on free ports and a tiny HTTP client.
(No tests here.)"""
from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.request

from dcos_emulator.cluster import Cluster, ClusterConfig

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def fixture(name: str):
    with open(os.path.join(FIXTURES, name)) as fh:
        return json.load(fh)


class Answer:
    def __init__(self, status, headers, body: bytes):
        self.status, self.headers, self.raw = status, headers, body

    @property
    def json(self):
        return json.loads(self.raw) if self.raw else None


class Client:
    def __init__(self, base: str):
        self.base = base

    def call(self, method: str, path: str, body=None, raw: bytes | None = None, headers=None) -> Answer:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        hdrs = {"Content-Type": "application/json"}
        hdrs.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return Answer(resp.status, resp.headers, resp.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.headers, exc.read())

    def get(self, path):
        return self.call("GET", path)

    def wait_deployment(self, dep_id: str, timeout: float = 30.0) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if not any(d["id"] == dep_id for d in self.get("/v2/deployments").json):
                return
            time.sleep(0.05)
        raise AssertionError(f"deployment {dep_id} still running: {self.get('/v2/deployments').json}")

    def deploy(self, method: str, path: str, body=None, status=(200, 201)) -> Answer:
        ans = self.call(method, path, body)
        assert ans.status in status, (ans.status, ans.raw)
        self.wait_deployment(ans.headers["Marathon-Deployment-Id"])
        return ans

    def tasks(self, app_id: str) -> list:
        return self.get(f"/v2/apps{app_id}/tasks").json["tasks"]


def wait_for(pred, timeout=20.0, interval=0.05, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def start_cluster(state_dir: str | None = None, **cfg) -> Cluster:
    state_dir = state_dir or tempfile.mkdtemp(prefix="marathon-test-")
    cfg.setdefault("agents", 2)
    return Cluster(state_dir, ClusterConfig(marathon_port=0, mesos_port=0, **cfg)).start()
