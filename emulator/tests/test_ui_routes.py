"""The Volumes page's routes on the Marathon port (no browser): the page and its files, the read-only Mesos
path it reads, and authentication (Marathon basic credentials, DC/OS token header or cookie, Mesos credentials).
The page itself is driven in Chromium by test_ui_browser.py."""

from __future__ import annotations

import json
import re

import pytest
from conftest import HttpClient

from dcos_emulator.ui import routes as ui_routes


def test_root_serves_the_page_with_a_strict_policy(marathon):
    # Before the page, GET / answered as an unknown Marathon route: 500 {"message": "URI not found"}.
    result = marathon.get("/")
    assert result.status == 200
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    assert "<title>dcos-emulator: Volumes</title>" in result.text
    policy = result.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "connect-src 'self'" in policy and "script-src 'self'" in policy
    assert marathon.get("/ui/").body == result.body


def test_ui_directory_redirects_like_marathon(marathon):
    result = marathon.get("/ui")
    assert (result.status, result.headers["location"]) == (302, "/ui/")


@pytest.mark.parametrize("name, media", sorted(ui_routes.ASSETS.items()))
def test_every_asset_is_served_from_the_package(marathon, name, media):
    result = marathon.get(f"/ui/{name}")
    assert result.status == 200
    assert result.headers["content-type"] == media
    assert result.body == ui_routes.asset_bytes(name) and result.body


@pytest.mark.parametrize("path", ["/ui/nope.js", "/ui/..%2Froutes.py", "/ui/%2E%2E/__init__.py", "/ui/static"])
def test_nothing_else_is_served(marathon, path):
    result = marathon.get(path)
    assert result.status in (404, 500), result  # 500 {"message":"URI not found"}: not a route at all
    assert b"import" not in result.body


def test_the_page_loads_nothing_from_elsewhere():
    html = ui_routes.asset_bytes("index.html").decode()
    references = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert references, "the page references its files"
    for reference in references:
        assert reference.startswith(("/", "#")), reference
        if reference.startswith("/ui/"):
            assert reference[len("/ui/"):] in ui_routes.ASSETS
    script = ui_routes.asset_bytes("app.js").decode()
    assert not re.search(r"['\"`]\s*(https?:)?//", script), "no URL of another origin in the script"


def test_page_is_read_only(marathon):
    assert marathon.post("/", json={}).status == 405
    assert marathon.delete("/ui/app.js").status == 405


def test_mesos_path_is_the_masters_answer(cluster, marathon, mesos):
    via_page = marathon.get("/mesos/master/slaves")
    assert via_page.status == 200
    assert via_page.json() == mesos.get("/master/slaves").json()
    one = cluster.master.agents and next(iter(cluster.master.agents))
    filtered = marathon.get(f"/mesos/master/slaves?slave_id={one}").json()
    assert [a["id"] for a in filtered["slaves"]] == [one]
    assert marathon.get("/mesos/master/state").json()["id"] == mesos.get("/master/state").json()["id"]


@pytest.mark.parametrize("method, path", [("POST", "/mesos/master/reserve"), ("GET", "/mesos/master/flags"),
                                          ("POST", "/mesos/master/slaves"), ("POST", "/mesos/api/v1")])
def test_mesos_path_only_reads(marathon, method, path):
    result = marathon.request(method, path, body=b"")
    assert result.status in (404, 405), result


def test_mesos_path_asks_for_mesos_credentials_when_marathon_asked_for_none(cluster_factory):
    cluster = cluster_factory(agents=1, mesos_credentials="ops:s3cret")
    page = HttpClient(cluster.marathon_url)
    refused = page.get("/mesos/master/slaves")
    assert refused.status == 401
    assert refused.headers["www-authenticate"] == 'Basic realm="mesos-master-readonly"'
    assert page.get("/mesos/master/slaves", auth=("ops", "wrong")).status == 401
    assert page.get("/mesos/master/slaves", auth=("ops", "s3cret")).status == 200


def test_marathon_credentials_guard_the_page_and_the_mesos_path(cluster_factory):
    cluster = cluster_factory(agents=1, marathon_credentials="admin:pw", mesos_credentials="ops:s3cret")
    page = HttpClient(cluster.marathon_url)
    refused = page.get("/")
    assert refused.status == 401 and refused.headers["www-authenticate"] == 'basic realm="Mesosphere"'
    assert page.get("/", auth=("admin", "pw")).status == 200
    assert page.get("/ui/app.js", auth=("admin", "pw")).status == 200
    # One sign-on, as behind Admin Router: Marathon's credentials read the master through the page's path.
    assert page.get("/mesos/master/slaves", auth=("admin", "pw")).status == 200
    assert page.get("/mesos/master/slaves").status == 401


def test_dcos_token_page_is_public_and_the_cookie_authenticates(cluster_factory):
    cluster = cluster_factory(agents=1, dcos_token="tok.en-1")
    page = HttpClient(cluster.marathon_url)
    # Admin Router serves the UI's files without a token; the page then asks for one.
    assert page.get("/").status == 200
    assert page.get("/ui/app.js").status == 200
    refused = page.get("/v2/apps")
    assert refused.status == 401 and refused.headers["www-authenticate"] == "oauthjwt"
    cookie = {"Cookie": "other=1; dcos-acs-auth-cookie=tok.en-1"}
    assert page.get("/v2/apps", headers=cookie).status == 200
    assert page.get("/mesos/master/slaves", headers=cookie).status == 200
    assert page.get("/v2/apps", headers={"Cookie": "dcos-acs-auth-cookie=wrong"}).status == 401
    assert page.get("/v2/apps", headers={"Cookie": "dcos-acs-auth-cookie=tok.en-1",
                                         "Authorization": "token=wrong"}).status == 401  # the header decides
    # Cookies are per host: another service's odd cookie must not hide the token.
    assert page.get("/v2/apps", headers={"Cookie": "broken; x=\"a b\"; dcos-acs-auth-cookie=tok.en-1"}).status == 200
    assert json.loads(HttpClient(cluster.marathon_url, token="tok.en-1").get("/v2/apps").body) == {"apps": []}

