"""External volumes as EBS volumes in EC2 (`--aws-endpoint-url`, e.g. a moto_server), through boto3.

What REX-Ray's EBS driver does, and so what anything reading EC2 sees: each agent is an EC2 instance in its
zone (tagged `dcos-emulator-agent=<agent id>`, found again after a restart); a volume is an EBS volume tagged
`Name=<name>` (`Name=<ebs.tag>/<name>` with a tag prefix), sized in GiB, `in-use` while attached to the
agent's instance and `available` after. EC2 is the truth (names, sizes, zones, attachments); only the data
directories live in the state dir. boto3 is imported only here (optional dependency, extra `aws`);
credentials come from the usual AWS environment variables.
"""

from __future__ import annotations

import logging
import os
import time

from dcos_emulator.domains import ec2_zone, region_of
from dcos_emulator.volumes.rexray_config import RexRayConfig
from dcos_emulator.volumes.store import BackendError, Volume

log = logging.getLogger(__name__)

AGENT_TAG = "dcos-emulator-agent"
FS_TYPE_TAG = "dcos-emulator-fstype"   # REX-Ray formats the device; EC2 does not know the file system type
IMAGE_ID = "ami-12c6146b"              # any image id will do for moto; a real account would need a real one
DEVICES = [f"/dev/xvd{c}" for c in "fghijklmnop"]


def default_region() -> str:
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"


class Ec2Backend:
    name = "ec2"

    def __init__(self, endpoint_url: str, zones: tuple, config: RexRayConfig | None = None):
        try:
            import boto3
            from botocore.exceptions import BotoCoreError, ClientError
        except ImportError:
            raise RuntimeError("--aws-endpoint-url needs boto3 (pip install 'dcos-emulator[aws]')") from None
        self._errors = (BotoCoreError, ClientError)
        self.config = config or RexRayConfig()
        self.zones = tuple(zones)
        region = region_of(ec2_zone(self.zones[0])) if self.zones else default_region()
        self.ec2 = boto3.client("ec2", endpoint_url=endpoint_url, region_name=region)
        self._zone_names = {ec2_zone(z): z for z in self.zones}   # EC2 AZ -> our zone name
        self.instances: dict[str, str] = {}   # agent id -> instance id
        self._agents: dict[str, str] = {}     # instance id -> agent id

    def _call(self, method: str, **kwargs):
        try:
            return getattr(self.ec2, method)(**kwargs)
        except self._errors as exc:
            raise BackendError(str(exc)) from None

    # -- agents = instances -----------------------------------------------------------------------
    def register_agent(self, agent_id: str, zone: str | None) -> None:
        found = self._call("describe_instances", Filters=[
            {"Name": f"tag:{AGENT_TAG}", "Values": [agent_id]},
            {"Name": "instance-state-name", "Values": ["pending", "running", "stopped"]}])
        ids = [i["InstanceId"] for r in found["Reservations"] for i in r["Instances"]]
        if ids:
            instance_id = ids[0]
        else:
            az = ec2_zone(zone) if zone else f"{self.ec2.meta.region_name}a"
            made = self._call("run_instances", ImageId=IMAGE_ID, MinCount=1, MaxCount=1, InstanceType="m5.large",
                              Placement={"AvailabilityZone": az},
                              TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                  {"Key": AGENT_TAG, "Value": agent_id}, {"Key": "Name", "Value": agent_id}]}])
            instance_id = made["Instances"][0]["InstanceId"]
        self.instances[agent_id] = instance_id
        self._agents[instance_id] = agent_id

    # -- volumes ---------------------------------------------------------------------------------------
    def volumes(self) -> list[Volume]:
        out = []
        paginator = self.ec2.get_paginator("describe_volumes")
        try:
            pages = list(paginator.paginate(Filters=[{"Name": "tag-key", "Values": ["Name"]}]))
        except self._errors as exc:
            raise BackendError(str(exc)) from None
        for page in pages:
            for raw in page["Volumes"]:
                volume = self._volume(raw)
                if volume is not None:
                    out.append(volume)
        return sorted(out, key=lambda v: (v.created, v.id))

    def _volume(self, raw: dict) -> Volume | None:
        tags = {t["Key"]: t["Value"] for t in raw.get("Tags") or []}
        full = tags.get("Name", "")
        prefix = f"{self.config.ebs_tag}/" if self.config.ebs_tag else ""
        if not full.startswith(prefix) or not full[len(prefix):]:
            return None   # REX-Ray with ebs.tag sees only its own volumes
        attached = None
        for attachment in raw.get("Attachments") or []:
            if attachment.get("State") in ("attaching", "attached"):
                attached = self._agents.get(attachment["InstanceId"], attachment["InstanceId"])
        created = raw.get("CreateTime")
        return Volume(raw["VolumeId"], full[len(prefix):], int(raw["Size"]), raw.get("VolumeType") or "",
                      self._zone_names.get(raw["AvailabilityZone"], raw["AvailabilityZone"]), attached,
                      created.timestamp() if created is not None else time.time(), raw.get("Iops"),
                      tags.get(FS_TYPE_TAG, "ext4"))

    def create(self, name: str, size: int, volume_type: str, zone: str | None, iops: int | None,
               fs_type: str) -> Volume:
        az = ec2_zone(zone) if zone else f"{self.ec2.meta.region_name}a"
        kwargs = {"Size": size, "AvailabilityZone": az, "TagSpecifications": [{"ResourceType": "volume", "Tags": [
            {"Key": "Name", "Value": self.config.full_name(name)}, {"Key": FS_TYPE_TAG, "Value": fs_type}]}]}
        if volume_type:
            kwargs["VolumeType"] = volume_type
        if iops:
            kwargs["Iops"] = iops
        raw = self._call("create_volume", **kwargs)
        raw.setdefault("Tags", kwargs["TagSpecifications"][0]["Tags"])
        return self._volume(raw)

    def attach(self, volume: Volume, agent_id: str, agent_zone: str | None) -> None:
        raw = self._call("describe_volumes", VolumeIds=[volume.id])["Volumes"][0]
        current = self._volume(raw)
        if current.attached_to is not None and current.attached_to != agent_id:
            raise BackendError("volume already attached to a host")
        if current.attached_to == agent_id:
            volume.attached_to = agent_id
            return
        instance_id = self.instances[agent_id]
        used = {a["Device"] for v in self._call("describe_volumes", Filters=[
            {"Name": "attachment.instance-id", "Values": [instance_id]}])["Volumes"] for a in v["Attachments"]}
        device = next((d for d in DEVICES if d not in used), None)
        if device is None:
            raise BackendError("no available device")
        self._call("attach_volume", VolumeId=volume.id, InstanceId=instance_id, Device=device)
        volume.attached_to = agent_id

    def detach(self, volume: Volume, agent_id: str | None) -> None:
        raw = self._call("describe_volumes", VolumeIds=[volume.id])["Volumes"][0]
        for attachment in raw.get("Attachments") or []:
            holder = self._agents.get(attachment["InstanceId"], attachment["InstanceId"])
            if agent_id is not None and holder != agent_id:
                continue
            # preempt (agent_id None): EC2 DetachVolume with Force, "like a power off" for that instance
            self._call("detach_volume", VolumeId=volume.id, InstanceId=attachment["InstanceId"],
                       Force=agent_id is None)
        volume.attached_to = None if agent_id is None or volume.attached_to == agent_id else volume.attached_to
