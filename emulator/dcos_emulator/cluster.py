"""Wires the emulator: one lock, the Mesos master and its agents, the Marathon core, persistence,
the HTTP servers and the event-driven scheduler thread (see DESIGN.md)."""

from __future__ import annotations

import dataclasses
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass

from dcos_emulator import domains, ids
from dcos_emulator.agents.agent import AGENT_PORT, Agent
from dcos_emulator.http import admin_routes, mesos_routes
from dcos_emulator.http.auth import MarathonAuth, MesosAuth, split_credentials
from dcos_emulator.http.counters import RequestCounters
from dcos_emulator.http.faults import FaultInjector
from dcos_emulator.http.router import Router
from dcos_emulator.http.server import EmulatorServer
from dcos_emulator.mesos import resources as res
from dcos_emulator.mesos import seed as seeding
from dcos_emulator.mesos.master import Master
from dcos_emulator.persistence import StateStore, read_json
from dcos_emulator.ui import routes as ui_routes

log = logging.getLogger(__name__)

STATE_VERSION = 1
SAVE_DELAY_SECONDS = 0.2  # coalesce bursts of scheduler-made Marathon changes into one journal line
MIN_COMPACT_BYTES = 4 * 1024 * 1024  # rewrite emulator.json when the journal outgrows it and this


@dataclass
class ClusterConfig:
    agents: int = 3
    host: str = "127.0.0.1"
    marathon_port: int = 8080
    mesos_port: int = 5050
    agent_port: int = 0                # 0: agents serve no /state endpoint
    agent_cpus: float = 4.0
    agent_mem: float = 8192.0
    agent_disk: float = 65536.0
    agent_ports: str = "31000-32000"
    marathon_credentials: str | None = None   # user:pass
    mesos_credentials: str | None = None      # principal:secret
    dcos_token: str | None = None
    mesos_role: str = "slave_public"
    principal: str = "dcos_marathon"
    marathon_version: str = "1.10.26"
    with_marathon: bool = True
    zones: tuple = ()                  # --zones: agents round-robin over these fault-domain zones
    rexray: object = None              # --rexray-config: a volumes.rexray_config.RexRayConfig (None: defaults)
    aws_endpoint_url: str | None = None   # --aws-endpoint-url: external volumes are EBS volumes there (moto)
    # --dcos-service-account: ((uid, public key PEM bytes), ...); the IAM's login is served when given
    service_accounts: tuple = ()
    dcos_token_ttl: int = 5 * 24 * 3600   # --dcos-token-ttl: lifetime of the tokens the IAM issues

    def agent_resources(self) -> res.Resources:
        return res.Resources([
            res.Resource.scalar("cpus", self.agent_cpus),
            res.Resource.scalar("mem", self.agent_mem),
            res.Resource.scalar("disk", self.agent_disk),
            res.Resource.ranges("ports", res.parse_range_text(self.agent_ports)),
        ])


def _volume_store(state_dir: str, config: ClusterConfig):
    """REX-Ray's store of external volumes: local, or EBS in EC2 with --aws-endpoint-url (needs boto3)."""
    from dcos_emulator.volumes.store import RexRay

    backend = None
    if config.aws_endpoint_url:
        from dcos_emulator.volumes.ebs_moto import Ec2Backend

        backend = Ec2Backend(config.aws_endpoint_url, config.zones, config.rexray)
    return RexRay(state_dir, config.rexray, backend)


