"""The Marathon core: the operations behind the /v2 routes (AppsResource and DeploymentsResource here;
tasks in tasks_api.py, the queue in queue_api.py; groups.py and about.py are composed parts), the scheduler
tick, and snapshot/restore.

Public methods take the cluster lock; they return domain results (rendered app/task JSON, results.py)
or raise the domain errors of errors.py, never HTTP status codes (marathon/responses.py maps them).
"""
from __future__ import annotations

import json
import logging
import time

from .about import About
from .api import normalize as norm
from .api.query_params import label_selector, label_selector_error, resolve_embed
from .api.reading import read_app, read_app_list
from .api.validation import dvdi_root_group_violations, resident_update_violations, validate_app
from .apps import AppRecord, AppRepository, assign_service_ports, service_ports
from .config import MarathonConfig
from .deployments import Deployment
from .errors import Conflict, Invalid, InvalidJson, Locked, NotFound, TooManyDeployments, Unprocessable, app_not_found
from .events import EventBus
from .groups import CYCLIC, SAME_ID, GroupStore, Groups, all_group_ids, dependency_edges, longest_paths
from .ids import VersionClock, canonical_path, iso, path_segments
from .instances import DECOMMISSIONED, RUNNING
from .queue_api import QueueApiMixin
from .results import AppCreated, DeploymentStarted
from .scheduler import RETRY_UNPLACED_SECONDS, SchedulerMixin
from .state_delta import ChangeTracker, durable
from .tasks_api import TasksApiMixin

log = logging.getLogger(__name__)


