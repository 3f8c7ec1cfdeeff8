"""Mesos operator endpoints against a real emulator: status codes, exact messages, real directories."""

from __future__ import annotations

import json
import os

import pytest
from conftest import HttpClient

ROLE = "ads"
PRINCIPAL = "ops"
LABELS = {"labels": [{"key": "owner", "value": "team-a"}]}


def scalar(name, value, role=ROLE, principal=PRINCIPAL, labels=LABELS, fmt="pre"):
    resource = {"name": name, "type": "SCALAR", "scalar": {"value": value}}
    if role is None:
        return resource
    if fmt == "pre":
        resource["role"] = role
        resource["reservation"] = {"principal": principal}
        if labels is not None:
            resource["reservation"]["labels"] = labels
    else:
        reservation = {"type": "DYNAMIC", "role": role, "principal": principal}
        if labels is not None:
            reservation["labels"] = labels
        resource["reservations"] = [reservation]
    return resource


def volume(value, persistence_id="vol-1", container_path="data", fmt="pre", **kw):
    resource = scalar("disk", value, fmt=fmt, **kw)
    resource["disk"] = {"persistence": {"id": persistence_id, "principal": PRINCIPAL},
                        "volume": {"container_path": container_path, "mode": "RW"}}
    return resource


def operate(mesos: HttpClient, endpoint: str, agent_id: str, items, key=None):
    key = key or ("volumes" if "volumes" in endpoint else "resources")
    return mesos.post(f"/master/{endpoint}", form={"slaveId": agent_id, key: json.dumps(items)})


def slave(mesos: HttpClient, agent_id: str) -> dict:
    result = mesos.get(f"/master/slaves?slave_id={agent_id}")
    assert result.status == 200
    (entry,) = result.json()["slaves"]
    return entry


@pytest.fixture
def agent(cluster):
    return next(iter(cluster.master.agents.values()))


def volume_dir(agent, persistence_id, role=ROLE):
    return os.path.join(agent.work_dir, "volumes", "roles", role, persistence_id)


@pytest.mark.parametrize("fmt", ["pre", "post"])
def test_round_trip_reserve_create_destroy_unreserve(mesos, agent, fmt):
    reserved = [scalar("cpus", 1, fmt=fmt), scalar("mem", 128, fmt=fmt), scalar("disk", 256, fmt=fmt)]
    result = operate(mesos, "reserve", agent.id, reserved)
    assert (result.status, result.body) == (202, b"")

    result = operate(mesos, "create-volumes", agent.id, [volume(256, fmt=fmt)])
    assert (result.status, result.body) == (202, b"")
    path = volume_dir(agent, "vol-1")
    assert os.path.isdir(path)
    with open(os.path.join(path, "PG_VERSION"), "w") as handle:
        handle.write("12\n")

    state = slave(mesos, agent.id)
    full = state["reserved_resources_full"][ROLE]
    vols = [r for r in full if "disk" in r]
    assert len(vols) == 1
    listed = vols[0]
    # ENDPOINT format: both the pre-refinement fields and reservations[].
    assert listed["role"] == ROLE
    assert listed["reservation"] == {"principal": PRINCIPAL, "labels": LABELS}
    assert listed["reservations"] == [{"type": "DYNAMIC", "role": ROLE, "principal": PRINCIPAL, "labels": LABELS}]
    assert listed["disk"]["persistence"] == {"id": "vol-1", "principal": PRINCIPAL}
    assert state["reserved_resources"][ROLE] == {"cpus": 1.0, "gpus": 0.0, "mem": 128.0, "disk": 256.0}
    assert state["unreserved_resources"]["cpus"] == 3.0

    # Destroy with the JSON exactly as listed: the data goes.
    result = operate(mesos, "destroy-volumes", agent.id, [listed])
    assert (result.status, result.body) == (202, b"")
    assert not os.path.exists(path)

    leftover = slave(mesos, agent.id)["reserved_resources_full"][ROLE]
    assert all("disk" not in r or "persistence" not in r["disk"] for r in leftover)
    result = operate(mesos, "unreserve", agent.id, leftover)
    assert (result.status, result.body) == (202, b"")
    state = slave(mesos, agent.id)
    assert state["reserved_resources_full"] == {}
    assert state["unreserved_resources"] == {"cpus": 4.0, "gpus": 0.0, "mem": 8192.0, "disk": 65536.0,
                                             "ports": "[31000-32000]"}


