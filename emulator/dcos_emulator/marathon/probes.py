"""Health and readiness probes of running tasks (core/health, core/readiness), mixed into the scheduler.
Probes run in short-lived threads (health.py); results are applied under the cluster lock."""
from __future__ import annotations

import time

from . import health as hc_mod
from .health import marathon_health_checks as _marathon_health_checks


class ProbesMixin:
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

