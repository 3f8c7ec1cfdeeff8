"""The DC/OS CLI (PyPI dcoscli/dcos 0.6.1, the last release that ships `dcos marathon`) runs unchanged against the
emulator: `dcos marathon app|task|deployment|debug ...` as an operator types them, configured through a throw-away
DCOS_DIR whose attached cluster points marathon.url at the emulator.

The CLI lives in its own virtualenv (.venv-clients, made from client-requirements.txt; its old pins cannot share
.venv). Without it this module is skipped. DCOS_CLI=/path/to/dcos overrides the executable.
"""
from __future__ import annotations

import json
import os
import re
import subprocess

import pytest

from conftest import HttpClient, free_port, wait_for

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CLI = os.environ.get("DCOS_CLI") or os.path.join(REPO, ".venv-clients", "bin", "dcos")

pytestmark = pytest.mark.skipif(
    not os.access(CLI, os.X_OK),
    reason=f"DC/OS CLI not installed at {CLI} (make .venv-clients from emulator/tests/client-requirements.txt)")

# dcos 0.6.1 subclasses collections.Mapping at import time (dcos/config.py), and Python 3.10 removed the
# collections ABC aliases, so the CLI cannot even print --version on 3.11. The only workaround short of patching
# the package: alias them back before it imports, through a sitecustomize on PYTHONPATH.
SHIM = """import collections, collections.abc
for _name in ("Mapping", "MutableMapping", "Sequence", "Iterable", "Callable", "Set", "MutableSet"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))
"""

RESIDENT_APP = {
    "id": "/db/pg", "cmd": "echo $MESOS_TASK_ID >> data/log; sleep 600", "cpus": 0.1, "mem": 32, "instances": 1,
    "container": {"type": "MESOS", "volumes": [{"containerPath": "data", "mode": "RW", "persistent": {"size": 16}}]},
    "residency": {"taskLostBehavior": "WAIT_FOREVER"},
    "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0},
}
# more cpus than any agent has (4): its deployment never finishes and the app waits in the launch queue
STUCK_APP = {"id": "/big", "cmd": "sleep 600", "cpus": 5, "mem": 16}


class Dcos:
    """Runs the CLI; waits poll the emulator over plain HTTP (each CLI start costs about a second)."""

    def __init__(self, env: dict, http):
        self.env = env
        self.http = http

    def run(self, *args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([CLI, *args], input=stdin if stdin is not None else "", env=self.env,
                              capture_output=True, text=True, timeout=60)
        assert "Traceback" not in proc.stderr + proc.stdout, (args, proc.stdout, proc.stderr)
        if ok:
            assert proc.returncode == 0, (args, proc.returncode, proc.stdout, proc.stderr)
        return proc

    def json(self, *args: str):
        return json.loads(self.run(*args).stdout)

    def tasks(self, app_id: str, running: int, exclude=()) -> list:
        """Wait until `running` tasks of the app (none in `exclude`) run, then list them through the CLI."""
        def ready():
            tasks = [t for t in self.http.get(f"/v2/apps{app_id}/tasks").json()["tasks"]
                     if t["state"] == "TASK_RUNNING" and t["id"] not in exclude]
            return len(tasks) == running
        wait_for(ready, timeout=20, message=f"{running} running tasks of {app_id}")
        return [t for t in self.json("marathon", "task", "list", "--json", app_id)
                if t["state"] == "TASK_RUNNING" and t["id"] not in exclude]

    def idle(self) -> None:
        wait_for(lambda: self.http.get("/v2/deployments").json() == [], message="no deployments")

    def deploying(self) -> None:
        """Wait for a deployment at its last step (currentStep is 0 until the first step starts)."""
        wait_for(lambda: [d for d in self.http.get("/v2/deployments").json() if d["currentStep"] == d["totalSteps"]],
                 message="a deployment at its last step")


@pytest.fixture
def dcos(cluster, marathon, tmp_path) -> Dcos:
    return cli_for(cluster, marathon, tmp_path)


def cli_for(cluster, marathon, tmp_path, token: str | None = None) -> Dcos:
    home = tmp_path / "home"
    cluster_dir = home / ".dcos" / "clusters" / "emulator"
    cluster_dir.mkdir(parents=True)
    # marathon.url is what `dcos marathon` uses; core.dcos_url would be Admin Router on DC/OS (the emulator has
    # none, so it points at Marathon too); the CLI insists the config file is private
    config = cluster_dir / "dcos.toml"
    config.write_text(
        f'[core]\ndcos_url = "{cluster.marathon_url}"\nmesos_master_url = "{cluster.mesos_url}"\n'
        + (f'dcos_acs_token = "{token}"\n' if token else "") +
        f'[marathon]\nurl = "{cluster.marathon_url}"\n[cluster]\nname = "emulator"\n')
    config.chmod(0o600)
    (cluster_dir / "attached").touch()
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(SHIM)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "DCOS_DIR": str(home / ".dcos"),
           "PYTHONPATH": str(shim), "LANG": "C.UTF-8"}
    return Dcos(env, marathon)


