"""Conformance of a group's `enforceRole` (Marathon 1.10.26), over HTTP against a real emulator.

The facts, from the 1.10.26 sources: GroupNormalization (every group of a structural update gets the flag, the
value given or the `--new_group_enforce_role off` default false, the root always false), Group.
validNestedGroupUpdateWithBase (only top-level groups; no change together with services), UpdateGroupStructureOp
(the named group takes the flag, a sub-group it creates gets false), RootGroup (rollback restores it,
updateTransitiveApps drops it), GroupsResource.patchGroup, RoleSettings.forService and GroupNormalization.
validRolesFor (the default and the allowed roles of apps), DefaultInfoService (every GroupInfo shows it),
InstanceOpFactoryImpl/TaskBuilder (MARATHON_APP_ENFORCE_GROUP_ROLE), GroupRepository (stored with the groups).
"""
from __future__ import annotations

import pytest

from dcos_emulator.marathon.state_delta import fold
from dcos_emulator.persistence import StateStore
from test_marathon_support import Client, start_cluster, wait_for

MESOS_ROLE = "slave_public"   # the emulator's --mesos_role
NOT_TOP_LEVEL = "enforceRole can only be set for top-level groups, and {} is not top-level"
WITH_SERVICES = ("enforceRole cannot be modified in a request that adds, removes or modifies services; please make "
                 "these changes in separate requests.")


def app(app_id: str, **fields) -> dict:
    return dict({"id": app_id, "cmd": "sleep 100", "cpus": 0.01, "mem": 8, "instances": 0}, **fields)


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
    ans = client.call("DELETE", "/v2/groups?force=true")
    client.wait_deployment(ans.headers["Marathon-Deployment-Id"])


def flags(group: dict) -> dict:
    """group id -> enforceRole for the group and every group below it."""
    out = {group["id"]: group["enforceRole"]}
    for sub in group["groups"]:
        out.update(flags(sub))
    return out


def role(api, app_id: str) -> str:
    return api.get(f"/v2/apps{app_id}").json["app"]["role"]


def details(ans) -> list:
    return sorted(ans.json["details"], key=lambda d: d["path"])


def test_a_group_keeps_its_flag_and_every_group_info_shows_it(api):
    ans = api.deploy("POST", "/v2/groups", {"id": "/dev", "enforceRole": True, "groups": [{"id": "sub"}]})
    api.deploy("POST", "/v2/groups", {"id": "/ops", "apps": [app("a")]})
    assert flags(api.get("/v2/groups").json) == {"/": False, "/dev": True, "/dev/sub": False, "/ops": False}
    assert api.get("/v2/groups/dev").json["enforceRole"] is True
    assert api.get("/v2/groups/dev/sub").json["enforceRole"] is False
    # the root version of the write holds the flag too
    assert flags(api.get(f"/v2/groups/dev/versions/{ans.json['version']}").json) == {"/dev": True, "/dev/sub": False}
    # a later write that names the group with its flag keeps it; one that leaves it out asks for false
    api.deploy("PUT", "/v2/groups/dev", {"id": "/dev", "enforceRole": True, "dependencies": ["/ops"]})
    assert api.get("/v2/groups/dev").json["enforceRole"] is True
    api.deploy("PUT", "/v2/groups/dev", {"id": "/dev", "dependencies": []})
    assert api.get("/v2/groups/dev").json["enforceRole"] is False


def test_only_a_top_level_group_may_enforce_its_role(api):
    ans = api.call("POST", "/v2/groups", {"id": "/dev", "groups": [{"id": "sub", "enforceRole": True}]})
    assert (ans.status, ans.json) == (422, {"message": "Object is not valid", "details": [
        {"path": "/groups(0)/enforceRole", "errors": [NOT_TOP_LEVEL.format("/dev/sub")]}]})
    ans = api.call("POST", "/v2/groups", {"id": "/dev/sub", "enforceRole": True})
    assert (ans.status, ans.json["details"]) == (422, [
        {"path": "/enforceRole", "errors": [NOT_TOP_LEVEL.format("/dev/sub")]}])
    ans = api.call("PUT", "/v2/groups/dev/sub", {"enforceRole": True})
    assert (ans.status, ans.json["details"]) == (422, [
        {"path": "/enforceRole", "errors": [NOT_TOP_LEVEL.format("/dev/sub")]}])
    assert api.get("/v2/groups/dev").status == 404
    # false is allowed anywhere; the root's flag is always false (GroupNormalization.visitRootGroup)
    api.deploy("POST", "/v2/groups", {"id": "/dev/sub", "enforceRole": False})
    api.deploy("PUT", "/v2/groups", {"enforceRole": True})
    assert flags(api.get("/v2/groups").json) == {"/": False, "/dev": False, "/dev/sub": False}


