"""Conformance of the emulated Marathon 1.10 API: shapes from Marathon's example payloads, the fact
sheet's validation messages and paths, error bodies and defaults. Real emulator over HTTP."""
from __future__ import annotations

import copy

import pytest

from test_marathon_support import Client, fixture, start_cluster, wait_for

RESIDENT = {"id": "/conf/pg", "cmd": "sleep 100", "cpus": 0.1, "mem": 32,
            "container": {"type": "MESOS", "volumes": [
                {"containerPath": "data", "mode": "RW", "persistent": {"size": 10}}]}}
EXTERNAL = {"id": "/conf/ext", "cmd": "sleep 100", "cpus": 0.1, "mem": 32,
            "container": {"type": "MESOS", "volumes": [
                {"containerPath": "vol", "mode": "RW",
                 "external": {"name": "v1", "provider": "dvdi", "options": {"dvdi/driver": "rexray"}}}]}}


@pytest.fixture(scope="module")
def api():
    cluster = start_cluster()
    try:
        yield Client(cluster.marathon_url)
    finally:
        cluster.stop()


def _with(base: dict, path: str, value) -> dict:
    """Copy of base with value set at a /-separated path (list indexes as numbers); value None deletes."""
    app = copy.deepcopy(base)
    keys = path.strip("/").split("/")
    node = app
    for k in keys[:-1]:
        node = node[int(k)] if isinstance(node, list) else node.setdefault(k, {})
    last = int(keys[-1]) if isinstance(node, list) else keys[-1]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return app


V0 = "container/volumes/0"
BAD_DEFINITIONS = [
    # (name, base, change path, value, message, detail path, error)
    ("empty containerPath", RESIDENT, f"{V0}/containerPath", "", "Invalid JSON",
     "/container/volumes(0)/containerPath", "error.minLength"),
    ("dot containerPath", RESIDENT, f"{V0}/containerPath", ".", "Object is not valid",
     "/container/volumes(0)/containerPath", "can not be one of (.,..)"),
    ("nested containerPath", RESIDENT, f"{V0}/containerPath", "a/b", "Object is not valid",
     "/container/volumes(0)/containerPath", 'value must not contain "/"'),
    ("RO mode", RESIDENT, f"{V0}/mode", "RO", "Object is not valid", "/container/volumes(0)/mode", "does not equal RW"),
    ("size 0", RESIDENT, f"{V0}/persistent/size", 0, "Object is not valid",
     "/container/volumes(0)/persistent/size", "got 0, expected more than 0"),
    ("negative size", RESIDENT, f"{V0}/persistent/size", -1, "Invalid JSON",
     "/container/volumes(0)/persistent/size", "error.min"),
    ("missing size", RESIDENT, f"{V0}/persistent/size", None, "Invalid JSON",
     "/container/volumes(0)/persistent/size", "error.path.missing"),
    ("unknown type", RESIDENT, f"{V0}/persistent/type", "ssd", "Invalid JSON",
     "/container/volumes(0)/persistent/type", "error.unknown.enum.literal"),
    ("maxSize on root", RESIDENT, f"{V0}/persistent/maxSize", 20, "Object is not valid",
     "/container/volumes(0)/persistent", "Only mount volumes can have maxSize"),
    ("constraints on root", RESIDENT, f"{V0}/persistent/constraints", [["path", "LIKE", "/mnt/.*"]],
     "Object is not valid", "/container/volumes(0)/persistent", "Constraints on root volumes are not supported"),
    ("over capacity", RESIDENT, "upgradeStrategy", {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 1},
     "Object is not valid", "/upgradeStrategy/maximumOverCapacity", "got 1.0, expected 0.0"),
    ("health capacity range", RESIDENT, "upgradeStrategy", {"minimumHealthCapacity": 1.2, "maximumOverCapacity": 0},
     "Invalid JSON", "/upgradeStrategy/minimumHealthCapacity", "error.max"),
    ("unreachable enabled", RESIDENT, "unreachableStrategy", {"inactiveAfterSeconds": 0, "expungeAfterSeconds": 0},
     "Object is not valid", "/", "unreachableStrategy must be disabled for resident tasks"),
    ("accepted roles", RESIDENT, "acceptedResourceRoles", ["slave_public"], "Object is not valid",
     "/acceptedResourceRoles", 'A resident app must have `acceptedResourceRoles = ["*"]`.'),
    ("role star", RESIDENT, "role", "*", "Object is not valid", "/role", "Resident apps cannot have the role *"),
    ("typo in volume", RESIDENT, f"{V0}/persistent", None, "Invalid JSON",
     "/container/volumes(0)/hostPath", "error.path.missing"),
    ("no command", {"id": "/conf/nocmd"}, "cpus", 0.1, "Object is not valid", "/",
     "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."),
    ("bad id", RESIDENT, "id", "/conf/Bad_Id", "Object is not valid", "/id",
     "must fully match regular expression '^(([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])\\.)*([a-z0-9]|[a-z0-9][a-z0-9\\-]*[a-z0-9])|(\\.|\\.\\.)$'"),
    ("cpus as string", RESIDENT, "cpus", "1", "Invalid JSON", "/cpus", "error.expected.jsnumber"),
    ("dvdi driver missing", EXTERNAL, f"{V0}/external/options", {}, "Object is not valid",
     '/container/volumes(0)/external/options("dvdi/driver")', "not defined"),
    ("unknown provider", EXTERNAL, f"{V0}/external/provider", "foo", "Object is not valid",
     "/container/volumes(0)/external/provider", "is unknown provider"),
    ("empty external name", EXTERNAL, f"{V0}/external/name", "", "Object is not valid",
     "/container/volumes(0)/external/name", "must not be empty"),
]


