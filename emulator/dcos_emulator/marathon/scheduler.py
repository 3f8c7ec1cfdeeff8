"""Scheduler logic of the Marathon core: reconcile instances with app definitions (scale, restart,
stop), match offers (role, constraints, resources, reservations), launch (RESERVE + CREATE + LAUNCH for
new resident instances, LAUNCH on the reservation otherwise), backoff, kills, reservation release
(OfferMatcherReconciler), health checks and deployment progress. Offer matching lives in matching.py,
health/readiness probes in probes.py.

Mixed into core.Marathon; every method runs with the cluster lock held.
"""
from __future__ import annotations

import logging
import math
import time

from .deployments import RESTART, SCALE, START, STOP
from .health import marathon_health_checks as _marathon_health_checks
from .ids import iso, new_instance_id, time_uuid
from .instances import DECOMMISSIONED, RUNNING, STOPPED, Instance
from .matching import MatchingMixin, is_resident_def
from .probes import ProbesMixin

log = logging.getLogger(__name__)
RETRY_UNPLACED_SECONDS = 2.0   # re-match waiting instances even without a wake-up (offers are cheap here)
# Never-launched instances kept per app. Real Marathon schedules the whole difference at once; the emulator
# creates at most this many waiting instances (more as they launch), so a huge scale-up (instances: 1000000)
# cannot stall the scheduler or eat the memory. The queue's count is capped the same way.
MAX_WAITING_NEW_INSTANCES = 2000


class SchedulerMixin(MatchingMixin, ProbesMixin):
    # ------------------------------------------------------------------------------------------
    # status updates from the master
    def on_status(self, status) -> None:
        inst = self.by_task.get(status.task_id)
        if inst is None or inst.task is None or inst.task.task_id != status.task_id:
            return
        task = inst.task
        prev = task.state
        state = _marathon_state(status.state, inst)
        task.state = state
        task.message = status.message or ""
        if state == "TASK_RUNNING" and task.started_at is None:
            task.started_at = status.timestamp or time.time()
        self.dirty = True
        app = self.repo.get(inst.app_id)
        self.events.publish("status_update_event", {
            "slaveId": inst.agent_id, "taskId": task.task_id, "taskStatus": status.state, "message": task.message,
            "appId": inst.app_id, "host": inst.hostname, "ipAddresses": [{"ipAddress": inst.hostname, "protocol": "IPv4"}],
            "ports": list(task.ports), "version": task.version})
        self.events.publish("instance_changed_event", {
            "instanceId": inst.instance_id, "condition": _condition(state), "runSpecId": inst.app_id,
            "agentId": inst.agent_id, "host": inst.hostname,
            "runSpecVersion": app.version_iso if app else task.version})
        if task.terminal and prev != state:
            self._task_terminated(inst, status)
        elif state == "TASK_UNREACHABLE" and prev != state and not inst.resident:
            # Real Marathon: unreachableStrategy {inactiveAfterSeconds: 0, ...} (the default) makes the instance
            # UnreachableInactive at once and a replacement is launched (matching places it on any agent); the
            # emulator relaunches the same instance as its next incarnation.
            inst.since = time.time()
            self.dirty = True
            self.wake()

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
        inst.track_changes(self._saved.changed)   # the persistence journal writes changed instances only
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
        insts = [i for i in self.by_app.get(rec.app_id, {}).values() if not i.expunged]
        running_goal = [i for i in insts if i.goal == RUNNING]
        outdated = [i for i in running_goal if i.active and i.config_version < rec.last_config_change_at]
        if is_resident_def(rec.definition):
            self._reconcile_resident(rec, insts, running_goal, outdated, now)
        elif outdated:
            self._replace_outdated(rec, running_goal, outdated, now)
        else:
            self._scale_non_resident(rec, insts, running_goal, now)

    def _reconcile_resident(self, rec, insts: list, running_goal: list, outdated: list, now: float) -> None:
        """Scale (suspended instances first, on their reservation; scale-down keeps the reservation), then
        restart outdated instances in place."""
        target = rec.definition["instances"]
        if len(running_goal) < target:
            self._scale_resident_up(rec, insts, running_goal, now)
        elif len(running_goal) > target:
            for inst in self._victims(rec, running_goal, len(running_goal) - target):
                inst.goal = STOPPED          # keep instance, reservation and volumes
                self.dirty = True
                if inst.active:
                    self._kill(inst)
                if inst in outdated:
                    outdated.remove(inst)
        self._restart_in_place(rec, outdated, running_goal, target)

    def _scale_resident_up(self, rec, insts: list, running_goal: list, now: float) -> None:
        """Suspended instances go back to Running first (on their reservation and agent), then new ones.
        `running_goal` grows with them."""
        target = rec.definition["instances"]
        stopped = sorted((i for i in insts if i.goal == STOPPED), key=lambda i: i.since)
        for inst in stopped[: target - len(running_goal)]:
            inst.goal = RUNNING
            inst.since = now
            running_goal.append(inst)
            self.dirty = True
        for _ in range(min(target - len(running_goal), self._new_budget(insts))):
            running_goal.append(self._new_instance(rec, now))

    def _scale_non_resident(self, rec, insts: list, running_goal: list, now: float) -> None:
        target = rec.definition["instances"]
        if len(running_goal) < target:
            for _ in range(min(target - len(running_goal), self._new_budget(insts))):
                self._new_instance(rec, now)
        elif len(running_goal) > target:
            for inst in self._victims(rec, running_goal, len(running_goal) - target):
                self._decommission(inst)

    def _replace_outdated(self, rec, running_goal: list, outdated: list, now: float) -> None:
        """Restart of a non-resident app (TaskReplaceActor, simplified): start new instances up to the maximum
        capacity and kill old ones while ceil(instances * minimumHealthCapacity) stay ready."""
        target = rec.definition["instances"]
        current = [i for i in running_goal if i not in outdated]
        min_healthy, max_capacity = self._restart_capacity(rec, running_goal)
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

    def _restart_capacity(self, rec, running_goal: list) -> tuple[int, int]:
        """TaskReplaceActor.computeRestartStrategy (1.4-1.10): minimum healthy and maximum capacity. When neither
        an old instance could be killed nor a new one started (minimum healthy == maximum capacity, e.g. one
        instance with {0.5, 0}, or {1, 0}), a non-resident app may run one instance over capacity: the new task
        starts before the old one is killed. For a 1-instance DVDI app with the default {0.5, 0} both tasks want
        the same volume (the restart trap); with minimumHealthCapacity 0 the old task is killed first."""
        us = rec.definition["upgradeStrategy"]
        target = rec.definition["instances"]
        min_healthy = math.ceil(target * us["minimumHealthCapacity"])
        max_capacity = math.floor(target * (1 + us["maximumOverCapacity"]))
        healthy = sum(1 for i in running_goal if self._is_ready(rec, i))
        if min_healthy == max_capacity <= healthy:
            max_capacity += 1   # "Allow temporary over-capacity of one instance to allow restarting"
        return min_healthy, max_capacity

    @staticmethod
    def _new_budget(insts: list) -> int:
        return max(0, MAX_WAITING_NEW_INSTANCES - sum(1 for i in insts if i.task is None))

    def _restart_in_place(self, rec, outdated, running_goal, target) -> None:
        """Resident apps (maximumOverCapacity 0): kill old tasks first, keeping ceil(minimumHealthCapacity *
        instances) healthy; at least one at a time (TaskReplaceActor: a resident app kills one below the minimum
        rather than run over capacity). The killed task is relaunched on its reservation with the new config."""
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