def add(dcos: Dcos, app: dict) -> str:
    """`dcos marathon app add` reading the definition from stdin (as `< app.json`); returns the deployment id."""
    out = dcos.run("marathon", "app", "add", stdin=json.dumps(app)).stdout
    match = re.fullmatch(r"Created deployment ([0-9a-f-]{36})\n", out)
    assert match, out
    return match.group(1)


def test_cli_runs_and_reads_info(dcos, cluster):
    assert dcos.run("--version").stdout.startswith("dcoscli.version=0.6.1")
    about = dcos.json("marathon", "about")
    assert about["version"] == "1.10.26" and about["marathon_config"]["mesos_role"] == "slave_public"
    assert dcos.run("marathon", "ping", "--once").stdout.strip() == 'Marathon ping response[1x]: "pong"'


def test_app_add_list_show_update_versions(dcos, cluster, tmp_path):
    path = tmp_path / "pg.json"
    path.write_text(json.dumps(RESIDENT_APP))
    assert dcos.run("marathon", "app", "add", str(path)).stdout.startswith("Created deployment ")
    [task] = dcos.tasks("/db/pg", running=1)
    dcos.idle()

    table = dcos.run("marathon", "app", "list").stdout.splitlines()
    assert table[0].split() == ["ID", "MEM", "CPUS", "TASKS", "HEALTH", "DEPLOYMENT", "WAITING", "CONTAINER", "CMD"]
    assert table[1].split()[:8] == ["/db/pg", "32", "0.1", "1/1", "N/A", "---", "False", "MESOS"]
    assert dcos.run("marathon", "app", "list", "--quiet").stdout.split() == ["/db/pg"]
    [listed] = dcos.json("marathon", "app", "list", "--json")
    assert listed["residency"]["taskLostBehavior"] == "WAIT_FOREVER" and listed["tasksRunning"] == 1

    shown = dcos.json("marathon", "app", "show", "/db/pg")
    assert shown["container"]["volumes"][0]["persistent"]["size"] == 16
    assert [t["id"] for t in shown["tasks"]] == [task["id"]]
    assert shown["tasks"][0]["localVolumes"][0]["containerPath"] == "data"

    # JSON on stdin is the reliable way: the CLI's key=value parser turns objects and strings with spaces into
    # "https://..." URLs (dcos/jsonitem.py tries _parse_url before _parse_object), against real Marathon too
    out = dcos.run("marathon", "app", "update", "/db/pg", stdin=json.dumps({"env": {"MODE": "replica"}})).stdout
    assert re.fullmatch(r"Created deployment [0-9a-f-]{36}\n", out)
    dcos.idle()
    dcos.run("marathon", "app", "update", "/db/pg", "instances=1")   # a plain number works as key=value
    [moved] = dcos.tasks("/db/pg", running=1, exclude={task["id"]})
    assert moved["localVolumes"] == task["localVolumes"] and moved["slaveId"] == task["slaveId"]
    assert dcos.json("marathon", "app", "show", "/db/pg")["env"] == {"MODE": "replica"}

    versions = dcos.json("marathon", "app", "version", "list", "/db/pg")
    assert len(versions) == 2
    first = dcos.json("marathon", "app", "show", f"--app-version={versions[-1]}", "/db/pg")
    assert "env" not in first and first["version"] == versions[-1]   # env is omitEmpty (app.raml pragma)
    assert dcos.json("marathon", "app", "show", "--app-version=-1", "/db/pg")["version"] == versions[-1]


