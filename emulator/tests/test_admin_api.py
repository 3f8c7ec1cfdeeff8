"""Admin API: fault injection (503 / hang / drop / late), request counters, agent stop/start, seeding."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import time

import pytest
from conftest import HttpClient

from dcos_emulator.cluster import Cluster, ClusterConfig
from dcos_emulator.mesos.seed import SeedSpec


def test_503_fault_hits_the_next_n_matching_requests(mesos, marathon):
    result = mesos.post("/emulator/faults", json={"mode": "503", "count": 2, "path": "/master/slaves"})
    assert result.status == 201
    assert mesos.get("/master/state").status == 200  # not matching the path prefix
    first = mesos.get("/master/slaves")
    assert first.status == 503 and first.json()["message"]
    assert marathon.get("/master/slaves").status == 503  # one injector for both ports
    assert mesos.get("/master/slaves").status == 200
    assert mesos.get("/emulator/faults").json() == {"faults": []}


def test_fault_method_filter(mesos):
    assert mesos.post("/emulator/faults", json={"mode": "503", "count": 1, "method": "POST"}).status == 201
    assert mesos.get("/master/slaves").status == 200
    assert mesos.post("/master/reserve", form={}).status == 503
    assert mesos.post("/master/reserve", form={}).status == 400


def test_drop_fault_closes_the_connection(mesos):
    assert mesos.post("/emulator/faults", json={"mode": "drop", "count": 1}).status == 201
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
        mesos.get("/master/slaves")
    assert mesos.get("/master/slaves").status == 200


def test_hang_fault_holds_the_request_until_cleared(mesos):
    assert mesos.post("/emulator/faults", json={"mode": "hang", "count": 1, "seconds": 60}).status == 201
    started = time.monotonic()
    with pytest.raises((socket.timeout, TimeoutError)):
        mesos.get("/master/slaves", timeout=0.5)
    assert time.monotonic() - started < 5
    assert mesos.delete("/emulator/faults").status == 200  # releases the hanging request
    assert mesos.get("/master/slaves").status == 200


def test_late_fault_applies_the_request_and_loses_the_answer(cluster, mesos):
    agent = next(iter(cluster.master.agents.values()))
    disk = [{"name": "disk", "type": "SCALAR", "scalar": {"value": 8}, "role": "late-fault", "reservation": {}}]
    assert mesos.post("/emulator/faults", json={"mode": "late", "count": 1, "seconds": 0.3,
                                                "path": "/master/reserve"}).status == 201
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, http.client.BadStatusLine)):
        mesos.post("/master/reserve", form={"slaveId": agent.id, "resources": json.dumps(disk)})
    listed = mesos.get(f"/master/slaves?slave_id={agent.id}").json()["slaves"][0]
    assert [r["scalar"]["value"] for r in listed["reserved_resources_full"]["late-fault"]] == [8]
    assert mesos.post("/master/unreserve", form={"slaveId": agent.id, "resources": json.dumps(disk)}).status == 202


@pytest.mark.parametrize("body,status", [
    ({"mode": "teapot", "count": 1}, 400),
    ({"mode": "503", "count": 0}, 400),
    ({"mode": "503", "count": "many"}, 400),
    (["not", "an", "object"], 400),
])
def test_fault_validation(mesos, body, status):
    assert mesos.post("/emulator/faults", json=body).status == status


def test_counters_count_requests_but_not_admin_ones(mesos, marathon):
    assert mesos.delete("/emulator/counters").json() == {"requests": {}, "total": 0}
    for _ in range(3):
        mesos.get("/master/slaves")
    mesos.post("/master/reserve", form={"slaveId": "x"})
    marathon.get("/v2/apps")
    marathon.get("/emulator/counters")
    counters = mesos.get("/emulator/counters").json()
    assert counters == {"requests": {"GET /master/slaves": 3, "POST /master/reserve": 1, "GET /v2/apps": 1},
                        "total": 5}


def test_stop_and_start_agent(cluster, mesos):
    agent = next(iter(cluster.master.agents.values()))
    assert mesos.post(f"/emulator/agents/{agent.id}/stop").json() == {"id": agent.id, "active": False}
    listed = {s["id"]: s for s in mesos.get("/master/slaves").json()["slaves"]}
    assert listed[agent.id]["active"] is False
    assert mesos.get("/master/state").json()["deactivated_slaves"] == 1
    assert mesos.post(f"/emulator/agents/{agent.id}/start").status == 200
    listed = {s["id"]: s for s in mesos.get("/master/slaves").json()["slaves"]}
    assert listed[agent.id]["active"] is True
    assert "reregistered_time" in listed[agent.id]
    assert mesos.post("/emulator/agents/no-such-agent/stop").status == 404
    agents = mesos.get("/emulator/agents").json()["agents"]
    assert [a["id"] for a in agents] == list(cluster.master.agents)


def test_seed_creates_reservations_and_volume_directories(cluster_factory):
    cluster = cluster_factory(agents=2, with_marathon=False)
    mesos = HttpClient(cluster.mesos_url)
    result = mesos.post("/emulator/seed", json={"agents": 4, "volumes_per_agent": 3, "size": 10})
    assert result.status == 200
    assert result.json() == {"agents": 4, "volumes": 12, "total_agents": 4}
    slaves = mesos.get("/master/slaves").json()["slaves"]
    assert len(slaves) == 4
    for entry in slaves:
        volumes = [r for r in entry["reserved_resources_full"]["slave_public"] if "disk" in r]
        assert len(volumes) == 3
        for vol in volumes:
            agent = cluster.master.agents[entry["id"]]
            assert os.path.isdir(agent.volume_path("slave_public", vol["disk"]["persistence"]["id"]))
            labels = {label["key"] for label in vol["reservation"]["labels"]["labels"]}
            assert labels == {"marathon_framework_id", "marathon_task_id"}
    assert mesos.post("/emulator/seed", json={"volumes_per_agent": 10 ** 6, "size": 10}).status == 409


def _seeded_ids(cluster) -> set:
    with cluster.lock:
        return {v for values in cluster.master.labelled_reservations("marathon_task_id").values() for v in values}


def _after_a_scheduler_pass(cluster) -> None:
    """Wake the scheduler and return once a whole pass has run since (it holds the lock from taking the
    wake-up to waiting again, so seeing the flag cleared under the lock means that pass is over)."""
    cluster.wake()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        with cluster.lock:
            if not cluster._woken:
                return
        time.sleep(0.02)
    raise AssertionError("the scheduler did not run")


@contextlib.contextmanager
def _started_holding_the_lock(state_dir):
    """Start a cluster while holding its lock, so its scheduler thread has run no pass yet (what a request
    arriving first does to it), and stop it afterwards."""
    cluster = Cluster(str(state_dir), ClusterConfig(agents=2, marathon_port=0, mesos_port=0))
    try:
        with cluster.lock:
            cluster.start()
            yield cluster
    finally:
        cluster.stop()


SEED = {"volumes_per_agent": 3, "size": 10}


def test_seed_before_the_first_scheduler_pass_is_not_taken_for_orphans(tmp_path):
    """The start-up race: a seed that takes the lock before Marathon's first scheduler pass must survive it.
    Marathon's orphan check of the restored state runs inside Cluster.start(), before the servers listen."""
    with _started_holding_the_lock(tmp_path / "state") as cluster:
        assert cluster.seed(SeedSpec.from_json(SEED, "slave_public", "dcos_marathon"))["volumes"] == 6
        assert len(_seeded_ids(cluster)) == 6
    # the lock is released inside the context only at its end: check again with the scheduler running
    with _started_holding_the_lock(tmp_path / "other") as cluster:
        cluster.seed(SeedSpec.from_json(SEED, "slave_public", "dcos_marathon"))
        cluster.lock.release()
        try:
            _after_a_scheduler_pass(cluster)
            assert len(_seeded_ids(cluster)) == 6
        finally:
            cluster.lock.acquire()


