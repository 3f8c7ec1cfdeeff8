"""Nothing outside the state dir is created, changed or removed by the emulator (only a task may do that).

A directory tree beside the state dir stands in for the host's /etc (with /etc/ssl nested) and other
host data; apps mount it the common Docker way (/etc, then /etc/ssl over it), try `..` and symlink
tricks, and go through launch, kill, scale to 0, wipe and delete. The tree's fingerprint (names,
types, modes, mtimes, content hashes, symlink targets) must be the same afterwards.
"""

from __future__ import annotations

import hashlib
import os
import stat

import pytest
from conftest import wait_for
from test_marathon_support import Client

from dcos_emulator.agents.fs_jail import FsJail, PathRefused
from dcos_emulator.agents.mounts import LaunchError, Mount, lay_out

ROLE = "slave_public"


def fingerprint(root: str) -> dict:
    """Everything observable about a tree, without following links."""
    found = {}

    def visit(path: str, rel: str) -> None:
        st = os.lstat(path)
        entry = {"type": stat.S_IFMT(st.st_mode), "mode": stat.S_IMODE(st.st_mode), "mtime": st.st_mtime_ns}
        if stat.S_ISLNK(st.st_mode):
            entry["target"] = os.readlink(path)
        elif stat.S_ISREG(st.st_mode):
            with open(path, "rb") as handle:
                entry["sha256"] = hashlib.sha256(handle.read()).hexdigest()
        elif stat.S_ISDIR(st.st_mode):
            for name in sorted(os.listdir(path)):
                visit(os.path.join(path, name), f"{rel}/{name}")
        found[rel] = entry

    visit(root, ".")
    return found


def make_host_tree(root) -> str:
    """A stand-in for host data: /etc with /etc/ssl, another ssl dir to mount over it, a secret."""
    root = str(root)
    files = {
        "etc/passwd": ("root:x:0:0:root:/root:/bin/sh\n", 0o644),
        "etc/hosts": ("127.0.0.1 localhost\n", 0o600),
        "etc/ssl/certs/ca.pem": ("-----BEGIN CERTIFICATE-----\nhost\n", 0o644),
        "etc/ssl/private.key": ("host key\n", 0o400),
        "other-ssl/cert.pem": ("mounted over /etc/ssl\n", 0o644),
        "secret.txt": ("do not append to me\n", 0o600),
        "data-target/precious.txt": ("precious\n", 0o644),
    }
    for rel, (content, mode) in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as handle:
            handle.write(content)
        os.chmod(path, mode)
    os.chmod(os.path.join(root, "etc", "ssl"), 0o750)
    os.symlink("ssl", os.path.join(root, "etc", "ssl-link"))
    os.symlink(os.path.join(root, "secret.txt"), os.path.join(root, "etc", "secret-link"))
    return root


def host_volume(container_path, host_path, mode="RW"):
    return {"containerPath": container_path, "hostPath": host_path, "mode": mode}


def persistent(container_path="pgdata"):
    return {"containerPath": container_path, "mode": "RW", "persistent": {"type": "root", "size": 8}}


def app(app_id, volumes, cmd="exec sleep 1000", container_type="MESOS", **extra):
    container = {"type": container_type, "volumes": volumes}
    if container_type == "DOCKER":
        container["docker"] = {"image": "busybox"}
    definition = {"id": app_id, "instances": 1, "cpus": 0.01, "mem": 16, "container": container}
    if cmd is not None:
        definition["cmd"] = cmd
    definition.update(extra)
    return definition


@pytest.fixture
def env(cluster_factory, tmp_path):
    host = make_host_tree(tmp_path / "host")
    cluster = cluster_factory(state_dir=tmp_path / "state", agents=1)
    assert os.path.commonpath([host, cluster.state_dir]) not in (host, cluster.state_dir)  # beside, not inside
    return cluster, Client(cluster.marathon_url), host


def sandbox_of(cluster, task_id):
    with cluster.lock:
        return cluster.master.sandbox(task_id)


def last_failure(api, app_id):
    info = api.get(f"/v2/apps{app_id}?embed=app.lastTaskFailure").json["app"]
    return info.get("lastTaskFailure")


