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

`enforceRole` (Marathon 1.9+) is a flag of the top-level groups (GroupStore.enforced holds those where it is
true): it is written by group writes and `PATCH /v2/groups/{id}`, shown by every GroupInfo, kept in the root
versions, and decides the default and the allowed roles of the apps below (core.Marathon._role_settings for
single-app writes, `write_role_settings` for group writes). The emulated Marathon runs with
`--new_group_enforce_role off` (its default): a group whose flag is not given gets false.
"""
from __future__ import annotations

import copy
import math
import time

from .api.reading import read_group_partial_update, read_group_update
from .apps import MAX_VERSIONS, AppRecord
from .deployments import compute_steps
from .errors import Conflict, Invalid, NotFound, Unprocessable
from .ids import canonical_path, id_violations, is_top_level, iso, parse_iso, path_segments, top_level_of
from .results import DeploymentStarted, DeploymentSteps
from .state_delta import durable

ROOT = "/"
ENFORCE_NOT_TOP_LEVEL = "enforceRole can only be set for top-level groups, and {} is not top-level"
ENFORCE_WITH_SERVICES = ("enforceRole cannot be modified in a request that adds, removes or modifies services; please "
                         "make these changes in separate requests.")
NOT_TOP_LEVEL = "Path needs to be top-level"
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
    """The root group at one version: the app records, the explicit groups with their dependencies and the
    groups whose enforceRole is true."""
    __slots__ = ("version", "apps", "groups", "enforced")

    def __init__(self, version: float, apps: dict, groups: dict, enforced=frozenset()) -> None:
        self.version = version
        self.apps = apps
        self.groups = groups
        self.enforced = frozenset(enforced)

    def group_ids(self) -> set:
        return all_group_ids(self.apps, self.groups)

    def to_state(self) -> dict:
        return {"version": self.version, "apps": {a: r.version for a, r in self.apps.items()},
                "groups": {g: list(d) for g, d in self.groups.items()}, "enforce_role": sorted(self.enforced)}


class GroupStore:
    """The explicit groups (id -> dependencies), the groups whose enforceRole is true (always explicit, always
    top-level) and the root versions (iso version -> RootVersion)."""

    def __init__(self) -> None:
        self.groups: dict[str, tuple] = {}
        self.enforced: set = set()
        self.versions: dict[str, RootVersion] = {}
        self.revision = 0   # bumped on every change, for the persistence delta

    def set_groups(self, groups: dict, enforced) -> None:
        self.groups = dict(groups)
        self.enforced = {g for g in enforced if g in self.groups}
        self.revision += 1

    def set_enforce_role(self, group_id: str, value: bool) -> None:
        """PATCH /v2/groups/{id}: the flag of an existing group (made explicit: real Marathon keeps every group)."""
        self.groups.setdefault(group_id, ())
        if value:
            self.enforced.add(group_id)
        else:
            self.enforced.discard(group_id)
        self.revision += 1

    def record(self, version: float, apps: dict) -> None:
        """GroupRepository.storeRootVersion: the root after a change (--zk_max_versions kept)."""
        self.versions[iso(version)] = RootVersion(version, dict(apps), dict(self.groups), self.enforced)
        if len(self.versions) > MAX_VERSIONS:
            for key in sorted(self.versions)[: len(self.versions) - MAX_VERSIONS]:
                del self.versions[key]
        self.revision += 1

    def to_state(self) -> dict:
        return {"groups": {g: list(d) for g, d in self.groups.items()}, "enforce_role": sorted(self.enforced),
                "versions": {k: v.to_state() for k, v in self.versions.items()}}

    def restore(self, state: dict, repo) -> None:
        """Root versions refer to app versions; one whose app version is gone (the app was deleted, its
        versions with it) is restored without that app (real Marathon keeps the app's versions). A state saved
        before enforceRole was kept has no `enforce_role`: every flag was false then."""
        self.groups = {g: tuple(d) for g, d in (state.get("groups") or {}).items()}
        self.enforced = {g for g in state.get("enforce_role") or () if g in self.groups}
        for key, v in (state.get("versions") or {}).items():
            apps = {}
            for app_id, version in v["apps"].items():
                rec = repo.version(app_id, iso(version))
                if rec is not None:
                    apps[app_id] = rec
            self.versions[key] = RootVersion(v["version"], apps, {g: tuple(d) for g, d in v["groups"].items()},
                                             v.get("enforce_role") or ())


# -- the target state of a write ---------------------------------------------------------------------------
class Target:
    """The root group a write wants: app id -> AppRecord (kept as it is) or a raw definition (to canonicalise),
    explicit group id -> dependencies, the groups whose enforceRole is true, and for the apps of a group update
    their role settings (app id -> (default role, enforced), see write_role_settings)."""

    def __init__(self, apps: dict, groups: dict, enforced=()) -> None:
        self.apps = dict(apps)
        self.groups = dict(groups)
        self.enforced = set(enforced)
        self.roles: dict[str, tuple[str, bool]] = {}

    def group_ids(self) -> set:
        return all_group_ids(self.apps, self.groups)

    def make_group(self, group_id: str) -> None:
        """RootGroup.putGroup makes the group and its parents exist (mkdir -p; new ones do not enforce a role)."""
        for gid in ancestors(group_id)[1:] + ([group_id] if group_id != ROOT else []):
            self.groups.setdefault(gid, ())

    def remove_subtree(self, group_id: str) -> None:
        for app_id in [a for a in self.apps if in_subtree(a, group_id)]:
            del self.apps[app_id]
        for gid in [g for g in self.groups if in_subtree(g, group_id)]:
            del self.groups[gid]
        self.enforced = {g for g in self.enforced if not in_subtree(g, group_id)}

    def set_enforce_role(self, group_id: str, value: bool) -> None:
        if value:
            self.enforced.add(group_id)
        else:
            self.enforced.discard(group_id)

    def apply(self, update: dict, group_id: str, created: bool = False) -> None:
        """UpdateGroupStructureOp: `apps` replaces the group's apps (unlisted ones are deleted), `groups`
        replaces its sub-groups (unlisted ones are deleted with everything below), `dependencies` replaces
        its dependencies; absent keys keep what is there. The update is normalised (normalized_enforce_role):
        the group takes its `enforceRole` (execute), except a sub-group the update creates, which gets false."""
        self.make_group(group_id)
        # Real Marathon 1.10.26: UpdateGroupStructureOp.createGroup builds a group that did not exist without the
        # update's enforceRole (fixed after the release), so `PUT /v2/groups {"groups": [{"id": "/new",
        # "enforceRole": true}]}` makes /new with false; the group the request names gets its value (execute).
        self.set_enforce_role(group_id, bool(update.get("enforceRole")) and not created)
        if "dependencies" in update:
            self.groups[group_id] = tuple(canonical_path(d, group_id) for d in update["dependencies"])
        if "apps" in update:
            for app_id in [a for a in self.apps if parent_of(a) == group_id]:
                del self.apps[app_id]
            for app in update["apps"]:
                app_id = canonical_path(app["id"], group_id)
                self.apps[app_id] = dict(app, id=app_id)
        if "groups" in update:
            existing = self.group_ids()
            listed = {canonical_path(g["id"], group_id): g for g in update["groups"]}
            for gid in existing:
                if gid != group_id and parent_of(gid) == group_id and gid not in listed:
                    self.remove_subtree(gid)
            for gid, sub in listed.items():
                self.apply(sub, gid, created or gid not in existing)


# -- enforceRole of a group update (GroupNormalization, Group.validNestedGroupUpdateWithBase) ---------------------
def normalized_enforce_role(update: dict, group_id: str) -> dict:
    """GroupNormalization.updateNormalization: every group of a structural update gets its `enforceRole`, the
    value given or else the --new_group_enforce_role default (off: false); the root's is always false
    (visitRootGroup). Rollback and scale updates are not normalised."""
    if "version" in update or "scaleBy" in update:
        return update

    def visit(node: dict, forced: bool | None = None) -> dict:
        out = dict(node, enforceRole=node.get("enforceRole", False) if forced is None else forced)
        if "groups" in node:
            out["groups"] = [visit(sub) for sub in node["groups"]]
        return out
    return visit(update, False if group_id == ROOT else None)


def modifies_services(update: dict) -> bool:
    """Group.updateModifiesServices: `apps` given (even empty), `version` or `scaleBy`, at any level."""
    return any(k in update for k in ("apps", "version", "scaleBy")) or any(
        modifies_services(sub) for sub in update.get("groups") or ())


def enforce_role_violations(update: dict, base: str, existing: set, enforced: set, services_modified: bool,
                            path: str = "") -> list[tuple[str, str]]:
    """The enforceRole rules of Group.validNestedGroupUpdateWithBase, on the normalised update (so a top-level
    group that leaves the flag out asks for false): only a top-level group may set it true
    (definingEnforcingRoleOnlyIfItsTopLevel), and a request that modifies services may not change the flag of
    a group that exists and that it names by `id` (disallowEnforceRoleChangeIfServicesChanged)."""
    out = []
    group_id = canonical_path(update["id"], base) if "id" in update else base
    if update.get("enforceRole") is True and not is_top_level(group_id):
        out.append((f"{path}/enforceRole", ENFORCE_NOT_TOP_LEVEL.format(group_id)))
    for i, sub in enumerate(update.get("groups") or ()):
        out.extend(enforce_role_violations(sub, group_id, existing, enforced, services_modified, f"{path}/groups({i})"))
    if services_modified and "id" in update and group_id in existing and \
            update.get("enforceRole") != (group_id in enforced):
        out.append((f"{path}/enforceRole", ENFORCE_WITH_SERVICES))
    return out


def write_role_settings(update: dict, group_id: str, mesos_role: str, enforced: set) -> dict[str, tuple[str, bool]]:
    """GroupNormalization (1.10): app id -> (default role, enforced) for each app of a normalised group update.
    The default is the top-level group's name when that group enforces its role, else --mesos_role. The top-level
    group's flag comes from the update when the update holds that group, else from the stored group (a group
    that does not exist yet: the off default). `enforced` says which roles an app may take (with its current
    role): the default alone, or the default and --mesos_role. Real Marathon: visitChildGroup reads the flag of
    the sub-group itself (false, or the update is refused), not the top-level one, so apps of a sub-group may
    also take --mesos_role; the root group validation then accepts any app's current role."""
    out: dict[str, tuple[str, bool]] = {}

    def visit(node: dict, gid: str, default_role: str, enforce: bool) -> None:
        for app in node.get("apps") or ():
            out[canonical_path(app["id"], gid)] = (default_role, enforce)
        for sub in node.get("groups") or ():
            sub_id = canonical_path(sub["id"], gid)
            if gid == ROOT:
                top_level(sub, sub_id)
            else:
                visit(sub, sub_id, default_role, bool(sub.get("enforceRole")))

    def top_level(node: dict, gid: str) -> None:
        enforce = bool(node.get("enforceRole"))
        visit(node, gid, path_segments(gid)[0] if enforce else mesos_role, enforce)

    if group_id == ROOT:
        visit(update, ROOT, mesos_role, False)
    elif is_top_level(group_id):
        top_level(update, group_id)
    else:   # inferDefaultRole: the stored top-level group
        top = top_level_of(group_id)
        visit(update, group_id, path_segments(top)[0] if top in enforced else mesos_role,
              bool(update.get("enforceRole")))
    return out


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
            return self._group_json(group_id, self.repo.apps, self.store.groups, self.store.enforced, version,
                                    app_info)

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
            return self._group_json(group_id, root.apps, root.groups, root.enforced, iso(root.version),
                                    lambda r: r.rendered())

    def _find_version(self, text: str) -> RootVersion | None:
        ts = parse_iso(text)
        return self.store.versions.get(iso(ts)) if ts is not None else None

    def _group_json(self, group_id: str, apps: dict, groups: dict, enforced, version: str, render) -> dict:
        """raml GroupInfo of the group and everything below it (DefaultInfoService: every group, the root too,
        shows its enforceRole)."""
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
                    "dependencies": list(groups.get(gid, ())), "version": version,
                    "enforceRole": gid in enforced}
        return node(group_id)

    # ---- writes
    @durable
    def create(self, raw_id: str, body, force: bool) -> DeploymentStarted:
        """POST /v2/groups[/{id}]: 201 with the group's path; 409 when the group or an app has that path."""
        base = canonical_path(raw_id or "/")
        update = read_group_update(body)
        group_id = canonical_path(update["id"], base) if "id" in update else base
        update = self._check_nested(update, base, group_id)
        if group_id in all_group_ids(self.repo.apps, self.store.groups):
            raise Conflict(f"Group {group_id} is already created. Use PUT to change this group.")
        if group_id in self.repo.apps:
            raise Conflict(f"An app with the path {group_id} already exists.")
        now = self.core.clock.now()
        target = self._current()
        self._apply(target, update, group_id)
        result = self._deploy(target, force, now)
        return DeploymentStarted(result.deployment_id, result.version, created_app_id=group_id)

    @durable
    def update(self, raw_id: str, body, force: bool, dry_run: bool):
        """PUT /v2/groups[/{id}]: rollback (`version`), scaling (`scaleBy`) or a structural update; with
        dryRun the steps of the plan (DeploymentSteps), nothing changed."""
        base = canonical_path(raw_id or "/")
        update = read_group_update(body)
        group_id = canonical_path(update["id"], base) if "id" in update else base
        update = self._check_nested(update, group_id if "id" in update else base, group_id)
        now = time.time() if dry_run else self.core.clock.now()
        target = self._current()
        if "version" in update:
            self._rollback(target, group_id, update["version"])
        elif "scaleBy" in update:
            self._scale(target, group_id, update["scaleBy"])
        else:
            self._apply(target, update, group_id)
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

    @durable
    def patch(self, raw_id: str, body) -> None:
        """PATCH /v2/groups/{id} (GroupsResource.patchGroup): sets the enforceRole of a top-level group, false when
        the body leaves it out (partialUpdateNormalization, --new_group_enforce_role off). 200 with no body; no
        deployment, no lock, no new root version (GroupManager.patchRoot stores the root as it is). Real Marathon
        also gives every group of the tree the patched group's version (RootGroup.updateGroup); the emulator's
        groups keep showing the root's version."""
        enforce = read_group_partial_update(body).get("enforceRole", False)
        group_id = canonical_path(raw_id)
        if not is_top_level(group_id):
            raise Invalid([("/", NOT_TOP_LEVEL)])
        if group_id not in all_group_ids(self.repo.apps, self.store.groups):
            raise NotFound(f"Group '{group_id}' does not exist")
        self.store.set_enforce_role(group_id, enforce)

    # ---- helpers of the writes
    def _check_nested(self, update: dict, base: str, group_id: str) -> dict:
        """GroupsResource: the update normalised (GroupNormalization's enforceRole) and validated
        (Group.validNestedGroupUpdateWithBase); returns the normalised update, raises 422."""
        services = modifies_services(update)
        update = normalized_enforce_role(update, group_id)
        violations = nested_violations(update, base) + enforce_role_violations(
            update, base, all_group_ids(self.repo.apps, self.store.groups), self.store.enforced, services)
        if violations:
            raise Invalid(violations)
        return update

    def _current(self) -> Target:
        return Target(self.repo.apps, self.store.groups, self.store.enforced)

    def _apply(self, target: Target, update: dict, group_id: str) -> None:
        """A structural update: the groups and apps it wants, and the role settings of its apps."""
        target.roles = write_role_settings(update, group_id, self.core.config.mesos_role, self.store.enforced)
        target.apply(update, group_id)

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
        target.enforced.update(g for g in root.enforced if in_subtree(g, group_id))

    def _scale(self, target: Target, group_id: str, factor: float) -> None:
        """RootGroup.updateTransitiveApps: instances = ceil(instances * scaleBy) for every app below.
        Real Marathon 1.10.26: updateTransitiveApps rebuilds the group and every group below it without their
        enforceRole (fixed after the release), so scaling a group that enforces its role turns the flag off."""
        target.enforced = {g for g in target.enforced if not in_subtree(g, group_id)}
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
            definition = self.core._canonical(value, previous, force, used_ports=used_ports,
                                              roles=self._roles_of(target, app_id, value))
            record = self.core._new_record(definition, previous, now)
            if record is not previous:
                changes[app_id] = record
        for app_id in self.repo.apps:
            if app_id not in target.apps:
                changes[app_id] = None
        self._check_root(target, changes)
        return changes

    @staticmethod
    def _roles_of(target: Target, app_id: str, definition: dict):
        """The role settings of an app of the target: those of its group update, or, for a definition a rollback
        or a scale brought back, its own role (these do not go through GroupNormalization; RootGroup's role
        validation accepts an app's current role)."""
        if app_id in target.roles:
            return target.roles[app_id]
        return (definition["role"], True) if definition.get("role") else None

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
        dep = self.core._deploy(changes, force, now, groups=target.groups, enforced=target.enforced,
                                depth=lambda a: depth.get(a, 0))
        return self.core._result(dep)
