"""The Volumes page in a real browser (headless Chromium through WebDriver), through the stateful tutorial:
create the postgres-like app, see its volume attached on an agent, stop it and see the volume detached, wipe it
and see it gone, all without reloading the page (the page follows /v2/events). Assertions are on the page's
text; screenshots go to tests/output/ui/ for people.

Skipped only where Chromium cannot be started (`make browser` installs it with apt-get; see chromium.py)."""

from __future__ import annotations

import os

import pytest
from chromium import Browser, unavailable
from conftest import HttpClient, wait_for

REASON = unavailable()
pytestmark = pytest.mark.skipif(REASON is not None, reason=REASON or "")

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHOTS = os.path.join(ROOT, "tests", "output", "ui")
APP_ID = "/tutorial/postgres"

# The tutorial's service (playbooks/marathon_stateful_tutorial.yml): a resident app with a local persistent
# volume that appends a line per launch to it and serves it over HTTP.
POSTGRES_LIKE = {
    "id": APP_ID,
    "cmd": 'echo "launched $MESOS_TASK_ID on $HOST" >> data/foo && '
           'exec python3 -m http.server "$PORT0" --bind "$HOST" --directory data',
    "cpus": 0.1, "mem": 64, "instances": 1,
    "container": {"type": "MESOS", "volumes": [
        {"containerPath": "data", "mode": "RW", "persistent": {"size": 10}}]},
    "portDefinitions": [{"port": 0, "name": "http"}],
    "healthChecks": [{"protocol": "MESOS_HTTP", "portIndex": 0, "path": "/foo", "gracePeriodSeconds": 30,
                      "intervalSeconds": 2, "timeoutSeconds": 5, "maxConsecutiveFailures": 5}],
    "upgradeStrategy": {"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0},
}


@pytest.fixture
def browser():
    session = Browser()
    yield session.driver
    session.close()


def text(driver) -> str:
    return driver.find_element("id", "view").text


def wait_text(driver, predicate, message, timeout=30.0) -> str:
    """The view's text once `predicate(text)` holds."""
    def ready():
        current = text(driver)
        return current if predicate(current) else None
    return wait_for(ready, timeout=timeout, interval=0.1, message=message)


def shot(driver, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SHOTS, name + ".png"))


def click(driver, link_text: str) -> None:
    driver.find_element("link text", link_text).click()


def mark_page(driver) -> None:
    """A marker that a reload would lose: checked at the end to prove the page was never reloaded."""
    driver.execute_script("window.__sameDocument = 'yes';")


def same_page(driver) -> bool:
    return driver.execute_script("return window.__sameDocument || null;") == "yes"


def task_of(marathon: HttpClient) -> dict:
    tasks = marathon.get(f"/v2/apps{APP_ID}").json()["app"]["tasks"]
    assert len(tasks) == 1, tasks
    return tasks[0]


def test_tutorial_in_the_browser(cluster_factory, browser):
    cluster = cluster_factory(agents=2)
    marathon = HttpClient(cluster.marathon_url)
    browser.get(cluster.marathon_url + "/")
    wait_text(browser, lambda t: "No apps." in t, "the empty Services view")
    wait_for(lambda: browser.find_element("id", "live").text == "live", message="the page following /v2/events")
    mark_page(browser)

    # 1. Create the app: it shows up in Services (an event, no reload), then its volume attached on an agent.
    assert marathon.post("/v2/apps", json=POSTGRES_LIKE).status == 201
    wait_text(browser, lambda t: APP_ID in t, "the new app in Services")
    # The deployment ends when the health check passes; the page shows it ending (deployment_success).
    view = wait_text(browser, lambda t: "No deployment in progress." in t and APP_ID + " running" in t,
                     "the deployment finished and the app running")
    assert "1 healthy, 0 unhealthy" in view
    task = task_of(marathon)
    pid = task["localVolumes"][0]["persistenceId"]
    click(browser, APP_ID)
    view = wait_text(browser, lambda t: pid in t and "attached" in t, "the volume attached in the Volumes tab")
    line = next(row for row in view.splitlines() if pid in row)
    assert line.split() == ["data", "10", pid, task["host"], "attached", "TASK_RUNNING", "in", "use"], line
    shot(browser, "1-attached")

    click(browser, "Agents")
    # wait for the Agents view itself: the Volumes tab still on screen also shows the persistence id
    view = wait_text(browser, lambda t: pid in t and "marathon_task_id=" in t, "the volume on its agent")
    agent_section = view.split(task["host"], 1)[1]
    assert pid in agent_section and "attached" in agent_section.split(pid, 1)[1].splitlines()[0]
    assert "marathon_task_id=" in view
    shot(browser, "2-agents")
    browser.back()   # history navigation inside the page (hash), not a reload
    wait_text(browser, lambda t: pid in t, "back on the Volumes tab")

    # 2. Stop it (instances 0): the instance is kept, its volume detached; the page follows without reloading.
    assert marathon.put(f"/v2/apps{APP_ID}", json={"instances": 0}).status == 200
    view = wait_text(browser, lambda t: pid in t and "detached" in t, "the volume detached")
    line = next(row for row in view.splitlines() if pid in row)
    assert "detached" in line and task["host"] in line and "reserved, not in use" in line, line
    shot(browser, "3-detached")
    click(browser, "Orphans")
    view = wait_text(browser, lambda t: "suspended 1" in t, "the suspended volume counted")
    assert "Nothing orphaned" in view
    click(browser, "Services")
    view = wait_text(browser, lambda t: APP_ID in t, "Services")
    assert APP_ID + " suspended 0 0 0 1" in view, view

    # 3. Wipe the suspended instance (Marathon's wipe): the volume is gone from the app and from its agent.
    click(browser, APP_ID)
    wait_text(browser, lambda t: pid in t, "the Volumes tab")
    assert marathon.delete(f"/v2/apps{APP_ID}/tasks/{task['id']}?wipe=true").status == 200
    view = wait_text(browser, lambda t: pid not in t, "the wiped volume gone from the Volumes tab")
    assert "No volumes: no instance holds one." in view
    shot(browser, "4-wiped")
    click(browser, "Agents")
    wait_text(browser, lambda t: task["host"] in t and pid not in t and "marathon_task_id=" not in t,
              "the volume destroyed and the reservation released on the agent")
    shot(browser, "5-agents-after-wipe")
    assert same_page(browser), "the page was reloaded"