def test_nested_host_volumes_and_volume_life_cycle_leave_the_host_unchanged(env):
    cluster, api, host = env
    before = fingerprint(host)
    etc, other_ssl = os.path.join(host, "etc"), os.path.join(host, "other-ssl")
    nested = app("/fs/nested", [
        host_volume("/etc", etc, "RO"),
        host_volume("/etc/ssl", other_ssl, "RO"),
        host_volume("etc/ssl-link/extra", other_ssl),        # through a symlink of the host dir
        host_volume("/var/cache", "cache"),                    # a sandbox path
        host_volume("/srv", os.path.join(host, "etc", "..", "other-ssl")),
        persistent(),
    ], cmd="cat etc/passwd > seen-passwd; ls etc/ssl > seen-ssl; ls etc/ssl-link/extra > seen-extra;"
           " echo $MESOS_TASK_ID >> pgdata/runs; exec sleep 1000")
    api.deploy("POST", "/v2/apps", nested)
    docker = app("/fs/docker", [host_volume("/etc", etc, "RO"), host_volume("/etc/ssl", other_ssl, "RO")], cmd=None,
                 container_type="DOCKER")
    api.deploy("POST", "/v2/apps", docker)
    assert fingerprint(host) == before      # the layout happened at launch, before TASK_RUNNING

    [task] = api.tasks("/fs/nested")
    sandbox = sandbox_of(cluster, task["id"])
    wait_for(lambda: os.path.exists(os.path.join(sandbox, "seen-extra")), message="the task read its volumes")
    wait_for(lambda: os.path.getsize(os.path.join(sandbox, "seen-extra")) > 0, message="seen-extra written")
    with open(os.path.join(sandbox, "seen-passwd")) as handle:
        assert handle.read() == "root:x:0:0:root:/root:/bin/sh\n"      # the outer volume shows the host /etc
    with open(os.path.join(sandbox, "seen-ssl")) as handle:
        assert handle.read() == "cert.pem\n"                           # /etc/ssl is the nested volume
    with open(os.path.join(sandbox, "seen-extra")) as handle:
        assert handle.read() == "cert.pem\n"
    assert os.path.isdir(os.path.join(sandbox, "cache")) and not os.path.islink(os.path.join(sandbox, "cache"))
    [docker_task] = api.tasks("/fs/docker")
    docker_sandbox = sandbox_of(cluster, docker_task["id"])
    assert sorted(os.listdir(os.path.join(docker_sandbox, "etc", "ssl"))) == ["cert.pem"]
    assert fingerprint(host) == before

    # kill (relaunch in place), scale to 0, wipe, delete
    assert api.call("DELETE", f"/v2/apps/fs/nested/tasks/{task['id']}").status == 200
    instance = task["id"].rsplit("._app.", 1)[0]
    wait_for(lambda: any(t["id"] == f"{instance}._app.2" and "startedAt" in t for t in api.tasks("/fs/nested")),
             message="relaunch after kill")
    volume = cluster.master.agents[task["slaveId"]].volume_path(ROLE, task["localVolumes"][0]["persistenceId"])
    wait_for(lambda: os.path.exists(os.path.join(volume, "runs")) and
             len(open(os.path.join(volume, "runs")).read().split()) == 2, message="second run")
    api.deploy("PUT", "/v2/apps/fs/nested", {"instances": 0})
    [suspended] = api.tasks("/fs/nested")
    assert api.call("DELETE", f"/v2/apps/fs/nested/tasks/{suspended['id']}?wipe=true").status == 200
    wait_for(lambda: not os.path.exists(volume), message="wiped volume removed")
    api.deploy("DELETE", "/v2/apps/fs/nested")
    api.deploy("DELETE", "/v2/apps/fs/docker")
    assert fingerprint(host) == before


@pytest.mark.parametrize("volumes,cmd,message", [
    ([host_volume("../../../../../../escape", "{host}/etc")], None, "container path '../../../../../../escape' "
                                                                   "escapes the sandbox"),
    ([host_volume("/../../etc", "{host}/etc")], None, "escapes the sandbox"),
    ([host_volume("data", "../../../../../../../../{host}/etc")], None, "host path"),
    ([host_volume("stdout", "{host}/secret.txt")], "echo leaked", "mount point"),
    ([host_volume("etc", "{host}/etc"), host_volume("etc/passwd/x", "{host}/other-ssl")], None, "not a directory"),
    ([host_volume("etc", "{host}/does-not-exist")], None, "in HOST_PATH volume does not exist"),
], ids=["containerPath-dotdot", "absolute-containerPath-dotdot", "hostPath-dotdot", "stdout-over-host-file",
        "nested-in-a-host-file", "missing-host-path"])