class Marathon(SchedulerMixin, TasksApiMixin, QueueApiMixin):
    def __init__(self, master, config: MarathonConfig, lock, wake=lambda: None, persist=lambda: None) -> None:
        self.master = master
        self.config = config
        self.lock = lock
        self.wake = wake
        # persist(): make the changes durable now (the Cluster appends self.delta() to its journal). Called
        # before a write is answered (@durable) and before an offer operation reserves or destroys.
        self.persist = persist
        self._saved = ChangeTracker()
        self.repo = AppRepository()
        self.instances: dict = {}
        self.by_app: dict = {}
        self.by_task: dict = {}
        self.deployments: dict[str, Deployment] = {}
        self.delays: dict = {}
        self.offer_stats: dict = {}
        self.last_failure: dict = {}
        self.events = EventBus()
        self.clock = VersionClock()
        self.dirty = False
        self.check_orphans = True
        self.started = False
        self._agent_domains: dict = {}   # agent id -> (region, zone), from offers (see MatchingMixin)
        # composed parts of the API surface
        self.group_store = GroupStore()
        self.groups = Groups(self)
        self.about = About(config, lock, self.repo, self.instances, self.deployments)

    # ==========================================================================================
    # life cycle
    def start(self) -> None:
        with self.lock:
            self.master.register_framework(self.config.framework_id, self.config.mesos_role, self.config.principal,
                                           self.on_status, hostname=self.config.hostname)
            self._reconcile_reservations()
            # The first pass of OfferMatcherReconciler runs here, before the servers accept requests: what is
            # orphaned at start is released, and nothing an early request adds (POST /emulator/seed) is
            # mistaken for an orphan of the restored state by a first scheduler pass that came late.
            self._release_orphans()
            self.started = True
            self.wake()

    def close(self) -> None:
        """Called by Cluster.stop(): end every SSE stream."""
        for sub in list(self.events._subs):
            sub.close()

    def tick(self, now: float | None = None) -> float | None:
        """One scheduler round; returns the absolute time of the next deadline or None."""
        now = time.time() if now is None else now
        with self.lock:
            held = self._held_apps()
            for rec in list(self.repo.apps.values()):
                if rec.app_id not in held:
                    self._reconcile_app(rec, now)
            pending = self._match_offers(now)
            self._progress_deployments(now)
            deadlines = []
            for nxt in (self._health_checks(now), self._readiness_checks(now)):
                if nxt is not None:
                    deadlines.append(nxt)
            for d in self.delays.values():
                if d["until"] > now:
                    deadlines.append(d["until"])
            if pending:
                deadlines.append(now + RETRY_UNPLACED_SECONDS)
            return min(deadlines) if deadlines else None

    def snapshot(self) -> dict:
        """The full state; what it holds counts as saved for the next delta()."""
        with self.lock:
            self._saved.reset(self.repo, self.instances, self.clock._last, self.group_store)
            return {"apps": self.repo.to_state(),
                    "instances": [i.to_state() for i in self.instances.values()],
                    "version_clock": self.clock._last, "groups": self.group_store.to_state()}

    def delta(self) -> dict | None:
        """What changed since the last snapshot() or delta() (None: nothing); see state_delta.py."""
        with self.lock:
            return self._saved.delta(self.repo, self.instances, self.clock._last, self.group_store)

    def restore(self, state: dict) -> None:
        """Restore apps and instances. Tasks that were active are gone with their processes: goal-Running
        instances are relaunched (resident ones on their reservation and agent)."""
        from .instances import Instance
        with self.lock:
            self.repo.restore(state.get("apps", {}))
            self.clock._last = state.get("version_clock", state.get("service_ports_clock", 0.0))
            self.group_store.restore(state.get("groups") or {}, self.repo)
            for d in state.get("instances", []):
                inst = Instance.from_state(d)
                if inst.app_id not in self.repo.apps and not inst.resident:
                    continue
                if inst.task is not None and inst.task.active:
                    # the process died with the previous emulator: relaunch wanted ones, the rest are killed
                    inst.task.state = "TASK_LOST" if inst.goal == RUNNING else "TASK_KILLED"
                if not inst.resident and inst.goal != RUNNING:
                    continue
                if inst.goal == DECOMMISSIONED or inst.app_id not in self.repo.apps:
                    inst.goal, inst.expunged = DECOMMISSIONED, True
                self._add_instance(inst)
                if inst.task is not None:
                    self.by_task[inst.task.task_id] = inst
            self.dirty = False

    def _reconcile_reservations(self) -> None:
        """At start: resident instances against the reservations the agents checkpointed (Marathon's
        reconciliation with Mesos). A decommissioned instance whose reservation is gone was released before
        a crash: it is removed. A reservation still `New` that never reached its agent (the crash came
        between storing the instance and the RESERVE) is forgotten, and the instance is placed again, as
        real Marathon does when a new reservation times out. A launched instance whose reservation vanished
        keeps waiting for it (NoCorrespondingReservationFound), as in real Marathon."""
        held = self.master.labelled_reservations("marathon_task_id")
        for inst in list(self.instances.values()):
            if not inst.resident or inst.instance_id in held.get(inst.agent_id, ()):
                continue
            if inst.expunged or inst.goal == DECOMMISSIONED:
                log.info("instance %s: reservation released before the restart; removed", inst.instance_id)
                self._remove_instance(inst)
            elif inst.reservation.get("state") == "New":
                log.info("instance %s: its new reservation never reached agent %s; placing it again",
                         inst.instance_id, inst.agent_id)
                if inst.task is not None:
                    self.by_task.pop(inst.task.task_id, None)
                inst.reservation, inst.task, inst.agent_id, inst.hostname = None, None, None, None
            else:
                log.warning("instance %s: reservation not found on agent %s", inst.instance_id, inst.agent_id)

    # ==========================================================================================
    # helpers
    def _record(self, app_id: str) -> AppRecord:
        rec = self.repo.get(app_id)
        if rec is None:
            raise app_not_found(app_id)
        return rec

    def _role_settings(self, app_id: str, group_roles: tuple[str, bool] | None = None) -> tuple[str, list]:
        """(default role, valid roles) of an app. A single-app write (RoleSettings.forService): a root app gets
        --mesos_role; a nested one gets its top-level group's name when that group enforces its role (and may
        only take that role), else --mesos_role (and may take either). A group write passes the
        (default role, enforced) of GroupNormalization (groups.write_role_settings): the default only, or the
        default and --mesos_role. The role an app already has stays valid. The valid roles keep the order of
        Marathon's (small, insertion-ordered) Scala sets, which the 422 message lists."""
        mesos_role = self.config.mesos_role
        if group_roles is not None:
            default, enforce = group_roles
            roles = [default] if enforce else [default, mesos_role]
        else:
            segs = path_segments(app_id)
            group_role = segs[0] if len(segs) > 1 else None   # a root app has no group role
            enforce = group_role is not None and "/" + group_role in self.group_store.enforced
            default = group_role if enforce else mesos_role
            roles = [group_role] if enforce else [mesos_role] + ([group_role] if group_role else [])
        existing = self.repo.get(app_id)
        if existing is not None:
            roles.append(existing.definition["role"])
        return default, list(dict.fromkeys(roles))

    def _canonical(self, app: dict, previous: AppRecord | None, force_role: bool, used_ports: set | None = None,
                   roles: tuple[str, bool] | None = None) -> dict:
        """deprecated -> preValidation -> validation -> postValidation; raises 422. A write of many apps passes
        `used_ports` (the service ports of the other apps), which grows by each app's ports; a group write passes
        the `roles` of its app (see _role_settings)."""
        default_role, valid_roles = self._role_settings(app["id"], roles)
        app = norm.deprecated(app, update=False)
        app = norm.pre_validation(app, default_role)
        violations = validate_app(app, valid_roles=valid_roles, features=self.config.features,
                                  previous_role=previous.definition["role"] if previous else None,
                                  force_role=force_role)
        if violations:
            raise Invalid(violations)
        definition = norm.post_validation(app)
        # GroupManager assigns dynamic service ports before the root-group and deployment-plan validators run,
        # so a full definition with port 0 keeps its ports and is not a host-port change of a resident app
        used = self.repo.used_service_ports(exclude=definition["id"]) if used_ports is None else used_ports
        assign_service_ports(definition, used, self.config.local_port_min, self.config.local_port_max,
                             previous.definition if previous else None)
        if previous is not None:
            # resident rules are deployment-plan checks (DVDI name conflicts: the root group's, in _deploy)
            plan_violations = resident_update_violations(previous.definition, definition)
            if plan_violations:
                raise Invalid(plan_violations)
        if used_ports is not None:
            used_ports.update(service_ports(definition))
        return definition

    def _check_root_group(self, changes: dict) -> None:
        """The root group's validation of the target state (GroupManager.updateRoot, before any deployment
        lock): DVDI volume names across apps."""
        target = {a: r.definition for a, r in self.repo.apps.items()}
        for app_id, rec in changes.items():
            if rec is None:
                target.pop(app_id, None)
            else:
                target[app_id] = rec.definition
        violations = dvdi_root_group_violations(target.values())
        if violations:
            raise Invalid(violations)

    def _new_record(self, definition: dict, previous: AppRecord | None, now: float) -> AppRecord:
        if previous is None:
            return AppRecord(definition, now, now, now)
        if definition == previous.definition:
            return previous
        scale_only = {k: v for k, v in definition.items() if k != "instances"} == {
            k: v for k, v in previous.definition.items() if k != "instances"}
        if scale_only:
            return AppRecord(definition, now, now, previous.last_config_change_at)
        return AppRecord(definition, now, now, now)

    def _locking(self, app_ids) -> list[Deployment]:
        ids = set(app_ids)
        return [d for d in self.deployments.values() if ids & set(d.affected_apps)]

    def _deploy(self, changes: dict, force: bool, now: float, post_uri: str | None = None, groups: dict | None = None,
                depth=None, enforced=None) -> Deployment:
        """changes: app id -> new AppRecord (or None to delete); groups, enforced: the explicit groups and those
        that enforce their role after a group write (groups.py), depth: its dependency depths. Raises 409 when
        locked without force. Records the root version (GroupManager stores one per change)."""
        self._check_apps_and_groups_apart(changes, self.group_store.groups if groups is None else groups)
        self._check_root_group(changes)
        depth = depth or self._dependency_depth(changes)
        locking = self._locking(changes)
        if locking and not force:
            raise Locked([d.id for d in locking])
        if not locking and len(self.deployments) >= self.config.max_running_deployments:
            raise TooManyDeployments(self.config.max_running_deployments)
        for dep in locking:
            self._cancel(dep, "Deployment was forcefully replaced")
        if groups is not None:
            self.group_store.set_groups(groups, self.group_store.enforced if enforced is None else enforced)
        original = {a: self.repo.get(a) for a in changes}
        target = dict(changes)
        dep = Deployment({a: r for a, r in original.items() if r is not None},
                         {a: r for a, r in target.items() if r is not None}, now, depth)
        for app_id, rec in changes.items():
            old = original[app_id]
            if rec is None:
                self._stop_app(app_id)
                self.repo.delete(app_id)
                self.delays.pop(app_id, None)
                self.offer_stats.pop(app_id, None)
            elif rec is not old:
                self.repo.put(rec)
                if old is None or rec.last_config_change_at != old.last_config_change_at:
                    self.reset_delay(app_id)
        self.deployments[dep.id] = dep
        self.group_store.record(now, self.repo.apps)
        if post_uri is not None:
            # ApiPostEvent (what marathon-lb listens to): AppsResource sends it from create and from the
            # single-app PUT/PATCH only, with the request URI, also when nothing changed
            for rec in changes.values():
                if rec is not None:
                    self.events.publish("api_post_event", {"clientIp": "127.0.0.1", "uri": post_uri,
                                                           "appDefinition": rec.rendered()})
        self.dirty = True
        self.wake()
        return dep

    def _held_apps(self) -> set:
        """Apps whose scale/restart action sits in a later step of a running deployment: they wait
        (a new app stays at 0 instances after StartApplication until its ScaleApplication step)."""
        held = set()
        for dep in self.deployments.values():
            for index, step in enumerate(dep.steps):
                if index > dep.current_step:
                    held.update(a["app"] for a in step if a["action"] in ("ScaleApplication", "RestartApplication"))
        return held

    def _dependency_depth(self, changes: dict):
        """runSpecsGroupedByLongestPath: longest dependency chain of an app in the target state (app and group
        dependencies, groups.dependency_edges). A cycle is refused as RootGroup.validRootGroup does (422)."""
        definitions = {a: r.definition for a, r in self.repo.apps.items() if a not in changes}
        definitions.update({a: r.definition for a, r in changes.items() if r is not None})
        groups = self.group_store.groups
        if not any(groups.values()) and not any(d.get("dependencies") for d in definitions.values()):
            return lambda app_id: 0
        depths = longest_paths(dependency_edges(definitions, groups))
        if depths is None:
            raise Invalid([("/", CYCLIC)])
        return lambda app_id: depths.get(app_id, 0)

    def _stop_app(self, app_id: str) -> None:
        for inst in list(self.by_app.get(app_id, {}).values()):
            inst.goal = DECOMMISSIONED
            if inst.active:
                self._kill(inst)
            elif inst.resident:
                inst.expunged = True
            else:
                self._remove_instance(inst)
        self.check_orphans = True

    def _cancel(self, dep: Deployment, reason: str) -> None:
        self.deployments.pop(dep.id, None)
        self.events.publish("deployment_failed", {"id": dep.id, "plan": dep.event_plan(), "reason": reason})

    @staticmethod
    def _result(dep: Deployment, created_app_id: str | None = None) -> DeploymentStarted:
        return DeploymentStarted(dep.id, iso(dep.version), created_app_id)

    # ==========================================================================================
    # app info rendering
    def _counts(self, app_id: str) -> tuple[int, int, int, int]:
        staged = running = healthy = unhealthy = 0
        for inst in self.by_app.get(app_id, {}).values():
            t = inst.task
            if t is None or not t.active or inst.expunged:
                continue
            if t.state == "TASK_RUNNING":
                running += 1
            elif t.state in ("TASK_STAGING", "TASK_STARTING"):
                staged += 1
            if t.health:
                if all(h.alive for h in t.health):
                    healthy += 1
                elif any(h.consecutive_failures > 0 or h.last_failure for h in t.health):
                    unhealthy += 1
        return staged, running, healthy, unhealthy

    def _tasks_json(self, rec: AppRecord) -> list:
        sp = service_ports(rec.definition)
        out = []
        for inst in self.by_app.get(rec.app_id, {}).values():
            if inst.expunged:
                continue
            if not inst.resident and inst.task is not None and inst.task.terminal:
                continue   # rescheduled (Scheduled, agent-less) instances are not listed
            t = inst.render_task(sp)
            if t is not None:
                out.append(t)
        return out

    def _check_apps_and_groups_apart(self, changes: dict, explicit_groups: dict) -> None:
        """RootGroup's noAppsAndGroupsWithSameName (1.10): a new app may not take the id of a group (/a when /a/b
        exists or /a was made through /v2/groups) nor put itself inside an app (/a/b when /a is an app). 422 before
        any lock."""
        created = [a for a, r in changes.items() if r is not None and a not in self.repo.apps]
        if not created:
            return
        apps = (set(self.repo.apps) | set(created)) - {a for a, r in changes.items() if r is None}
        groups = all_group_ids(apps, explicit_groups)   # once: per app it made every create O(apps²)
        if any(a in groups for a in apps):
            raise Invalid([("/", SAME_ID)])

    def _deployments_of(self, app_id: str) -> list:
        return [{"id": d.id} for d in self.deployments.values() if app_id in d.affected_apps]

    def _app_info(self, rec: AppRecord, embed: set) -> dict:
        info = dict(rec.rendered())
        self._add_info(info, rec, embed)
        return info

    def _add_info(self, info: dict, rec: AppRecord, embed: set) -> None:
        """AppInfo fields for the resolved embeds (see resolve_embed)."""
        if "counts" in embed:
            staged, running, healthy, unhealthy = self._counts(rec.app_id)
            info["tasksStaged"], info["tasksRunning"] = staged, running
            info["tasksHealthy"], info["tasksUnhealthy"] = healthy, unhealthy
        if "deployments" in embed:
            info["deployments"] = self._deployments_of(rec.app_id)
        if "readiness" in embed:
            info["readinessCheckResults"] = self.readiness_results(rec.app_id)
        if "tasks" in embed:
            info["tasks"] = self._tasks_json(rec)
        if "lastTaskFailure" in embed and rec.app_id in self.last_failure:
            info["lastTaskFailure"] = self.last_failure[rec.app_id]
        if "taskStats" in embed:
            info["tasksStats"] = self._task_stats(rec)

    def _task_stats(self, rec: AppRecord) -> dict:
        tasks = [i.task for i in self.by_app.get(rec.app_id, {}).values() if i.task is not None and i.task.active]
        if not tasks:
            return {}
        counts = {"staged": sum(t.state != "TASK_RUNNING" for t in tasks),
                  "running": sum(t.state == "TASK_RUNNING" for t in tasks),
                  "healthy": sum(bool(t.health) and all(h.alive for h in t.health) for t in tasks),
                  "unhealthy": sum(bool(t.health) and not all(h.alive for h in t.health) for t in tasks)}
        now = time.time()
        life = [now - t.started_at for t in tasks if t.started_at]
        stats = {"counts": counts}
        if life:
            life.sort()
            stats["lifeTime"] = {"averageSeconds": sum(life) / len(life), "medianSeconds": life[len(life) // 2]}
        return {"totalSummary": {"stats": stats}}

    # ==========================================================================================
    # /v2/apps
    def list_apps(self, query: dict) -> bytes:
        """GET /v2/apps, built from cached per-version JSON fragments (the hot path)."""
        embed = resolve_embed(query.get("embed", [])) | {"counts", "deployments"}
        cmd = (query.get("cmd") or [None])[0]
        ident = (query.get("id") or [None])[0]
        label = (query.get("label") or [None])[0]
        if label:
            error = label_selector_error(label)
            if error:  # LabelSelectorParsers.parsed: IllegalArgumentException -> 422
                raise Unprocessable(f"Can not parse label selector {label}. Reason: {error}")
        selector = label_selector(label) if label else None
        parts = []
        with self.lock:
            for rec in self.repo.apps.values():
                d = rec.definition
                if ident and ident.lower() not in rec.app_id.lower():
                    continue
                if cmd and cmd.lower() not in (d.get("cmd") or "").lower():
                    continue
                if selector and not selector(d.get("labels") or {}):
                    continue
                extra: dict = {}
                self._add_info(extra, rec, embed)
                parts.append(rec.fragment() + "," + json.dumps(extra, separators=(",", ":"))[1:])
        return ('{"apps":[' + ",".join(parts) + "]}").encode()

    def get_app(self, raw_id: str, query: dict):
        # show always embeds counts, tasks, lastTaskFailure and deployments ("deprecated. For compatibility.")
        embed = resolve_embed(query.get("embed", [])) | {"counts", "tasks", "lastTaskFailure", "deployments"}
        with self.lock:
            if raw_id.endswith("/*") or raw_id == "*":
                group = canonical_path(raw_id[:-1] or "/")
                prefix = group.rstrip("/") + "/"
                recs = [r for r in self.repo.apps.values() if r.app_id.startswith(prefix)]
                if not recs and group != "/":
                    raise NotFound(f"Group '{group}' does not exist")
                return {"*": [self._app_info(r, embed) for r in recs]}
            rec = self._record(canonical_path(raw_id))
            return {"app": self._app_info(rec, embed)}

    @durable
    def create_app(self, body, force: bool):
        raw = read_app(body, update=False)
        with self.lock:
            now = self.clock.now()
            app_id = canonical_path(raw["id"])
            raw["id"] = app_id
            definition = self._canonical(raw, None, False)
            if app_id in self.repo.apps:
                raise Conflict(f"An app with id [{app_id}] already exists.")
            rec = self._new_record(definition, None, now)
            dep = self._deploy({app_id: rec}, force, now, post_uri="/v2/apps")
            info = self._app_info(rec, {"counts"})
            # AppsResource.create renders the app with VersionInfo.OnlyVersion: no versionInfo yet
            info.pop("versionInfo", None)
            info.update(tasksStaged=0, tasksRunning=0, tasksHealthy=0, tasksUnhealthy=0)
            info["deployments"] = [{"id": dep.id}]
            return AppCreated(info, dep.id, app_id)

    def _update_one(self, app_id: str, raw_update: dict, *, partial: bool, allow_create: bool, force: bool,
                    now: float, body=None, used_ports: set | None = None):
        """Returns (new record or previous, created?)."""
        existing = self.repo.get(app_id)
        if "version" in raw_update and set(raw_update) - {"version", "id"}:
            raise Invalid([("/", "The 'version' field may only be combined with the 'id' field.")])
        if "version" in raw_update:
            if existing is None:
                raise app_not_found(app_id)
            old = self.repo.version(app_id, raw_update["version"])
            if old is None:
                raise app_not_found(app_id, raw_update["version"])
            definition = json.loads(json.dumps(old.definition))
            return self._new_record(definition, existing, now) if definition != existing.definition else \
                AppRecord(definition, now, now, now), False
        if existing is None:
            if not allow_create:
                raise app_not_found(app_id)
            app = dict(raw_update, id=app_id)
            definition = self._canonical(app, None, force, used_ports)
            return self._new_record(definition, None, now), True
        if partial:
            update = norm.deprecated(raw_update, update=True)
            merged = norm.apply_update(existing.definition, update)
            merged["id"] = app_id
        else:
            merged = dict(read_app(dict(body, id=app_id), update=False) if body is not None else raw_update)
            merged["id"] = app_id
        definition = self._canonical(merged, existing, force, used_ports)
        return self._new_record(definition, existing, now), False

    @durable
    def put_app(self, raw_id: str, body, force: bool, partial: bool, patch: bool = False):
        app_id = canonical_path(raw_id)
        if partial or patch:
            raw = read_app(body, update=True)
        else:
            if not isinstance(body, dict):
                raise InvalidJson([("/", "error.expected.jsobject")])
            raw = read_app(dict(body, id=app_id), update=False)
        with self.lock:
            now = self.clock.now()
            rec, created = self._update_one(app_id, raw, partial=partial or patch, allow_create=not patch,
                                            force=force, now=now, body=None)
            dep = self._deploy({app_id: rec}, force, now, post_uri="/v2/apps/" + raw_id.lstrip("/"))
            if created:
                return self._result(dep, created_app_id=app_id)
            return self._result(dep)

    @durable
    def put_apps(self, body, force: bool, partial: bool, patch: bool = False):
        updates = read_app_list(body)
        for index, raw in enumerate(updates):
            if "id" not in raw:
                if partial or patch:
                    # AppsResource.canonicalAppUpdatesFromJson: require(appUpdate.id.isDefined, ...)
                    raise Unprocessable("requirement failed: App Update must have app id set")
                raise InvalidJson([(f"({index})/id", "error.path.missing")])
        with self.lock:
            now = self.clock.now()
            changes = {}
            # one service-port pool for the whole list (AssignDynamicServiceLogic runs over the new root group)
            used_ports = self.repo.used_service_ports_except({canonical_path(raw["id"]) for raw in updates})
            for raw in updates:
                app_id = canonical_path(raw["id"])
                if not (partial or patch):
                    raw = read_app(dict(raw, id=app_id), update=False)
                rec, _ = self._update_one(app_id, raw, partial=partial or patch, allow_create=not patch, force=force,
                                          now=now, used_ports=used_ports)
                changes[app_id] = rec
            # Real Marathon: only apps with an action lock (DeploymentPlan.affectedRunSpecIds)
            changes = {a: r for a, r in changes.items() if r is not self.repo.get(a)}
            dep = self._deploy(changes, force, now)
            return self._result(dep)

    @durable
    def delete_app(self, raw_id: str, force: bool):
        app_id = canonical_path(raw_id)
        with self.lock:
            self._record(app_id)
            now = self.clock.now()
            dep = self._deploy({app_id: None}, force, now)
            return self._result(dep)

    @durable
    def restart_app(self, raw_id: str, force: bool):
        app_id = canonical_path(raw_id)
        with self.lock:
            rec = self._record(app_id)
            now = self.clock.now()
            new = AppRecord(rec.definition, now, now, now)   # markedForRestarting: a new config version
            dep = self._deploy({app_id: new}, force, now)
            return self._result(dep)

    def app_versions(self, raw_id: str):
        app_id = canonical_path(raw_id)
        with self.lock:
            self._record(app_id)
            return self.repo.version_list(app_id)

    def app_version(self, raw_id: str, version: str):
        app_id = canonical_path(raw_id)
        with self.lock:
            self._record(app_id)
            rec = self.repo.version(app_id, version)
            if rec is None:
                raise app_not_found(app_id, version)
            return rec.rendered()

    # ==========================================================================================
    # deployments
    def list_deployments(self):
        with self.lock:
            out = []
            for d in self.deployments.values():
                rendered = d.render()
                for action in rendered["currentActions"]:
                    action["readinessCheckResults"] = self.readiness_results(action["app"])
                out.append(rendered)
            return out

    @durable
    def delete_deployment(self, dep_id: str, force: bool):
        with self.lock:
            dep = self.deployments.get(dep_id)
            if dep is None:
                raise NotFound(f"DeploymentPlan {dep_id} does not exist")
            if force:
                self._cancel(dep, "The deployment has been cancelled")
                return None
            self._cancel(dep, "The deployment has been cancelled and rolled back")
            now = self.clock.now()
            changes = {}
            for app_id in dep.affected_apps:
                old = dep.original.get(app_id)
                cur = self.repo.get(app_id)
                if old is None:
                    changes[app_id] = None if cur is not None else None
                else:
                    changes[app_id] = self._new_record(old.definition, cur, now) if cur is not None else \
                        AppRecord(old.definition, now, now, now)
            changes = {a: r for a, r in changes.items() if not (r is None and self.repo.get(a) is None)}
            rollback = self._deploy(changes, True, now)
            return self._result(rollback)

