"""Time formats used by Marathon (ISO-8601 UTC with millis) and Mesos (float seconds)."""

import datetime
import time


def now() -> float:
    return time.time()


def iso(ts: float | None = None) -> str:
    """Marathon timestamp, e.g. 2015-09-29T15:59:51.164Z."""
    if ts is None:
        ts = time.time()
    dt = datetime.datetime.fromtimestamp(ts, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float:
    """Inverse of iso(); accepts a trailing Z or an explicit offset."""
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    return datetime.datetime.fromisoformat(text).timestamp()
