"""Conformance of the emulated group writes and bulk PUT /v2/apps (Marathon 1.10: GroupsResource, GroupApiService,
UpdateGroupStructureOp, RootGroup validation, AppsResource.updateMultiple): codes, bodies and headers from the fact
sheet (external-volumes.md section 5), over HTTP against a real emulator."""
from __future__ import annotations

import json
import urllib.request

import pytest

from test_marathon_support import Client, start_cluster, wait_for

SAME_ID = "Groups and Applications may not have the same identifier."
ENFORCE_WITH_SERVICES = ("enforceRole cannot be modified in a request that adds, removes or modifies services; please "
                         "make these changes in separate requests.")


def app(app_id: str, **fields) -> dict:
    return dict({"id": app_id, "cmd": "sleep 100", "cpus": 0.01, "mem": 8, "instances": 1}, **fields)


def resident(app_id: str, **fields) -> dict:
    return app(app_id, container={"type": "MESOS", "volumes": [
        {"containerPath": "data", "mode": "RW", "persistent": {"size": 1}}]}, **fields)


@pytest.fixture(scope="module")
def cluster():
    c = start_cluster()
    try:
        yield c
    finally:
        c.stop()


@pytest.fixture
def api(cluster):
    client = Client(cluster.marathon_url)
    yield client
    # every test leaves an empty root group behind
    ans = client.call("DELETE", "/v2/groups?force=true")
    client.wait_deployment(ans.headers["Marathon-Deployment-Id"])


def counters(api) -> dict:
    with urllib.request.urlopen(api.base + "/emulator/counters") as resp:
        return json.loads(resp.read())["requests"]


def app_ids(api) -> list:
    return sorted(a["id"] for a in api.get("/v2/apps").json["apps"])


def actions(steps: list) -> list:
    return [sorted((a["action"], a["app"]) for a in step["actions"]) for step in steps]


def test_post_creates_the_group_with_201_location_and_deployment_id(api):
    ans = api.call("POST", "/v2/groups", {"id": "/stack", "apps": [app("db"), app("web", dependencies=["db"])]})
    assert ans.status == 201, ans.raw
    assert set(ans.json) == {"version", "deploymentId"}
    assert ans.headers["Marathon-Deployment-Id"] == ans.json["deploymentId"]
    assert ans.headers["Location"].endswith("/stack")
    api.wait_deployment(ans.json["deploymentId"])
    group = api.get("/v2/groups/stack").json
    assert sorted(a["id"] for a in group["apps"]) == ["/stack/db", "/stack/web"]
    web = next(a for a in group["apps"] if a["id"] == "/stack/web")
    assert web["dependencies"] == ["/stack/db"] and web["tasksRunning"] == 1
    # POST /v2/groups/{id} resolves a relative body id against the URL path
    ans = api.call("POST", "/v2/groups/stack", {"id": "tools", "dependencies": ["../db"]})
    assert ans.status == 201 and ans.headers["Location"].endswith("/stack/tools")
    api.wait_deployment(ans.json["deploymentId"])
    assert api.get("/v2/groups/stack/tools").json["dependencies"] == ["/stack/db"]


def test_post_conflicts_with_a_group_or_an_app(api):
    api.deploy("POST", "/v2/groups", {"id": "/taken", "apps": [app("a", instances=0)]})
    ans = api.call("POST", "/v2/groups", {"id": "/taken"})
    assert (ans.status, ans.json) == (409, {"message": "Group /taken is already created. Use PUT to change this group."})
    ans = api.call("POST", "/v2/groups", {"id": "/taken/a"})
    assert (ans.status, ans.json) == (409, {"message": "An app with the path /taken/a already exists."})
    # the root always exists (RAML example)
    ans = api.call("POST", "/v2/groups", {"apps": []})
    assert (ans.status, ans.json) == (409, {"message": "Group / is already created. Use PUT to change this group."})


def test_an_empty_group_exists_and_keeps_its_dependencies(api):
    api.deploy("PUT", "/v2/groups/empty", {"id": "/empty", "dependencies": ["/other"]})
    group = api.get("/v2/groups/empty").json
    assert (group["apps"], group["groups"], group["dependencies"]) == ([], [], ["/other"])
    # an app may not take the id of a group, even an empty one
    ans = api.call("POST", "/v2/apps", app("/empty"))
    assert (ans.status, ans.json["details"]) == (422, [{"path": "/", "errors": [SAME_ID]}])


