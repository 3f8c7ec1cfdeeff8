"""The external-volume audit join (plugins/module_utils/_ext_volumes/join.py) as tables: every status, the
attachment of an instance to its agent, the Marathon constraints that exclude a zone, answers of the wrong shape."""

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.join import (
    STATUSES, ShapeError, app_admits, audit, zone_key,
)
from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.spec import full_name, short_name
from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.ec2 import volume_record


def app(app_id, *names, instances=1, constraints=None, driver='rexray'):
    volumes = [{'containerPath': 'data', 'mode': 'RW',
                'external': {'name': n, 'provider': 'dvdi', 'size': 1, 'options': {'dvdi/driver': driver}}}
               for n in names]
    out = {'id': app_id, 'instances': instances, 'container': {'type': 'MESOS', 'volumes': volumes}}
    if constraints:
        out['constraints'] = constraints
    return out


AGENTS = [('S0', 'us-east-1a', True), ('S1', 'us-east-1b', True), ('S2', 'us-east-1a', False)]


def state(tasks=(), agents=None):
    slaves = [{'id': a, 'hostname': '10.0.0.%d' % i, 'active': active,
               'domain': {'fault_domain': {'region': {'name': 'us-east-1'}, 'zone': {'name': zone}}}}
              for i, (a, zone, active) in enumerate(AGENTS if agents is None else agents)]
    live = [{'id': 't-%s' % name, 'framework_id': 'fw', 'slave_id': agent, 'state': st,
             'container': {'type': 'MESOS', 'volumes': [{'mode': 'RW', 'container_path': 'data', 'source': {
                 'type': 'DOCKER_VOLUME', 'docker_volume': {'driver': 'rexray', 'name': name}}}]}}
            for name, agent, st in tasks]
    return {'slaves': slaves, 'frameworks': [{'id': 'fw', 'tasks': live, 'completed_tasks': []}]}


def ebs(name, zone='us-east-1a', instance=None, vid=None, size=1):
    return {'id': vid or 'vol-%s-%s' % (name, zone[-1]), 'name': name, 'tag_name': name, 'size': size, 'type': 'gp2',
            'iops': None, 'encrypted': False, 'zone': zone, 'state': 'in-use' if instance else 'available',
            'instance_id': instance, 'device': None, 'tags': {}, 'create_time': None}


# (case, apps, tasks, ebs volumes (None: EC2 not read), expected status of volume 'v')
CASES = [
    ('in_use', [app('/a', 'v')], [('v', 'S0', 'TASK_RUNNING')], [ebs('v', instance='i-0')], 'in_use'),
    ('in_use without EC2', [app('/a', 'v')], [('v', 'S0', 'TASK_STAGING')], None, 'in_use'),
    ('killing task still mounts', [app('/a', 'v')], [('v', 'S0', 'TASK_KILLING')], [ebs('v')], 'in_use'),
    ('finished task does not', [app('/a', 'v', instances=0)], [('v', 'S0', 'TASK_FINISHED')], [ebs('v')],
     'detached'),
    ('detached: app scaled to 0', [app('/a', 'v', instances=0)], [], [ebs('v')], 'detached'),
    ('detached: launch pending', [app('/a', 'v')], [], [ebs('v')], 'detached'),
    ('orphaned: no app', [app('/a', 'other')], [], [ebs('v')], 'orphaned'),
    ('orphaned: app of another driver', [app('/a', 'v', driver='pxd')], [], [ebs('v')], 'orphaned'),
    ('missing: no EBS volume', [app('/a', 'v')], [], [], 'missing'),
    ('missing: only another name', [app('/a', 'v')], [], [ebs('w')], 'missing'),
    ('twin: two zones', [app('/a', 'v')], [], [ebs('v'), ebs('v', 'us-east-1b')], 'twin'),
    ('twin beats in_use', [app('/a', 'v')], [('v', 'S0', 'TASK_RUNNING')],
     [ebs('v', instance='i-0'), ebs('v', 'us-east-1b')], 'twin'),
    ('twin without app', [], [], [ebs('v'), ebs('v', 'us-east-1b')], 'twin'),
    ('zone_unreachable: no agent in zone', [app('/a', 'v')], [], [ebs('v', 'us-east-1c')], 'zone_unreachable'),
    ('zone_unreachable: only agent there is down', [app('/a', 'v')], [],
     [ebs('v')], 'zone_unreachable', [('S1', 'us-east-1b', True), ('S2', 'us-east-1a', False)]),
    ('zone_unreachable: constraint pins another zone',
     [app('/a', 'v', constraints=[['@zone', 'IS', 'us-east-1b']])], [], [ebs('v')], 'zone_unreachable'),
    ('zone_unreachable: LIKE excludes', [app('/a', 'v', constraints=[['@zone', 'LIKE', '.*b']])], [], [ebs('v')],
     'zone_unreachable'),
    ('constraint admits the zone', [app('/a', 'v', constraints=[['@zone', 'IS', 'us-east-1a']])], [], [ebs('v')],
     'detached'),
    ('UNLIKE admits', [app('/a', 'v', constraints=[['@zone', 'UNLIKE', '.*b']])], [], [ebs('v')], 'detached'),
    ('no zones reported: no zone check', [app('/a', 'v')], [], [ebs('v', 'us-east-1c')], 'detached',
     [('S0', None, True)]),
    ('DC/OS zone names aws/<az>', [app('/a', 'v')], [], [ebs('v')], 'detached', [('S0', 'aws/us-east-1a', True)]),
    ('unknown: EC2 not read', [app('/a', 'v')], [], None, 'unknown'),
]


