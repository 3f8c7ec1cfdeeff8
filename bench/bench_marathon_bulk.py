#!/usr/bin/env python3
"""Bench: marathon_app with `apps` (many apps in one task) on 1,000 resident apps, through ansible-playbook (issue 14).

Starts a fresh dcos-emulator with agents sized for the apps (as bench_emulator_groups.py does), then runs
ansible-playbook with the collection copy in .build/collections (make collection) and the venv's Python as the
module interpreter:
1. create BENCH_APPS resident apps (a local persistent volume each, 1 instance, cpus 0.01, mem 8) in one
   marathon_app task with `apps`, which waits until all of them run. Goal: the task under 60 s, the emulator's work
   included; its share is its process CPU time (user + system, from /proc) over the task's wall time;
2. a no-op converge of all of them in one task, twice, around a per-app loop of marathon_app (one loop item per app,
   `definition`) over the first BENCH_LOOP_APPS of the same apps, in the same ansible-playbook run. Goals: the task's
   wall time and the module's own `duration` under 5 s; exactly 1 request (/emulator/counters, reset before); the
   loop, scaled per app to all the apps when it ran on a sample, at least 50 times as long as the bulk task;
3. change an env value of 10 of the apps in one task. Goals: exactly one write (PUT /v2/apps), those 10 redeployed
   (new task ids and versions) and every other app kept its task id and version.
The wall times of tasks come from timestamps the playbook takes right before and after each task. Prints the load
average before and after and the number of CPUs. Exit status 1 when a goal is missed (the misses are printed),
2 when it could not measure.

Environment: BENCH_APPS (default 1000), BENCH_LOOP_APPS (default 100; BENCH_LOOP_APPS=BENCH_APPS runs the whole
loop), BENCH_AGENTS (default 50).
Usage: .venv/bin/python bench/bench_marathon_bulk.py
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

from _emulator import PYTHON, ROOT, Emulator

# make exports ANSIBLE_COLLECTIONS_PATH (BUILD_DIR=... gives a private copy); run on its own, the usual copy.
COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.path.join(ROOT, ".build", "collections")
ANSIBLE_PLAYBOOK = os.path.join(os.path.dirname(PYTHON), "ansible-playbook")
CREATE_GOAL_S = 60.0
NOOP_GOAL_S = 5.0
NOOP_REQUESTS_GOAL = 1
RATIO_GOAL = 50.0
CHANGED_APPS = 10
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {value!r}") from None


def resident_app(i: int, generation: int = 1) -> dict:
    return {"id": f"/bench/app-{i:04d}", "cmd": "sleep 3600", "cpus": 0.01, "mem": 8, "instances": 1,
            "portDefinitions": [], "env": {"BENCH_GENERATION": str(generation)},
            "container": {"type": "MESOS", "volumes": [
                {"containerPath": "data", "mode": "RW", "persistent": {"size": 1}}]}}


def sized_emulator(agents: int, apps: int) -> Emulator:
    # Agents sized for the apps plus a little room (see bench_emulator_groups.py: an agent's checkpoint is rewritten
    # on every reservation, so no agent should carry many more than apps/agents of them).
    per_agent = -(-apps // agents) + 5
    return Emulator("--agents", str(agents), "--agent-cpus", f"{0.01 * per_agent:.2f}", "--agent-mem",
                    str(8 * per_agent + 64), "--agent-disk", str(per_agent + 64), "--log-level", "WARNING",
                    stdout=subprocess.DEVNULL, stop_timeout=120)


def get_json(url: str):
    with urllib.request.urlopen(url, timeout=300) as resp:
        return json.loads(resp.read())


def deployed(marathon_url: str) -> dict:
    """{app id: (version, task ids, tasks running, deployments)} of every /bench app."""
    apps = get_json(marathon_url + "/v2/apps?id=/bench/&embed=apps.tasks")["apps"]
    return {a["id"]: (a["version"], frozenset(t["id"] for t in a.get("tasks", [])), a["tasksRunning"],
                      len(a["deployments"])) for a in apps}


def by_kind(counters: dict) -> str:
    """The requests of /emulator/counters, every bench app's own path counted as /v2/apps/{id}."""
    kinds: dict = {}
    for key, n in counters["requests"].items():
        key = re.sub(r" /v2/apps/bench/app-\d+", " /v2/apps/{id}", key)
        kinds[key] = kinds.get(key, 0) + n
    return json.dumps(kinds)


def writes(counters: dict) -> dict:
    return {k: v for k, v in counters["requests"].items() if k.split(" ", 1)[0] in WRITE_METHODS}


# --- the playbooks -----------------------------------------------------------------------------------------------