def test_escaping_volumes_fail_the_launch_and_touch_nothing(env, volumes, cmd, message):
    cluster, api, host = env
    before = fingerprint(host)
    volumes = [dict(v, hostPath=v["hostPath"].replace("{host}", host.lstrip("/") if v["hostPath"].startswith("..")
                                                       else host)) for v in volumes]
    answer = api.call("POST", "/v2/apps", app("/fs/trick", volumes, cmd=cmd or "exec sleep 1000"))
    assert answer.status == 201, answer.raw
    failure = wait_for(lambda: last_failure(api, "/fs/trick"), message="the launch to fail")
    assert failure["state"] == "TASK_FAILED"
    assert failure["message"].startswith("Failed to launch container: ") and message in failure["message"], failure
    assert api.call("DELETE", "/v2/apps/fs/trick?force=true").status == 200
    assert fingerprint(host) == before


def test_marathon_and_mesos_refuse_dotdot_ids(env):
    cluster, api, host = env
    before = fingerprint(host)
    # Real Marathon: persistent volume container paths are single names; `..` in an app id is resolved.
    answer = api.call("POST", "/v2/apps", app("/fs/pv", [persistent("../../../escape")]))
    assert answer.status == 422 and b"containerPath" in answer.raw
    answer = api.call("POST", "/v2/apps", app("/fs/../../../escape", [persistent()]))
    assert answer.status == 201 and answer.json["id"] == "/escape"
    api.wait_deployment(answer.headers["Marathon-Deployment-Id"])
    [task] = api.tasks("/escape")
    assert sandbox_of(cluster, task["id"]).startswith(cluster.state_dir + os.sep)
    # Real Mesos: persistence ids and roles with "/" or ".." are refused by the master.
    mesos = Client(cluster.mesos_url)
    agent_id = task["slaveId"]
    for persistence_id in ("../../../../../escape", "..", "a/../../b"):
        volume = [{"name": "disk", "type": "SCALAR", "scalar": {"value": 1}, "role": "ops",
                   "reservation": {"principal": "me"},
                   "disk": {"persistence": {"id": persistence_id, "principal": "me"},
                            "volume": {"container_path": "data", "mode": "RW"}}}]
        answer = mesos.call("POST", "/api/v1", {"type": "CREATE_VOLUMES", "create_volumes": {
            "agent_id": {"value": agent_id}, "volumes": volume}})
        assert answer.status == 400 and b"Invalid persistence ID" in answer.raw, answer.raw
    answer = mesos.call("POST", "/api/v1", {"type": "RESERVE_RESOURCES", "reserve_resources": {
        "agent_id": {"value": agent_id}, "resources": [
            {"name": "disk", "type": "SCALAR", "scalar": {"value": 1}, "role": "../../x",
             "reservation": {"principal": "me"}}]}})
    assert answer.status == 400, answer.raw
    api.deploy("DELETE", "/v2/apps/escape")
    assert fingerprint(host) == before


def test_wipe_removes_links_a_task_planted_not_their_targets(env):
    cluster, api, host = env
    target = os.path.join(host, "data-target")
    cmd = (f"ln -s {target} pgdata/evil-dir; ln -s {target}/precious.txt pgdata/evil-file;"
           f" mkdir -p pgdata/sub && ln -s {target} pgdata/sub/evil; ln -s {target} evil-in-sandbox;"
           " touch pgdata/ready; exec sleep 1000")
    api.deploy("POST", "/v2/apps", app("/fs/planted", [persistent()], cmd=cmd))
    [task] = api.tasks("/fs/planted")
    volume = cluster.master.agents[task["slaveId"]].volume_path(ROLE, task["localVolumes"][0]["persistenceId"])
    wait_for(lambda: os.path.exists(os.path.join(volume, "ready")), message="links planted")
    before = fingerprint(host)
    api.deploy("PUT", "/v2/apps/fs/planted", {"instances": 0})
    assert api.call("DELETE", f"/v2/apps/fs/planted/tasks/{task['id']}?wipe=true").status == 200
    wait_for(lambda: not os.path.lexists(volume), message="wiped volume removed")
    api.deploy("DELETE", "/v2/apps/fs/planted")
    assert fingerprint(host) == before


