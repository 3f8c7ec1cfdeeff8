"""The stateful tutorial run the way AWX / Automation Controller runs a job template.

ansible-runner runs playbooks/marathon_stateful_tutorial.yml from a private data directory
(project/, inventory/, env/), from a process without a terminal (ansible-runner gives
ansible-playbook a pseudo-terminal of its own through pexpect, as in AWX), with the survey's
answers as extra vars in env/extravars, and with the connection settings only in the environment
that a credential of the collection's AWX credential type injects (tests/release/conftest.py
renders it as AWX does). The emulator demands a DC/OS token, so the job can only succeed with the
token from that environment. Then no file the job left, and no job event, may hold the token.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys

import ansible_runner
import pytest
from conftest import REPO

CREDENTIAL_VARIABLES = ("MARATHON_URL", "MARATHON_USERNAME", "MARATHON_PASSWORD", "DCOS_TOKEN", "MESOS_URL",
                        "MESOS_PRINCIPAL", "MESOS_SECRET", "DCOS_SERVICE_ACCOUNT", "DCOS_PRIVATE_KEY",
                        "DCOS_CA_PATH", "DCOS_VALIDATE_CERTS")


@pytest.fixture
def clean_environment(monkeypatch):
    """Nothing of the caller's own connection settings may reach the job."""
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def private_data_dir(root, survey):
    """What AWX lays out for a job: the project checkout, an inventory, the extra vars file."""
    pdd = root / "job"
    shutil.copytree(REPO / "playbooks", pdd / "project")
    (pdd / "inventory").mkdir(parents=True)
    (pdd / "inventory" / "hosts").write_text(
        f"localhost ansible_connection=local ansible_python_interpreter={sys.executable}\n")
    (pdd / "env").mkdir()
    # AWX writes the survey answers (and the template's extra vars) to env/extravars itself.
    (pdd / "env" / "extravars").write_text(json.dumps(survey))
    return pdd


def run_job(pdd, env, collections_path):
    env = dict(env, ANSIBLE_COLLECTIONS_PATH=str(collections_path), ANSIBLE_LOCALHOST_WARNING="false")
    return ansible_runner.run(
        private_data_dir=str(pdd),
        playbook="marathon_stateful_tutorial.yml",
        ident="1",
        envvars=env,
        # As AWX: no env/envvars etc. written to disk by the runner (AWX_RUNNER_OMIT_ENV_FILES).
        suppress_env_files=True,
        quiet=True,
        timeout=540,
    )


def files_under(path):
    for dirpath, _dirs, names in os.walk(path):
        for name in names:
            yield os.path.join(dirpath, name)


def test_tutorial_job_succeeds_and_leaks_no_secret(tmp_path, start_emulator, credential_type, inject,
                                                   collections_path, clean_environment):
    token = "awx-job-" + secrets.token_urlsafe(24)
    emu = start_emulator("--dcos-token", token)
    survey = {"app_id": "/awx/stateful-tutorial"}
    pdd = private_data_dir(tmp_path, survey)
    env = inject(credential_type, {"marathon_url": emu.marathon_url, "mesos_url": emu.mesos_url, "dcos_token": token}, pdd)
    assert env["DCOS_TOKEN"] == token

    result = run_job(pdd, env, collections_path)

    stdout = result.stdout.read()
    assert (result.status, result.rc) == ("successful", 0), stdout[-4000:]
    stats = result.stats
    assert stats["ok"].get("localhost") and not stats["failures"] and not stats["dark"], stats
    tasks = [e["event_data"].get("task", "") for e in result.events if e["event"] == "runner_on_ok"]
    assert any(t.startswith("Step 7: remove the service") for t in tasks), tasks
    assert any(survey["app_id"] in json.dumps(e) for e in result.events), "the survey's app_id was not used"

    # No secret anywhere: the job events, stdout, status, and every file left in the private
    # data directory. ansible-runner's artifacts/<ident>/command records the environment it ran
    # ansible-playbook with; there, and only there, the injected variable holds the token.
    assert not (pdd / "env" / "envvars").exists()
    assert token not in stdout
    assert token not in json.dumps(list(result.events))
    leaks = []
    for path in files_under(pdd):
        with open(path, "rb") as handle:
            content = handle.read()
        if path == str(pdd / "artifacts" / "1" / "command"):
            command = json.loads(content)
            assert command["env"].pop("DCOS_TOKEN") == token
            content = json.dumps(command).encode()
        if token.encode() in content:
            leaks.append(os.path.relpath(path, pdd))
    assert not leaks, f"the token appears in {leaks}"


def test_tutorial_job_fails_without_the_credential(tmp_path, start_emulator, credential_type, inject,
                                                   collections_path, clean_environment):
    """The control: the same job with a credential that has no token is refused by the emulator,
    so the run above succeeded on the injected token and nothing else."""
    emu = start_emulator("--dcos-token", "awx-job-" + secrets.token_urlsafe(24))
    pdd = private_data_dir(tmp_path, {"app_id": "/awx/stateful-tutorial"})
    env = inject(credential_type, {"marathon_url": emu.marathon_url, "mesos_url": emu.mesos_url}, pdd)

    result = run_job(pdd, env, collections_path)

    assert result.status == "failed"
    failed = [e["event_data"] for e in result.events if e["event"] == "runner_on_failed"]
    assert failed and failed[0]["task"].startswith("Step 1"), failed
    assert "401" in json.dumps(failed[0]["res"]), failed[0]["res"]
