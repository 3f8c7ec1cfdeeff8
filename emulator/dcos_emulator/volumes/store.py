"""The external volume store: dvdcli + REX-Ray on the agents, over a block-storage backend.

Models return objects (`Volume`); the admin route renders them. Two backends with one interface:
`LocalBackend` (volumes in `<state-dir>/volumes/rexray.json`) and `Ec2Backend` (EBS volumes in EC2, e.g.
a moto_server; ebs_moto.py). Either way a volume's data is a real directory
`<state-dir>/volumes/rexray/<volume id>/` (the file system on the block device) and the task sees its `data`
sub-directory (REX-Ray's rootPath), created and changed only through an `FsJail` rooted at `<state-dir>/volumes`.

What dvdcli + REX-Ray do, followed here (facts: external-volumes.md section 4):
* `dvdcli mount --volumedriver=rexray --volumename=N [--volumeopts=k=v ...]`: REX-Ray looks N up **in the
  agent's availability zone only** and, without preempt, only among volumes "attached to this instance or
  available"; when none is found it creates N implicitly (options or the configured defaults: 16 GiB, ext4)
  in the agent's zone, which fails with `volume name already exists` when N exists there attached to another
  instance. Then it attaches the volume (with preempt: force-detaches it from the other instance first),
  mounts it, and counts the mount.
* `dvdcli unmount`: the count goes down (every unmount proceeds with ignoreusedcount); at 0 REX-Ray
  unmounts and detaches (EBS `available`). Volumes are never deleted here: app delete keeps them.
* A volume in another zone is invisible: a task placed there gets an empty twin with the same name.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from dataclasses import dataclass

from dcos_emulator.agents.fs_jail import FsJail
from dcos_emulator.persistence import atomic_write_json, read_json
from dcos_emulator.volumes.rexray_config import RexRayConfig

log = logging.getLogger(__name__)

DRIVER = "rexray"
MIN_SIZE_GIB = 1


class VolumeError(Exception):
    """A failed dvdcli call; the message is what dvdcli prints on stderr (the task fails with it)."""


class BackendError(RuntimeError):
    """The block-storage API refused (message as the API words it)."""


@dataclass
class Volume:
    id: str
    name: str                 # REX-Ray's name (without the ebs.tag prefix)
    size: int                 # GiB
    type: str                 # "" = the backend's default
    zone: str | None          # availability zone; None without --zones (one implicit zone)
    attached_to: str | None   # agent id, or None when available
    created: float
    iops: int | None = None
    fs_type: str = "ext4"

    @property
    def state(self) -> str:
        return "attached" if self.attached_to else "available"

    def to_record(self) -> dict:
        return {"id": self.id, "name": self.name, "size": self.size, "type": self.type, "zone": self.zone,
                "attached_to": self.attached_to, "created": self.created, "iops": self.iops,
                "fs_type": self.fs_type}

    @classmethod
    def from_record(cls, data: dict) -> Volume:
        return cls(data["id"], data["name"], int(data["size"]), data.get("type") or "", data.get("zone"),
                   data.get("attached_to"), float(data.get("created") or 0.0), data.get("iops"),
                   data.get("fs_type") or "ext4")


def new_volume_id() -> str:
    return "vol-" + secrets.token_hex(9)[:17]


class LocalBackend:
    """Volumes and their attachments in `<state-dir>/volumes/rexray.json` (atomic writes)."""

    name = "local"

    def __init__(self, path: str):
        self.path = path
        data = read_json(path) or {}
        self._volumes: dict[str, Volume] = {}
        for record in data.get("volumes", []):
            try:
                volume = Volume.from_record(record)
            except (KeyError, TypeError, ValueError) as exc:
                log.error("%s: unreadable volume record %r: %s", path, record, exc)
                continue
            self._volumes[volume.id] = volume

    def _save(self) -> None:
        atomic_write_json(self.path, {"volumes": [v.to_record() for v in self._volumes.values()]})

    def register_agent(self, agent_id: str, zone: str | None) -> None:
        """Nothing to do: an agent is known by its id."""

    def volumes(self) -> list[Volume]:
        return sorted(self._volumes.values(), key=lambda v: (v.created, v.id))

    def create(self, name: str, size: int, volume_type: str, zone: str | None, iops: int | None,
               fs_type: str) -> Volume:
        volume = Volume(new_volume_id(), name, size, volume_type, zone, None, time.time(), iops, fs_type)
        self._volumes[volume.id] = volume
        self._save()
        return volume

    def attach(self, volume: Volume, agent_id: str, agent_zone: str | None) -> None:
        current = self._volumes[volume.id]
        if current.attached_to is not None and current.attached_to != agent_id:
            raise BackendError("volume already attached to a host")
        if current.zone != agent_zone:
            raise BackendError(f"volume {volume.id} is in zone {current.zone}, the instance in {agent_zone}")
        current.attached_to = agent_id
        volume.attached_to = agent_id
        self._save()

    def detach(self, volume: Volume, agent_id: str | None) -> None:
        """Detach from `agent_id` (None: from whatever holds it, as a forced detach)."""
        current = self._volumes[volume.id]
        if current.attached_to is None or (agent_id is not None and current.attached_to != agent_id):
            return
        current.attached_to = None
        volume.attached_to = None
        self._save()


class RexRay:
    """dvdcli + the REX-Ray service of every agent (one driver, `rexray`), over one backend."""

    def __init__(self, state_dir: str, config: RexRayConfig | None = None, backend=None):
        self.config = config or RexRayConfig()
        self.root = os.path.join(state_dir, "volumes")
        os.makedirs(self.root, exist_ok=True)
        self.fs = FsJail(self.root)
        self.backend = backend if backend is not None else LocalBackend(os.path.join(self.root, "rexray.json"))
        self._lock = threading.RLock()
        self._agent_zones: dict[str, str | None] = {}
        self._used: dict[tuple[str, str], int] = {}   # (agent id, volume id) -> REX-Ray's in-memory mount count

    # -- agents ---------------------------------------------------------------------------------------
    def register_agent(self, agent_id: str, zone: str | None) -> None:
        with self._lock:
            self._agent_zones[agent_id] = zone
            self.backend.register_agent(agent_id, zone)

    def agent_restarted(self, agent_id: str) -> None:
        """REX-Ray restarted with the agent: its in-memory mount counts are gone."""
        with self._lock:
            for key in [k for k in self._used if k[0] == agent_id]:
                del self._used[key]

    def recover(self, agent_ids) -> None:
        """Emulator start: no container survived the stop, so the isolator's recovery unmounted every volume
        the agents held (Mesos docker/volume isolator `recover`); detach what is still attached to them."""
        with self._lock:
            wanted = set(agent_ids)
            for volume in self.backend.volumes():
                if volume.attached_to in wanted:
                    log.info("volume %s (%s): detached from %s at recovery", volume.name, volume.id,
                             volume.attached_to)
                    self.backend.detach(volume, volume.attached_to)

    # -- queries --------------------------------------------------------------------------------------
    @property
    def backend_name(self) -> str:
        return self.backend.name

    def volumes(self) -> list[Volume]:
        with self._lock:
            return self.backend.volumes()

    def data_dir(self, volume: Volume) -> str:
        """The volume's file system (what the block device holds)."""
        return os.path.join(self.root, DRIVER, volume.id)

    def mount_path(self, volume: Volume) -> str:
        """What dvdcli prints: the mount point plus REX-Ray's rootPath `/data`."""
        return os.path.join(self.data_dir(volume), "data")

    def _visible(self, name: str, zone: str | None, agent_id: str) -> list[Volume]:
        """libStorage `VolumeInspectByName` from this agent: same name, same zone; without preempt only
        volumes attached to this agent or available."""
        found = []
        for volume in self.backend.volumes():
            if volume.name != name or volume.zone != zone:
                continue
            if not self.config.preempt and volume.attached_to not in (None, agent_id):
                continue
            found.append(volume)
        return found

    # -- dvdcli ----------------------------------------------------------------------------------------
    def mount(self, agent_id: str, name: str, options: dict) -> str:
        """`dvdcli mount`: the host path to bind-mount; raises VolumeError(dvdcli's stderr)."""
        with self._lock:
            zone = self._agent_zones.get(agent_id)
            found = self._visible(name, zone, agent_id)
            volume = found[0] if found else self._create(name, zone, options)
            if volume.attached_to not in (None, agent_id):
                # only reachable with preempt: force-detach from the other instance (a power-off for it)
                log.info("volume %s (%s): preempted from %s by %s", name, volume.id, volume.attached_to, agent_id)
                self.backend.detach(volume, None)
            if volume.attached_to != agent_id:
                try:
                    self.backend.attach(volume, agent_id, zone)
                except BackendError as exc:
                    raise VolumeError(f"Plugin Error: VolumeDriver.Mount, {{\"Error\":\"{exc}\"}}") from None
            path = self.mount_path(volume)
            self.fs.makedirs(path)
            key = (agent_id, volume.id)
            self._used[key] = self._used.get(key, 0) + 1
            return path

    def _create(self, name: str, zone: str | None, options: dict) -> Volume:
        """REX-Ray implicit create (dvdcli passes the options only here)."""
        cfg = self.config
        if not cfg.implicit_create:
            raise VolumeError(f"Plugin Error: VolumeDriver.Mount, {{\"Error\":\"volume not found: {name}\"}}")
        if any(v.name == name and v.zone == zone for v in self.backend.volumes()):
            # Real REX-Ray: the volume exists in this zone but is attached to another instance, so the lookup
            # above did not see it and the create refuses the name (dvdcli's message, inferred chain).
            raise VolumeError("Plugin Error: VolumeDriver.Create, {\"Error\":\"volume name already exists\"}")
        size = _int_option(options, "size", cfg.size_gib)
        if size < MIN_SIZE_GIB:
            raise VolumeError("Plugin Error: VolumeDriver.Create, {\"Error\":\"volume size too small\"}")
        iops = _int_option(options, "iops", cfg.iops)
        volume_type = _option(options, "volumetype") or cfg.volume_type
        fs_type = _option(options, "newfstype") or _option(options, "fstype") or cfg.fs_type
        # Simplification: REX-Ray's `availabilityZone` option (create in another zone, then fail to attach) is
        # not modelled; volumes are created in the agent's zone.
        try:
            volume = self.backend.create(name, size, volume_type, zone, iops, fs_type)
        except BackendError as exc:
            raise VolumeError(f"Plugin Error: VolumeDriver.Create, {{\"Error\":\"{exc}\"}}") from None
        self.fs.makedirs(self.mount_path(volume))
        log.info("volume %s (%s): created implicitly, %d GiB %s in %s", name, volume.id, size,
                 volume_type or "(default type)", zone)
        return volume

    def unmount(self, agent_id: str, name: str) -> None:
        """`dvdcli unmount`: count down; at 0 (or always with ignoreusedcount) unmount and detach."""
        with self._lock:
            zone = self._agent_zones.get(agent_id)
            for volume in self.backend.volumes():
                if volume.name != name or volume.zone != zone or volume.attached_to != agent_id:
                    continue
                key = (agent_id, volume.id)
                left = max(0, self._used.get(key, 0) - 1)
                if left and not self.config.ignore_used_count:
                    self._used[key] = left
                    continue
                self._used.pop(key, None)
                self.backend.detach(volume, agent_id)


def _option(options: dict, key: str) -> str | None:
    for k, v in (options or {}).items():
        if k.lower() == key:
            return str(v).strip()
    return None


def _int_option(options: dict, key: str, default):
    value = _option(options, key)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise VolumeError(f"Plugin Error: VolumeDriver.Create, {{\"Error\":\"invalid {key}: {value}\"}}") from None
