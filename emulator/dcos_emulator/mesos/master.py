"""The Mesos master model: agents, resource accounting, operations, tasks, and the framework API.

Every public method must be called with the cluster lock held (the Cluster's RLock); reaper threads
take it themselves. Status updates are queued and handed to the framework by `deliver_statuses()`,
which the Cluster's scheduler thread calls, so framework code never re-enters itself from accept().
"""

from __future__ import annotations

import collections
import logging
import signal
import time
from dataclasses import dataclass, field

from dcos_emulator import ids
from dcos_emulator.agents.agent import Agent, LaunchError
from dcos_emulator.mesos import operations as ops
from dcos_emulator.mesos import resources as res
from dcos_emulator.mesos.operations import OperationError
from dcos_emulator.mesos.types import TERMINAL_STATES, LaunchSpec, Offer, Operation, TaskStatus

log = logging.getLogger(__name__)

MESOS_VERSION = "1.10.0"  # DC/OS 2.1 ships Mesos 1.10 alongside Marathon 1.10
DEFAULT_KILL_GRACE_SECONDS = 3.0
MAX_COMPLETED_TASKS = 1000  # --max_completed_tasks_per_framework


@dataclass
class Framework:
    id: str
    role: str
    principal: str | None
    on_status: object
    name: str = "marathon"
    hostname: str = "127.0.0.1"
    webui_url: str = ""
    user: str = "root"
    failover_timeout: float = 604800.0
    capabilities: list = field(default_factory=lambda: [
        {"type": "TASK_KILLING_STATE"}, {"type": "PARTITION_AWARE"}, {"type": "GPU_RESOURCES"},
        {"type": "REGION_AWARE"}])
    registered_time: float = field(default_factory=time.time)
    active: bool = True


@dataclass
class MasterTask:
    task_id: str
    name: str
    framework_id: str
    agent_id: str
    state: str
    resources: res.Resources
    role: str
    labels: dict
    statuses: list = field(default_factory=list)  # [{"state", "timestamp"}]
    has_process: bool = True
    kill_grace: float = DEFAULT_KILL_GRACE_SECONDS
    container: dict | None = None   # ContainerInfo JSON (type, volumes incl. DOCKER_VOLUME sources), if any

    def to_json(self) -> dict:
        """`json(writer, const Task&)` in common/http.cpp."""
        out = {
            "id": self.task_id, "name": self.name, "framework_id": self.framework_id, "executor_id": "",
            "slave_id": self.agent_id, "state": self.state, "resources": self.resources.summary(),
            "role": self.role, "statuses": list(self.statuses),
        }
        if self.labels:
            out["labels"] = [{"key": k, "value": str(v)} for k, v in self.labels.items()]
        if self.container is not None:
            out["container"] = self.container
        return out