HEADER = """- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ bench_python }}"
  tasks:
"""
STAMP = '    - ansible.builtin.set_fact: {%s: "{{ now().timestamp() }}"}\n'
BULK = """    - dcos.stateful.marathon_app:
        marathon_url: "{{ bench_url }}"
        apps: "{{ %s }}"
        wait_timeout: 900
      register: %s
"""
RESET = """    - ansible.builtin.uri: {url: "{{ bench_url }}/emulator/counters", method: DELETE}
"""
COUNT = """    - ansible.builtin.uri: {url: "{{ bench_url }}/emulator/counters", return_content: true}
      register: %s
"""
SAVE = """    - ansible.builtin.copy:
        dest: "{{ bench_out }}"
        content: "{{ %s | to_json }}"
"""
# What a bulk task's result is reduced to (the whole `apps` list is not needed here).
BULK_SUMMARY = ("{'changed': %(r)s.changed, 'duration': %(r)s.duration, 'deployment_id': %(r)s.deployment_id, "
                "'created': %(r)s.changed_apps.created | length, 'updated': %(r)s.changed_apps.updated, "
                "'apps': %(r)s.apps | length, 'wait': %(r)s.wait | default(none)}")


def bulk_task(name: str, apps_var: str = "bench_apps") -> str:
    return BULK % (apps_var, name)


def create_playbook() -> str:
    return (HEADER + STAMP % "t0" + bulk_task("created") + STAMP % "t1"
            + SAVE % ("{'t': [t0 | float, t1 | float], 'result': %s}" % (BULK_SUMMARY % {"r": "created"})))


def noop_playbook() -> str:
    """Bulk no-op, the per-app loop, bulk no-op again; counters reset before each bulk task and before the loop."""
    loop = """    - dcos.stateful.marathon_app:
        marathon_url: "{{ bench_url }}"
        definition: "{{ item }}"
      loop: "{{ bench_apps[:bench_loop_apps] }}"
      loop_control: {label: "{{ item.id }}"}
      register: looped
"""
    return (HEADER
            + RESET + STAMP % "t0" + bulk_task("first") + STAMP % "t1" + COUNT % "first_counts"
            + RESET + STAMP % "t2" + loop + STAMP % "t3" + COUNT % "loop_counts"
            + RESET + STAMP % "t4" + bulk_task("second") + STAMP % "t5" + COUNT % "second_counts"
            + SAVE % ("{'t': [t0, t1, t2, t3, t4, t5] | map('float') | list, "
                      "'first': %s, 'second': %s, 'first_counts': first_counts.json, "
                      "'loop_counts': loop_counts.json, 'second_counts': second_counts.json, "
                      "'loop_items': looped.results | length, "
                      "'loop_changed': looped.results | selectattr('changed') | list | length}"
                      % (BULK_SUMMARY % {"r": "first"}, BULK_SUMMARY % {"r": "second"})))


def change_playbook() -> str:
    return (HEADER + RESET + STAMP % "t0" + bulk_task("changed", "bench_changed_apps") + STAMP % "t1"
            + COUNT % "counts"
            + SAVE % ("{'t': [t0 | float, t1 | float], 'counts': counts.json, 'result': %s}"
                      % (BULK_SUMMARY % {"r": "changed"})))


class Runner:
    """Runs a playbook against one emulator; the playbook's saved result comes back as a dict."""

    def __init__(self, marathon_url: str, workdir: str, variables: dict):
        self.workdir = workdir
        self.variables = dict(variables, bench_url=marathon_url, bench_python=PYTHON,
                              bench_out=os.path.join(workdir, "out.json"))
        self.env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1",
                        ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
                        ANSIBLE_PYTHON_INTERPRETER=PYTHON)

    def run(self, name: str, playbook: str, **extra) -> tuple[dict, float]:
        """(what the playbook saved, seconds the ansible-playbook process took)."""
        book, variables = os.path.join(self.workdir, name + ".yml"), os.path.join(self.workdir, name + ".json")
        with open(book, "w") as fh:
            fh.write(playbook)
        with open(variables, "w") as fh:
            json.dump(dict(self.variables, **extra), fh)
        if os.path.exists(self.variables["bench_out"]):
            os.unlink(self.variables["bench_out"])
        started = time.perf_counter()
        out = subprocess.run([ANSIBLE_PLAYBOOK, "-i", "localhost,", "-c", "local", "-e", "@" + variables, book],
                             capture_output=True, text=True, env=self.env)
        seconds = time.perf_counter() - started
        if out.returncode != 0 or not os.path.exists(self.variables["bench_out"]):
            raise SystemExit(f"playbook {name} failed (exit {out.returncode}):\n{out.stdout[-4000:]}\n{out.stderr[-2000:]}")
        with open(self.variables["bench_out"]) as fh:
            return json.load(fh), seconds

    def module_alone(self, apps: list) -> tuple[float, dict, int]:
        """Run marathon_app with `apps` as a plain process, as Ansible runs it on the node but without Ansible around
        it: (seconds the process took, its result, the size of its result in bytes)."""
        path = os.path.join(self.workdir, "module-args.json")
        with open(path, "w") as fh:
            json.dump({"ANSIBLE_MODULE_ARGS": {"marathon_url": self.variables["bench_url"], "apps": apps}}, fh)
        env = dict(os.environ, PYTHONPATH=COLLECTIONS.split(os.pathsep)[0])
        started = time.perf_counter()
        out = subprocess.run([PYTHON, "-m", "ansible_collections.dcos.stateful.plugins.modules.marathon_app", path],
                             capture_output=True, env=env)
        seconds = time.perf_counter() - started
        try:
            return seconds, json.loads(out.stdout), len(out.stdout)
        except ValueError:
            raise SystemExit(f"marathon_app run alone printed no result:\n{out.stdout[-2000:]!r}\n{out.stderr[-2000:]!r}")


