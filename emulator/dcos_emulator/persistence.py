"""State files: atomic JSON writes, the Marathon journal, and tolerant reads.

An atomic write (temp file + rename) leaves readers the old or the new file, never half of one. A durable
write (`fsync=True`) also fsyncs the file before the rename and the directory after it, so the new file is
there after a crash of the machine too. Durable writes are for what is answered to a client (operator
reservations and volumes, Marathon's state); agent checkpoints written on every task start and exit are
only atomic.

Marathon's state is `emulator.json` (a full snapshot, rewritten now and then) plus an append-only journal
of the changes since: one JSON line per acknowledged write, fsynced before the answer is sent (real
Marathon writes to ZooKeeper before it answers). A full rewrite of 1,000 apps is ~4 MB and ~0.2 s; a
journal line is a few KiB and a few milliseconds.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile

log = logging.getLogger(__name__)

STATE_FILE = "emulator.json"
JOURNAL_PREFIX = "marathon-journal."


def fsync_directory(directory: str) -> None:
    """Make a rename or a new file in `directory` durable (POSIX: the entry lives in the directory)."""
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
    if fsync:
        fsync_directory(directory)


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


class Journal:
    """Append-only JSON lines, one generation per file (`marathon-journal.<generation>`).

    A snapshot names the generation of the journal that continues it; a new snapshot starts the next
    generation, so a crash between writing the snapshot and removing the old journal never replays old
    lines onto the new snapshot. A torn last line (a crash during the append, never answered) ends the
    replay."""

    def __init__(self, directory: str):
        self.directory = directory
        self.generation = 0
        self.size = 0
        self._handle = None

    def path(self, generation: int) -> str:
        return os.path.join(self.directory, f"{JOURNAL_PREFIX}{generation}")

    def read(self, generation: int) -> list[dict]:
        records = []
        try:
            with open(self.path(generation), "rb") as handle:
                for number, line in enumerate(handle, 1):
                    try:
                        if not line.endswith(b"\n"):
                            raise ValueError("incomplete line")
                        records.append(json.loads(line))
                    except ValueError as exc:
                        log.warning("%s line %d: %s; the rest was never acknowledged and is ignored",
                                    self.path(generation), number, exc)
                        break
        except FileNotFoundError:
            pass
        return records

    def append(self, record: dict) -> None:
        """Write one line and fsync it: when this returns, the record survives a crash."""
        if self._handle is None:
            path = self.path(self.generation)
            self._handle = open(path, "ab")  # noqa: SIM115 - kept open between appends
            fsync_directory(self.directory)
        line = json.dumps(record, separators=(",", ":")).encode("utf-8") + b"\n"
        self._handle.write(line)
        self._handle.flush()
        os.fsync(self._handle.fileno())
        self.size += len(line)

    def start(self, generation: int) -> None:
        """Continue with an empty journal of `generation` (created at the first append); remove every
        journal file, the ones of older snapshots and any leftover of this generation."""
        self.close()
        self.generation = generation
        self.size = 0
        for name in os.listdir(self.directory):
            if name.startswith(JOURNAL_PREFIX):
                try:
                    os.unlink(os.path.join(self.directory, name))
                except OSError as exc:
                    log.warning("cannot remove the old journal %s: %s", name, exc)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


class StateStore:
    """`<state_dir>/emulator.json` (master ids, agents, framework, the Marathon core's snapshot) and the
    journal of Marathon's changes since that snapshot."""

    def __init__(self, state_dir: str):
        self.state_dir = os.path.abspath(state_dir)
        self.path = os.path.join(self.state_dir, STATE_FILE)
        self.journal = Journal(self.state_dir)

    def agent_dir(self, agent_id: str) -> str:
        return os.path.join(self.state_dir, "agents", agent_id)

    def load(self) -> tuple[dict | None, list[dict]]:
        """The last snapshot and the journal records written after it."""
        saved = read_json(self.path)
        if saved is None:
            return None, []
        self.journal.generation = saved.get("journal_generation", 0)
        return saved, self.journal.read(self.journal.generation)

    def save(self, data: dict) -> None:
        """Write a full snapshot (durably) and start the journal that continues it."""
        generation = self.journal.generation + 1
        atomic_write_json(self.path, dict(data, journal_generation=generation), fsync=True)
        self.journal.start(generation)

    def append(self, record: dict) -> None:
        self.journal.append(record)
