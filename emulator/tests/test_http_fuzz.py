"""Property-based HTTP fuzzing of a running emulator: random methods, real route shapes with random ids and
query parameters, random headers, and random bodies (app definitions, groups, task deletions, operator calls
in the form and the /api/v1 format). Every answer is below 500 except the 5xx the real services give
(Marathon 1.10's 500 {"message": "URI not found"} for an unknown path, Mesos's 501 for a call it does not
implement), no answer carries a traceback, nothing is logged at ERROR (which catches failures on the
scheduler thread too), and the emulator still answers /ping and /v2/info afterwards.

Size: FUZZ_EXAMPLES examples per test (default 40, a few seconds each); e.g.
`FUZZ_EXAMPLES=2000 make emulator-test EMULATOR_TEST_ARGS="-k fuzz"` for a long run.

Safety of the fuzzer itself: commands, health-check commands and host paths come from harmless fixed sets
(the emulator runs real processes), instance counts stay small, and the admin API (/emulator/...) and the
/v2/events stream are left alone.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import threading
import time
import urllib.parse

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_mesos_operator_fuzz import RESOURCE

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

# -- atoms ---------------------------------------------------------------------------------------------------
# No string starts with "/": a random absolute host path must never reach the agents' volume code.
TEXT = st.one_of(st.sampled_from(["", "x", "a.b", "ü", "0", "1.5", "true", "RW", "RO", "MESOS", "DOCKER", "tcp",
                                  "udp", "*", "slave_public", "..", ".", "a b", "data", "root", "path", "mount",
                                  "LIKE", "UNIQUE", "CLUSTER", "GROUP_BY", "MAX_PER", "hostname", "\u0000", "\ud800",
                                  "HTTP", "TCP", "COMMAND", "MESOS_HTTP", "container", "host", "bridge"]),
                 st.text(alphabet="abcxyz019-_.:é", max_size=8))
NUMBER = st.one_of(st.integers(-3, 3), st.sampled_from([0.5, 1e-9, -0.0, 2 ** 31, 2 ** 63, -2 ** 63, 10 ** 30, 1e300,
                                                       1.7976931348623157e308, 65535, 65536]),
                   st.floats(allow_nan=False, allow_infinity=False))
SMALL = st.integers(-2, 2)          # for instance counts: the emulator starts real processes
ATOM = st.one_of(st.none(), st.booleans(), NUMBER, TEXT)
ANY_JSON = st.recursive(ATOM, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(TEXT, inner, max_size=3)), max_leaves=10)
SAFE_CMD = st.sampled_from(["sleep 1000", "true", "exit 3", "echo hi", ""])
SAFE_ARGS = st.sampled_from([["sleep", "1000"], ["true"], [], ["/bin/true"], ["sleep"]])
APP_IDS = ["/fz/a", "/fz/b", "/fz/g/c", "fz/rel", "/fz/resident"]


def maybe(strategy):
    """Mostly the right shape, sometimes anything."""
    return st.one_of(strategy, strategy, ANY_JSON)


def optional(**fields):
    return st.fixed_dictionaries({}, optional={k: maybe(v) for k, v in fields.items()})


def app_id_text():
    return st.one_of(st.sampled_from(APP_IDS), TEXT, st.sampled_from(["/", "//x", "/a//b", "/x/../y", "/UP", "/-a",
                                                                      "/a.", "/fz/a/", "/" + "a" * 300]))


LABELS = st.dictionaries(TEXT, TEXT, max_size=3)
PORT_DEFINITION = optional(port=NUMBER, protocol=TEXT, name=TEXT, labels=LABELS)
PORT_MAPPING = optional(containerPort=NUMBER, hostPort=NUMBER, servicePort=NUMBER, protocol=TEXT, name=TEXT,
                        labels=LABELS, networkNames=st.lists(TEXT, max_size=2))
PERSISTENT = optional(size=NUMBER, type=st.sampled_from(["root", "path", "mount"]), maxSize=NUMBER,
                      profileName=TEXT, constraints=st.lists(st.lists(TEXT, max_size=3), max_size=2))
VOLUME = st.fixed_dictionaries({}, optional={
    "containerPath": maybe(st.sampled_from(["data", "/data", "a/b", "..", ".", "", "d", "x/../y"])),
    # relative host paths only (see the module docstring)
    "hostPath": st.sampled_from(["data", "rel/x", "", "."]),
    "mode": maybe(st.sampled_from(["RW", "RO", "rw"])),
    "persistent": maybe(PERSISTENT),
    "external": maybe(optional(name=TEXT, provider=TEXT, size=NUMBER,
                               options=st.dictionaries(st.sampled_from(["dvdi/driver", "x"]), TEXT, max_size=2))),
    "secret": TEXT,
})
CONTAINER = optional(type=st.sampled_from(["MESOS", "DOCKER", "x"]),
                     docker=optional(image=TEXT, network=st.sampled_from(["HOST", "BRIDGE", "USER", "x"]),
                                     portMappings=st.lists(PORT_MAPPING, max_size=2), privileged=st.booleans(),
                                     forcePullImage=st.booleans(), parameters=st.lists(LABELS, max_size=2)),
                     volumes=st.lists(VOLUME, max_size=3), portMappings=st.lists(PORT_MAPPING, max_size=2))
HEALTH_CHECK = optional(protocol=st.sampled_from(["HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_HTTP", "MESOS_TCP", "x"]),
                        path=TEXT, portIndex=NUMBER, port=NUMBER, gracePeriodSeconds=NUMBER, intervalSeconds=NUMBER,
                        timeoutSeconds=NUMBER, maxConsecutiveFailures=NUMBER, ignoreHttp1xx=st.booleans(),
                        delaySeconds=NUMBER,
                        command=st.fixed_dictionaries({"value": SAFE_CMD}))
APP_FIELDS = {
    "cmd": SAFE_CMD, "args": SAFE_ARGS, "instances": SMALL, "cpus": NUMBER, "mem": NUMBER, "disk": NUMBER,
    "gpus": NUMBER, "ports": st.lists(NUMBER, max_size=3), "portDefinitions": st.lists(PORT_DEFINITION, max_size=3),
    "requirePorts": st.booleans(),
    "env": st.dictionaries(TEXT, st.one_of(TEXT, st.just({"secret": "s"})), max_size=3),
    "labels": LABELS, "constraints": st.lists(st.lists(TEXT, max_size=3), max_size=2),
    "container": CONTAINER, "healthChecks": st.lists(HEALTH_CHECK, max_size=2),
    "upgradeStrategy": optional(minimumHealthCapacity=NUMBER, maximumOverCapacity=NUMBER),
    "residency": optional(relaunchEscalationTimeoutSeconds=NUMBER, taskLostBehavior=TEXT),
    "unreachableStrategy": st.one_of(st.just("disabled"), optional(inactiveAfterSeconds=NUMBER,
                                                                   expungeAfterSeconds=NUMBER)),
    "role": TEXT, "user": TEXT, "backoffSeconds": NUMBER, "backoffFactor": NUMBER,
    "maxLaunchDelaySeconds": NUMBER, "killSelection": TEXT,
    "networks": st.lists(optional(mode=st.sampled_from(["host", "container", "container/bridge"]), name=TEXT),
                         max_size=2),
    "fetch": st.lists(optional(uri=TEXT, extract=st.booleans()), max_size=2),
    "uris": st.lists(TEXT, max_size=2), "dependencies": st.lists(app_id_text(), max_size=2),
    "version": TEXT, "secrets": st.dictionaries(TEXT, optional(source=TEXT), max_size=2),
    "readinessChecks": st.lists(optional(name=TEXT, protocol=TEXT, path=TEXT, portName=TEXT,
                                         intervalSeconds=NUMBER), max_size=1),
    "taskKillGracePeriodSeconds": NUMBER, "executor": TEXT, "acceptedResourceRoles": st.lists(TEXT, max_size=2),
    "tty": st.booleans(), "ipAddress": optional(networkName=TEXT, groups=st.lists(TEXT, max_size=2), labels=LABELS),
    "resourceLimits": optional(cpus=NUMBER, mem=NUMBER),
}
# A definition that passes validation (so that the scheduler, the agents and the health checks get to work
# on it) with one to three fields of any shape; and sometimes anything at all.
VALID_APP = st.fixed_dictionaries(
    {"id": st.sampled_from(APP_IDS), "cmd": st.sampled_from(["sleep 1000", "true", "exit 3"]),
     "cpus": st.sampled_from([0.01, 0.1]), "mem": st.sampled_from([8, 16]), "instances": st.integers(0, 2)},
    optional={"env": st.dictionaries(TEXT, TEXT, max_size=2), "labels": LABELS,
              "healthChecks": st.lists(HEALTH_CHECK, max_size=1), "portDefinitions": st.lists(PORT_DEFINITION,
                                                                                               max_size=2),
              "container": st.just({"type": "MESOS", "volumes": [{"containerPath": "data", "hostPath": "rel",
                                                                  "mode": "RW"}]})})


@st.composite
def mutated_app(draw):
    app = dict(draw(VALID_APP))
    for name in draw(st.lists(st.sampled_from(sorted(APP_FIELDS) + ["id"]), min_size=1, max_size=3, unique=True)):
        app[name] = draw(app_id_text() if name == "id" else maybe(APP_FIELDS[name]))
    return app


APP = st.one_of(VALID_APP, mutated_app(), mutated_app(),
                st.fixed_dictionaries({"id": maybe(app_id_text())},
                                      optional={k: maybe(v) for k, v in APP_FIELDS.items()}))
GROUP = optional(id=app_id_text(), apps=st.lists(APP, max_size=2), dependencies=st.lists(app_id_text(), max_size=2),
                 groups=st.lists(optional(id=app_id_text()), max_size=2))
TASK_ID = st.one_of(TEXT, st.sampled_from(["fz_a.instance-00000000-0000-0000-0000-000000000000._app.1",
                                           "fz_a.1f6e3b5c-0000-0000-0000-000000000000", "fz_a.", ".instance-x._app.1"]))
TASKS_DELETE = optional(ids=st.lists(TASK_ID, max_size=3))


# -- requests ------------------------------------------------------------------------------------------------
def _segment():
    raw = st.sampled_from(["%zz", "%", "%00", "%2F", "%ff", "%2e%2e", ";x", "a;b=c"])
    quoted = st.one_of(TEXT, st.sampled_from(["fz", "a", "g", "tasks", "versions", "restart", "delay", "::status",
                                              "2020-01-01T00:00:00.000Z"]))
    return st.one_of(raw, quoted.map(lambda s: urllib.parse.quote(s, safe=":@.", errors="surrogatepass")))


def _id_path():
    return st.one_of(st.sampled_from([i.strip("/") for i in APP_IDS]),
                     st.lists(_segment(), min_size=1, max_size=3).map("/".join))


MARATHON_PATHS = ["/v2/apps", "/v2/apps/{id}", "/v2/apps/{id}/tasks", "/v2/apps/{id}/tasks/{task}",
                  "/v2/apps/{id}/versions", "/v2/apps/{id}/versions/{seg}", "/v2/apps/{id}/restart", "/v2/groups",
                  "/v2/groups/{id}", "/v2/groups/{id}/versions", "/v2/tasks", "/v2/tasks/delete", "/v2/deployments",
                  "/v2/deployments/{seg}", "/v2/queue", "/v2/queue/{id}/delay", "/v2/info", "/v2/leader", "/ping",
                  "/metrics", "/v2/pods", "/v2/pods/::status", "/v2/plugins", "/v2/{id}", "/{id}"]
MESOS_PATHS = ["/master/reserve", "/master/unreserve", "/master/create-volumes", "/master/destroy-volumes",
               "/api/v1", "/master/state", "/state.json", "/master/slaves", "/master/state-summary",
               "/master/frameworks", "/master/tasks", "/master/flags", "/master/health", "/version", "/{id}",
               "/master/{id}"]
METHODS = st.one_of(st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]),
                    st.sampled_from(["GET", "POST", "PUT", "DELETE"]), st.sampled_from(["FROB", "TRACE", "get"]))
QUERY_KEYS = ["force", "scale", "wipe", "embed", "label", "host", "partialUpdate", "limit", "offset", "order",
              "slave_id", "task_id", "framework_id", "id", "cmd", "status", "event_type", "x"]
QUERY_VALUES = st.one_of(st.sampled_from(["true", "false", "TRUE", "1", "", "apps.tasks", "app.counts",
                                          "apps.lastTaskFailure", "group.apps", "a==b", "a!=b", "a in (b,c)", "a",
                                          "-1", "99999999999999999999", "asc", "des", "*"]), TEXT)
QUERY = st.lists(st.tuples(st.sampled_from(QUERY_KEYS), QUERY_VALUES), max_size=3).map(
    lambda pairs: urllib.parse.urlencode(pairs, errors="surrogatepass"))
CONTENT_TYPES = st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain",
                                 "application/x-www-form-urlencoded", "application/x-protobuf", "", "x/y;;",
                                 None])
ACCEPTS = st.sampled_from(["*/*", "application/json", "text/plain", "application/x-protobuf", "x", None,
                           "application/json, text/plain"])
HEADERS = st.fixed_dictionaries({}, optional={
    "X-Fuzz": st.text(alphabet="abc =;,", max_size=10), "Authorization": st.sampled_from(["Basic !!", "token=x",
                                                                                            "Bearer", "Basic"]),
    "Accept-Encoding": st.sampled_from(["gzip", "identity", "x"]), "X-Forwarded-For": st.sampled_from(["1.2.3.4", ""])})

V1_TYPES = ["GET_HEALTH", "GET_VERSION", "GET_AGENTS", "GET_MASTER", "GET_STATE", "RESERVE_RESOURCES",
            "UNRESERVE_RESOURCES", "CREATE_VOLUMES", "DESTROY_VOLUMES", "UNKNOWN", "BOGUS", "GROW_VOLUME"]
V1_FIELDS = {"RESERVE_RESOURCES": ("reserve_resources", "resources"),
             "UNRESERVE_RESOURCES": ("unreserve_resources", "resources"),
             "CREATE_VOLUMES": ("create_volumes", "volumes"), "DESTROY_VOLUMES": ("destroy_volumes", "volumes")}
AGENT = "<agent>"   # replaced by a real agent id when sending


@st.composite
def v1_call(draw):
    call_type = draw(maybe(st.sampled_from(V1_TYPES)))
    call = {"type": call_type}
    if isinstance(call_type, str) and call_type in V1_FIELDS:
        field, key = V1_FIELDS[call_type]
        call[field] = draw(optional(agent_id=optional(value=st.sampled_from([AGENT, "x", ""])),
                                    **{key: st.lists(RESOURCE, max_size=2)}))
    return draw(st.one_of(st.just(call), ANY_JSON))


@st.composite
def operator_form(draw):
    pairs = draw(st.lists(st.sampled_from(["slaveId", "resources", "volumes", "source", "x"]), max_size=3,
                          unique=True))
    values = {}
    for key in pairs:
        if key == "slaveId":
            values[key] = draw(st.sampled_from([AGENT, "x", ""]))
        else:
            values[key] = json.dumps(draw(st.one_of(st.lists(RESOURCE, max_size=2), ANY_JSON)))
    encoded = urllib.parse.urlencode(values)
    return draw(st.sampled_from([encoded, encoded + "&%zz", encoded.replace("%", "%%", 1), encoded + ";x=1"]))


def _json_bytes(value) -> bytes:
    return json.dumps(value).encode("utf-8", "surrogatepass")


BODIES = st.one_of(
    APP.map(_json_bytes), st.lists(APP, max_size=2).map(_json_bytes), GROUP.map(_json_bytes),
    TASKS_DELETE.map(_json_bytes), v1_call().map(_json_bytes), operator_form().map(str.encode),
    ANY_JSON.map(_json_bytes), st.binary(max_size=40), st.just(b""),
    st.sampled_from([b"{", b"[1,]", b'{"id": NaN}', b"\xff\xfe{}", b"nul", b"1e400", b"-" * 10, b'"\\ud800"']))


@st.composite
def request(draw, templates):
    template = draw(st.sampled_from(templates))
    path = template.format(id=draw(_id_path()), task=urllib.parse.quote(draw(TASK_ID), safe="", errors="surrogatepass"),
                           seg=draw(_segment()))
    query = draw(QUERY)
    return draw(METHODS), path + ("?" + query if query else ""), draw(HEADERS), draw(CONTENT_TYPES), \
        draw(ACCEPTS), draw(BODIES)


# -- the checks ----------------------------------------------------------------------------------------------
def describe(records) -> list[str]:
    """The messages with their exceptions (an error of the scheduler thread shows after the request that
    caused it: the exception says what went wrong)."""
    return [r.getMessage() + (f": {r.exc_info[1]!r}" if r.exc_info else "") for r in records]


class ErrorRecords(logging.Handler):
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture
def logged_errors(monkeypatch):
    """ERROR records of the emulator's loggers and exceptions that ended one of its threads."""
    handler = ErrorRecords()
    logger = logging.getLogger("dcos_emulator")
    logger.addHandler(handler)
    monkeypatch.setattr(threading, "excepthook", lambda args: handler.records.append(
        logging.makeLogRecord({"msg": f"thread {args.thread.name if args.thread else '?'}: {args.exc_value!r}"})))
    yield handler.records
    logger.removeHandler(handler)