@pytest.mark.parametrize("name,base,path,value,message,detail_path,error", BAD_DEFINITIONS,
                         ids=[row[0] for row in BAD_DEFINITIONS])
def test_bad_definition_is_rejected_with_marathons_message(api, name, base, path, value, message, detail_path, error):
    if name == "typo in volume":
        body = copy.deepcopy(base)
        body["container"]["volumes"][0]["persistent_WRONG_FIELD_NAME"] = body["container"]["volumes"][0].pop("persistent")
    else:
        body = _with(base, path, value)
    ans = api.call("POST", "/v2/apps", body)
    assert ans.status == 422, ans.raw
    assert ans.json["message"] == message
    errors = {d["path"]: d["errors"] for d in ans.json["details"]}
    assert detail_path in errors, errors
    assert error in errors[detail_path]
    assert api.get(f"/v2/apps{body['id'] if body['id'].startswith('/') else '/' + body['id']}").status == 404


def test_dvdi_instances_limited_to_one(api):
    ans = api.call("POST", "/v2/apps", dict(EXTERNAL, instances=2))
    assert ans.status == 422
    msgs = [e for d in ans.json["details"] for e in d["errors"]]
    assert any(m.startswith("Number of instances is limited to 1 when declaring DVDI volumes in app [") for m in msgs)


def test_dvdi_app_defaults_to_zero_over_capacity(api):
    app = fixture("external-volume-mesos-app.json")
    app["id"] = "/conf/external-volume-app"
    ans = api.call("POST", "/v2/apps", app)
    assert ans.status == 201, ans.raw
    assert ans.json["container"]["volumes"][0]["external"] == {
        "size": 1, "name": "marathon-si-test-vol", "provider": "dvdi", "options": {"dvdi/driver": "rexray"},
        "shared": False}
    api.deploy("DELETE", "/v2/apps/conf/external-volume-app")


