"""App repository with versions (storage/repository AppRepository + versioning) and cached rendering.

Rendering is the hot path of GET /v2/apps (1,000 apps): the JSON of an app definition is serialised
once per version and reused; only the per-request parts (counts, deployments, tasks) are added.
"""
from __future__ import annotations

import json

from .ids import iso

MAX_VERSIONS = 50  # --zk_max_versions default

# Field order of the generated raml.App class (the order Marathon writes them).
APP_FIELD_ORDER = (
    "id", "acceptedResourceRoles", "args", "backoffFactor", "backoffSeconds", "cmd", "constraints",
    "container", "cpus", "dependencies", "disk", "env", "executor", "fetch", "healthChecks",
    "instances", "labels", "maxLaunchDelaySeconds", "mem", "gpus", "networks", "portDefinitions",
    "readinessChecks", "residency", "requirePorts", "secrets", "taskKillGracePeriodSeconds",
    "upgradeStrategy", "user", "version", "versionInfo", "killSelection", "unreachableStrategy", "tty", "role",
)


def has_persistent(app: dict) -> bool:
    return any("persistent" in v for v in (app.get("container") or {}).get("volumes") or [])


def has_external(app: dict) -> bool:
    return any("external" in v for v in (app.get("container") or {}).get("volumes") or [])


def _dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


class AppRecord:
    __slots__ = ("definition", "version", "last_scaling_at", "last_config_change_at", "_fragment", "_rendered")

    def __init__(self, definition: dict, version: float, last_scaling_at: float, last_config_change_at: float):
        self.definition = definition
        self.version = version
        self.last_scaling_at = last_scaling_at
        self.last_config_change_at = last_config_change_at
        self._fragment = None
        self._rendered = None

    @property
    def app_id(self) -> str:
        return self.definition["id"]

    @property
    def version_iso(self) -> str:
        return iso(self.version)

    def rendered(self) -> dict:
        """The app as Marathon writes it (AppConversion.appWriter) incl. version + versionInfo."""
        if self._rendered is None:
            d = dict(self.definition)
            d["version"] = iso(self.version)
            d["versionInfo"] = {"lastScalingAt": iso(self.last_scaling_at),
                                "lastConfigChangeAt": iso(self.last_config_change_at)}
            self._rendered = {k: d[k] for k in APP_FIELD_ORDER if k in d}
        return self._rendered

    def fragment(self) -> str:
        """JSON of rendered() without its closing brace, to append AppInfo fields cheaply."""
        if self._fragment is None:
            self._fragment = _dumps(self.rendered())[:-1]
        return self._fragment

    def to_state(self) -> dict:
        return {"definition": self.definition, "version": self.version, "last_scaling_at": self.last_scaling_at,
                "last_config_change_at": self.last_config_change_at}

    @classmethod
    def from_state(cls, d: dict) -> "AppRecord":
        return cls(d["definition"], d["version"], d["last_scaling_at"], d["last_config_change_at"])


class AppRepository:
    def __init__(self) -> None:
        self.apps: dict[str, AppRecord] = {}
        self.versions: dict[str, dict[str, AppRecord]] = {}   # app id -> {version iso: record}

    def get(self, app_id: str) -> AppRecord | None:
        return self.apps.get(app_id)

    def put(self, record: AppRecord) -> None:
        self.apps[record.app_id] = record
        versions = self.versions.setdefault(record.app_id, {})
        versions[record.version_iso] = record
        if len(versions) > MAX_VERSIONS:
            for key in sorted(versions)[: len(versions) - MAX_VERSIONS]:
                del versions[key]

    def delete(self, app_id: str) -> None:
        self.apps.pop(app_id, None)
        self.versions.pop(app_id, None)

    def version_list(self, app_id: str) -> list[str]:
        return sorted(self.versions.get(app_id, {}), reverse=True)

    def version(self, app_id: str, version: str) -> AppRecord | None:
        return self.versions.get(app_id, {}).get(version)

    def used_service_ports(self, exclude: str | None = None) -> set:
        used = set()
        for rec in self.apps.values():
            if rec.app_id == exclude:
                continue
            used.update(service_ports(rec.definition))
        return used

    def used_service_ports_except(self, app_ids: set) -> set:
        """The service ports of every app but those (a batch write assigns theirs against this set)."""
        used = set()
        for rec in self.apps.values():
            if rec.app_id not in app_ids:
                used.update(service_ports(rec.definition))
        return used

    def to_state(self) -> dict:
        return {"apps": [r.to_state() for r in self.apps.values()],
                "versions": {a: [r.to_state() for r in v.values()] for a, v in self.versions.items()}}

    def restore(self, d: dict) -> None:
        for a, recs in d.get("versions", {}).items():
            self.versions[a] = {}
            for r in recs:
                rec = AppRecord.from_state(r)
                self.versions[a][rec.version_iso] = rec
        for r in d.get("apps", []):
            rec = AppRecord.from_state(r)
            self.apps[rec.app_id] = rec


def service_ports(definition: dict) -> list:
    mappings = (definition.get("container") or {}).get("portMappings")
    if mappings is not None and "portDefinitions" not in definition:
        return [m.get("servicePort", 0) for m in mappings]
    return [p["port"] for p in definition.get("portDefinitions") or []]


def assign_service_ports(definition: dict, used: set, low: int, high: int, previous: dict | None = None) -> None:
    """Port 0 gets a unique service port from [local_port_min, local_port_max) (AssignDynamicServiceLogic).
    An update keeps the service ports the previous version had at the same index."""
    prev_ports = service_ports(previous) if previous else []
    taken = set(used) | {p for p in service_ports(definition) if p}
    nxt = [low]

    def pick(i: int) -> int:
        if i < len(prev_ports) and prev_ports[i] and prev_ports[i] not in used:
            taken.add(prev_ports[i])
            return prev_ports[i]
        while nxt[0] in taken and nxt[0] < high:
            nxt[0] += 1
        port = nxt[0]
        taken.add(port)
        return port

    if "portDefinitions" in definition:
        for i, p in enumerate(definition["portDefinitions"]):
            if p["port"] == 0:
                p["port"] = pick(i)
    mappings = (definition.get("container") or {}).get("portMappings")
    if mappings and "portDefinitions" not in definition:
        for i, m in enumerate(mappings):
            if m.get("servicePort", 0) == 0:
                m["servicePort"] = pick(i)
