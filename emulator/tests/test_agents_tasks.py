"""Agents run tasks as real processes: environment, sandbox, volumes, kill escalation, exit states, offers."""

from __future__ import annotations

import os
import threading
import time

import pytest
from conftest import HttpClient, wait_for

from dcos_emulator.mesos.operations import OperationError
from dcos_emulator.mesos.types import HostVolume, LaunchSpec, Operation

ROLE = "slave_public"
FW = "test-framework"


class Recorder:
    """A framework's status callback that tests can wait on."""

    def __init__(self):
        self.cond = threading.Condition()
        self.statuses = []

    def __call__(self, status):
        with self.cond:
            self.statuses.append(status)
            self.cond.notify_all()

    def states(self, task_id):
        with self.cond:
            return [s.state for s in self.statuses if s.task_id == task_id]

    def wait(self, task_id, state, timeout=10.0):
        with self.cond:
            ok = self.cond.wait_for(lambda: any(s.task_id == task_id and s.state == state for s in self.statuses),
                                    timeout)
        assert ok, f"{task_id} never reached {state}: {self.states(task_id)}"
        return next(s for s in self.statuses if s.task_id == task_id and s.state == state)


@pytest.fixture
def env(cluster_factory):
    cluster = cluster_factory(agents=2, with_marathon=False)
    recorder = Recorder()
    with cluster.lock:
        cluster.master.register_framework(FW, ROLE, "dcos_marathon", recorder)
    agent = next(iter(cluster.master.agents.values()))
    return cluster, agent, recorder


def accept(cluster, agent, *operations):
    with cluster.lock:
        return cluster.master.accept(agent.id, list(operations), FW)


def cpus(value, reserved=False):
    resource = {"name": "cpus", "type": "SCALAR", "scalar": {"value": value}}
    if reserved:
        resource.update(role=ROLE, reservation={"principal": "dcos_marathon"})
    return resource


def reserved_disk(size, persistence_id=None, container_path="data"):
    resource = {"name": "disk", "type": "SCALAR", "scalar": {"value": size}, "role": ROLE,
                "reservation": {"principal": "dcos_marathon",
                                "labels": {"labels": [{"key": "marathon_task_id", "value": "app.instance-1"}]}}}
    if persistence_id:
        resource["disk"] = {"persistence": {"id": persistence_id, "principal": "dcos_marathon"},
                            "volume": {"container_path": container_path, "mode": "RW"}}
    return resource


def ports(*numbers):
    return {"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": p, "end": p} for p in numbers]}}


def read_env(path):
    with open(path) as handle:
        return dict(line.rstrip("\n").split("=", 1) for line in handle if "=" in line)


def test_process_environment_and_sandbox(env):
    cluster, agent, recorder = env
    spec = LaunchSpec("web.1", command="env > env.out; pwd > pwd.out; sleep 30",
                      env={"MARATHON_APP_ID": "/web", "FOO": "bar baz"},
                      resources=[cpus(0.1), ports(31005, 31007)], ports=[31005, 31007], port_names=["http", None])
    accept(cluster, agent, Operation.launch_task(spec))
    recorder.wait("web.1", "TASK_RUNNING")
    sandbox = cluster.master.sandbox("web.1")
    assert sandbox.startswith(os.path.join(agent.work_dir, "slaves", agent.id, "frameworks", FW, "executors",
                                           "web.1", "runs") + os.sep)
    wait_for(lambda: os.path.exists(os.path.join(sandbox, "pwd.out")) and
             os.path.getsize(os.path.join(sandbox, "pwd.out")) > 0, message="pwd.out")
    variables = read_env(os.path.join(sandbox, "env.out"))
    assert variables["MESOS_SANDBOX"] == sandbox
    assert variables["HOST"] == agent.hostname
    assert variables["PORT0"] == variables["PORT"] == "31005"
    assert variables["PORT1"] == "31007"
    assert variables["PORTS"] == "31005,31007"
    assert variables["PORT_HTTP"] == "31005"
    assert variables["MESOS_TASK_ID"] == "web.1"
    assert variables["MARATHON_APP_ID"] == "/web"
    assert variables["FOO"] == "bar baz"
    with open(os.path.join(sandbox, "pwd.out")) as handle:
        assert handle.read().strip() == os.path.realpath(sandbox)
    assert os.path.islink(os.path.join(os.path.dirname(sandbox), "latest"))
    assert cluster.master.task_env("web.1")["PORTS"] == "31005,31007"


