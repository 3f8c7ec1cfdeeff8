"""Mesos master routes (`/master/...`, `/api/v1`) and the agent `/state` route.

Operator endpoints follow `Master::Http::reserve/unreserve/createVolumes/destroyVolumes`: 405 for
non-POST, form-encoded body, plain-text 400 messages, 409 `<available> does not contain <consumed>`,
202 with an empty body. The operations are applied at once (real Mesos applies them asynchronously
on the agent; here the agent is in-process, so `/master/slaves` shows them when the 202 arrives).
"""

from __future__ import annotations

import json
import re

from dcos_emulator.http import safejson
from dcos_emulator.http.auth import MESOS_AGENT_READONLY_REALM, MesosAuth, split_credentials
from dcos_emulator.http.router import Request, Response
from dcos_emulator.mesos import render
from dcos_emulator.mesos import resources as res
from dcos_emulator.mesos.master_api import MasterApi
from dcos_emulator.mesos.operations import OperationError

TEXT = "text/plain; charset=utf-8"
READONLY_PATHS = ("/master/state", "/master/state.json", "/state", "/state.json", "/master/slaves",
                  "/master/state-summary",
                  "/master/frameworks", "/master/tasks", "/master/tasks.json", "/master/health", "/health",
                  "/version", "/master/flags", "/master/roles")


def is_readonly(request: Request) -> bool:
    return request.path.rstrip("/") in READONLY_PATHS


def text(status: int, body: str = "") -> Response:
    return Response(status, body if body else None, None, TEXT if body else None)


def _json(body) -> Response:
    return Response(200, body)


def _method_not_allowed(request: Request, allowed=("POST",)) -> Response:
    body = ("405 Method Not Allowed. Expecting one of { '" + "', '".join(allowed) + "' }, but received '"
            + request.method + "'.")
    return Response(405, body, {"Allow": ", ".join(allowed)}, TEXT)


def _not_found(request: Request) -> Response:
    return Response(404, None, None, None)


def _int_param(request: Request, name: str, default: int) -> int:
    try:
        return int(request.param(name, str(default)))
    except ValueError:
        return default


_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")


class FormError(ValueError):
    pass


def _form_decode(raw: bytes) -> str:
    """libprocess http::decode: '+' is a space, '%' must start two hex digits."""
    position = raw.find(b"%")
    while position >= 0:
        if not _ESCAPE.match(raw, position):
            text = raw.decode("utf-8", errors="replace")
            bad = raw[position:position + 3].decode("utf-8", errors="replace")
            raise FormError(f"Malformed % escape in '{text}': '{bad}'")
        position = raw.find(b"%", position + 3)
    decoded = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw.replace(b"+", b" "))
    return decoded.decode("utf-8", errors="replace")


def form(request: Request) -> dict[str, str]:
    """The form body as Mesos's `process::http::query::decode` reads it: pairs split on '&' and ';' (empty
    ones skipped), key and value percent-decoded, a key without '=' has an empty value, the last one wins.
    Raises FormError with libprocess's message for a malformed escape."""
    values: dict[str, str] = {}
    for token in re.split(rb"[;&]", request.body):
        if not token:
            continue
        key, sep, value = token.partition(b"=")
        values[_form_decode(key)] = _form_decode(value) if sep else ""
    return values


# Operator endpoint specs: (operation, form key, error prefix of a JSON/parse problem)
_OPERATOR = {
    "/master/reserve": ("RESERVE", "resources", "Error parsing 'resources' query parameter in the request body: "),
    "/master/unreserve": ("UNRESERVE", "resources",
                          "Error in parsing 'resources' query parameter in the request body: "),
    "/master/create-volumes": ("CREATE", "volumes", "Error in parsing 'volumes' query parameter in the request body: "),
    "/master/destroy-volumes": ("DESTROY", "volumes",
                                "Error in parsing 'volumes' query parameter in the request body: "),
}


def _get_only(handler):
    """libprocess routes of the master's read endpoints: any method other than GET/HEAD is a 405."""
    def wrapped(api: MasterApi, request: Request, **params):
        if request.method not in ("GET", "HEAD"):
            return _method_not_allowed(request, ("GET",))
        return handler(api, request, **params)
    wrapped.__name__ = handler.__name__
    return wrapped


# -- /master/... reads ---------------------------------------------------------------------------------
@_get_only
def state(api: MasterApi, request: Request):
    return _json(api.state())


@_get_only
def slaves(api: MasterApi, request: Request):
    return _json(api.slaves(request.param("slave_id")))


@_get_only
def frameworks(api: MasterApi, request: Request):
    return _json(api.frameworks(request.param("framework_id")))


@_get_only
def tasks(api: MasterApi, request: Request):
    return _json(api.tasks(_int_param(request, "limit", 100), _int_param(request, "offset", 0),
                           request.param("order", "des"), request.param("task_id"), request.param("framework_id")))


@_get_only
def state_summary(api: MasterApi, request: Request):
    return _json(api.state_summary())


@_get_only
def health(api: MasterApi, request: Request):
    return Response(200, None, None, None)


