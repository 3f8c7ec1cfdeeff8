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
    def __init__(self, original: dict, target: dict, version: float, depth=None) -> None:
        """original/target: app id -> AppRecord (absent = no app). depth(app_id): longest dependency path."""
        self.id = str(uuid.uuid4())
        self.version = version
        self.original = original
        self.target = target
        self.steps = compute_steps(original, target, depth)
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
        """Plan JSON in deployment events: raml.DeploymentPlan (id, steps, version). Marathon 1.10's
        DeploymentStatus/DeploymentSuccess carry no original/target groups (Marathon <= 1.4 did)."""
        return {"id": self.id, "steps": [{"actions": [dict(a) for a in step]} for step in self.steps],
                "version": iso(self.version)}


def compute_steps(original: dict, target: dict, depth=None) -> list[list[dict]]:
    """DeploymentPlan.apply: stop removed apps, start new ones (at 0 instances), then one step per
    dependency class (apps with the same longest dependency path), in ascending order:
    new -> ScaleApplication; scale-only change or scaled to zero -> ScaleApplication;
    other change -> RestartApplication. Empty steps are dropped."""
    stops = [{"action": STOP, "app": a} for a in sorted(original) if a not in target]
    starts = [{"action": START, "app": a} for a in sorted(target) if a not in original]
    classes: dict[int, list] = {}
    for app_id in sorted(target):
        new, old = target[app_id], original.get(app_id)
        if old is None:
            action = SCALE
        elif old is new:
            continue
        elif not config_changed(old.definition, new.definition) and \
                new.last_config_change_at == old.last_config_change_at:
            if old.definition["instances"] == new.definition["instances"]:
                continue
            action = SCALE
        elif new.definition["instances"] == 0:
            action = SCALE
        else:
            action = RESTART
        classes.setdefault(depth(app_id) if depth else 0, []).append({"action": action, "app": app_id})
    return [s for s in [stops, starts] + [classes[k] for k in sorted(classes)] if s]