class Master:
    def __init__(self, master_id: str, lock, wake=lambda: None, hostname: str = "127.0.0.1", port: int = 5050):
        self.id = master_id
        self.lock = lock
        self.wake = wake
        self.hostname = hostname
        self.port = port
        self.start_time = time.time()
        self.agents: dict[str, Agent] = {}
        self.frameworks: dict[str, Framework] = {}
        self.tasks: dict[str, MasterTask] = {}
        self._agent_tasks: dict[str, dict[str, MasterTask]] = {}  # agent id -> live tasks (index)
        self._agent_used: dict[str, res.Resources] = {}  # agent id -> sum of its live tasks' resources
        self.completed: collections.deque = collections.deque(maxlen=MAX_COMPLETED_TASKS)
        self.unreachable: dict[str, MasterTask] = {}   # tasks of agents marked unreachable (framework's list)
        self._statuses: collections.deque = collections.deque()
        self.flags = {"authenticate_http_readwrite": "false", "work_dir": "", "port": str(port)}
        self.domain: dict | None = None   # MasterInfo.domain (--zones): Marathon's home region

    # == agents ===================================================================================
    def add_agent(self, agent: Agent) -> None:
        self.agents[agent.id] = agent

    def agent(self, agent_id: str) -> Agent | None:
        return self.agents.get(agent_id)

    def used(self, agent: Agent) -> res.Resources:
        """Resources of the agent's live tasks (a copy of the running sum kept on launch and exit)."""
        used = self._agent_used.get(agent.id)
        return used.copy() if used is not None else res.Resources()

    def agent_tasks(self, agent_id: str) -> list:
        return list(self._agent_tasks.get(agent_id, {}).values())

    def available(self, agent: Agent) -> res.Resources:
        return agent.total.minus(self.used(agent))

    def used_by_agent(self) -> dict:
        """Used resources of every agent that runs tasks (for the list endpoints)."""
        return {agent_id: self.used(self.agents[agent_id]) for agent_id, tasks in self._agent_tasks.items()
                if tasks and agent_id in self.agents}

    def stop_agent(self, agent_id: str) -> None:
        """Admin: the agent goes away; its tasks become unreachable; its reservations and volumes stay.

        Real Mesos: the agent is marked unreachable when its health checks time out (the emulator: at once)
        and `__removeSlave` sends its tasks TASK_UNREACHABLE (REASON_SLAVE_REMOVED, "health check timed out")
        if the framework is PARTITION_AWARE, as Marathon 1.4+ is, else TASK_LOST; the tasks move to the
        framework's `unreachable_tasks`. The emulator kills the agent's processes (real Mesos cannot reach
        them) and keeps the agent listed with `active: false` (real Mesos drops it from /master/slaves)."""
        agent = self.agents[agent_id]
        if not agent.active:
            return
        agent.active = False
        for task in self.agent_tasks(agent_id):
            proc = agent.processes.get(task.task_id)
            if proc is not None:
                proc.kill_now()
            framework = self.frameworks.get(task.framework_id)
            if framework is not None and {"type": "PARTITION_AWARE"} in framework.capabilities:
                self._unreachable(task, "health check timed out")
            else:
                self._terminal(task, "TASK_LOST", "health check timed out", "REASON_SLAVE_REMOVED",
                               source="SOURCE_MASTER")
        self.wake()

    def start_agent(self, agent_id: str) -> None:
        """Admin: the agent re-registers. Real Mesos drops its unreachable-task records without an update (the
        agent reports what still runs: nothing here); the framework learns by reconciliation (TASK_GONE)."""
        agent = self.agents[agent_id]
        if agent.active:
            return
        agent.reregistered_time = time.time()
        agent.active = True
        for task_id in [t for t, task in self.unreachable.items() if task.agent_id == agent_id]:
            del self.unreachable[task_id]
            agent.drop_records(task_id)
        # Back from the dead: its lost containers are destroyed now, which unmounts their external volumes
        # (REX-Ray restarted too: its mount counts are gone).
        agent.recover_docker_volumes(set(self._agent_tasks.get(agent_id, {})))
        self.wake()

    # == framework API (used by marathon/) ====================================================
    def register_framework(self, framework_id: str, role: str, principal: str | None, on_status, **info) -> None:
        framework = Framework(framework_id, role, principal, on_status, **info)
        old = self.frameworks.get(framework_id)
        if old is not None:
            framework.registered_time = old.registered_time
        self.frameworks[framework_id] = framework
        self.wake()

    def offers(self, role: str, framework_id: str | None = None) -> list[Offer]:
        """One offer per active agent: unreserved resources and those reserved for `role`, minus what
        tasks use. Ports used by any task on any agent are left out (all agents share one kernel).

        Real Mesos: offers are outstanding until accepted, declined or rescinded; here they are a
        snapshot taken under the cluster lock and `accept` re-checks everything, so nothing is held."""
        used_ports = self._ports_in_use()
        offers = []
        for agent in self.agents.values():
            if not agent.active:
                continue
            items = []
            for r, rendered in self._offerable(agent, role):
                if r.type == res.RANGES and r.name == "ports" and used_ports:
                    left = res.ranges_subtract(r.value, used_ports)
                    if not left:
                        continue
                    if left != r.value:
                        rendered = r.copy(value=left).to_json(allocation_role=role)
                items.append(rendered)
            if items:
                offers.append(Offer(ids.offer_id(self.id), agent.id, agent.hostname, items, {}, framework_id,
                                    agent.domain_json()))
        return offers

    def _offerable(self, agent: Agent, role: str) -> list:
        """[(Resource, its JSON)] of what the agent can offer to `role`, cached per agent revision.
        The JSON dicts are shared between offers: read-only for the framework."""
        key = ("offer", role)
        hit = agent.render_cache.get(key)
        if hit is None or hit[0] != agent.revision:
            items = [(r, r.to_json(allocation_role=role)) for r in self.available(agent)
                     if not r.reservations or r.role == role or r.role.startswith(role + "/")]
            hit = (agent.revision, items)
            agent.render_cache[key] = hit
        return hit[1]

    def _ports_in_use(self) -> list:
        ranges = []
        for task in self.tasks.values():
            for r in task.resources:
                if r.name == "ports" and r.type == res.RANGES:
                    ranges.extend(list(x) for x in r.value)
        return res.coalesce(ranges)

    def accept(self, agent_id: str, operations: list[Operation], framework_id: str | None = None) -> list:
        """Apply `operations` atomically on one agent. Raises OperationError and changes nothing on failure.
        Returns the TaskProcess-or-None of each LAUNCH (effects: volume dirs, sandboxes, processes)."""
        agent = self.agents.get(agent_id)
        if agent is None:
            raise OperationError(400, "No agent found with specified ID")
        if not agent.active:
            raise OperationError(409, f"Agent {agent_id} is not active")
        framework = self.frameworks.get(framework_id) if framework_id else self._only_framework()
        principal = framework.principal if framework else None
        total = agent.total.copy()
        used = self.used(agent)
        staged_launches = []
        created, destroyed = [], []
        for op in operations:
            if op.type == "LAUNCH":
                spec = op.launch
                if spec is None:
                    raise OperationError(400, "LAUNCH operation without a task")
                if spec.task_id in self.tasks or any(s[0].task_id == spec.task_id for s in staged_launches):
                    raise OperationError(400, f"Task has duplicate ID: {spec.task_id}")
                task_resources = self._parse(op.resources or spec.resources, "LAUNCH")
                available = total.minus(used)
                needed = res.Resources(task_resources)
                if not available.contains(needed):
                    raise OperationError(409, f"Invalid LAUNCH operation: {available} does not contain {needed}")
                mounts = self._mounts(spec, task_resources, total)
                used.add_all(task_resources)
                staged_launches.append((spec, needed, mounts))
                continue
            resources = self._parse(op.resources, op.type)
            self._validate(op.type, resources, total, used, principal, agent)
            available = total.minus(used)
            conv = ops.conversion(op.type, resources)
            ops.apply_conversion(available, conv)  # raises 409
            total.subtract_all(conv.consumed)
            total.add_all(conv.converted)
            if op.type == "CREATE":
                created.extend(resources)
            elif op.type == "DESTROY":
                destroyed.extend(resources)
        # Commit.
        agent.total = total
        if created or destroyed or any(op.type in ("RESERVE", "UNRESERVE") for op in operations):
            self._commit_volumes(agent, created, destroyed)
        results = []
        fw_id = framework.id if framework else (framework_id or "")
        for spec, needed, mounts in staged_launches:
            results.append(self._launch(agent, fw_id, spec, needed, mounts, framework))
        return results

    def _only_framework(self) -> Framework | None:
        return next(iter(self.frameworks.values()), None)

    @staticmethod
    def _parse(values, op_type: str) -> list:
        try:
            raws = [res.parse_resource(v) for v in values]
            return res.validate_and_upgrade([_strip_allocation(r) for r in raws])
        except (res.ParseError, res.ResourceError) as exc:
            raise OperationError(400, f"Invalid {op_type} operation: {exc}") from None

    def _validate(self, op_type, resources, total, used, principal, agent) -> None:
        if op_type == "RESERVE":
            error = ops.validate_reserve(resources, principal)
            prefix = f"Invalid RESERVE operation on agent {agent}: "
        elif op_type == "UNRESERVE":
            error = ops.validate_unreserve(resources)
            prefix = "Invalid UNRESERVE operation: "
        elif op_type == "CREATE":
            error = ops.validate_create(resources, total.filter(lambda r: bool(r.reservations)), principal)
            prefix = f"Invalid CREATE operation on agent {agent}: "
        elif op_type == "DESTROY":
            error = ops.validate_destroy(resources, total.filter(lambda r: bool(r.reservations)), used)
            prefix = "Invalid DESTROY operation: "
        else:
            raise OperationError(400, f"Unknown offer operation {op_type}")
        if error:
            raise OperationError(400, prefix + error)

    def _mounts(self, spec: LaunchSpec, task_resources, total) -> list:
        mounts = {}
        for r in task_resources:
            if r.is_persistent_volume():
                mounts[r.persistence_id] = (r.role, r.persistence_id, r.container_path)
        volumes = {v.persistence_id: v for v in total if v.is_persistent_volume()}
        for persistence_id, container_path in spec.persistent_volumes:
            volume = volumes.get(persistence_id)
            if volume is None:
                raise OperationError(409, f"Invalid LAUNCH operation: persistent volume '{persistence_id}' not found")
            mounts[persistence_id] = (volume.role, persistence_id, container_path)
        return list(mounts.values())

    def _launch(self, agent: Agent, framework_id: str, spec: LaunchSpec, needed, mounts, framework):
        role = framework.role if framework else "*"
        task = MasterTask(spec.task_id, spec.name or spec.task_id, framework_id, agent.id, "TASK_STAGING", needed,
                          role, dict(spec.labels), has_process=not spec.no_process,
                          kill_grace=spec.kill_grace_seconds if spec.kill_grace_seconds is not None
                          else DEFAULT_KILL_GRACE_SECONDS, container=_container_json(spec))
        self.tasks[spec.task_id] = task
        self._agent_tasks.setdefault(agent.id, {})[spec.task_id] = task
        self._agent_used.setdefault(agent.id, res.Resources()).add_all(needed)
        agent.touch()
        try:
            proc = agent.launch(spec, framework_id, mounts,
                                on_exit=lambda code, killed, t=spec.task_id: self._process_exited(t, code, killed))
        except (LaunchError, OSError, ValueError) as exc:
            # ValueError: a NUL in the command, an argument, a variable or a path. Real Mesos passes them
            # through C strings (cut at the NUL) or fails the container; here the launch fails.
            log.warning("task %s failed to start: %s", spec.task_id, exc)
            self._update(task, "TASK_STARTING", "")
            self._terminal(task, "TASK_FAILED", f"Failed to launch container: {exc}",
                           "REASON_CONTAINER_LAUNCH_FAILED")
            return None
        self._update(task, "TASK_STARTING", "")
        self._update(task, "TASK_RUNNING", "")
        return proc

    def kill(self, task_id: str, grace_seconds: float | None = None) -> bool:
        """SIGTERM the task's process group, SIGKILL after the grace period. False if no such live task."""
        task = self.tasks.get(task_id)
        if task is None:
            return False
        agent = self.agents.get(task.agent_id)
        grace = task.kill_grace if grace_seconds is None else grace_seconds
        if not task.has_process or agent is None or task_id not in agent.processes:
            self._terminal(task, "TASK_KILLED", "Command terminated with signal Terminated", "REASON_TASK_KILLED")
            return True
        if task.state != "TASK_KILLING":
            self._update(task, "TASK_KILLING", "")
        agent.kill(task_id, grace)
        return True

    def sandbox(self, task_id: str) -> str | None:
        task = self.tasks.get(task_id) or next((t for t in self.completed if t.task_id == task_id), None)
        if task is None:
            return None
        agent = self.agents.get(task.agent_id)
        return agent.sandboxes.get(task_id) if agent else None

    def task_env(self, task_id: str) -> dict | None:
        task = self.tasks.get(task_id) or next((t for t in self.completed if t.task_id == task_id), None)
        if task is None:
            return None
        agent = self.agents.get(task.agent_id)
        return agent.environment(task_id) if agent else None

    def task_pid(self, task_id: str) -> int | None:
        task = self.tasks.get(task_id)
        agent = self.agents.get(task.agent_id) if task else None
        proc = agent.processes.get(task_id) if agent else None
        return proc.pgid if proc else None

    # == status updates ==========================================================================
    def _process_exited(self, task_id: str, returncode: int, killed: bool) -> None:
        """Reaper thread: the task's main process ended."""
        with self.lock:
            task = self.tasks.get(task_id)
            if task is None:
                agent_ids = [a for a in self.agents.values() if task_id in a.processes]
                for agent in agent_ids:
                    agent.forget(task_id)
                return
            if killed:
                state, reason = "TASK_KILLED", "REASON_TASK_KILLED"
            elif returncode == 0:
                state, reason = "TASK_FINISHED", None
            else:
                state, reason = "TASK_FAILED", "REASON_COMMAND_EXECUTOR_FAILED"
            if returncode < 0:
                message = f"Command terminated with signal {_signal_name(-returncode)}"
            else:
                message = f"Command exited with status {returncode}"
            self._terminal(task, state, message, reason, exit_code=returncode)

    def _update(self, task: MasterTask, state: str, message: str, reason=None, source="SOURCE_EXECUTOR",
                exit_code=None) -> None:
        now = time.time()
        task.state = state
        task.statuses.append({"state": state, "timestamp": now})
        self._statuses.append((task.framework_id, TaskStatus(task.task_id, task.agent_id, state, message, reason,
                                                             now, source, None, exit_code)))
        self.wake()

    def _terminal(self, task: MasterTask, state: str, message: str, reason=None, source="SOURCE_EXECUTOR",
                  exit_code=None) -> None:
        if task.state in TERMINAL_STATES:
            return
        self._update(task, state, message, reason, source, exit_code)
        if len(self.completed) == self.completed.maxlen:
            oldest = self.completed[0]
            if oldest.agent_id in self.agents:
                self.agents[oldest.agent_id].drop_records(oldest.task_id)
        self.tasks.pop(task.task_id, None)
        if self._agent_tasks.get(task.agent_id, {}).pop(task.task_id, None) is not None:
            self._agent_used[task.agent_id].subtract_all(task.resources)
        self.completed.append(task)
        agent = self.agents.get(task.agent_id)
        if agent is not None:
            agent.touch()
            agent.forget(task.task_id)
            if agent.active:
                # the container is destroyed: the docker/volume isolator unmounts its volumes. On a stopped
                # agent nothing runs the cleanup: the volumes stay attached until the agent comes back.
                agent.release_docker_volumes(task.task_id)

    def _unreachable(self, task: MasterTask, message: str) -> None:
        """TASK_UNREACHABLE: not terminal; the task leaves the agent's accounting and waits in `unreachable`."""
        self._update(task, "TASK_UNREACHABLE", message, "REASON_SLAVE_REMOVED", "SOURCE_MASTER")
        self.tasks.pop(task.task_id, None)
        if self._agent_tasks.get(task.agent_id, {}).pop(task.task_id, None) is not None:
            self._agent_used[task.agent_id].subtract_all(task.resources)
        self.unreachable[task.task_id] = task
        agent = self.agents.get(task.agent_id)
        if agent is not None:
            agent.touch()
            agent.forget(task.task_id)

    def deliver_statuses(self) -> int:
        """Hand queued status updates to their frameworks (cluster scheduler thread, lock held)."""
        delivered = 0
        while self._statuses:
            framework_id, status = self._statuses.popleft()
            framework = self.frameworks.get(framework_id) or self._only_framework()
            if framework is None or framework.on_status is None:
                continue
            try:
                framework.on_status(status)
            except Exception:  # noqa: BLE001 - a framework bug must not stop status delivery
                log.exception("status callback failed for %s", status)
            delivered += 1
        return delivered

    def pending_statuses(self) -> bool:
        return bool(self._statuses)

    # == operator API (used by http/mesos_routes.py) ================================================
    def operator(self, op_type: str, agent_id: str, raw_values: list, principal: str | None) -> None:
        """`_reserve` / `_unreserve` / `_createVolumes` / `_destroyVolumes` + `_operation`. Raises OperationError."""
        agent = self.agents.get(agent_id)
        if agent is None:
            raise OperationError(400, "No agent found with specified ID")
        try:
            resources = res.validate_and_upgrade(raw_values)
        except res.ResourceError as exc:
            raise OperationError(400, str(exc)) from None
        if op_type == "RESERVE":
            for r in raw_values:
                if r.allocation_role is not None:
                    raise OperationError(400, f"Invalid RESERVE operation on agent {agent}: A reserve operation was "
                                              "attempted with an allocated resource, but the operator API only "
                                              "allows reservations to be made to unallocated resources")
        total = agent.total
        used = self.used(agent)
        self._validate(op_type, resources, total, used, principal, agent)
        conv = ops.conversion(op_type, resources)
        ops.apply_conversion(total.minus(used), conv)
        new_total = total.copy()
        new_total.subtract_all(conv.consumed)
        new_total.add_all(conv.converted)
        agent.total = new_total
        self._commit_volumes(agent, resources if op_type == "CREATE" else [],
                             resources if op_type == "DESTROY" else [])
        self.wake()

    @staticmethod
    def _commit_volumes(agent: Agent, created, destroyed) -> None:
        """Make a reservation or volume change durable, then create / delete the volume directories.

        The checkpoint is fsynced before the operation is answered (the 202, or Marathon's next step), so a
        crash never undoes an answered operation. It is written before the directories change, so a crash in
        between leaves a volume whole or gone: a created volume missing its directory gets it when the
        checkpoint is loaded; a destroyed volume's left-over directory is removed at the next start
        (Cluster._remove_stale_volume_dirs). Real Mesos: the agent deletes a destroyed volume's directory
        and then checkpoints (a crash in between lists the volume with its data gone)."""
        agent.save_checkpoint(durable=True)
        for volume in destroyed:
            agent.destroy_volume_dir(volume)
        for volume in created:
            agent.create_volume_dir(volume)

    def labelled_reservations(self, key: str) -> dict:
        """{agent id: values of the reservation label `key` on that agent} from what the agents checkpoint
        (all agents, active or not). The Marathon core reconciles its reserved instances with it at start."""
        out = {}
        for agent in self.agents.values():
            values = set()
            for resource in agent.checkpointed():
                for reservation in resource.reservations:
                    for label, value in reservation.labels or ():
                        if label == key and value is not None:
                            values.add(value)
            out[agent.id] = values
        return out

    # == shutdown ===================================================================================
    def kill_all_processes(self, timeout: float = 5.0) -> None:
        """SIGKILL every task process group and wait for the reapers (no orphans after exit)."""
        procs = []
        for agent in self.agents.values():
            procs.extend(agent.kill_all_now())
        deadline = time.time() + timeout
        for proc in procs:
            proc.wait(max(0.0, deadline - time.time()))


def _container_json(spec: LaunchSpec) -> dict | None:
    """TaskInfo.container as `/state` shows it (protobuf JSON): the type and the volumes the framework gave.
    Real Mesos renders every ContainerInfo field the framework set (docker image, network info...); the
    emulator keeps the type and the volumes (host paths and DOCKER_VOLUME sources), which is what clients
    of external volumes read."""
    if spec.container_type is None:
        return None
    volumes = [{"container_path": v.container_path, "host_path": v.host_path, "mode": v.mode}
               for v in spec.host_volumes]
    volumes.extend(v.to_json() for v in spec.docker_volumes)
    out = {"type": spec.container_type}
    if volumes:
        out["volumes"] = volumes
    return out


def _strip_allocation(raw: res.RawResource) -> res.RawResource:
    """Framework operations carry offer resources with allocation_info; accounting ignores it."""
    raw.allocation_role = None
    return raw


def _signal_name(number: int) -> str:
    try:
        name = signal.Signals(number).name
    except ValueError:
        return str(number)
    return {"SIGTERM": "Terminated", "SIGKILL": "Killed", "SIGINT": "Interrupt", "SIGHUP": "Hangup",
            "SIGSEGV": "Segmentation fault", "SIGABRT": "Aborted"}.get(name, name)