@pytest.fixture
def fuzz_cluster(cluster_factory, logged_errors):
    """A cluster with a few apps for the random requests to find; afterwards it must still answer, and
    nothing may have been logged at ERROR meanwhile (the scheduler acts on accepted definitions later)."""
    cluster = cluster_factory(agents=2)
    # a few apps for the random requests to find (resident one included)
    from conftest import HttpClient
    marathon = HttpClient(cluster.marathon_url)
    for app_id in APP_IDS[:3]:
        assert marathon.post("/v2/apps", json={"id": app_id, "cmd": "sleep 1000", "cpus": 0.01, "mem": 8,
                                               "instances": 1}).status == 201
    resident = {"id": APP_IDS[4], "cmd": "sleep 1000", "cpus": 0.01, "mem": 8, "instances": 1,
                "container": {"type": "MESOS", "volumes": [{"containerPath": "data", "mode": "RW",
                                                            "persistent": {"size": 1}}]},
                "residency": {"taskLostBehavior": "WAIT_FOREVER"},
                "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0}}
    assert marathon.post("/v2/apps", json=resident).status == 201
    yield cluster
    time.sleep(1.0)   # a few scheduler rounds on whatever was accepted last
    still_up(cluster)
    assert not logged_errors, describe(logged_errors)


def send(url: str, method: str, target: str, headers: dict, content_type, accept, body: bytes, agent_id: str):
    parsed = urllib.parse.urlsplit(url)
    headers = dict(headers)
    if content_type is not None:
        headers["Content-Type"] = content_type
    if accept is not None:
        headers["Accept"] = accept
    body = body.replace(AGENT.encode(), agent_id.encode()).replace(urllib.parse.quote(AGENT).encode(),
                                                                     agent_id.encode())
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    try:
        conn.request(method, target, body=body if body or method in ("POST", "PUT", "PATCH") else None,
                     headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def allowed_5xx(side: str, status: int, path: str, payload: bytes) -> bool:
    if side == "marathon" and status == 500:
        try:
            return json.loads(payload) == {"message": "URI not found"}   # Marathon 1.10: an unknown path
        except ValueError:
            return False
    return side == "mesos" and status == 501 and path.startswith("/api/v1")   # Mesos: a call not implemented


def check(cluster, side: str, req, logged_errors):
    method, target, headers, content_type, accept, body = req
    assume(not target.startswith(("/emulator", "/v2/events")))
    url = cluster.marathon_url if side == "marathon" else cluster.mesos_url
    agent_id = next(iter(cluster.master.agents))
    status, payload = send(url, method, target, headers, content_type, accept, body, agent_id)
    if method == "HEAD" and status >= 500:   # no body to tell Marathon's own 500 by: ask the same with GET
        status, payload = send(url, "GET", target, headers, content_type, accept, b"", agent_id)
    assert status < 500 or allowed_5xx(side, status, target, payload), (status, payload[:300], req)
    assert b"Traceback" not in payload
    assert not logged_errors, describe(logged_errors)


def still_up(cluster):
    from conftest import HttpClient
    assert HttpClient(cluster.marathon_url).get("/ping").status == 200
    assert HttpClient(cluster.marathon_url).get("/v2/info").status == 200
    assert HttpClient(cluster.mesos_url).get("/master/health").status == 200


@FUZZ
@given(req=request(MARATHON_PATHS))
def test_fuzz_marathon_api(fuzz_cluster, logged_errors, req):
    check(fuzz_cluster, "marathon", req, logged_errors)


@FUZZ
@given(req=request(MESOS_PATHS))
def test_fuzz_mesos_api(fuzz_cluster, logged_errors, req):
    check(fuzz_cluster, "mesos", req, logged_errors)


@FUZZ
@given(method=st.sampled_from(["POST", "PUT", "PATCH"]), path=st.sampled_from(["/v2/apps", "/v2/apps/fz/a",
                                                                              "/v2/apps/fz/new", "/v2/groups"]),
       app=st.one_of(APP, st.lists(APP, max_size=2)), force=st.booleans())
def test_fuzz_app_definitions(fuzz_cluster, logged_errors, method, path, app, force):
    # The richest input: whole app definitions through create, replace and patch.
    target = path + ("?force=true" if force else "")
    check(fuzz_cluster, "marathon", (method, target, {}, "application/json", "application/json",
                                     _json_bytes(app)), logged_errors)
