"""A task's OS process: own process group, a reaper thread, SIGTERM then SIGKILL on kill."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading

log = logging.getLogger(__name__)


def _killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def process_start_ticks(pid: int) -> int | None:
    """Start time of `pid` in clock ticks (/proc/<pid>/stat field 22): tells a live task from a reused pid."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            data = handle.read()
    except OSError:
        return None
    fields = data[data.rfind(")") + 2:].split()
    try:
        return int(fields[19])
    except (IndexError, ValueError):
        return None


def kill_stale_group(pgid: int, start_ticks: int | None) -> bool:
    """Kill a process group left behind by an emulator that died without cleaning up."""
    if start_ticks is None or process_start_ticks(pgid) != start_ticks:
        return False
    _killpg(pgid, signal.SIGKILL)
    return True


class TaskProcess:
    """Runs `argv` (or `/bin/sh -c shell`) in `cwd`; calls `on_exit(returncode, killed)` once, from its reaper."""

    def __init__(self, task_id: str, env: dict, cwd: str, on_exit, shell: str | None = None,
                 argv: list | None = None):
        self.task_id = task_id
        self.env = env
        self.cwd = cwd
        self.shell = shell
        self.argv = argv
        self.on_exit = on_exit
        self.proc: subprocess.Popen | None = None
        self.pgid: int | None = None
        self.start_ticks: int | None = None
        self.exited = threading.Event()
        self.kill_requested = False
        self.returncode: int | None = None

    def start(self, stdout_fd: int, stderr_fd: int) -> None:
        """Start with the sandbox's `stdout` / `stderr` files (fds opened by the agent's FsJail; closed
        here). Raises OSError when the executable cannot be started."""
        argv = ["/bin/sh", "-c", self.shell] if self.shell is not None else list(self.argv or [])
        try:
            self.proc = subprocess.Popen(  # noqa: S603 - running the user's task is the point
                argv, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL, stdout=stdout_fd, stderr=stderr_fd,
                start_new_session=True, close_fds=True,
            )
        finally:
            os.close(stdout_fd)
            os.close(stderr_fd)
        self.pgid = self.proc.pid
        self.start_ticks = process_start_ticks(self.proc.pid)
        threading.Thread(target=self._reap, name=f"reaper-{self.task_id}", daemon=True).start()

    def _reap(self) -> None:
        returncode = self.proc.wait()
        self.returncode = returncode
        # Like a container's cgroup, nothing of the task outlives its main process.
        _killpg(self.pgid, signal.SIGKILL)
        self.exited.set()
        try:
            self.on_exit(returncode, self.kill_requested)
        except Exception:  # noqa: BLE001 - a reaper must never die silently
            log.exception("exit handler of task %s failed", self.task_id)

    def kill(self, grace_seconds: float) -> None:
        """SIGTERM the group now, SIGKILL it when still alive after `grace_seconds` (event wait, no polling)."""
        if self.exited.is_set() or self.pgid is None:
            return
        self.kill_requested = True
        _killpg(self.pgid, signal.SIGTERM)

        def escalate():
            if not self.exited.wait(grace_seconds):
                log.info("task %s ignored SIGTERM for %.1fs: SIGKILL", self.task_id, grace_seconds)
                _killpg(self.pgid, signal.SIGKILL)

        threading.Thread(target=escalate, name=f"kill-{self.task_id}", daemon=True).start()

    def kill_now(self) -> None:
        if self.pgid is not None and not self.exited.is_set():
            self.kill_requested = True
            _killpg(self.pgid, signal.SIGKILL)

    def wait(self, timeout: float | None = None) -> bool:
        return self.exited.wait(timeout)
