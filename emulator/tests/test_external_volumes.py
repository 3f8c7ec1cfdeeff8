"""External (DVDI / REX-Ray) volumes against a real emulator: implicit create, data that follows the task,
one attachment at a time, TASK_FAILED without preempt, preempt, the empty twin in another zone, detach at
task end, volumes kept after app delete, what Mesos and Marathon show, and persistence."""
from __future__ import annotations

import os

from conftest import HttpClient, wait_for

ZONES = ("us-east-1a", "us-east-1b")
LAUNCH_FAILED_NO_PREEMPT = ('Failed to launch container: Unexpected termination of the subprocess: Plugin Error: '
                            'VolumeDriver.Create, {"Error":"volume name already exists"}')


def hello_app(app_id="/hello", name="hellovol", constraints=None, **external) -> dict:
    ext = {"name": name, "provider": "dvdi", "options": {"dvdi/driver": "rexray"}}
    ext.update(external)
    app = {"id": app_id, "instances": 1, "cpus": 0.1, "mem": 32,
           "cmd": "echo \"hello from $MESOS_TASK_ID\" >> data/hello; exec sleep 1000",
           "container": {"type": "MESOS", "volumes": [{"containerPath": "data", "mode": "RW", "external": ext}]},
           "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0},
           "backoffSeconds": 1, "maxLaunchDelaySeconds": 2}
    if constraints:
        app["constraints"] = constraints
    return app


def volumes(client: HttpClient) -> list:
    return client.get("/emulator/volumes").json()["volumes"]


def running_task(marathon: HttpClient, app_id: str, not_id: str | None = None) -> dict:
    def find():
        tasks = marathon.get(f"/v2/apps{app_id}/tasks").json()["tasks"]
        return next((t for t in tasks if t["state"] == "TASK_RUNNING" and t["id"] != not_id), None)
    return wait_for(find, timeout=20, message=f"a running task of {app_id}")


def hello_lines(volume: dict) -> list:
    path = os.path.join(volume["dataDir"], "hello")
    return open(path).read().splitlines() if os.path.exists(path) else []


def wait_lines(client, count, name="hellovol"):
    return wait_for(lambda: [v for v in volumes(client) if v["name"] == name and len(hello_lines(v)) >= count],
                    message=f"{count} lines written to {name}")


def deploy(marathon: HttpClient, method: str, path: str, body) -> None:
    r = marathon.request(method, path, json_body=body)
    assert r.status in (200, 201), r
    dep = r.headers["marathon-deployment-id"]
    wait_for(lambda: not any(d["id"] == dep for d in marathon.get("/v2/deployments").json()),
             message=f"deployment {dep}")


def test_implicit_create_mount_detach_and_keep(cluster, marathon, mesos):
    deploy(marathon, "POST", "/v2/apps", hello_app())
    task = running_task(marathon, "/hello")
    [vol] = wait_lines(marathon, 1)
    # REX-Ray's implicit create: 16 GiB, ext4, the backend's default type; attached to the task's agent
    assert (vol["name"], vol["size"], vol["fsType"], vol["type"], vol["state"], vol["attachedTo"]) == \
        ("hellovol", 16, "ext4", "", "attached", task["slaveId"])
    assert vol["id"].startswith("vol-") and hello_lines(vol) == [f"hello from {task['id']}"]
    # the task sees the volume at its containerPath (through the sandbox)
    sandbox = cluster.master.sandbox(task["id"])
    assert os.path.realpath(os.path.join(sandbox, "data")) == os.path.realpath(vol["dataDir"])

    # scale to 0: unmounted and detached, data kept
    deploy(marathon, "PUT", "/v2/apps/hello", {"instances": 0})
    [vol] = wait_for(lambda: [v for v in volumes(marathon) if v["state"] == "available"], message="detach")
    assert vol["attachedTo"] is None and len(hello_lines(vol)) == 1
    # and back: any agent, same volume (one zone), the earlier data is there
    deploy(marathon, "PUT", "/v2/apps/hello", {"instances": 1})
    again = running_task(marathon, "/hello")
    [vol2] = wait_lines(marathon, 2)
    assert vol2["id"] == vol["id"] and vol2["attachedTo"] == again["slaveId"]
    assert hello_lines(vol2) == [f"hello from {task['id']}", f"hello from {again['id']}"]

    # app delete never deletes the volume
    r = marathon.delete("/v2/apps/hello")
    assert r.status == 200
    [kept] = wait_for(lambda: [v for v in volumes(marathon) if v["state"] == "available"], message="detach")
    assert kept["id"] == vol["id"] and len(hello_lines(kept)) == 2


