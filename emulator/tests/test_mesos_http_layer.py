"""The HTTP layer under both APIs: router precedence, SSE streaming, handler errors, Marathon/DC-OS auth."""

from __future__ import annotations

import http.client
import threading

import pytest
from conftest import HttpClient

from dcos_emulator.http.counters import RequestCounters
from dcos_emulator.http.faults import FaultInjector
from dcos_emulator.http.router import HttpError, Request, Response, Router, StreamResponse
from dcos_emulator.http.server import EmulatorServer


@pytest.fixture
def server():
    router = Router()
    started = EmulatorServer("test", "127.0.0.1", 0, router, RequestCounters(), FaultInjector())
    started.start()
    yield started, router
    started.stop()


def test_router_precedence_and_params(server):
    srv, router = server

    @router.route("GET", "/v2/apps/{id:path}")
    def app(request, id):
        return Response(200, {"app": id})

    @router.route("GET", "/v2/apps/{id:path}/tasks")
    def tasks(request, id):
        return Response(200, {"tasks_of": id})

    @router.route("DELETE", "/v2/apps/{id:path}/tasks/{task_id}")
    def kill(request, id, task_id):
        return Response(200, {"app": id, "task": task_id, "scale": request.flag("scale", False),
                              "embed": request.params("embed")})

    client = HttpClient(srv.url)
    assert client.get("/v2/apps/group/db").json() == {"app": "group/db"}
    assert client.get("/v2/apps/group/db/tasks").json() == {"tasks_of": "group/db"}
    assert client.delete("/v2/apps/g/db/tasks/db.1?scale=TRUE&embed=a&embed=b").json() == {
        "app": "g/db", "task": "db.1", "scale": True, "embed": ["a", "b"]}
    assert client.get("/v2/apps/a%2Fb").json() == {"app": "a/b"}
    not_allowed = client.post("/v2/apps/x/tasks/y")
    assert not_allowed.status == 405
    assert set(not_allowed.headers["allow"].split(", ")) == {"DELETE", "GET"}
    missing = client.get("/nowhere")
    assert (missing.status, missing.json()) == (404, {"message": "URI not found: /nowhere"})


def test_request_json_errors_and_handler_exceptions(server):
    srv, router = server

    @router.route("POST", "/echo")
    def echo(request: Request):
        return Response(200, request.json())

    @router.route("GET", "/boom")
    def boom(request):
        raise RuntimeError("bug")

    @router.route("GET", "/teapot")
    def teapot(request):
        raise HttpError(418, {"message": "short and stout"}, {"X-Why": "because"})

    client = HttpClient(srv.url)
    assert client.post("/echo", json={"a": 1}).json() == {"a": 1}
    bad = client.post("/echo", body=b"{nope", headers={"Content-Type": "application/json"})
    assert bad.status == 400 and bad.json()["message"] == "Invalid JSON" and bad.json()["details"]
    boom_result = client.get("/boom")
    assert boom_result.status == 500
    assert "Traceback" not in boom_result.text and boom_result.json()["message"]
    tea = client.get("/teapot")
    assert (tea.status, tea.json(), tea.headers["x-why"]) == (418, {"message": "short and stout"}, "because")


def test_stream_response_is_chunked_and_flushed_per_event(server):
    srv, router = server
    release = threading.Event()
    closed = threading.Event()

    class Events:
        def __init__(self):
            self.sent = 0

        def __iter__(self):
            return self

        def __next__(self):
            if self.sent == 1:
                release.wait(10)  # the first event must reach the client before this one is produced
            if self.sent == 2:
                raise StopIteration
            self.sent += 1
            return f"event: ping\ndata: {self.sent}\n\n".encode()

        def close(self):
            closed.set()

    @router.route("GET", "/v2/events")
    def events(request):
        return StreamResponse(200, {"X-Test": "1"}, Events())

    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    conn.request("GET", "/v2/events", headers={"Accept": "text/event-stream"})
    response = conn.getresponse()
    assert response.status == 200
    assert response.getheader("Content-Type") == "text/event-stream"
    assert response.getheader("Transfer-Encoding") == "chunked"
    first = response.read1(1024)
    assert first == b"event: ping\ndata: 1\n\n"
    release.set()
    rest = response.read()
    assert rest == b"event: ping\ndata: 2\n\n"
    assert closed.wait(5)
    conn.close()


def test_marathon_basic_auth(cluster_factory):
    cluster = cluster_factory(agents=1, marathon_credentials="admin:s3cr:et")
    anonymous = HttpClient(cluster.marathon_url)
    denied = anonymous.get("/v2/apps")
    assert denied.status == 401
    assert denied.headers["www-authenticate"] == 'basic realm="Mesosphere"'
    assert "Error 401 Unauthorized" in denied.text
    assert HttpClient(cluster.marathon_url, auth=("admin", "wrong")).get("/v2/apps").status == 401
    assert HttpClient(cluster.marathon_url, auth=("admin", "s3cr:et")).get("/v2/apps").status == 200
    # The Mesos side stays open unless --mesos-credentials is given.
    assert HttpClient(cluster.mesos_url).get("/master/slaves").status == 200


def test_dcos_token_auth(cluster_factory):
    cluster = cluster_factory(agents=1, dcos_token="tok-123")
    denied = HttpClient(cluster.marathon_url).get("/v2/apps")
    assert denied.status == 401
    assert denied.headers["www-authenticate"] == "oauthjwt"
    assert HttpClient(cluster.marathon_url, token="bad").get("/v2/apps").status == 401
    assert HttpClient(cluster.marathon_url, token="tok-123").get("/v2/apps").status == 200
    bearer = HttpClient(cluster.marathon_url).get("/v2/apps", headers={"Authorization": "Bearer tok-123"})
    assert bearer.status == 200
