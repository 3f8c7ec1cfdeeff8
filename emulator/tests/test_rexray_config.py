"""--rexray-config: a rexray.yaml in the two shapes dcos.stateful.rexray_config writes (REX-Ray 0.3.x and
libStorage) changes what the volume store does: preempt, default size/type/fsType of implicit volumes,
ebs.tag, ignoreusedcount; other keys are ignored; bad values are reported without a traceback."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import HttpClient, free_port, wait_for
from test_external_volumes import deploy, hello_app, running_task, volumes

from dcos_emulator.volumes import rexray_config
from dcos_emulator.volumes.rexray_config import RexRayConfig

LIBSTORAGE_YAML = """\
rexray:
  logLevel: warn
libstorage:
  service: ebs
  integration:
    volume:
      operations:
        mount:
          preempt: true
        unmount:
          ignoreusedcount: true
        create:
          default:
            size: 20
            type: gp2
            fsType: xfs
ebs:
  region: us-east-1
  tag: dcos
  accessKey: AKIAEXAMPLE
unknownSection:
  whatever: 1
"""

REXRAY_03_YAML = """\
rexray:
  storageDrivers:
  - ec2
  volume:
    mount:
      preempt: true
    unmount:
      ignoreusedcount: true
docker:
  size: 8
  volumeType: standard
aws:
  region: us-east-1
  rexrayTag: legacy
"""


@pytest.mark.parametrize("text, expected", [
    (LIBSTORAGE_YAML, RexRayConfig(preempt=True, ignore_used_count=True, size_gib=20, volume_type="gp2",
                                   fs_type="xfs", ebs_tag="dcos")),
    (REXRAY_03_YAML, RexRayConfig(preempt=True, ignore_used_count=True, size_gib=8, volume_type="standard",
                                  ebs_tag="legacy")),
    ("{}", RexRayConfig()),
    ("volume:\n  mount:\n    preempt: 'true'\n", RexRayConfig(preempt=True)),   # legacy key, string bool
    ("libstorage:\n  integration:\n    volume:\n      operations:\n        create:\n          disable: true\n",
     RexRayConfig(implicit_create=False)),
])
def test_both_formats_are_read(tmp_path, text, expected):
    path = tmp_path / "rexray.yml"
    path.write_text(text)
    assert rexray_config.load(str(path)) == RexRayConfig(**{**expected.__dict__, "source": str(path)})


@pytest.mark.parametrize("text, message", [
    ("rexray:\n  volume:\n    mount:\n      preempt: maybe\n", "rexray.volume.mount.preempt must be true or false"),
    ("docker:\n  size: big\n", "docker.size must be an integer"),
    ("- a\n- b\n", "must be a mapping"),
    ("a: [\n", "not valid YAML"),
])
def test_bad_files_are_reported(tmp_path, text, message):
    path = tmp_path / "rexray.yml"
    path.write_text(text)
    with pytest.raises(rexray_config.ConfigError, match=message.replace(".", r"\.").replace("[", r"\[")):
        rexray_config.load(str(path))


def test_json_without_pyyaml(monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)   # import yaml -> ImportError
    document = rexray_config.parse_text(json.dumps({"docker": {"size": 3}}))
    assert rexray_config.from_document(document).size_gib == 3
    with pytest.raises(rexray_config.ConfigError, match="install PyYAML to read YAML"):
        rexray_config.parse_text(REXRAY_03_YAML, "rexray.yml")


def test_implicit_defaults_come_from_the_file(cluster_factory):
    cfg = rexray_config.from_document({"libstorage": {"integration": {"volume": {"operations": {
        "create": {"default": {"size": 20, "type": "gp2", "fsType": "xfs"}}}}}}})
    cluster = cluster_factory(agents=1, rexray=cfg)
    marathon = HttpClient(cluster.marathon_url)
    deploy(marathon, "POST", "/v2/apps", hello_app())
    running_task(marathon, "/hello")
    [vol] = wait_for(lambda: volumes(marathon), message="a volume")
    assert (vol["size"], vol["type"], vol["fsType"]) == (20, "gp2", "xfs")


def test_ignoreusedcount_decides_detach_with_two_containers(cluster_factory, tmp_path):
    """Two containers on one agent mount the same shared volume; Mesos calls `dvdcli unmount` once, when the
    last one ends. REX-Ray counted two mounts: without ignoreusedcount the volume stays attached (pinned)."""
    for ignore, expected_state in ((False, "attached"), (True, "available")):
        cluster = cluster_factory(state_dir=tmp_path / f"iuc-{ignore}", agents=1,
                                  rexray=RexRayConfig(ignore_used_count=ignore))
        marathon = HttpClient(cluster.marathon_url)
        for app_id in ("/a", "/b"):
            deploy(marathon, "POST", "/v2/apps", hello_app(app_id, shared=True))
            running_task(marathon, app_id)
        for app_id in ("/a", "/b"):
            deploy(marathon, "DELETE", f"/v2/apps{app_id}", None)
        [vol] = volumes(marathon)
        assert vol["state"] == expected_state, ignore
        cluster.stop()


def test_cli_flag(tmp_path):
    path = tmp_path / "rexray.yml"
    path.write_text(LIBSTORAGE_YAML)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), ".."))
    proc = subprocess.Popen([sys.executable, "-m", "dcos_emulator", "--state-dir", str(tmp_path / "s"), "--agents", "1",
                             "--marathon-port", str(port), "--mesos-port", str(free_port()),
                             "--rexray-config", str(path)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        marathon = HttpClient(f"http://127.0.0.1:{port}")
        wait_for(lambda: _up(marathon), message="emulator up")
        deploy(marathon, "POST", "/v2/apps", hello_app())
        [vol] = wait_for(lambda: volumes(marathon), message="a volume")
        assert (vol["size"], vol["type"], vol["tagName"]) == (20, "gp2", "dcos/hellovol")
    finally:
        proc.terminate()
        proc.communicate(timeout=30)
    bad = tmp_path / "bad.yml"
    bad.write_text("docker:\n  size: big\n")
    out = subprocess.run([sys.executable, "-m", "dcos_emulator", "--rexray-config", str(bad)], env=env,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "--rexray-config" in out.stderr and "docker.size" in out.stderr
    assert "Traceback" not in out.stderr


def _up(client):
    try:
        return client.get("/ping").status == 200
    except OSError:
        return False