def test_options_only_on_implicit_create(cluster, marathon):
    deploy(marathon, "POST", "/v2/apps", hello_app(size=5, options={"dvdi/driver": "rexray",
                                                                    "dvdi/volumetype": "io1", "dvdi/iops": "300"}))
    [vol] = wait_lines(marathon, 1)
    assert (vol["size"], vol["type"], vol["iops"]) == (5, "io1", 300)
    # an existing volume's size and type never change
    deploy(marathon, "PUT", "/v2/apps/hello", hello_app(size=50, options={"dvdi/driver": "rexray",
                                                                          "dvdi/volumetype": "gp2"}))
    [vol] = wait_lines(marathon, 2)
    assert (vol["size"], vol["type"]) == (5, "io1")


def test_mesos_tasks_carry_docker_volume_marathon_tasks_do_not(cluster, marathon, mesos):
    # values are trimmed (Marathon refuses a rexray volumetype with blanks, so another option shows it)
    deploy(marathon, "POST", "/v2/apps", hello_app(size=2, options={"dvdi/driver": "rexray", "dvdi/volumetype": "gp2",
                                                                    "dvdi/encrypted": " false "}))
    task = running_task(marathon, "/hello")
    expected = {"type": "MESOS", "volumes": [{
        "mode": "RW", "container_path": "data", "source": {"type": "DOCKER_VOLUME", "docker_volume": {
            "driver": "rexray", "name": "hellovol",
            "driver_options": {"parameter": [{"key": "volumetype", "value": "gp2"}, {"key": "encrypted", "value": "false"},
                                             {"key": "size", "value": "2"}]}}}}]}
    [mesos_task] = mesos.get("/master/tasks").json()["tasks"]
    assert mesos_task["container"] == expected
    [fw] = mesos.get("/master/state").json()["frameworks"]
    assert fw["tasks"][0]["container"] == expected
    # Real Marathon: no volume info for external volumes in its task JSON
    assert "localVolumes" not in task or task["localVolumes"] == []
    assert "volumes" not in task and "container" not in task


def test_stopped_agent_keeps_volume_attached_without_preempt(cluster_factory):
    cluster = cluster_factory(agents=2)
    marathon = HttpClient(cluster.marathon_url)
    deploy(marathon, "POST", "/v2/apps", hello_app())
    first = running_task(marathon, "/hello")
    [vol] = wait_lines(marathon, 1)
    assert marathon.post(f"/emulator/agents/{first['slaveId']}/stop").status == 200
    # replaced at once on the other agent; dvdcli cannot get the volume: TASK_FAILED, backoff, retry
    failure = wait_for(lambda: marathon.get("/v2/apps/hello").json()["app"].get("lastTaskFailure"),
                       message="lastTaskFailure")
    assert failure["state"] == "TASK_FAILED" and failure["message"] == LAUNCH_FAILED_NO_PREEMPT
    assert failure["slaveId"] != first["slaveId"]
    [vol] = volumes(marathon)
    assert vol["attachedTo"] == first["slaveId"]
    # the agent comes back: its lost container is cleaned up (unmount + detach), the retry gets the data
    assert marathon.post(f"/emulator/agents/{first['slaveId']}/start").status == 200
    wait_lines(marathon, 2)
    task = running_task(marathon, "/hello", not_id=first["id"])
    [vol] = volumes(marathon)
    assert vol["attachedTo"] == task["slaveId"] and hello_lines(vol)[0] == f"hello from {first['id']}"


def test_preempt_with_zone_constraint_data_follows(cluster_factory):
    from dcos_emulator.volumes.rexray_config import RexRayConfig

    cluster = cluster_factory(agents=4, zones=ZONES, rexray=RexRayConfig(preempt=True))
    marathon = HttpClient(cluster.marathon_url)
    deploy(marathon, "POST", "/v2/apps", hello_app(constraints=[["@zone", "IS", "us-east-1a"]]))
    first = running_task(marathon, "/hello")
    [vol] = wait_lines(marathon, 1)
    assert vol["zone"] == "us-east-1a"
    marathon.post(f"/emulator/agents/{first['slaveId']}/stop")
    second = running_task(marathon, "/hello", not_id=first["id"])
    [vol] = wait_lines(marathon, 2)
    assert second["slaveId"] != first["slaveId"] and vol["attachedTo"] == second["slaveId"]
    assert hello_lines(vol) == [f"hello from {first['id']}", f"hello from {second['id']}"]
    # the old agent comes back: its cleanup must not take the volume from the new one
    marathon.post(f"/emulator/agents/{first['slaveId']}/start")
    wait_for(lambda: all(s["active"] for s in HttpClient(cluster.mesos_url).get("/master/slaves").json()["slaves"]))
    [vol] = volumes(marathon)
    assert vol["attachedTo"] == second["slaveId"]


