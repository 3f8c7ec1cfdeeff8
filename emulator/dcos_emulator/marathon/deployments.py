"""Deployment plans (core/deployment/DeploymentPlan.scala) and their JSON (DeploymentsResource)."""
from __future__ import annotations

import uuid

from .ids import iso

START, STOP, SCALE, RESTART = "StartApplication", "StopApplication", "ScaleApplication", "RestartApplication"


def config_changed(old: dict, new: dict) -> bool:
    """AppDefinition.isUpgrade: anything but the instance count differs."""
    a = {k: v for k, v in old.items() if k != "instances"}
    b = {k: v for k, v in new.items() if k != "instances"}
    return a != b


class Deployment:
    def __init__(self, original: dict, target: dict, version: float) -> None:
        """original/target: app id -> AppRecord | None (None = absent)."""
        self.id = str(uuid.uuid4())
        self.version = version
        self.original = original
        self.target = target
        self.steps = compute_steps(original, target)
        self.current_step = 0
        self.started = False

    @property
    def affected_apps(self) -> list[str]:
        return sorted({a["app"] for step in self.steps for a in step})

    @property
    def done(self) -> bool:
        return self.current_step >= len(self.steps) and self.started

    def current_actions(self) -> list[dict]:
        if not self.started or self.current_step >= len(self.steps):
            return []
        return self.steps[self.current_step]

    def render(self) -> dict:
        """GET /v2/deployments element (raml DeploymentPlan + currentActions)."""
        running = self.started and self.current_step < len(self.steps)
        return {
            "id": self.id,
            "version": iso(self.version),
            "affectedApps": self.affected_apps,
            "affectedPods": [],
            "steps": [{"actions": [dict(a) for a in step]} for step in self.steps],
            "currentActions": [dict(a, readinessCheckResults=[]) for a in self.current_actions()],
            "currentStep": self.current_step + 1 if running else (len(self.steps) if self.started else 0),
            "totalSteps": len(self.steps),
        }

    def event_plan(self) -> dict:
        """Plan JSON in deployment events (Formats DeploymentPlanWrites), groups reduced to their apps."""
        def group(side):
            return {"id": "/", "apps": [r.rendered() for r in side.values() if r is not None],
                    "groups": [], "pods": [], "dependencies": [], "version": iso(self.version)}
        return {"id": self.id, "original": group(self.original), "target": group(self.target),
                "steps": [{"actions": [dict(a) for a in step]} for step in self.steps], "version": iso(self.version)}


def compute_steps(original: dict, target: dict) -> list[list[dict]]:
    """DeploymentPlan.apply for app changes: stop, start, then scale/restart (dependency order not modelled:
    the emulator puts all scale/restart actions into one step)."""
    stops, starts, scales = [], [], []
    for app_id in sorted(set(original) | set(target)):
        old, new = original.get(app_id), target.get(app_id)
        if old is not None and new is None:
            stops.append({"action": STOP, "app": app_id})
        elif old is None and new is not None:
            starts.append({"action": START, "app": app_id})
            scales.append({"action": SCALE, "app": app_id})
        elif old is not None and new is not None:
            if config_changed(old.definition, new.definition) or new.last_config_change_at != old.last_config_change_at:
                scales.append({"action": RESTART, "app": app_id})
            elif old.definition["instances"] != new.definition["instances"]:
                scales.append({"action": SCALE, "app": app_id})
    return [s for s in (stops, starts, scales) if s]
