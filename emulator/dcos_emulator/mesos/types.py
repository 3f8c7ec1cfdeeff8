"""Data shapes of the in-process scheduler API between the Marathon core and the Master (DESIGN.md seam)."""

from __future__ import annotations

from dataclasses import dataclass, field

TERMINAL_STATES = frozenset({
    "TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR", "TASK_DROPPED",
    "TASK_GONE", "TASK_GONE_BY_OPERATOR",
})


@dataclass
class TaskStatus:
    task_id: str
    agent_id: str
    state: str                      # Mesos name: TASK_STARTING, TASK_RUNNING, TASK_KILLING, TASK_FINISHED, ...
    message: str = ""
    reason: str | None = None       # Mesos TaskStatus.Reason name, e.g. REASON_COMMAND_EXECUTOR_FAILED
    timestamp: float = 0.0          # seconds since the epoch (time.time())
    source: str = "SOURCE_EXECUTOR"  # SOURCE_MASTER | SOURCE_AGENT | SOURCE_EXECUTOR
    healthy: bool | None = None
    exit_code: int | None = None    # for terminal states of tasks that had a process

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL_STATES


@dataclass
class Offer:
    id: str
    agent_id: str
    hostname: str
    resources: list                 # Mesos resource JSON, ENDPOINT format, each with allocation_info.role
    attributes: dict = field(default_factory=dict)
    framework_id: str | None = None
    domain: dict | None = None      # the agent's DomainInfo JSON (fault_domain region/zone), if any


@dataclass
class HostVolume:
    container_path: str             # where it appears (relative to the sandbox; a leading "/" is dropped)
    host_path: str                  # relative: inside the sandbox; absolute: that host directory
    mode: str = "RW"


@dataclass
class DockerVolume:
    """A `Volume.Source.DOCKER_VOLUME` of the task's ContainerInfo (what Marathon builds for a DVDI volume)."""
    container_path: str
    name: str
    driver: str
    driver_options: dict = field(default_factory=dict)   # options, "dvdi/" stripped, "dvdi/driver" left out
    mode: str = "RW"

    def to_json(self) -> dict:
        """protobuf JSON of the Volume (`json(JSON::ObjectWriter*, const Volume&)`-style, as /state shows it)."""
        docker_volume = {"driver": self.driver, "name": self.name}
        if self.driver_options:
            docker_volume["driver_options"] = {"parameter": [{"key": k, "value": v}
                                                             for k, v in self.driver_options.items()]}
        return {"mode": self.mode, "container_path": self.container_path,
                "source": {"type": "DOCKER_VOLUME", "docker_volume": docker_volume}}


@dataclass
class LaunchSpec:
    task_id: str
    name: str = ""
    command: str | None = None      # shell command (run as /bin/sh -c); or
    args: list | None = None        # argv, exec'ed directly (first element looked up in PATH)
    env: dict = field(default_factory=dict)   # the framework's variables (MARATHON_APP_*, app env...)
    resources: list = field(default_factory=list)  # Mesos resource JSON taken from the offer (incl. volumes)
    ports: list = field(default_factory=list)      # host ports, in order (PORT0, PORT1, ...)
    port_names: list = field(default_factory=list)  # optional names (PORT_<NAME>), same order as ports
    persistent_volumes: list = field(default_factory=list)  # optional [(persistence_id, container_path)]
    host_volumes: list = field(default_factory=list)        # [HostVolume]
    docker_volumes: list = field(default_factory=list)      # [DockerVolume] (external volumes)
    container_type: str | None = None   # "MESOS" | "DOCKER" when the task has a ContainerInfo
    no_process: bool = False        # Docker-only task without a command: no process, stays TASK_RUNNING
    labels: dict = field(default_factory=dict)
    kill_grace_seconds: float | None = None


@dataclass
class Operation:
    type: str                       # RESERVE | UNRESERVE | CREATE | DESTROY | LAUNCH
    resources: list = field(default_factory=list)  # Mesos resource JSON (volumes for CREATE/DESTROY)
    launch: LaunchSpec | None = None

    @classmethod
    def reserve(cls, resources):
        return cls("RESERVE", list(resources))

    @classmethod
    def unreserve(cls, resources):
        return cls("UNRESERVE", list(resources))

    @classmethod
    def create(cls, volumes):
        return cls("CREATE", list(volumes))

    @classmethod
    def destroy(cls, volumes):
        return cls("DESTROY", list(volumes))

    @classmethod
    def launch_task(cls, spec: LaunchSpec):
        return cls("LAUNCH", list(spec.resources), spec)
