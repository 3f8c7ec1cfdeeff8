#!/usr/bin/env python
"""Start, stop and query a local moto server for the ebs_iam_policy scenario.

    moto_ctl.py start STATE_FILE        start moto on a free loopback port, write {"pid", "url"} to STATE_FILE
    moto_ctl.py stop STATE_FILE         stop that server (by its pid) and remove STATE_FILE
    moto_ctl.py create-role URL ROLE    create an EC2 instance role (the agents' role)
    moto_ctl.py show URL POLICY ROLE    print the policy's default document, version count and attachments

Reads IAM with boto3 directly, so the verify step does not depend on the module under test.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

CREDENTIALS = dict(aws_access_key_id='testing', aws_secret_access_key='testing', region_name='us-east-1')


def free_port():
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


def start(state_file):
    if os.path.exists(state_file):
        with open(state_file) as handle:
            print(handle.read())
        return
    port = free_port()
    log = open(state_file + '.log', 'ab')
    proc = subprocess.Popen([sys.executable, '-m', 'moto.server', '-H', '127.0.0.1', '-p', str(port)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    url = 'http://127.0.0.1:%d' % port
    deadline = time.monotonic() + 30
    while True:
        if proc.poll() is not None:
            sys.exit('moto server exited with %s; see %s.log' % (proc.returncode, state_file))
        try:
            urllib.request.urlopen(url + '/moto-api/', timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                sys.exit('moto server did not answer on %s within 30 s' % url)
            time.sleep(0.2)
    state = json.dumps({'pid': proc.pid, 'url': url})
    with open(state_file, 'w') as handle:
        handle.write(state)
    print(state)


def stop(state_file):
    if not os.path.exists(state_file):
        return
    with open(state_file) as handle:
        pid = json.load(handle)['pid']
    try:
        os.kill(pid, signal.SIGTERM)
        for _ in range(50):
            os.kill(pid, 0)
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    os.unlink(state_file)


def iam(url):
    import boto3
    return boto3.client('iam', endpoint_url=url, **CREDENTIALS)


def create_role(url, role):
    client = iam(url)
    trust = {'Version': '2012-10-17', 'Statement': [
        {'Effect': 'Allow', 'Principal': {'Service': 'ec2.amazonaws.com'}, 'Action': 'sts:AssumeRole'}]}
    try:
        client.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(trust))
        print('created')
    except client.exceptions.EntityAlreadyExistsException:
        print('exists')


def show(url, policy_name, role):
    client = iam(url)
    policies = [p for p in client.list_policies(Scope='Local')['Policies'] if p['PolicyName'] == policy_name]
    out = {'exists': bool(policies)}
    if policies:
        arn = policies[0]['Arn']
        policy = client.get_policy(PolicyArn=arn)['Policy']
        document = client.get_policy_version(PolicyArn=arn, VersionId=policy['DefaultVersionId'])['PolicyVersion']['Document']
        out.update(arn=arn, default_version=policy['DefaultVersionId'], document=document,
                   versions=len(client.list_policy_versions(PolicyArn=arn)['Versions']))
    attached = client.list_attached_role_policies(RoleName=role)['AttachedPolicies']
    out['role_policies'] = sorted(p['PolicyName'] for p in attached)
    print(json.dumps(out))


if __name__ == '__main__':
    command, args = sys.argv[1], sys.argv[2:]
    {'start': start, 'stop': stop, 'create-role': create_role, 'show': show}[command](*args)
