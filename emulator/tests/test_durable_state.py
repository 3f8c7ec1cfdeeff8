"""Durable state (issue 9): a write is on disk before it is answered, the journal replays to the live state,
and a restart reconciles Marathon's instances with the agents' checkpoints.

The SIGKILL trials are in test_crash_durability.py; these are the single, deterministic cases.
"""

from __future__ import annotations

import json
import os
import shutil

from conftest import HttpClient, wait_for
from dcos_emulator.marathon.state_delta import fold
from dcos_emulator.persistence import StateStore

RESIDENT = {"id": "/db", "cmd": "sleep 300", "cpus": 0.1, "mem": 16, "instances": 1,
            "container": {"type": "MESOS", "volumes": [{"containerPath": "data", "mode": "RW",
                                                        "persistent": {"size": 8}}]},
            "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0}}


def on_disk(state_dir) -> dict:
    """Marathon's state as a restart would read it: the snapshot with the journal folded in."""
    saved, journal = StateStore(str(state_dir)).load()
    return fold(saved["marathon"], journal)


def app_ids(marathon_state: dict) -> list:
    return sorted(r["definition"]["id"] for r in marathon_state["apps"]["apps"])


def running_tasks(client: HttpClient, app_id: str, n: int = 1):
    tasks = client.get(f"/v2/apps{app_id}/tasks").json().get("tasks", [])
    running = [t for t in tasks if t["state"] == "TASK_RUNNING"]
    return running if len(running) == n else None


def test_an_answered_write_is_on_disk_when_the_answer_arrives(cluster_factory, tmp_path):
    cluster = cluster_factory(state_dir=tmp_path / "state", agents=1)
    marathon = HttpClient(cluster.marathon_url)
    app = {"id": "/web", "cmd": "sleep 300", "cpus": 0.1, "mem": 16, "instances": 1}
    assert marathon.post("/v2/apps", json=app).status == 201
    assert app_ids(on_disk(tmp_path / "state")) == ["/web"]   # read at once: no save delay
    assert marathon.put("/v2/apps/web?force=true", json={"instances": 2}).status == 200
    (web,) = [r for r in on_disk(tmp_path / "state")["apps"]["apps"]]
    assert web["definition"]["instances"] == 2
    assert marathon.delete("/v2/apps/web").status == 200
    assert app_ids(on_disk(tmp_path / "state")) == []


def fsynced_paths(monkeypatch) -> list:
    """Record what every os.fsync call flushes (the path behind the descriptor)."""
    seen = []
    real = os.fsync

    def fsync(fd):
        seen.append(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)
    monkeypatch.setattr(os, "fsync", fsync)
    return seen


def test_writes_are_fsynced_before_the_answer(cluster_factory, tmp_path, monkeypatch):
    """The kill -9 trials cannot lose the page cache; a machine crash can: the answer waits for fsync."""
    cluster = cluster_factory(state_dir=tmp_path / "state", agents=1)
    agent = next(iter(cluster.master.agents.values()))
    seen = fsynced_paths(monkeypatch)
    reserve = {"name": "disk", "type": "SCALAR", "scalar": {"value": 4}, "role": "ops",
               "reservation": {"principal": "ops"}}
    result = HttpClient(cluster.mesos_url).post("/master/reserve",
                                                form={"slaveId": agent.id, "resources": json.dumps([reserve])})
    assert result.status == 202
    assert agent.work_dir in seen, "the checkpoint's directory entry was not fsynced"
    assert any(os.path.dirname(p) == agent.work_dir and os.path.basename(p).startswith(".tmp-") for p in seen)
    with open(os.path.join(agent.work_dir, "checkpoint.json")) as handle:
        resources = json.load(handle)["resources"]
    assert [(r["role"], r["scalar"]["value"]) for r in resources] == [("ops", 4)]
    seen.clear()
    app = {"id": "/web", "cmd": "sleep 300", "cpus": 0.1, "mem": 16, "instances": 1}
    assert HttpClient(cluster.marathon_url).post("/v2/apps", json=app).status == 201
    assert any(os.path.dirname(p) == str(tmp_path / "state") for p in seen), seen


def test_the_journal_replays_to_the_live_state(cluster_factory, tmp_path):
    """Creates, scales, a restart, a wipe and a delete, resident and not: snapshot + journal == live state."""
    cluster = cluster_factory(state_dir=tmp_path / "state", agents=2)
    marathon = HttpClient(cluster.marathon_url)
    assert marathon.post("/v2/apps", json=RESIDENT).status == 201
    plain = {"id": "/web", "cmd": "sleep 300", "cpus": 0.1, "mem": 16, "instances": 2}
    assert marathon.post("/v2/apps", json=plain).status == 201
    wait_for(lambda: running_tasks(marathon, "/db") and running_tasks(marathon, "/web", 2), message="running")
    assert marathon.put("/v2/apps/db?force=true", json={"instances": 2}).status == 200
    assert marathon.post("/v2/apps/web/restart?force=true").status == 200
    (task,) = wait_for(lambda: running_tasks(marathon, "/db", 2), message="scaled")[:1]
    assert marathon.delete(f"/v2/apps/db/tasks/{task['id']}?wipe=true").status == 200
    wait_for(lambda: running_tasks(marathon, "/db", 2), message="wiped instance replaced")
    assert marathon.delete("/v2/apps/web").status == 200
    wait_for(lambda: not marathon.get("/v2/deployments").json(), message="deployments done")
    with cluster.lock:
        cluster.persist()
        live = cluster.marathon.snapshot()
        replayed = on_disk(tmp_path / "state")
    assert cluster.store.journal.size > 0, "the changes went to the journal, not to a full rewrite"

    def by_id(state):
        return ({r["definition"]["id"]: r for r in state["apps"]["apps"]},
                {a: sorted(json.dumps(r, sort_keys=True) for r in v) for a, v in state["apps"]["versions"].items()},
                {i["instance_id"]: i for i in state["instances"]}, state["version_clock"])

    assert by_id(replayed) == by_id(live)


def test_a_torn_last_journal_line_is_ignored(cluster_factory, tmp_path):
    """The files as a kill -9 leaves them, with an append cut short (never answered): the answered writes
    are replayed, the torn line is not, and the emulator starts on them."""
    cluster = cluster_factory(state_dir=tmp_path / "state", agents=1)
    marathon = HttpClient(cluster.marathon_url)
    for app_id in ("/a", "/b"):
        assert marathon.post("/v2/apps", json={"id": app_id, "cmd": "sleep 300", "mem": 16, "cpus": 0.1}).status \
            == 201
    crashed = tmp_path / "crashed"
    with cluster.lock:
        shutil.copytree(tmp_path / "state", crashed, ignore=shutil.ignore_patterns("agents"))
    journal = StateStore(str(crashed)).journal
    with open(journal.path(cluster.store.journal.generation), "ab") as handle:
        handle.write(b'{"apps":{"/c":{"definit')
    saved, records = StateStore(str(crashed)).load()
    assert len(records) >= 2
    assert app_ids(fold(saved["marathon"], records)) == ["/a", "/b"]
    restarted = cluster_factory(state_dir=crashed, agents=1)
    assert sorted(a["id"] for a in HttpClient(restarted.marathon_url).get("/v2/apps").json()["apps"]) == ["/a", "/b"]


def _edit_state(state_dir, edit_instance, drop_reservation_of: str) -> None:
    """Simulate a crash between two steps: change the stored instance, remove its reservation and volume."""
    path = os.path.join(state_dir, "emulator.json")
    with open(path) as handle:
        saved = json.load(handle)
    for inst in saved["marathon"]["instances"]:
        if inst["instance_id"] == drop_reservation_of:
            edit_instance(inst)
            agent_id = inst["agent_id"]
    with open(path, "w") as handle:
        json.dump(saved, handle)
    checkpoint = os.path.join(state_dir, "agents", agent_id, "checkpoint.json")
    with open(checkpoint) as handle:
        data = json.load(handle)
    kept = []
    for r in data["resources"]:
        labels = {x["key"]: x.get("value") for x in (r.get("reservation") or {}).get("labels", {}).get("labels", [])}
        if labels.get("marathon_task_id") == drop_reservation_of:
            pid = (r.get("disk") or {}).get("persistence", {}).get("id")
            if pid:
                volume = os.path.join(state_dir, "agents", agent_id, "volumes", "roles", r["role"], pid)
                for name in os.listdir(volume):
                    os.unlink(os.path.join(volume, name))
                os.rmdir(volume)
            continue
        kept.append(r)
    data["resources"] = kept
    with open(checkpoint, "w") as handle:
        json.dump(data, handle)


def _resident_instance(cluster_factory, state_dir):
    cluster = cluster_factory(state_dir=state_dir, agents=2)
    marathon = HttpClient(cluster.marathon_url)
    assert marathon.post("/v2/apps", json=RESIDENT).status == 201
    (task,) = wait_for(lambda: running_tasks(marathon, "/db"), message="resident task running")
    cluster.stop()
    return task["id"].split("._app.")[0]


def test_restart_removes_a_decommissioned_instance_whose_reservation_is_gone(cluster_factory, tmp_path):
    """A wipe was stored, the agent destroyed the volume, the crash came before the instance was removed."""
    state_dir = str(tmp_path / "state")
    instance_id = _resident_instance(cluster_factory, state_dir)
    _edit_state(state_dir, lambda inst: inst.update(goal="Decommissioned"), instance_id)
    cluster = cluster_factory(state_dir=state_dir, agents=2)
    assert instance_id not in cluster.marathon.instances
    (task,) = wait_for(lambda: running_tasks(HttpClient(cluster.marathon_url), "/db"), message="replaced")
    assert not task["id"].startswith(instance_id)


def test_restart_places_again_an_instance_whose_new_reservation_never_reached_the_agent(cluster_factory, tmp_path):
    """The instance was stored with its new reservation, the crash came before RESERVE reached the agent:
    without reconciling it would wait forever (NoCorrespondingReservationFound)."""
    state_dir = str(tmp_path / "state")
    instance_id = _resident_instance(cluster_factory, state_dir)
    _edit_state(state_dir, lambda inst: inst["reservation"].update(state="New"), instance_id)
    cluster = cluster_factory(state_dir=state_dir, agents=2)
    marathon = HttpClient(cluster.marathon_url)
    (task,) = wait_for(lambda: running_tasks(marathon, "/db"), message="placed again")
    assert task["id"].startswith(instance_id)
    agent = cluster.master.agents[task["slaveId"]]
    assert os.path.isdir(agent.volume_path("slave_public", task["localVolumes"][0]["persistenceId"]))


def test_restart_removes_the_directory_of_a_volume_destroyed_before_a_crash(cluster_factory, tmp_path):
    """DESTROY is checkpointed before the directory goes: a crash in between leaves a directory no checkpoint
    lists; the next start removes it (so a new volume of that id starts empty). Listed volumes stay."""
    state_dir = tmp_path / "state"
    cluster = cluster_factory(state_dir=state_dir, agents=1, with_marathon=False)
    agent = next(iter(cluster.master.agents.values()))
    volume = {"name": "disk", "type": "SCALAR", "scalar": {"value": 4}, "role": "ops",
              "reservation": {"principal": "ops"},
              "disk": {"persistence": {"id": "kept", "principal": "ops"},
                       "volume": {"container_path": "data", "mode": "RW"}}}
    mesos = HttpClient(cluster.mesos_url)
    reserve = {k: v for k, v in volume.items() if k != "disk"}
    assert mesos.post("/master/reserve", form={"slaveId": agent.id, "resources": json.dumps([reserve])}).status == 202
    assert mesos.post("/master/create-volumes", form={"slaveId": agent.id, "volumes": json.dumps([volume])}).status \
        == 202
    kept, stale = agent.volume_path("ops", "kept"), agent.volume_path("ops", "destroyed")
    os.makedirs(stale)
    for directory in (kept, stale):
        with open(os.path.join(directory, "rows"), "w") as handle:
            handle.write("data")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, agent.volume_path("ops", "a-link"))   # never followed nor removed
    cluster.stop()
    cluster_factory(state_dir=state_dir, agents=1, with_marathon=False)
    assert not os.path.exists(stale)
    with open(os.path.join(kept, "rows")) as handle:
        assert handle.read() == "data"
    assert os.path.islink(agent.volume_path("ops", "a-link")) and outside.is_dir()
