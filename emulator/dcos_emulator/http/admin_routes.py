"""Admin API for tests and benchmarks (`/emulator/...`, served on both ports, never counted or faulted).

`ROUTES` is the table of (method, path pattern, handler); every handler takes (cluster, request, **path
params). Handlers never take the cluster lock: the Cluster's admin methods do.
"""

from __future__ import annotations

from dcos_emulator.http.faults import DEFAULT_HANG_SECONDS, MODES, Fault
from dcos_emulator.http.router import HttpError, Request, Response
from dcos_emulator.mesos import seed as seeding
from dcos_emulator.mesos.operations import OperationError


def _error(status: int, message: str) -> HttpError:
    return HttpError(status, {"message": message})


def _json_object(request: Request) -> dict:
    body = request.json()
    if not isinstance(body, dict):
        raise _error(400, "expected a JSON object")
    return body


def list_agents(cluster, request: Request):
    return Response(200, {"agents": cluster.agents_summary()})


def stop_agent(cluster, request: Request, agent_id: str):
    from dcos_emulator.cluster import UnknownAgent

    try:
        cluster.stop_agent(agent_id)
    except UnknownAgent:
        raise _error(404, f"Agent '{agent_id}' does not exist") from None
    return Response(200, {"id": agent_id, "active": False})


def start_agent(cluster, request: Request, agent_id: str):
    from dcos_emulator.cluster import UnknownAgent

    try:
        cluster.start_agent(agent_id)
    except UnknownAgent:
        raise _error(404, f"Agent '{agent_id}' does not exist") from None
    return Response(200, {"id": agent_id, "active": True})


def list_faults(cluster, request: Request):
    return Response(200, {"faults": cluster.faults.snapshot()})


def _fault(body: dict) -> Fault:
    mode = str(body.get("mode", ""))
    if mode not in MODES:
        raise _error(400, f"mode must be one of: {', '.join(MODES)}")
    try:
        count = int(body.get("count", 1))
        seconds = float(body.get("seconds", DEFAULT_HANG_SECONDS))
    except (TypeError, ValueError):
        raise _error(400, "count and seconds must be numbers") from None
    if count < 1:
        raise _error(400, "count must be at least 1")
    return Fault(mode, count, body.get("method"), body.get("path"), seconds)


def add_fault(cluster, request: Request):
    fault = _fault(_json_object(request))
    cluster.faults.add(fault)
    return Response(201, {"fault": fault.to_json()})


def clear_faults(cluster, request: Request):
    cluster.faults.clear()
    return Response(200, {"faults": []})


def counters(cluster, request: Request):
    return Response(200, cluster.counters.snapshot())


def reset_counters(cluster, request: Request):
    cluster.counters.reset()
    return Response(200, {"requests": {}, "total": 0})


def seed(cluster, request: Request):
    body = _json_object(request)
    try:
        spec = seeding.SeedSpec.from_json(body, cluster.config.mesos_role, cluster.config.principal)
    except ValueError as exc:
        raise _error(400, str(exc)) from None
    try:
        result = cluster.seed(spec)
    except OperationError as exc:
        raise _error(409, exc.message) from None
    return Response(200, result)


def list_volumes(cluster, request: Request):
    """Read-only view of the external volume store (REX-Ray's `volume ls`, plus where the data lives)."""
    return Response(200, cluster.external_volumes())


def emulator_state(cluster, request: Request):
    return Response(200, cluster.describe())


ROUTES = (
    ("GET", "/emulator/agents", list_agents),
    ("POST", "/emulator/agents/{agent_id}/stop", stop_agent),
    ("POST", "/emulator/agents/{agent_id}/start", start_agent),
    ("GET", "/emulator/faults", list_faults),
    ("POST", "/emulator/faults", add_fault),
    ("DELETE", "/emulator/faults", clear_faults),
    ("GET", "/emulator/counters", counters),
    ("DELETE", "/emulator/counters", reset_counters),
    ("POST", "/emulator/seed", seed),
    ("GET", "/emulator/volumes", list_volumes),
    ("GET", "/emulator/state", emulator_state),
)


def _bind(handler, cluster):
    def route(request: Request, **params):
        return handler(cluster, request, **params)
    route.__name__ = handler.__name__
    return route


def register(router, cluster) -> None:
    for method, pattern, handler in ROUTES:
        router.add(method, pattern, _bind(handler, cluster))