def test_stop_start_keeps_the_volume_and_remove(dcos, cluster):
    add(dcos, RESIDENT_APP)
    [task] = dcos.tasks("/db/pg", running=1)
    volume = task["localVolumes"][0]["persistenceId"]
    agent = cluster.master.agents[task["slaveId"]]
    path = agent.volume_path(task["role"], volume)
    wait_for(lambda: os.path.exists(os.path.join(path, "log")), message="task wrote into its volume")

    dcos.idle()
    assert dcos.run("marathon", "app", "stop", "/db/pg").stdout.startswith("Created deployment ")
    # a suspended resident instance keeps its reservation and volume, and its last task stays listed: last
    # terminal state, no startedAt, localVolumes kept (Marathon 1.10's instance model)
    dcos.idle()
    [suspended] = dcos.json("marathon", "task", "list", "--json", "/db/pg")
    assert suspended["state"] == "TASK_KILLED"
    assert "startedAt" not in suspended and suspended["localVolumes"] == task["localVolumes"]
    assert os.path.isdir(path)
    dcos.run("marathon", "app", "start", "/db/pg", "1")
    [back] = dcos.tasks("/db/pg", running=1)
    assert back["localVolumes"][0]["persistenceId"] == volume and back["slaveId"] == task["slaveId"]
    wait_for(lambda: back["id"] in open(os.path.join(path, "log")).read(), message="relaunch wrote into the same volume")

    dcos.idle()
    assert dcos.run("marathon", "app", "restart", "/db/pg").stdout.startswith("Created deployment ")
    dcos.tasks("/db/pg", running=1, exclude={back["id"]})
    dcos.idle()
    assert dcos.run("marathon", "app", "remove", "/db/pg").stdout == ""
    dcos.idle()
    assert dcos.json("marathon", "app", "list", "--json") == []
    missing = dcos.run("marathon", "app", "remove", "/db/pg", ok=False)
    assert missing.returncode == 1 and missing.stderr.strip() == "Error: App '/db/pg' does not exist"


def test_task_list_show_stop_and_kill_with_wipe(dcos, cluster):
    add(dcos, RESIDENT_APP)
    [task] = dcos.tasks("/db/pg", running=1)
    table = dcos.run("marathon", "task", "list").stdout.splitlines()
    assert table[0].split() == ["APP", "HEALTHY", "STARTED", "HOST", "ID"]
    row = table[1].split()
    assert row[0] == "/db/pg" and row[2] == task["startedAt"] and row[3] == task["host"] and row[4] == task["id"]
    assert dcos.run("marathon", "task", "list", "--quiet").stdout.split() == [task["id"]]

    shown = dcos.json("marathon", "task", "show", task["id"])
    assert shown["localVolumes"] == task["localVolumes"] and shown["slaveId"] == task["slaveId"]

    stopped = dcos.json("marathon", "task", "stop", "--wipe", task["id"])
    assert stopped["id"] == task["id"]
    [fresh] = dcos.tasks("/db/pg", running=1, exclude={task["id"]})
    assert fresh["localVolumes"][0]["persistenceId"] != task["localVolumes"][0]["persistenceId"]

    killed = dcos.run("marathon", "task", "kill", "--wipe", fresh["id"]).stdout
    assert killed.strip() == f"Killed tasks: [{fresh['id']!r}]"
    [third] = dcos.tasks("/db/pg", running=1, exclude={task["id"], fresh["id"]})
    gone = dcos.run("marathon", "task", "kill", "--wipe", "--json", fresh["id"], ok=False)
    assert gone.returncode == 1 and json.loads(gone.stdout) == {"tasks": []}
    assert "Failed to kill tasks. task-ids seems to be unknown" in gone.stderr
    assert dcos.json("marathon", "app", "show", "/db/pg")["instances"] == 1
    assert third["localVolumes"][0]["persistenceId"] not in {
        t["localVolumes"][0]["persistenceId"] for t in (task, fresh)}


