"""Shared pieces of the release tests (tests/release, `make release-test`).

These tests check what a user of AWX / Automation Controller or Galaxy gets from the collection:
the execution-environment definition, the AWX credential type, and a job run the way AWX runs
one. They run from the repository against the collection copy (`make collection`), and they are
not part of the collection tarball (galaxy.yml's build_ignore).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = Path(__file__).resolve().parents[2]
VBIN = Path(sys.executable).parent
CREDENTIAL_TYPE = REPO / "extensions" / "awx" / "credential_types" / "dcos.yml"


@pytest.fixture(scope="session")
def collections_path() -> Path:
    """The collections path holding the synced copy (the Makefile exports it)."""
    path = Path(os.environ.get("ANSIBLE_COLLECTIONS_PATH", REPO / ".build" / "collections"))
    if not (path / "ansible_collections" / "dcos" / "stateful" / "galaxy.yml").is_file():
        pytest.fail(f"no collection copy under {path}: run `make collection` (make release-test does)")
    return path


@pytest.fixture(scope="session")
def credential_type() -> dict:
    return yaml.safe_load(CREDENTIAL_TYPE.read_text())


def awx_inject(credential_type: dict, inputs: dict, private_data_dir: Path) -> dict[str, str]:
    """The environment AWX gives a job for one credential of this type.

    Follows AWX's injection: the job's namespace holds the inputs that are set (an empty string
    counts as unset); boolean fields that are not set are False; each `file` template is rendered
    into a file under <private data dir>/env and `tower.filename` names it; every `env` template
    is rendered with Jinja's sandbox, so a variable whose field is unset is injected empty.
    """
    namespace = {k: v for k, v in inputs.items() if isinstance(v, bool) or v}
    for field in credential_type["inputs"]["fields"]:
        if field.get("type") == "boolean" and field["id"] not in inputs:
            namespace[field["id"]] = False
    sandbox = ImmutableSandboxedEnvironment()
    env_dir = private_data_dir / "env"
    env_dir.mkdir(parents=True, exist_ok=True)
    single, files = None, {}
    for label, template in credential_type["injectors"].get("file", {}).items():
        fd, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(fd, "w") as handle:
            handle.write(sandbox.from_string(template).render(**namespace))
        os.chmod(path, 0o600)
        if "." in label:
            files[label.split(".", 1)[1]] = path
        else:
            single = path
    namespace["tower"] = SimpleNamespace(filename=single or SimpleNamespace(**files))
    return {name: sandbox.from_string(template).render(**namespace)
            for name, template in credential_type["injectors"].get("env", {}).items()}


@pytest.fixture(scope="session")
def inject():
    return awx_inject


def _free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _serving(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError as err:
        return err.code < 500  # with --dcos-token, /ping answers 401: it is serving
    except OSError:
        return False


@pytest.fixture
def start_emulator(tmp_path_factory):
    """Start a dcos-emulator on free ports with the given extra flags; stopped at the end."""
    procs = []

    def start(*flags: str) -> SimpleNamespace:
        marathon_port, mesos_port, agent_port = _free_ports(3)
        state_dir = tmp_path_factory.mktemp("emulator")
        log = open(state_dir.parent / (state_dir.name + ".log"), "wb")  # closed at teardown
        proc = subprocess.Popen(
            [str(VBIN / "dcos-emulator"), "--state-dir", str(state_dir), "--agents", "2",
             "--marathon-port", str(marathon_port), "--mesos-port", str(mesos_port),
             "--agent-port", str(agent_port), *flags],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        procs.append((proc, log))
        emu = SimpleNamespace(marathon_url=f"http://127.0.0.1:{marathon_port}",
                              mesos_url=f"http://127.0.0.1:{mesos_port}", state_dir=state_dir, log=Path(log.name))
        deadline = time.monotonic() + 30
        for url in (emu.marathon_url + "/ping", emu.mesos_url + "/ping"):
            while not _serving(url):
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"dcos-emulator did not start: {emu.log.read_text()[-2000:]}")
                time.sleep(0.05)
        return emu

    yield start
    for proc, log in procs:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
