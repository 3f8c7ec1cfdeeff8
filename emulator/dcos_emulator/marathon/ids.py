"""Identifiers and timestamps in Marathon's formats."""
from __future__ import annotations

import re
import time
import uuid
from datetime import datetime, timezone

# Marathon's path segment rule (state/PathId.scala, ID_PATH_SEGMENT_PATTERN).
ID_SEGMENT_PATTERN = r"^(([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])\.)*([a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])|(\.|\.\.)$"
_ID_SEGMENT_RE = re.compile(ID_SEGMENT_PATTERN)
RESERVED_KEYWORDS = ("restart", "tasks", "versions", ".", "..")

# Instance/task id parsing (core/instance/Instance.scala, core/task/Task.scala): separators "." or "_".
_TASK_ID_RE = re.compile(
    r"^(?P<instance>(?P<app>.+)[._](?P<prefix>instance-|marathon-)(?P<uuid>[^._]+))"
    r"(?:\.(?P<container>[^.]+)(?:\.(?P<incarnation>\d+))?)?$"
)
_LEGACY_TASK_ID_RE = re.compile(r"^(?P<app>.+)[._](?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\.(?P<incarnation>\d+))?$")


def iso(ts: float) -> str:
    """ISO-8601 UTC with millis, as Marathon's Timestamp renders it."""
    dt = datetime.fromtimestamp(ts, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float | None:
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError, TypeError):
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.timestamp()


class VersionClock:
    """Strictly increasing millisecond timestamps: two changes never share a version."""

    def __init__(self) -> None:
        self._last = 0.0

    def now(self) -> float:
        ts = round(time.time(), 3)
        if ts <= self._last:
            ts = round(self._last + 0.001, 3)
        self._last = ts
        return ts


def time_uuid() -> str:
    """Marathon uses time-based (version 1) UUIDs for instances and volumes."""
    return str(uuid.uuid1())


def is_top_level(path: str) -> bool:
    """PathId.isTopLevel: a child of the root."""
    return len(path_segments(path)) == 1


def top_level_of(path: str) -> str:
    """PathId.rootPath: the top-level path a path is in (a path at the root level: itself; the root: "/")."""
    segs = path_segments(path)
    return "/" + segs[0] if segs else "/"


def canonical_path(raw: str, base: str = "/") -> str:
    """PathId.canonicalPath: resolve relative ids against base, drop '.', apply '..', no trailing slash."""
    parts = [] if raw.startswith("/") else [p for p in base.split("/") if p]
    for seg in raw.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if parts:
                parts.pop()
            continue
        parts.append(seg)
    return "/" + "/".join(parts)


def path_segments(app_id: str) -> list[str]:
    return [p for p in app_id.split("/") if p]


def id_violations(raw_id: str) -> list[str]:
    """Messages of PathId.pathIdValidator for an id (reported at path /id)."""
    segs = path_segments(raw_id)
    out = []
    if not all(_ID_SEGMENT_RE.fullmatch(s) for s in segs):
        out.append(f"must fully match regular expression '{ID_SEGMENT_PATTERN}'")
    if segs and segs[-1] in RESERVED_KEYWORDS:
        out.append("must not end with any of the following reserved keywords: " + ", ".join(RESERVED_KEYWORDS))
    return out


def safe_app_id(app_id: str) -> str:
    """PathId.safePath: segments joined with '_' ('/db/pg' -> 'db_pg')."""
    return "_".join(path_segments(app_id))


def new_instance_id(app_id: str) -> str:
    return f"{safe_app_id(app_id)}.instance-{time_uuid()}"


def task_id_for(instance_id: str, incarnation: int) -> str:
    """1.8+ app task id: <instanceId>._app.<incarnation>."""
    return f"{instance_id}._app.{incarnation}"


def persistence_id(app_id: str, container_path: str) -> str:
    """<safeAppId>#<containerPath>#<time uuid> (core/instance/LocalVolume.scala)."""
    return f"{safe_app_id(app_id)}#{container_path}#{time_uuid()}"


def parse_task_id(task_id: str) -> dict | None:
    """Return {"instance": instance id, "app": safe app id} or None when not parseable."""
    m = _TASK_ID_RE.match(task_id)
    if m:
        return {"instance": m.group("instance"), "app": m.group("app")}
    m = _LEGACY_TASK_ID_RE.match(task_id)
    if m:
        return {"instance": f"{m.group('app')}.marathon-{m.group('uuid')}", "app": m.group("app")}
    return None
