"""Deployments (steps, header, 409 lock, force, rollback), server-sent events, health checks against the
real process, backoff of failing tasks, /v2/tasks and /v2/tasks/delete. Real emulator over HTTP."""
from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request

import pytest

from test_marathon_support import Client, start_cluster, wait_for

HUGE = {"cmd": "sleep 100", "cpus": 100, "mem": 16}   # never fits an agent: its deployment stays


@pytest.fixture(scope="module")
def env():
    cluster = start_cluster(agents=2)
    try:
        yield cluster, Client(cluster.marathon_url)
    finally:
        cluster.stop()


def _deployment(api, dep_id):
    return next((d for d in api.get("/v2/deployments").json if d["id"] == dep_id), None)


def test_deployment_steps_lock_force_and_cancel(env):
    _, api = env
    created = api.call("POST", "/v2/apps", dict(HUGE, id="/dep/huge"))
    dep_id = created.headers["Marathon-Deployment-Id"]
    dep = wait_for(lambda: (_deployment(api, dep_id) or {}).get("currentStep") == 2 and _deployment(api, dep_id))
    assert dep["affectedApps"] == ["/dep/huge"] and dep["affectedPods"] == [] and dep["totalSteps"] == 2
    assert dep["steps"] == [{"actions": [{"action": "StartApplication", "app": "/dep/huge"}]},
                            {"actions": [{"action": "ScaleApplication", "app": "/dep/huge"}]}]
    assert dep["currentActions"] == [{"action": "ScaleApplication", "app": "/dep/huge", "readinessCheckResults": []}]
    # the queue says why it cannot be placed
    entry = wait_for(lambda: [q for q in api.get("/v2/queue").json["queue"] if q["app"]["id"] == "/dep/huge"])[0]
    reasons = {r["reason"]: r["declined"] for r in entry["processedOffersSummary"]["rejectSummaryLastOffers"]}
    assert reasons["InsufficientCpus"] > 0 and entry["role"] == "slave_public" and entry["count"] == 1
    unused = next(q for q in api.get("/v2/queue?embed=lastUnusedOffers").json["queue"]
                  if q["app"]["id"] == "/dep/huge")["lastUnusedOffers"]
    assert unused and unused[0]["reason"] == ["InsufficientCpus"]
    assert {"id", "hostname", "agentId", "resources", "attributes"} <= set(unused[0]["offer"])
    # locked
    locked = api.call("PUT", "/v2/apps/dep/huge", {"cpus": 99})
    assert locked.status == 409
    assert locked.json == {"message": "App is locked by one or more deployments. Override with the option "
                                      "'?force=true'. View details at '/v2/deployments/<DEPLOYMENT_ID>'.",
                           "deployments": [{"id": dep_id}]}
    # forced: the old plan is replaced by a restart plan
    forced = api.call("PUT", "/v2/apps/dep/huge?force=true", {"cpus": 99})
    assert forced.status == 200
    new_id = forced.headers["Marathon-Deployment-Id"]
    assert _deployment(api, dep_id) is None
    assert _deployment(api, new_id)["steps"] == [{"actions": [{"action": "RestartApplication", "app": "/dep/huge"}]}]
    # cancel with force: 202, empty body, nothing rolled back
    cancelled = api.call("DELETE", f"/v2/deployments/{new_id}?force=true")
    assert cancelled.status == 202 and cancelled.raw == b""
    assert _deployment(api, new_id) is None
    assert api.get("/v2/apps/dep/huge").json["app"]["cpus"] == 99
    # delete never 409s (force defaults to true)
    scaled = api.call("PUT", "/v2/apps/dep/huge", {"instances": 2})
    assert scaled.status == 200
    assert _deployment(api, scaled.headers["Marathon-Deployment-Id"])["steps"] == [
        {"actions": [{"action": "ScaleApplication", "app": "/dep/huge"}]}]
    deleted = api.call("DELETE", "/v2/apps/dep/huge")
    assert deleted.status == 200
    api.wait_deployment(deleted.headers["Marathon-Deployment-Id"])
    assert api.get("/v2/apps/dep/huge").status == 404


def test_rollback_of_a_create_removes_the_app(env):
    _, api = env
    created = api.call("POST", "/v2/apps", dict(HUGE, id="/dep/rollback"))
    dep_id = created.headers["Marathon-Deployment-Id"]
    rolled = api.call("DELETE", f"/v2/deployments/{dep_id}")
    assert rolled.status == 200 and set(rolled.json) == {"version", "deploymentId"}
    assert rolled.headers["Marathon-Deployment-Id"] == rolled.json["deploymentId"] != dep_id
    api.wait_deployment(rolled.json["deploymentId"])
    assert api.get("/v2/apps/dep/rollback").status == 404