def test_dry_run_answers_the_steps_in_dependency_order_and_deploys_nothing(api):
    body = {"id": "/dry", "apps": [app("frontend", dependencies=["service"]), app("service", dependencies=["db"]),
                                   app("db")]}
    before_apps, before_versions = app_ids(api), api.get("/v2/groups/versions").json
    before = counters(api)
    ans = api.call("PUT", "/v2/groups/dry?dryRun=true", body)
    assert ans.status == 200, ans.raw
    assert "Marathon-Deployment-Id" not in ans.headers and set(ans.json) == {"steps"}
    assert actions(ans.json["steps"]) == [
        [("StartApplication", "/dry/db"), ("StartApplication", "/dry/frontend"), ("StartApplication", "/dry/service")],
        [("ScaleApplication", "/dry/db")], [("ScaleApplication", "/dry/service")],
        [("ScaleApplication", "/dry/frontend")]]
    # nothing deployed, stored or versioned; the only write the emulator saw is the dry run itself
    assert app_ids(api) == before_apps and api.get("/v2/deployments").json == []
    assert api.get("/v2/groups/versions").json == before_versions
    assert api.get("/v2/groups/dry").status == 404
    after = counters(api)
    assert after.get("PUT /v2/groups/dry", 0) == before.get("PUT /v2/groups/dry", 0) + 1


def test_group_dependencies_order_the_steps(api):
    # GroupDeployIntegrationTest "Groups with dependencies get deployed in the correct order"
    body = {"id": "/tiers", "apps": [], "groups": [
        {"id": "db", "apps": [app("db1")]},
        {"id": "service", "apps": [app("service1")], "dependencies": ["/tiers/db"]},
        {"id": "frontend", "apps": [app("frontend1")], "dependencies": ["/tiers/service"]}]}
    steps = api.call("PUT", "/v2/groups/tiers?dryRun=true", body).json["steps"]
    assert actions(steps)[1:] == [[("ScaleApplication", "/tiers/db/db1")],
                                  [("ScaleApplication", "/tiers/service/service1")],
                                  [("ScaleApplication", "/tiers/frontend/frontend1")]]
    ans = api.deploy("PUT", "/v2/groups/tiers", body)
    assert ans.status == 200 and set(ans.json) == {"version", "deploymentId"}
    assert api.get("/v2/groups/tiers/service").json["dependencies"] == ["/tiers/db"]


def test_cyclic_dependencies_are_refused(api):
    body = {"id": "/cycle", "apps": [app("a", dependencies=["c"]), app("b", dependencies=["a"]),
                                     app("c", dependencies=["b"])]}
    ans = api.call("POST", "/v2/groups", body)
    assert (ans.status, ans.json) == (422, {"message": "Object is not valid", "details": [
        {"path": "/", "errors": ["Dependency graph has cyclic dependencies."]}]})
    assert api.get("/v2/groups/cycle").status == 404


def test_put_with_apps_replaces_the_app_set_and_deletes_unlisted_apps(api):
    api.deploy("POST", "/v2/groups", {"id": "/set", "apps": [app("a"), app("b")], "groups": [{"id": "sub"}]})
    dry = api.call("PUT", "/v2/groups/set?dryRun=true", {"id": "/set", "apps": [app("a")]}).json["steps"]
    assert actions(dry) == [[("StopApplication", "/set/b")]]
    api.deploy("PUT", "/v2/groups/set", {"id": "/set", "apps": [app("a")]})
    assert app_ids(api) == ["/set/a"]
    # keys left out keep what is there: the sub-group stays, the app too
    api.deploy("PUT", "/v2/groups/set", {"id": "/set", "dependencies": []})
    assert app_ids(api) == ["/set/a"] and api.get("/v2/groups/set/sub").status == 200
    # `groups` replaces the sub-groups
    api.deploy("PUT", "/v2/groups/set", {"id": "/set", "groups": []})
    assert api.get("/v2/groups/set/sub").status == 404


def test_an_unchanged_put_has_no_step_and_keeps_the_app_version(api):
    body = {"id": "/same", "apps": [app("a")]}
    api.deploy("POST", "/v2/groups", body)
    version = api.get("/v2/apps/same/a").json["app"]["version"]
    assert api.call("PUT", "/v2/groups/same?dryRun=true", body).json == {"steps": []}
    api.deploy("PUT", "/v2/groups/same", body)
    assert api.get("/v2/apps/same/a").json["app"]["version"] == version


def test_a_running_deployment_locks_the_group_409_unless_forced(api):
    # 100 cpus fit on no agent: the deployment never ends
    ans = api.call("POST", "/v2/groups", {"id": "/locked", "apps": [app("big", cpus=100)]})
    dep = ans.json["deploymentId"]
    change = {"id": "/locked", "apps": [app("big", cpus=100, cmd="sleep 200")]}
    ans = api.call("PUT", "/v2/groups/locked", change)
    assert ans.status == 409
    assert ans.json == {"message": "App is locked by one or more deployments. Override with the option '?force=true'. "
                                   "View details at '/v2/deployments/<DEPLOYMENT_ID>'.", "deployments": [{"id": dep}]}
    # DELETE /v2/groups/{id} defaults to force=false
    assert api.call("DELETE", "/v2/groups/locked").status == 409
    ans = api.call("PUT", "/v2/groups/locked?force=true", change)
    assert ans.status == 200 and ans.headers["Marathon-Deployment-Id"] != dep
    assert dep not in [d["id"] for d in api.get("/v2/deployments").json]
    ans = api.call("DELETE", "/v2/groups/locked?force=true")
    assert ans.status == 200 and set(ans.json) == {"version", "deploymentId"}
    api.wait_deployment(ans.headers["Marathon-Deployment-Id"])
    assert api.get("/v2/groups/locked").status == 404 and app_ids(api) == []


