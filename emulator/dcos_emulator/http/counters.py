"""Request counters per "METHOD /path" (admin requests are not counted), for tests asserting request counts."""

from __future__ import annotations

import threading
from collections import Counter


class RequestCounters:
    def __init__(self):
        self._lock = threading.Lock()
        self._counts: Counter = Counter()

    def count(self, method: str, path: str) -> None:
        with self._lock:
            self._counts[f"{method} {path}"] += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"requests": dict(sorted(self._counts.items())), "total": sum(self._counts.values())}

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
