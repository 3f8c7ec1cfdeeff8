"""The stateful tutorial run the way AWX / Automation Controller runs a job template.

ansible-runner runs playbooks/marathon_stateful_tutorial.yml from a private data directory
(project/, inventory/, env/), from a process without a terminal (ansible-runner gives
ansible-playbook a pseudo-terminal of its own through pexpect, as in AWX), with the survey's
answers as extra vars in env/extravars, and with the connection settings only in the environment
that a credential of the collection's AWX credential type injects (tests/release/conftest.py
renders it as AWX does). The emulator demands a DC/OS token, so the job can only succeed with the
token from that environment, or with the service account whose key is there (the modules log in
themselves). Then no file the job left, and no job event, may hold the token or the key.
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
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

CREDENTIAL_VARIABLES = ("MARATHON_URL", "MARATHON_USERNAME", "MARATHON_PASSWORD", "DCOS_TOKEN", "MESOS_URL",
                        "MESOS_PRINCIPAL", "MESOS_SECRET", "DCOS_SERVICE_ACCOUNT", "DCOS_PRIVATE_KEY",
                        "DCOS_URL", "DCOS_CA_PATH", "DCOS_VALIDATE_CERTS")
SERVICE_ACCOUNT = "awx-job-sa"


def token_credential(tmp_path, start_emulator):
    """(emulator, credential inputs, the secrets) for a DC/OS token."""
    token = "awx-job-" + secrets.token_urlsafe(24)
    emu = start_emulator("--dcos-token", token)
    return emu, {"marathon_url": emu.marathon_url, "mesos_url": emu.mesos_url, "dcos_token": token}, \
        {"DCOS_TOKEN": token}


def service_account_credential(tmp_path, start_emulator):
    """(emulator, credential inputs, the secrets) for a service account: uid and private key. The emulator's
    IAM answers on its Marathon port, so the credential's DC/OS cluster URL names it (on DC/OS the cluster root
    is the origin of both URLs, and the field can stay empty)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = tmp_path / "sa.pub"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    # its own task port range: the token job may run at the same time (pytest-xdist), and its tasks bind the
    # emulator's default range
    emu = start_emulator("--dcos-service-account", f"{SERVICE_ACCOUNT}={public}", "--agent-ports", "32100-32600")
    return emu, {"marathon_url": emu.marathon_url, "mesos_url": emu.mesos_url, "dcos_url": emu.marathon_url,
                 "dcos_service_account": SERVICE_ACCOUNT, "dcos_private_key": pem}, {"DCOS_PRIVATE_KEY": pem}


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


def secret_parts(value):
    """What of a secret must not show: the whole value, and each line of a PEM key but its armour."""
    return [value] + [line for line in value.splitlines() if line.strip() and "PRIVATE KEY" not in line]


@pytest.mark.parametrize("credential", [token_credential, service_account_credential], ids=["token", "service_account"])
def test_tutorial_job_succeeds_and_leaks_no_secret(tmp_path, start_emulator, credential_type, inject,
                                                   collections_path, clean_environment, credential):
    emu, inputs, injected = credential(tmp_path, start_emulator)
    survey = {"app_id": "/awx/stateful-tutorial"}
    pdd = private_data_dir(tmp_path, survey)
    env = inject(credential_type, inputs, pdd)
    for name, value in injected.items():
        assert env[name] == value

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
    # ansible-playbook with; there, and only there, the injected variable holds the secret. No
    # token the job received (a JWT: "eyJ...") shows either.
    assert not (pdd / "env" / "envvars").exists()
    events = json.dumps(list(result.events))
    parts = [part for value in injected.values() for part in secret_parts(value)]
    for part in parts:
        assert part not in stdout
        assert part not in events
    assert "eyJ" not in stdout and "eyJ" not in events
    leaks = []
    for path in files_under(pdd):
        with open(path, "rb") as handle:
            content = handle.read()
        if path == str(pdd / "artifacts" / "1" / "command"):
            command = json.loads(content)
            for name, value in injected.items():
                assert command["env"].pop(name) == value
            content = json.dumps(command).encode()
        if any(part.encode() in content for part in parts) or b"eyJ" in content:
            leaks.append(os.path.relpath(path, pdd))
    assert not leaks, f"a secret appears in {leaks}"


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
