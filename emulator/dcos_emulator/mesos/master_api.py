"""The Mesos master's face to the HTTP layer: every read and operator call the routes make, each under the
cluster lock (routes never take it themselves). Returns rendered JSON (dicts or pre-encoded bytes) or raises
OperationError(status, exact Mesos message)."""

from __future__ import annotations

from dcos_emulator.mesos import render


class MasterApi:
    def __init__(self, master) -> None:
        self.master = master

    @property
    def lock(self):
        return self.master.lock

    # -- /master/... reads ------------------------------------------------------------------------------
    def state(self) -> bytes:
        with self.lock:
            return render.state_bytes(self.master)

    def slaves(self, slave_id: str | None) -> bytes:
        with self.lock:
            return render.slaves_bytes(self.master, slave_id)

    def frameworks(self, framework_id: str | None) -> dict:
        with self.lock:
            return render.frameworks(self.master, framework_id)

    def tasks(self, limit: int, offset: int, order: str, task_id: str | None, framework_id: str | None) -> dict:
        with self.lock:
            return render.tasks(self.master, limit, offset, order, task_id, framework_id)

    def state_summary(self) -> dict:
        with self.lock:
            return render.state_summary(self.master)

    def flags(self) -> dict:
        with self.lock:
            return dict(self.master.flags)

    # -- v1 reads -----------------------------------------------------------------------------------------
    def get_agents(self) -> bytes:
        with self.lock:
            return render.get_agents_bytes(self.master)

    def master_info(self) -> dict:
        """GET_MASTER's body."""
        with self.lock:
            master = self.master
            return {"master_info": {**render.leader_info(master), "id": master.id},
                    "start_time": master.start_time, "elected_time": master.start_time}

    # -- operator calls -----------------------------------------------------------------------------------
    def operate(self, op_type: str, agent_id: str, raws, principal: str | None) -> None:
        """RESERVE / UNRESERVE / CREATE / DESTROY, applied at once; raises OperationError."""
        with self.lock:
            self.master.operator(op_type, agent_id, raws, principal)

    # -- agent endpoint (--agent-port) ----------------------------------------------------------------------
    def agent_state(self, agent, flags: dict) -> dict | None:
        """The agent's /state, None while the agent is stopped."""
        with self.lock:
            if not agent.active:
                return None
            return render.agent_state(self.master, agent, flags)
