"""State survives a restart: ids, reservations, volumes with their data; state files are written atomically."""

from __future__ import annotations

import json
import os

from conftest import HttpClient, wait_for

VOLUME = {"name": "disk", "type": "SCALAR", "scalar": {"value": 16}, "role": "ops-role",
          "reservation": {"principal": "ops"},
          "disk": {"persistence": {"id": "keep-me", "principal": "ops"},
                   "volume": {"container_path": "data", "mode": "RW"}}}


def test_operator_volume_and_its_data_survive_restart(cluster_factory, tmp_path):
    state_dir = tmp_path / "state"
    first = cluster_factory(state_dir=state_dir, agents=2, with_marathon=False)
    agent = list(first.master.agents.values())[1]
    mesos = HttpClient(first.mesos_url)
    reserve = {k: v for k, v in VOLUME.items() if k != "disk"}
    assert mesos.post("/master/reserve", form={"slaveId": agent.id, "resources": json.dumps([reserve])}).status == 202
    assert mesos.post("/master/create-volumes", form={"slaveId": agent.id, "volumes": json.dumps([VOLUME])}).status \
        == 202
    data_file = os.path.join(agent.volume_path("ops-role", "keep-me"), "table.dat")
    with open(data_file, "w") as handle:
        handle.write("row 1\n")
    master_id, framework_id = first.master.id, first.framework_id
    first.stop()

    second = cluster_factory(state_dir=state_dir, agents=2, with_marathon=False)
    assert (second.master.id, second.framework_id) == (master_id, framework_id)
    assert list(second.master.agents) == list(first.master.agents)
    listed = {s["id"]: s for s in HttpClient(second.mesos_url).get("/master/slaves").json()["slaves"]}
    volumes = [r for r in listed[agent.id]["reserved_resources_full"]["ops-role"] if "disk" in r]
    assert [v["disk"]["persistence"]["id"] for v in volumes] == ["keep-me"]
    with open(data_file) as handle:
        assert handle.read() == "row 1\n"
    # Destroying after the restart still matches the listed JSON exactly and removes the data.
    result = HttpClient(second.mesos_url).post("/master/destroy-volumes",
                                               form={"slaveId": agent.id, "volumes": json.dumps(volumes)})
    assert result.status == 202
    assert not os.path.exists(data_file)


def test_more_agents_on_restart_keeps_the_old_ones(cluster_factory, tmp_path):
    state_dir = tmp_path / "state"
    first = cluster_factory(state_dir=state_dir, agents=1, with_marathon=False)
    old = list(first.master.agents)
    first.stop()
    second = cluster_factory(state_dir=state_dir, agents=3, with_marathon=False)
    assert list(second.master.agents)[:1] == old and len(second.master.agents) == 3
    second.stop()
    third = cluster_factory(state_dir=state_dir, agents=1, with_marathon=False)
    assert len(third.master.agents) == 3  # never drop an agent that may hold volumes


def test_state_files_are_complete_json_without_temp_leftovers(cluster_factory, tmp_path):
    state_dir = tmp_path / "state"
    cluster = cluster_factory(state_dir=state_dir, agents=2)
    cluster.stop()
    with open(state_dir / "emulator.json") as handle:
        saved = json.load(handle)
    assert saved["master_id"] == cluster.master.id
    assert [a["id"] for a in saved["agents"]] == list(cluster.master.agents)
    for root, _dirs, files in os.walk(state_dir):
        assert not [f for f in files if f.startswith(".tmp-")], root
    for agent in cluster.master.agents.values():
        with open(os.path.join(agent.work_dir, "checkpoint.json")) as handle:
            assert json.load(handle)["agent_id"] == agent.id


def test_resident_app_data_survives_restart_and_task_is_relaunched_on_its_agent(cluster_factory, tmp_path):
    state_dir = tmp_path / "state"
    first = cluster_factory(state_dir=state_dir, agents=3)
    marathon = HttpClient(first.marathon_url)
    app = {"id": "/pg", "cmd": "echo start >> data/log; sleep 300", "cpus": 0.1, "mem": 16, "instances": 1,
           "container": {"type": "MESOS", "volumes": [{"containerPath": "data", "mode": "RW",
                                                       "persistent": {"size": 8}}]},
           "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0}}
    assert marathon.post("/v2/apps", json=app).status == 201

    def running(client):
        tasks = client.get("/v2/apps/pg/tasks").json().get("tasks", [])
        return tasks if tasks and tasks[0]["state"] == "TASK_RUNNING" else None

    (task,) = wait_for(lambda: running(marathon), message="task running")
    (local,) = task["localVolumes"]
    agent = first.master.agents[task["slaveId"]]
    log_file = os.path.join(agent.volume_path("slave_public", local["persistenceId"]), "log")
    wait_for(lambda: os.path.exists(log_file), message="task wrote to its volume")
    first.stop()

    second = cluster_factory(state_dir=state_dir, agents=3)
    marathon = HttpClient(second.marathon_url)
    (again,) = wait_for(lambda: running(marathon), message="task relaunched after restart")
    assert again["slaveId"] == task["slaveId"]
    assert again["localVolumes"][0]["persistenceId"] == local["persistenceId"]
    wait_for(lambda: open(log_file).read() == "start\nstart\n", message="second start appended to the same volume")