@pytest.mark.parametrize('case', CASES, ids=[c[0] for c in CASES])
def test_status(case):
    apps, tasks, vols, expected = case[1:5]
    agents = case[5] if len(case) > 5 else AGENTS
    if agents and agents[0][1] is None:
        st = state(tasks, [])
        st['slaves'] = [{'id': agent[0], 'hostname': 'h', 'active': True} for agent in agents]
    else:
        st = state(tasks, agents)
    result = audit(apps, st, vols)
    [entry] = [v for v in result['volumes'] if v['name'] == 'v']
    assert entry['status'] == expected, entry['reason']
    assert result['summary'][expected] >= 1 and sum(result['summary'].values()) == len(result['volumes'])


def test_every_status_is_reached_by_a_case():
    assert set(c[4] for c in CASES) == set(STATUSES)


def test_entry_fields_and_attachment_to_agent():
    vols = [ebs('v', instance='i-0', vid='vol-1'), ebs('old', vid='vol-2')]
    instances = {'i-0': {'private_ip': '10.0.0.0', 'private_dns': 'ip-10-0-0-0.ec2.internal', 'public_ip': None,
                         'public_dns': None, 'name': None}}
    result = audit([app('/db', 'v'), app('/b', 'v', instances=0)], state([('v', 'S0', 'TASK_RUNNING')]), vols,
                   instances)
    names = [v['name'] for v in result['volumes']]
    assert names == ['old', 'v']
    entry = result['volumes'][1]
    assert entry['apps'] == ['/b', '/db'] and entry['volume_ids'] == ['vol-1'] and entry['zones'] == ['us-east-1a']
    assert (entry['size'], entry['type'], entry['state']) == (1, 'gp2', 'in-use')
    assert entry['attachments'] == [{'volume_id': 'vol-1', 'instance_id': 'i-0', 'agent_id': 'S0',
                                     'hostname': '10.0.0.0', 'agent_active': True}]
    assert entry['tasks'][0]['zone'] == 'us-east-1a' and entry['tasks'][0]['hostname'] == '10.0.0.0'
    assert result['summary'] == {'in_use': 1, 'detached': 0, 'orphaned': 1, 'missing': 0, 'twin': 0,
                                 'zone_unreachable': 0, 'unknown': 0}


def test_attached_to_a_lost_agent_is_named_by_the_instance():
    # No task (its agent is gone); the instance's Name tag is the agent id.
    result = audit([app('/a', 'v')], state(), [ebs('v', instance='i-9')],
                   {'i-9': {'private_ip': '172.31.0.9', 'private_dns': None, 'public_ip': None, 'public_dns': None,
                            'name': 'S2'}})
    [entry] = result['volumes']
    assert entry['attachments'][0]['agent_id'] == 'S2' and entry['attachments'][0]['agent_active'] is False