def test_simple_example_app_renders_like_marathon(api):
    app = fixture("app-simple.json")
    ans = api.call("POST", "/v2/apps", app)
    assert ans.status == 201, ans.raw
    assert ans.headers["Location"].endswith(":" + api.base.rsplit(":", 1)[1] + "/simple")
    body = ans.json
    dep_id = ans.headers["Marathon-Deployment-Id"]
    assert body["deployments"] == [{"id": dep_id}]
    # defaults Marathon 1.10 fills in (AppConversion.appWriter + RAML defaults)
    assert body["backoffFactor"] == 1.15 and body["backoffSeconds"] == 1 and body["maxLaunchDelaySeconds"] == 300
    assert body["networks"] == [{"mode": "host"}]
    assert body["portDefinitions"][0]["name"] == "default" and 10000 <= body["portDefinitions"][0]["port"] < 20000
    assert body["upgradeStrategy"] == {"maximumOverCapacity": 1.0, "minimumHealthCapacity": 1.0}
    assert body["unreachableStrategy"] == {"inactiveAfterSeconds": 0, "expungeAfterSeconds": 0}
    assert body["role"] == "slave_public" and body["killSelection"] == "YOUNGEST_FIRST"
    for deprecated in ("ports", "uris", "ipAddress", "residency", "constraints", "env", "healthChecks"):
        assert deprecated not in body
    # the example list's AppInfo keys (minus deprecated fields) are all there once running
    api.wait_deployment(dep_id)
    listed = api.get("/v2/apps").json["apps"]
    info = next(a for a in listed if a["id"] == "/simple")
    example = fixture("app_list.json")["apps"][0]
    expected = set(example) - {"ports", "uris", "args", "user", "container", "acceptedResourceRoles",
                               "constraints", "healthChecks", "dependencies", "env"}
    assert expected <= set(info), expected - set(info)
    assert info["tasksRunning"] == 2 and info["deployments"] == []
    tasks = api.tasks("/simple")
    example_task = fixture("app_tasks.json")["tasks"][0]
    # region/zone only exist when agents have a fault domain (the emulated agents have none)
    assert set(example_task) - {"region", "zone"} <= set(tasks[0])
    assert tasks[0]["id"].startswith("simple.instance-") and tasks[0]["id"].endswith("._app.1")
    api.deploy("DELETE", "/v2/apps/simple")


def test_bulk_create_example_and_filters(api):
    for app in fixture("apps_create.json"):
        assert api.call("POST", "/v2/apps", dict(app, instances=0)).status == 201
    ids = lambda q: sorted(a["id"] for a in api.get("/v2/apps" + q).json["apps"])  # noqa: E731
    assert ids("?id=sleep1") == ["/test/sleep120"]
    assert ids("?cmd=SLEEP%2060") == ["/test/sleep60"]
    apps = api.get("/v2/apps?embed=apps.tasks&embed=apps.taskStats").json["apps"]
    assert all("tasks" in a and "tasksStats" in a for a in apps)
    group = api.get("/v2/apps/test/*").json["*"]
    assert sorted(a["id"] for a in group) == ["/test/sleep120", "/test/sleep60"]
    sleep60 = api.get("/v2/apps/test/sleep60").json["app"]
    assert sleep60["dependencies"] == ["/test/sleep120", "/other/namespace/or/app"]
    for app in fixture("apps_create.json"):
        api.deploy("DELETE", f"/v2/apps{app['id']}")


def test_label_selector(api):
    api.deploy("POST", "/v2/apps", {"id": "/labels/a", "cmd": "sleep 9", "instances": 0, "labels": {"tier": "db", "x": "1"}})
    api.deploy("POST", "/v2/apps", {"id": "/labels/b", "cmd": "sleep 9", "instances": 0, "labels": {"tier": "web"}})
    ids = lambda q: sorted(a["id"] for a in api.get("/v2/apps?label=" + q).json["apps"])  # noqa: E731
    assert ids("tier==db") == ["/labels/a"]
    assert ids("tier!=db") == ["/labels/b"]
    assert ids("tier%20in%20(db,web),x") == ["/labels/a"]
    assert ids("tier%20==%20db,%20x") == ["/labels/a"]
    # LabelSelectorParsers.parsed throws IllegalArgumentException for what it cannot parse: 422
    for bad in ("tier%20in%20(db", "tier%20db", "==", "tier%20in%20db"):
        res = api.get("/v2/apps?label=" + bad)
        assert res.status == 422, bad
        assert res.json["message"].startswith("Can not parse label selector "), res.json
    for a in ("a", "b"):
        api.deploy("DELETE", f"/v2/apps/labels/{a}")


