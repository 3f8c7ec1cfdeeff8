"""Scheduler logic of the Marathon core: reconcile instances with app definitions (scale, restart,
stop), match offers (role, constraints, resources, reservations), launch (RESERVE + CREATE + LAUNCH for
new resident instances, LAUNCH on the reservation otherwise), backoff, kills, reservation release
(OfferMatcherReconciler), health checks and deployment progress.

Mixed into core.Marathon; every method runs with the cluster lock held.
"""
from __future__ import annotations

import logging
import math
import re
import time
from collections import Counter

from . import health as hc_mod
from . import offers as ofs
from .deployments import RESTART, SCALE, START, STOP
from .ids import iso, new_instance_id, persistence_id, time_uuid
from .instances import DECOMMISSIONED, RUNNING, STOPPED, Health, Instance, Task
from .normalize import has_persistent

log = logging.getLogger(__name__)
RETRY_UNPLACED_SECONDS = 2.0   # re-match waiting instances even without a wake-up (offers are cheap here)
# Never-launched instances kept per app. Real Marathon schedules the whole difference at once; the emulator
# creates at most this many waiting instances (more as they launch), so a huge scale-up (instances: 1000000)
# cannot stall the scheduler or eat the memory. The queue's count is capped the same way.
MAX_WAITING_NEW_INSTANCES = 2000


def is_resident_def(definition: dict) -> bool:
    return has_persistent(definition)


def _marathon_health_checks(definition: dict) -> list:
    return definition.get("healthChecks") or []