def test_wipe_does_not_follow_a_parent_directory_a_task_replaced_by_a_link(env):
    """A task (same user as the emulator) swaps the volumes' role directory for a link to a host
    directory holding a same-named directory: the wipe must not remove that one."""
    cluster, api, host = env
    api.deploy("POST", "/v2/apps", app("/fs/swap", [persistent()]))
    [task] = api.tasks("/fs/swap")
    persistence_id = task["localVolumes"][0]["persistenceId"]
    volume = cluster.master.agents[task["slaveId"]].volume_path(ROLE, persistence_id)
    decoy = os.path.join(host, "decoy")
    os.makedirs(os.path.join(decoy, persistence_id))
    with open(os.path.join(decoy, persistence_id, "host-data"), "w") as handle:
        handle.write("not the emulator's\n")
    role_dir = os.path.dirname(volume)
    before = fingerprint(host)
    api.deploy("PUT", "/v2/apps/fs/swap", {"instances": 0})
    os.rename(role_dir, role_dir + ".moved")    # what a hostile task could do
    os.symlink(decoy, role_dir)
    assert api.call("DELETE", f"/v2/apps/fs/swap/tasks/{task['id']}?wipe=true").status == 200
    wait_for(lambda: not api.tasks("/fs/swap"), message="the instance is wiped")
    api.deploy("DELETE", "/v2/apps/fs/swap")
    assert fingerprint(host) == before


# -- the jail and the layout on their own -----------------------------------------------------------

@pytest.fixture
def jail(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "keep").write_text("keep")
    os.symlink(tmp_path / "outside", tmp_path / "root" / "link")
    return FsJail(str(tmp_path / "root")), tmp_path


@pytest.mark.parametrize("call", [
    lambda j, t: j.makedirs(str(t / "outside" / "new")),
    lambda j, t: j.makedirs(str(t / "root" / ".." / "outside" / "new")),
    lambda j, t: j.makedirs(str(t / "root" / "link" / "new")),
    lambda j, t: j.symlink("/x", str(t / "root" / "link" / "new")),
    lambda j, t: j.remove_tree(str(t / "root" / "link" / "keep")),
    lambda j, t: j.open_append(str(t / "root" / "link" / "keep")),
    lambda j, t: j.remove_tree(str(t / "root")),
    lambda j, t: j.makedirs(str(t / "root" / "a\0b")),
], ids=["outside", "dotdot", "through-link", "link-through-link", "remove-through-link", "append-through-link",
        "remove-root", "nul"])
def test_jail_refuses(jail, call):
    fs, tmp = jail
    before = fingerprint(str(tmp / "outside"))
    with pytest.raises(PathRefused):
        call(fs, tmp)
    assert fingerprint(str(tmp / "outside")) == before


def test_jail_removes_links_not_targets(jail):
    fs, tmp = jail
    before = fingerprint(str(tmp / "outside"))
    fs.makedirs(str(tmp / "root" / "v" / "sub"))
    os.symlink(tmp / "outside", tmp / "root" / "v" / "sub" / "l")
    os.symlink(tmp / "outside" / "keep", tmp / "root" / "v" / "f")
    assert fs.remove_tree(str(tmp / "root" / "v")) is True
    assert fs.remove_tree(str(tmp / "root" / "link")) is True    # the link itself
    assert not os.path.lexists(tmp / "root" / "v") and not os.path.lexists(tmp / "root" / "link")
    assert fs.remove_tree(str(tmp / "root" / "v")) is False
    assert fingerprint(str(tmp / "outside")) == before


def test_layout_applies_mounts_in_order(jail):
    fs, tmp = jail
    sandbox, volume = str(tmp / "root" / "sandbox"), str(tmp / "root" / "volume")
    fs.makedirs(sandbox)
    fs.makedirs(volume)
    (tmp / "outside" / "sub").mkdir()
    before = fingerprint(str(tmp / "outside"))
    lay_out(fs, sandbox, [
        Mount("hidden/x", str(tmp / "outside")),      # hidden by the later mount of its parent
        Mount("/hidden", volume),
        Mount("data", volume),                          # inside the work dir: nested point made in the volume
        Mount("data/conf", str(tmp / "outside")),
        Mount("etc", str(tmp / "outside")),             # outside: a shadow directory of links
        Mount("etc/sub/deep", volume),
    ])
    assert os.readlink(os.path.join(sandbox, "hidden")) == volume
    assert os.readlink(os.path.join(sandbox, "data")) == volume
    assert os.readlink(os.path.join(volume, "conf")) == str(tmp / "outside")
    etc = os.path.join(sandbox, "etc")
    assert not os.path.islink(etc) and sorted(os.listdir(etc)) == ["keep", "sub"]
    assert os.readlink(os.path.join(etc, "keep")) == str(tmp / "outside" / "keep")
    assert os.readlink(os.path.join(etc, "sub", "deep")) == volume
    assert fingerprint(str(tmp / "outside")) == before
    with pytest.raises(LaunchError, match="escapes the sandbox"):
        lay_out(fs, sandbox, [Mount("a/../../b", volume)])
