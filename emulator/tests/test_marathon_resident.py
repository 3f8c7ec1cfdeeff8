"""Resident (local persistent volume) life cycle against the real emulator: reservations with Marathon's
labels, real volume directories and data, suspend/relaunch in place, kill, wipe, delete; and the curl
walkthrough script."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import urllib.request

import pytest

from test_marathon_support import Client, start_cluster, wait_for

APP = {"id": "/db/pg", "instances": 1, "cpus": 0.1, "mem": 32,
       "cmd": "test -f pgdata/marker || echo \"$MESOS_TASK_ID\" > pgdata/marker; echo run >> pgdata/runs; exec sleep 1000",
       "container": {"type": "MESOS", "volumes": [
           {"containerPath": "pgdata", "mode": "RW", "persistent": {"type": "root", "size": 16}}]}}


@pytest.fixture()
def env():
    cluster = start_cluster(agents=2)
    try:
        yield cluster, Client(cluster.marathon_url)
    finally:
        cluster.stop()


def _volume_dir(cluster, task: dict, idx: int = 0) -> str:
    agent = cluster.master.agents[task["slaveId"]]
    return agent.volume_path("slave_public", task["localVolumes"][idx]["persistenceId"])


def _slaves(cluster) -> dict:
    with urllib.request.urlopen(cluster.mesos_url + "/master/slaves") as resp:
        return json.load(resp)


def _reserved(cluster) -> list:
    return [r for s in _slaves(cluster)["slaves"] for rs in s.get("reserved_resources_full", {}).values() for r in rs]


def test_resident_life_cycle(env):
    cluster, api = env
    api.deploy("POST", "/v2/apps", APP)
    [task] = api.tasks("/db/pg")
    assert task["state"] == "TASK_RUNNING" and "startedAt" in task
    vol = task["localVolumes"][0]
    assert vol["runSpecId"] == "/db/pg" and vol["containerPath"] == "pgdata"
    assert vol["persistenceId"] == f"db_pg#pgdata#{vol['uuid']}"
    instance_id = task["id"].rsplit("._app.", 1)[0]
    # the reservation carries Marathon's labels and the volume's persistence id
    reserved = _reserved(cluster)
    labels = {(lbl["key"], lbl["value"]) for r in reserved for lbl in r["reservation"]["labels"]["labels"]}
    assert ("marathon_task_id", instance_id) in labels
    assert ("marathon_framework_id", cluster.framework_id) in labels
    assert any(r.get("disk", {}).get("persistence", {}).get("id") == vol["persistenceId"] for r in reserved)
    vdir = _volume_dir(cluster, task)
    marker = wait_for(lambda: os.path.exists(os.path.join(vdir, "marker")) and open(os.path.join(vdir, "marker")).read())
    assert marker.strip() == task["id"]

    # stop: suspended task listed without startedAt/stagedAt/version/ports; volume and data kept
    api.deploy("PUT", "/v2/apps/db/pg", {"instances": 0})
    [suspended] = api.tasks("/db/pg")
    assert suspended["id"] == task["id"] and suspended["state"] == "TASK_KILLED"
    for key in ("startedAt", "stagedAt", "version"):
        assert key not in suspended
    assert suspended["ports"] == [] and suspended["localVolumes"] == task["localVolumes"]
    assert os.path.isdir(vdir) and open(os.path.join(vdir, "marker")).read().strip() == task["id"]
    assert any(r.get("disk", {}).get("persistence", {}).get("id") == vol["persistenceId"] for r in _reserved(cluster))

    # start: same instance, next incarnation, same agent and volume; the data is still there
    api.deploy("PUT", "/v2/apps/db/pg", {"instances": 1})
    [again] = api.tasks("/db/pg")
    assert again["id"] == f"{instance_id}._app.2"
    assert again["slaveId"] == task["slaveId"] and again["localVolumes"] == task["localVolumes"]
    assert open(os.path.join(vdir, "marker")).read().strip() == task["id"]
    wait_for(lambda: open(os.path.join(vdir, "runs")).read().count("run") == 2, what="second run on the volume")

    # kill without wipe: relaunched in place (same instance/volume)
    killed = api.call("DELETE", f"/v2/apps/db/pg/tasks/{again['id']}")
    assert killed.status == 200 and killed.json["task"]["id"] == again["id"]
    third = wait_for(lambda: [t for t in api.tasks("/db/pg") if t["id"] == f"{instance_id}._app.3" and "startedAt" in t])
    assert third[0]["localVolumes"] == task["localVolumes"]

    # scale to 2 then 1: one suspended instance
    api.deploy("PUT", "/v2/apps/db/pg", {"instances": 2})
    tasks = api.tasks("/db/pg")
    assert len(tasks) == 2 and len({t["localVolumes"][0]["persistenceId"] for t in tasks}) == 2
    api.deploy("PUT", "/v2/apps/db/pg", {"instances": 1})
    tasks = api.tasks("/db/pg")
    running = [t for t in tasks if "startedAt" in t]
    idle = [t for t in tasks if "startedAt" not in t]
    assert len(running) == 1 and len(idle) == 1
    idle_dir = _volume_dir(cluster, idle[0])
    assert os.path.isdir(idle_dir)

    # wipe the suspended one: instance gone, reservation and directory released, no replacement
    wiped = api.call("DELETE", f"/v2/apps/db/pg/tasks/{idle[0]['id']}?wipe=true")
    assert wiped.status == 200
    wait_for(lambda: not os.path.exists(idle_dir), what="wiped volume directory removed")
    wait_for(lambda: [t["id"] for t in api.tasks("/db/pg")] == [running[0]["id"]], what="only the running task")
    pid = idle[0]["localVolumes"][0]["persistenceId"]
    wait_for(lambda: not any(r.get("disk", {}).get("persistence", {}).get("id") == pid for r in _reserved(cluster)))

    # delete: everything released
    keep_dir = _volume_dir(cluster, running[0])
    api.deploy("DELETE", "/v2/apps/db/pg")
    wait_for(lambda: not os.path.exists(keep_dir), what="volume released after delete")
    wait_for(lambda: _reserved(cluster) == [], what="no reservations left")


def test_scale_with_kill_suspends_and_wipe_replaces(env):
    cluster, api = env
    api.deploy("POST", "/v2/apps", dict(APP, id="/db/two", instances=2))
    tasks = api.tasks("/db/two")
    ans = api.call("DELETE", f"/v2/apps/db/two/tasks/{tasks[0]['id']}?scale=true")
    assert ans.status == 200 and set(ans.json) == {"version", "deploymentId"}
    assert ans.headers["Marathon-Deployment-Id"] == ans.json["deploymentId"]
    api.wait_deployment(ans.json["deploymentId"])
    assert api.get("/v2/apps/db/two").json["app"]["instances"] == 1
    after = {t["id"]: t for t in api.tasks("/db/two")}
    assert "startedAt" not in after[tasks[0]["id"]]          # suspended, still listed
    # wipe of the running one: a replacement with a NEW volume (instance count unchanged)
    old_pid = tasks[1]["localVolumes"][0]["persistenceId"]
    api.call("DELETE", f"/v2/apps/db/two/tasks/{tasks[1]['id']}?wipe=true")
    wait_for(lambda: any("startedAt" in t and t["localVolumes"][0]["persistenceId"] != old_pid
                         and t["id"] != tasks[0]["id"] for t in api.tasks("/db/two")), what="replacement")
    api.deploy("DELETE", "/v2/apps/db/two")


def test_config_change_restarts_in_place(env):
    cluster, api = env
    api.deploy("POST", "/v2/apps", dict(APP, id="/db/cfg"))
    [task] = api.tasks("/db/cfg")
    ans = api.call("PUT", "/v2/apps/db/cfg", {"env": {"PGVERSION": "12"}})
    assert ans.status == 200
    api.wait_deployment(ans.json["deploymentId"])
    [after] = api.tasks("/db/cfg")
    instance_id = task["id"].rsplit("._app.", 1)[0]
    assert after["id"] == f"{instance_id}._app.2" and after["localVolumes"] == task["localVolumes"]
    assert after["version"] == api.get("/v2/apps/db/cfg").json["app"]["version"] != task["version"]
    assert cluster.master.task_env(after["id"])["PGVERSION"] == "12"
    api.deploy("DELETE", "/v2/apps/db/cfg")


def test_agent_down_waits_for_reservation_and_queue_says_why(env):
    cluster, api = env
    api.deploy("POST", "/v2/apps", dict(APP, id="/db/lost"))
    [task] = api.tasks("/db/lost")
    cluster.stop_agent(task["slaveId"])
    wait_for(lambda: api.tasks("/db/lost")[0]["state"] == "TASK_UNREACHABLE", what="unreachable")
    # kill it (no wipe): it must wait for its agent; the queue names the missing reservation
    api.call("DELETE", f"/v2/apps/db/lost/tasks/{task['id']}")
    entry = wait_for(lambda: api.get("/v2/queue").json["queue"], what="queue entry")[0]
    assert entry["app"]["id"] == "/db/lost" and entry["count"] == 1
    reasons = {r["reason"]: r for r in entry["processedOffersSummary"]["rejectSummaryLastOffers"]}
    wait_for(lambda: {r["reason"]: r for r in api.get("/v2/queue").json["queue"][0]["processedOffersSummary"]
                      ["rejectSummaryLastOffers"]}["NoCorrespondingReservationFound"]["declined"] > 0)
    assert "InsufficientCpus" in reasons
    cluster.start_agent(task["slaveId"])
    back = wait_for(lambda: [t for t in api.tasks("/db/lost") if "startedAt" in t], what="relaunch on its agent")
    assert back[0]["slaveId"] == task["slaveId"] and back[0]["localVolumes"] == task["localVolumes"]
    assert api.get("/v2/queue").json["queue"] == []


def test_state_survives_restart(tmp_path):
    cluster = start_cluster(str(tmp_path), agents=1)
    api = Client(cluster.marathon_url)
    try:
        api.deploy("POST", "/v2/apps", dict(APP, id="/db/keep"))
        [task] = api.tasks("/db/keep")
        vdir = _volume_dir(cluster, task)
        wait_for(lambda: os.path.exists(os.path.join(vdir, "marker")))
    finally:
        cluster.stop()
    cluster = start_cluster(str(tmp_path), agents=1)
    api = Client(cluster.marathon_url)
    try:
        app = api.get("/v2/apps/db/keep").json["app"]
        assert app["instances"] == 1
        relaunched = wait_for(lambda: [t for t in api.tasks("/db/keep") if "startedAt" in t], what="relaunch")
        assert relaunched[0]["localVolumes"] == task["localVolumes"] and relaunched[0]["slaveId"] == task["slaveId"]
        assert relaunched[0]["id"] != task["id"]
        assert open(os.path.join(vdir, "marker")).read().strip() == task["id"]
        api.deploy("DELETE", "/v2/apps/db/keep")
        wait_for(lambda: not os.path.exists(vdir))
    finally:
        cluster.stop()


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walkthrough needs curl")
def test_walkthrough_script(env):
    cluster, _ = env
    script = os.path.join(os.path.dirname(__file__), "..", "examples", "walkthrough.sh")
    proc = subprocess.run(["sh", script], env=dict(os.environ, MARATHON_URL=cluster.marathon_url,
                                                    MESOS_URL=cluster.mesos_url, TIMEOUT="30"),
                          capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "walkthrough OK" in proc.stdout


def test_wipe_moves_a_resident_task_off_a_dead_agent(env):
    cluster, api = env
    api.deploy("POST", "/v2/apps", dict(APP, id="/db/move"))
    [task] = api.tasks("/db/move")
    old_dir = _volume_dir(cluster, task)
    cluster.stop_agent(task["slaveId"])
    wait_for(lambda: api.tasks("/db/move")[0]["state"] == "TASK_UNREACHABLE", what="unreachable")
    assert api.call("DELETE", f"/v2/apps/db/move/tasks/{task['id']}?wipe=true").status == 200
    moved = wait_for(lambda: [t for t in api.tasks("/db/move") if "startedAt" in t], what="replacement")[0]
    assert moved["slaveId"] != task["slaveId"] and moved["localVolumes"] != task["localVolumes"]
    # the old reservation and directory linger until the dead agent comes back, then are released
    assert os.path.isdir(old_dir)
    cluster.start_agent(task["slaveId"])
    wait_for(lambda: not os.path.exists(old_dir), what="old volume released once its agent is back")
    assert [t["id"] for t in api.tasks("/db/move")] == [moved["id"]]
    api.deploy("DELETE", "/v2/apps/db/move")
