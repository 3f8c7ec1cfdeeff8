"""Injected HTTP faults: the next N matching requests answer 503, hang, or lose their connection.

`late` models a write that is applied but whose answer never arrives (a reply lost on the way back, or a
request held up in a proxy): the request is handled normally after `seconds`, then the connection is
dropped without the answer."""

from __future__ import annotations

import threading
from dataclasses import dataclass

MODES = ("503", "hang", "drop", "late")
DEFAULT_HANG_SECONDS = 300.0


@dataclass
class Fault:
    mode: str
    count: int
    method: str | None = None
    path: str | None = None     # prefix of the request path
    seconds: float = DEFAULT_HANG_SECONDS  # how long a "hang" holds the request at most

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return not self.path or path.startswith(self.path)

    def to_json(self) -> dict:
        return {"mode": self.mode, "count": self.count, "method": self.method, "path": self.path,
                "seconds": self.seconds}


class FaultInjector:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        # Set when faults are cleared or the emulator stops: releases hanging requests.
        self.release = threading.Event()

    def add(self, fault: Fault) -> None:
        if fault.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if fault.count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self.release.clear()
            self._faults.append(fault)

    def take(self, method: str, path: str) -> Fault | None:
        """The fault for this request, consuming one of its N, or None."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
        self.release.set()

    def snapshot(self) -> list:
        with self._lock:
            return [f.to_json() for f in self._faults]