def test_deployment_list_watch_rollback_stop_and_debug(dcos, cluster):
    dep_id = add(dcos, STUCK_APP)
    dcos.deploying()
    table = dcos.run("marathon", "deployment", "list").stdout.splitlines()
    assert table[0].split() == ["APP", "POD", "ACTION", "PROGRESS", "ID"]
    assert table[1].split() == ["/big", "-", "scale", "1/2", dep_id]
    assert dcos.run("marathon", "deployment", "list", "--quiet").stdout.split() == [dep_id]
    assert dcos.json("marathon", "deployment", "list", "--json", "/big")[0]["id"] == dep_id

    watched = dcos.run("marathon", "deployment", "watch", "--max-count=1", "--interval=1", dep_id).stdout
    body = json.loads(watched[watched.index("{"):])
    assert body["id"] == dep_id and body["currentActions"][0]["action"] == "ScaleApplication"

    # `dcos marathon app list` and `debug` read the launch queue
    wait_for(lambda: dcos.http.get("/v2/queue").json()["queue"], message="app waiting")
    assert dcos.run("marathon", "app", "list").stdout.splitlines()[1].split()[6] == "True"   # WAITING
    debug = dcos.run("marathon", "debug", "list").stdout.splitlines()
    assert debug[0].split()[:2] == ["ID", "SINCE"] and debug[1].split()[0] == "/big"
    summary = dcos.run("marathon", "debug", "summary", "/big").stdout
    assert re.search(r"^CPUS\s+5\s", summary, re.M)
    details = dcos.run("marathon", "debug", "details", "/big").stdout.splitlines()
    assert details[0].split()[:2] == ["HOSTNAME", "ROLE"] and details[1].split()[0].startswith("127.0.")

    rollback = dcos.json("marathon", "deployment", "rollback", dep_id)
    assert set(rollback) == {"deploymentId", "version"}
    dcos.idle()
    assert dcos.json("marathon", "app", "list", "--json") == []   # rolling back a create removes the app

    dep_id = add(dcos, STUCK_APP)
    dcos.deploying()
    assert dcos.run("marathon", "deployment", "stop", dep_id).stdout == ""
    dcos.idle()
    [app] = dcos.json("marathon", "app", "list", "--json")
    assert app["id"] == "/big" and app["instances"] == 1   # a forced stop leaves the app as it is
    missing = dcos.run("marathon", "deployment", "stop", dep_id, ok=False)
    assert missing.returncode == 1 and f"DeploymentPlan {dep_id} does not exist" in missing.stderr


def test_debug_summary_counts_the_last_offer_of_each_agent(dcos, cluster):
    add(dcos, STUCK_APP)
    # the default cluster has 3 agents: after a few offer rounds each has one last unused offer, none fits
    wait_for(lambda: len({o["offer"]["agentId"] for q in dcos.http.get("/v2/queue?embed=lastUnusedOffers").json()["queue"]
                          for o in q.get("lastUnusedOffers", [])}) == 3, message="an offer from each agent")
    # rejectSummaryLastOffers: the last unmatched offer of each agent (QueueInfoConversion.scala), none fits
    summary = dcos.run("marathon", "debug", "summary", "/big").stdout
    assert re.search(r"^ROLE\s+\[\*\]\s+3 / 3\s", summary, re.M), summary
    assert re.search(r"^CPUS\s+5\s+0 / 3\s", summary, re.M), summary


def test_plugin_and_pod_lists_are_empty(dcos):
    # Marathon 1.10 without plugins answers {"plugins": []}; pods are not emulated but listed (none)
    assert dcos.json("marathon", "plugin", "list", "--json") == {"plugins": []}
    assert dcos.run("marathon", "plugin", "list").stdout == ""
    assert dcos.json("marathon", "pod", "list", "--json") == []


