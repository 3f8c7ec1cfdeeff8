# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""EBS through boto3, the way REX-Ray's EBS driver sees it: one class owns the client and its errors.

Volumes come back as plain dicts (``volume_record``), named as REX-Ray names them (the ``Name`` tag without the
``ebs.tag`` prefix). Every botocore error becomes ``Ec2Error`` naming the EC2 action that failed. Decisions live
in join.py and plan.py; this file only reads and writes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import traceback

try:
    import boto3
    import botocore.config
    import botocore.exceptions
    import botocore.parsers
    HAS_BOTO3 = True
    BOTO3_IMPORT_ERROR = None
except ImportError:
    HAS_BOTO3 = False
    BOTO3_IMPORT_ERROR = traceback.format_exc()

from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.spec import full_name, short_name

# States of an EBS volume that still exists (``deleting``/``deleted`` are on their way out).
LIVE_STATES = ('creating', 'available', 'in-use', 'error')


class Ec2Error(Exception):
    def __init__(self, message, code=None):
        super(Ec2Error, self).__init__(message)
        self.code = code


def volume_record(raw, ebs_tag):
    """One EBS volume as the modules return it, or None when REX-Ray (with that ``ebs.tag``) would ignore it."""
    tags = dict((t.get('Key'), t.get('Value')) for t in raw.get('Tags') or [])
    name = short_name(tags.get('Name'), ebs_tag)
    if name is None:
        return None
    attached = [a for a in raw.get('Attachments') or [] if a.get('State') in ('attaching', 'attached')]
    created = raw.get('CreateTime')
    return {
        'id': raw.get('VolumeId'),
        'name': name,
        'tag_name': tags.get('Name'),
        'size': raw.get('Size'),
        'type': raw.get('VolumeType'),
        'iops': raw.get('Iops'),
        'encrypted': bool(raw.get('Encrypted')),
        'zone': raw.get('AvailabilityZone'),
        'state': raw.get('State'),
        'instance_id': attached[0].get('InstanceId') if attached else None,
        'device': attached[0].get('Device') if attached else None,
        'tags': dict((k, v) for k, v in tags.items() if k != 'Name'),
        'create_time': created.isoformat() if hasattr(created, 'isoformat') else created,
    }