def _version_info() -> dict:
    return {"version": render.MESOS_VERSION, "build_date": render.BUILD_DATE,
            "build_time": render.BUILD_TIME, "build_user": render.BUILD_USER}


@_get_only
def version(api: MasterApi, request: Request):
    return _json(_version_info())


@_get_only
def flags(api: MasterApi, request: Request):
    return _json({"flags": api.flags()})


# -- operator endpoints (form bodies) ------------------------------------------------------------------
def _apply(api: MasterApi, op_type: str, agent_id: str, raws, principal) -> Response:
    try:
        api.operate(op_type, agent_id, raws, principal)
    except OperationError as exc:
        return text(exc.status, exc.message)
    return Response(202, None, None, None)


def _form_resources(values: dict, key: str, parse_prefix: str):
    """The resources of an operator form, or the plain-text 400 Response for what is missing or malformed."""
    if "slaveId" not in values:
        return text(400, "Missing 'slaveId' query parameter in the request body")
    if key not in values:
        return text(400, f"Missing '{key}' query parameter in the request body")
    try:
        parsed = safejson.parse_mesos(values[key])
    except safejson.JsonError as exc:
        return text(400, parse_prefix + str(exc))
    if not isinstance(parsed, list):
        return text(400, parse_prefix + "Expecting a JSON array")
    try:
        return res.parse_resources_value(parsed, key, parse_prefix)
    except res.ParseError as exc:
        return text(400, str(exc))


def operator(api: MasterApi, request: Request):
    """POST /master/reserve, /master/unreserve, /master/create-volumes, /master/destroy-volumes."""
    if request.method != "POST":
        return _method_not_allowed(request)
    op_type, key, parse_prefix = _OPERATOR[request.path.rstrip("/")]
    try:
        values = form(request)
    except FormError as exc:
        return text(400, f"Unable to decode query string: {exc}")
    raws = _form_resources(values, key, parse_prefix)
    if isinstance(raws, Response):
        return raws
    if op_type == "RESERVE" and "source" in values:
        return text(400, "Invalid RESERVE operation: re-reservation ('source') is not emulated")
    return _apply(api, op_type, values["slaveId"], raws, request.principal)


# -- v1 operator API ---------------------------------------------------------------------------------------
V1_OPERATIONS = {
    "RESERVE_RESOURCES": ("reserve_resources", "RESERVE", "resources"),
    "UNRESERVE_RESOURCES": ("unreserve_resources", "UNRESERVE", "resources"),
    "CREATE_VOLUMES": ("create_volumes", "CREATE", "volumes"),
    "DESTROY_VOLUMES": ("destroy_volumes", "DESTROY", "volumes"),
}
V1_KNOWN = set(V1_OPERATIONS) | {
    "GET_HEALTH", "GET_FLAGS", "GET_VERSION", "GET_METRICS", "GET_LOGGING_LEVEL", "SET_LOGGING_LEVEL",
    "LIST_FILES", "READ_FILE", "GET_STATE", "GET_AGENTS", "GET_FRAMEWORKS", "GET_EXECUTORS", "GET_OPERATIONS",
    "GET_TASKS", "GET_ROLES", "GET_WEIGHTS", "UPDATE_WEIGHTS", "GET_MASTER", "SUBSCRIBE",
    "UPDATE_MAINTENANCE_SCHEDULE", "GET_MAINTENANCE_SCHEDULE", "GET_MAINTENANCE_STATUS", "START_MAINTENANCE",
    "STOP_MAINTENANCE", "DRAIN_AGENT", "DEACTIVATE_AGENT", "REACTIVATE_AGENT", "GET_QUOTA", "UPDATE_QUOTA",
    "SET_QUOTA", "REMOVE_QUOTA", "TEARDOWN", "MARK_AGENT_GONE", "GROW_VOLUME", "SHRINK_VOLUME", "UNKNOWN",
}


def _v1_content_type_error(request: Request) -> Response | None:
    content_type = request.header("Content-Type")
    if content_type is None:
        return text(400, "Expecting 'Content-Type' to be present")
    media_type = content_type.split(";")[0].strip()
    if media_type == "application/x-protobuf":
        return text(400, "Failed to parse body into Call protobuf (emulator: only JSON is supported)")
    if media_type != "application/json":
        return text(415, "Expecting 'Content-Type' of application/json or application/x-protobuf")
    return None


def _v1_call(request: Request):
    """The call's JSON object, or the Response refusing it (body, call type, Accept)."""
    try:
        call = safejson.parse_mesos(request.text())
    except safejson.JsonError as exc:
        return text(400, f"Failed to parse body into JSON: {exc}")
    if not isinstance(call, dict):
        return text(400, "Failed to convert JSON into Call protobuf: Expecting a JSON object")
    call_type = call.get("type", "UNKNOWN")
    if not isinstance(call_type, str) or call_type not in V1_KNOWN:
        return text(400, f"Failed to convert JSON into Call protobuf: Failed to find enum for '{call_type}'")
    accept = request.header("Accept") or "*/*"
    if not any(a.split(";")[0].strip() in ("application/json", "*/*", "application/*") for a in accept.split(",")):
        return text(406, "Expecting 'Accept' to allow 'application/x-protobuf' or 'application/json'")
    return call


