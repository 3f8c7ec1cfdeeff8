"""JSON renderers for the master endpoints and the agent /state (shapes from Mesos's
`src/master/readonly_handler.cpp`, `src/common/http.cpp`, `src/slave/http.cpp`)."""

from __future__ import annotations

from dcos_emulator.mesos import resources as res
from dcos_emulator.mesos.master import MESOS_VERSION, Master

BUILD_DATE = "2020-07-01 00:00:00"
BUILD_TIME = 1593561600.0
BUILD_USER = "dcos-emulator"
AGENT_CAPABILITIES = ["MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"]


def _build_info() -> dict:
    return {"version": MESOS_VERSION, "build_date": BUILD_DATE, "build_time": BUILD_TIME, "build_user": BUILD_USER}


def _used_full(master: Master, agent_id: str) -> list:
    out = []
    for task in master.tasks.values():
        if task.agent_id == agent_id:
            out.extend(r.to_json(allocation_role=task.role) for r in task.resources)
    return out


def agent_summary(agent, used: res.Resources) -> dict:
    """`SlaveWriter` (also the entries of /master/state `slaves`)."""
    total = agent.total
    out = {
        "id": agent.id, "hostname": agent.hostname, "port": agent.port, "attributes": {},
        "pid": agent.pid, "registered_time": agent.registered_time,
    }
    if agent.reregistered_time is not None:
        out["reregistered_time"] = agent.reregistered_time
    out.update({
        "resources": total.summary(),
        "used_resources": used.summary(),
        "offered_resources": res.Resources().summary(),
        "reserved_resources": {role: r.summary() for role, r in total.reservations_by_role().items()},
        "unreserved_resources": total.unreserved().summary(),
        "active": agent.active,
        "deactivated": False,
        "version": MESOS_VERSION,
        "capabilities": list(AGENT_CAPABILITIES),
    })
    return out


def agent_full(master: Master, agent, used: res.Resources) -> dict:
    """`SlavesWriter::writeSlave`: the summary plus the `*_full` arrays."""
    out = agent_summary(agent, used)
    total = agent.total
    out["reserved_resources_full"] = {role: r.to_json() for role, r in total.reservations_by_role().items()}
    out["unreserved_resources_full"] = total.unreserved().to_json()
    out["used_resources_full"] = _used_full(master, agent.id)
    out["offered_resources_full"] = []
    return out


def slaves(master: Master, slave_id: str | None = None) -> dict:
    used = master.used_by_agent()
    agents = [a for a in master.agents.values() if slave_id is None or a.id == slave_id]
    return {"slaves": [agent_full(master, a, used.get(a.id, res.Resources())) for a in agents],
            "recovered_slaves": []}


def framework_json(master: Master, framework) -> dict:
    tasks = [t for t in master.tasks.values() if t.framework_id == framework.id]
    completed = [t for t in master.completed if t.framework_id == framework.id]
    used = res.Resources()
    for task in tasks:
        used.add_all(task.resources)
    out = {
        "id": framework.id, "name": framework.name,
        "pid": f"scheduler-{framework.id}@{framework.hostname}:15101",
        "used_resources": used.summary(), "offered_resources": res.Resources().summary(),
        "capabilities": list(framework.capabilities), "hostname": framework.hostname,
        "webui_url": framework.webui_url, "active": framework.active, "connected": framework.active,
        "recovered": False, "user": framework.user, "failover_timeout": framework.failover_timeout,
        "checkpoint": True, "registered_time": framework.registered_time, "unregistered_time": 0,
    }
    if framework.principal is not None:
        out["principal"] = framework.principal
    out.update({
        "resources": used.summary(),
        "role": framework.role,
        "tasks": [t.to_json() for t in tasks],
        "unreachable_tasks": [],
        "completed_tasks": [t.to_json() for t in completed],
        "offers": [],
        "executors": [],
        "offer_constraints": {},
    })
    return out


def frameworks(master: Master, framework_id: str | None = None) -> dict:
    return {
        "frameworks": [framework_json(master, f) for f in master.frameworks.values()
                       if framework_id is None or f.id == framework_id],
        "completed_frameworks": [],
        "unregistered_frameworks": [],
    }


def tasks(master: Master, limit: int = 100, offset: int = 0, order: str = "des", task_id: str | None = None,
          framework_id: str | None = None) -> dict:
    items = list(master.tasks.values()) + list(master.completed)
    items = [t for t in items if (task_id is None or t.task_id == task_id)
             and (framework_id is None or t.framework_id == framework_id)]
    items.sort(key=lambda t: t.statuses[0]["timestamp"] if t.statuses else 0, reverse=(order != "asc"))
    return {"tasks": [t.to_json() for t in items[offset:offset + limit]]}


def leader_info(master: Master) -> dict:
    return {"id": master.id, "pid": f"master@{master.hostname}:{master.port}", "port": master.port,
            "hostname": master.hostname, "ip": _ip_int(master.hostname),
            "address": {"hostname": master.hostname, "ip": master.hostname, "port": master.port},
            "version": MESOS_VERSION}