def _marathon_state(mesos_state: str, inst: Instance) -> str:
    """The task state Marathon records for a Mesos status. An unreachable task of an instance Marathon is
    stopping or removing counts as gone (KillStreamWatcher treats unreachable instances as killed; the emulator
    expunges at once). TASK_LOST of a resident instance (a master that is not partition-aware) is shown as
    unreachable: with unreachableStrategy disabled it waits for its agent."""
    if mesos_state == "TASK_UNREACHABLE" and inst.goal != RUNNING:
        return "TASK_LOST"
    if mesos_state == "TASK_LOST" and inst.resident and inst.goal == RUNNING:
        return "TASK_UNREACHABLE"
    return mesos_state


def _step(dep) -> dict:
    i = min(dep.current_step, len(dep.steps) - 1)
    return {"actions": [dict(a) for a in dep.steps[i]]} if dep.steps else {"actions": []}


def _condition(state: str) -> str:
    return {"TASK_STAGING": "Staging", "TASK_STARTING": "Starting", "TASK_RUNNING": "Running",
            "TASK_KILLING": "Killing", "TASK_FINISHED": "Finished", "TASK_FAILED": "Failed", "TASK_KILLED": "Killed",
            "TASK_ERROR": "Error", "TASK_LOST": "Gone", "TASK_UNREACHABLE": "Unreachable",
            "TASK_DROPPED": "Dropped", "TASK_GONE": "Gone", "TASK_GONE_BY_OPERATOR": "GoneByOperator",
            "TASK_UNKNOWN": "Unknown"}.get(state, "Unknown")


__all__ = ["SchedulerMixin", "time_uuid"]