class Cluster:
    def __init__(self, state_dir: str, config: ClusterConfig | None = None):
        self.config = config or ClusterConfig()
        if self.config.aws_endpoint_url and not self.config.zones:
            # EC2 instances live in an availability zone: without --zones, one zone of the AWS region.
            from dcos_emulator.volumes.ebs_moto import default_region

            self.config = dataclasses.replace(self.config, zones=(f"{default_region()}a",))
        self.store = StateStore(state_dir)
        self.state_dir = self.store.state_dir
        os.makedirs(self.state_dir, exist_ok=True)
        self.lock = threading.RLock()
        self._cond = threading.Condition(self.lock)
        self._woken = False
        self._stopping = False
        self._stopped = False
        self._save_due: float | None = None
        self._thread: threading.Thread | None = None
        self.counters = RequestCounters()
        self.faults = FaultInjector()
        self.servers: list[EmulatorServer] = []
        self.agent_servers: list[EmulatorServer] = []
        self.marathon = None
        self.marathon_server: EmulatorServer | None = None
        self.mesos_server: EmulatorServer | None = None

        saved, journal = self.store.load()
        saved = saved or {}
        self._snapshot_bytes = 0
        master_id = saved.get("master_id") or ids.master_uuid()
        self.framework_id = saved.get("framework_id") or ids.framework_id(master_id)
        self.master = Master(master_id, self.lock, self.wake, self.config.host, self.config.mesos_port)
        if self.config.zones:
            # The master runs in the first zone: its region is Marathon's home (local) region.
            first = self.config.zones[0]
            self.master.domain = {"fault_domain": {"region": {"name": domains.region_of(first)},
                                                   "zone": {"name": first}}}
        self.volumes = _volume_store(self.state_dir, self.config)
        count = max(self.config.agents, len(saved.get("agents", [])))
        for index in range(count):
            self._add_agent(index)
        # No container survives a stop: what the agents held is unmounted (the isolator's recovery).
        self.volumes.recover(self.master.agents)
        self._saved_marathon = saved.get("marathon")
        if journal:
            from dcos_emulator.marathon.state_delta import fold

            self._saved_marathon = fold(self._saved_marathon, journal)
            log.info("replayed %d Marathon journal records", len(journal))
        self._remove_stale_volume_dirs()

    # -- construction ---------------------------------------------------------------------------
    def _add_agent(self, index: int) -> Agent:
        agent_id = ids.agent_id(self.master.id, index)
        agent = Agent(agent_id, index, ids.agent_hostname(index), self.store.agent_dir(agent_id),
                      self.config.agent_resources(), self.config.agent_port or AGENT_PORT)
        zone = domains.zone_of_agent(tuple(self.config.zones), index)
        if zone is not None:
            agent.zone, agent.region = zone, domains.region_of(zone)
        agent.load_checkpoint()
        self.volumes.register_agent(agent.id, agent.zone)
        agent.volume_drivers = {"rexray": self.volumes}
        self.master.add_agent(agent)
        return agent

    def _marathon_core(self, marathon_url_port: int):
        if not self.config.with_marathon:
            return None
        try:
            from dcos_emulator.marathon.config import MarathonConfig
            from dcos_emulator.marathon.core import Marathon
        except ModuleNotFoundError as exc:
            if not (exc.name or "").startswith("dcos_emulator.marathon"):
                raise
            log.warning("Marathon core not available (%s): serving the Mesos APIs only", exc)
            return None
        wanted = {
            "framework_id": self.framework_id, "hostname": self.config.host, "http_port": marathon_url_port,
            "mesos_master_url": f"http://{self.config.host}:{self.mesos_server.port}",
            "mesos_role": self.config.mesos_role, "principal": self.config.principal,
            "version": self.config.marathon_version,
        }
        known = {f.name for f in dataclasses.fields(MarathonConfig)} if dataclasses.is_dataclass(MarathonConfig) \
            else set(wanted)
        config = MarathonConfig(**{k: v for k, v in wanted.items() if k in known})
        return Marathon(self.master, config, lock=self.lock, wake=self.wake, persist=self.persist)

    # -- life cycle -------------------------------------------------------------------------------
    def start(self) -> Cluster:
        cfg = self.config
        mesos_router, marathon_router = Router(), Router()
        self.iam = None
        if cfg.service_accounts:
            from dcos_emulator.http.iam import Iam

            self.iam = Iam(dict(cfg.service_accounts), cfg.dcos_token_ttl)
        mesos_auth = MesosAuth(split_credentials(cfg.mesos_credentials), iam=self.iam, token=cfg.dcos_token)
        marathon_auth = MarathonAuth(split_credentials(cfg.marathon_credentials), cfg.dcos_token, iam=self.iam)
        self.mesos_server = EmulatorServer(
            "mesos", cfg.host, cfg.mesos_port, mesos_router, self.counters, self.faults,
            auth=lambda request: mesos_auth.check(request, mesos_routes.is_readonly(request)))
        self.marathon_server = EmulatorServer(
            "marathon", cfg.host, cfg.marathon_port, marathon_router, self.counters, self.faults,
            auth=marathon_auth.check if marathon_auth.enabled else None, server_header="Jetty(9.4.31.v20200723)")
        self.servers = [self.mesos_server, self.marathon_server]
        self.master.port = self.mesos_server.port
        self.master.flags["authenticate_http_readwrite"] = "true" if mesos_auth.enabled else "false"
        self.master.flags["work_dir"] = self.state_dir
        mesos_routes.register(mesos_router, self)
        admin_routes.register(mesos_router, self)
        admin_routes.register(marathon_router, self)
        ui_routes.register(marathon_router, self)   # the Volumes page at / (emulator/README.md)
        if self.iam is not None:
            # On DC/OS, Admin Router serves the IAM at the cluster root; the Marathon port plays that role.
            from dcos_emulator.http.iam import LOGIN_PATH

            marathon_router.add("POST", LOGIN_PATH, self.iam.login)
        with self.lock:
            self.marathon = self._marathon_core(self.marathon_server.port)
            if self.marathon is not None:
                from dcos_emulator.http import marathon_routes

                if self._saved_marathon is not None and hasattr(self.marathon, "restore"):
                    self.marathon.restore(self._saved_marathon)
                if hasattr(self.marathon, "start"):
                    self.marathon.start()
                marathon_routes.register(marathon_router, self.marathon)
            self.save_state()
        if cfg.agent_port:
            for agent in self.master.agents.values():
                self._start_agent_server(agent)
        for server in self.servers:
            server.start()
        self._thread = threading.Thread(target=self._run, name="scheduler", daemon=True)
        self._thread.start()
        log.info("Marathon on %s, Mesos on %s, %d agents, state in %s", self.marathon_url, self.mesos_url,
                 len(self.master.agents), self.state_dir)
        return self

    def _start_agent_server(self, agent: Agent) -> None:
        router = Router()
        mesos_routes.register_agent(router, self, agent)
        server = EmulatorServer(f"agent-{agent.index}", agent.hostname, self.config.agent_port, router,
                                self.counters, self.faults)
        server.start()
        self.agent_servers.append(server)

    def stop(self) -> None:
        """Stop serving, save state, kill every task process group (no orphans). Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self.faults.release.set()
        for server in self.agent_servers + self.servers:
            try:
                server.stop()
            except Exception:  # noqa: BLE001
                log.exception("stopping %s failed", server.name)
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
        with self.lock:
            self.save_state()
            self.master.kill_all_processes()
            for agent in self.master.agents.values():
                agent.processes.clear()
                agent.save_checkpoint()
            close = getattr(self.marathon, "close", None)
            if close is not None:
                try:
                    close()
                except Exception:  # noqa: BLE001
                    log.exception("closing the Marathon core failed")
            self.store.journal.close()

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def marathon_url(self) -> str:
        return self.marathon_server.url if self.marathon_server else ""

    @property
    def mesos_url(self) -> str:
        return self.mesos_server.url if self.mesos_server else ""

    # -- scheduler thread ---------------------------------------------------------------------------
    def wake(self) -> None:
        """Anything that changed state calls this; the scheduler loop runs again at once."""
        with self._cond:
            self._woken = True
            self._cond.notify_all()

    def _run(self) -> None:
        with self._cond:
            while not self._stopping:
                self._woken = False
                self.master.deliver_statuses()
                now = time.time()
                deadline = None
                if self.marathon is not None:
                    try:
                        deadline = self.marathon.tick(now)
                    except Exception:  # noqa: BLE001 - keep scheduling; the bug is logged
                        log.exception("marathon.tick failed")
                        deadline = now + 1.0
                    if getattr(self.marathon, "dirty", False) and self._save_due is None:
                        self._save_due = now + SAVE_DELAY_SECONDS
                if self._save_due is not None and now >= self._save_due:
                    self._save_due = None
                    self._persist_or_compact()
                if self._woken or self.master.pending_statuses():
                    continue
                due = [d for d in (deadline, self._save_due) if d is not None]
                timeout = max(0.0, min(due) - time.time()) if due else None
                self._cond.wait(timeout)

    # -- persistence ----------------------------------------------------------------------------------
    def persist(self) -> None:
        """Make Marathon's changes durable now (lock held): one fsynced journal line with what changed.

        The Marathon core calls this before it answers a write and before it asks the agents to reserve
        or destroy anything (real Marathon stores to ZooKeeper first), so a 2xx survives kill -9 and the
        agents never hold a reservation Marathon has not recorded nor lose one it still uses."""
        if self.marathon is None or not hasattr(self.marathon, "delta"):
            return
        delta = self.marathon.delta()
        if delta is not None:
            self.store.append(delta)

    def _persist_or_compact(self) -> None:
        """The scheduler's deferred save: a journal line, or a full snapshot when the journal has grown
        past the snapshot's size (so the journal replayed at start stays small)."""
        if self.store.journal.size > max(MIN_COMPACT_BYTES, self._snapshot_bytes):
            self.save_state()
        else:
            self.persist()
            if self.marathon is not None and hasattr(self.marathon, "dirty"):
                self.marathon.dirty = False

    def save_state(self) -> None:
        """Write emulator.json durably and start a new journal (lock held). Agent checkpoints are written
        by the agents themselves."""
        marathon_state = None
        if self.marathon is not None and hasattr(self.marathon, "snapshot"):
            try:
                marathon_state = self.marathon.snapshot()
                if hasattr(self.marathon, "dirty"):
                    self.marathon.dirty = False
            except Exception:  # noqa: BLE001
                log.exception("marathon.snapshot failed; keeping the previous Marathon state")
                self.persist()   # what the journal holds must not be lost with it
                return
        elif self._saved_marathon is not None:
            marathon_state = self._saved_marathon
        self.store.save({
            "version": STATE_VERSION,
            "master_id": self.master.id,
            "framework_id": self.framework_id,
            "agents": [{"id": a.id, "index": a.index, "hostname": a.hostname} for a in self.master.agents.values()],
            "marathon": marathon_state,
        })
        self._snapshot_bytes = os.path.getsize(self.store.path)

    def _remove_stale_volume_dirs(self) -> None:
        """Delete volume directories no checkpoint lists: what a crash between checkpointing a DESTROY and
        deleting its directory left behind (see Master._commit_volumes). Only agents whose checkpoint was
        read count (an unreadable one removes nothing); symlinks and files are left alone."""
        for agent in self.master.agents.values():
            listed_paths = _checkpointed_volume_paths(agent)
            if listed_paths is None:
                continue
            roles_dir = os.path.join(agent.work_dir, "volumes", "roles")
            for role_dir in _real_dirs(roles_dir):
                for volume_dir in _real_dirs(role_dir):
                    if volume_dir not in listed_paths:
                        log.warning("agent %s: removing %s, destroyed before a crash", agent.id, volume_dir)
                        shutil.rmtree(volume_dir, ignore_errors=True)

    # -- admin (tests and benchmarks; http/admin_routes.py): each takes the lock itself ------------------
    def _agent(self, agent_id: str) -> Agent:
        agent = self.master.agents.get(agent_id)
        if agent is None:
            raise UnknownAgent(agent_id)
        return agent

    def stop_agent(self, agent_id: str) -> None:
        """Raises UnknownAgent."""
        with self.lock:
            self._agent(agent_id)
            self.master.stop_agent(agent_id)

    def start_agent(self, agent_id: str) -> None:
        """Raises UnknownAgent."""
        with self.lock:
            self._agent(agent_id)
            self.master.start_agent(agent_id)

    def agents_summary(self) -> list[dict]:
        with self.lock:
            return [{"id": a.id, "hostname": a.hostname, "active": a.active, "work_dir": a.work_dir,
                     "tasks": sorted(t.task_id for t in self.master.tasks.values() if t.agent_id == a.id)}
                    for a in self.master.agents.values()]

    def seed(self, spec) -> dict:
        """Bulk reservations and volumes (mesos/seed.py); raises OperationError."""
        with self.lock:
            return seeding.seed(self, spec)

    def external_volumes(self) -> dict:
        """The external volume store as REX-Ray's `volume ls` shows it, plus where each volume's data lives."""
        store = self.volumes
        with self.lock:
            return {"driver": "rexray", "backend": store.backend_name,
                    "volumes": [_volume_json(store, v) for v in store.volumes()]}

    def describe(self) -> dict:
        with self.lock:
            return {"state_dir": self.state_dir, "master_id": self.master.id, "framework_id": self.framework_id,
                    "marathon_url": self.marathon_url, "mesos_url": self.mesos_url,
                    "agents": len(self.master.agents), "tasks": len(self.master.tasks)}


