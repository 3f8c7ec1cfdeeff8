"""Bulk seeding for benchmarks: Marathon-shaped reservations and volumes on many agents without HTTP per item."""

from __future__ import annotations

from dataclasses import dataclass

from dcos_emulator import ids
from dcos_emulator.mesos import operations as ops
from dcos_emulator.mesos.resources import Reservation, Resource


@dataclass
class SeedSpec:
    agents: int | None          # seed the first N agents (more are added when the cluster has fewer)
    volumes_per_agent: int
    size: float                 # MiB per volume
    cpus: float
    mem: float
    role: str
    principal: str

    @classmethod
    def from_json(cls, body: dict, role: str, principal: str) -> SeedSpec:
        try:
            spec = cls(
                agents=None if body.get("agents") is None else int(body["agents"]),
                volumes_per_agent=int(body.get("volumes_per_agent", 1)),
                size=float(body.get("size", 100)),
                cpus=float(body.get("cpus", 0.01)),
                mem=float(body.get("mem", 1)),
                role=str(body.get("role", role)),
                principal=str(body.get("principal", principal)),
            )
        except (TypeError, ValueError):
            raise ValueError("agents, volumes_per_agent, size, cpus and mem must be numbers") from None
        if spec.volumes_per_agent < 0 or (spec.agents is not None and spec.agents < 0):
            raise ValueError("agents and volumes_per_agent must not be negative")
        return spec


def seed(cluster, spec: SeedSpec) -> dict:
    """Lock held. Each volume gets its own labelled reservation (cpus, mem, disk) like a Marathon instance."""
    master = cluster.master
    wanted = len(master.agents) if spec.agents is None else spec.agents
    index = len(master.agents)
    while len(master.agents) < wanted:
        cluster._add_agent(index)
        index += 1
    agents = list(master.agents.values())[:wanted]
    created = 0
    for agent in agents:
        total = agent.total
        for number in range(spec.volumes_per_agent):
            app = f"seed-{agent.index}-{number}"
            reservation_id = f"{app}.instance-{ids.time_uuid()}"
            labels = (("marathon_framework_id", cluster.framework_id), ("marathon_task_id", reservation_id))
            reservations = (Reservation("DYNAMIC", spec.role, spec.principal, labels),)
            reserved = [Resource.scalar("cpus", spec.cpus, reservations), Resource.scalar("mem", spec.mem, reservations),
                        Resource.scalar("disk", spec.size, reservations)]
            volume = Resource.scalar("disk", spec.size, reservations, disk={
                "persistence": {"id": f"{app}#data#{ids.time_uuid()}", "principal": spec.principal},
                "volume": {"container_path": "data", "mode": "RW"}})
            for op_type, resources in (("RESERVE", reserved), ("CREATE", [volume])):
                conv = ops.conversion(op_type, resources)
                total = ops.apply_conversion(total, conv)  # raises OperationError(409) when the agent is full
            agent.create_volume_dir(volume)
            created += 1
        agent.total = total
        agent.save_checkpoint()
    cluster.save_state()
    cluster.wake()
    return {"agents": len(agents), "volumes": created, "total_agents": len(master.agents)}