def test_external_volumes_view_with_or_without_a_store(cluster_factory, browser):
    cluster = cluster_factory(agents=1)
    marathon = HttpClient(cluster.marathon_url)
    browser.get(cluster.marathon_url + "/#/external")
    store = marathon.get("/emulator/volumes")
    if store.status == 200:
        wait_text(browser, lambda t: "Driver" in t, "the external volume store")
    else:
        view = wait_text(browser, lambda t: "External volumes" in t, "the External volumes view")
        assert "No external volume store" in view
    links = [a.get_attribute("href") for a in browser.find_elements("css selector", "#sources a")]
    assert cluster.marathon_url + "/emulator/volumes" in links and cluster.marathon_url + "/mesos/master/slaves" in links


def test_every_view_links_to_its_json(cluster_factory, browser):
    cluster = cluster_factory(agents=1)
    browser.get(cluster.marathon_url + "/")
    for view, wanted in (("Services", ["/v2/apps?embed=apps.tasks", "/v2/deployments"]),
                         ("Agents", ["/mesos/master/slaves", "/v2/apps?embed=apps.tasks"]),
                         ("Orphans", ["/mesos/master/slaves", "/v2/apps?embed=apps.tasks"]),
                         ("External volumes", ["/emulator/volumes"])):
        click(browser, view)
        wait_for(lambda v=view: browser.find_element("css selector", "nav a.current").text == v, message=view)
        links = wait_for(lambda: [a.get_attribute("href") for a in browser.find_elements("css selector", "#sources a")])
        for path in wanted + ["/v2/events"]:
            assert any(link.startswith(cluster.marathon_url + path) for link in links), (view, path, links)
        # Each link answers JSON (the event stream is the one link that is not a JSON document).
        for link in links:
            if "/v2/events" not in link:
                assert HttpClient(cluster.marathon_url).get(link[len(cluster.marathon_url):]).json() is not None


def test_marathon_basic_credentials_the_browser_was_given(cluster_factory, browser):
    cluster = cluster_factory(agents=1, marathon_credentials="admin:pw")
    HttpClient(cluster.marathon_url, auth=("admin", "pw")).post("/v2/apps", json={
        "id": "/guarded", "cmd": "sleep 600", "cpus": 0.01, "mem": 8, "instances": 1})
    # Credentials in the URL stand in for the browser's prompt: Chromium keeps them for the realm and sends them
    # with the page's own fetches and its EventSource, as after a prompt.
    host = cluster.marathon_url.replace("http://", "http://admin:pw@")
    browser.get(host + "/")
    wait_text(browser, lambda t: "/guarded" in t, "the Services view read with the browser's credentials")
    wait_for(lambda: browser.find_element("id", "live").text == "live", message="the event stream authenticated")


def test_dcos_token_form(cluster_factory, browser):
    cluster = cluster_factory(agents=1, dcos_token="s3cret-token")
    HttpClient(cluster.marathon_url, token="s3cret-token").post("/v2/apps", json={
        "id": "/tokened", "cmd": "sleep 600", "cpus": 0.01, "mem": 8, "instances": 1})
    browser.get(cluster.marathon_url + "/")
    wait_for(lambda: browser.find_element("id", "login").is_displayed(), message="the token form")
    assert "DC/OS authentication token" in browser.find_element("id", "notice").text
    browser.find_element("id", "token").send_keys("s3cret-token")
    browser.find_element("css selector", "#login button").click()
    wait_text(browser, lambda t: "/tokened" in t, "the Services view read with the token cookie")
    wait_for(lambda: browser.find_element("id", "live").text == "live", message="the event stream authenticated")
    assert "s3cret-token" not in browser.page_source