def test_the_flag_does_not_change_in_a_request_that_touches_services(api):
    api.deploy("POST", "/v2/groups", {"id": "/dev", "apps": [app("a")]})
    ans = api.call("PUT", "/v2/groups/dev", {"id": "/dev", "enforceRole": True, "apps": [app("a")]})
    assert (ans.status, ans.json) == (422, {"message": "Object is not valid", "details": [
        {"path": "/enforceRole", "errors": [WITH_SERVICES]}]})
    # any group the request names by id, also one whose services stay the same (Group.updateModifiesServices
    # looks at the whole request: an `apps` key anywhere, even empty)
    ans = api.call("PUT", "/v2/groups", {"groups": [{"id": "/dev", "enforceRole": True},
                                                    {"id": "/other", "apps": []}]})
    assert (ans.status, details(ans)) == (422, [{"path": "/groups(0)/enforceRole", "errors": [WITH_SERVICES]}])
    # separately: first the flag, then the services
    api.deploy("PUT", "/v2/groups/dev", {"id": "/dev", "enforceRole": True})
    api.deploy("PUT", "/v2/groups/dev", {"id": "/dev", "enforceRole": True, "apps": [app("a"), app("b")]})
    assert api.get("/v2/groups/dev").json["enforceRole"] is True
    # leaving the flag out asks for false (the --new_group_enforce_role default): refused with services...
    ans = api.call("PUT", "/v2/groups/dev", {"id": "/dev", "apps": [app("a"), app("b")]})
    assert (ans.status, details(ans)) == (422, [{"path": "/enforceRole", "errors": [WITH_SERVICES]}])
    # ...unless the body has no `id` (the rule only looks at groups named by id): then the flag goes quietly
    api.deploy("PUT", "/v2/groups/dev", {"apps": [app("a"), app("b")]})
    assert api.get("/v2/groups/dev").json["enforceRole"] is False
    # a new group may be created with its flag and its apps at once
    api.deploy("PUT", "/v2/groups/prod", {"id": "/prod", "enforceRole": True, "apps": [app("a")]})
    assert api.get("/v2/groups/prod").json["enforceRole"] is True


def test_the_flag_decides_the_default_and_the_allowed_roles_of_apps(api):
    api.deploy("POST", "/v2/groups", {"id": "/dev", "enforceRole": True})
    api.deploy("POST", "/v2/groups", {"id": "/ops"})
    # single-app writes (RoleSettings.forService)
    api.deploy("POST", "/v2/apps", app("/dev/a"))
    api.deploy("POST", "/v2/apps", app("/dev/deep/b"))
    assert (role(api, "/dev/a"), role(api, "/dev/deep/b")) == ("dev", "dev")
    ans = api.call("POST", "/v2/apps", app("/dev/c", role=MESOS_ROLE))
    assert (ans.status, ans.json) == (422, {"message": "Object is not valid", "details": [
        {"path": "/role", "errors": [f"got {MESOS_ROLE}, expected one of: [dev]"]}]})
    api.deploy("POST", "/v2/apps", app("/ops/a"))
    api.deploy("POST", "/v2/apps", app("/ops/b", role="ops"))
    assert (role(api, "/ops/a"), role(api, "/ops/b")) == (MESOS_ROLE, "ops")
    ans = api.call("POST", "/v2/apps", app("/ops/c", role="other"))
    assert (ans.status, ans.json["details"]) == (422, [
        {"path": "/role", "errors": [f"got other, expected one of: [{MESOS_ROLE}, ops]"]}])
    # group writes (GroupNormalization): the default of the top-level group, also for its sub-groups
    api.deploy("PUT", "/v2/groups/dev", {"id": "/dev", "enforceRole": True, "apps": [app("a"), app("n")],
                                         "groups": [{"id": "deep", "apps": [app("b"), app("m")]}]})
    assert (role(api, "/dev/n"), role(api, "/dev/deep/m")) == ("dev", "dev")
    ans = api.call("PUT", "/v2/groups/dev", {"id": "/dev", "enforceRole": True, "apps": [
        app("a"), app("n"), app("x", role=MESOS_ROLE)]})
    assert (ans.status, ans.json["details"]) == (422, [
        {"path": "/role", "errors": [f"got {MESOS_ROLE}, expected one of: [dev]"]}])
    # without the flag a group write allows --mesos_role only (validRolesFor), unlike a single-app write
    ans = api.call("PUT", "/v2/groups/ops", {"id": "/ops", "apps": [app("a"), app("b", role="ops"),
                                                                    app("c", role="ops")]})
    assert (ans.status, ans.json["details"]) == (422, [
        {"path": "/role", "errors": [f"got ops, expected one of: [{MESOS_ROLE}]"]}])
    api.deploy("POST", "/v2/groups", {"id": "/qa", "apps": [app("a")]})
    assert role(api, "/qa/a") == MESOS_ROLE