def test_mesos_task_and_service_views(dcos, cluster):
    # `dcos task` and `dcos service` read the Mesos master state (core.mesos_master_url)
    add(dcos, RESIDENT_APP)
    [task] = dcos.tasks("/db/pg", running=1)
    table = dcos.run("task").stdout.splitlines()
    assert table[0].split() == ["NAME", "HOST", "USER", "STATE", "ID", "MESOS", "ID", "REGION", "ZONE"]
    assert table[1].split()[:6] == ["db.pg", task["host"], "root", "R", task["id"], task["slaveId"]]
    [mesos_task] = dcos.json("task", "--json")
    assert mesos_task["framework_id"] == cluster.framework_id and mesos_task["state"] == "TASK_RUNNING"
    assert mesos_task["resources"]["disk"] == 16.0   # the persistent volume's disk
    services = dcos.run("service").stdout.splitlines()
    assert services[0].split() == ["NAME", "HOST", "ACTIVE", "TASKS", "CPU", "MEM", "DISK", "ID"]
    assert services[1].split()[0] == "marathon" and services[1].split()[2:4] == ["True", "1"]


@pytest.mark.xfail(strict=True, reason="emulator: agents serve no Mesos files API (/files/browse, /files/read), "
                   "so `dcos task ls/log` find no files; see NOTES-client-compat.md")
def test_task_log_reads_the_sandbox(cluster_factory, tmp_path):
    # with --agent-port the CLI finds the task's sandbox through the agent's /state, then browses it
    cluster = cluster_factory(agent_port=free_port())
    dcos = cli_for(cluster, HttpClient(cluster.marathon_url), tmp_path)
    add(dcos, dict(RESIDENT_APP, cmd="echo hello-from-the-task; sleep 600"))
    dcos.tasks("/db/pg", running=1)
    assert {"stdout", "stderr", "data"} <= set(dcos.run("task", "ls", "db_pg").stdout.split())
    assert "hello-from-the-task" in dcos.run("task", "log", "db_pg").stdout


def test_errors_are_reported_as_marathon_words_them(dcos):
    invalid = dcos.run("marathon", "app", "add", stdin=json.dumps(dict(STUCK_APP, cpus=-1)), ok=False)
    assert invalid.returncode == 1 and '"details":[{"path":"/cpus","errors":["error.min"]}]' in invalid.stderr
    bad_volume = dict(RESIDENT_APP, id="/bad")
    bad_volume["container"] = {"type": "MESOS", "volumes": [
        {"containerPath": "/abs", "mode": "RW", "persistent": {"size": 8}}]}
    refused = dcos.run("marathon", "app", "add", stdin=json.dumps(bad_volume), ok=False)
    assert refused.returncode == 1 and "/container/volumes(0)/containerPath" in refused.stderr

    add(dcos, STUCK_APP)
    dcos.deploying()
    again = dcos.run("marathon", "app", "add", stdin=json.dumps(STUCK_APP), ok=False)
    assert again.returncode == 1 and again.stderr.strip() == "Application '/big' already exists"
    locked = dcos.run("marathon", "app", "update", "/big", stdin='{"cpus": 6}', ok=False)   # 409: the CLI's words
    assert locked.returncode == 1 and locked.stderr.strip() == "Changes blocked: deployment already in progress for app."
    dcos.run("marathon", "app", "update", "--force", "/big", stdin='{"cpus": 6}')
    unknown = dcos.run("marathon", "task", "show", "nope", ok=False)
    assert unknown.returncode == 1 and unknown.stderr.strip() == "Task 'nope' does not exist"


def test_dcos_acs_token(cluster_factory, tmp_path):
    # strict mode: the CLI sends core.dcos_acs_token as "Authorization: token=<t>" to URLs under core.dcos_url
    cluster = cluster_factory(agents=1, dcos_token="secret-token")
    http = HttpClient(cluster.marathon_url, token="secret-token")
    good = cli_for(cluster, http, tmp_path / "good", token="secret-token")
    add(good, dict(STUCK_APP, cpus=0.1))
    assert [a["id"] for a in good.json("marathon", "app", "list", "--json")] == ["/big"]
    bad = cli_for(cluster, http, tmp_path / "bad", token="expired")
    refused = bad.run("marathon", "app", "list", ok=False)
    assert refused.returncode == 1 and "HTTP 401" in refused.stderr
