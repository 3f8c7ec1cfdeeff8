"""Marathon 1.10's validation of external (DVDI) volumes against a real emulator: the messages and paths of
AppValidation, DVDIProvider (volume, app and root-group rules) and the AppDefinition (fact sheet
external-volumes.md §1)."""
from __future__ import annotations

import pytest

from test_marathon_support import Client, start_cluster

LABEL = "must match regular expression '^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$'"
OPTION_KEY = ("must match regular expression "
              "'^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?/[A-Za-z0-9](?:[-A-Za-z0-9\\._:]*[A-Za-z0-9])?$'")
V0 = "/container/volumes(0)"
OPTS = V0 + "/external/options"


def dvdi_app(app_id="/xv/app", name="vol", container="MESOS", **external) -> dict:
    ext = {"name": name, "provider": "dvdi", "options": {"dvdi/driver": "rexray"}}
    ext.update(external)
    app = {"id": app_id, "cmd": "sleep 100", "cpus": 0.1, "mem": 32,
           "container": {"type": container, "volumes": [{"containerPath": "data", "mode": "RW", "external": ext}]},
           "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0}}
    if container == "DOCKER":
        app["container"]["docker"] = {"image": "busybox"}
    return app


@pytest.fixture(scope="module")
def api():
    cluster = start_cluster()
    try:
        yield Client(cluster.marathon_url)
    finally:
        cluster.stop()


def details(ans) -> dict:
    assert ans.status == 422, ans.raw
    assert ans.json["message"] == "Object is not valid", ans.raw
    return {d["path"]: d["errors"] for d in ans.json["details"]}


def rexray(**options) -> dict:
    return dvdi_app(options=dict({"dvdi/driver": "rexray"}, **options))


# (name, app, {path: errors}) — each case's complete `details`
REFUSED = [
    ("provider not a label", dvdi_app(provider="DVDI"),
     {f"{V0}/external/provider": [LABEL, "is unknown provider"]}),
    ("option key not namespaced", dvdi_app(options={"dvdi/driver": "rexray", "size": "5"}),
     {OPTS: [OPTION_KEY]}),
    ("driver not a label", dvdi_app(options={"dvdi/driver": "RexRay"}),
     {f'{OPTS}("dvdi/driver")': [LABEL]}),
    ("volumetype not a label", rexray(**{"dvdi/volumetype": "io1 "}), {f'{OPTS}/"dvdi/volumetype"': [LABEL]}),
    ("newfstype not a label", rexray(**{"dvdi/newfstype": "XFS"}), {f'{OPTS}/"dvdi/newfstype"': [LABEL]}),
    ("iops zero", rexray(**{"dvdi/iops": "0"}),
     {f'{OPTS}/"dvdi/iops"': ["Expected a valid, positive integer instead of 0"]}),
    ("iops not a number", rexray(**{"dvdi/iops": "b"}),
     {f'{OPTS}/"dvdi/iops"': ["Expected a valid, positive integer instead of b"]}),
    ("overwritefs not a boolean", rexray(**{"dvdi/overwritefs": "b"}),
     {f'{OPTS}/"dvdi/overwritefs"': ["Expected a valid boolean"]}),
    # Marathon's predicate is the parsed value itself: "false" is refused too
    ("overwritefs false", rexray(**{"dvdi/overwritefs": "false"}),
     {f'{OPTS}/"dvdi/overwritefs"': ["Expected a valid boolean"]}),
    ("RO on MESOS", dict(dvdi_app(), container={"type": "MESOS", "volumes": [
        {"containerPath": "data", "mode": "RO", "external": dvdi_app()["container"]["volumes"][0]["external"]}]}),
     {f"{V0}/mode": ["does not equal RW"]}),
    ("dot containerPath on DOCKER", dict(dvdi_app(container="DOCKER"), container={
        "type": "DOCKER", "docker": {"image": "busybox"}, "volumes": [
            {"containerPath": "..", "mode": "RW", "external": dvdi_app()["container"]["volumes"][0]["external"]}]}),
     {f"{V0}/containerPath": ["can not be one of (.,..)"]}),
    ("size 0", dvdi_app(size=0), {f"{V0}/external/size": ["got 0, expected more than 0"]}),
]


def _without_name() -> dict:
    app = dvdi_app()
    del app["container"]["volumes"][0]["external"]["name"]
    return app


REFUSED.append(("name missing", _without_name(), {f"{V0}/external/name": ["must not be empty", "not defined"]}))


@pytest.mark.parametrize("name,app,expected", REFUSED, ids=[c[0] for c in REFUSED])
def test_refused_with_marathons_messages(api, name, app, expected):
    assert details(api.call("POST", "/v2/apps", app)) == expected


@pytest.mark.parametrize("options", [{"dvdi/iops": "+7", "dvdi/overwritefs": "TRUE", "dvdi/volumetype": "io1",
                                      "dvdi/newfstype": "xfs"}])
def test_valid_rexray_options_are_accepted(api, options):
    ans = api.call("POST", "/v2/apps", rexray(**options))
    assert ans.status == 201, ans.raw
    api.deploy("DELETE", "/v2/apps/xv/app")


def test_negative_size_is_still_a_json_error(api):
    ans = api.call("POST", "/v2/apps", dvdi_app(size=-1))
    assert ans.status == 422 and ans.json["message"] == "Invalid JSON", ans.raw


def test_duplicate_names_one_violation_per_name_shared_skipped(api):
    app = dvdi_app()
    ext = app["container"]["volumes"][0]["external"]
    vols = [{"containerPath": f"d{i}", "mode": "RW", "external": dict(ext, name=n, shared=s)}
            for i, (n, s) in enumerate([("a", False), ("a", False), ("a", False), ("s", True), ("s", True)])]
    app["container"]["volumes"] = vols
    assert details(api.call("POST", "/v2/apps", app)) == {
        "/container/volumes": ["Volume names must be unique"],
        "/": ["Requested DVDI volume 'a' is declared more than once within app /xv/app"]}


def test_cross_app_conflicts_name_every_app_at_root_group_paths(api):
    assert api.call("POST", "/v2/apps", dvdi_app("/xv/g/app1")).status == 201
    try:
        ans = api.call("POST", "/v2/apps", dvdi_app("/xv/g/app2"))
        assert details(ans) == {
            "/groups(0)/groups(0)/apps(0)/externalVolumes(0)": [
                "Volume name 'vol' in /xv/g/app1 conflicts with volume(s) of same name in app(s): /xv/g/app2"],
            "/groups(0)/groups(0)/apps(1)/externalVolumes(0)": [
                "Volume name 'vol' in /xv/g/app2 conflicts with volume(s) of same name in app(s): /xv/g/app1"]}
        # shared vs non-shared: the error is on the shared one only
        ans = api.call("POST", "/v2/apps", dvdi_app("/xv/g/app0", shared=True))
        assert details(ans) == {"/groups(0)/groups(0)/apps(0)/externalVolumes(0)": [
            "Volume name 'vol' in /xv/g/app0 conflicts with volume(s) of same name in app(s): /xv/g/app1"]}
    finally:
        api.deploy("DELETE", "/v2/apps/xv/g/app1")
    # two shared volumes of the same name never conflict
    assert api.call("POST", "/v2/apps", dvdi_app("/xv/s1", shared=True)).status == 201
    assert api.call("POST", "/v2/apps", dvdi_app("/xv/s2", shared=True)).status == 201
    for app_id in ("/xv/s1", "/xv/s2"):
        api.deploy("DELETE", "/v2/apps" + app_id)


def test_root_group_check_sees_the_whole_bulk_update(api):
    """PUT /v2/apps validates the target root group once: two new apps of one request conflict."""
    ans = api.call("PUT", "/v2/apps", [dvdi_app("/xv/b1"), dvdi_app("/xv/b2")])
    assert details(ans) == {
        "/groups(0)/apps(0)/externalVolumes(0)": [
            "Volume name 'vol' in /xv/b1 conflicts with volume(s) of same name in app(s): /xv/b2"],
        "/groups(0)/apps(1)/externalVolumes(0)": [
            "Volume name 'vol' in /xv/b2 conflicts with volume(s) of same name in app(s): /xv/b1"]}
    assert api.get("/v2/apps/xv/b1").status == 404
