"""Shared fixtures: a real Cluster with its HTTP servers on free ports in a temporary state dir.

    def test_x(cluster, marathon, mesos):       # default cluster: 3 agents, Marathon core included
        r = marathon.post("/v2/apps", json={...}); assert r.status == 201
    def test_y(cluster_factory):                 # custom config; every cluster is stopped at teardown
        c = cluster_factory(agents=1, mesos_credentials="ops:secret")
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import sys
import time
import urllib.parse

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from dcos_emulator.cluster import Cluster, ClusterConfig  # noqa: E402


class HttpResult:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<HttpResult {self.status} {self.text[:200]!r}>"


class HttpClient:
    """Tiny client on http.client: never raises on 4xx/5xx, one connection per request."""

    def __init__(self, base_url: str, auth: tuple[str, str] | None = None, token: str | None = None):
        self.base_url = base_url.rstrip("/")
        parsed = urllib.parse.urlsplit(self.base_url)
        self.host, self.port = parsed.hostname, parsed.port
        self.auth = auth
        self.token = token

    def request(self, method: str, path: str, json_body=None, form=None, body=None, headers=None, auth=None,
                timeout: float = 30.0) -> HttpResult:
        headers = dict(headers or {})
        payload = body
        if json_body is not None:
            payload = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        elif form is not None:
            payload = urllib.parse.urlencode(form).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        auth = auth if auth is not None else self.auth
        if auth:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        elif self.token:
            headers["Authorization"] = f"token={self.token}"
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            return HttpResult(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json_body=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json_body=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json_body=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def wait_for(predicate, timeout: float = 15.0, interval: float = 0.05, message: str = "condition"):
    """Poll `predicate` until it returns a truthy value (tests only; the emulator itself never polls)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def cluster_factory(tmp_path):
    """Start clusters: `cluster_factory(state_dir=None, **ClusterConfig fields)`; all are stopped at teardown."""
    started: list[Cluster] = []

    def make(state_dir=None, **overrides) -> Cluster:
        fields = {"agents": 3, "marathon_port": 0, "mesos_port": 0}
        fields.update(overrides)
        cluster = Cluster(str(state_dir or tmp_path / "state"), ClusterConfig(**fields)).start()
        started.append(cluster)
        return cluster

    yield make
    for cluster in reversed(started):
        cluster.stop()


@pytest.fixture
def cluster(cluster_factory) -> Cluster:
    return cluster_factory()


@pytest.fixture
def marathon(cluster) -> HttpClient:
    return HttpClient(cluster.marathon_url)


@pytest.fixture
def mesos(cluster) -> HttpClient:
    return HttpClient(cluster.mesos_url)