def test_error_bodies(api):
    assert api.get("/v2/apps/nope").json == {"message": "App '/nope' does not exist"}
    assert api.get("/v2/apps/nope").status == 404
    bad = api.call("POST", "/v2/apps", raw=b"{not json")
    assert bad.status == 400 and bad.json["message"] == "Invalid JSON" and isinstance(bad.json["details"], str)
    assert api.call("PATCH", "/v2/apps/nope", {"instances": 1}).status == 404
    assert api.call("DELETE", "/v2/apps/nope").json == {"message": "App '/nope' does not exist"}
    api.deploy("POST", "/v2/apps", {"id": "/dup", "cmd": "sleep 9", "instances": 0})
    dup = api.call("POST", "/v2/apps", {"id": "/dup", "cmd": "sleep 9"})
    assert dup.status == 409 and dup.json == {"message": "An app with id [/dup] already exists."}
    mixed = api.call("PUT", "/v2/apps/dup", {"version": "2020-01-01T00:00:00.000Z", "cmd": "x"})
    assert mixed.status == 422
    assert mixed.json["details"] == [{"path": "/", "errors": ["The 'version' field may only be combined with the 'id' field."]}]
    both = api.call("DELETE", "/v2/apps/dup/tasks?scale=true&wipe=true")
    assert both.status == 400 and both.json == {"message": "You cannot use scale and wipe at the same time."}
    missing = api.call("DELETE", "/v2/apps/dup/tasks/dup.instance-00000000-0000-1000-8000-000000000000._app.1")
    assert missing.status == 404
    assert missing.json == {"message": "Task 'dup.instance-00000000-0000-1000-8000-000000000000._app.1' does not exist"}
    invalid = api.call("POST", "/v2/tasks/delete", {"ids": ["garbage"]})
    assert invalid.status == 400 and invalid.json["message"].startswith("Invalid task id 'garbage'.")
    assert api.call("DELETE", "/v2/deployments/nope").json == {"message": "DeploymentPlan nope does not exist"}
    api.deploy("DELETE", "/v2/apps/dup")


def test_info_leader_ping(api):
    info = api.get("/v2/info").json
    assert info["name"] == "marathon" and info["version"] == "1.10.26" and info["elected"] is True
    cfg = info["marathon_config"]
    assert cfg["mesos_role"] == "slave_public" and "external_volumes" in cfg["features"]
    assert "mesos_authentication_principal" not in cfg and cfg["new_group_enforce_role"] == "Off"
    assert cfg["maintenance_mode"] is True and info["frameworkId"].endswith("-0000")
    assert api.get("/v2/leader").json == {"leader": info["leader"]}
    pong = api.get("/ping")
    assert pong.status == 200 and pong.raw == b"pong"
    assert api.call("GET", "/ping", headers={"Accept": "application/json"}).json == "pong"


def test_versions_and_rollback(api):
    api.deploy("POST", "/v2/apps", {"id": "/ver", "cmd": "sleep 100", "cpus": 0.1, "mem": 16, "instances": 0})
    first = api.get("/v2/apps/ver").json["app"]["version"]
    api.deploy("PUT", "/v2/apps/ver", {"cmd": "sleep 200"})
    api.deploy("PATCH", "/v2/apps/ver", {"instances": 0, "labels": {"a": "b"}})
    versions = api.get("/v2/apps/ver/versions").json["versions"]
    assert len(versions) == 3 and versions[-1] == first and versions == sorted(versions, reverse=True)
    old = api.get(f"/v2/apps/ver/versions/{first}")
    assert old.json["cmd"] == "sleep 100" and old.json["version"] == first
    assert api.get("/v2/apps/ver/versions/2001-01-01T00:00:00.000Z").json == {
        "message": "App '/ver' does not exist in version 2001-01-01T00:00:00.000Z"}
    api.deploy("PUT", "/v2/apps/ver", {"version": first})
    app = api.get("/v2/apps/ver").json["app"]
    assert app["cmd"] == "sleep 100" and app["labels"] == {}
    # partialUpdate=false replaces the whole definition: unspecified fields fall back to defaults
    api.deploy("PUT", "/v2/apps/ver?partialUpdate=false", {"id": "/ver", "cmd": "sleep 300", "instances": 0})
    app = api.get("/v2/apps/ver").json["app"]
    assert app["cpus"] == 1 and app["mem"] == 128
    # PUT creates when absent: 201 + DeploymentResult
    created = api.call("PUT", "/v2/apps/ver-created", {"cmd": "sleep 1", "instances": 0})
    assert created.status == 201 and set(created.json) == {"version", "deploymentId"}
    api.wait_deployment(created.json["deploymentId"])
    for a in ("ver", "ver-created"):
        api.deploy("DELETE", f"/v2/apps/{a}")