class SchedulerMixin:
    # ------------------------------------------------------------------------------------------
    # status updates from the master
    def on_status(self, status) -> None:
        inst = self.by_task.get(status.task_id)
        if inst is None or inst.task is None or inst.task.task_id != status.task_id:
            return
        task = inst.task
        prev = task.state
        state = status.state
        if state == "TASK_LOST" and inst.resident and inst.goal == RUNNING:
            # unreachableStrategy disabled: resident tasks are never replaced; shown as unreachable.
            state = "TASK_UNREACHABLE"
        task.state = state
        task.message = status.message or ""
        if state == "TASK_RUNNING" and task.started_at is None:
            task.started_at = status.timestamp or time.time()
        self.dirty = True
        app = self.repo.get(inst.app_id)
        self.events.publish("status_update_event", {
            "slaveId": inst.agent_id, "taskId": task.task_id, "taskStatus": state, "message": task.message,
            "appId": inst.app_id, "host": inst.hostname, "ipAddresses": [{"ipAddress": inst.hostname, "protocol": "IPv4"}],
            "ports": list(task.ports), "version": task.version})
        self.events.publish("instance_changed_event", {
            "instanceId": inst.instance_id, "condition": _condition(state), "runSpecId": inst.app_id,
            "agentId": inst.agent_id, "host": inst.hostname,
            "runSpecVersion": app.version_iso if app else task.version})
        if task.terminal and prev != state:
            self._task_terminated(inst, status)

    def _task_terminated(self, inst: Instance, status) -> None:
        now = time.time()
        if inst.goal == RUNNING:
            if not inst.task.kill_requested and status.state != "TASK_KILLED":
                if status.state not in ("TASK_LOST", "TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_UNREACHABLE"):
                    # RateLimiter: the run spec's launch delay grows on failures (a lost agent is no failure)
                    self._add_delay(inst.app_id, now)
                app = self.repo.get(inst.app_id)
                if status.state in ("TASK_FAILED", "TASK_ERROR", "TASK_LOST"):
                    self.last_failure[inst.app_id] = {
                        "appId": inst.app_id, "host": inst.hostname, "message": status.message or "",
                        "state": status.state, "taskId": inst.task.task_id, "timestamp": iso(status.timestamp or now),
                        "version": inst.task.version or (app.version_iso if app else ""), "slaveId": inst.agent_id}
            # rescheduled (a new incarnation of the same instance: InstanceOpFactoryImpl nextIncarnationFor);
            # non-resident ones may land on any agent, resident ones wait for their reservation
            inst.since = now
        elif inst.goal == STOPPED and not inst.resident:
            self._remove_instance(inst)
        elif inst.goal == DECOMMISSIONED:
            if not inst.resident:
                self._remove_instance(inst)
            else:
                inst.expunged = True   # reservation released when next offered (see _release_reservations)
        self.wake()

    def _remove_instance(self, inst: Instance) -> None:
        self.instances.pop(inst.instance_id, None)
        self.by_app.get(inst.app_id, {}).pop(inst.instance_id, None)
        if inst.task is not None:
            self.by_task.pop(inst.task.task_id, None)
        self.dirty = True

    def _add_instance(self, inst: Instance) -> None:
        self.instances[inst.instance_id] = inst
        self.by_app.setdefault(inst.app_id, {})[inst.instance_id] = inst
        self.dirty = True

    # ------------------------------------------------------------------------------------------
    # backoff (core/launchqueue RateLimiter)
    def _add_delay(self, app_id: str, now: float) -> None:
        app = self.repo.get(app_id)
        if app is None:
            return
        d = app.definition
        cur = self.delays.get(app_id)
        if cur is None:
            delay = float(d["backoffSeconds"])
        else:
            delay = min(cur["delay"] * d["backoffFactor"], float(d["maxLaunchDelaySeconds"]))
        self.delays[app_id] = {"delay": delay, "until": now + delay}

    def reset_delay(self, app_id: str) -> None:
        self.delays.pop(app_id, None)

    def _delay_left(self, app_id: str, now: float) -> float:
        d = self.delays.get(app_id)
        return max(0.0, d["until"] - now) if d else 0.0

    # ------------------------------------------------------------------------------------------
    # kills
    def _kill(self, inst: Instance) -> None:
        task = inst.task
        if task is None or not task.active:
            return
        app = self.repo.get(inst.app_id)
        grace = (app.definition.get("taskKillGracePeriodSeconds") if app else None)
        task.kill_requested = True
        if task.state == "TASK_UNREACHABLE":
            task.state = "TASK_KILLED"   # nothing runs on the unreachable agent any more
            self._task_terminated(inst, _Status(task.task_id, "TASK_KILLED"))
            return
        self.master.kill(task.task_id, grace if grace is not None else self.config.kill_grace_seconds)

    # ------------------------------------------------------------------------------------------
    # reconcile instances with the app definitions
    def _reconcile_app(self, rec, now: float) -> None:
        d = rec.definition
        target = d["instances"]
        resident = is_resident_def(d)
        insts = [i for i in self.by_app.get(rec.app_id, {}).values() if not i.expunged]
        running_goal = [i for i in insts if i.goal == RUNNING]
        outdated = [i for i in running_goal if i.active and i.config_version < rec.last_config_change_at]
        current = [i for i in running_goal if i not in outdated]
        if resident:
            if len(running_goal) < target:
                # scale up: suspended instances first, on their reservation and agent
                stopped = sorted((i for i in insts if i.goal == STOPPED), key=lambda i: i.since)
                for inst in stopped[: target - len(running_goal)]:
                    inst.goal = RUNNING
                    inst.since = now
                    running_goal.append(inst)
                    current.append(inst)
                    self.dirty = True
                for _ in range(min(target - len(running_goal), self._new_budget(insts))):
                    inst = self._new_instance(rec, now)
                    running_goal.append(inst)
                    current.append(inst)
            elif len(running_goal) > target:
                for inst in self._victims(rec, running_goal, len(running_goal) - target):
                    inst.goal = STOPPED          # keep instance, reservation and volumes
                    self.dirty = True
                    if inst.active:
                        self._kill(inst)
                    if inst in outdated:
                        outdated.remove(inst)
            self._restart_in_place(rec, outdated, running_goal, target)
            return
        # non-resident
        if not outdated:
            if len(running_goal) < target:
                for _ in range(min(target - len(running_goal), self._new_budget(insts))):
                    self._new_instance(rec, now)
            elif len(running_goal) > target:
                for inst in self._victims(rec, running_goal, len(running_goal) - target):
                    self._decommission(inst)
            return
        # Restart (TaskReplaceActor, simplified): with over-capacity start new instances up to
        # floor(instances * (1 + maximumOverCapacity)) and kill old ones while ceil(instances *
        # minimumHealthCapacity) stay ready; without it kill first, at least one at a time.
        us = d["upgradeStrategy"]
        if us["maximumOverCapacity"] == 0:
            self._restart_in_place(rec, outdated, running_goal, target, replace=True)
            return
        max_capacity = math.floor(target * (1 + us["maximumOverCapacity"]))
        min_healthy = math.ceil(target * us["minimumHealthCapacity"])
        while len(current) < target and len(current) + len(outdated) < max_capacity:
            current.append(self._new_instance(rec, now))
        if len(current) > target:
            for inst in self._victims(rec, current, len(current) - target):
                self._decommission(inst)
                current.remove(inst)
        healthy_new = sum(1 for i in current if self._is_ready(rec, i))
        healthy_old = sum(1 for i in outdated if self._is_ready(rec, i))
        for inst in list(outdated):
            if healthy_new + healthy_old - 1 >= min_healthy or healthy_new >= target or not self._is_ready(rec, inst):
                self._decommission(inst)
                if self._is_ready(rec, inst):
                    healthy_old -= 1

    @staticmethod
    def _new_budget(insts: list) -> int:
        return max(0, MAX_WAITING_NEW_INSTANCES - sum(1 for i in insts if i.task is None))

    def _restart_in_place(self, rec, outdated, running_goal, target, replace=False) -> None:
        """maximumOverCapacity 0 (always for resident apps): kill old tasks first, keeping
        ceil(minimumHealthCapacity * instances) healthy; at least one at a time (TaskReplaceActor)."""
        if not outdated:
            return
        min_healthy = math.ceil(target * rec.definition["upgradeStrategy"]["minimumHealthCapacity"])
        killing = sum(1 for i in running_goal if i.task is not None and i.task.kill_requested and i.active)
        ready = sum(1 for i in running_goal if self._is_ready(rec, i) and not (i.task and i.task.kill_requested))
        budget = max(ready - min_healthy, 0 if killing else 1)
        for inst in outdated:
            if inst.task is not None and inst.task.kill_requested:
                continue
            if budget <= 0:
                break
            budget -= 1
            if replace:
                self._decommission(inst)
                self._new_instance(rec, time.time())
            else:
                self._kill(inst)   # goal stays Running: relaunched on its reservation with the new config

    def _decommission(self, inst: Instance) -> None:
        inst.goal = DECOMMISSIONED
        self.dirty = True
        if inst.active:
            self._kill(inst)
        elif not inst.resident:
            self._remove_instance(inst)
        else:
            inst.expunged = True

    def _victims(self, rec, insts: list, n: int) -> list:
        """killSelection: YOUNGEST_FIRST kills the newest; not-yet-running instances go first."""
        def started(i):
            return i.task.started_at if (i.task and i.task.started_at and i.active) else float("inf")
        youngest_first = rec.definition.get("killSelection", "YOUNGEST_FIRST") == "YOUNGEST_FIRST"
        ordered = sorted(insts, key=lambda i: (i.active, -started(i) if youngest_first else started(i)))
        unstarted = [i for i in ordered if not i.active]
        started_list = [i for i in ordered if i.active]
        if youngest_first:
            started_list.sort(key=started, reverse=True)
        else:
            started_list.sort(key=started)
        return (unstarted + started_list)[:n]

    def _new_instance(self, rec, now: float) -> Instance:
        inst = Instance(instance_id=new_instance_id(rec.app_id), app_id=rec.app_id, role=rec.definition["role"],
                        since=now)
        self._add_instance(inst)
        return inst

    def _is_ready(self, rec, inst: Instance) -> bool:
        t = inst.task
        if t is None or t.state != "TASK_RUNNING" or t.kill_requested:
            return False
        if _marathon_health_checks(rec.definition) and not (t.health and all(h.alive for h in t.health)):
            return False
        if rec.definition.get("readinessChecks"):
            return bool(t.readiness and t.readiness["ready"])
        return True

    # ------------------------------------------------------------------------------------------
    # readiness checks (only while a task is not ready yet; deployments wait for them)
    def _readiness_checks(self, now: float) -> float | None:
        nxt = None
        for inst in self.instances.values():
            t = inst.task
            if t is None or t.state != "TASK_RUNNING" or inst.expunged:
                continue
            rec = self.repo.get(inst.app_id)
            checks = rec.definition.get("readinessChecks") if rec else None
            if not checks:
                continue
            if t.readiness is None:
                t.readiness = {"ready": False, "next": now, "last": None, "running": False}
            r = t.readiness
            if r["ready"] or r["running"]:
                continue
            if r["next"] <= now:
                rc = checks[0]   # validation allows at most one readiness check per app
                names = self._port_names(rec.definition)
                idx = names.index(rc["portName"]) if rc["portName"] in names else None
                if idx is None or idx >= len(t.ports):
                    continue
                r["next"] = now + rc["intervalSeconds"]
                if t.no_process:
                    r["ready"] = True   # same simplification as for health checks of Docker-only tasks
                    continue
                r["running"] = True
                task_id = t.task_id

                def done(ready, last, inst=inst, task_id=task_id, rc=rc):
                    with self.lock:
                        task = inst.task
                        if task is None or task.task_id != task_id or task.readiness is None:
                            return
                        task.readiness.update(ready=ready, running=False,
                                              last=last if rc.get("preserveLastResponse") else None)
                        self.wake()
                hc_mod.start_readiness(rc, inst.hostname, t.ports[idx], done)
            nxt = r["next"] if nxt is None else min(nxt, r["next"])
        return nxt

    def readiness_results(self, app_id: str) -> list:
        """TaskReadinessCheckResult list of an app (deployment currentActions, apps.readiness embed)."""
        rec = self.repo.get(app_id)
        checks = rec.definition.get("readinessChecks") if rec else None
        if not checks:
            return []
        out = []
        for inst in self.by_app.get(app_id, {}).values():
            t = inst.task
            if t is None or t.readiness is None or inst.expunged:
                continue
            item = {"name": checks[0]["name"], "taskId": t.task_id, "ready": t.readiness["ready"]}
            if t.readiness.get("last") is not None:
                item["lastResponse"] = t.readiness["last"]
            out.append(item)
        return out

    # ------------------------------------------------------------------------------------------
    # offers
    def _match_offers(self, now: float) -> bool:
        """Returns True when some instance is still waiting for an offer."""
        waiting = []
        for app_id, insts in self.by_app.items():
            rec = self.repo.get(app_id)
            if rec is None:
                continue
            for inst in insts.values():
                if inst.expunged or inst.goal != RUNNING:
                    continue
                if inst.active and not (inst.task.state == "TASK_UNREACHABLE"):
                    continue
                waiting.append((rec, inst))
        releases = [i for i in self.instances.values()
                    if i.resident and (i.expunged or i.goal == DECOMMISSIONED) and not i.active]
        if not waiting and not releases and not self.check_orphans:
            return False
        offers = [ofs.AgentOffer(o) for o in self.master.offers(self.config.mesos_role, self.config.framework_id)]
        by_agent = {o.agent_id: o for o in offers}
        self._release_reservations(offers, by_agent, releases)
        pending = False
        per_app: dict = {}
        for rec, inst in sorted(waiting, key=lambda x: x[1].since):
            if self._delay_left(rec.app_id, now) > 0:
                pending = True
                continue
            if inst.task is not None and inst.task.state == "TASK_UNREACHABLE":
                # the agent is back (its reservation is offered): the old process is gone, relaunch
                if inst.agent_id not in by_agent:
                    pending = True
                    continue
                inst.task.state = "TASK_LOST"
            per_app.setdefault(rec.app_id, (rec, []))[1].append(inst)
        for app_id, (rec, insts) in per_app.items():
            if not self._match_app(rec, insts, offers, self.offer_stats.setdefault(app_id, _new_stats()), now):
                pending = True
        # LaunchFinished: statistics of run specs with nothing left to launch are dropped
        waiting_apps = {rec.app_id for rec, _ in waiting}
        for app_id in [a for a in self.offer_stats if a not in waiting_apps]:
            del self.offer_stats[app_id]
        return pending

    def _match_app(self, rec, insts: list, offers: list, stats: dict, now: float) -> bool:
        """Offer every offer to the run spec once (OfferMatcher): place as many waiting instances as fit;
        an offer placing none is a NoMatch with its first reason in Marathon's funnel order
        (OfferMatchStatistics). Returns True when every instance was placed."""
        left = list(insts)
        for offer in offers:
            if not left:
                break
            stats["processed"] += 1
            reasons = set()
            placed = False
            for inst in list(left):
                if inst.resident and inst.agent_id != offer.agent_id:
                    reasons.add("NoCorrespondingReservationFound")
                    continue
                reason = self._try_launch(rec, inst, offer, now)
                if reason is None:
                    placed = True
                    left.remove(inst)
                    continue
                reasons.add(reason)
                if not inst.resident:
                    break   # the next new instance would be refused for the same reason
            if placed:
                stats["last_used"] = now
                continue
            stats["unused"] += 1
            stats["last_unused"] = now
            first = min(reasons or {"DeclinedScarceResources"}, key=_funnel_rank)
            stats["launch_reasons"][first] += 1
            stats["last_no_match"][offer.agent_id] = {
                "offer": ofs.offer_raml(offer.offer), "timestamp": iso(now),
                "reason": sorted(reasons, key=_funnel_rank)}
        return not left

    def _constraint_ok(self, rec, inst, offer) -> bool:
        cons = rec.definition.get("constraints") or []
        if not cons:
            return True
        others = [i for i in self.by_app.get(rec.app_id, {}).values()
                  if i is not inst and i.agent_id and (i.active or i.resident) and not i.expunged]
        for c in cons:
            field, op = c[0], c[1].upper()
            value = c[2] if len(c) > 2 else None

            def attr(agent_host, agent_attrs, field=field):
                return agent_host if field == "hostname" else (agent_attrs or {}).get(field)
            mine = attr(offer.hostname, offer.attributes)
            theirs = [attr(i.hostname, {}) for i in others]
            if op == "UNIQUE" and mine in theirs:
                return False
            if op == "CLUSTER":
                if value is not None and mine != value:
                    return False
                if value is None and theirs and mine != theirs[0]:
                    return False
            if op in ("LIKE", "UNLIKE"):
                m = mine is not None and re.fullmatch(value or "", str(mine)) is not None
                if (op == "LIKE") != m:
                    return False
            if op == "IS" and mine != value:
                return False
            if op == "MAX_PER" and theirs.count(mine) >= int(value):
                return False
            if op == "GROUP_BY" and theirs:
                counts = Counter(theirs)
                if counts.get(mine, 0) > min(counts.values()):
                    return False
        return True

    def _try_launch(self, rec, inst, offer, now) -> str | None:
        d = rec.definition
        roles = d.get("acceptedResourceRoles")
        resident = inst.resident or is_resident_def(d)
        if not self._constraint_ok(rec, inst, offer):
            return "UnfulfilledConstraint"
        host_ports = self._wanted_host_ports(d)
        if inst.resident:
            entry = offer.reservations.get(inst.instance_id)
            if entry is None:
                return "NoCorrespondingReservationFound"
            ports = offer.take_ports(host_ports)
            if ports is None:
                return "InsufficientPorts"
            resources = list(entry["resources"])
            if ports:
                resources.append(ofs.ports_json(ports))
            return self._launch(rec, inst, offer, [], resources, ports, now)
        # which pool of scalars may be used
        allowed = set(roles) if roles else {"*", d["role"]}
        pools = []
        if "*" in allowed:
            pools.append(("*", offer.unreserved))
        if not resident:
            for role, bucket in offer.role_scalars.items():
                if role in allowed:
                    pools.append((role, bucket))
        if not pools:
            return "UnfulfilledRole"
        volumes = [v for v in (d.get("container") or {}).get("volumes") or [] if "persistent" in v]
        need = {"cpus": d["cpus"], "mem": d["mem"], "disk": d["disk"] + sum(v["persistent"]["size"] for v in volumes),
                "gpus": d["gpus"]}
        chosen = None
        reason = None
        for role, pool in pools:
            for name, label in (("cpus", "InsufficientCpus"), ("mem", "InsufficientMemory"),
                                ("disk", "InsufficientDisk"), ("gpus", "InsufficientGpus")):
                if need[name] > pool[name] + ofs.EPS:
                    reason = reason or label
                    break
            else:
                chosen = (role, pool)
                break
        if chosen is None:
            return reason
        role, pool = chosen
        saved_ports = [list(r) for r in offer.ports]
        ports = offer.take_ports(host_ports)
        if ports is None:
            return "InsufficientPorts"
        operations = []
        resources = []
        if resident:
            if not self.config.principal:
                return "NoPrincipal"
            reservation = ofs.reservation_json(d["role"], self.config.principal, self.config.framework_id,
                                               inst.instance_id)
            # Simplification: real Marathon also reserves a resident task's host ports; the emulator takes them
            # unreserved at every launch (ports are unique on the shared loopback kernel anyway).
            reserved = [ofs.scalar("cpus", need["cpus"], reservation), ofs.scalar("mem", need["mem"], reservation)]
            if d["disk"]:
                reserved.append(ofs.scalar("disk", d["disk"], reservation))
            if d["gpus"]:
                reserved.append(ofs.scalar("gpus", d["gpus"], reservation))
            vol_json, vol_info = [], []
            for v in volumes:
                pid = persistence_id(rec.app_id, v["containerPath"])
                vol_json.append(ofs.volume_json(v["persistent"]["size"], reservation, pid, self.config.principal,
                                                v["containerPath"]))
                vol_info.append({"containerPath": v["containerPath"], "persistenceId": pid,
                                 "uuid": pid.rsplit("#", 1)[1], "size": v["persistent"]["size"]})
            reserve_ops = [{"name": r["name"], "type": "SCALAR", "scalar": r["scalar"],
                            "reservations": r["reservations"]} for r in reserved + vol_json]
            operations.append(("RESERVE", reserve_ops))
            operations.append(("CREATE", vol_json))
            resources = reserved + vol_json
            pending_reservation = {"volumes": vol_info, "state": "New",
                                   "resources": {k: need[k] for k in ("cpus", "mem", "disk", "gpus")}}
        else:
            pending_reservation = None
            for name in ("cpus", "mem", "disk", "gpus"):
                if need[name]:
                    r = ofs.scalar(name, need[name])
                    if role != "*":
                        r["role"] = role
                    resources.append(r)
        if ports:
            resources.append(ofs.ports_json(ports))
        if pending_reservation is not None:
            inst.reservation = pending_reservation
        result = self._launch(rec, inst, offer, operations, resources, ports, now)
        if result is not None:
            offer.ports = saved_ports
            if pending_reservation is not None:
                inst.reservation = None
            return result
        for name in ("cpus", "mem", "disk", "gpus"):
            pool[name] -= need[name]
        return None

    def _wanted_host_ports(self, d: dict) -> list:
        mappings = (d.get("container") or {}).get("portMappings")
        if mappings is not None and not any(n["mode"] == "host" for n in d["networks"]):
            return [m["hostPort"] for m in mappings if m.get("hostPort") is not None]
        pdefs = d.get("portDefinitions") or []
        return [p["port"] for p in pdefs] if d.get("requirePorts") else [0] * len(pdefs)

    def _launch(self, rec, inst, offer, operations, resources, ports, now) -> str | None:
        from dcos_emulator.mesos.operations import OperationError
        from dcos_emulator.mesos.types import HostVolume, LaunchSpec, Operation

        d = rec.definition
        old_task = inst.task
        task_id = inst.next_task_id()
        env = self._task_env(rec, task_id)
        container = d.get("container") or {}
        cmd, args = d.get("cmd"), d.get("args")
        no_process = cmd is None and not args
        host_volumes = [HostVolume(v["containerPath"], v["hostPath"], v.get("mode", "RW"))
                        for v in container.get("volumes") or [] if "hostPath" in v]
        host_volumes.extend(self._external_mounts(rec, inst, HostVolume))
        pvols = [(v["persistenceId"], v["containerPath"]) for v in (inst.reservation or {}).get("volumes", [])]
        names = self._port_names(d)
        spec = LaunchSpec(
            task_id=task_id, name=rec.app_id.strip("/").replace("/", "."), command=cmd if cmd is not None else None,
            args=list(args) if (cmd is None and args) else None, env=env, resources=resources, ports=list(ports),
            port_names=names[: len(ports)], persistent_volumes=pvols, host_volumes=host_volumes,
            no_process=no_process, labels=dict(d.get("labels") or {}),
            kill_grace_seconds=d.get("taskKillGracePeriodSeconds"))
        ops = []
        for kind, res in operations:
            ops.append(Operation.reserve(res) if kind == "RESERVE" else Operation.create(res))
        ops.append(Operation.launch_task(spec))
        inst.agent_id, inst.hostname = offer.agent_id, offer.hostname
        inst.task = Task(task_id=task_id, state="TASK_STAGING", staged_at=now, version=rec.version_iso,
                         ports=list(ports), health=[Health() for _ in _marathon_health_checks(d)],
                         next_check=[0.0 for _ in _marathon_health_checks(d)], no_process=no_process)
        inst.config_version = rec.last_config_change_at
        if old_task is not None:
            self.by_task.pop(old_task.task_id, None)
        self.by_task[task_id] = inst
        try:
            self.master.accept(offer.agent_id, ops, self.config.framework_id)
        except OperationError as exc:
            log.warning("launch of %s on %s refused: %s", task_id, offer.agent_id, exc.message)
            self.by_task.pop(task_id, None)
            inst.task = old_task
            inst.incarnation -= 1
            if old_task is not None:
                self.by_task[old_task.task_id] = inst
            if not inst.resident:
                inst.agent_id = inst.hostname = None if old_task is None else inst.agent_id
            return "InsufficientResources"
        if inst.reservation is not None:
            inst.reservation["state"] = "Launched"
        self.dirty = True
        self.events.publish("instance_changed_event", {
            "instanceId": inst.instance_id, "condition": "Staging", "runSpecId": rec.app_id,
            "agentId": inst.agent_id, "host": inst.hostname, "runSpecVersion": rec.version_iso})
        return None

    def _external_mounts(self, rec, inst, host_volume_cls) -> list:
        """Seam for the external (DVDI) volume store of a later issue: `self.external_volumes`, when set,
        maps an app's external volume to a host directory: mount(app_id, volume_dict) -> host path.
        Real Marathon hands the volume to the dvdi isolator on the agent (DVDIProvider)."""
        store = getattr(self, "external_volumes", None)
        if store is None:
            return []
        out = []
        for v in (rec.definition.get("container") or {}).get("volumes") or []:
            if "external" in v:
                out.append(host_volume_cls(v["containerPath"].lstrip("/"), store.mount(rec.app_id, v), v["mode"]))
        return out

    @staticmethod
    def _port_names(d: dict) -> list:
        mappings = (d.get("container") or {}).get("portMappings")
        if mappings is not None and "portDefinitions" not in d:
            return [m.get("name") for m in mappings if m.get("hostPort") is not None]
        return [p.get("name") for p in d.get("portDefinitions") or []]

    def _task_env(self, rec, task_id: str) -> dict:
        """EnvironmentHelper: the MARATHON_APP_* variables plus the app's env (secrets not resolved)."""
        d = rec.definition
        env = {k: v for k, v in (d.get("env") or {}).items() if isinstance(v, str)}
        env.update({
            "MARATHON_APP_ID": rec.app_id, "MARATHON_APP_VERSION": rec.version_iso,
            "MARATHON_APP_RESOURCE_CPUS": str(float(d["cpus"])), "MARATHON_APP_RESOURCE_MEM": str(float(d["mem"])),
            "MARATHON_APP_RESOURCE_DISK": str(float(d["disk"])), "MARATHON_APP_RESOURCE_GPUS": str(int(d["gpus"])),
            "MARATHON_APP_LABELS": " ".join(re.sub(r"[^A-Za-z0-9_]", "_", k).upper() for k in d.get("labels") or {}),
            "MESOS_TASK_ID": task_id,
        })
        image = ((d.get("container") or {}).get("docker") or {}).get("image")
        if image:
            env["MARATHON_APP_DOCKER_IMAGE"] = image
        for k, v in (d.get("labels") or {}).items():
            env["MARATHON_APP_LABEL_" + re.sub(r"[^A-Za-z0-9_]", "_", k).upper()] = v
        return env

    # ------------------------------------------------------------------------------------------
    # reservation release (OfferMatcherReconciler)
    def _release_reservations(self, offers, by_agent, releases) -> None:
        from dcos_emulator.mesos.operations import OperationError
        from dcos_emulator.mesos.types import Operation

        known = {i.instance_id: i for i in self.instances.values()}
        release_ids = {i.instance_id for i in releases}
        for offer in offers:
            for res_id, entry in list(offer.reservations.items()):
                if entry["labels"].get("marathon_framework_id") != self.config.framework_id:
                    continue
                inst = known.get(res_id)
                if inst is not None and res_id not in release_ids:
                    continue
                if inst is not None and self.repo.get(inst.app_id) is not None and not (
                        inst.expunged or inst.goal == DECOMMISSIONED):
                    continue
                volumes = [r for r in entry["resources"] if (r.get("disk") or {}).get("persistence")]
                plain = [r for r in entry["resources"] if not (r.get("disk") or {}).get("persistence")]
                unreserve = plain + [{k: v for k, v in r.items() if k != "disk"} for r in volumes]
                ops = []
                if volumes:
                    ops.append(Operation.destroy(volumes))
                ops.append(Operation.unreserve(unreserve))
                try:
                    self.master.accept(offer.agent_id, ops, self.config.framework_id)
                except OperationError as exc:
                    log.warning("release of reservation %s failed: %s", res_id, exc.message)
                    continue
                del offer.reservations[res_id]
                if inst is not None:
                    self._remove_instance(inst)
        self.check_orphans = False

    # ------------------------------------------------------------------------------------------
    # health checks
    def _health_checks(self, now: float) -> float | None:
        nxt = None
        for inst in self.instances.values():
            t = inst.task
            if t is None or t.state != "TASK_RUNNING" or not t.health:
                continue
            rec = self.repo.get(inst.app_id)
            if rec is None:
                continue
            checks = _marathon_health_checks(rec.definition)
            if len(checks) != len(t.health):
                continue
            for idx, hc in enumerate(checks):
                due = t.next_check[idx]
                if due == 0.0:
                    due = t.next_check[idx] = (t.started_at or now) + min(1.0, hc["intervalSeconds"])
                if due <= now:
                    t.next_check[idx] = now + max(0.5, hc["intervalSeconds"])
                    self._start_health_check(inst, t, idx, hc)
                    due = t.next_check[idx]
                nxt = due if nxt is None else min(nxt, due)
        return nxt

    def _start_health_check(self, inst, task, idx, hc) -> None:
        # Probes go to the agent's loopback address and the task's host ports, also for container networks
        # (real Marathon uses the container IP and port there); MESOS_* checks run the same way here.
        if task.no_process:
            # Simplification: a Docker-only task has no process to probe; it is reported healthy so that
            # image-based apps from seed documents deploy (real Marathon probes the container).
            self._health_result(inst, task.task_id, idx, hc, True, None)
            return
        sandbox = env = None
        if hc.get("protocol") == "COMMAND":
            sandbox = self.master.sandbox(task.task_id)
            env = self.master.task_env(task.task_id)
        task_id = task.task_id

        def done(ok, cause):
            with self.lock:
                self._health_result(inst, task_id, idx, hc, ok, cause)
        hc_mod.start_check(hc, inst.hostname, list(task.ports), sandbox, env, done)

    def _health_result(self, inst, task_id, idx, hc, ok, cause) -> None:
        task = inst.task
        if task is None or task.task_id != task_id or task.state != "TASK_RUNNING" or idx >= len(task.health):
            return
        now = time.time()
        h = task.health[idx]
        was_alive = h.alive
        rec = self.repo.get(inst.app_id)
        version = rec.version_iso if rec else task.version
        if ok:
            h.alive = True
            h.consecutive_failures = 0
            h.last_success = now
            if h.first_success is None:
                h.first_success = now
        else:
            if h.first_success is None and now < (task.started_at or now) + hc["gracePeriodSeconds"]:
                return  # failures during the grace period before the first success are ignored
            h.alive = False
            h.consecutive_failures += 1
            h.last_failure = now
            h.last_failure_cause = cause
            self.events.publish("failed_health_check_event", {
                "appId": inst.app_id, "taskId": task_id, "instanceId": inst.instance_id, "healthCheck": hc})
        if was_alive != h.alive:
            self.events.publish("health_status_changed_event", {
                "appId": inst.app_id, "instanceId": inst.instance_id, "version": version, "alive": h.alive})
            self.events.publish("instance_health_changed_event", {
                "instanceId": inst.instance_id, "runSpecId": inst.app_id, "runSpecVersion": version,
                "healthy": all(x.alive for x in task.health)})
        if not ok and hc["maxConsecutiveFailures"] > 0 and h.consecutive_failures >= hc["maxConsecutiveFailures"]:
            self.events.publish("unhealthy_instance_kill_event", {
                "appId": inst.app_id, "taskId": task_id, "instanceId": inst.instance_id, "version": version,
                "reason": cause or "", "host": inst.hostname, "slaveId": inst.agent_id})
            self._add_delay(inst.app_id, now)
            self._kill(inst)
        self.wake()   # health results are not persisted: no save needed

    # ------------------------------------------------------------------------------------------
    # deployments
    def _action_done(self, action: dict, dep) -> bool:
        app_id = action["app"]
        rec = self.repo.get(app_id)
        insts = [i for i in self.by_app.get(app_id, {}).values() if not i.expunged]
        kind = action["action"]
        if kind == START:
            return True
        if kind == STOP:
            return not any(i.active for i in insts)
        if rec is None:
            return True
        target = rec.definition["instances"]
        running = [i for i in insts if i.goal == RUNNING]
        ready = [i for i in running if self._is_ready(rec, i) and i.config_version >= rec.last_config_change_at]
        extra_active = [i for i in insts if i.goal != RUNNING and i.active]
        outdated = [i for i in running if i.active and i.config_version < rec.last_config_change_at]
        if kind in (SCALE, RESTART):
            return len(ready) >= target and len(running) == target and not extra_active and not outdated
        return True

    def _progress_deployments(self, now: float) -> None:
        for dep in list(self.deployments.values()):
            if not dep.started:
                dep.started = True
                self.events.publish("deployment_info", {"plan": dep.event_plan(), "currentStep": _step(dep)})
            while dep.current_step < len(dep.steps) and all(self._action_done(a, dep) for a in dep.steps[dep.current_step]):
                self.events.publish("deployment_step_success", {"plan": dep.event_plan(), "currentStep": _step(dep)})
                dep.current_step += 1
                self._after_step(dep)
                self.wake()   # apps held for the next step may start now
                if dep.current_step < len(dep.steps):
                    self.events.publish("deployment_info", {"plan": dep.event_plan(), "currentStep": _step(dep)})
            if dep.current_step >= len(dep.steps):
                del self.deployments[dep.id]
                self.events.publish("deployment_success", {"id": dep.id, "plan": dep.event_plan()})

    def _after_step(self, dep) -> None:
        for action in dep.steps[dep.current_step - 1]:
            if action["action"] == STOP:
                self.events.publish("app_terminated_event", {"appId": action["app"]})
                # all tasks are terminal: expunge; resident reservations are released when offered
                for inst in list(self.by_app.get(action["app"], {}).values()):
                    if inst.resident:
                        inst.goal, inst.expunged = DECOMMISSIONED, True
                    else:
                        self._remove_instance(inst)
                self.check_orphans = True