def test_patch_sets_the_flag_of_a_top_level_group(api):
    api.deploy("POST", "/v2/groups", {"id": "/dev", "groups": [{"id": "sub"}]})
    versions = api.get("/v2/groups/versions").json
    ans = api.call("PATCH", "/v2/groups/dev", {"enforceRole": True})
    assert (ans.status, ans.raw) == (200, b"")
    assert "Marathon-Deployment-Id" not in ans.headers
    assert api.get("/v2/groups/dev").json["enforceRole"] is True
    assert api.get("/v2/groups/versions").json == versions   # patchRoot stores no new root version
    api.deploy("POST", "/v2/apps", app("/dev/sub/a"))
    assert role(api, "/dev/sub/a") == "dev"
    # the body leaves the flag out: the --new_group_enforce_role default (off)
    assert api.call("PATCH", "/v2/groups/dev", {}).status == 200
    assert api.get("/v2/groups/dev").json["enforceRole"] is False
    ans = api.call("PATCH", "/v2/groups/dev/sub", {"enforceRole": True})
    assert (ans.status, ans.json) == (422, {"message": "Object is not valid", "details": [
        {"path": "/", "errors": ["Path needs to be top-level"]}]})
    ans = api.call("PATCH", "/v2/groups/nope", {"enforceRole": True})
    assert (ans.status, ans.json) == (404, {"message": "Group '/nope' does not exist"})
    ans = api.call("PATCH", "/v2/groups/dev", {"enforceRole": "yes"})
    assert (ans.status, ans.json) == (422, {"message": "Invalid JSON", "details": [
        {"path": "/enforceRole", "errors": ["error.expected.jsboolean"]}]})
    # a group that exists only as the parent of an app is a group too
    api.deploy("POST", "/v2/apps", app("/implied/a"))
    assert api.call("PATCH", "/v2/groups/implied", {"enforceRole": True}).status == 200
    assert api.get("/v2/groups/implied").json["enforceRole"] is True


def test_rollback_restores_the_flag_and_scale_drops_it(api):
    first = api.deploy("PUT", "/v2/groups/dev", {"id": "/dev", "enforceRole": True,
                                                 "apps": [app("a", instances=1)]}).json["version"]
    api.deploy("PUT", "/v2/groups/dev", {"id": "/dev"})
    assert api.get("/v2/groups/dev").json["enforceRole"] is False
    api.deploy("PUT", "/v2/groups/dev", {"version": first})
    assert api.get("/v2/groups/dev").json["enforceRole"] is True
    # Real Marathon 1.10.26: RootGroup.updateTransitiveApps rebuilds the scaled groups without their flag
    api.deploy("PUT", "/v2/groups/dev", {"scaleBy": 2})
    assert api.get("/v2/apps/dev/a").json["app"]["instances"] == 2
    assert api.get("/v2/groups/dev").json["enforceRole"] is False


def test_a_group_created_below_the_named_one_gets_false(api):
    # Real Marathon 1.10.26: UpdateGroupStructureOp.createGroup leaves out the update's flag; its apps still get
    # the group's role as default (GroupNormalization saw the flag)
    api.deploy("PUT", "/v2/groups", {"groups": [{"id": "/new", "enforceRole": True, "apps": [app("a")]}]})
    assert api.get("/v2/groups/new").json["enforceRole"] is False
    assert role(api, "/new/a") == "new"
    # an existing group listed by its parent's update takes the flag
    api.deploy("PUT", "/v2/groups", {"groups": [{"id": "/new", "enforceRole": True}]})
    assert api.get("/v2/groups/new").json["enforceRole"] is True


def test_tasks_learn_the_flag_of_their_top_level_group(cluster, api):
    api.deploy("POST", "/v2/groups", {"id": "/dev", "enforceRole": True, "apps": [app("a", instances=1)]})
    api.deploy("POST", "/v2/apps", app("/ops/b", instances=1))
    api.deploy("POST", "/v2/apps", app("/c", instances=1))

    def flag_of(app_id: str) -> str:
        [task] = wait_for(lambda: api.tasks(app_id), what=f"the task of {app_id}")
        return cluster.master.task_env(task["id"]).get("MARATHON_APP_ENFORCE_GROUP_ROLE")
    assert [flag_of(a) for a in ("/dev/a", "/ops/b", "/c")] == ["TRUE", "FALSE", "FALSE"]


def test_the_flag_survives_a_restart(tmp_path):
    state_dir = tmp_path / "state"
    c = start_cluster(str(state_dir))
    try:
        api = Client(c.marathon_url)
        version = api.deploy("PUT", "/v2/groups/keep", {"id": "/keep", "enforceRole": True,
                                                        "apps": [app("a")]}).json["version"]
        api.deploy("POST", "/v2/groups", {"id": "/patched"})
        assert api.call("PATCH", "/v2/groups/patched", {"enforceRole": True}).status == 200
        # on disk (snapshot and journal) when the answers arrive
        saved, journal = StateStore(str(state_dir)).load()
        assert fold(saved["marathon"], journal)["groups"]["enforce_role"] == ["/keep", "/patched"]
    finally:
        c.stop()
    c = start_cluster(str(state_dir))
    try:
        api = Client(c.marathon_url)
        assert flags(api.get("/v2/groups").json) == {"/": False, "/keep": True, "/patched": True}
        assert api.get(f"/v2/groups/keep/versions/{version}").json["enforceRole"] is True
        api.deploy("POST", "/v2/apps", app("/keep/b"))
        assert role(api, "/keep/b") == "keep"
    finally:
        c.stop()
