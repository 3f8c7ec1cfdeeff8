"""--aws-endpoint-url: external volumes are EBS volumes in a real moto_server (started here on a free port);
agents are EC2 instances in their zone; boto3 sees the same truth as Marathon."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from conftest import HttpClient, free_port, wait_for
from test_external_volumes import deploy, hello_app, hello_lines, running_task, volumes, wait_lines

from dcos_emulator.volumes.rexray_config import RexRayConfig

boto3 = pytest.importorskip("boto3")
ZONES = ("us-east-1a", "us-east-1b")


@pytest.fixture(scope="module")
def moto_url():
    port = free_port()
    server = os.path.join(os.path.dirname(sys.executable), "moto_server")
    proc = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _up(url), timeout=30, message="moto_server")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _up(url):
    try:
        if url.endswith("/ping"):
            return HttpClient(url[:-len("/ping")]).get("/ping").status == 200
        return HttpClient(url).get("/moto-api/").status < 500
    except OSError:
        return False


@pytest.fixture
def aws(moto_url, monkeypatch):
    """A clean EC2 per test (moto's reset API), fake credentials in the environment."""
    for key, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                       ("AWS_DEFAULT_REGION", "us-east-1")):
        monkeypatch.setenv(key, value)
    assert HttpClient(moto_url).post("/moto-api/reset").status == 200
    return moto_url


def ec2(url):
    return boto3.client("ec2", endpoint_url=url, region_name="us-east-1")


def ebs(url, name):
    return ec2(url).describe_volumes(Filters=[{"Name": "tag:Name", "Values": [name]}])["Volumes"]


def instance_of(url, agent_id):
    found = ec2(url).describe_instances(Filters=[{"Name": "tag:dcos-emulator-agent", "Values": [agent_id]}])
    [instance] = [i for r in found["Reservations"] for i in r["Instances"]]
    return instance


def test_agents_are_instances_and_volumes_are_ebs(cluster_factory, aws):
    cluster = cluster_factory(agents=2, zones=ZONES, aws_endpoint_url=aws)
    marathon = HttpClient(cluster.marathon_url)
    for index, agent_id in enumerate(sorted(cluster.master.agents)):
        assert instance_of(aws, agent_id)["Placement"]["AvailabilityZone"] == ZONES[index]
    deploy(marathon, "POST", "/v2/apps", hello_app())
    task = running_task(marathon, "/hello")
    [vol] = wait_lines(marathon, 1)
    [raw] = ebs(aws, "hellovol")
    assert raw["VolumeId"] == vol["id"] and raw["Size"] == 16 and raw["State"] == "in-use"
    assert raw["Attachments"][0]["InstanceId"] == instance_of(aws, task["slaveId"])["InstanceId"]
    assert vol["attachedTo"] == task["slaveId"] and vol["zone"] == raw["AvailabilityZone"]
    deploy(marathon, "PUT", "/v2/apps/hello", {"instances": 0})
    assert wait_for(lambda: ebs(aws, "hellovol")[0]["State"] == "available", message="EBS available")
    assert marathon.delete("/v2/apps/hello").status == 200
    [raw] = ebs(aws, "hellovol")
    assert raw["State"] == "available" and len(hello_lines(volumes(marathon)[0])) == 1


def test_existing_ebs_volume_is_used_and_tag_prefix(cluster_factory, aws):
    client = ec2(aws)
    made = client.create_volume(Size=3, AvailabilityZone="us-east-1a", TagSpecifications=[
        {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "dcos/hellovol"}]}])
    client.create_volume(Size=1, AvailabilityZone="us-east-1a", TagSpecifications=[
        {"ResourceType": "volume", "Tags": [{"Key": "Name", "Value": "hellovol"}]}])   # not REX-Ray's (no prefix)
    cluster = cluster_factory(agents=1, aws_endpoint_url=aws, rexray=RexRayConfig(ebs_tag="dcos"))
    marathon = HttpClient(cluster.marathon_url)
    assert cluster.master.agents[next(iter(cluster.master.agents))].zone == "us-east-1a"   # default zone
    deploy(marathon, "POST", "/v2/apps", hello_app())
    running_task(marathon, "/hello")
    [vol] = wait_lines(marathon, 1)
    assert (vol["id"], vol["size"], vol["tagName"]) == (made["VolumeId"], 3, "dcos/hellovol")
    assert ebs(aws, "dcos/hellovol")[0]["State"] == "in-use" and ebs(aws, "hellovol")[0]["State"] == "available"


def test_preempt_force_detaches_in_ec2(cluster_factory, aws):
    cluster = cluster_factory(agents=4, zones=ZONES, aws_endpoint_url=aws, rexray=RexRayConfig(preempt=True))
    marathon = HttpClient(cluster.marathon_url)
    deploy(marathon, "POST", "/v2/apps", hello_app(constraints=[["@zone", "IS", "us-east-1a"]]))
    first = running_task(marathon, "/hello")
    wait_lines(marathon, 1)
    marathon.post(f"/emulator/agents/{first['slaveId']}/stop")
    second = running_task(marathon, "/hello", not_id=first["id"])
    wait_lines(marathon, 2)
    [raw] = ebs(aws, "hellovol")
    assert raw["Attachments"][0]["InstanceId"] == instance_of(aws, second["slaveId"])["InstanceId"]


def test_unreachable_endpoint_is_a_clear_error(tmp_path):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="x", AWS_DEFAULT_REGION="us-east-1",
               AWS_MAX_ATTEMPTS="1", PYTHONPATH=os.path.join(os.path.dirname(__file__), ".."))
    out = subprocess.run([sys.executable, "-m", "dcos_emulator", "--state-dir", str(tmp_path), "--agents", "1",
                          "--marathon-port", "0", "--mesos-port", "0",
                          "--aws-endpoint-url", f"http://127.0.0.1:{free_port()}"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 1 and "cannot start" in out.stderr and "Traceback" not in out.stderr


def test_walkthrough_script(aws, tmp_path):
    """emulator/examples/external-volumes.sh against the `dcos-emulator` command and a moto_server."""
    examples = os.path.join(os.path.dirname(__file__), "..", "examples")
    marathon_port, mesos_port = free_port(), free_port()
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), ".."))
    log_path = tmp_path / "emulator.log"
    with open(log_path, "w") as log:   # a file, not a pipe nobody reads while the script runs
        emulator = subprocess.Popen(
            [sys.executable, "-m", "dcos_emulator", "--state-dir", str(tmp_path / "state"), "--agents", "4",
             "--zones", "us-east-1a,us-east-1b", "--rexray-config", os.path.join(examples, "rexray.yml"),
             "--aws-endpoint-url", aws, "--marathon-port", str(marathon_port), "--mesos-port", str(mesos_port)],
            env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: emulator.poll() is not None or _up(f"http://127.0.0.1:{marathon_port}/ping"),
                 timeout=60, message="emulator up")
        assert emulator.poll() is None, log_path.read_text()
        out = subprocess.run(["sh", os.path.join(examples, "external-volumes.sh")], capture_output=True, text=True,
                             timeout=300, env=dict(env, MARATHON_URL=f"http://127.0.0.1:{marathon_port}",
                                                   MESOS_URL=f"http://127.0.0.1:{mesos_port}",
                                                   AWS_ENDPOINT_URL=aws, PYTHON=sys.executable, TIMEOUT="30"))
        assert out.returncode == 0, out.stdout + out.stderr + log_path.read_text()[-3000:]
        assert out.stdout.rstrip().endswith("OK") and "available 1 us-east-1a" in out.stdout
    finally:
        emulator.terminate()
        emulator.wait(timeout=30)