def test_resident_update_rules(api):
    app = dict(RESIDENT, id="/conf/upd", instances=1)
    api.deploy("POST", "/v2/apps", app)
    cpu = api.call("PUT", "/v2/apps/conf/upd", {"cpus": 0.2})
    assert cpu.status == 422
    assert {"path": "/app(0)/cpus", "errors": [
        "Services with persistent volumes configured may not change resource requirements. If you need to make "
        "this change, please create a new service."]} in cpu.json["details"]
    vols = api.call("PUT", "/v2/apps/conf/upd", {"container": {"type": "MESOS", "volumes": [
        {"containerPath": "data", "mode": "RW", "persistent": {"size": 20}}]}})
    assert vols.status == 422
    assert any("Persistent volumes can not be changed!" in d["errors"] for d in vols.json["details"])
    role = api.call("PUT", "/v2/apps/conf/upd", {"role": "conf"})
    assert role.status == 422
    assert role.json["details"][0]["path"] == "/role"
    assert role.json["details"][0]["errors"][0].startswith("It is not possible to change the role for existing reservations.")
    # scaling and command changes are allowed
    api.deploy("PUT", "/v2/apps/conf/upd", {"instances": 2})
    assert len(api.tasks("/conf/upd")) == 2
    api.deploy("PUT", "/v2/apps/conf/upd?force=true", {"role": "conf"})
    assert api.get("/v2/apps/conf/upd").json["app"]["role"] == "conf"
    api.deploy("DELETE", "/v2/apps/conf/upd")
    wait_for(lambda: not api.tasks("/conf/upd") if api.get("/v2/apps/conf/upd").status == 200 else True)


def test_dvdi_name_conflicts_across_apps(api):
    """The root group's check: every app involved, at its /groups(i)/apps(j)/externalVolumes(k) path (more
    cases in test_external_volumes_validation.py)."""
    app = fixture("external-volume-mesos-app.json")
    app.update(id="/dvdi-conf/ext-a", cmd="sleep 100")
    assert api.call("POST", "/v2/apps", app).status == 201
    other = dict(app, id="/dvdi-conf/ext-b")
    ans = api.call("POST", "/v2/apps", other)
    assert ans.status == 422
    group = next(i for i, g in enumerate(api.get("/v2/groups").json["groups"]) if g["id"] == "/dvdi-conf")
    assert ans.json["details"] == [
        {"path": f"/groups({group})/apps(0)/externalVolumes(0)", "errors": [
            "Volume name 'marathon-si-test-vol' in /dvdi-conf/ext-a conflicts with volume(s) of same name in app(s): "
            "/dvdi-conf/ext-b"]},
        {"path": f"/groups({group})/apps(1)/externalVolumes(0)", "errors": [
            "Volume name 'marathon-si-test-vol' in /dvdi-conf/ext-b conflicts with volume(s) of same name in app(s): "
            "/dvdi-conf/ext-a"]}]
    shared = copy.deepcopy(other)
    shared["container"]["volumes"][0]["external"]["shared"] = True
    assert api.call("POST", "/v2/apps", shared).status == 422   # shared vs non-shared still conflicts
    api.call("DELETE", "/v2/apps/dvdi-conf/ext-a")


