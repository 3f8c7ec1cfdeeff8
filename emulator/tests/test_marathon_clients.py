"""Client compatibility: the request shapes marathon-python and the DC/OS CLI send, and bad input of any
shape never getting a 500 (property test with hypothesis)."""
from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_marathon_support import Client, start_cluster, wait_for

APP_KEYS = ["id", "cmd", "args", "cpus", "mem", "disk", "gpus", "instances", "container", "env", "labels",
            "constraints", "healthChecks", "portDefinitions", "ports", "networks", "upgradeStrategy",
            "unreachableStrategy", "residency", "acceptedResourceRoles", "role", "fetch", "uris", "version",
            "backoffSeconds", "backoffFactor", "requirePorts", "ipAddress", "secrets", "killSelection", "user"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 100000) | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["containerPath", "mode", "persistent", "external", "size", "type", "docker", "image",
                         "volumes", "hostPath", "portMappings", "name", "provider", "options", "protocol",
                         "minimumHealthCapacity", "maximumOverCapacity", "value", "port"]) | st.text(max_size=5),
        children, max_size=4),
    max_leaves=12)


@pytest.fixture(scope="module")
def api():
    cluster = start_cluster(agents=1)
    try:
        yield Client(cluster.marathon_url)
    finally:
        cluster.stop()


def _is_marathon_error(ans) -> bool:
    return ans.status in (400, 403, 404, 409, 422) and isinstance(ans.json, dict) and "message" in ans.json


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(st.sampled_from(APP_KEYS), json_values, max_size=6) | json_values)
def test_no_input_makes_a_500(api, body):
    if isinstance(body, dict):
        body = dict(body, instances=0)   # never launch what a random body might contain
    for method, path in (("POST", "/v2/apps"), ("PUT", "/v2/apps/fuzz/app"), ("PATCH", "/v2/apps/fuzz/app"),
                         ("PUT", "/v2/apps/fuzz/app?partialUpdate=false"), ("PUT", "/v2/apps"),
                         ("POST", "/v2/tasks/delete")):
        ans = api.call(method, path, body)
        assert ans.status < 500, (method, path, body, ans.status, ans.raw)
        assert ans.status in (200, 201) or _is_marathon_error(ans), (method, path, body, ans.status, ans.raw)
        if ans.status in (200, 201):
            for app in api.get("/v2/apps").json["apps"]:
                api.call("DELETE", f"/v2/apps{app['id']}?force=true")


def test_marathon_python_call_shapes(api):
    # create_app: POST with None fields dropped, the answer parses as an app
    app = {"id": "/mp/app", "cmd": "sleep 100", "cpus": 0.01, "mem": 8, "instances": 1}
    created = api.call("POST", "/v2/apps", app)
    assert created.status == 201 and created.json["id"] == "/mp/app"
    api.wait_deployment(created.headers["Marathon-Deployment-Id"])
    # list_apps(embed_tasks=True, embed_counts=True, ...)
    q = "embed=apps.tasks&embed=apps.counts&embed=apps.deployments&embed=apps.readiness" \
        "&embed=apps.lastTaskFailure&embed=apps.failures&embed=apps.taskStats&id=mp"
    apps = api.get("/v2/apps?" + q).json["apps"]
    assert [a["id"] for a in apps] == ["/mp/app"] and len(apps[0]["tasks"]) == 1 and "readinessCheckResults" in apps[0]
    # get_app then update_app with the fetched object (version cleared, read-only fields left in)
    fetched = api.get("/v2/apps/mp/app?embed=app.tasks").json["app"]
    fetched.pop("version")
    fetched["cmd"] = "sleep 200"
    updated = api.call("PUT", "/v2/apps/mp/app?force=false", fetched)
    assert updated.status == 200, updated.raw
    api.wait_deployment(updated.json["deploymentId"])
    assert api.get("/v2/apps/mp/app").json["app"]["cmd"] == "sleep 200"
    # scale_app(instances=2), kill_task, kill_given_tasks, list_queue, restart_app, delete_app(force=False)
    scaled = api.call("PUT", "/v2/apps/mp/app?force=false", {"instances": 2})
    api.wait_deployment(scaled.json["deploymentId"])
    tasks = api.get("/v2/apps/mp/app/tasks").json["tasks"]
    assert len(tasks) == 2
    one = api.call("DELETE", f"/v2/apps/mp/app/tasks/{tasks[0]['id']}?scale=false&wipe=false")
    assert one.status == 200 and one.json["task"]["id"] == tasks[0]["id"]
    given_ = api.call("POST", "/v2/tasks/delete?scale=false&force=false", {"ids": [tasks[1]["id"]]})
    assert given_.status == 200 and given_.json["tasks"][0]["id"] == tasks[1]["id"]
    assert api.get("/v2/queue?embed=lastUnusedOffers").status == 200
    wait_for(lambda: len([t for t in api.get("/v2/tasks").json["tasks"] if t["appId"] == "/mp/app"
                          and t["state"] == "TASK_RUNNING"]) == 2, what="relaunched tasks")
    restarted = api.call("POST", "/v2/apps/mp/app/restart?force=false")
    assert restarted.status == 200
    api.wait_deployment(restarted.json["deploymentId"])
    deleted = api.call("DELETE", "/v2/apps/mp/app?force=false")
    assert deleted.status == 200
    api.wait_deployment(deleted.json["deploymentId"])
    assert api.get("/v2/apps/mp/app").status == 404


