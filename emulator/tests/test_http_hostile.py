"""Hostile input gets the real services' 4xx, never a 500, a traceback, a stuck handler thread or unbounded
memory: deeply nested JSON, non-standard numbers, bad form escapes, oversized and malformed chunked bodies,
bodies that drip in, agents' endpoints without credentials, and secrets given by file or environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from conftest import HttpClient, free_port, wait_for

from dcos_emulator.http import server as http_server
from dcos_emulator.http.server import MAX_BODY

EMULATOR_DIR = os.path.join(os.path.dirname(__file__), "..")
APP = {"id": "/hostile", "cmd": "sleep 1000", "cpus": 0.01, "mem": 8, "instances": 0}


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# -- JSON ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("body", [
    nested(100_000),                                                  # Python's parser: RecursionError
    '{"id": "/deep", "labels": {"a": ' + nested(500) + '}}',          # parses, then recursion in the core
    '{"id": "/deep", "env": ' + '{"a":' * 101 + '1' + '}' * 102,      # one level over the limit
])
def test_deeply_nested_json_is_marathons_400(marathon, body):
    for method, path in (("POST", "/v2/apps"), ("PUT", "/v2/apps/deep"), ("POST", "/v2/tasks/delete")):
        result = marathon.request(method, path, body=body.encode(), headers={"Content-Type": "application/json"})
        assert result.status == 400, result
        assert result.json()["message"] == "Invalid JSON"
        assert "nesting depth" in result.json()["details"]
    assert marathon.get("/ping").status == 200


def test_json_nested_up_to_the_limit_is_still_read(marathon):
    body = '{"id": "/ok", "cmd": "sleep 1", "instances": 0, "labels": ' + '{"a":' * 98 + '1' + '}' * 98 + '}'
    result = marathon.request("POST", "/v2/apps", body=body.encode(), headers={"Content-Type": "application/json"})
    assert result.status != 400 or "nesting" not in result.text, result
    assert result.status < 500, result


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
def test_non_standard_numbers_are_marathons_400(marathon, token):
    body = '{"id": "/nan", "cmd": "sleep 1", "cpus": %s}' % token
    result = marathon.request("POST", "/v2/apps", body=body.encode(), headers={"Content-Type": "application/json"})
    assert result.status == 400, result
    assert result.json() == {"message": "Invalid JSON", "details": f"Non-standard token '{token}': enable "
                             "JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to allow"}


def test_deeply_nested_json_on_api_v1_is_mesos_400(mesos):
    # 100 levels (the object and 99 arrays) are read; picojson's limit is 100
    body = '{"type": "GET_HEALTH", "x": ' + nested(99) + "}"
    result = mesos.request("POST", "/api/v1", body=body.encode(), headers={"Content-Type": "application/json"})
    assert result.status == 200, result
    body = '{"type": "GET_HEALTH", "x": ' + nested(100) + "}"
    result = mesos.request("POST", "/api/v1", body=body.encode(), headers={"Content-Type": "application/json"})
    assert result.status == 400, result
    # picojson: the rest of the line after the 101st bracket
    assert result.text == "Failed to parse body into JSON: syntax error at line 1 near: " + "]" * 100 + "}"
    result = mesos.request("POST", "/api/v1", body=nested(100_000).encode(),
                           headers={"Content-Type": "application/json"})
    assert result.status == 400 and result.text.startswith("Failed to parse body into JSON: syntax error"), result


def test_deeply_nested_json_in_an_operator_form_is_mesos_400(cluster, mesos):
    agent_id = next(iter(cluster.master.agents))
    result = mesos.post("/master/reserve", form={"slaveId": agent_id, "resources": nested(5000)})
    assert result.status == 400, result
    # picojson stops at the 101st bracket: the rest of the line follows "near: "
    assert result.text == ("Error parsing 'resources' query parameter in the request body: syntax error at line 1 "
                           "near: " + "[" * (5000 - 101) + "]" * 5000), result


def test_malformed_form_escape_is_mesos_400(cluster, mesos):
    agent_id = next(iter(cluster.master.agents))
    body = f"slaveId={agent_id}&resources=%zz".encode()
    result = mesos.request("POST", "/master/create-volumes", body=body,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert result.status == 400, result
    assert result.text == "Unable to decode query string: Malformed % escape in '%zz': '%zz'"


# -- bodies on the wire ------------------------------------------------------------------------------------
def raw_exchange(url: str, head: bytes, body_parts=(), pause: float = 0.0, timeout: float = 10.0) -> bytes:
    """Send `head` then each of `body_parts` (waiting `pause` between them) on one socket; return everything
    the server answers until it closes the connection (or `timeout` passes: then socket.timeout)."""
    host, port = url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(head)
        try:
            for part in body_parts:
                if pause:
                    time.sleep(pause)
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the client finished sending
        answer = b""
        while True:
            data = sock.recv(65536)
            if not data:
                return answer
            answer += data


def chunked_head(path: str = "/v2/apps") -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n").encode()


@pytest.mark.parametrize("size_line", [b"-1", b"-0x10", b"zz", b"+5", b"0x5", b"", b"1" * 5000, b"1_0"])
def test_malformed_chunk_size_is_answered_400_and_closed(cluster, size_line):
    started = time.monotonic()
    answer = raw_exchange(cluster.marathon_url, chunked_head(), [size_line + b"\r\n{}\r\n0\r\n\r\n"])
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert b"Connection: close" in answer and b"Bad chunking" in answer
    assert time.monotonic() - started < 5


def test_chunked_body_over_the_cap_is_refused_without_reading_it(cluster):
    # A chunk that declares more than the cap is refused at once.
    answer = raw_exchange(cluster.mesos_url, chunked_head("/api/v1"), [b"%x\r\n" % (MAX_BODY + 1) + b"{}"])
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]


def test_chunked_body_over_the_cap_in_small_chunks_is_refused(cluster):
    chunk = b"x" * (1024 * 1024)
    parts = [b"%x\r\n" % len(chunk) + chunk + b"\r\n" for _ in range(MAX_BODY // len(chunk) + 1)]
    answer = raw_exchange(cluster.marathon_url, chunked_head(), parts + [b"0\r\n\r\n"], timeout=30)
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"<h1>Bad Message 413</h1>" in answer


def test_content_length_over_the_cap_or_malformed(cluster):
    for value, status in ((str(MAX_BODY + 1), b"413"), ("abc", b"400"), ("-5", b"400"), ("1, 2", b"400")):
        head = f"POST /v2/apps HTTP/1.1\r\nHost: x\r\nContent-Length: {value}\r\n\r\n".encode()
        answer = raw_exchange(cluster.marathon_url, head, [b"{}"])
        assert answer.startswith(b"HTTP/1.1 " + status), (value, answer[:200])


def test_chunked_body_within_the_cap_still_works(cluster, marathon):
    body = b'{"id": "/chunked", "cmd": "sleep 1000", "cpus": 0.01, "mem": 8, "instances": 0}'
    parts = [b"%x\r\n" % len(body[:10]) + body[:10] + b"\r\n",
             b"%x;ext=1\r\n" % len(body[10:]) + body[10:] + b"\r\n", b"0\r\nX-Trailer: 1\r\n\r\n"]
    head = chunked_head().replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")
    answer = raw_exchange(cluster.marathon_url, head, parts)
    assert answer.startswith(b"HTTP/1.1 201 "), answer[:300]
    assert marathon.get("/v2/apps/chunked").status == 200


@pytest.fixture
def short_deadlines(monkeypatch):
    monkeypatch.setattr(http_server, "REQUEST_READ_TIMEOUT", 1.0)
    monkeypatch.setattr(http_server, "IDLE_TIMEOUT", 5.0)


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_dripping_in_is_cut_off_at_the_request_deadline(short_deadlines, cluster_factory, chunked):
    cluster = cluster_factory(agents=1)
    if chunked:
        head, drip = chunked_head(), [b"%x\r\n" % 100] + [b"x"] * 100
    else:
        head = b"POST /v2/apps HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"
        drip = [b"x"] * 100
    started = time.monotonic()
    answer = raw_exchange(cluster.marathon_url, head, drip, pause=0.05, timeout=10)
    elapsed = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert elapsed < 4, elapsed   # the deadline is 1 s from the first byte, not 1 s per byte


def test_a_silent_connection_is_closed_after_the_idle_timeout(monkeypatch, cluster_factory):
    monkeypatch.setattr(http_server, "IDLE_TIMEOUT", 0.5)
    cluster = cluster_factory(agents=1)
    host, port = cluster.mesos_url.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        started = time.monotonic()
        assert sock.recv(100) == b""   # closed by the server, no answer
        assert time.monotonic() - started < 5


def test_any_method_token_reaches_the_router(cluster):
    answer = raw_exchange(cluster.marathon_url, b"FROB /v2/apps HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 405 "), answer[:200]
    answer = raw_exchange(cluster.mesos_url, b"FROB /master/reserve HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 405 "), answer[:200]


def test_a_request_target_that_is_not_a_url_is_still_a_path(marathon):
    result = marathon.get("//[x/v2/apps")
    assert result.json() == {"message": "URI not found"}, result   # Marathon 1.10's answer to an unknown path


# -- agents' endpoints with credentials ------------------------------------------------------------------
def test_agent_state_requires_the_mesos_credentials(cluster_factory):
    port = free_port()
    cluster = cluster_factory(agents=1, agent_port=port, mesos_credentials="ops:s3cret")
    agent = HttpClient(f"http://{next(iter(cluster.master.agents.values())).hostname}:{port}")
    for path in ("/state", "/state.json", "/slave(1)/state"):
        result = agent.get(path)
        assert result.status == 401, (path, result)
        assert result.headers["www-authenticate"] == 'Basic realm="mesos-agent-readonly"'
        assert agent.get(path, auth=("ops", "wrong")).status == 401
    result = agent.get("/state", auth=("ops", "s3cret"))
    assert result.status == 200
    assert result.json()["flags"]["authenticate_http_readonly"] == "true"


def test_agent_state_stays_open_without_credentials(cluster_factory):
    port = free_port()
    cluster = cluster_factory(agents=1, agent_port=port)
    hostname = next(iter(cluster.master.agents.values())).hostname
    assert HttpClient(f"http://{hostname}:{port}").get("/state").status == 200


# -- secrets from a file or the environment --------------------------------------------------------------
def _run_emulator(tmp_path, *args, env_extra=None):
    env = dict(os.environ, PYTHONPATH=EMULATOR_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.update(env_extra or {})
    marathon_port, mesos_port = free_port(), free_port()
    proc = subprocess.Popen([sys.executable, "-m", "dcos_emulator", "--state-dir", str(tmp_path / "state"),
                             "--agents", "1", "--marathon-port", str(marathon_port), "--mesos-port", str(mesos_port),
                             "--log-level", "WARNING", *args],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, f"http://127.0.0.1:{marathon_port}", f"http://127.0.0.1:{mesos_port}"


def _stop(proc):
    proc.terminate()
    try:
        return proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()


def _answering(client):
    def check():
        try:
            return client.get("/ping").status
        except OSError:
            return None
    return check


def test_credentials_from_a_file_and_the_environment_stay_out_of_ps(tmp_path):
    secret_file = tmp_path / "mesos.secret"
    secret_file.write_text("ops:file-s3cret\n")
    proc, marathon_url, mesos_url = _run_emulator(
        tmp_path, "--mesos-credentials-file", str(secret_file),
        env_extra={"DCOS_EMULATOR_MARATHON_CREDENTIALS": "admin:env-s3cret", "DCOS_EMULATOR_DCOS_TOKEN": ""})
    try:
        marathon, mesos = HttpClient(marathon_url), HttpClient(mesos_url)
        wait_for(_answering(marathon), timeout=30, message="emulator up")
        assert marathon.get("/v2/info").status == 401
        assert marathon.get("/v2/info", auth=("admin", "env-s3cret")).status == 200
        assert mesos.get("/master/slaves").status == 401
        assert mesos.get("/master/slaves", auth=("ops", "file-s3cret")).status == 200
        with open(f"/proc/{proc.pid}/cmdline", "rb") as handle:
            cmdline = handle.read()
        assert b"s3cret" not in cmdline
    finally:
        out, err = _stop(proc)
    assert "s3cret" not in out + err


def test_the_old_credential_flags_still_work_and_warn(tmp_path):
    proc, marathon_url, _ = _run_emulator(tmp_path, "--marathon-credentials", "admin:flag-s3cret")
    try:
        marathon = HttpClient(marathon_url)
        wait_for(_answering(marathon), timeout=30, message="emulator up")
        assert marathon.get("/v2/info", auth=("admin", "flag-s3cret")).status == 200
        assert marathon.get("/v2/info").status == 401
    finally:
        _, err = _stop(proc)
    assert "--marathon-credentials on the command line is visible" in err
    assert "s3cret" not in err


@pytest.mark.parametrize("args,env,message", [
    (["--mesos-credentials-file", "/nonexistent/secret"], {}, "--mesos-credentials-file: cannot read"),
    (["--mesos-credentials", "a:b", "--mesos-credentials-file", "/dev/null"], {}, "mutually exclusive"),
    ([], {"DCOS_EMULATOR_MESOS_CREDENTIALS": "nocolon-s3cret"},
     "--mesos-credentials must look like NAME:SECRET (from $DCOS_EMULATOR_MESOS_CREDENTIALS)"),
])
def test_bad_secret_sources_are_reported_without_the_secret(tmp_path, args, env, message):
    proc, _, _ = _run_emulator(tmp_path, *args, env_extra=env)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert message in err
    assert "s3cret" not in err and "Traceback" not in err


def test_secret_variables_are_not_inherited_by_tasks():
    from dcos_emulator.cli import build_parser, resolve_secrets

    environ = {"DCOS_EMULATOR_MESOS_CREDENTIALS": "ops:x", "DCOS_EMULATOR_DCOS_TOKEN": "t", "PATH": "/bin"}
    args = build_parser().parse_args([])
    resolve_secrets(args, environ)
    assert (args.mesos_credentials, args.dcos_token, args.marathon_credentials) == ("ops:x", "t", None)
    assert environ == {"PATH": "/bin"}


# -- strings the operating system cannot take --------------------------------------------------------------
def test_lone_surrogates_are_stored_as_question_marks(marathon, mesos):
    # Real Marathon: Java's UTF-8 encoder writes '?' for a lone surrogate (ZooKeeper, Mesos).
    body = b'{"id": "/surrogate", "cmd": "sleep 1000 \\ud800", "cpus": 0.01, "mem": 8, "instances": 0, ' \
           b'"labels": {"k\\udc00": "v\\ud83d\\ude00"}}'
    result = marathon.request("POST", "/v2/apps", body=body, headers={"Content-Type": "application/json"})
    assert result.status == 201, result
    app = marathon.get("/v2/apps/surrogate").json()["app"]
    assert app["cmd"] == "sleep 1000 ?" and app["labels"] == {"k?": "v\U0001F600"}
    assert marathon.get("/v2/apps").status == 200
    # Real Mesos: picojson refuses a high surrogate escape without its low half.
    result = mesos.request("POST", "/api/v1", body=b'{"type": "GET_HEALTH", "x": "\\ud800y"}',
                           headers={"Content-Type": "application/json"})
    assert result.status == 400 and result.text.startswith("Failed to parse body into JSON: syntax error"), result


@pytest.fixture
def thread_failures(monkeypatch):
    """Exceptions that end a thread (the scheduler's, a health check's) or are logged at ERROR."""
    import logging
    import threading

    failures = []
    monkeypatch.setattr(threading, "excepthook", lambda args: failures.append(repr(args.exc_value)))

    class Handler(logging.Handler):
        def emit(self, record):
            failures.append(record.getMessage())

    handler = Handler(logging.ERROR)
    logging.getLogger("dcos_emulator").addHandler(handler)
    yield failures
    logging.getLogger("dcos_emulator").removeHandler(handler)


def test_a_nul_in_a_launch_field_fails_that_task_not_the_scheduler(cluster, marathon, thread_failures):
    base = {"cpus": 0.01, "mem": 8, "instances": 1}
    broken = [{"id": "/nul/env", "cmd": "sleep 1000", "env": {"A": "x\u0000y"}},
              {"id": "/nul/cmd", "cmd": "sleep 1000 \u0000"},
              {"id": "/nul/args", "args": ["sleep", "1000\u0000"]},
              {"id": "/nul/path", "cmd": "sleep 1000",
               "container": {"type": "MESOS", "volumes": [{"containerPath": "d\u0000", "hostPath": "x", "mode": "RW"}]}}]
    for app in broken:
        assert marathon.post("/v2/apps", json={**app, **base}).status == 201
    for app in broken:
        wait_for(lambda a=app: marathon.get(f"/v2/apps{a['id']}").json()["app"].get("lastTaskFailure"),
                 message=f"{app['id']} fails")
    failure = marathon.get("/v2/apps/nul/env").json()["app"]["lastTaskFailure"]
    assert failure["state"] == "TASK_FAILED" and "null" in failure["message"]
    # the scheduler still launches everything else
    assert marathon.post("/v2/apps", json={"id": "/nul/fine", "cmd": "sleep 1000", **base}).status == 201
    wait_for(lambda: marathon.get("/v2/apps/nul/fine").json()["app"]["tasksRunning"] == 1, message="fine runs")
    assert not thread_failures, thread_failures


@pytest.mark.parametrize("check", [
    {"protocol": "COMMAND", "command": {"value": "true\u0000"}},
    {"protocol": "HTTP", "path": "/é", "portIndex": 0},
])
def test_a_health_check_the_os_refuses_reports_unhealthy(cluster, marathon, thread_failures, check):
    app = {"id": "/hc/refused", "cmd": "sleep 1000", "cpus": 0.01, "mem": 8, "instances": 1,
           "healthChecks": [{**check, "gracePeriodSeconds": 0, "intervalSeconds": 1, "timeoutSeconds": 1,
                             "maxConsecutiveFailures": 0}]}
    assert marathon.post("/v2/apps", json=app).status == 201

    def failed_check():
        tasks = marathon.get("/v2/apps/hc/refused/tasks").json()["tasks"]
        results = tasks[0].get("healthCheckResults") if tasks else None
        return results and results[0].get("consecutiveFailures", 0) >= 1

    wait_for(failed_check, message="a failed health check result")
    assert not thread_failures, thread_failures