def test_delete_of_an_unknown_group_is_404(api):
    ans = api.call("DELETE", "/v2/groups/nope")
    assert (ans.status, ans.json) == (404, {"message": "Group '/nope' does not exist"})


def test_scale_by_multiplies_every_app_below_the_group(api):
    api.deploy("POST", "/v2/groups", {"id": "/scale", "apps": [app("a", instances=1)],
                                      "groups": [{"id": "sub", "apps": [app("b", instances=3)]}]})
    ans = api.deploy("PUT", "/v2/groups/scale", {"scaleBy": 1.5})
    assert ans.status == 200
    assert api.get("/v2/apps/scale/a").json["app"]["instances"] == 2      # ceil(1.5)
    assert api.get("/v2/apps/scale/sub/b").json["app"]["instances"] == 5  # ceil(4.5)
    wait_for(lambda: api.get("/v2/apps/scale/sub/b").json["app"]["tasksRunning"] == 5)
    ans = api.call("PUT", "/v2/groups/scale", {"id": "/scale", "scaleBy": 2})
    # a scale is not normalised: the group's missing enforceRole differs from the stored false, and scaleBy counts
    # as modifying services (Group.disallowEnforceRoleChangeIfServicesChanged)
    assert ans.status == 422
    assert sorted(ans.json["details"], key=lambda d: d["path"]) == [
        {"path": "/enforceRole", "errors": [ENFORCE_WITH_SERVICES]},
        {"path": "/scaleBy", "errors": ["not allowed in conjunction with other properties."]}]


def test_version_rolls_the_group_back_and_versions_are_listed(api):
    first = api.deploy("POST", "/v2/groups", {"id": "/roll", "apps": [app("a", cmd="sleep 101")]}).json["version"]
    api.deploy("PUT", "/v2/groups/roll", {"id": "/roll", "apps": [app("a", cmd="sleep 102"), app("b")]})
    versions = api.get("/v2/groups/roll/versions").json
    assert first in versions and versions == sorted(versions, reverse=True) and len(versions) >= 2
    old = api.get(f"/v2/groups/roll/versions/{first}").json
    assert [a["id"] for a in old["apps"]] == ["/roll/a"] and old["apps"][0]["cmd"] == "sleep 101"
    api.deploy("PUT", "/v2/groups/roll", {"version": first})
    assert app_ids(api) == ["/roll/a"] and api.get("/v2/apps/roll/a").json["app"]["cmd"] == "sleep 101"
    ans = api.call("PUT", "/v2/groups/roll", {"version": "2001-01-01T00:00:00.000Z"})
    assert (ans.status, ans.json) == (422, {"message": "Group /roll not available in version 2001-01-01T00:00:00.000Z"})
    ans = api.call("PUT", "/v2/groups/roll", {"id": "/roll", "version": first})
    assert ans.status == 422
    assert sorted(ans.json["details"], key=lambda d: d["path"]) == [
        {"path": "/enforceRole", "errors": [ENFORCE_WITH_SERVICES]},
        {"path": "/version", "errors": ["not allowed in conjunction with other properties."]}]
    assert api.get("/v2/groups/nope/versions").status == 404


def test_group_validation_rules(api):
    # AppValidation.validNestedApp: each app is a direct child of its group
    ans = api.call("POST", "/v2/groups", {"id": "/val", "apps": [app("/elsewhere/a")],
                                          "groups": [{"id": "sub", "apps": [app("deeper/b")]}]})
    assert ans.status == 422
    assert sorted(ans.json["details"], key=lambda d: d["path"]) == [
        {"path": "/apps(0)/id", "errors": ["Identifier is not child of '/val'"]},
        {"path": "/groups(0)/apps(0)/id", "errors": ["Identifier is not child of '/val/sub'"]}]
    # Group.noAppsAndGroupsWithSameName
    ans = api.call("POST", "/v2/groups", {"id": "/val", "apps": [app("x")], "groups": [{"id": "x"}]})
    assert (ans.status, ans.json["details"]) == (422, [{"path": "/", "errors": [SAME_ID]}])
    # each app passes the single-app validation
    ans = api.call("POST", "/v2/groups", {"id": "/val", "apps": [app("a", cpus=-1)]})
    assert (ans.status, ans.json["message"]) == (422, "Invalid JSON")
    ans = api.call("POST", "/v2/groups", {"id": "/val", "apps": [{"cmd": "sleep 1"}]})
    assert (ans.status, ans.json["details"]) == (422, [{"path": "/apps(0)/id", "errors": ["error.path.missing"]}])
    assert api.get("/v2/groups/val").status == 404