# --- the phases --------------------------------------------------------------------------------------------------

class Goals:
    def __init__(self):
        self.missed: list[str] = []

    def check(self, ok: bool, what: str) -> str:
        if not ok:
            self.missed.append(what)
        return "PASS" if ok else "FAIL"


def create(runner: Runner, emu: Emulator, apps: list, goals: Goals) -> None:
    cpu0 = emu.cpu_seconds()
    saved, process_s = runner.run("create", create_playbook())
    emulator_cpu = emu.cpu_seconds() - cpu0
    task_s = saved["t"][1] - saved["t"][0]
    result = saved["result"]
    state = deployed(emu.marathon_url)
    running = sum(1 for _v, _t, tasks, deps in state.values() if tasks == 1 and deps == 0)
    print(f"1. create {len(apps)} resident apps in one marathon_app task and wait until all run "
          f"(goal < {CREATE_GOAL_S:.0f} s):")
    print(f"   task {task_s:6.1f} s  {goals.check(task_s < CREATE_GOAL_S, f'create task {task_s:.1f} s')}   "
          f"(module duration {result['duration']:.1f} s, the default stable_seconds=2 window included; waited "
          f"{json.dumps(result['wait'])}; ansible-playbook process {process_s:.1f} s)")
    print(f"   emulator CPU {emulator_cpu:6.1f} s = {100 * emulator_cpu / task_s:3.0f} % of the task's wall time "
          f"(over the whole ansible-playbook run)")
    made = result["created"]
    ok = result["changed"] and made == len(apps) and running == len(apps)
    print(f"   created {made}, running 1 task with no deployment afterwards: {running} of {len(apps)}  "
          f"{goals.check(ok, f'create: {made} created, {running} running')}")


def noop(runner: Runner, apps: list, loop_apps: int, goals: Goals) -> None:
    saved, process_s = runner.run("noop", noop_playbook(), bench_loop_apps=loop_apps)
    t = saved["t"]
    bulk = [(t[1] - t[0], saved["first"], saved["first_counts"]), (t[5] - t[4], saved["second"], saved["second_counts"])]
    loop_s = t[3] - t[2]
    per_app = loop_s / max(1, saved["loop_items"])
    loop_all = per_app * len(apps)
    scaled = saved["loop_items"] < len(apps)
    print(f"2. no-op converge of all {len(apps)} apps in one task (goal < {NOOP_GOAL_S:.0f} s, {NOOP_REQUESTS_GOAL} "
          f"request), twice, around a per-app loop; one ansible-playbook run of {process_s:.1f} s:")
    for label, (task_s, result, counts) in zip(("before the loop", "after the loop"), bulk, strict=True):
        print(f"   {label}: task {task_s:6.2f} s {goals.check(task_s < NOOP_GOAL_S, f'no-op task {task_s:.2f} s')}, "
              f"module duration {result['duration']:5.2f} s "
              f"{goals.check(result['duration'] < NOOP_GOAL_S, 'no-op module duration %.2f s' % result['duration'])}, "
              f"requests {counts['total']} {json.dumps(counts['requests'])} "
              f"{goals.check(counts['total'] == NOOP_REQUESTS_GOAL, 'no-op requests %d' % counts['total'])}, "
              f"changed {result['changed']} {goals.check(not result['changed'], 'no-op reported changed')}")
    alone_s, alone, size = runner.module_alone(apps)
    print(f"   where the time goes: the module alone (run as a plain process with the same arguments, no Ansible "
          f"around it) {alone_s:.2f} s, its duration {alone['duration']:.2f} s, its result {size / 1e6:.1f} MB; the rest "
          f"of the task is Ansible's (templating the arguments, building and starting the module, reading and "
          f"post-processing the result)")
    slowest = max(task_s for task_s, _r, _c in bulk)
    ratio = loop_all / slowest
    print(f"   per-app loop of marathon_app over {saved['loop_items']} apps: {loop_s:.1f} s, {per_app * 1000:.0f} ms per "
          f"app, {saved['loop_changed']} changed, {saved['loop_counts']['total']} requests "
          f"{by_kind(saved['loop_counts'])}")
    print(f"   loop over all {len(apps)} apps: {loop_all:.1f} s" + (
        f" (SCALED from the {saved['loop_items']}-app sample; BENCH_LOOP_APPS={len(apps)} runs the whole loop)"
        if scaled else " (measured, not scaled)"))
    print(f"   bulk no-op (slower of the two) is {ratio:.0f}x faster than the loop (goal >= {RATIO_GOAL:.0f}x) "
          f"{goals.check(ratio >= RATIO_GOAL, f'bulk/loop ratio {ratio:.0f}x')}")


