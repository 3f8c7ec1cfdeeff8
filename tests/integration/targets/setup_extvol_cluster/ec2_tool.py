"""EC2 seen and seeded with plain boto3 (independent of the modules under test) for the external-volume targets.

    python ec2_tool.py URL list                      -> JSON list of every EBS volume (id, Name tag, zone, size,
                                                        type, state, tags, snapshot ids of the account)
    python ec2_tool.py URL create NAME ZONE SIZE      -> creates an EBS volume tagged Name=NAME, prints its id
"""
import json
import sys

import boto3


def client(url):
    return boto3.client('ec2', endpoint_url=url, region_name='us-east-1', aws_access_key_id='testing',
                        aws_secret_access_key='testing')


def listing(ec2):
    volumes = []
    for vol in ec2.describe_volumes()['Volumes']:
        tags = {t['Key']: t['Value'] for t in vol.get('Tags') or []}
        volumes.append({'id': vol['VolumeId'], 'name': tags.get('Name'), 'zone': vol['AvailabilityZone'],
                        'size': vol['Size'], 'type': vol.get('VolumeType'), 'state': vol['State'], 'tags': tags,
                        'attached': sorted(a['InstanceId'] for a in vol.get('Attachments') or [])})
    snapshots = sorted(s['SnapshotId'] for s in ec2.describe_snapshots(OwnerIds=['self'])['Snapshots'])
    return {'volumes': sorted(volumes, key=lambda v: v['id']), 'snapshots': snapshots}


def main(url, action, *args):
    ec2 = client(url)
    if action == 'list':
        print(json.dumps(listing(ec2), sort_keys=True))
    elif action == 'create':
        name, zone, size = args
        made = ec2.create_volume(Size=int(size), AvailabilityZone=zone, TagSpecifications=[
            {'ResourceType': 'volume', 'Tags': [{'Key': 'Name', 'Value': name}]}])
        print(made['VolumeId'])
    else:
        raise SystemExit('unknown action %s' % action)


if __name__ == '__main__':
    main(*sys.argv[1:])
