"""Fault domains (`--zones`): agents report domain.fault_domain region/zone as Mesos does, and Marathon's
@zone / @region constraints place tasks by them (against a real emulator)."""
from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import HttpClient, free_port, wait_for

ZONES = ("us-east-1a", "us-east-1b")


def _domain(zone: str) -> dict:
    return {"fault_domain": {"region": {"name": "us-east-1"}, "zone": {"name": zone}}}


def _deploy(marathon: HttpClient, app: dict) -> None:
    r = marathon.post("/v2/apps", json=app)
    assert r.status == 201, r


def _task_zones(marathon: HttpClient, mesos: HttpClient, app_id: str, count: int) -> list:
    zone_of = {s["id"]: s["domain"]["fault_domain"]["zone"]["name"] for s in mesos.get("/master/slaves").json()["slaves"]}

    def running():
        tasks = marathon.get(f"/v2/apps{app_id}/tasks").json()["tasks"]
        tasks = [t for t in tasks if t["state"] == "TASK_RUNNING"]
        return tasks if len(tasks) == count else None
    return sorted(zone_of[t["slaveId"]] for t in wait_for(running, message=f"{count} running tasks of {app_id}"))


def test_agents_report_their_zone_round_robin(cluster_factory):
    port = free_port()
    cluster = cluster_factory(agents=3, zones=ZONES, agent_port=port)
    mesos = HttpClient(cluster.mesos_url)
    slaves = sorted(mesos.get("/master/slaves").json()["slaves"], key=lambda s: s["id"])
    assert [s["domain"] for s in slaves] == [_domain("us-east-1a"), _domain("us-east-1b"), _domain("us-east-1a")]
    state = mesos.get("/master/state").json()
    assert {s["id"]: s["domain"] for s in state["slaves"]} == {s["id"]: s["domain"] for s in slaves}
    assert state["domain"] == _domain("us-east-1a") and state["leader_info"]["domain"] == _domain("us-east-1a")
    v1 = mesos.post("/api/v1", json={"type": "GET_AGENTS"}).json()["get_agents"]["agents"]
    assert {a["agent_info"]["id"]["value"]: a["agent_info"]["domain"] for a in v1} == \
        {s["id"]: s["domain"] for s in slaves}
    agent_state = HttpClient(f"http://{slaves[1]['hostname']}:{port}").get("/state").json()
    assert agent_state["domain"] == _domain("us-east-1b")


def test_no_zones_means_no_domain(cluster, mesos):
    assert all("domain" not in s for s in mesos.get("/master/slaves").json()["slaves"])
    assert "domain" not in mesos.get("/master/state").json()


@pytest.mark.parametrize("constraints, instances, expected", [
    ([["@zone", "IS", "us-east-1b"]], 2, ["us-east-1b", "us-east-1b"]),
    ([["@zone", "LIKE", "us-east-1[a]"]], 2, ["us-east-1a", "us-east-1a"]),
    ([["@zone", "UNLIKE", "us-east-1a"]], 1, ["us-east-1b"]),
    ([["@zone", "GROUP_BY", "2"]], 2, ["us-east-1a", "us-east-1b"]),
    ([["@region", "IS", "us-east-1"], ["@zone", "MAX_PER", "1"]], 2, ["us-east-1a", "us-east-1b"]),
])
def test_zone_constraints_place_tasks(cluster_factory, constraints, instances, expected):
    cluster = cluster_factory(agents=4, zones=ZONES)
    marathon, mesos = HttpClient(cluster.marathon_url), HttpClient(cluster.mesos_url)
    _deploy(marathon, {"id": "/z", "cmd": "sleep 1000", "cpus": 0.1, "mem": 16, "instances": instances,
                       "constraints": constraints})
    assert _task_zones(marathon, mesos, "/z", instances) == expected


def test_max_per_zone_leaves_the_rest_waiting(cluster_factory):
    cluster = cluster_factory(agents=4, zones=ZONES)
    marathon, mesos = HttpClient(cluster.marathon_url), HttpClient(cluster.mesos_url)
    _deploy(marathon, {"id": "/z", "cmd": "sleep 1000", "cpus": 0.1, "mem": 16, "instances": 3,
                       "constraints": [["@zone", "MAX_PER", "1"]]})
    assert _task_zones(marathon, mesos, "/z", 2) == list(ZONES)
    queue = wait_for(lambda: marathon.get("/v2/queue").json()["queue"] or None, message="queue entry")
    assert queue[0]["count"] == 1
    assert wait_for(lambda: queue_reason(marathon), message="UnfulfilledConstraint") == "UnfulfilledConstraint"


def queue_reason(marathon: HttpClient):
    queue = marathon.get("/v2/queue").json()["queue"]
    summary = queue[0].get("processedOffersSummary", {}).get("rejectSummaryLastOffers", []) if queue else []
    return next((r["reason"] for r in summary if r["declined"]), None)


def test_other_region_is_not_used_without_a_region_constraint(cluster_factory):
    cluster = cluster_factory(agents=2, zones=("us-east-1a", "eu-west-1a"))
    marathon, mesos = HttpClient(cluster.marathon_url), HttpClient(cluster.mesos_url)
    _deploy(marathon, {"id": "/home", "cmd": "sleep 1000", "cpus": 0.1, "mem": 16, "instances": 2,
                       "constraints": [["hostname", "UNIQUE"]]})
    assert _task_zones(marathon, mesos, "/home", 1) == ["us-east-1a"]
    _deploy(marathon, {"id": "/eu", "cmd": "sleep 1000", "cpus": 0.1, "mem": 16,
                       "constraints": [["@region", "IS", "eu-west-1"]]})
    assert _task_zones(marathon, mesos, "/eu", 1) == ["eu-west-1a"]


def test_cli_rejects_bad_zones():
    out = subprocess.run([sys.executable, "-m", "dcos_emulator", "--zones", "us-east-1a,,b"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "--zones" in out.stderr
    help_text = subprocess.run([sys.executable, "-m", "dcos_emulator", "--help"], capture_output=True, text=True,
                               timeout=30).stdout
    assert "--zones" in help_text