def test_dcos_cli_stop_start_shapes(api):
    # `dcos marathon app add` / `app stop` / `app start` / `app remove` send these
    api.deploy("POST", "/v2/apps", {"id": "/cli/app", "cmd": "sleep 100", "cpus": 0.01, "mem": 8})
    api.deploy("PUT", "/v2/apps/cli/app?force=false", {"instances": 0})
    assert api.get("/v2/apps/cli/app").json["app"]["tasksRunning"] == 0
    api.deploy("PUT", "/v2/apps/cli/app?force=false", {"instances": 1})
    assert api.get("/v2/apps/cli/app").json["app"]["tasksRunning"] == 1
    listed = json.loads(api.get("/v2/apps?embed=apps.counts&embed=apps.deployments&embed=apps.readiness"
                                "&embed=apps.lastTaskFailure&embed=apps.taskStats").raw)
    assert any(a["id"] == "/cli/app" for a in listed["apps"])
    api.deploy("DELETE", "/v2/apps/cli/app?force=true")


def test_plugins_pods_probe_and_metrics(api):
    assert api.get("/v2/plugins").json == {"plugins": []}
    assert api.call("HEAD", "/v2/pods").status == 200
    assert api.get("/v2/pods").json == []
    metrics = api.get("/metrics").json
    assert {"version", "counters", "gauges", "histograms", "meters", "timers"} <= set(metrics)
    assert "value" in metrics["gauges"]["marathon.apps.active.gauge"]


def test_unknown_routes_answer_as_marathon_1_10(api):
    # MarathonExceptionMapper maps JAX-RS NotFoundException to 500 {"message": "URI not found"} (sic)
    unknown = api.get("/v2/nothing-here")
    assert unknown.status == 500 and unknown.json == {"message": "URI not found"}
    wrong = api.call("POST", "/v2/deployments")
    assert wrong.status == 405 and wrong.json == {"message": "Method Not Allowed"}


def test_huge_scale_up_is_bounded(api):
    # unplaceable (cpus) Docker app asking for a million instances: the emulator keeps at most 2000 waiting
    ans = api.call("POST", "/v2/apps", {"id": "/huge/scale", "instances": 1000000, "cpus": 64, "mem": 8,
                                        "container": {"type": "DOCKER", "docker": {"image": "nginx"}}})
    assert ans.status == 201
    entry = wait_for(lambda: [q for q in api.get("/v2/queue").json["queue"] if q["app"]["id"] == "/huge/scale"])[0]
    assert entry["count"] == 2000
    assert api.get("/v2/apps/huge/scale").json["app"]["instances"] == 1000000
    api.deploy("DELETE", "/v2/apps/huge/scale")