def test_docker_resident_app_without_command_runs_without_a_process(api):
    app = fixture("resident-docker-app.json")
    created = api.call("POST", "/v2/apps", app)
    assert created.status == 201, created.raw
    body = created.json
    # deprecated docker.network USER + ipAddress become a container network; docker.network is dropped
    assert body["networks"] == [{"name": "dcos", "mode": "container"}]
    assert "network" not in body["container"]["docker"] and "ipAddress" not in body
    assert "portDefinitions" not in body and body["container"]["portMappings"][0]["containerPort"] == 0
    task = wait_for(lambda: [t for t in api.tasks("/resident-docker-app") if t["state"] == "TASK_RUNNING"])[0]
    assert task["localVolumes"][0]["containerPath"] == "data"
    # no process to probe: the emulator reports the HTTP health check healthy, so the deployment finishes
    api.wait_deployment(created.headers["Marathon-Deployment-Id"])
    info = api.get("/v2/apps/resident-docker-app").json["app"]
    assert info["tasksHealthy"] == 1 and info["tasks"][0]["healthCheckResults"][0]["alive"] is True
    api.deploy("DELETE", "/v2/apps/resident-docker-app")


def test_out_of_range_integers_do_not_read(api):
    ans = api.call("POST", "/v2/apps", {"id": "/big", "cmd": "sleep 1", "instances": 1e20})
    assert ans.status == 422
    assert ans.json == {"message": "Invalid JSON", "details": [{"path": "/instances", "errors": ["error.expected.int"]}]}


def test_groups_are_derived_from_app_ids(api):
    api.deploy("POST", "/v2/apps", {"id": "/grp/sub/a", "cmd": "sleep 9", "instances": 0})
    root = api.get("/v2/groups").json
    assert root["id"] == "/" and {"apps", "groups", "pods", "dependencies", "version", "enforceRole"} <= set(root)
    grp = next(g for g in root["groups"] if g["id"] == "/grp")
    assert grp["groups"][0]["id"] == "/grp/sub" and grp["groups"][0]["apps"][0]["id"] == "/grp/sub/a"
    assert api.get("/v2/groups/grp/sub").json["apps"][0]["id"] == "/grp/sub/a"
    missing = api.get("/v2/groups/nope")
    assert missing.status == 404 and missing.json == {"message": "Group '/nope' does not exist"}
    api.deploy("DELETE", "/v2/apps/grp/sub/a")


def test_an_app_and_a_group_may_not_share_an_id(api):
    # RootGroup.noAppsAndGroupsWithSameName: "Groups and Applications may not have the same identifier."
    api.deploy("POST", "/v2/apps", {"id": "/clash/inner", "cmd": "sleep 9", "instances": 0})
    expected = [{"path": "/", "errors": ["Groups and Applications may not have the same identifier."]}]
    for method, path, body in [("POST", "/v2/apps", {"id": "/clash", "cmd": "sleep 9"}),
                               ("PUT", "/v2/apps/clash", {"cmd": "sleep 9"}),
                               ("PUT", "/v2/apps/clash/inner/deeper", {"cmd": "sleep 9"}),
                               ("PUT", "/v2/apps", [{"id": "/clash", "cmd": "sleep 9"}])]:
        res = api.call(method, path, body)
        assert (res.status, res.json.get("details")) == (422, expected), (method, path, res.json)
    assert api.get("/v2/apps/clash").status == 404 and api.get("/v2/apps/clash/inner/deeper").status == 404
    api.deploy("DELETE", "/v2/apps/clash/inner")
    # once the group holds no app, its id is free for an app
    api.deploy("PUT", "/v2/apps/clash", {"cmd": "sleep 9", "instances": 0})
    api.deploy("DELETE", "/v2/apps/clash")


