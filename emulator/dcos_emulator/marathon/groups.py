"""Groups: GroupsResource, GroupApiService and the parts of GroupManager/RootGroup they use (Marathon 1.10).

A part of the core, composed into core.Marathon as `marathon.groups`. The apps stay in the core's app
repository; a group is an id with its `dependencies`. The groups that exist are the root, the groups written
through /v2/groups (kept in GroupStore, also when empty) and every parent of an app. Every change of the root
(group or app write) records a root version (GroupStore.record), which `/v2/groups/{id}/versions` lists and
`PUT {"version": ...}` rolls a group back to.

A group write computes the target state (apps and groups), validates it as RootGroup and the deployment-plan
validator do, and hands the app changes to the core's one deployment path (`Marathon._deploy`): one plan for the
whole change, the same lock (409), the same app rules (resident reservations and update rules) as single-app
writes. `dryRun` answers the plan's steps and changes nothing.
"""
from __future__ import annotations

import copy
import math
import time

from .api.reading import read_group_update
from .apps import MAX_VERSIONS, AppRecord
from .deployments import compute_steps
from .errors import Conflict, Invalid, NotFound, Unprocessable
from .ids import canonical_path, id_violations, iso, parse_iso, path_segments
from .results import DeploymentStarted, DeploymentSteps
from .state_delta import durable

ROOT = "/"
CYCLIC = "Dependency graph has cyclic dependencies."
SAME_ID = "Groups and Applications may not have the same identifier."
ONLY_OPTION = "not allowed in conjunction with other properties."


# -- paths ----------------------------------------------------------------------------------------------
def parent_of(path: str) -> str:
    return "/" + "/".join(path_segments(path)[:-1])


def ancestors(path: str) -> list[str]:
    """The groups above `path`, root first (PathId.allParents reversed)."""
    segs = path_segments(path)
    return ["/" + "/".join(segs[:i]) for i in range(len(segs))]


def in_subtree(path: str, group_id: str) -> bool:
    return group_id == ROOT or path == group_id or path.startswith(group_id + "/")


def all_group_ids(app_ids, explicit) -> set:
    """Root, the explicit groups and every parent of an app or group."""
    out = {ROOT}
    for gid in explicit:
        out.add(gid)
        out.update(ancestors(gid))
    for app_id in app_ids:
        out.update(ancestors(app_id))
    return out


# -- dependencies (RootGroup.applicationDependencies, dependencyGraph) --------------------------------------
def dependency_edges(apps: dict, groups: dict) -> dict[str, set]:
    """app id -> the apps it depends on. A group's dependency makes each of its apps depend on every app of
    the other group; an app's dependency names an app or a group (then: all its apps)."""
    members: dict[str, set] = {}
    for app_id in apps:
        for gid in ancestors(app_id):
            members.setdefault(gid, set()).add(app_id)
    edges: dict[str, set] = {a: set() for a in apps}
    for gid, deps in groups.items():
        for dep in deps:
            for app_id in members.get(gid, ()):
                edges[app_id].update(members.get(dep, ()))
    for app_id, definition in apps.items():
        for dep in definition.get("dependencies") or ():
            edges[app_id].update({dep} if dep in apps else members.get(dep, ()))
    return edges


def longest_paths(edges: dict[str, set]) -> dict[str, int] | None:
    """Length of the longest dependency chain from each app (runSpecsGroupedByLongestPath); None on a cycle."""
    depth: dict[str, int] = {}
    for start in edges:
        if start in depth:
            continue
        stack, on_path = [(start, iter(sorted(edges[start])))], {start}
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                depth[node] = max((1 + depth[c] for c in edges[node]), default=0)
            elif child in on_path:
                return None
            elif child not in depth:
                on_path.add(child)
                stack.append((child, iter(sorted(edges[child]))))
    return depth


# -- stored state ------------------------------------------------------------------------------------------
class RootVersion:
    """The root group at one version: the app records and the explicit groups with their dependencies."""
    __slots__ = ("version", "apps", "groups")

    def __init__(self, version: float, apps: dict, groups: dict) -> None:
        self.version = version
        self.apps = apps
        self.groups = groups

    def group_ids(self) -> set:
        return all_group_ids(self.apps, self.groups)

    def to_state(self) -> dict:
        return {"version": self.version, "apps": {a: r.version for a, r in self.apps.items()},
                "groups": {g: list(d) for g, d in self.groups.items()}}