class _Status:
    def __init__(self, task_id, state, message="", timestamp=None):
        self.task_id, self.state, self.message = task_id, state, message
        self.timestamp = timestamp or time.time()


def _step(dep) -> dict:
    i = min(dep.current_step, len(dep.steps) - 1)
    return {"actions": [dict(a) for a in dep.steps[i]]} if dep.steps else {"actions": []}


def _condition(state: str) -> str:
    return {"TASK_STAGING": "Staging", "TASK_STARTING": "Starting", "TASK_RUNNING": "Running",
            "TASK_KILLING": "Killing", "TASK_FINISHED": "Finished", "TASK_FAILED": "Failed", "TASK_KILLED": "Killed",
            "TASK_ERROR": "Error", "TASK_LOST": "Gone", "TASK_UNREACHABLE": "Unreachable",
            "TASK_DROPPED": "Dropped", "TASK_GONE": "Gone", "TASK_GONE_BY_OPERATOR": "GoneByOperator",
            "TASK_UNKNOWN": "Unknown"}.get(state, "Unknown")


def _new_stats() -> dict:
    """RunSpecOfferStatistics + the last NoMatch per agent (OfferMatchStatistics)."""
    return {"processed": 0, "unused": 0, "last_unused": None, "last_used": None, "launch_reasons": Counter(),
            "last_no_match": {}}


REASON_FUNNEL = ("UnfulfilledRole", "UnfulfilledConstraint", "NoCorrespondingReservationFound", "AgentMaintenance",
                 "InsufficientCpus", "InsufficientMemory", "InsufficientDisk", "InsufficientGpus",
                 "InsufficientPorts", "DeclinedScarceResources")


def _funnel_rank(reason: str) -> int:
    return REASON_FUNNEL.index(reason) if reason in REASON_FUNNEL else len(REASON_FUNNEL)


__all__ = ["SchedulerMixin", "time_uuid"]