def test_same_labels_merge_different_labels_do_not(mesos, agent):
    assert operate(mesos, "reserve", agent.id, [scalar("cpus", 1)]).status == 202
    assert operate(mesos, "reserve", agent.id, [scalar("cpus", 0.5)]).status == 202
    other = {"labels": [{"key": "owner", "value": "team-b"}]}
    assert operate(mesos, "reserve", agent.id, [scalar("cpus", 0.25, labels=other)]).status == 202
    cpus = [r for r in slave(mesos, agent.id)["reserved_resources_full"][ROLE] if r["name"] == "cpus"]
    by_owner = {r["reservation"]["labels"]["labels"][0]["value"]: r["scalar"]["value"] for r in cpus}
    assert by_owner == {"team-a": 1.5, "team-b": 0.25}


def test_partial_unreserve(mesos, agent):
    assert operate(mesos, "reserve", agent.id, [scalar("mem", 512)]).status == 202
    assert operate(mesos, "unreserve", agent.id, [scalar("mem", 200, fmt="post")]).status == 202
    (mem,) = slave(mesos, agent.id)["reserved_resources_full"][ROLE]
    assert mem["scalar"]["value"] == 312.0
    assert slave(mesos, agent.id)["unreserved_resources"]["mem"] == 8192 - 312


def test_persistence_id_unique_per_role_per_agent(cluster, mesos):
    first, second = list(cluster.master.agents.values())[:2]
    for agent in (first, second):
        assert operate(mesos, "reserve", agent.id, [scalar("disk", 100)]).status == 202
        assert operate(mesos, "create-volumes", agent.id, [volume(50, "shared-id")]).status == 202
    # Another role on the same agent may reuse the id.
    assert operate(mesos, "reserve", first.id, [scalar("disk", 100, role="other")]).status == 202
    assert operate(mesos, "create-volumes", first.id, [volume(50, "shared-id", role="other")]).status == 202
    result = operate(mesos, "create-volumes", first.id, [volume(50, "shared-id")])
    assert result.status == 400
    assert result.text == (f"Invalid CREATE operation on agent {first.id} at slave(1)@{first.hostname}:5051 "
                           f"({first.hostname}): Persistence ID 'shared-id' is not unique")
    assert result.headers["content-type"].startswith("text/plain")


def test_destroy_must_match_exactly(mesos, agent):
    assert operate(mesos, "reserve", agent.id, [scalar("disk", 100)]).status == 202
    assert operate(mesos, "create-volumes", agent.id, [volume(100)]).status == 202
    for wrong in (volume(99), volume(100, container_path="other"), volume(100, labels=None)):
        result = operate(mesos, "destroy-volumes", agent.id, [wrong])
        assert (result.status, result.text) == (400, "Invalid DESTROY operation: Persistent volumes not found")
    assert os.path.isdir(volume_dir(agent, "vol-1"))


def _msg_on(agent):
    return f"on agent {agent.id} at slave(1)@{agent.hostname}:5051 ({agent.hostname})"


@pytest.mark.parametrize("endpoint,form,expected", [
    ("reserve", {"resources": "[]"}, "Missing 'slaveId' query parameter in the request body"),
    ("reserve", {"slaveId": "x"}, "Missing 'resources' query parameter in the request body"),
    ("unreserve", {"slaveId": "x"}, "Missing 'resources' query parameter in the request body"),
    ("create-volumes", {"slaveId": "x"}, "Missing 'volumes' query parameter in the request body"),
    ("destroy-volumes", {"slaveId": "x"}, "Missing 'volumes' query parameter in the request body"),
    ("reserve", {"slaveId": "nope", "resources": "[]"}, "No agent found with specified ID"),
    ("destroy-volumes", {"slaveId": "nope", "volumes": "[]"}, "No agent found with specified ID"),
])
def test_request_errors(mesos, endpoint, form, expected):
    result = mesos.post(f"/master/{endpoint}", form=form)
    assert (result.status, result.text) == (400, expected)


@pytest.mark.parametrize("endpoint,prefix", [
    ("reserve", "Error parsing 'resources' query parameter in the request body: "),
    ("unreserve", "Error in parsing 'resources' query parameter in the request body: "),
    ("create-volumes", "Error in parsing 'volumes' query parameter in the request body: "),
    ("destroy-volumes", "Error in parsing 'volumes' query parameter in the request body: "),
])
def test_parse_errors(mesos, agent, endpoint, prefix):
    key = "volumes" if "volumes" in endpoint else "resources"
    result = mesos.post(f"/master/{endpoint}", form={"slaveId": agent.id, key: "[{not json"})
    assert result.status == 400 and result.text.startswith(prefix)
    result = mesos.post(f"/master/{endpoint}", form={"slaveId": agent.id, key: '[{"name": "cpus"}]'})
    assert (result.status, result.text) == (400, prefix + "Missing required fields: type")