def test_orphans_found_at_start_are_released_before_it_returns(tmp_path):
    """Real Marathon (OfferMatcherReconciler): a reservation labelled with its framework id whose instance it
    does not know is destroyed and unreserved. At a restart that happens before the servers accept requests."""
    state = tmp_path / "orphans"
    with _started_holding_the_lock(state) as cluster:
        cluster.seed(SeedSpec.from_json(SEED, "slave_public", "dcos_marathon"))
    with _started_holding_the_lock(state) as again:   # no scheduler pass has run
        assert not any(again.master.labelled_reservations("marathon_task_id").values())
        assert all(not agent.checkpointed().summary().get("disk") for agent in again.master.agents.values())


def test_agent_state_endpoint(cluster_factory):
    from conftest import free_port

    port = free_port()
    cluster = cluster_factory(agents=2, agent_port=port)
    agent = list(cluster.master.agents.values())[1]
    client = HttpClient(f"http://{agent.hostname}:{port}")
    mesos = HttpClient(cluster.mesos_url)
    reserve = [{"name": "disk", "type": "SCALAR", "scalar": {"value": 5}, "role": "r1",
                "reservation": {"principal": "p"}}]
    import json

    assert mesos.post("/master/reserve", form={"slaveId": agent.id, "resources": json.dumps(reserve)}).status == 202
    listed = {s["id"]: s for s in mesos.get("/master/slaves").json()["slaves"]}[agent.id]
    assert (listed["port"], listed["pid"]) == (port, f"slave(1)@{agent.hostname}:{port}")
    for path in ("/state", "/slave(1)/state"):
        state = client.get(path).json()
        assert state["id"] == agent.id
        assert state["pid"] == listed["pid"]
        assert state["hostname"] == agent.hostname
        assert state["flags"]["work_dir"] == agent.work_dir
        assert state["reserved_resources_full"]["r1"][0]["scalar"]["value"] == 5.0
    assert mesos.post(f"/emulator/agents/{agent.id}/stop").status == 200
    assert client.get("/state").status == 503


