"""Admin API for tests and benchmarks (`/emulator/...`, served on both ports, never counted or faulted)."""

from __future__ import annotations

from dcos_emulator.http.faults import DEFAULT_HANG_SECONDS, MODES, Fault
from dcos_emulator.http.router import HttpError, Request, Response
from dcos_emulator.mesos import seed as seeding
from dcos_emulator.mesos.operations import OperationError


def _error(status: int, message: str) -> HttpError:
    return HttpError(status, {"message": message})


def _volume_json(store, volume) -> dict:
    return {"id": volume.id, "name": volume.name, "tagName": store.config.full_name(volume.name),
            "size": volume.size, "type": volume.type, "iops": volume.iops, "fsType": volume.fs_type,
            "zone": volume.zone, "state": volume.state, "attachedTo": volume.attached_to,
            "dataDir": store.mount_path(volume)}


def register(router, cluster) -> None:
    def agent_or_404(agent_id: str):
        agent = cluster.master.agents.get(agent_id)
        if agent is None:
            raise _error(404, f"Agent '{agent_id}' does not exist")
        return agent

    @router.route("GET", "/emulator/agents")
    def list_agents(request: Request):
        with cluster.lock:
            return Response(200, {"agents": [
                {"id": a.id, "hostname": a.hostname, "active": a.active, "work_dir": a.work_dir,
                 "tasks": sorted(t.task_id for t in cluster.master.tasks.values() if t.agent_id == a.id)}
                for a in cluster.master.agents.values()]})

    @router.route("POST", "/emulator/agents/{agent_id}/stop")
    def stop_agent(request: Request, agent_id: str):
        with cluster.lock:
            agent_or_404(agent_id)
            cluster.master.stop_agent(agent_id)
        return Response(200, {"id": agent_id, "active": False})

    @router.route("POST", "/emulator/agents/{agent_id}/start")
    def start_agent(request: Request, agent_id: str):
        with cluster.lock:
            agent_or_404(agent_id)
            cluster.master.start_agent(agent_id)
        return Response(200, {"id": agent_id, "active": True})

    @router.route("GET", "/emulator/faults")
    def list_faults(request: Request):
        return Response(200, {"faults": cluster.faults.snapshot()})

    @router.route("POST", "/emulator/faults")
    def add_fault(request: Request):
        body = request.json()
        if not isinstance(body, dict):
            raise _error(400, "expected a JSON object")
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
        fault = Fault(mode, count, body.get("method"), body.get("path"), seconds)
        cluster.faults.add(fault)
        return Response(201, {"fault": fault.to_json()})

    @router.route("DELETE", "/emulator/faults")
    def clear_faults(request: Request):
        cluster.faults.clear()
        return Response(200, {"faults": []})

    @router.route("GET", "/emulator/counters")
    def counters(request: Request):
        return Response(200, cluster.counters.snapshot())

    @router.route("DELETE", "/emulator/counters")
    def reset_counters(request: Request):
        cluster.counters.reset()
        return Response(200, {"requests": {}, "total": 0})

    @router.route("POST", "/emulator/seed")
    def seed(request: Request):
        body = request.json()
        if not isinstance(body, dict):
            raise _error(400, "expected a JSON object")
        try:
            spec = seeding.SeedSpec.from_json(body, cluster.config.mesos_role, cluster.config.principal)
        except ValueError as exc:
            raise _error(400, str(exc)) from None
        with cluster.lock:
            try:
                result = seeding.seed(cluster, spec)
            except OperationError as exc:
                raise _error(409, exc.message) from None
        return Response(200, result)

    @router.route("GET", "/emulator/volumes")
    def list_volumes(request: Request):
        """Read-only view of the external volume store (REX-Ray's `volume ls`, plus where the data lives)."""
        store = cluster.volumes
        with cluster.lock:
            volumes = store.volumes()
            return Response(200, {"driver": "rexray", "backend": store.backend_name, "volumes": [
                _volume_json(store, v) for v in volumes]})

    @router.route("GET", "/emulator/state")
    def emulator_state(request: Request):
        with cluster.lock:
            return Response(200, {
                "state_dir": cluster.state_dir, "master_id": cluster.master.id,
                "framework_id": cluster.framework_id, "marathon_url": cluster.marathon_url,
                "mesos_url": cluster.mesos_url, "agents": len(cluster.master.agents),
                "tasks": len(cluster.master.tasks)})