class GroupStore:
    """The explicit groups (id -> dependencies) and the root versions (iso version -> RootVersion)."""

    def __init__(self) -> None:
        self.groups: dict[str, tuple] = {}
        self.versions: dict[str, RootVersion] = {}
        self.revision = 0   # bumped on every change, for the persistence delta

    def set_groups(self, groups: dict) -> None:
        self.groups = dict(groups)
        self.revision += 1

    def record(self, version: float, apps: dict) -> None:
        """GroupRepository.storeRootVersion: the root after a change (--zk_max_versions kept)."""
        self.versions[iso(version)] = RootVersion(version, dict(apps), dict(self.groups))
        if len(self.versions) > MAX_VERSIONS:
            for key in sorted(self.versions)[: len(self.versions) - MAX_VERSIONS]:
                del self.versions[key]
        self.revision += 1

    def to_state(self) -> dict:
        return {"groups": {g: list(d) for g, d in self.groups.items()},
                "versions": {k: v.to_state() for k, v in self.versions.items()}}

    def restore(self, state: dict, repo) -> None:
        """Root versions refer to app versions; one whose app version is gone (the app was deleted, its
        versions with it) is restored without that app (real Marathon keeps the app's versions)."""
        self.groups = {g: tuple(d) for g, d in (state.get("groups") or {}).items()}
        for key, v in (state.get("versions") or {}).items():
            apps = {}
            for app_id, version in v["apps"].items():
                rec = repo.version(app_id, iso(version))
                if rec is not None:
                    apps[app_id] = rec
            self.versions[key] = RootVersion(v["version"], apps, {g: tuple(d) for g, d in v["groups"].items()})


# -- the target state of a write ---------------------------------------------------------------------------
class Target:
    """The root group a write wants: app id -> AppRecord (kept as it is) or a raw definition (to canonicalise),
    explicit group id -> dependencies."""

    def __init__(self, apps: dict, groups: dict) -> None:
        self.apps = dict(apps)
        self.groups = dict(groups)

    def group_ids(self) -> set:
        return all_group_ids(self.apps, self.groups)

    def make_group(self, group_id: str) -> None:
        """RootGroup.putGroup makes the group and its parents exist (mkdir -p)."""
        for gid in ancestors(group_id)[1:] + ([group_id] if group_id != ROOT else []):
            self.groups.setdefault(gid, ())

    def remove_subtree(self, group_id: str) -> None:
        for app_id in [a for a in self.apps if in_subtree(a, group_id)]:
            del self.apps[app_id]
        for gid in [g for g in self.groups if in_subtree(g, group_id)]:
            del self.groups[gid]

    def apply(self, update: dict, group_id: str) -> None:
        """UpdateGroupStructureOp: `apps` replaces the group's apps (unlisted ones are deleted), `groups`
        replaces its sub-groups (unlisted ones are deleted with everything below), `dependencies` replaces
        its dependencies; absent keys keep what is there."""
        self.make_group(group_id)
        if "dependencies" in update:
            self.groups[group_id] = tuple(canonical_path(d, group_id) for d in update["dependencies"])
        if "apps" in update:
            for app_id in [a for a in self.apps if parent_of(a) == group_id]:
                del self.apps[app_id]
            for app in update["apps"]:
                app_id = canonical_path(app["id"], group_id)
                self.apps[app_id] = dict(app, id=app_id)
        if "groups" in update:
            listed = {canonical_path(g["id"], group_id): g for g in update["groups"]}
            for gid in self.group_ids():
                if gid != group_id and parent_of(gid) == group_id and gid not in listed:
                    self.remove_subtree(gid)
            for gid, sub in listed.items():
                self.apply(sub, gid)


def nested_violations(update: dict, base: str, path: str = "") -> list[tuple[str, str]]:
    """Group.validNestedGroupUpdateWithBase: `version` and `scaleBy` stand alone, ids are valid paths, each app
    is a direct child of its group (AppValidation.validNestedApp), recursively for the sub-groups."""
    out = []
    defined = [k for k in ("id", "apps", "groups", "dependencies", "scaleBy", "version", "enforceRole") if k in update]
    for key in ("version", "scaleBy"):
        if key in update and len(defined) > 1:
            out.append((f"{path}/{key}", ONLY_OPTION))
    if "id" in update:
        out.extend((f"{path}/id", m) for m in id_violations(update["id"]))
    group_id = canonical_path(update["id"], base) if "id" in update else base
    for i, app in enumerate(update.get("apps") or ()):
        out.extend((f"{path}/apps({i})/id", m) for m in id_violations(app["id"]))
        if parent_of(canonical_path(app["id"], group_id)) != group_id:
            out.append((f"{path}/apps({i})/id", f"Identifier is not child of '{group_id}'"))
    for i, sub in enumerate(update.get("groups") or ()):
        out.extend(nested_violations(sub, group_id, f"{path}/groups({i})"))
    return out


