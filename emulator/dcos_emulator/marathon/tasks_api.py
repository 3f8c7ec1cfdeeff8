"""Task operations behind AppTasksResource and TasksResource (list, kill, kill+scale, wipe), mixed into
core.Marathon (TaskKiller semantics)."""
from __future__ import annotations

from .apps import AppRecord, service_ports
from .errors import BadRequest, InvalidJson, Locked, NotFound
from .ids import canonical_path, parse_task_id
from .instances import DECOMMISSIONED, STOPPED
from .state_delta import durable


class TasksApiMixin:
    # ==========================================================================================
    # tasks
    def app_tasks(self, raw_id: str):
        with self.lock:
            if raw_id.endswith("/*"):
                prefix = canonical_path(raw_id[:-2] or "/").rstrip("/") + "/"
                recs = [r for r in self.repo.apps.values() if r.app_id.startswith(prefix)]
            else:
                recs = [self._record(canonical_path(raw_id))]
            return [t for r in recs for t in self._tasks_json(r)]

    def _selected(self, rec: AppRecord, host: str | None) -> list:
        out = []
        for inst in self.by_app.get(rec.app_id, {}).values():
            if inst.expunged or inst.task is None or inst.agent_id is None:
                continue
            if host and host != "*" and inst.hostname != host:
                continue
            out.append(inst)
        return out

    def _kill_instances(self, insts: list, *, wipe: bool) -> list:
        """Kill (and for wipe, decommission + expunge) instances; returns their task JSON as selected."""
        out = []
        for inst in insts:
            rec = self.repo.get(inst.app_id)
            t = inst.render_task(service_ports(rec.definition) if rec else [])
            if t is not None:
                out.append(t)
            if wipe:
                # TaskKiller.kill(wipe): goal Decommissioned, then force-expunge: the instance is gone from
                # the API at once; its task is killed and its reservation released when next offered.
                inst.goal = DECOMMISSIONED
                inst.expunged = True
                if inst.active:
                    self._kill(inst)
                elif not inst.resident:
                    self._remove_instance(inst)
                self.check_orphans = True
            elif inst.active:
                self._kill(inst)
        self.dirty = True
        self.wake()
        return out

    def _kill_and_scale(self, groups: dict, force: bool, now: float):
        """TaskKiller.killAndScale: lower instances by the number of active selected tasks."""
        changes = {}
        for app_id, insts in groups.items():
            rec = self.repo.get(app_id)
            killable = [i for i in insts if i.active and not i.task.kill_requested]
            d = dict(rec.definition)
            d["instances"] = max(0, d["instances"] - len(killable))
            changes[app_id] = self._new_record(d, rec, now)
        locking = self._locking(changes)
        if locking and not force:
            raise Locked([x.id for x in locking])
        for insts in groups.values():
            for inst in insts:
                if inst.active and not inst.task.kill_requested:
                    inst.goal = STOPPED if inst.resident else DECOMMISSIONED
                    self._kill(inst)
        dep = self._deploy(changes, force, now)
        return self._result(dep)

    @durable
    def kill_app_tasks(self, raw_id: str, host: str | None, scale: bool, wipe: bool, force: bool):
        if scale and wipe:
            raise BadRequest("You cannot use scale and wipe at the same time.")
        app_id = canonical_path(raw_id)
        with self.lock:
            rec = self._record(app_id)
            selected = self._selected(rec, host)
            if scale:
                return self._kill_and_scale({app_id: selected}, force, self.clock.now())
            return self._kill_instances(selected, wipe=wipe)

    @durable
    def kill_app_task(self, raw_id: str, task_id: str, scale: bool, wipe: bool, force: bool):
        if scale and wipe:
            raise BadRequest("You cannot use scale and wipe at the same time.")
        app_id = canonical_path(raw_id)
        with self.lock:
            rec = self._record(app_id)
            parsed = parse_task_id(task_id)
            inst = self.by_app.get(app_id, {}).get(parsed["instance"]) if parsed else None
            if inst is None or inst.expunged or inst.task is None:
                raise NotFound(f"Task '{task_id}' does not exist")
            if scale:
                return self._kill_and_scale({app_id: [inst]}, force, self.clock.now())
            tasks = self._kill_instances([inst], wipe=wipe)
            return tasks[0] if tasks else inst.render_task(service_ports(rec.definition))

    def list_tasks(self, query: dict):
        wanted = set()
        for s in query.get("status", []) + query.get("status[]", []):
            if s.lower() in ("running", "staging"):
                wanted.add("TASK_RUNNING" if s.lower() == "running" else "TASK_STAGING")
        with self.lock:
            out = []
            for rec in self.repo.apps.values():
                for t in self._tasks_json(rec):
                    if wanted and t["state"] not in wanted:
                        continue
                    out.append(t)
            return out

    @durable
    def delete_tasks(self, body, scale: bool, wipe: bool, force: bool):
        if scale and wipe:
            raise BadRequest("You cannot use scale and wipe at the same time.")
        if not isinstance(body, dict) or not isinstance(body.get("ids"), list):
            raise InvalidJson([("/ids", "error.path.missing")])
        wrong = [(f"/ids({i})", "error.expected.jsstring") for i, t in enumerate(body["ids"]) if not isinstance(t, str)]
        if wrong:
            raise InvalidJson(wrong)
        with self.lock:
            groups: dict = {}
            for tid in body["ids"]:
                parsed = parse_task_id(tid)
                if parsed is None:
                    raise BadRequest(f"Invalid task id '{tid}'. [{tid} (of class java.lang.String)]")
                inst = self.instances.get(parsed["instance"])
                if inst is None or inst.expunged or inst.task is None:
                    continue
                groups.setdefault(inst.app_id, []).append(inst)
            if scale:
                return self._kill_and_scale(groups, force, self.clock.now())
            return [t for insts in groups.values() for t in self._kill_instances(insts, wipe=wipe)]