def test_reserve_create_launch_in_one_accept_and_volume_in_sandbox(env):
    cluster, agent, recorder = env
    spec = LaunchSpec("db.1", command="echo written-by-task > data/file.txt; sleep 30",
                      resources=[cpus(0.1), reserved_disk(32, "db#data#1")])
    accept(cluster, agent, Operation.reserve([reserved_disk(32)]), Operation.create([reserved_disk(32, "db#data#1")]),
           Operation.launch_task(spec))
    recorder.wait("db.1", "TASK_RUNNING")
    volume = agent.volume_path(ROLE, "db#data#1")
    assert os.path.isdir(volume)
    target = os.path.join(volume, "file.txt")
    wait_for(lambda: os.path.exists(target) and open(target).read() == "written-by-task\n", message="volume file")
    assert os.path.realpath(os.path.join(cluster.master.sandbox("db.1"), "data")) == os.path.realpath(volume)
    # While the task runs the volume is in use and not offered.
    with cluster.lock:
        offer = next(o for o in cluster.master.offers(ROLE) if o.agent_id == agent.id)
    assert not any(r.get("disk", {}).get("persistence") for r in offer.resources)


def test_host_volumes_relative_and_absolute(env, tmp_path):
    cluster, agent, recorder = env
    outside = tmp_path / "host-dir"
    outside.mkdir()
    spec = LaunchSpec("hv.1", command="mkdir -p data && echo a > var/lib/mysql/a.txt && echo b > /srv/x 2>/dev/null;"
                                      " echo b > srv/b.txt; sleep 30",
                      resources=[cpus(0.1)],
                      host_volumes=[HostVolume("/var/lib/mysql", "data"), HostVolume("/srv", str(outside))])
    accept(cluster, agent, Operation.launch_task(spec))
    recorder.wait("hv.1", "TASK_RUNNING")
    sandbox = cluster.master.sandbox("hv.1")
    wait_for(lambda: (outside / "b.txt").exists(), message="absolute host volume")
    wait_for(lambda: os.path.exists(os.path.join(sandbox, "data", "a.txt")), message="relative host volume")


def test_kill_escalates_to_sigkill_and_takes_the_whole_group(env):
    cluster, agent, recorder = env
    spec = LaunchSpec("stubborn.1", command="trap '' TERM; sleep 300 & sleep 300; wait", resources=[cpus(0.1)],
                      kill_grace_seconds=0.5)
    accept(cluster, agent, Operation.launch_task(spec))
    recorder.wait("stubborn.1", "TASK_RUNNING")
    pgid = cluster.master.task_pid("stubborn.1")
    wait_for(lambda: len(_group_members(pgid)) >= 2, message="children started")
    started = time.monotonic()
    with cluster.lock:
        assert cluster.master.kill("stubborn.1")
    recorder.wait("stubborn.1", "TASK_KILLING", timeout=2)
    status = recorder.wait("stubborn.1", "TASK_KILLED", timeout=10)
    elapsed = time.monotonic() - started
    assert elapsed >= 0.5, "SIGKILL must wait for the grace period"
    assert status.message == "Command terminated with signal Killed"
    wait_for(lambda: not _group_members(pgid), timeout=5, message="process group gone")


def test_polite_process_is_killed_by_sigterm(env):
    cluster, agent, recorder = env
    spec = LaunchSpec("polite.1", args=["sleep", "300"], resources=[cpus(0.1)])
    accept(cluster, agent, Operation.launch_task(spec))
    recorder.wait("polite.1", "TASK_RUNNING")
    with cluster.lock:
        cluster.master.kill("polite.1", grace_seconds=30)
    status = recorder.wait("polite.1", "TASK_KILLED", timeout=5)
    assert status.message == "Command terminated with signal Terminated"


@pytest.mark.parametrize("command,state,message", [
    ("exit 3", "TASK_FAILED", "Command exited with status 3"),
    ("true", "TASK_FINISHED", "Command exited with status 0"),
])
def test_exit_states(env, command, state, message):
    cluster, agent, recorder = env
    accept(cluster, agent, Operation.launch_task(LaunchSpec("exit.1", command=command, resources=[cpus(0.1)])))
    status = recorder.wait("exit.1", state)
    assert status.message == message
    assert recorder.states("exit.1") == ["TASK_STARTING", "TASK_RUNNING", state]
    # Resources are free again.
    with cluster.lock:
        assert cluster.master.used(agent).summary()["cpus"] == 0.0


def test_docker_task_without_command_has_no_process(env):
    cluster, agent, recorder = env
    accept(cluster, agent, Operation.launch_task(LaunchSpec("nginx.1", no_process=True, resources=[cpus(0.5)])))
    recorder.wait("nginx.1", "TASK_RUNNING")
    assert cluster.master.task_pid("nginx.1") is None
    with cluster.lock:
        cluster.master.kill("nginx.1")
    recorder.wait("nginx.1", "TASK_KILLED")


def test_unstartable_executable_fails_the_task(env):
    cluster, agent, recorder = env
    accept(cluster, agent, Operation.launch_task(LaunchSpec("bad.1", args=["/no/such/binary"], resources=[cpus(0.1)])))
    status = recorder.wait("bad.1", "TASK_FAILED")
    assert status.reason == "REASON_CONTAINER_LAUNCH_FAILED"