# -- the API ----------------------------------------------------------------------------------------------
class Groups:
    def __init__(self, core) -> None:
        self.core = core
        self.lock = core.lock
        self.repo = core.repo
        self.store: GroupStore = core.group_store

    def persist(self) -> None:   # for @durable
        self.core.persist()

    # ---- reads
    def get(self, raw_id: str, query: dict) -> dict:
        """The group and everything below it; raises NotFound."""
        group_id = canonical_path(raw_id or "/")
        with self.lock:
            if group_id not in all_group_ids(self.repo.apps, self.store.groups):
                raise NotFound(f"Group '{group_id}' does not exist")
            version = iso(max((r.version for r in self.repo.apps.values()), default=self._root_version()))
            app_info = lambda rec: self.core._app_info(rec, {"counts", "deployments"})  # noqa: E731
            return self._group_json(group_id, self.repo.apps, self.store.groups, version, app_info)

    def _root_version(self) -> float:
        return max((v.version for v in self.store.versions.values()), default=time.time())

    def versions(self, raw_id: str) -> list[str]:
        """GroupManager.versions: the root versions that hold the group, newest first."""
        group_id = canonical_path(raw_id or "/")
        with self.lock:
            if group_id not in all_group_ids(self.repo.apps, self.store.groups):
                raise NotFound(f"Group '{group_id}' does not exist")
            return sorted((k for k, v in self.store.versions.items() if group_id in v.group_ids()), reverse=True)

    def version(self, raw_id: str, version: str) -> dict:
        group_id = canonical_path(raw_id or "/")
        with self.lock:
            root = self._find_version(version)
            if root is None or group_id not in root.group_ids():
                raise NotFound(f"Group '{group_id}' does not exist")
            return self._group_json(group_id, root.apps, root.groups, iso(root.version), lambda r: r.rendered())

    def _find_version(self, text: str) -> RootVersion | None:
        ts = parse_iso(text)
        return self.store.versions.get(iso(ts)) if ts is not None else None

    def _group_json(self, group_id: str, apps: dict, groups: dict, version: str, render) -> dict:
        children: dict[str, list] = {}
        for gid in all_group_ids(apps, groups):
            if gid != ROOT:
                children.setdefault(parent_of(gid), []).append(gid)
        own_apps: dict[str, list] = {}
        for rec in apps.values():
            own_apps.setdefault(parent_of(rec.app_id), []).append(rec)

        def node(gid: str) -> dict:
            return {"id": gid, "apps": [render(r) for r in own_apps.get(gid, [])],
                    "groups": [node(g) for g in sorted(children.get(gid, []))], "pods": [],
                    "dependencies": list(groups.get(gid, ())), "version": version, "enforceRole": False}
        return node(group_id)

    # ---- writes
    @durable
    def create(self, raw_id: str, body, force: bool) -> DeploymentStarted:
        """POST /v2/groups[/{id}]: 201 with the group's path; 409 when the group or an app has that path."""
        base = canonical_path(raw_id or "/")
        update = read_group_update(body)
        group_id = canonical_path(update["id"], base) if "id" in update else base
        self._check_nested(update, base)
        if group_id in all_group_ids(self.repo.apps, self.store.groups):
            raise Conflict(f"Group {group_id} is already created. Use PUT to change this group.")
        if group_id in self.repo.apps:
            raise Conflict(f"An app with the path {group_id} already exists.")
        now = self.core.clock.now()
        target = self._current()
        target.apply(update, group_id)
        result = self._deploy(target, force, now)
        return DeploymentStarted(result.deployment_id, result.version, created_app_id=group_id)

    @durable
    def update(self, raw_id: str, body, force: bool, dry_run: bool):
        """PUT /v2/groups[/{id}]: rollback (`version`), scaling (`scaleBy`) or a structural update; with
        dryRun the steps of the plan (DeploymentSteps), nothing changed."""
        base = canonical_path(raw_id or "/")
        update = read_group_update(body)
        group_id = canonical_path(update["id"], base) if "id" in update else base
        self._check_nested(update, group_id if "id" in update else base)
        now = time.time() if dry_run else self.core.clock.now()
        target = self._current()
        if "version" in update:
            self._rollback(target, group_id, update["version"])
        elif "scaleBy" in update:
            self._scale(target, group_id, update["scaleBy"])
        else:
            target.apply(update, group_id)
        if dry_run:
            return DeploymentSteps(self._steps(target, force, now))
        return self._deploy(target, force, now)

    @durable
    def delete(self, raw_id: str, force: bool) -> DeploymentStarted:
        """DELETE /v2/groups[/{id}]: the group and everything below it (the root: everything)."""
        group_id = canonical_path(raw_id or "/")
        if group_id not in all_group_ids(self.repo.apps, self.store.groups):
            raise NotFound(f"Group '{group_id}' does not exist")
        target = self._current()
        target.remove_subtree(group_id)
        return self._deploy(target, force, self.core.clock.now())

    # ---- helpers of the writes
    def _check_nested(self, update: dict, base: str) -> None:
        violations = nested_violations(update, base)
        if violations:
            raise Invalid(violations)

    def _current(self) -> Target:
        return Target(self.repo.apps, self.store.groups)

    def _rollback(self, target: Target, group_id: str, version: str) -> None:
        """GroupApiService.revertToOlderVersion: the group as it was in that root version (putGroup)."""
        root = self._find_version(version)
        if root is None or group_id not in root.group_ids():
            shown = iso(parse_iso(version)) if parse_iso(version) is not None else version
            raise Unprocessable(f"Group {group_id} not available in version {shown}")
        target.remove_subtree(group_id)
        target.make_group(group_id)
        for app_id, rec in root.apps.items():
            if in_subtree(app_id, group_id):
                current = self.repo.get(app_id)
                same = current is not None and current.definition == rec.definition
                target.apps[app_id] = current if same else copy.deepcopy(rec.definition)
        target.groups.update({g: d for g, d in root.groups.items() if in_subtree(g, group_id)})

    def _scale(self, target: Target, group_id: str, factor: float) -> None:
        """RootGroup.updateTransitiveApps: instances = ceil(instances * scaleBy) for every app below."""
        for app_id, value in list(target.apps.items()):
            if in_subtree(app_id, group_id):
                definition = value.definition if isinstance(value, AppRecord) else value
                instances = math.ceil(definition["instances"] * factor)
                if instances != definition["instances"]:
                    target.apps[app_id] = dict(copy.deepcopy(definition), instances=instances)

    def _resolve(self, target: Target, force: bool, now: float) -> dict:
        """The app changes of the target (app id -> new AppRecord, None = delete), each app read, normalised and
        validated as a single-app write does; then the root group checks."""
        changes: dict = {}
        used_ports = self.repo.used_service_ports_except(
            {a for a, v in target.apps.items() if not isinstance(v, AppRecord)})
        for app_id, value in target.apps.items():
            if isinstance(value, AppRecord):
                continue
            previous = self.repo.get(app_id)
            definition = self.core._canonical(value, previous, force, used_ports=used_ports)
            record = self.core._new_record(definition, previous, now)
            if record is not previous:
                changes[app_id] = record
        for app_id in self.repo.apps:
            if app_id not in target.apps:
                changes[app_id] = None
        self._check_root(target, changes)
        return changes

    def _check_root(self, target: Target, changes: dict) -> None:
        """RootGroup.validRootGroup: no cycle, no app with the id of a group."""
        groups = target.group_ids()
        if any(a in groups for a in target.apps):
            raise Invalid([("/", SAME_ID)])
        if longest_paths(self._edges(target, changes)) is None:
            raise Invalid([("/", CYCLIC)])

    def _edges(self, target: Target, changes: dict) -> dict:
        definitions = {}
        for app_id, value in target.apps.items():
            rec = changes.get(app_id)
            if rec is None:   # unchanged: the record kept, or the current one a definition came back equal to
                rec = value if isinstance(value, AppRecord) else self.repo.get(app_id)
            definitions[app_id] = rec.definition
        return dependency_edges(definitions, target.groups)

    def _plan_parts(self, target: Target, force: bool, now: float):
        changes = self._resolve(target, force, now)
        depth = longest_paths(self._edges(target, changes)) or {}
        return changes, depth

    def _steps(self, target: Target, force: bool, now: float) -> list:
        """The steps DeploymentPlan(original, target) would have, for dryRun."""
        changes, depth = self._plan_parts(target, force, now)
        original = {a: r for a, r in self.repo.apps.items() if a in changes}
        wanted = {a: r for a, r in changes.items() if r is not None}
        steps = compute_steps(original, wanted, lambda a: depth.get(a, 0))
        return [{"actions": [dict(a) for a in step]} for step in steps]

    def _deploy(self, target: Target, force: bool, now: float) -> DeploymentStarted:
        changes, depth = self._plan_parts(target, force, now)
        dep = self.core._deploy(changes, force, now, groups=target.groups, depth=lambda a: depth.get(a, 0))
        return self.core._result(dep)
