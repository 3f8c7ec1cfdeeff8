"""GET /v2/queue and DELETE /v2/queue/{app}/delay (QueueResource, QueueInfoConversion), groups
(read-only) and the info endpoints, mixed into core.Marathon."""
from __future__ import annotations

import math
import time
from collections import Counter

from .errors import ApiError
from .ids import canonical_path, iso, path_segments
from .instances import RUNNING
from .matching import REASON_FUNNEL, _new_stats


class QueueApiMixin:
    # ==========================================================================================
    # queue
    def queue(self, query: dict):
        embed_offers = "lastUnusedOffers" in query.get("embed", [])
        now = time.time()
        with self.lock:
            out = []
            for app_id, insts in self.by_app.items():
                rec = self.repo.get(app_id)
                if rec is None:
                    continue
                waiting = [i for i in insts.values() if i.goal == RUNNING and not i.expunged and (
                    not i.active or i.task.state == "TASK_UNREACHABLE")]
                if not waiting:
                    continue
                left = self._delay_left(app_id, now)
                stats = self.offer_stats.get(app_id) or _new_stats()
                last = list(stats["last_no_match"].values())
                summary = {"processedOffersCount": stats["processed"], "unusedOffersCount": stats["unused"]}
                if stats["last_unused"]:
                    summary["lastUnusedOfferAt"] = iso(stats["last_unused"])
                if stats["last_used"]:
                    summary["lastUsedOfferAt"] = iso(stats["last_used"])
                # QueueInfoConversion.declinedOfferSteps: last offers = the last NoMatch of each agent
                summary["rejectSummaryLastOffers"] = reject_summary(Counter(n["reason"][0] for n in last if n["reason"]),
                                                                     len(last))
                summary["rejectSummaryLaunchAttempt"] = reject_summary(stats["launch_reasons"], stats["processed"])
                entry = {"count": len(waiting), "role": rec.definition["role"],
                         "delay": {"timeLeftSeconds": int(math.ceil(left)), "overdue": left <= 0},
                         "since": iso(min(i.since for i in waiting) or now),
                         "processedOffersSummary": summary}
                if embed_offers:
                    entry["lastUnusedOffers"] = last
                entry["app"] = rec.rendered()
                out.append(entry)
            return 200, {"queue": out}, {}

    def reset_queue_delay(self, raw_id: str):
        app_id = canonical_path(raw_id)
        with self.lock:
            rec = self.repo.get(app_id)
            waiting = rec is not None and any(i.goal == RUNNING and not i.active
                                              for i in self.by_app.get(app_id, {}).values())
            if not waiting:
                raise ApiError(404, {"message": f"Application {app_id} not found in tasks queue."})
            self.reset_delay(app_id)
            self.wake()
            return 204, None, {}

    # ==========================================================================================
    # groups (read-only: the emulator derives groups from app ids; group writes are not emulated)
    def get_group(self, raw_id: str, query: dict):
        group_id = canonical_path(raw_id or "/")
        with self.lock:
            tree: dict = {}
            for rec in self.repo.apps.values():
                node = tree
                for seg in path_segments(rec.app_id)[:-1]:
                    node = node.setdefault(seg, {})
                node.setdefault("\0apps", []).append(rec)
            node = tree
            for seg in path_segments(group_id):
                if seg not in node or seg.startswith("\0"):
                    raise ApiError(404, {"message": f"Group '{group_id}' does not exist"})
                node = node[seg]
            version = iso(max((r.version for r in self.repo.apps.values()), default=time.time()))
            return 200, self._group_json(group_id, node, version), {}

    def _group_json(self, group_id: str, node: dict, version: str) -> dict:
        prefix = group_id.rstrip("/")
        return {
            "id": group_id,
            "apps": [self._app_info(r, {"counts", "deployments"}) for r in node.get("\0apps", [])],
            "groups": [self._group_json(f"{prefix}/{k}", v, version) for k, v in sorted(node.items())
                       if not k.startswith("\0")],
            "pods": [], "dependencies": [], "version": version, "enforceRole": False,
        }

    # ==========================================================================================
    # info
    def close(self) -> None:
        """Called by Cluster.stop(): end every SSE stream."""
        for sub in list(self.events._subs):
            sub.close()

    def info(self):
        return 200, self.config.info(), {}

    def metrics(self):
        """GET /metrics in Marathon 1.10's (Dropwizard JSON) format; a few gauges of the emulated state."""
        with self.lock:
            running = sum(1 for i in self.instances.values() if i.task is not None and i.task.state == "TASK_RUNNING")
            staged = sum(1 for i in self.instances.values() if i.task is not None and i.task.state in (
                "TASK_STAGING", "TASK_STARTING"))
            gauges = {
                "marathon.apps.active.gauge": {"value": len(self.repo.apps)},
                "marathon.deployments.active.gauge": {"value": len(self.deployments)},
                "marathon.instances.running.gauge": {"value": running},
                "marathon.instances.staged.gauge": {"value": staged},
                "marathon.instances.launch-overdue.gauge": {"value": sum(
                    1 for i in self.instances.values() if i.goal == RUNNING and not i.active and not i.expunged)},
            }
            return 200, {"version": "4.0.0", "counters": {}, "gauges": gauges, "histograms": {}, "meters": {},
                         "timers": {}}, {}

    def leader(self):
        return 200, {"leader": self.config.leader}, {}



def reject_summary(reasons: Counter, processed: int) -> list:
    """Reasons in Marathon's filter order; `processed` shrinks by those declined earlier in the chain."""
    out, left = [], processed
    for r in REASON_FUNNEL:
        declined = reasons.get(r, 0)
        out.append({"reason": r, "declined": declined, "processed": left})
        left -= declined
    return out


