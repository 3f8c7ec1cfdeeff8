"""State files: atomic JSON writes (temp file + rename) and tolerant reads.

Atomic against a crash of the emulator (readers see the old or the new file, never half of one).
No fsync by default: agent checkpoints are written on every task start and exit.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile

log = logging.getLogger(__name__)

STATE_FILE = "emulator.json"


def atomic_write_json(path: str, data, fsync: bool = False) -> None:
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            # dumps (C encoder) then one write: json.dump streams through the slow pure-Python encoder.
            handle.write(json.dumps(data, separators=(",", ":")))
            if fsync:
                handle.flush()
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_json(path: str):
    """The parsed file, or None when it is missing or unreadable (logged)."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.error("cannot read %s: %s", path, exc)
        return None


class StateStore:
    """`<state_dir>/emulator.json`: master ids, agents, framework, and the Marathon core's snapshot."""

    def __init__(self, state_dir: str):
        self.state_dir = os.path.abspath(state_dir)
        self.path = os.path.join(self.state_dir, STATE_FILE)

    def agent_dir(self, agent_id: str) -> str:
        return os.path.join(self.state_dir, "agents", agent_id)

    def load(self) -> dict | None:
        return read_json(self.path)

    def save(self, data: dict) -> None:
        atomic_write_json(self.path, data, fsync=True)