def test_rollback_of_a_scale_restores_the_count(env):
    _, api = env
    api.deploy("POST", "/v2/apps", {"id": "/dep/scale", "cmd": "sleep 100", "cpus": 1, "mem": 8, "instances": 1})
    # 20 one-cpu instances do not fit two 4-cpu agents: the scale deployment stays until rolled back
    scale = api.call("PUT", "/v2/apps/dep/scale", {"instances": 20})
    rolled = api.call("DELETE", f"/v2/deployments/{scale.headers['Marathon-Deployment-Id']}")
    assert rolled.status == 200
    api.wait_deployment(rolled.json["deploymentId"], timeout=60)
    assert api.get("/v2/apps/dep/scale").json["app"]["instances"] == 1
    wait_for(lambda: len(api.tasks("/dep/scale")) == 1, timeout=60, what="surplus tasks killed")
    api.deploy("DELETE", "/v2/apps/dep/scale")


class _Sse:
    def __init__(self, url):
        self.events = []
        self.resp = urllib.request.urlopen(url, timeout=60)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        event = None
        try:
            for raw in self.resp:
                line = raw.decode().rstrip("\r\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    self.events.append((event, json.loads(line[6:])))
        except Exception:  # noqa: BLE001 - closed at the end of the test
            pass

    def types(self):
        return [t for t, _ in self.events]

    def close(self):
        import socket
        try:
            self.resp.fp.raw._sock.shutdown(socket.SHUT_RDWR)
        except (AttributeError, OSError):
            pass
        self.resp.close()


def test_event_stream(env):
    cluster, api = env
    all_events = _Sse(cluster.marathon_url + "/v2/events")
    only = _Sse(cluster.marathon_url + "/v2/events?event_type=deployment_success&event_type=deployment_step_success")
    try:
        time.sleep(0.2)
        ans = api.deploy("POST", "/v2/apps", {"id": "/ev/app", "cmd": "sleep 100", "cpus": 0.01, "mem": 8})
        dep_id = ans.headers["Marathon-Deployment-Id"]
        wait_for(lambda: "deployment_success" in only.types(), what="deployment_success")
        assert set(only.types()) == {"deployment_success", "deployment_step_success"}
        wait_for(lambda: "deployment_success" in all_events.types())
        types = all_events.types()
        for expected in ("event_stream_attached", "deployment_info", "deployment_step_success",
                         "status_update_event", "instance_changed_event", "deployment_success"):
            assert expected in types, types
        success = next(e for t, e in all_events.events if t == "deployment_success")
        assert success["id"] == dep_id and success["eventType"] == "deployment_success" and "timestamp" in success
        status = next(e for t, e in all_events.events if t == "status_update_event" and e["taskStatus"] == "TASK_RUNNING")
        assert status["appId"] == "/ev/app" and status["taskId"].startswith("ev_app.instance-")
        api.deploy("DELETE", "/v2/apps/ev/app")
    finally:
        all_events.close()
        only.close()


def test_http_and_command_health_checks_on_the_real_process(env):
    _, api = env
    server = f"exec {sys.executable} -m http.server $PORT0 --bind $HOST"
    app = {"id": "/hc/web", "cmd": server, "cpus": 0.05, "mem": 32, "instances": 1,
           "healthChecks": [{"protocol": "HTTP", "path": "/", "portIndex": 0, "intervalSeconds": 1,
                             "gracePeriodSeconds": 30, "timeoutSeconds": 2, "maxConsecutiveFailures": 3},
                            {"protocol": "TCP", "intervalSeconds": 1, "gracePeriodSeconds": 30}]}
    api.deploy("POST", "/v2/apps", app, status=(201,))   # ScaleApplication waits for health
    info = api.get("/v2/apps/hc/web").json["app"]
    assert info["tasksHealthy"] == 1 and info["tasksUnhealthy"] == 0
    assert info["healthChecks"][0] == {"gracePeriodSeconds": 30, "intervalSeconds": 1, "maxConsecutiveFailures": 3,
                                       "portIndex": 0, "timeoutSeconds": 2, "delaySeconds": 15, "protocol": "HTTP",
                                       "path": "/", "ignoreHttp1xx": False, "ipProtocol": "IPv4"}
    results = info["tasks"][0]["healthCheckResults"]
    assert len(results) == 2 and all(r["alive"] and r["consecutiveFailures"] == 0 and "lastSuccess" in r for r in results)
    api.deploy("DELETE", "/v2/apps/hc/web")

    failing = {"id": "/hc/sick", "cmd": "sleep 100", "cpus": 0.05, "mem": 16,
               "healthChecks": [{"protocol": "COMMAND", "command": {"value": "test -f $MESOS_SANDBOX/ok"},
                                 "intervalSeconds": 1, "gracePeriodSeconds": 0, "maxConsecutiveFailures": 2}]}
    first = api.call("POST", "/v2/apps", failing)
    first_task = wait_for(lambda: api.tasks("/hc/sick"), what="first task")[0]["id"]
    wait_for(lambda: api.get("/v2/apps/hc/sick").json["app"]["tasksUnhealthy"] == 1, what="unhealthy")
    # killed after maxConsecutiveFailures and relaunched
    wait_for(lambda: any(t["id"] != first_task for t in api.tasks("/hc/sick")), timeout=30, what="replacement")
    assert api.call("DELETE", "/v2/apps/hc/sick").status == 200
    assert first.status == 201


def test_backoff_of_a_failing_task_and_delay_reset(env):
    _, api = env
    api.call("POST", "/v2/apps", {"id": "/bo/crash", "cmd": "exit 3", "cpus": 0.01, "mem": 8,
                                  "backoffSeconds": 1, "backoffFactor": 3, "maxLaunchDelaySeconds": 60})

    def delay():
        entry = [q for q in api.get("/v2/queue").json["queue"] if q["app"]["id"] == "/bo/crash"]
        return entry[0]["delay"]["timeLeftSeconds"] if entry else 0
    wait_for(lambda: delay() > 0, what="delayed queue entry")
    # delays grow by backoffFactor: 1 s, 3 s, 9 s ...
    wait_for(lambda: delay() > 3, timeout=30, what="the delay grown by the backoff factor")
    entry = [q for q in api.get("/v2/queue").json["queue"] if q["app"]["id"] == "/bo/crash"][0]
    assert entry["delay"]["overdue"] is False and entry["count"] == 1
    failure = api.get("/v2/apps/bo/crash").json["app"]["lastTaskFailure"]
    assert failure["state"] == "TASK_FAILED" and failure["message"] == "Command exited with status 3"
    assert failure["appId"] == "/bo/crash" and failure["taskId"].startswith("bo_crash.instance-")
    assert api.call("DELETE", "/v2/queue/bo/crash/delay").status == 204
    assert api.call("DELETE", "/v2/queue/nothere/delay").json == {
        "message": "Application /nothere not found in tasks queue."}
    api.call("DELETE", "/v2/apps/bo/crash")


def test_tasks_endpoints(env):
    _, api = env
    api.deploy("POST", "/v2/apps", {"id": "/t/a", "cmd": "sleep 100", "cpus": 0.01, "mem": 8, "instances": 3})
    all_tasks = api.get("/v2/tasks?status=running").json["tasks"]
    mine = [t for t in all_tasks if t["appId"] == "/t/a"]
    assert len(mine) == 3 and all(t["servicePorts"] for t in mine)
    assert api.get("/v2/tasks?status=staging").json["tasks"] == []
    killed = api.call("POST", "/v2/tasks/delete?scale=true", {"ids": [mine[0]["id"]]})
    assert killed.status == 200 and "deploymentId" in killed.json
    api.wait_deployment(killed.json["deploymentId"])
    assert api.get("/v2/apps/t/a").json["app"]["instances"] == 2
    plain = api.call("POST", "/v2/tasks/delete", {"ids": [mine[1]["id"], "t_a.instance-00000000-0000-1000-8000-000000000000._app.1"]})
    assert plain.status == 200 and [t["id"] for t in plain.json["tasks"]] == [mine[1]["id"]]
    wait_for(lambda: len([t for t in api.tasks("/t/a") if "startedAt" in t]) == 2, what="relaunch after kill")
    host = api.tasks("/t/a")[0]["host"]
    by_host = api.call("DELETE", f"/v2/apps/t/a/tasks?host={host}")
    assert by_host.status == 200 and all(t["host"] == host for t in by_host.json["tasks"])
    restart = api.call("POST", "/v2/apps/t/a/restart")
    assert restart.status == 200
    running = _deployment(api, restart.json["deploymentId"])   # may already be done
    assert running is None or running["steps"] == [{"actions": [{"action": "RestartApplication", "app": "/t/a"}]}]
    api.wait_deployment(restart.json["deploymentId"])
    version = api.get("/v2/apps/t/a").json["app"]["version"]
    assert all(t["version"] == version for t in api.tasks("/t/a"))
    api.deploy("DELETE", "/v2/apps/t/a")


@pytest.mark.parametrize("app,reason", [
    ({"id": "/why/role", "acceptedResourceRoles": ["slave_public"]}, "UnfulfilledRole"),
    ({"id": "/why/unique", "instances": 3, "constraints": [["hostname", "UNIQUE"]]}, "UnfulfilledConstraint"),
    ({"id": "/why/mem", "mem": 10 ** 7}, "InsufficientMemory"),
])
def test_queue_says_why_an_instance_cannot_be_placed(env, app, reason):
    _, api = env
    body = dict({"cmd": "sleep 100", "cpus": 0.01, "mem": 8}, **app)
    assert api.call("POST", "/v2/apps", body).status == 201

    def declined():
        entry = next((q for q in api.get("/v2/queue").json["queue"] if q["app"]["id"] == app["id"]), None)
        if entry is None:
            return 0
        return {r["reason"]: r["declined"] for r in entry["processedOffersSummary"]["rejectSummaryLastOffers"]}[reason]
    wait_for(declined, what=reason)
    if app["id"] == "/why/unique":   # one instance per agent was placed, the third waits
        assert len(api.tasks("/why/unique")) == 2
    api.deploy("DELETE", f"/v2/apps{app['id']}")


def test_args_app_runs_with_the_usual_environment(env):
    cluster, api = env
    api.deploy("POST", "/v2/apps", {"id": "/envs/app", "args": ["sleep", "100"], "cpus": 0.01, "mem": 8,
                                    "env": {"GREETING": "hi"}, "labels": {"team": "db"},
                                    "portDefinitions": [{"port": 0, "name": "http"}, {"port": 0}]})
    [task] = api.tasks("/envs/app")
    env_vars = cluster.master.task_env(task["id"])
    assert env_vars["MARATHON_APP_ID"] == "/envs/app" and env_vars["GREETING"] == "hi"
    assert env_vars["MARATHON_APP_VERSION"] == task["version"] and env_vars["MESOS_TASK_ID"] == task["id"]
    assert env_vars["MARATHON_APP_LABEL_TEAM"] == "db"
    assert env_vars["PORT0"] == str(task["ports"][0]) and env_vars["PORT1"] == str(task["ports"][1])
    assert env_vars["PORT_HTTP"] == str(task["ports"][0]) and env_vars["HOST"] == task["host"]
    assert env_vars["MESOS_SANDBOX"] == cluster.master.sandbox(task["id"])
    assert cluster.master.task_pid(task["id"]) is not None
    api.deploy("DELETE", "/v2/apps/envs/app")


def test_readiness_checks_gate_the_deployment(env):
    _, api = env
    server = f"exec {sys.executable} -m http.server $PORT_HTTP --bind $HOST"
    app = {"id": "/ready/web", "cmd": server, "cpus": 0.01, "mem": 32,
           "portDefinitions": [{"port": 0, "name": "http"}],
           "readinessChecks": [{"name": "web", "portName": "http", "path": "/", "intervalSeconds": 2,
                                "timeoutSeconds": 1, "httpStatusCodesForReady": [204], "preserveLastResponse": True}]}
    created = api.call("POST", "/v2/apps", app)
    assert created.status == 201, created.raw
    assert created.json["readinessChecks"] == [{
        "name": "web", "protocol": "HTTP", "path": "/", "portName": "http", "intervalSeconds": 2,
        "timeoutSeconds": 1, "httpStatusCodesForReady": [204], "preserveLastResponse": True}]
    dep_id = created.headers["Marathon-Deployment-Id"]

    def results():
        dep = _deployment(api, dep_id)
        return dep and dep["currentActions"] and dep["currentActions"][0]["readinessCheckResults"]
    result = wait_for(lambda: (results() or [{}])[0].get("lastResponse"), what="a readiness result")
    assert result["status"] == 200
    [entry] = results()
    assert entry["name"] == "web" and entry["ready"] is False and entry["taskId"].startswith("ready_web.instance-")
    # 200 is not in [204]: the deployment waits; accepting 200 lets it finish
    fixed = api.call("PUT", "/v2/apps/ready/web?force=true", {"readinessChecks": [dict(
        app["readinessChecks"][0], httpStatusCodesForReady=[200])]})
    assert fixed.status == 200
    api.wait_deployment(fixed.json["deploymentId"])
    bad = api.call("POST", "/v2/apps", dict(app, id="/ready/bad", readinessChecks=[{"portName": "nope"}]))
    assert bad.status == 422 and {"path": "/readinessChecks(0)/portName",
                                  "errors": ["No port definition reference for portName nope"]} in bad.json["details"]
    api.deploy("DELETE", "/v2/apps/ready/web")


def test_bulk_update_orders_steps_by_dependencies(env):
    _, api = env
    apps = [dict(HUGE, id="/order/front", dependencies=["/order/db"]), dict(HUGE, id="/order/db")]
    ans = api.call("PUT", "/v2/apps", apps)
    assert ans.status == 200 and ans.headers["Marathon-Deployment-Id"] == ans.json["deploymentId"]
    dep = _deployment(api, ans.json["deploymentId"])
    assert dep["steps"] == [
        {"actions": [{"action": "StartApplication", "app": "/order/db"},
                     {"action": "StartApplication", "app": "/order/front"}]},
        {"actions": [{"action": "ScaleApplication", "app": "/order/db"}]},
        {"actions": [{"action": "ScaleApplication", "app": "/order/front"}]}]
    # a config change scaled to zero is a ScaleApplication, not a restart (seen in the plan of its event)
    events = _Sse(env[0].marathon_url + "/v2/events?event_type=deployment_success")
    try:
        time.sleep(0.2)
        zero = api.call("PUT", "/v2/apps/order/front?force=true", {"cmd": "sleep 5", "instances": 0})
        done = wait_for(lambda: [e for _, e in events.events if e["id"] == zero.json["deploymentId"]])[0]
        assert done["plan"]["steps"] == [{"actions": [{"action": "ScaleApplication", "app": "/order/front"}]}]
    finally:
        events.close()
    for app in ("front", "db"):
        api.deploy("DELETE", f"/v2/apps/order/{app}")


def test_dependent_app_waits_for_its_dependency(env):
    cluster, api = env
    db = {"id": "/chain/db", "cmd": "sleep 100", "cpus": 0.01, "mem": 8,
          "healthChecks": [{"protocol": "COMMAND", "command": {"value": "test -f $MESOS_SANDBOX/ok"},
                            "intervalSeconds": 1, "gracePeriodSeconds": 300, "maxConsecutiveFailures": 0}]}
    front = {"id": "/chain/front", "cmd": "sleep 100", "cpus": 0.01, "mem": 8, "dependencies": ["/chain/db"]}
    ans = api.call("PUT", "/v2/apps", [front, db])
    assert ans.status == 200
    [db_task] = wait_for(lambda: api.tasks("/chain/db"), what="db task")
    time.sleep(1.5)
    assert api.tasks("/chain/front") == []          # held until the db step is done (db not healthy yet)
    open(f"{cluster.master.sandbox(db_task['id'])}/ok", "w").close()
    api.wait_deployment(ans.json["deploymentId"])
    assert len(api.tasks("/chain/front")) == 1
    for app in ("front", "db"):
        api.deploy("DELETE", f"/v2/apps/chain/{app}")


def test_cancelled_deployment_emits_deployment_failed(env):
    cluster, api = env
    events = _Sse(cluster.marathon_url + "/v2/events?event_type=deployment_failed&event_type=deployment_info")
    try:
        time.sleep(0.2)
        created = api.call("POST", "/v2/apps", dict(HUGE, id="/ev/cancel"))
        dep_id = created.headers["Marathon-Deployment-Id"]
        wait_for(lambda: any(t == "deployment_info" and e["plan"]["id"] == dep_id for t, e in events.events))
        assert api.call("DELETE", f"/v2/deployments/{dep_id}?force=true").status == 202
        failed = wait_for(lambda: [e for t, e in events.events if t == "deployment_failed"], what="deployment_failed")
        assert failed[0]["id"] == dep_id and failed[0]["plan"]["id"] == dep_id
        assert set(failed[0]["plan"]) == {"id", "steps", "version"}
    finally:
        events.close()
    api.deploy("DELETE", "/v2/apps/ev/cancel")
