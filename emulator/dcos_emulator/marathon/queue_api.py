"""GET /v2/queue and DELETE /v2/queue/{app}/delay (QueueResource, QueueInfoConversion), mixed into
core.Marathon (it reads the scheduler's launch delays and offer statistics)."""
from __future__ import annotations

import math
import time
from collections import Counter

from .errors import NotFound
from .ids import canonical_path, iso
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
            return out

    def reset_queue_delay(self, raw_id: str):
        app_id = canonical_path(raw_id)
        with self.lock:
            rec = self.repo.get(app_id)
            waiting = rec is not None and any(i.goal == RUNNING and not i.active
                                              for i in self.by_app.get(app_id, {}).values())
            if not waiting:
                raise NotFound(f"Application {app_id} not found in tasks queue.")
            self.reset_delay(app_id)
            self.wake()
            return None


def reject_summary(reasons: Counter, processed: int) -> list:
    """Reasons in Marathon's filter order; `processed` shrinks by those declined earlier in the chain."""
    out, left = [], processed
    for r in REASON_FUNNEL:
        declined = reasons.get(r, 0)
        out.append({"reason": r, "declined": declined, "processed": left})
        left -= declined
    return out


