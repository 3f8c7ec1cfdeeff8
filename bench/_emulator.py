"""A fresh dcos-emulator for one bench: free ports, a temporary state dir, started, waited for, stopped.

Every bench_*.py starts the emulator it measures (docs/development.md, "Demo and benchmarks"); this module is
the one way they do it, so a change to how the emulator starts is made once. Not a bench itself (make bench
runs bench/bench_*.py only).

    with Emulator("--agents", "10", "--log-level", "WARNING") as emu:
        urllib.request.urlopen(emu.marathon_url + "/v2/apps")
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV_PYTHON = os.path.join(ROOT, ".venv", "bin", "python")
# The venv's interpreter has the emulator's dependencies; a bench run with another Python still starts it there.
PYTHON = VENV_PYTHON if os.path.exists(VENV_PYTHON) else sys.executable


def free_port() -> int:
    """A port nothing listens on right now (the emulator binds it a moment later)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def emulator_env(base: dict | None = None) -> dict:
    """The environment the emulator runs in: `base` (default: ours) with this checkout's emulator importable."""
    env = dict(os.environ if base is None else base)
    env["PYTHONPATH"] = os.path.join(ROOT, "emulator") + os.pathsep + env.get("PYTHONPATH", "")
    return env


def answers(url: str) -> bool:
    """True when something answers HTTP at `url` (an error status counts: it answered)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def wait_answers(url: str, timeout: float, proc: subprocess.Popen | None = None) -> None:
    """Wait until something answers at `url`; SystemExit after `timeout` seconds or when `proc` (the server
    meant to answer) exits first."""
    deadline = time.monotonic() + timeout
    while not answers(url):
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{proc.args[0]} exited ({proc.returncode}) before {url} answered")
        if time.monotonic() > deadline:
            raise SystemExit(f"nothing answered {url} within {timeout:.0f} s")
        time.sleep(0.05)


class Emulator:
    """`python -m dcos_emulator` with `args`, on free Marathon and Mesos ports.

    state_dir: where it keeps its state; by default a new temporary dir, removed by stop().
    stdout, stderr: where its output goes, as for subprocess.Popen (None: this process's; subprocess.DEVNULL; a file).
    start_timeout: seconds for Marathon's /ping and Mesos' /master/health to answer; stop_timeout: seconds
    for it to save and exit after SIGTERM before it is killed (a state of 1,000 resident apps takes a while).
    """

    def __init__(self, *args: str, env: dict | None = None, state_dir: str | None = None, stdout=None, stderr=None,
                 start_timeout: float = 60.0, stop_timeout: float = 30.0):
        self.args = list(args)
        self.env = emulator_env(env)
        self.own_state_dir = state_dir is None
        self.state_dir = tempfile.mkdtemp(prefix="bench-emulator-") if state_dir is None else state_dir
        self.stdout, self.stderr = stdout, stderr
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.marathon_port, self.mesos_port = free_port(), free_port()
        self.marathon_url = f"http://127.0.0.1:{self.marathon_port}"
        self.mesos_url = f"http://127.0.0.1:{self.mesos_port}"
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def start(self) -> Emulator:
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "dcos_emulator", "--state-dir", self.state_dir, "--marathon-port", str(self.marathon_port),
             "--mesos-port", str(self.mesos_port), *self.args],
            env=self.env, stdout=self.stdout, stderr=self.stderr)
        try:
            started = time.monotonic()
            wait_answers(self.marathon_url + "/ping", self.start_timeout, self.proc)
            wait_answers(self.mesos_url + "/master/health", self.start_timeout - (time.monotonic() - started),
                         self.proc)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.own_state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def cpu_seconds(self) -> float:
        """The emulator's own CPU time so far, user + system (not its children: the tasks' processes are not the
        emulator's work)."""
        with open(f"/proc/{self.pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        """The emulator's resident memory now (VmRSS), in MiB."""
        with open(f"/proc/{self.pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
        return float("nan")