def _ip_int(ip: str) -> int:
    # MasterInfo.ip is the IPv4 address in network order read as a little-endian uint32.
    parts = [int(p) for p in ip.split(".")] if ip.count(".") == 3 else [127, 0, 0, 1]
    return parts[0] | parts[1] << 8 | parts[2] << 16 | parts[3] << 24


def state(master: Master) -> dict:
    used = master.used_by_agent()
    active = sum(1 for a in master.agents.values() if a.active)
    out = _build_info()
    out.update({
        "start_time": master.start_time, "elected_time": master.start_time,
        "id": master.id, "pid": f"master@{master.hostname}:{master.port}", "hostname": master.hostname,
        "capabilities": ["AGENT_UPDATE", "AGENT_DRAINING", "QUOTA_V2"],
        "activated_slaves": active, "deactivated_slaves": len(master.agents) - active, "unreachable_slaves": 0,
        "leader": f"master@{master.hostname}:{master.port}",
        "leader_info": leader_info(master),
        "flags": dict(master.flags),
        "slaves": [agent_summary(a, used.get(a.id, res.Resources())) for a in master.agents.values()],
        "recovered_slaves": [],
        "frameworks": [framework_json(master, f) for f in master.frameworks.values()],
        "completed_frameworks": [],
        "orphan_tasks": [],
        "unregistered_frameworks": [],
    })
    return out


def v1_resources(resources) -> list:
    return [r.to_json() for r in resources]


def get_agents(master: Master) -> dict:
    """v1 `GET_AGENTS` (resources in ENDPOINT format)."""
    agents = []
    for agent in master.agents.values():
        total = agent.total
        registered_ns = int(agent.registered_time * 1e9)
        item = {
            "agent_info": {
                "id": {"value": agent.id}, "hostname": agent.hostname, "port": agent.port,
                "resources": agent.configured.to_json(), "attributes": [],
            },
            "active": agent.active, "deactivated": False, "version": MESOS_VERSION, "pid": agent.pid,
            "registered_time": {"nanoseconds": registered_ns},
            "total_resources": total.to_json(),
            "allocated_resources": _used_full(master, agent.id),
            "offered_resources": [],
            "capabilities": [{"type": c} for c in AGENT_CAPABILITIES],
            "resource_providers": [],
        }
        if agent.reregistered_time is not None:
            item["reregistered_time"] = {"nanoseconds": int(agent.reregistered_time * 1e9)}
        agents.append(item)
    return {"type": "GET_AGENTS", "get_agents": {"agents": agents, "recovered_agents": []}}


def agent_state(master: Master, agent, flags: dict) -> dict:
    """Agent `GET /state` (`src/slave/http.cpp`): includes `flags.work_dir` and `reserved_resources_full`."""
    total = agent.total
    used = master.used(agent)
    out = _build_info()
    out.update({
        "start_time": agent.registered_time, "id": agent.id, "pid": agent.pid, "hostname": agent.hostname,
        "capabilities": list(AGENT_CAPABILITIES),
        "resources": total.summary(),
        "reserved_resources": {role: r.summary() for role, r in total.reservations_by_role().items()},
        "unreserved_resources": total.unreserved().summary(),
        "reserved_resources_full": {role: r.to_json() for role, r in total.reservations_by_role().items()},
        "unreserved_resources_full": total.unreserved().to_json(),
        "reserved_resources_allocated": {role: r.summary() for role, r in used.reservations_by_role().items()},
        "unreserved_resources_allocated": used.unreserved().summary(),
        "resource_providers": [],
        "attributes": {},
        "master_hostname": master.hostname,
        "flags": flags,
        "frameworks": _agent_frameworks(master, agent),
        "completed_frameworks": [],
    })
    return out


def _agent_frameworks(master: Master, agent) -> list:
    out = []
    for framework in master.frameworks.values():
        executors = []
        completed = []
        for task in list(master.tasks.values()) + list(master.completed):
            if task.agent_id != agent.id or task.framework_id != framework.id:
                continue
            executor = {
                "id": task.task_id, "name": f"Command Executor (Task: {task.task_id})", "source": task.task_id,
                "container": "", "directory": agent.sandboxes.get(task.task_id, ""),
                "resources": task.resources.summary(), "role": task.role,
                "tasks": [], "queued_tasks": [], "completed_tasks": [],
            }
            if task.task_id in master.tasks:
                executor["tasks"].append(task.to_json())
                executors.append(executor)
            else:
                executor["completed_tasks"].append(task.to_json())
                completed.append(executor)
        if executors or completed:
            out.append({
                "id": framework.id, "name": framework.name, "user": framework.user,
                "failover_timeout": framework.failover_timeout, "checkpoint": True, "hostname": framework.hostname,
                "role": framework.role, "executors": executors, "completed_executors": completed,
            })
    return out
