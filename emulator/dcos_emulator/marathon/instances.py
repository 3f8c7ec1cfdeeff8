"""Instances and their tasks (core/instance/Instance.scala, core/task/Task.scala) and the task JSON
(raml/TaskConversion.scala enrichedTaskRamlWrite)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .ids import iso, task_id_for

ACTIVE_STATES = frozenset({"TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_UNREACHABLE"})
TERMINAL_STATES = frozenset({"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_ERROR", "TASK_LOST",
                             "TASK_DROPPED", "TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_UNKNOWN"})
# Goals (core/instance/Goal.scala)
RUNNING, STOPPED, DECOMMISSIONED = "Running", "Stopped", "Decommissioned"

class Tracked:
    """Reports every assignment to a public attribute to a change set, so the persistence journal finds
    the changed instances without looking at all of them (state_delta.py). An Instance reports its own id
    to `_changes` (the core's set, attached when the instance is added); a Task reports through the
    instance that holds it. Nested values are never changed in place (assign a new dict or list instead)."""
    _changes: set | None = None
    _owner = None

    def __setattr__(self, name, value) -> None:
        object.__setattr__(self, name, value)
        if name[0] != "_":
            self._changed(name, value)

    def _changed(self, name, value) -> None:
        owner = self._owner
        if owner is not None and owner.task is self:
            owner._changed("task", self)


@dataclass
class Health:
    alive: bool = False
    consecutive_failures: int = 0
    first_success: float | None = None
    last_success: float | None = None
    last_failure: float | None = None
    last_failure_cause: str | None = None

    def render(self, instance_id: str) -> dict:
        out = {"alive": self.alive, "consecutiveFailures": self.consecutive_failures}
        if self.first_success is not None:
            out["firstSuccess"] = iso(self.first_success)
        out["instanceId"] = instance_id
        if self.last_success is not None:
            out["lastSuccess"] = iso(self.last_success)
        if self.last_failure is not None:
            out["lastFailure"] = iso(self.last_failure)
        if self.last_failure_cause is not None:
            out["lastFailureCause"] = self.last_failure_cause
        return out


@dataclass
class Task(Tracked):
    task_id: str
    state: str = "TASK_STAGING"
    staged_at: float = 0.0
    started_at: float | None = None
    version: str = ""            # app version the task runs
    ports: list = field(default_factory=list)
    health: list = field(default_factory=list)   # one Health per health check
    next_check: list = field(default_factory=list)
    kill_requested: bool = False
    message: str = ""
    # readiness (core/readiness): {"ready": bool, "next": due time, "last": lastResponse dict | None}
    readiness: dict | None = None
    no_process: bool = False       # Docker-only task modelled without a process
    _isos: tuple = (None, None, "", "")  # (staged_at, started_at, their ISO strings): render cache

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES

    def iso_times(self) -> tuple[str, str]:
        """ISO strings of stagedAt/startedAt, formatted once (GET /v2/apps?embed=apps.tasks is a hot path)."""
        if self._isos[0] != self.staged_at or self._isos[1] != self.started_at:
            self._isos = (self.staged_at, self.started_at, iso(self.staged_at),
                          iso(self.started_at) if self.started_at is not None else "")
        return self._isos[2], self._isos[3]

    def to_state(self) -> dict:
        return {"task_id": self.task_id, "state": self.state, "staged_at": self.staged_at,
                "started_at": self.started_at, "version": self.version, "ports": self.ports,
                "no_process": self.no_process}

    @classmethod
    def from_state(cls, d: dict) -> "Task":
        return cls(task_id=d["task_id"], state=d["state"], staged_at=d["staged_at"], started_at=d["started_at"],
                   version=d["version"], ports=d["ports"], no_process=d.get("no_process", False))


@dataclass
class Instance(Tracked):
    instance_id: str
    app_id: str
    role: str
    goal: str = RUNNING
    agent_id: str | None = None
    hostname: str | None = None
    incarnation: int = 0
    task: Task | None = None
    # Local persistent volumes: {"volumes": [{"containerPath","persistenceId","uuid","size"}],
    # "resources": {"cpus","mem","disk","gpus"}, "state": "New"|"Launched"|"Suspended"}
    reservation: dict | None = None
    config_version: float = 0.0    # app lastConfigChangeAt the current task was launched with
    since: float = 0.0             # when it started waiting for a launch (queue "since")
    expunged: bool = False

    @property
    def resident(self) -> bool:
        return self.reservation is not None

    def _changed(self, name, value) -> None:
        if name == "task" and value is not None:
            object.__setattr__(value, "_owner", self)
        if self._changes is not None:
            self._changes.add(self.instance_id)

    def track_changes(self, changes: set) -> None:
        """Report this instance's changes to `changes` from now on."""
        object.__setattr__(self, "_changes", changes)

    @property
    def active(self) -> bool:
        return self.task is not None and self.task.active

    @property
    def needs_launch(self) -> bool:
        return self.goal == RUNNING and not self.active

    def next_task_id(self) -> str:
        self.incarnation += 1
        return task_id_for(self.instance_id, self.incarnation)

    def render_task(self, service_ports: list) -> dict | None:
        """Task JSON; agent-less instances and instances without a task are not listed."""
        t = self.task
        if t is None or self.agent_id is None:
            return None
        # Inactive tasks: TaskConversion passes ports = Nil and the generated serializer writes non-omitEmpty
        # arrays always, so "ports": [] (and ipAddresses, healthCheckResults) stay; stagedAt/startedAt/version go.
        out = {"appId": self.app_id, "healthCheckResults": [h.render(self.instance_id) for h in t.health] if t.active else [],
               "host": self.hostname, "id": t.task_id,
               "ipAddresses": [{"ipAddress": self.hostname, "protocol": "IPv4"}] if t.active else [],
               "ports": list(t.ports) if t.active else [], "servicePorts": service_ports,
               "slaveId": self.agent_id, "state": t.state}
        if t.active:
            staged, started = t.iso_times()
            out["stagedAt"] = staged
            if t.started_at is not None:
                out["startedAt"] = started
            out["version"] = t.version
        out["localVolumes"] = [
            {"runSpecId": self.app_id, "containerPath": v["containerPath"], "uuid": v["uuid"],
             "persistenceId": v["persistenceId"]}
            for v in (self.reservation or {}).get("volumes", [])
        ]
        out["role"] = self.role
        return out

    def to_state(self) -> dict:
        return {"instance_id": self.instance_id, "app_id": self.app_id, "role": self.role, "goal": self.goal,
                "agent_id": self.agent_id, "hostname": self.hostname, "incarnation": self.incarnation,
                "config_version": self.config_version, "since": self.since,
                "task": self.task.to_state() if self.task else None, "reservation": self.reservation}

    @classmethod
    def from_state(cls, d: dict) -> "Instance":
        inst = cls(instance_id=d["instance_id"], app_id=d["app_id"], role=d["role"], goal=d["goal"],
                   agent_id=d["agent_id"], hostname=d["hostname"], incarnation=d["incarnation"],
                   reservation=d["reservation"], config_version=d.get("config_version", 0.0),
                   since=d.get("since", 0.0))
        if d.get("task"):
            inst.task = Task.from_state(d["task"])
        return inst