def _v1_operation(api: MasterApi, request: Request, call: dict) -> Response:
    field, op_type, key = V1_OPERATIONS[call["type"]]
    body = call.get(field)
    if not isinstance(body, dict):
        return text(400, f"Failed to validate master::Call: Expecting '{field}' to be present")
    agent = body.get("agent_id")
    if not isinstance(agent, dict) or not isinstance(agent.get("value"), str):
        return text(400, f"Failed to convert JSON into Call protobuf: Missing required fields: {field}.agent_id")
    prefix = "Failed to convert JSON into Call protobuf: "
    values = body.get(key, [])
    if not isinstance(values, list):
        return text(400, prefix + f"Not expecting a JSON {type(values).__name__} for field '{key}'")
    try:
        raws = res.parse_resources_value(values, key, prefix)
    except res.ParseError as exc:
        return text(400, str(exc))
    if op_type == "RESERVE" and body.get("source"):
        return text(400, "Invalid RESERVE operation: re-reservation ('source') is not emulated")
    return _apply(api, op_type, agent["value"], raws, request.principal)


def _v1_read(api: MasterApi, call_type: str) -> Response:
    if call_type == "GET_AGENTS":
        return _json(api.get_agents())
    if call_type == "GET_HEALTH":
        return _json({"type": "GET_HEALTH", "get_health": {"healthy": True}})
    if call_type == "GET_VERSION":
        return _json({"type": "GET_VERSION", "get_version": {"version_info": _version_info()}})
    if call_type == "GET_MASTER":
        return _json({"type": "GET_MASTER", "get_master": api.master_info()})
    return text(501, f"{call_type} is not emulated")


def api_v1(api: MasterApi, request: Request):
    """POST /api/v1 (JSON calls only): the four volume/reservation operations and a few reads."""
    if request.method != "POST":
        return _method_not_allowed(request)
    refused = _v1_content_type_error(request)
    if refused is not None:
        return refused
    call = _v1_call(request)
    if isinstance(call, Response):
        return call
    call_type = call.get("type", "UNKNOWN")
    if call_type == "UNKNOWN":
        return Response(501, None, None, None)
    if call_type in V1_OPERATIONS:
        return _v1_operation(api, request, call)
    return _v1_read(api, call_type)


ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

# (methods, path, handler): libprocess routes by path only; each handler answers 405 itself
ROUTES = (
    (ANY_METHOD, "/master/state", state),
    (ANY_METHOD, "/master/state.json", state),
    (ANY_METHOD, "/state", state),
    (ANY_METHOD, "/state.json", state),
    (ANY_METHOD, "/master/slaves", slaves),
    (ANY_METHOD, "/master/state-summary", state_summary),
    (ANY_METHOD, "/master/frameworks", frameworks),
    (ANY_METHOD, "/master/tasks", tasks),
    (ANY_METHOD, "/master/tasks.json", tasks),
    (ANY_METHOD, "/master/health", health),
    (ANY_METHOD, "/health", health),
    (ANY_METHOD, "/version", version),
    (ANY_METHOD, "/master/flags", flags),
    *((ANY_METHOD, path, operator) for path in _OPERATOR),
    (ANY_METHOD, "/api/v1", api_v1),
)


def _bind(handler, api: MasterApi):
    def route(request: Request, **params):
        return handler(api, request, **params)
    route.__name__ = handler.__name__
    return route


def register(router, cluster) -> None:
    router.not_found = _not_found
    router.method_not_allowed = lambda request, allowed: _method_not_allowed(request, allowed)
    api = MasterApi(cluster.master)
    for methods, pattern, handler in ROUTES:
        router.add(methods, pattern, _bind(handler, api))


def register_agent(router, cluster, agent) -> None:
    """Agent endpoint (`--agent-port`): `GET /state` and `GET /slave(1)/state`.

    With --mesos-credentials every agent endpoint asks for them, as a Mesos agent started with
    `--authenticate_http_readonly` and the same credentials does (realm `mesos-agent-readonly`)."""
    router.not_found = _not_found
    auth = MesosAuth(split_credentials(cluster.config.mesos_credentials), readonly_realm=MESOS_AGENT_READONLY_REALM)

    api = MasterApi(cluster.master)

    def agent_state(request: Request):
        refused = auth.check(request, readonly=True)
        if refused is not None:
            return refused
        if request.method not in ("GET", "HEAD"):
            return _method_not_allowed(request, ("GET",))
        flags = {
            "work_dir": agent.work_dir, "hostname": agent.hostname, "port": str(cluster.config.agent_port),
            "master": f"{cluster.config.host}:{cluster.master.port}", "ip": agent.hostname,
            "resources": json.dumps(agent.configured.to_json(), separators=(",", ":")),
            "authenticate_http_readonly": "true" if auth.enabled else "false",
        }
        body = api.agent_state(agent, flags)
        if body is None:
            return text(503, "Agent has not finished recovery")
        return _json(body)

    for path in ("/state", "/state.json", "/slave(1)/state", "/slave(1)/state.json"):
        router.add(("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"), path, agent_state)