def test_empty_twin_in_the_other_zone(cluster_factory):
    from dcos_emulator.volumes.rexray_config import RexRayConfig

    cluster = cluster_factory(agents=2, zones=ZONES, rexray=RexRayConfig(preempt=True))
    marathon = HttpClient(cluster.marathon_url)
    deploy(marathon, "POST", "/v2/apps", hello_app())
    first = running_task(marathon, "/hello")
    wait_lines(marathon, 1)
    marathon.post(f"/emulator/agents/{first['slaveId']}/stop")
    second = running_task(marathon, "/hello", not_id=first["id"])
    twins = wait_for(lambda: [v for v in volumes(marathon) if hello_lines(v)] if len(volumes(marathon)) == 2
                     and all(hello_lines(v) for v in volumes(marathon)) else None, message="two volumes")
    by_zone = {v["zone"]: v for v in twins}
    assert set(by_zone) == set(ZONES) and {v["name"] for v in twins} == {"hellovol"}
    old = next(v for v in twins if v["attachedTo"] == first["slaveId"])
    new = next(v for v in twins if v["attachedTo"] == second["slaveId"])
    # the relaunch got an empty volume with the same name: only its own line
    assert hello_lines(new) == [f"hello from {second['id']}"] and hello_lines(old) == [f"hello from {first['id']}"]


def test_volume_store_survives_restart(cluster_factory, tmp_path):
    state = tmp_path / "state"
    cluster = cluster_factory(state_dir=state, agents=1)
    marathon = HttpClient(cluster.marathon_url)
    deploy(marathon, "POST", "/v2/apps", hello_app())
    [vol] = wait_lines(marathon, 1)
    cluster.stop()
    again = cluster_factory(state_dir=state, agents=1)
    marathon = HttpClient(again.marathon_url)
    [vol2] = wait_lines(marathon, 2)   # the relaunched task appended to the same volume
    assert vol2["id"] == vol["id"] and vol2["state"] == "attached"
    assert os.path.exists(os.path.join(str(state), "volumes", "rexray.json"))


def test_config_change_of_one_instance_app_with_default_strategy_starts_the_new_task_first(cluster, marathon, mesos):
    """Real Marathon (TaskReplaceActor): 1 instance with {0.5, 0} could neither kill nor start, so it runs one
    instance over capacity: the new task is running before the old one, still holding the volume, is killed."""
    app = hello_app(name="trapvol")
    app["upgradeStrategy"] = {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0}
    deploy(marathon, "POST", "/v2/apps", app)
    first = running_task(marathon, "/hello")
    deploy(marathon, "PUT", "/v2/apps/hello", dict(app, env={"VERSION": "2"}))
    second = running_task(marathon, "/hello", not_id=first["id"])
    tasks = {t["id"]: t for t in mesos.get("/master/tasks").json()["tasks"]}

    def since(task_id, states):
        return min(s["timestamp"] for s in tasks[task_id]["statuses"] if s["state"] in states)
    assert since(second["id"], {"TASK_RUNNING"}) < since(first["id"], {"TASK_KILLING", "TASK_KILLED"})


def test_config_change_with_minimum_health_zero_kills_the_old_task_first(cluster, marathon, mesos):
    deploy(marathon, "POST", "/v2/apps", hello_app(name="killfirstvol"))   # {0, 0}
    first = running_task(marathon, "/hello")
    deploy(marathon, "PUT", "/v2/apps/hello", dict(hello_app(name="killfirstvol"), env={"VERSION": "2"}))
    second = running_task(marathon, "/hello", not_id=first["id"])
    tasks = {t["id"]: t for t in mesos.get("/master/tasks").json()["tasks"]}

    def since(task_id, states):
        return min(s["timestamp"] for s in tasks[task_id]["statuses"] if s["state"] in states)
    assert since(first["id"], {"TASK_KILLING", "TASK_KILLED"}) <= since(second["id"], {"TASK_STARTING", "TASK_RUNNING"})
