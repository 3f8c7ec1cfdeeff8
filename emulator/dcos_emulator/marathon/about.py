"""GET /v2/info, /v2/leader and /metrics: what the emulated Marathon says about itself. A part of the core,
composed into core.Marathon as `marathon.about`."""
from __future__ import annotations

from .instances import RUNNING


class About:
    def __init__(self, config, lock, repo, instances: dict, deployments: dict) -> None:
        self.config = config
        self.lock = lock
        self.repo = repo
        self.instances = instances
        self.deployments = deployments

    def info(self) -> dict:
        return self.config.info()

    def leader(self) -> dict:
        return {"leader": self.config.leader}

    def metrics(self) -> dict:
        """GET /metrics in Marathon 1.10's (Dropwizard JSON) format; a few gauges of the emulated state."""
        with self.lock:
            instances = self.instances.values()
            running = sum(1 for i in instances if i.task is not None and i.task.state == "TASK_RUNNING")
            staged = sum(1 for i in instances if i.task is not None and i.task.state in (
                "TASK_STAGING", "TASK_STARTING"))
            gauges = {
                "marathon.apps.active.gauge": {"value": len(self.repo.apps)},
                "marathon.deployments.active.gauge": {"value": len(self.deployments)},
                "marathon.instances.running.gauge": {"value": running},
                "marathon.instances.staged.gauge": {"value": staged},
                "marathon.instances.launch-overdue.gauge": {"value": sum(
                    1 for i in instances if i.goal == RUNNING and not i.active and not i.expunged)},
            }
            return {"version": "4.0.0", "counters": {}, "gauges": gauges, "histograms": {}, "meters": {},
                    "timers": {}}
