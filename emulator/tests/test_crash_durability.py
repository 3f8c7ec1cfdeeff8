"""Acknowledged writes survive kill -9 (issue 9).

A real `dcos-emulator` process is killed with SIGKILL at a random moment of a random write (create, scale,
wipe and delete of a resident Marathon app; reserve, create-volumes, destroy-volumes and unreserve on the
Mesos operator API), some milliseconds into the request or after its answer while the scheduler acts on
it, and restarted on the same state dir. After every restart:

* every answered write is there, and nothing answered as done is undone (a write in flight at the kill
  may have happened or not);
* no task points at a volume its agent does not list, and Marathon settles: every app runs its instances,
  no deployment hangs, and the reservations Marathon holds on the agents are exactly its instances';
* no volume data is lost: each task writes a marker into its volume once; the marker of every volume that
  still exists is unchanged, and operator volumes keep the file the test wrote into them.

The trials are chained (each restart is the next trial's start). `CRASH_TRIALS` sets their number (default
8, well under a minute; `CRASH_TRIALS=300` for a long run), `CRASH_SEED` replays a failure: the seed is
printed and is in every failure message.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

from conftest import HttpClient, free_port

TRIALS = int(os.environ.get("CRASH_TRIALS", "8"))
ROLE = "slave_public"           # Marathon's role (root apps)
OPS_ROLE = "ops"                # operator reservations and volumes
MAX_APPS = 3
SLOTS = 4                       # operator reservation slots per run
EMULATOR_DIR = os.path.join(os.path.dirname(__file__), "..")


class Emulator:
    """`python -m dcos_emulator` on fixed ports and one state dir; killed with SIGKILL or stopped with SIGTERM."""

    def __init__(self, state_dir: str):
        self.state_dir = state_dir
        self.marathon_port, self.mesos_port = free_port(), free_port()
        self.proc: subprocess.Popen | None = None
        self.log = open(os.path.join(os.path.dirname(state_dir), "emulator.log"), "ab")  # noqa: SIM115
        self.marathon = HttpClient(f"http://127.0.0.1:{self.marathon_port}")
        self.mesos = HttpClient(f"http://127.0.0.1:{self.mesos_port}")

    def start(self) -> None:
        env = dict(os.environ, PYTHONPATH=EMULATOR_DIR + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dcos_emulator", "--state-dir", self.state_dir, "--agents", "2",
             "--marathon-port", str(self.marathon_port), "--mesos-port", str(self.mesos_port),
             "--log-level", "INFO"], env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.marathon.get("/ping", timeout=2).status == 200:
                    return
            except OSError:
                pass
            assert self.proc.poll() is None, "the emulator exited at start (see emulator.log)"
            assert time.monotonic() < deadline, "the emulator did not start within 30 s"
            time.sleep(0.05)

    def kill_after(self, delay: float) -> threading.Timer:
        proc = self.proc
        timer = threading.Timer(delay, lambda: proc.poll() is None and proc.send_signal(signal.SIGKILL))
        timer.start()
        return timer

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def kill_leftover_tasks(state_dir: str) -> None:
    """Task processes this test started that no emulator reaped (a kill between a task's start and its
    checkpoint): they are found by their sandbox under our state dir."""
    marker = f"MESOS_SANDBOX={state_dir}".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as handle:
                if marker in handle.read():
                    os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass


class Ledger:
    """What the emulator answered: the state every restart must show. `pending` is the write in flight at
    the kill, whose effect may or may not be there."""

    def __init__(self, state_dir: str):
        self.state_dir = state_dir
        self.apps: dict[str, int] = {}           # app id -> instances answered
        self.wiped: set[str] = set()             # instance ids answered as wiped
        self.slots: dict[str, str] = {}          # operator slot -> "reserved" | "volume" (absent: free)
        self.slot_agent: dict[str, str] = {}
        self.markers: dict[tuple, tuple] = {}    # (agent, persistence id) -> (marker text, instance id, app id)
        self.pending: dict | None = None
        self.counter = 0


def volume_dir(state_dir: str, agent_id: str, role: str, persistence_id: str) -> str:
    return os.path.join(state_dir, "agents", agent_id, "volumes", "roles", role, persistence_id)


def agent_view(emu: Emulator) -> dict:
    """{agent id: {"marathon": {instance id: {persistence ids}}, "ops": {slot: "reserved"|"volume"},
    "volumes": {persistence ids of role slave_public}}} from /master/slaves."""
    out = {}
    for slave in emu.mesos.get("/master/slaves").json()["slaves"]:
        view = {"marathon": {}, "ops": {}, "volumes": set()}
        for role, resources in slave["reserved_resources_full"].items():
            for r in resources:
                labels = {x["key"]: x.get("value") for x in
                          ((r.get("reservations") or [{}])[-1].get("labels") or {}).get("labels", [])}
                persistence = (r.get("disk") or {}).get("persistence", {}).get("id")
                if role == ROLE:
                    if persistence:
                        view["volumes"].add(persistence)
                    if "marathon_task_id" in labels:
                        view["marathon"].setdefault(labels["marathon_task_id"], set())
                        if persistence:
                            view["marathon"][labels["marathon_task_id"]].add(persistence)
                elif role == OPS_ROLE and "slot" in labels:
                    state = "volume" if persistence else view["ops"].get(labels["slot"], "reserved")
                    view["ops"][labels["slot"]] = state
        out[slave["id"]] = view
    return out


def marathon_tasks(emu: Emulator) -> dict:
    """{app id: [task JSON]} of every app."""
    apps = emu.marathon.get("/v2/apps?embed=apps.tasks").json()["apps"]
    return {a["id"]: a.get("tasks", []) for a in apps}


def read(path: str) -> str | None:
    try:
        with open(path) as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def instance_of(task_id: str) -> str:
    return task_id.split("._app.")[0]


# -- the writes ----------------------------------------------------------------------------------------
def app_definition(app_id: str, instances: int) -> dict:
    # The marker is written once per volume: a relaunch on an emptied volume would write another one.
    return {"id": app_id, "instances": instances, "cpus": 0.01, "mem": 8,
            "cmd": "[ -f data/marker ] || echo $MESOS_TASK_ID > data/marker; exec sleep 3600",
            "container": {"type": "MESOS", "volumes": [{"containerPath": "data", "mode": "RW",
                                                        "persistent": {"size": 1}}]},
            "upgradeStrategy": {"minimumHealthCapacity": 0, "maximumOverCapacity": 0}}


def slot_resource(slot: str, volume: bool) -> dict:
    resource = {"name": "disk", "type": "SCALAR", "scalar": {"value": 2}, "role": OPS_ROLE,
                "reservation": {"principal": "ops", "labels": {"labels": [{"key": "slot", "value": slot}]}}}
    if volume:
        resource["disk"] = {"persistence": {"id": f"vol-{slot}", "principal": "ops"},
                            "volume": {"container_path": "data", "mode": "RW"}}
    return resource


def choose_write(rng: random.Random, ledger: Ledger, emu: Emulator, agents: list) -> tuple:
    """(description, request function, effect on the ledger when answered, what may have happened if not)."""
    choices = []
    if len(ledger.apps) < MAX_APPS:
        choices.append("create")
    if ledger.apps:
        choices += ["scale", "delete", "wipe"]
    free = [s for s in (f"s{i}" for i in range(SLOTS)) if s not in ledger.slots]
    reserved = [s for s, state in ledger.slots.items() if state == "reserved"]
    volumes = [s for s, state in ledger.slots.items() if state == "volume"]
    if free:
        choices.append("reserve")
    if reserved:
        choices += ["create-volumes", "unreserve"]
    if volumes:
        choices.append("destroy-volumes")
    kind = rng.choice(choices)
    if kind == "create":
        ledger.counter += 1
        app_id = f"/crash/app{ledger.counter}"
        n = rng.randint(1, 2)
        return (f"POST /v2/apps {app_id} instances={n}",
                lambda: emu.marathon.post("/v2/apps", json=app_definition(app_id, n)),
                {"app": app_id, "instances": n})
    if kind in ("scale", "delete", "wipe"):
        app_id = rng.choice(sorted(ledger.apps))
        if kind == "scale":
            n = rng.randint(0, 3)
            return (f"PUT /v2/apps{app_id} instances={n}",
                    lambda: emu.marathon.put(f"/v2/apps{app_id}?force=true", json={"instances": n}),
                    {"app": app_id, "instances": n})
        if kind == "delete":
            return (f"DELETE /v2/apps{app_id}", lambda: emu.marathon.delete(f"/v2/apps{app_id}?force=true"),
                    {"app": app_id, "instances": None})
        tasks = [t for t in marathon_tasks(emu).get(app_id, []) if t["state"] == "TASK_RUNNING"]
        if not tasks:
            return choose_write(rng, ledger, emu, agents)
        task = rng.choice(tasks)
        return (f"DELETE /v2/apps{app_id}/tasks/{task['id']}?wipe=true",
                lambda: emu.marathon.delete(f"/v2/apps{app_id}/tasks/{task['id']}?wipe=true"),
                {"wipe": instance_of(task["id"])})
    if kind == "reserve":
        slot = rng.choice(free)
        agent = rng.choice(agents)
        return (f"reserve {slot} on {agent}", lambda: operator(emu, "reserve", agent, slot_resource(slot, False)),
                {"slot": slot, "agent": agent, "state": "reserved"})
    slot = rng.choice(reserved if kind in ("create-volumes", "unreserve") else volumes)
    agent = ledger.slot_agent[slot]
    new_state = {"create-volumes": "volume", "destroy-volumes": "reserved", "unreserve": None}[kind]
    resource = slot_resource(slot, kind in ("create-volumes", "destroy-volumes"))
    return (f"{kind} {slot} on {agent}", lambda: operator(emu, kind, agent, resource),
            {"slot": slot, "agent": agent, "state": new_state})


def operator(emu: Emulator, kind: str, agent: str, resource: dict):
    key = "volumes" if kind.endswith("volumes") else "resources"
    return emu.mesos.post(f"/master/{kind}", form={"slaveId": agent, key: json.dumps([resource])})


def apply(ledger: Ledger, effect: dict) -> None:
    if "app" in effect:
        if effect["instances"] is None:
            ledger.apps.pop(effect["app"], None)
        else:
            ledger.apps[effect["app"]] = effect["instances"]
    elif "wipe" in effect:
        ledger.wiped.add(effect["wipe"])
    else:
        if effect["state"] is None:
            ledger.slots.pop(effect["slot"], None)
            ledger.slot_agent.pop(effect["slot"], None)
        else:
            ledger.slots[effect["slot"]] = effect["state"]
            ledger.slot_agent[effect["slot"]] = effect["agent"]
            if effect["state"] == "volume":
                with open(os.path.join(volume_dir(ledger.state_dir, effect["agent"], OPS_ROLE,
                                                  f"vol-{effect['slot']}"), "table.dat"), "w") as handle:
                    handle.write(effect["slot"])


def expected_ok(status: int, effect: dict) -> bool:
    return status in (200, 201, 202) if "wipe" not in effect else status == 200


# -- the checks --------------------------------------------------------------------------------------------
def check_after_restart(emu: Emulator, ledger: Ledger, why: str) -> None:
    pending = ledger.pending or {}
    tasks = marathon_tasks(emu)
    apps = {a["id"]: a["instances"] for a in emu.marathon.get("/v2/apps").json()["apps"]}
    for app_id, n in ledger.apps.items():
        allowed = {n}
        if pending.get("app") == app_id:
            allowed.add(pending["instances"])
        assert apps.get(app_id) in allowed, f"{why}: answered app {app_id} instances={n}, after restart " \
                                            f"{apps.get(app_id)}"
    for app_id in set(apps) - set(ledger.apps):
        assert pending.get("app") == app_id, f"{why}: app {app_id} was answered as deleted (or never created)"
    listed_instances = {instance_of(t["id"]) for ts in tasks.values() for t in ts}
    undone = (ledger.wiped - {pending.get("wipe")}) & listed_instances
    assert not undone, f"{why}: wiped instances came back: {undone}"
    view = agent_view(emu)
    for ts in tasks.values():
        for t in ts:
            for v in t.get("localVolumes", []):
                assert v["persistenceId"] in view[t["slaveId"]]["volumes"], \
                    f"{why}: task {t['id']} points at volume {v['persistenceId']}, destroyed on {t['slaveId']}"
    for slot in {f"s{i}" for i in range(SLOTS)}:
        agents_with = {a: v["ops"][slot] for a, v in view.items() if slot in v["ops"]}
        states = set(agents_with.values()) or {None}
        allowed = {ledger.slots.get(slot)}
        if pending.get("slot") == slot:
            allowed.add(pending["state"])
        assert len(states) == 1 and states <= allowed, \
            f"{why}: operator slot {slot} answered {ledger.slots.get(slot)}, after restart {agents_with}"
        if states == {"volume"}:
            (agent,) = agents_with
            data = os.path.join(volume_dir(emu.state_dir, agent, OPS_ROLE, f"vol-{slot}"), "table.dat")
            if ledger.slots.get(slot) == "volume":
                assert read(data) == slot, f"{why}: operator volume vol-{slot} lost its data"
        else:
            for agent in view:
                assert not os.path.exists(volume_dir(emu.state_dir, agent, OPS_ROLE, f"vol-{slot}")), \
                    f"{why}: destroyed operator volume vol-{slot} left its directory on {agent}"
    for (agent, pid), (text, instance_id, app_id) in ledger.markers.items():
        path = os.path.join(volume_dir(emu.state_dir, agent, ROLE, pid), "marker")
        if pid in view[agent]["volumes"]:
            assert read(path).strip() == text, f"{why}: volume {pid} of {instance_id} lost its data"
        else:
            removed = instance_id in ledger.wiped or app_id not in ledger.apps or \
                pending.get("wipe") == instance_id or pending.get("app") == app_id
            assert removed, f"{why}: volume {pid} of {instance_id} ({app_id}) was destroyed, nothing asked for it"
            assert not os.path.exists(path), f"{why}: destroyed volume {pid} left its data on {agent}"


def settle(emu: Emulator, ledger: Ledger, why: str, timeout: float = 30.0) -> None:
    """Wait until Marathon runs every app's instances with no deployment and the agents hold exactly
    Marathon's reservations; then record the markers of the running tasks' volumes."""
    deadline = time.monotonic() + timeout
    while True:
        problem = settle_problem(emu, ledger)
        if problem is None:
            break
        assert time.monotonic() < deadline, f"{why}: did not settle within {timeout} s: {problem}"
        time.sleep(0.1)
    for app_id, ts in marathon_tasks(emu).items():
        for t in ts:
            for v in t.get("localVolumes", []):
                key = (t["slaveId"], v["persistenceId"])
                if key in ledger.markers:
                    continue
                text = (read(os.path.join(volume_dir(emu.state_dir, t["slaveId"], ROLE, v["persistenceId"]),
                                          "marker")) or "").strip()
                if text:
                    ledger.markers[key] = (text, instance_of(t["id"]), app_id)


def settle_problem(emu: Emulator, ledger: Ledger) -> str | None:
    if emu.marathon.get("/v2/deployments").json():
        return "deployments running"
    tasks = marathon_tasks(emu)
    apps = {a["id"]: a for a in emu.marathon.get("/v2/apps").json()["apps"]}
    for app_id, app in apps.items():
        running = [t for t in tasks[app_id] if t["state"] == "TASK_RUNNING"]
        if len(running) != app["instances"]:
            queue = emu.marathon.get("/v2/queue").json()
            return f"{app_id}: {len(running)} of {app['instances']} running; queue {json.dumps(queue)[:600]}"
    held = {}
    for agent, v in agent_view(emu).items():
        for instance_id, pids in v["marathon"].items():
            held[instance_id] = (agent, pids)
    listed = {instance_of(t["id"]): (t["slaveId"], {x["persistenceId"] for x in t.get("localVolumes", [])})
              for ts in tasks.values() for t in ts}
    if held != listed:
        return f"agents hold {held}, Marathon lists {listed}"
    return None


# -- the test ----------------------------------------------------------------------------------------------
def kill_delay(rng: random.Random) -> float:
    """Mostly inside the request (a few ms), sometimes after the answer while the scheduler acts on it."""
    pick = rng.random()
    if pick < 0.5:
        return rng.uniform(0.0, 0.008)
    if pick < 0.8:
        return rng.uniform(0.008, 0.05)
    return rng.uniform(0.05, 0.4)


def test_acknowledged_writes_survive_kill_9(tmp_path):
    seed = int(os.environ.get("CRASH_SEED") or random.SystemRandom().randrange(1 << 32))
    print(f"crash test: CRASH_SEED={seed} CRASH_TRIALS={TRIALS}")
    rng = random.Random(seed)
    state_dir = str(tmp_path / "state")
    emu = Emulator(state_dir)
    ledger = Ledger(state_dir)
    history = []
    try:
        emu.start()
        agents = sorted(s["id"] for s in emu.mesos.get("/master/slaves").json()["slaves"])
        for trial in range(1, TRIALS + 1):
            for _ in range(rng.randint(0, 3)):       # answered writes before the one that is killed
                what, send, effect = choose_write(rng, ledger, emu, agents)
                result = send()
                history.append(f"{what} -> {result.status}")
                assert expected_ok(result.status, effect), f"seed {seed}: {what} answered {result}"
                apply(ledger, effect)
                if rng.random() < 0.3:
                    settle(emu, ledger, f"seed {seed} trial {trial}")
            what, send, effect = choose_write(rng, ledger, emu, agents)
            delay = kill_delay(rng)
            timer = emu.kill_after(delay)
            ledger.pending = effect
            try:
                result = send()
            except (OSError, http.client.HTTPException) as exc:   # no complete answer: in flight
                result = None
                history.append(f"{what} -> killed after {delay * 1000:.1f} ms ({exc.__class__.__name__})")
            if result is not None:
                history.append(f"{what} -> {result.status}, killed after {delay * 1000:.1f} ms")
                assert expected_ok(result.status, effect), f"seed {seed}: {what} answered {result}"
                apply(ledger, effect)
                ledger.pending = None
            emu.proc.wait(10)
            timer.cancel()
            why = f"seed {seed} trial {trial} (CRASH_SEED={seed} to replay); writes: " + "; ".join(history[-6:])
            emu.start()
            check_after_restart(emu, ledger, why)
            if ledger.pending is not None:    # the write in flight: take what the emulator now shows
                adopt_pending(emu, ledger)
            settle(emu, ledger, why)
            check_after_restart(emu, ledger, why)
    finally:
        emu.stop()
        kill_leftover_tasks(state_dir)


def adopt_pending(emu: Emulator, ledger: Ledger) -> None:
    """After the checks: the in-flight write happened or not; the ledger follows what the emulator shows."""
    effect, ledger.pending = ledger.pending, None
    if "app" in effect:
        apps = {a["id"]: a["instances"] for a in emu.marathon.get("/v2/apps").json()["apps"]}
        if effect["app"] in apps:
            ledger.apps[effect["app"]] = apps[effect["app"]]
        else:
            ledger.apps.pop(effect["app"], None)
    elif "wipe" in effect:
        listed = {instance_of(t["id"]) for ts in marathon_tasks(emu).values() for t in ts}
        if effect["wipe"] not in listed:
            ledger.wiped.add(effect["wipe"])
    else:
        slot = effect["slot"]
        state = None
        for v in agent_view(emu).values():
            state = v["ops"].get(slot, state)
        if state is None:
            ledger.slots.pop(slot, None)
            ledger.slot_agent.pop(slot, None)
        else:
            if state == "volume" and ledger.slots.get(slot) != "volume":
                with open(os.path.join(volume_dir(ledger.state_dir, effect["agent"], OPS_ROLE, f"vol-{slot}"),
                                       "table.dat"), "w") as handle:
                    handle.write(slot)
            ledger.slots[slot] = state
            ledger.slot_agent[slot] = effect["agent"]