def test_validation_messages(mesos, agent):
    star = {"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "reservation": {"principal": PRINCIPAL}}
    result = operate(mesos, "reserve", agent.id, [star])
    assert (result.status, result.text) == (
        400, "Resource 'cpus:1' is invalid: Invalid reservation: role \"*\" cannot be dynamically reserved")

    plain = {"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}}
    result = operate(mesos, "reserve", agent.id, [plain])
    assert (result.status, result.text) == (
        400, f"Invalid RESERVE operation {_msg_on(agent)}: Resource cpus:1 is not dynamically reserved")
    result = operate(mesos, "unreserve", agent.id, [plain])
    assert (result.status, result.text) == (
        400, "Invalid UNRESERVE operation: Resource cpus:1 is not dynamically reserved")

    unreserved_volume = dict(volume(10), role="*")
    del unreserved_volume["reservation"]
    result = operate(mesos, "create-volumes", agent.id, [unreserved_volume])
    assert (result.status, result.text) == (
        400, f"Invalid CREATE operation {_msg_on(agent)}: Invalid resources: Invalid DiskInfo: "
             "Persistent volumes cannot be created from unreserved resources")

    read_only = volume(10)
    read_only["disk"]["volume"]["mode"] = "RO"
    result = operate(mesos, "create-volumes", agent.id, [read_only])
    assert (result.status, result.text) == (
        400, f"Invalid CREATE operation {_msg_on(agent)}: Not a persistent volume: "
             "Read-only persistent volume not supported")

    no_volume = volume(10)
    del no_volume["disk"]["volume"]
    result = operate(mesos, "create-volumes", agent.id, [no_volume])
    assert (result.status, result.text) == (
        400, f"Invalid CREATE operation {_msg_on(agent)}: Invalid resources: Invalid DiskInfo: "
             "Expecting 'volume' to be set for persistent volume")

    assert operate(mesos, "reserve", agent.id, [scalar("disk", 10)]).status == 202
    assert operate(mesos, "create-volumes", agent.id, [volume(10)]).status == 202
    result = operate(mesos, "unreserve", agent.id, [volume(10)])
    assert (result.status, result.text) == (
        400, "Invalid UNRESERVE operation: A dynamically reserved persistent volume "
             "disk(reservations: [(DYNAMIC,ads,ops,{owner: team-a})])[vol-1:data]:10 cannot be unreserved "
             "directly. Please destroy the persistent volume first then unreserve the resource")


def test_conflict_when_resources_are_missing(mesos, agent):
    result = operate(mesos, "reserve", agent.id, [scalar("cpus", 5)])
    assert (result.status, result.text) == (
        409, "cpus:4; mem:8192; disk:65536; ports:[31000-32000] does not contain cpus:5")
    result = operate(mesos, "unreserve", agent.id, [scalar("cpus", 1)])
    assert (result.status, result.text) == (
        409, "cpus:4; mem:8192; disk:65536; ports:[31000-32000] does not contain "
             "cpus(reservations: [(DYNAMIC,ads,ops,{owner: team-a})]):1")
    result = operate(mesos, "create-volumes", agent.id, [volume(10)])
    assert result.status == 409
    assert result.text.endswith(" does not contain disk(reservations: [(DYNAMIC,ads,ops,{owner: team-a})]):10")


@pytest.mark.parametrize("endpoint", ["reserve", "unreserve", "create-volumes", "destroy-volumes"])
def test_only_post(mesos, endpoint):
    result = mesos.get(f"/master/{endpoint}")
    assert result.status == 405
    assert result.headers["allow"] == "POST"
    assert result.text == "405 Method Not Allowed. Expecting one of { 'POST' }, but received 'GET'."


def test_volume_in_use_cannot_be_destroyed(cluster, mesos, agent):
    from dcos_emulator.mesos.types import LaunchSpec, Operation

    assert operate(mesos, "reserve", agent.id, [scalar("disk", 10)]).status == 202
    assert operate(mesos, "create-volumes", agent.id, [volume(10)]).status == 202
    with cluster.lock:
        cluster.master.register_framework("test-fw", ROLE, PRINCIPAL, lambda status: None)
        spec = LaunchSpec("t1", command="sleep 30", resources=[volume(10)])
        cluster.master.accept(agent.id, [Operation.launch_task(spec)], "test-fw")
    result = operate(mesos, "destroy-volumes", agent.id, [volume(10)])
    assert (result.status, result.text) == (400, "Invalid DESTROY operation: Persistent volumes in use")
    assert slave(mesos, agent.id)["used_resources"]["disk"] == 10.0


def test_basic_auth_and_principal(cluster_factory):
    cluster = cluster_factory(agents=1, mesos_credentials="ops:secret")
    agent = next(iter(cluster.master.agents.values()))
    anonymous = HttpClient(cluster.mesos_url)
    result = operate(anonymous, "reserve", agent.id, [scalar("cpus", 1)])
    assert result.status == 401
    assert result.headers["www-authenticate"] == 'Basic realm="mesos-master-readwrite"'
    assert anonymous.get("/master/slaves").headers["www-authenticate"] == 'Basic realm="mesos-master-readonly"'
    wrong = HttpClient(cluster.mesos_url, auth=("ops", "nope"))
    assert operate(wrong, "reserve", agent.id, [scalar("cpus", 1)]).status == 401

    authed = HttpClient(cluster.mesos_url, auth=("ops", "secret"))
    assert operate(authed, "reserve", agent.id, [scalar("cpus", 1)]).status == 202
    result = operate(authed, "reserve", agent.id, [scalar("cpus", 1, principal="someone-else")])
    assert (result.status, result.text) == (
        400, f"Invalid RESERVE operation {_msg_on(agent)}: A reserve operation was attempted by authenticated "
             "principal 'ops', which does not match a reserved resource in the request with principal "
             "'someone-else'")
    assert authed.get("/master/slaves").status == 200
    # The admin API stays open for tests.
    assert anonymous.get("/emulator/counters").status == 200


def test_v1_operator_api(mesos, agent):
    def call(body):
        return mesos.post("/api/v1", json=body)

    result = call({"type": "RESERVE_RESOURCES", "reserve_resources": {
        "agent_id": {"value": agent.id}, "resources": [scalar("disk", 64, fmt="post")]}})
    assert (result.status, result.body) == (202, b"")
    result = call({"type": "CREATE_VOLUMES", "create_volumes": {
        "agent_id": {"value": agent.id}, "volumes": [volume(64, "v1-vol", fmt="post")]}})
    assert result.status == 202
    assert os.path.isdir(volume_dir(agent, "v1-vol"))

    agents = call({"type": "GET_AGENTS"})
    assert agents.status == 200
    body = agents.json()
    assert body["type"] == "GET_AGENTS"
    entry = next(a for a in body["get_agents"]["agents"] if a["agent_info"]["id"]["value"] == agent.id)
    assert entry["active"] is True
    vols = [r for r in entry["total_resources"] if r.get("disk", {}).get("persistence")]
    assert [v["disk"]["persistence"]["id"] for v in vols] == ["v1-vol"]

    result = call({"type": "DESTROY_VOLUMES", "destroy_volumes": {"agent_id": {"value": agent.id}, "volumes": vols}})
    assert result.status == 202
    assert not os.path.exists(volume_dir(agent, "v1-vol"))
    result = call({"type": "UNRESERVE_RESOURCES", "unreserve_resources": {
        "agent_id": {"value": agent.id}, "resources": [scalar("disk", 64)]}})
    assert result.status == 202
    assert slave(mesos, agent.id)["reserved_resources_full"] == {}

    # Same validation as the v0 endpoints.
    result = call({"type": "UNRESERVE_RESOURCES", "unreserve_resources": {
        "agent_id": {"value": agent.id}, "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}}]}})
    assert (result.status, result.text) == (400, "Invalid UNRESERVE operation: Resource cpus:1 is not dynamically "
                                                 "reserved")
    result = call({"type": "RESERVE_RESOURCES"})
    assert (result.status, result.text) == (400, "Failed to validate master::Call: Expecting 'reserve_resources' "
                                                 "to be present")
    result = mesos.post("/api/v1", body=b"{}", headers={"Content-Type": "text/plain"})
    assert result.status == 415
    assert mesos.get("/api/v1").status == 405


def test_state_frameworks_and_tasks_endpoints(cluster, mesos):
    state = mesos.get("/master/state").json()
    assert state["id"] == cluster.master.id
    assert len(state["slaves"]) == 3
    assert "reserved_resources_full" not in state["slaves"][0]
    assert {s["hostname"] for s in state["slaves"]} == {"127.0.1.1", "127.0.1.2", "127.0.1.3"}
    frameworks = mesos.get("/master/frameworks").json()["frameworks"]
    (marathon,) = frameworks
    assert marathon["id"] == cluster.framework_id
    assert marathon["role"] == "slave_public"
    assert marathon["principal"] == "dcos_marathon"
    assert mesos.get("/master/tasks").json() == {"tasks": []}
    summary = mesos.get("/master/state-summary").json()
    assert len(summary["slaves"]) == 3 and summary["slaves"][0]["TASK_RUNNING"] == 0
    assert [f["id"] for f in summary["frameworks"]] == [cluster.framework_id]
    assert mesos.get("/no/such/endpoint").status == 404