def test_resident_apps_in_a_group_follow_the_single_app_rules(api):
    api.deploy("POST", "/v2/groups", {"id": "/res", "apps": [resident("pg"), resident("pg2")]})
    task = wait_for(lambda: [t for t in api.tasks("/res/pg") if t["state"] == "TASK_RUNNING"])[0]
    assert task["localVolumes"][0]["containerPath"] == "data"
    ans = api.call("PUT", "/v2/groups/res", {"id": "/res", "apps": [resident("pg", mem=16), resident("pg2")]})
    assert ans.status == 422
    assert ans.json["details"] == [{"path": "/app(0)/mem", "errors": [
        "Services with persistent volumes configured may not change resource requirements. If you need to make this "
        "change, please create a new service."]}]
    # scaling down keeps the reservation (goal Stopped), as for a single app
    api.deploy("PUT", "/v2/groups/res", {"id": "/res", "apps": [resident("pg", instances=0), resident("pg2")]})
    suspended = api.tasks("/res/pg")
    assert len(suspended) == 1 and "startedAt" not in suspended[0] and suspended[0]["localVolumes"]


def test_bulk_put_creates_and_updates_in_one_deployment(api):
    api.deploy("POST", "/v2/apps", app("/bulk/old"))
    ans = api.call("PUT", "/v2/apps", [app("/bulk/old", cmd="sleep 300"), app("/bulk/new1"), app("/bulk/new2")])
    assert ans.status == 200 and set(ans.json) == {"version", "deploymentId"}   # 200 even when it creates
    plan = [d for d in api.get("/v2/deployments").json if d["id"] == ans.json["deploymentId"]]
    if plan:   # the plan may have ended already
        assert plan[0]["affectedApps"] == ["/bulk/new1", "/bulk/new2", "/bulk/old"]
    api.wait_deployment(ans.json["deploymentId"])
    assert app_ids(api) == ["/bulk/new1", "/bulk/new2", "/bulk/old"]
    assert api.get("/v2/apps/bulk/old").json["app"]["cmd"] == "sleep 300"


def test_bulk_put_without_id(api):
    ans = api.call("PUT", "/v2/apps", [{"cmd": "sleep 1"}])
    assert (ans.status, ans.json) == (422, {"message": "requirement failed: App Update must have app id set"})
    ans = api.call("PUT", "/v2/apps?partialUpdate=false", [{"cmd": "sleep 1"}])
    assert (ans.status, ans.json["message"]) == (422, "Invalid JSON")


def test_bulk_put_gives_each_new_app_its_own_service_port(api):
    ans = api.deploy("PUT", "/v2/apps", [app(f"/ports/p{i}", portDefinitions=[{"port": 0}]) for i in range(3)])
    assert ans.status == 200
    ports = [a["portDefinitions"][0]["port"] for a in api.get("/v2/apps").json["apps"]]
    assert len(set(ports)) == 3, ports


def test_groups_and_their_versions_survive_a_restart(tmp_path):
    c = start_cluster(str(tmp_path))
    try:
        api = Client(c.marathon_url)
        api.deploy("PUT", "/v2/groups/keep", {"id": "/keep", "dependencies": ["/x"], "apps": [app("a", instances=0)]})
        versions = api.get("/v2/groups/keep/versions").json
    finally:
        c.stop()
    c = start_cluster(str(tmp_path))
    try:
        api = Client(c.marathon_url)
        assert api.get("/v2/groups/keep").json["dependencies"] == ["/x"]
        assert api.get("/v2/groups/keep/versions").json == versions
    finally:
        c.stop()


def test_a_full_definition_of_a_resident_app_keeps_its_service_ports(api):
    # GroupManager assigns the dynamic service ports before the deployment-plan validator: a full definition
    # (port 0) of an unchanged resident app is no host-port change
    api.deploy("POST", "/v2/apps", resident("/full/pg", portDefinitions=[{"port": 0}]))
    port = api.get("/v2/apps/full/pg").json["app"]["portDefinitions"][0]["port"]
    ans = api.call("PUT", "/v2/apps/full/pg?partialUpdate=false", resident("/full/pg", portDefinitions=[{"port": 0}],
                                                                            cmd="sleep 101"))
    assert ans.status == 200, ans.raw
    api.wait_deployment(ans.headers["Marathon-Deployment-Id"])
    assert api.get("/v2/apps/full/pg").json["app"]["portDefinitions"][0]["port"] == port