def test_stopped_agent_resident_task_waits_and_comes_back_on_start(cluster, marathon, mesos):
    from conftest import wait_for

    app = {"id": "/db", "cmd": "sleep 300", "cpus": 0.1, "mem": 16, "instances": 1,
           "container": {"type": "MESOS", "volumes": [{"containerPath": "data", "mode": "RW",
                                                       "persistent": {"size": 8}}]},
           "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0}}
    assert marathon.post("/v2/apps", json=app).status == 201

    def tasks():
        return marathon.get("/v2/apps/db/tasks").json().get("tasks", [])

    (task,) = wait_for(lambda: [t for t in tasks() if t["state"] == "TASK_RUNNING"], message="running")
    agent_id = task["slaveId"]
    assert mesos.post(f"/emulator/agents/{agent_id}/stop").status == 200
    wait_for(lambda: tasks() and tasks()[0]["state"] != "TASK_RUNNING", message="task no longer running")
    (waiting,) = tasks()
    assert waiting["slaveId"] == agent_id  # resident: not replaced elsewhere
    reserved = {s["id"]: s for s in mesos.get("/master/slaves").json()["slaves"]}[agent_id]["reserved_resources_full"]
    assert reserved["slave_public"], "reservation and volume stay while the agent is down"
    assert mesos.post(f"/emulator/agents/{agent_id}/start").status == 200
    (again,) = wait_for(lambda: [t for t in tasks() if t["state"] == "TASK_RUNNING"], message="relaunched")
    assert again["slaveId"] == agent_id
    assert again["id"] != task["id"]
    assert again["localVolumes"] == task["localVolumes"]
