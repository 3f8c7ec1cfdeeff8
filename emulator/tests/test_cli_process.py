"""The `dcos-emulator` command: --help documents every flag; SIGTERM stops it without orphan task processes;
after a crash (SIGKILL) the next start kills the task processes the dead emulator left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid

import pytest
from conftest import HttpClient, free_port, wait_for

from dcos_emulator.cli import build_parser

EMULATOR_DIR = os.path.join(os.path.dirname(__file__), "..")


def run_cli(*args, **kw):
    env = dict(os.environ, PYTHONPATH=EMULATOR_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-m", "dcos_emulator", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def test_help_documents_every_flag():
    proc = run_cli("--help")
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    flags = [opt for action in build_parser()._actions for opt in action.option_strings if opt.startswith("--")]
    for flag in ("--state-dir", "--agents", "--marathon-port", "--mesos-port", "--agent-port",
                 "--marathon-credentials", "--mesos-credentials", "--dcos-token", "--log-level"):
        assert flag in flags
    for flag in flags:
        assert flag in out, f"{flag} missing from --help"
    for action in build_parser()._actions:
        assert action.help, f"{action.option_strings} has no help text"


@pytest.mark.parametrize("args,message", [
    (["--agents", "0"], "--agents must be at least 1"),
    (["--marathon-credentials", "nopassword"], "--marathon-credentials must look like NAME:SECRET"),
    (["--agent-ports", "x-y"], "--agent-ports must look like"),
])
def test_bad_flags_are_reported(args, message):
    proc = run_cli(*args)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert message in err
    assert "Traceback" not in err


def _group_alive(pgid: int) -> bool:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    data = handle.read()
            except OSError:
                continue
            fields = data[data.rfind(")") + 2:].split()
            if fields[0] != "Z" and int(fields[2]) == pgid:
                return True
    return False


def _start_with_app(state_dir):
    marathon_port, mesos_port = free_port(), free_port()
    proc = run_cli("--state-dir", str(state_dir), "--agents", "1", "--marathon-port", str(marathon_port),
                   "--mesos-port", str(mesos_port), "--log-level", "WARNING")
    client = HttpClient(f"http://127.0.0.1:{marathon_port}")

    def up():
        try:
            return client.get("/ping").status == 200
        except OSError:
            return False

    wait_for(up, timeout=30, message="emulator up")
    marker = uuid.uuid4().hex
    app = {"id": "/sleeper", "cmd": f"echo $$ > pid; sleep 300; : {marker}", "cpus": 0.1, "mem": 16}
    assert client.post("/v2/apps", json=app).status == 201
    pid_file = wait_for(lambda: _find_pid_file(state_dir), message="task started")
    pgid = wait_for(lambda: _read_int(pid_file), message="pid written")
    assert _group_alive(pgid)
    return proc, pgid


def _find_pid_file(state_dir):
    for root, _dirs, files in os.walk(state_dir):
        if "pid" in files:
            return os.path.join(root, "pid")
    return None


def _read_int(path):
    try:
        with open(path) as handle:
            text = handle.read().strip()
        return int(text) if text else None
    except (OSError, ValueError):
        return None


def test_sigterm_stops_the_emulator_and_its_tasks(tmp_path):
    proc, pgid = _start_with_app(tmp_path / "state")
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert not _group_alive(pgid)
    assert (tmp_path / "state" / "emulator.json").exists()


def test_restart_after_crash_kills_leftover_task_processes(tmp_path):
    state_dir = tmp_path / "state"
    proc, pgid = _start_with_app(state_dir)
    proc.kill()  # crash: no cleanup
    proc.communicate(timeout=30)
    assert _group_alive(pgid), "the orphan is expected to outlive a crashed emulator"
    second, _ = None, None
    try:
        second = run_cli("--state-dir", str(state_dir), "--agents", "1", "--marathon-port", str(free_port()),
                         "--mesos-port", str(free_port()), "--log-level", "WARNING")
        wait_for(lambda: not _group_alive(pgid), timeout=30, message="leftover process group killed")
    finally:
        if second is not None:
            second.send_signal(signal.SIGTERM)
            second.communicate(timeout=30)
        try:
            os.killpg(pgid, signal.SIGKILL)
        except OSError:
            pass
