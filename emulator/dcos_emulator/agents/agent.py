"""A simulated Mesos agent: work dir, volume directories, task sandboxes and processes, checkpoint."""

from __future__ import annotations

import logging
import os
import time

from dcos_emulator import ids
from dcos_emulator.agents.fs_jail import FsJail
from dcos_emulator.agents.mounts import LaunchError, Mount, lay_out, sandbox_parts
from dcos_emulator.agents.process import TaskProcess, kill_stale_group
from dcos_emulator.mesos import resources as res
from dcos_emulator.mesos.types import LaunchSpec
from dcos_emulator.persistence import atomic_write_json, read_json

log = logging.getLogger(__name__)

AGENT_PORT = 5051  # what a real agent listens on; reported in SlaveInfo.port and its pid


__all__ = ["AGENT_PORT", "Agent", "LaunchError"]


_BASE_ENV: dict | None = None


def _base_environment() -> dict:
    """The emulator's environment when the first task started: tasks inherit it, like an agent's executors."""
    global _BASE_ENV
    if _BASE_ENV is None:
        _BASE_ENV = dict(os.environ)
    return _BASE_ENV


class Agent:
    def __init__(self, agent_id: str, index: int, hostname: str, work_dir: str, configured: res.Resources,
                 port: int = AGENT_PORT):
        self.id = agent_id
        self.index = index
        self.hostname = hostname
        self.port = port  # --agent-port when agents serve /state, else the real default (nothing listens)
        self.work_dir = work_dir
        self.configured = configured          # what the agent was started with (all unreserved)
        # Bumped on every change the master endpoints render (cache key of their JSON).
        self.revision = 0
        self.render_cache: dict = {}
        self._total = configured.copy()       # with dynamic reservations and volumes applied
        self._active = True
        self.registered_time = time.time()
        self.reregistered_time: float | None = None
        self.processes: dict[str, TaskProcess] = {}
        self.sandboxes: dict[str, str] = {}
        self.envs: dict[str, dict] = {}
        # Fault domain (--zones): Mesos's DomainInfo.fault_domain; None = no domain configured.
        self.region: str | None = None
        self.zone: str | None = None
        # docker/volume isolator: volume drivers reachable through dvdcli (name -> driver with
        # mount(agent_id, name, options) -> host path and unmount(agent_id, name)), and what each container mounted.
        self.volume_drivers: dict = {}
        self.docker_volume_mounts: dict[str, list[tuple[str, str]]] = {}
        # The work dir is <state-dir>/agents/<id>: made from the state dir without following links,
        # then every change of this agent stays inside it (see fs_jail).
        state_dir = os.path.dirname(os.path.dirname(os.path.normpath(os.path.abspath(work_dir))))
        os.makedirs(state_dir, exist_ok=True)
        FsJail(state_dir).makedirs(work_dir)
        self.fs = FsJail(work_dir)

    @property
    def total(self) -> res.Resources:
        return self._total

    @total.setter
    def total(self, value: res.Resources) -> None:
        # Never mutated in place once assigned: operations build a new Resources and assign it.
        self._total = value
        self.touch()

    @property
    def active(self) -> bool:
        return self._active

    @active.setter
    def active(self, value: bool) -> None:
        self._active = value
        self.touch()

    def touch(self) -> None:
        self.revision += 1

    def domain_json(self) -> dict | None:
        """`DomainInfo` as Mesos renders it (agent `domain`), or None when the agent has no fault domain."""
        if self.zone is None:
            return None
        return {"fault_domain": {"region": {"name": self.region}, "zone": {"name": self.zone}}}

    @property
    def pid(self) -> str:
        return f"slave(1)@{self.hostname}:{self.port}"

    def __str__(self) -> str:  # stringify(*slave) in master messages
        return f"{self.id} at {self.pid} ({self.hostname})"

    # -- resources ----------------------------------------------------------------------------
    def checkpointed(self) -> res.Resources:
        """Dynamically reserved resources and volumes (what a real agent checkpoints)."""
        return self.total.filter(lambda r: bool(r.reservations))

    # -- volumes --------------------------------------------------------------------------------
    def volume_path(self, role: str, persistence_id: str) -> str:
        # Mesos replaces "/" of hierarchical roles by " " in the directory name.
        return os.path.join(self.work_dir, "volumes", "roles", role.replace("/", " "), persistence_id)

    def create_volume_dir(self, volume: res.Resource) -> None:
        path = self.volume_path(volume.role, volume.persistence_id)
        try:
            self.fs.makedirs(path)
        except OSError as exc:  # the ids are validated: only a damaged work dir gets here
            log.error("agent %s: cannot create volume directory %s: %s", self.id, path, exc)

    def destroy_volume_dir(self, volume: res.Resource) -> None:
        # Mesos >= 1.0 deletes the data on DESTROY. Links a task left in the volume are removed, never
        # what they point at.
        path = self.volume_path(volume.role, volume.persistence_id)
        try:
            self.fs.remove_tree(path)
        except OSError as exc:
            log.error("agent %s: cannot remove volume directory %s: %s", self.id, path, exc)

    # -- tasks ----------------------------------------------------------------------------------
    def sandbox_path(self, framework_id: str, task_id: str, container: str) -> str:
        return os.path.join(self.work_dir, "slaves", self.id, "frameworks", framework_id, "executors", task_id,
                            "runs", container)

    def task_environment(self, spec: LaunchSpec, framework_id: str, sandbox: str) -> dict:
        """What the task adds to the inherited environment (kept per task; see `environment()`)."""
        env = {
            "MESOS_SANDBOX": sandbox,
            "MESOS_DIRECTORY": sandbox,
            "MESOS_TASK_ID": spec.task_id,
            "MESOS_EXECUTOR_ID": spec.task_id,
            "MESOS_FRAMEWORK_ID": framework_id,
            "MESOS_AGENT_ID": self.id,
            "MESOS_SLAVE_ID": self.id,
            "HOST": self.hostname,
            "LIBPROCESS_IP": self.hostname,
        }
        ports = [str(p) for p in spec.ports]
        if ports:
            env["PORTS"] = ",".join(ports)
            env["PORT"] = ports[0]
            for i, port in enumerate(ports):
                env[f"PORT{i}"] = port
                name = spec.port_names[i] if i < len(spec.port_names) else None
                if name:
                    env["PORT_" + "".join(c if c.isalnum() else "_" for c in name).upper()] = port
        env.update({str(k): str(v) for k, v in spec.env.items()})
        return env

    def prepare_sandbox(self, spec: LaunchSpec, framework_id: str, mounts: list) -> str:
        """Create the sandbox and lay out its volumes (mounts: [(role, persistence_id, container_path)]
        of the persistent volumes, then `spec.host_volumes`, in that order). Raises LaunchError / OSError."""
        sandbox = self.sandbox_path(framework_id, spec.task_id, ids.container_id())
        self.fs.makedirs(sandbox)
        try:
            self.fs.symlink(os.path.basename(sandbox), os.path.join(os.path.dirname(sandbox), "latest"))
        except OSError as exc:
            log.warning("cannot update the latest link of %s: %s", sandbox, exc)
        # Mesos's container logger creates the sandbox's stdout and stderr before the volumes are mounted.
        for name in ("stdout", "stderr"):
            os.close(self.fs.open_append(os.path.join(sandbox, name)))
        # Real Mesos bind-mounts persistent and host volumes; here they are symlinks (see mounts.py).
        layout = [Mount(container_path, self.volume_path(role, persistence_id), "persistent volume")
                  for role, persistence_id, container_path in mounts]
        layout.extend(self._host_volume_mount(sandbox, volume) for volume in spec.host_volumes)
        layout.extend(self._docker_volume_mounts(spec))
        lay_out(self.fs, sandbox, layout)
        return sandbox

    def _docker_volume_mounts(self, spec: LaunchSpec) -> list[Mount]:
        """The docker/volume isolator (`prepare`): one `dvdcli mount` per DOCKER_VOLUME source; the printed
        path is bind-mounted at the container path. Mounts are recorded as they succeed, so a failure
        part-way unmounts the earlier ones at cleanup. Raises LaunchError with Mesos's message."""
        seen = set()
        for volume in spec.docker_volumes:
            key = (volume.driver, volume.name)
            if key in seen:
                raise LaunchError(f"Found duplicate docker volume with driver '{volume.driver}' and name "
                                  f"'{volume.name}'")
            seen.add(key)
        if spec.container_type == "DOCKER" and len({v.driver for v in spec.docker_volumes}) > 1:
            raise LaunchError("Only one volume driver is supported")
        mounts = []
        for volume in spec.docker_volumes:
            # Real Mesos DOCKER containerizer: `docker run -v <name>:<path> --volume-driver=<driver>`, the
            # driver options are not passed (an implicit create gets the plugin's defaults).
            options = {} if spec.container_type == "DOCKER" else volume.driver_options
            driver = self.volume_drivers.get(volume.driver)
            if driver is None:
                # Real dvdcli: the Docker volume plugin is looked up by name and not found (inferred wording).
                raise LaunchError("Unexpected termination of the subprocess: VolumeDriver.Mount: error looking up "
                                  f"volume plugin {volume.driver}: plugin \"{volume.driver}\" not found")
            try:
                path = driver.mount(self.id, volume.name, options)
            except Exception as exc:  # noqa: BLE001 - a dvdcli failure of any kind fails the launch
                raise LaunchError(f"Unexpected termination of the subprocess: {exc}") from None
            self.docker_volume_mounts.setdefault(spec.task_id, []).append((volume.driver, volume.name))
            mounts.append(Mount(volume.container_path, path, "external volume"))
        return mounts

    def release_docker_volumes(self, task_id: str) -> None:
        """The docker/volume isolator's `cleanup`: `dvdcli unmount` each volume of the container, skipped
        while another container on this agent still uses the same driver and name (agent-local count)."""
        for driver_name, name in self.docker_volume_mounts.pop(task_id, []):
            if any((driver_name, name) in used for used in self.docker_volume_mounts.values()):
                continue
            driver = self.volume_drivers.get(driver_name)
            if driver is None:
                continue
            try:
                driver.unmount(self.id, name)
            except Exception as exc:  # noqa: BLE001 - Mesos logs a failed cleanup and goes on
                log.error("agent %s: Failed to clean up an isolator when destroying container of %s: %s",
                          self.id, task_id, exc)

    def recover_docker_volumes(self, live_task_ids: set) -> None:
        """The agent restarted: REX-Ray forgot its counts, and the containers of tasks that are gone are
        destroyed, which unmounts their volumes."""
        for driver in self.volume_drivers.values():
            restarted = getattr(driver, "agent_restarted", None)
            if restarted is not None:
                restarted(self.id)
        for task_id in [t for t in self.docker_volume_mounts if t not in live_task_ids]:
            self.release_docker_volumes(task_id)

    def _host_volume_mount(self, sandbox: str, volume) -> Mount:
        """An absolute hostPath is that host path, linked as it is (never created or changed); a relative
        one is a directory in the sandbox (a Mesos SANDBOX_PATH volume), created here."""
        if os.path.isabs(volume.host_path):
            if not os.path.exists(volume.host_path):
                raise LaunchError(f"Path '{volume.host_path}' in HOST_PATH volume does not exist")
            return Mount(volume.container_path, volume.host_path, "host volume")
        source = os.path.join(sandbox, *sandbox_parts(volume.host_path, "host volume", "host path"))
        self.fs.makedirs(source)
        return Mount(volume.container_path, source, "host volume")

    def launch(self, spec: LaunchSpec, framework_id: str, mounts: list, on_exit) -> TaskProcess | None:
        """Start the task; returns None for a task without a process. Raises LaunchError / OSError."""
        sandbox = self.prepare_sandbox(spec, framework_id, mounts)
        self.sandboxes[spec.task_id] = sandbox
        self.envs[spec.task_id] = self.task_environment(spec, framework_id, sandbox)
        if spec.no_process:
            return None
        if spec.command is None and not spec.args:
            raise LaunchError("neither a command nor args to run")
        proc = TaskProcess(spec.task_id, self.environment(spec.task_id), sandbox, on_exit, shell=spec.command,
                           argv=None if spec.command is not None else [str(a) for a in spec.args])
        stdout = self.fs.open_append(os.path.join(sandbox, "stdout"))
        try:
            stderr = self.fs.open_append(os.path.join(sandbox, "stderr"))
        except BaseException:
            os.close(stdout)
            raise
        proc.start(stdout, stderr)
        self.processes[spec.task_id] = proc
        self.save_checkpoint()
        return proc

    def environment(self, task_id: str) -> dict | None:
        """The full environment the task's process gets (inherited + task variables)."""
        own = self.envs.get(task_id)
        if own is None:
            return None
        env = dict(_base_environment())
        env.update(own)
        return env

    def drop_records(self, task_id: str) -> None:
        """The master no longer lists the task: forget its sandbox path and variables (the files stay)."""
        self.sandboxes.pop(task_id, None)
        self.envs.pop(task_id, None)

    def forget(self, task_id: str) -> None:
        """The task is terminal: drop the process handle (the sandbox stays, as on Mesos until GC)."""
        if self.processes.pop(task_id, None) is not None:
            self.save_checkpoint()

    def kill(self, task_id: str, grace_seconds: float) -> bool:
        proc = self.processes.get(task_id)
        if proc is None:
            return False
        proc.kill(grace_seconds)
        return True

    def kill_all_now(self) -> list:
        procs = list(self.processes.values())
        for proc in procs:
            proc.kill_now()
        return procs

    # -- checkpoint -----------------------------------------------------------------------------
    @property
    def checkpoint_path(self) -> str:
        return os.path.join(self.work_dir, "checkpoint.json")

    def save_checkpoint(self, durable: bool = False) -> None:
        """durable: fsynced (reservations and volumes changed); task starts and exits are only atomic."""
        atomic_write_json(self.checkpoint_path, {
            "agent_id": self.id,
            "index": self.index,
            "hostname": self.hostname,
            "resources": self.checkpointed().to_json(),
            "processes": [
                {"task_id": task_id, "pgid": p.pgid, "start_ticks": p.start_ticks}
                for task_id, p in self.processes.items() if not p.exited.is_set()
            ],
        }, fsync=durable)

    def load_checkpoint(self) -> None:
        """Re-apply checkpointed reservations and volumes; kill task processes a crashed emulator left behind."""
        data = read_json(self.checkpoint_path)
        if not data:
            return
        for proc in data.get("processes", []):
            if kill_stale_group(proc.get("pgid") or 0, proc.get("start_ticks")):
                log.warning("agent %s: killed leftover process group of task %s", self.id, proc.get("task_id"))
        try:
            checkpointed = res.from_json_list(data.get("resources", []))
        except (res.ParseError, res.ResourceError) as exc:
            log.error("agent %s: unreadable checkpoint: %s", self.id, exc)
            return
        total = self.configured.copy()
        for resource in checkpointed:
            base = resource.unreserved()
            if not total.contains_one(base):
                log.warning("agent %s: checkpointed %s exceeds the configured resources; kept anyway", self.id,
                            resource)
            total.subtract(base)
            total.add(resource)
            if resource.is_persistent_volume():
                self.create_volume_dir(resource)
        self.total = total
        self.save_checkpoint()