def _volume_json(store, volume) -> dict:
    return {"id": volume.id, "name": volume.name, "tagName": store.config.full_name(volume.name),
            "size": volume.size, "type": volume.type, "iops": volume.iops, "fsType": volume.fs_type,
            "zone": volume.zone, "state": volume.state, "attachedTo": volume.attached_to,
            "dataDir": store.mount_path(volume)}


class UnknownAgent(LookupError):
    """An admin call named an agent the cluster does not have."""


def _checkpointed_volume_paths(agent: Agent) -> set | None:
    """The directories of the volumes the agent's checkpoint file lists, None if it cannot be read."""
    data = read_json(agent.checkpoint_path)
    if not isinstance(data, dict) or not isinstance(data.get("resources"), list):
        return None
    paths = set()
    for raw in data["resources"]:
        try:
            persistence_id = raw["disk"]["persistence"]["id"]
            reservations = raw.get("reservations")
            role = reservations[-1]["role"] if reservations else raw["role"]
        except (KeyError, TypeError, IndexError):
            continue
        paths.add(agent.volume_path(role, persistence_id))
    return paths


def _real_dirs(directory: str) -> list:
    """Sub-directories of `directory` that are not symlinks (none if it does not exist)."""
    try:
        with os.scandir(directory) as entries:
            return [e.path for e in entries if e.is_dir(follow_symlinks=False)]
    except OSError:
        return []