class Ec2:
    """The EC2 client of the external-volume modules."""

    def __init__(self, region=None, endpoint_url=None, access_key=None, secret_key=None, session_token=None,
                 profile=None, aws_ca_bundle=None):
        config = botocore.config.Config(retries={'mode': 'standard', 'max_attempts': 5})
        try:
            session = boto3.session.Session(
                aws_access_key_id=access_key, aws_secret_access_key=secret_key, aws_session_token=session_token,
                region_name=region, profile_name=profile)
            self.client = session.client('ec2', endpoint_url=endpoint_url, config=config,
                                         verify=aws_ca_bundle if aws_ca_bundle else None)
        except botocore.exceptions.ProfileNotFound as exc:
            raise Ec2Error('profile: %s' % exc)
        except botocore.exceptions.NoRegionError:
            raise Ec2Error('region is required (or AWS_REGION / AWS_DEFAULT_REGION, or a profile with a region)')
        except ValueError as exc:   # "Invalid endpoint: leader.mesos" (no scheme)
            raise Ec2Error('endpoint_url: %s' % exc)
        self.calls = 0

    def _call(self, action, **kwargs):
        self.calls += 1
        try:
            return getattr(self.client, action)(**kwargs)
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get('Error', {})
            raise Ec2Error('EC2 %s failed: %s: %s' % (action, error.get('Code'), error.get('Message')),
                           error.get('Code'))
        except botocore.exceptions.NoCredentialsError:
            raise Ec2Error('EC2 %s failed: no AWS credentials (set access_key and secret_key, profile, or the '
                           'AWS_* environment variables)' % action)
        except botocore.exceptions.BotoCoreError as exc:
            raise Ec2Error('EC2 %s failed: %s' % (action, exc))
        except botocore.parsers.ResponseParserError as exc:
            # not a BotoCoreError: an endpoint that answers something other than EC2's XML (an HTML page...)
            raise Ec2Error('EC2 %s failed: the endpoint did not answer like EC2 (%s)' % (action, exc))
        except ValueError as exc:
            # raised while sending: an endpoint_url whose port is out of range ("Port out of range 0-65535")
            raise Ec2Error('EC2 %s failed: endpoint_url: %s' % (action, exc))

    def _pages(self, action, key, **kwargs):
        out, token = [], None
        while True:
            if token:
                kwargs['NextToken'] = token
            page = self._call(action, **kwargs)
            out.extend(page.get(key) or [])
            token = page.get('NextToken')
            if not token:
                return out

    def volumes(self, ebs_tag=None, name=None):
        """Every live EBS volume REX-Ray would see (all zones), or those named ``name``."""
        if name is not None:
            flt = [{'Name': 'tag:Name', 'Values': [full_name(name, ebs_tag)]}]
        else:
            flt = [{'Name': 'tag-key', 'Values': ['Name']}]
        flt.append({'Name': 'status', 'Values': list(LIVE_STATES)})
        raws = self._pages('describe_volumes', 'Volumes', Filters=flt, MaxResults=500)
        records = (volume_record(raw, ebs_tag) for raw in raws)
        return sorted((r for r in records if r is not None), key=lambda r: (r['name'], r['zone'] or '', r['id']))

    def instances(self, instance_ids):
        """``{instance id: {private_ip, private_dns, public_ip, public_dns, name}}`` of these instances."""
        if not instance_ids:
            return {}
        out = {}
        for reservation in self._pages('describe_instances', 'Reservations', InstanceIds=sorted(instance_ids)):
            for inst in reservation.get('Instances') or []:
                tags = dict((t.get('Key'), t.get('Value')) for t in inst.get('Tags') or [])
                out[inst['InstanceId']] = {
                    'private_ip': inst.get('PrivateIpAddress'), 'private_dns': inst.get('PrivateDnsName'),
                    'public_ip': inst.get('PublicIpAddress'), 'public_dns': inst.get('PublicDnsName'),
                    'name': tags.get('Name')}
        return out

    def create_volume(self, name, ebs_tag, zone, size, volume_type=None, iops=None, encrypted=None, tags=None):
        all_tags = [{'Key': 'Name', 'Value': full_name(name, ebs_tag)}]
        all_tags.extend({'Key': k, 'Value': v} for k, v in sorted((tags or {}).items()) if k != 'Name')
        kwargs = dict(AvailabilityZone=zone, Size=size,
                      TagSpecifications=[{'ResourceType': 'volume', 'Tags': all_tags}])
        if volume_type:
            kwargs['VolumeType'] = volume_type
        if iops:
            kwargs['Iops'] = iops
        if encrypted is not None:
            kwargs['Encrypted'] = encrypted
        raw = self._call('create_volume', **kwargs)
        raw.setdefault('Tags', all_tags)
        return volume_record(raw, ebs_tag)

    def wait_available(self, volume_id, timeout):
        """Wait (up to ``timeout`` s) until a new volume leaves ``creating``."""
        waiter = self.client.get_waiter('volume_available')
        delay = 2
        try:
            waiter.wait(VolumeIds=[volume_id], WaiterConfig={'Delay': delay, 'MaxAttempts': max(1, int(timeout // delay))})
        except botocore.exceptions.WaiterError as exc:
            raise Ec2Error('EBS volume %s did not become available within %ss: %s' % (volume_id, timeout, exc))

    def set_tags(self, volume_id, tags):
        self._call('create_tags', Resources=[volume_id], Tags=[{'Key': k, 'Value': v} for k, v in sorted(tags.items())])

    def snapshot(self, volume, description):
        tags = [{'Key': 'Name', 'Value': volume['tag_name']}]
        raw = self._call('create_snapshot', VolumeId=volume['id'], Description=description,
                         TagSpecifications=[{'ResourceType': 'snapshot', 'Tags': tags}])
        return raw.get('SnapshotId')

    def delete_volume(self, volume_id):
        self._call('delete_volume', VolumeId=volume_id)
