"""Event bus behind GET /v2/events (core/event/Events.scala; SSE framing of the HTTP event stream).

Publishers call publish() with the cluster lock held; every subscriber has its own bounded queue,
so a slow client never blocks the scheduler (Marathon drops slow SSE consumers too).
"""
from __future__ import annotations

import json
import queue
import threading

from .ids import iso


class Subscription:
    def __init__(self, bus: "EventBus", event_types: set | None, remote: str) -> None:
        self._bus = bus
        self._types = event_types
        self._queue: queue.Queue = queue.Queue(maxsize=10000)
        self.closed = False
        self.remote = remote

    def offer(self, event_type: str, chunk: bytes) -> None:
        if self._types and event_type not in self._types:
            return
        try:
            self._queue.put_nowait(chunk)
        except queue.Full:
            self.close()

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._bus._remove(self)
            try:
                self._queue.put_nowait(None)
            except queue.Full:
                pass

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        if self.closed and self._queue.empty():
            raise StopIteration
        try:
            chunk = self._queue.get(timeout=15.0)
        except queue.Empty:
            return b"\r\n"  # keep-alive: Marathon's SSE stream sends heartbeats too
        if chunk is None:
            raise StopIteration
        return chunk


class EventBus:
    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()
        self.history: list[dict] = []   # last events, for tests and debugging
        self.listeners: list = []       # in-process callables(event dict)

    def subscribe(self, event_types: set | None = None, remote: str = "127.0.0.1") -> Subscription:
        sub = Subscription(self, event_types or None, remote)
        with self._lock:
            self._subs.append(sub)
        # Marathon sends event_stream_attached to everyone when a client attaches.
        self.publish("event_stream_attached", {"remoteAddress": remote})
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)
        self.publish("event_stream_detached", {"remoteAddress": sub.remote})

    def publish(self, event_type: str, payload: dict, ts: float | None = None) -> dict:
        import time
        event = dict(payload)
        event["eventType"] = event_type
        event["timestamp"] = iso(ts if ts is not None else time.time())
        self.history.append(event)
        if len(self.history) > 1000:
            del self.history[:500]
        chunk = f"event: {event_type}\r\ndata: {json.dumps(event, separators=(',', ':'))}\r\n\r\n".encode()
        with self._lock:
            subs = list(self._subs)
        for s in subs:
            s.offer(event_type, chunk)
        for fn in list(self.listeners):
            fn(event)
        return event