def test_unrecognised_instance_takes_the_agent_of_the_task():
    result = audit([app('/a', 'v')], state([('v', 'S1', 'TASK_RUNNING')]), [ebs('v', 'us-east-1b', instance='i-7')],
                   {})
    assert result['volumes'][0]['attachments'][0]['agent_id'] == 'S1'


def test_drivers_filter_and_task_without_app():
    st = state([('v', 'S0', 'TASK_RUNNING')])
    assert audit([app('/a', 'v', driver='pxd')], st, None, drivers=['pxd'])['volumes'][0]['status'] == 'unknown'
    [entry] = audit([], st, None)['volumes']
    assert entry['status'] == 'in_use' and entry['apps'] == []


@pytest.mark.parametrize('constraints,agent,expected', [
    ([], {'zone': 'a'}, True),
    ([['@zone', 'IS', 'a']], {'zone': 'a'}, True),
    ([['@zone', 'IS', 'a']], {'zone': 'b'}, False),
    ([['@region', 'IS', 'r1']], {'zone': 'a', 'region': 'r2'}, False),
    ([['hostname', 'LIKE', '10\\.0\\..*']], {'hostname': '10.0.0.1'}, True),
    ([['@zone', 'LIKE', '[']], {'zone': 'a'}, True),     # a broken regex excludes nothing here
    ([['@zone', 'GROUP_BY', '2']], {'zone': 'a'}, True),
    ([['rack', 'IS', 'r1']], {'zone': 'a'}, True),
    (['not a list'], {'zone': 'a'}, True),
])
def test_app_admits(constraints, agent, expected):
    assert app_admits(constraints, agent) is expected


@pytest.mark.parametrize('apps,st', [
    ({'apps': []}, state()),
    (['x'], state()),
    ([], {'frameworks': []}),
    ([], {'slaves': []}),
    ([], []),
])
def test_wrong_shapes_raise(apps, st):
    with pytest.raises(ShapeError):
        audit(apps, st)


@pytest.mark.parametrize('tag,ebs_tag,name', [
    ('pg', None, 'pg'), ('prod/pg', 'prod', 'pg'), ('pg', 'prod', None), ('prod/', 'prod', None),
    ('', None, None), (None, None, None), ('other/pg', 'prod', None),
])
def test_short_name(tag, ebs_tag, name):
    assert short_name(tag, ebs_tag) == name
    if name:
        assert full_name(name, ebs_tag) == tag


def test_volume_record_from_ec2_shape():
    raw = {'VolumeId': 'vol-1', 'Size': 8, 'VolumeType': 'io1', 'Iops': 300, 'Encrypted': True,
           'AvailabilityZone': 'us-east-1b', 'State': 'in-use',
           'Attachments': [{'InstanceId': 'i-1', 'State': 'detaching'},
                           {'InstanceId': 'i-2', 'State': 'attached', 'Device': '/dev/xvdf'}],
           'Tags': [{'Key': 'Name', 'Value': 'prod/pg'}, {'Key': 'team', 'Value': 'db'}]}
    rec = volume_record(raw, 'prod')
    assert rec['name'] == 'pg' and rec['instance_id'] == 'i-2' and rec['device'] == '/dev/xvdf'
    assert rec['tags'] == {'team': 'db'} and rec['encrypted'] is True and rec['iops'] == 300
    assert volume_record(raw, None)['name'] == 'prod/pg' and volume_record(raw, 'dev') is None


def test_zone_key():
    assert zone_key('aws/us-east-1a') == 'us-east-1a' and zone_key('us-east-1a') == 'us-east-1a'
    assert zone_key(None) is None


@pytest.mark.parametrize('endpoint', ['http://127.0.0.1:99999', 'leader.mesos', 'http://127.0.0.1:1'])
def test_bad_endpoint_is_an_ec2_error_not_a_traceback(endpoint, monkeypatch):
    pytest.importorskip('boto3')
    from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.ec2 import Ec2, Ec2Error
    monkeypatch.setenv('AWS_MAX_ATTEMPTS', '1')
    with pytest.raises(Ec2Error, match='endpoint|EC2'):
        Ec2(region='us-east-1', endpoint_url=endpoint, access_key='x', secret_key='y').volumes()