def test_accept_is_atomic(env):
    cluster, agent, _ = env
    with pytest.raises(OperationError) as caught:
        accept(cluster, agent, Operation.reserve([cpus(1, reserved=True)]),
               Operation.launch_task(LaunchSpec("big.1", command="true", resources=[cpus(10)])))
    assert caught.value.status == 409
    assert "does not contain cpus:10" in caught.value.message
    with cluster.lock:
        assert not agent.checkpointed()
        assert "big.1" not in cluster.master.tasks


def test_offers_leave_out_used_ports_on_every_agent_and_other_roles(env):
    cluster, agent, recorder = env
    other = list(cluster.master.agents.values())[1]
    spec = LaunchSpec("p.1", command="sleep 30", resources=[cpus(0.1), ports(31000)], ports=[31000])
    accept(cluster, agent, Operation.launch_task(spec))
    mine = cpus(1, reserved=True)
    foreign = dict(cpus(1), role="other-role", reservation={"principal": "x"})
    accept(cluster, other, Operation.reserve([mine]))
    with cluster.lock:
        cluster.master.operator("RESERVE", other.id, _raw([foreign]), None)
        offers = {o.agent_id: o for o in cluster.master.offers(ROLE)}
    for offer in offers.values():
        port_ranges = [r for r in offer.resources if r["name"] == "ports"]
        assert port_ranges[0]["ranges"]["range"][0]["begin"] == 31001
        assert all(r["allocation_info"] == {"role": ROLE} for r in offer.resources)
    roles = {r["role"] for r in offers[other.id].resources}
    assert roles == {"*", ROLE}


def test_stopped_agent_makes_tasks_unreachable_keeps_reservations(env):
    """Real Mesos (__removeSlave): a partition-aware framework's tasks on an agent marked unreachable get
    TASK_UNREACHABLE from the master and move to the framework's unreachable_tasks; on re-registration the
    master drops those records (the agent reports nothing running)."""
    cluster, agent, recorder = env
    accept(cluster, agent, Operation.reserve([cpus(1, reserved=True)]),
           Operation.launch_task(LaunchSpec("lost.1", command="sleep 300", resources=[cpus(0.1)])))
    recorder.wait("lost.1", "TASK_RUNNING")
    pgid = cluster.master.task_pid("lost.1")
    cluster.stop_agent(agent.id)
    status = recorder.wait("lost.1", "TASK_UNREACHABLE")
    assert (status.reason, status.source, status.message) == (
        "REASON_SLAVE_REMOVED", "SOURCE_MASTER", "health check timed out")
    wait_for(lambda: not _group_members(pgid), message="process gone")
    assert "TASK_LOST" not in recorder.states("lost.1")   # the killed process reports nothing more
    mesos = HttpClient(cluster.mesos_url)
    [fw] = mesos.get("/master/state").json()["frameworks"]
    assert [t["id"] for t in fw["unreachable_tasks"]] == ["lost.1"] and fw["tasks"] == []
    assert fw["completed_tasks"] == [] and fw["unreachable_tasks"][0]["state"] == "TASK_UNREACHABLE"
    assert [t["state"] for t in mesos.get("/master/tasks").json()["tasks"]] == ["TASK_UNREACHABLE"]
    with cluster.lock:
        assert agent.id not in {o.agent_id for o in cluster.master.offers(ROLE)}
        assert agent.checkpointed().summary()["cpus"] == 1.0
    cluster.start_agent(agent.id)
    with cluster.lock:
        assert agent.id in {o.agent_id for o in cluster.master.offers(ROLE)}
    [fw] = mesos.get("/master/state").json()["frameworks"]
    assert fw["unreachable_tasks"] == [] and mesos.get("/master/tasks").json()["tasks"] == []


def test_stopped_agent_loses_tasks_of_a_framework_that_is_not_partition_aware(cluster_factory):
    cluster = cluster_factory(agents=1, with_marathon=False)
    recorder = Recorder()
    with cluster.lock:
        cluster.master.register_framework(FW, ROLE, "dcos_marathon", recorder, capabilities=[])
    agent = next(iter(cluster.master.agents.values()))
    accept(cluster, agent, Operation.launch_task(LaunchSpec("lost.2", command="sleep 300", resources=[cpus(0.1)])))
    recorder.wait("lost.2", "TASK_RUNNING")
    cluster.stop_agent(agent.id)
    assert recorder.wait("lost.2", "TASK_LOST").reason == "REASON_SLAVE_REMOVED"


def _raw(values):
    from dcos_emulator.mesos import resources as res

    return [res.parse_resource(v) for v in values]


def _group_members(pgid):
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                data = handle.read()
        except OSError:
            continue
        fields = data[data.rfind(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry))
    return members
