"""JSON renderers for the master endpoints and the agent /state (shapes from Mesos's
`src/master/readonly_handler.cpp`, `src/common/http.cpp`, `src/slave/http.cpp`)."""

from __future__ import annotations

import json

from dcos_emulator.mesos import resources as res
from dcos_emulator.mesos.master import MESOS_VERSION, Master

BUILD_DATE = "2020-07-01 00:00:00"
BUILD_TIME = 1593561600.0
BUILD_USER = "dcos-emulator"
AGENT_CAPABILITIES = ["MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"]


def _build_info() -> dict:
    return {"version": MESOS_VERSION, "build_date": BUILD_DATE, "build_time": BUILD_TIME, "build_user": BUILD_USER}


def _tasks_by_agent(master: Master) -> dict:
    return {agent_id: master.agent_tasks(agent_id) for agent_id in master.agents}


def _used_full(tasks) -> list:
    return [r.to_json(allocation_role=task.role) for task in tasks for r in task.resources]


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
    _add_domain(out, agent)
    return out


def _add_domain(out: dict, agent) -> None:
    """`SlaveInfo.domain` (Mesos writes it only when the agent has a --domain)."""
    domain = agent.domain_json()
    if domain is not None:
        out["domain"] = domain


def agent_full(agent, used: res.Resources, tasks: list) -> dict:
    """`SlavesWriter::writeSlave`: the summary plus the `*_full` arrays."""
    out = agent_summary(agent, used)
    total = agent.total
    out["reserved_resources_full"] = {role: r.to_json() for role, r in total.reservations_by_role().items()}
    out["unreserved_resources_full"] = total.unreserved().to_json()
    out["used_resources_full"] = _used_full(tasks)
    out["offered_resources_full"] = []
    return out


def _dumps(data) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def _cached(agent, kind: str, build) -> bytes:
    """The encoded JSON of one agent's entry, rebuilt only when the agent's revision moved."""
    hit = agent.render_cache.get(kind)
    if hit is not None and hit[0] == agent.revision:
        return hit[1]
    data = _dumps(build())
    agent.render_cache[kind] = (agent.revision, data)
    return data


def slaves(master: Master, slave_id: str | None = None) -> dict:
    return json.loads(slaves_bytes(master, slave_id))


def slaves_bytes(master: Master, slave_id: str | None = None) -> bytes:
    """`/master/slaves` body. With 1,000 agents and 10,000 volumes it is ~20 MB: per-agent parts are cached."""
    agents = [a for a in master.agents.values() if slave_id is None or a.id == slave_id]
    used = master.used_by_agent() if agents else {}
    tasks = _tasks_by_agent(master)
    parts = [_cached(a, "full", lambda a=a: agent_full(a, used.get(a.id, res.Resources()), tasks.get(a.id, [])))
             for a in agents]
    return b'{"slaves":[' + b",".join(parts) + b'],"recovered_slaves":[]}'


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
        "unreachable_tasks": [t.to_json() for t in master.unreachable.values() if t.framework_id == framework.id],
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
    # Real Mesos (/master/tasks): active, unreachable and completed tasks
    items = list(master.tasks.values()) + list(master.unreachable.values()) + list(master.completed)
    items = [t for t in items if (task_id is None or t.task_id == task_id)
             and (framework_id is None or t.framework_id == framework_id)]
    items.sort(key=lambda t: t.statuses[0]["timestamp"] if t.statuses else 0, reverse=(order != "asc"))
    return {"tasks": [t.to_json() for t in items[offset:offset + limit]]}


def leader_info(master: Master) -> dict:
    out = {"id": master.id, "pid": f"master@{master.hostname}:{master.port}", "port": master.port,
           "hostname": master.hostname, "ip": _ip_int(master.hostname),
           "address": {"hostname": master.hostname, "ip": master.hostname, "port": master.port},
           "version": MESOS_VERSION}
    if master.domain is not None:
        out["domain"] = master.domain
    return out


def _ip_int(ip: str) -> int:
    # MasterInfo.ip is the IPv4 address in network order read as a little-endian uint32.
    parts = [int(p) for p in ip.split(".")] if ip.count(".") == 3 else [127, 0, 0, 1]
    return parts[0] | parts[1] << 8 | parts[2] << 16 | parts[3] << 24


def state(master: Master) -> dict:
    return json.loads(state_bytes(master))


def state_bytes(master: Master) -> bytes:
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
        "slaves": "@SLAVES@",
        "recovered_slaves": [],
        "frameworks": [framework_json(master, f) for f in master.frameworks.values()],
        "completed_frameworks": [],
        "orphan_tasks": [],
        "unregistered_frameworks": [],
    })
    parts = [_cached(a, "summary", lambda a=a: agent_summary(a, used.get(a.id, res.Resources())))
             for a in master.agents.values()]
    if master.domain is not None:
        out["domain"] = master.domain
    return _dumps(out).replace(b'"@SLAVES@"', b"[" + b",".join(parts) + b"]", 1)


_SUMMARY_STATES = ("TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_FINISHED", "TASK_KILLED",
                   "TASK_FAILED", "TASK_LOST", "TASK_ERROR", "TASK_UNREACHABLE")


def state_summary(master: Master) -> dict:
    """`/master/state-summary` (the DC/OS UI and `dcos node` read it): summaries plus task state counts."""
    tasks = list(master.tasks.values()) + list(master.unreachable.values()) + list(master.completed)
    used = master.used_by_agent()
    slaves_out = []
    for agent in master.agents.values():
        entry = agent_summary(agent, used.get(agent.id, res.Resources()))
        mine = [t for t in tasks if t.agent_id == agent.id]
        entry.update({state: sum(1 for t in mine if t.state == state) for state in _SUMMARY_STATES})
        entry["framework_ids"] = sorted({t.framework_id for t in mine})
        slaves_out.append(entry)
    frameworks_out = []
    for framework in master.frameworks.values():
        full = framework_json(master, framework)
        entry = {key: full[key] for key in ("id", "name", "pid", "used_resources", "offered_resources",
                                            "capabilities", "hostname", "webui_url", "active", "connected",
                                            "recovered")}
        mine = [t for t in tasks if t.framework_id == framework.id]
        entry.update({state: sum(1 for t in mine if t.state == state) for state in _SUMMARY_STATES})
        entry["slave_ids"] = sorted({t.agent_id for t in mine})
        frameworks_out.append(entry)
    return {"hostname": master.hostname, "slaves": slaves_out, "frameworks": frameworks_out}


def v1_resources(resources) -> list:
    return [r.to_json() for r in resources]


def get_agents(master: Master) -> dict:
    return json.loads(get_agents_bytes(master))


def get_agents_bytes(master: Master) -> bytes:
    """v1 `GET_AGENTS` (resources in ENDPOINT format)."""
    tasks = _tasks_by_agent(master)
    parts = [_cached(agent, "v1", lambda agent=agent: _v1_agent(agent, tasks.get(agent.id, [])))
             for agent in master.agents.values()]
    return b'{"type":"GET_AGENTS","get_agents":{"agents":[' + b",".join(parts) + b'],"recovered_agents":[]}}'


def _v1_agent(agent, tasks: list) -> dict:
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
        "allocated_resources": _used_full(tasks),
        "offered_resources": [],
        "capabilities": [{"type": c} for c in AGENT_CAPABILITIES],
        "resource_providers": [],
    }
    if agent.reregistered_time is not None:
        item["reregistered_time"] = {"nanoseconds": int(agent.reregistered_time * 1e9)}
    _add_domain(item["agent_info"], agent)
    return item


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
    _add_domain(out, agent)
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