def test_persistent_volume_example_and_deployment_shape(api):
    app = fixture("persistent-volume-app.json")
    # the example serves with DC/OS's python; here the same command with the local one
    app["cmd"] = app["cmd"].replace("/opt/mesosphere/bin/python", "python3")
    created = api.call("POST", "/v2/apps", app)
    assert created.status == 201, created.raw
    body = created.json
    assert body["acceptedResourceRoles"] == ["*"] and body["unreachableStrategy"] == "disabled"
    assert body["portDefinitions"][0]["name"] == "api" and "labels" not in body["portDefinitions"][0]
    assert body["container"]["volumes"] == [
        {"containerPath": "data", "mode": "RW", "persistent": {"type": "root", "size": 10, "constraints": []}}]
    assert body["upgradeStrategy"] == {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0}
    api.wait_deployment(created.headers["Marathon-Deployment-Id"])
    # a deployment that cannot finish (no agent has 100 cpus) is listed with the example's keys
    stuck = api.call("POST", "/v2/apps", dict(app, id="/pv-stuck", cpus=100))
    dep = next(d for d in api.get("/v2/deployments").json if d["id"] == stuck.headers["Marathon-Deployment-Id"])
    example = fixture("deployments.json")[0]
    assert set(dep) == set(example)
    wait_for(lambda: [d for d in api.get("/v2/deployments").json if d["id"] == dep["id"] and d["currentActions"]])
    dep = next(d for d in api.get("/v2/deployments").json if d["id"] == dep["id"])
    assert set(dep["currentActions"][0]) == {"action", "app", "readinessCheckResults"}
    assert set(dep["currentActions"][0]) - {"app"} <= set(example["currentActions"][0])
    api.deploy("DELETE", "/v2/apps/pv-stuck")
    [task] = api.tasks("/persistent-volume-app")
    assert task["localVolumes"][0]["containerPath"] == "data"
    api.deploy("DELETE", "/v2/apps/persistent-volume-app")


@pytest.mark.parametrize("body,path,error", [
    ({"upgradeStrategy": {"minimumHealthCapacity": 0}}, "/upgradeStrategy/maximumOverCapacity", "error.path.missing"),
    ({"unreachableStrategy": {"inactiveAfterSeconds": 60}}, "/unreachableStrategy",
     "inactiveAfterSeconds (60) must be less or equal to expungeAfterSeconds, which is 0"),
])
def test_strategy_rules(api, body, path, error):
    ans = api.call("POST", "/v2/apps", dict({"id": "/strategy", "cmd": "sleep 1", "instances": 0}, **body))
    assert ans.status == 422
    assert {"path": path, "errors": [error]} in ans.json["details"]


SECRET_FILE = {"id": "/conf/secret-file", "cmd": "sleep 100", "cpus": 0.1, "mem": 32,
               "secrets": {"pgpass": {"source": "db/pgpass"}},
               "container": {"type": "MESOS", "volumes": [{"containerPath": "pgpass", "secret": "pgpass"}]}}


def test_file_based_secret_volume_is_judged_like_open_source_marathon(api):
    """Real Marathon: AppSecretVolume has no mode; the volume must name an entry of `secrets`, which needs the
    secrets feature (DC/OS Enterprise). The emulator, like open-source Marathon, has it disabled."""
    ans = api.call("POST", "/v2/apps", SECRET_FILE)
    assert ans.status == 422, ans.raw
    errors = {d["path"]: d["errors"] for d in ans.json["details"]}
    assert errors == {"/secrets": ["Feature secrets is not enabled. Enable with --enable_features secrets)"]}
    dangling = _with(SECRET_FILE, "container/volumes/0/secret", "other")
    errors = {d["path"]: d["errors"] for d in api.call("POST", "/v2/apps", dangling).json["details"]}
    assert errors["/container/volumes(0)"] == ["volume.secret must refer to an existing secret"]


@pytest.mark.parametrize("cmd, accepted", [("x", False), ("ls", True)])
def test_one_character_cmd_is_refused_as_marathon_does(api, cmd, accepted):
    """Real Marathon (AppValidation): `cmd.forall(_.length > 1)`, reported as "must not be an empty string"."""
    ans = api.call("POST", "/v2/apps", {"id": f"/conf/cmd-{len(cmd)}", "cmd": cmd, "cpus": 0.01, "mem": 8, "instances": 0})
    if accepted:
        assert ans.status == 201, ans.raw
        api.call("DELETE", f"/v2/apps/conf/cmd-{len(cmd)}?force=true")
    else:
        assert ans.status == 422
        assert {"path": "/", "errors": ["must not be an empty string"]} in ans.json["details"]
