"""Incremental persistence of the Marathon core: what changed since the last save, and how to fold those
changes into a snapshot again.

A delta is `{"apps": {id: record state | None}, "versions": {id: {version: record state | None} | None},
"instances": {id: instance state | None}, "version_clock": float, "groups": {"groups": {id: dependencies},
"enforce_role": [id], "versions": {version: root version state | None}}}` (None = removed), holding only what
changed (the explicit groups and the enforceRole flags are small and written whole when they or the root versions
changed). App records are immutable (a
change makes a new AppRecord), so changed apps and versions are found by identity; instances change in place
and report their ids to a change set (instances.Tracked), so a delta at 1,000 apps / 5,000 instances costs
about a millisecond, not the ~0.2 s of a full snapshot.
"""
from __future__ import annotations

import functools

from .ids import iso


def durable(method):
    """An API write of the core: runs under the cluster lock and its changes are on disk (`self.persist()`,
    an fsynced journal line) before the lock is released and the answer can be sent. Real Marathon stores
    to ZooKeeper before it answers. Also after an error: what changed in memory is what the scheduler acts
    on next."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.lock:
            try:
                return method(self, *args, **kwargs)
            finally:
                self.persist()
    return wrapper


class ChangeTracker:
    """The state last written (by identity and stamp), to compute the next delta."""

    def __init__(self) -> None:
        self.apps: dict = {}
        self.versions: dict = {}
        self.instances: set = set()   # ids of the saved instances
        self.changed: set = set()     # ids of instances changed since (filled by instances.Tracked)
        self.clock = None
        self.group_revision = None
        self.root_versions: dict = {}

    def reset(self, repo, instances: dict, clock, groups=None) -> None:
        """Everything as it is now is saved (after a full snapshot)."""
        self.apps = dict(repo.apps)
        self.versions = {a: dict(v) for a, v in repo.versions.items()}
        self.instances = set(instances)
        self.changed.clear()
        self.clock = clock
        if groups is not None:
            self.group_revision, self.root_versions = groups.revision, dict(groups.versions)

    def _groups_delta(self, groups) -> dict | None:
        if groups is None or groups.revision == self.group_revision:
            return None
        versions = {k: v.to_state() for k, v in groups.versions.items() if self.root_versions.get(k) is not v}
        versions.update({k: None for k in self.root_versions if k not in groups.versions})
        return {"groups": {g: list(d) for g, d in groups.groups.items()}, "enforce_role": sorted(groups.enforced),
                "versions": versions}

    def _versions_delta(self, repo, apps: dict) -> dict:
        versions: dict = {}
        # only AppRepository.put/delete change versions, and both change the app record too
        for app_id in apps:
            current, saved = repo.versions.get(app_id), self.versions.get(app_id)
            if current is None:
                if saved is not None:
                    versions[app_id] = None
                continue
            saved = saved or {}
            change = {k: r.to_state() for k, r in current.items() if saved.get(k) is not r}
            change.update({k: None for k in saved if k not in current})
            if change:
                versions[app_id] = change
        return versions

    def delta(self, repo, instances: dict, clock, groups=None) -> dict | None:
        """The changes since the last reset/delta (and take them as saved), or None when nothing changed."""
        apps = {a: r.to_state() for a, r in repo.apps.items() if self.apps.get(a) is not r}
        apps.update({a: None for a in self.apps if a not in repo.apps})
        versions = self._versions_delta(repo, apps)
        current = instances.keys()
        changed = {i: instances[i].to_state() for i in (self.changed | (current - self.instances)) if i in current}
        changed.update({i: None for i in self.instances.difference(current)})
        out = {}
        if apps:
            out["apps"] = apps
        if versions:
            out["versions"] = versions
        if changed:
            out["instances"] = changed
        if clock != self.clock:
            out["version_clock"] = clock
        group_change = self._groups_delta(groups)
        if group_change is not None:
            out["groups"] = group_change
        if not out:
            return None
        if group_change is not None:
            self.group_revision, self.root_versions = groups.revision, dict(groups.versions)
        for app_id, state in apps.items():
            if state is None:
                self.apps.pop(app_id, None)
            else:
                self.apps[app_id] = repo.apps[app_id]
        for app_id, change in versions.items():
            if change is None:
                self.versions.pop(app_id, None)
            else:
                self.versions[app_id] = dict(repo.versions[app_id])
        self.instances = set(current)
        self.changed.clear()
        self.clock = clock
        return out


def fold(state: dict | None, deltas: list) -> dict | None:
    """The snapshot `state` (core.Marathon.snapshot()) with the journal's deltas applied in order."""
    if not deltas:
        return state
    state = state or {}
    repo = state.get("apps") or {}
    apps = {r["definition"]["id"]: r for r in repo.get("apps", [])}
    versions = {a: {_version_key(r): r for r in recs} for a, recs in (repo.get("versions") or {}).items()}
    instances = {i["instance_id"]: i for i in state.get("instances", [])}
    clock = state.get("version_clock", 0.0)
    groups = state.get("groups") or {}
    root_versions = dict(groups.get("versions") or {})
    explicit = groups.get("groups") or {}
    enforced = groups.get("enforce_role") or []
    for delta in deltas:
        _apply(apps, delta.get("apps"))
        for app_id, change in (delta.get("versions") or {}).items():
            if change is None:
                versions.pop(app_id, None)
            else:
                _apply(versions.setdefault(app_id, {}), change)
        _apply(instances, delta.get("instances"))
        clock = delta.get("version_clock", clock)
        if "groups" in delta:
            explicit = delta["groups"]["groups"]
            enforced = delta["groups"].get("enforce_role", enforced)
            _apply(root_versions, delta["groups"]["versions"])
    return {"apps": {"apps": list(apps.values()), "versions": {a: list(v.values()) for a, v in versions.items()}},
            "instances": list(instances.values()), "version_clock": clock,
            "groups": {"groups": explicit, "enforce_role": enforced, "versions": root_versions}}


def _apply(target: dict, changes: dict | None) -> None:
    for key, value in (changes or {}).items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value


def _version_key(record_state: dict) -> str:
    return iso(record_state["version"])