def change(runner: Runner, emu: Emulator, apps: list, goals: Goals) -> None:
    step = max(1, len(apps) // CHANGED_APPS)
    picked = set(range(0, len(apps), step)[:CHANGED_APPS])
    wanted = [resident_app(i, generation=2) if i in picked else apps[i] for i in range(len(apps))]
    changed_ids = {wanted[i]["id"] for i in picked}
    before = deployed(emu.marathon_url)
    cpu0 = emu.cpu_seconds()
    saved, _process_s = runner.run("change", change_playbook(), bench_changed_apps=wanted)
    emulator_cpu = emu.cpu_seconds() - cpu0
    after = deployed(emu.marathon_url)
    task_s = saved["t"][1] - saved["t"][0]
    result, counts = saved["result"], saved["counts"]
    written = writes(counts)
    redeployed = {i for i in before if before[i][0] != after[i][0] or before[i][1] != after[i][1]}
    fully = {i for i in changed_ids if before[i][0] != after[i][0] and before[i][1].isdisjoint(after[i][1])
             and after[i][2] == 1}
    print(f"3. change an env value of {len(changed_ids)} of the {len(apps)} apps in one task "
          f"(goal: one write, only those redeployed):")
    print(f"   task {task_s:.1f} s (module duration {result['duration']:.1f} s, waited {json.dumps(result['wait'])}; "
          f"emulator CPU {emulator_cpu:.1f} s)")
    print(f"   writes {json.dumps(written)} "
          f"{goals.check(written == {'PUT /v2/apps': 1}, 'change writes ' + json.dumps(written))}; "
          f"all requests {counts['total']} {json.dumps(counts['requests'])}")
    print(f"   changed_apps.updated {len(result['updated'])}: "
          f"{json.dumps(sorted(set(f for fields in result['updated'].values() for f in fields)))} "
          f"{goals.check(set(result['updated']) == changed_ids, 'changed_apps.updated is not the changed apps')}")
    print(f"   new version and all new task ids, running: {len(fully)} of {len(changed_ids)} "
          f"{goals.check(fully == changed_ids, f'{len(fully)} of the changed apps redeployed')}; "
          f"other apps with a new version or task id: {len(redeployed - changed_ids)} of {len(before) - len(changed_ids)} "
          f"{goals.check(redeployed == changed_ids, f'{len(redeployed - changed_ids)} other apps redeployed')}")


def main() -> int:
    count = env_int("BENCH_APPS", 1000)
    loop_apps = min(count, env_int("BENCH_LOOP_APPS", 100))
    agents = env_int("BENCH_AGENTS", 50)
    if count < 1 or loop_apps < 1 or agents < 1:
        raise SystemExit("BENCH_APPS, BENCH_LOOP_APPS and BENCH_AGENTS must be at least 1")
    if not os.path.isdir(os.path.join(COLLECTIONS, "ansible_collections", "dcos", "stateful")):
        raise SystemExit(f"no collection copy in {COLLECTIONS}: run make collection (make bench does)")
    apps = [resident_app(i) for i in range(count)]
    goals = Goals()
    load_before = os.getloadavg()
    print(f"{count} resident apps on {agents} agents; {os.cpu_count()} CPUs; "
          f"load average before {' '.join(f'{x:.2f}' for x in load_before)}")
    workdir = tempfile.mkdtemp(prefix="bench-marathon-bulk-")
    try:
        with sized_emulator(agents, count) as emu:
            runner = Runner(emu.marathon_url, workdir, {"bench_apps": apps})
            create(runner, emu, apps, goals)
            noop(runner, apps, loop_apps, goals)
            change(runner, emu, apps, goals)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    if goals.missed:
        print("goals missed: " + "; ".join(goals.missed))
        return 1
    print("all goals met")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except SystemExit as exc:
        if isinstance(exc.code, str):  # could not measure
            print(f"bench_marathon_bulk: {exc.code}", file=sys.stderr)
            sys.exit(2)
        raise
