# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._dcos_genconf.config import (
    GenconfError,
    bucket_for,
    known_keys,
    masked,
    ordered,
    rexray_format,
    stringify,
    validate_config,
)

OPS = {'libstorage': {'integration': {'volume': {'operations': {'unmount': {'ignoreusedcount': True}}}}}}


def base(**kw):
    config = {'cluster_name': 'c', 'bootstrap_url': 'http://10.0.0.5:8080', 'exhibitor_storage_backend': 'static',
              'master_discovery': 'static', 'master_list': ['10.0.1.10', '10.0.1.11', '10.0.1.12']}
    config.update(kw)
    return dict((k, v) for k, v in config.items() if v is not None)


@pytest.mark.parametrize('version, bucket, fmt', [
    ('1.7', '1.7', '0.3'), ('1.7.3', '1.7', '0.3'), ('1.8.0', '1.8.0', '0.3'), ('1.8.1', '1.8.0', '0.3'),
    ('1.8.2', '1.8.2', '0.3'), ('1.8.10', '1.8.2', '0.3'), ('1.9.4', '1.9', '0.3'), ('1.10', '1.10', 'libstorage'),
    ('1.13.9', '1.13', 'libstorage'), ('2.2.1', '2.2', 'libstorage'),
])
def test_buckets(version, bucket, fmt):
    assert bucket_for(version) == bucket
    assert rexray_format(bucket) == fmt


@pytest.mark.parametrize('version, message', [
    ('1.8', 'needs the patch level'), ('1.6.1', 'not supported'), ('2.3', 'not supported'), ('two', 'MAJOR.MINOR'),
])
def test_bad_versions(version, message):
    with pytest.raises(GenconfError, match=message):
        bucket_for(version)


def test_keys_follow_versions():
    assert 'rexray_config_method' in known_keys('1.8.0') and 'rexray_config' not in known_keys('1.8.0')
    assert 'rexray_config' in known_keys('1.8.2') and 'rexray_config_method' not in known_keys('1.8.2')
    assert 'calico_enabled' in known_keys('2.1') and 'calico_enabled' not in known_keys('2.0')
    assert 'agent_list' in known_keys('1.13') and 'agent_list' not in known_keys('2.0')  # SSH installer removed
    assert 'security' not in known_keys('1.13') and 'security' in known_keys('1.13', enterprise=True)


# (version, config, substring expected in one of the errors)
ERRORS = [
    ('1.13.0', base(cluster_name=None), 'cluster_name is required'),
    ('1.13.0', base(bootstrap_url='http://x/'), 'bootstrap_url must not end with /'),
    ('1.13.0', base(master_discovery='dns'), 'master_discovery must be one of'),
    ('1.13.0', base(master_list=['10.0.1.10', '10.0.1.11']), 'got 2'),
    ('1.13.0', base(master_list=['master1']), 'IP addresses'),
    ('1.13.0', base(master_list='["10.0.1.1", "10.0.1.1", "10.0.1.2"]'), 'duplicates'),
    ('1.13.0', base(num_masters=3), 'num_masters is calculated'),
    ('1.13.0', base(master_discovery='master_http_loadbalancer', master_list=None), 'exhibitor_address is required'),
    ('1.13.0', base(master_discovery='master_http_loadbalancer', exhibitor_address='lb', num_masters=3),
     'static works only with master_discovery static'),
    ('1.13.0', base(exhibitor_storage_backend='zookeeper'), 'exhibitor_zk_hosts is required'),
    ('1.13.0', base(exhibitor_storage_backend='zookeeper', exhibitor_zk_hosts='zk://a:2181', exhibitor_zk_path='/x'),
     'without zk://'),
    ('1.13.0', base(exhibitor_storage_backend='zookeeper', exhibitor_zk_hosts='a:2181', exhibitor_zk_path='x'),
     'must start with /'),
    ('1.13.0', base(exhibitor_storage_backend='aws_s3', aws_region='r', s3_bucket='b', s3_prefix='p/'),
     's3_prefix must not end with /'),
    ('1.13.0', base(exhibitor_storage_backend='aws_s3', aws_region='r', s3_bucket='b', s3_prefix='p',
                    exhibitor_explicit_keys='true'), 'aws_secret_access_key is required'),
    ('1.13.0', base(exhibitor_storage_backend='azure'), 'exhibitor_azure_account_key is required'),
    ('1.13.0', base(exhibitor_storage_backend='nfs'), 'exhibitor_storage_backend must be one of'),
    ('1.13.0', base(resolvers=['8.8.8.8', '198.51.100.1']), 'reserved'),
    ('1.13.0', base(resolvers=['dns.google']), 'IP addresses'),
    ('1.13.0', base(resolvers=['8.8.8.8', '8.8.8.8']), 'duplicates'),
    ('1.13.0', base(dns_search='a.com,b.com'), 'space-separated'),
    ('1.13.0', base(dns_search='a b c d e f g'), 'at most 6'),
    ('1.13.0', base(oauth_enabled='yes'), "oauth_enabled must be 'true' or 'false'"),
    ('1.13.0', base(mesos_agent_work_dir='var/lib/mesos'), 'absolute path'),
    # keys DC/OS would silently ignore
    ('1.13.0', base(rexray={'rexray': {}}), 'did you mean rexray_config?'),
    ('1.13.0', base(cluster_nmae='x'), 'did you mean cluster_name?'),
    ('2.0.0', base(agent_list=['10.0.2.1']), 'exists in DC/OS 1.7 to 1.13'),
    ('1.9.0', base(calico_enabled='true'), 'exists in DC/OS 2.1 to 2.2'),
    ('1.13.0', base(dcos_version='1.13.0'), 'is calculated by DC/OS'),
    ('1.13.0', base(security='strict'), 'unknown key security'),
    # REX-Ray keys by version
    ('1.8.0', base(rexray_config=OPS), 'rexray_config is a DC/OS 1.8.2+ key'),
    ('1.7', base(rexray_config_method='file'), 'rexray_config_filename is required'),
    ('1.8.1', base(rexray_config_method='custom'), 'rexray_config_method must be one of'),
    ('1.8.2', base(rexray_config_method='file', rexray_config_filename='genconf/r.yaml'),
     'rexray_config_method was replaced in DC/OS 1.8.2'),
    ('1.13.0', base(rexray_config=OPS, rexray_config_preset='aws'), 'mutually exclusive'),
    ('1.13.0', base(rexray_config_preset='gce'), "rexray_config_preset must be '' or 'aws'"),
    ('1.13.0', base(rexray_config='rexray: {}'), 'must be a mapping'),
    ('1.13.0', base(rexray_config={'libstorage': {'integration': {'volume': {'unmount': {'ignoreusedcount': True}}}}}),
     'lacks the "operations" level'),
    ('1.9.0', base(rexray_config=OPS), 'libStorage (REX-Ray 0.4+) key; 0.3.x ignores it'),
    ('1.10.0', base(rexray_config={'rexray': {'volume': {'unmount': {'ignoreusedcount': True}}}}),
     'use libstorage.integration.volume.operations.unmount.ignoreusedcount'),
]


@pytest.mark.parametrize('version, config, message', ERRORS)
def test_errors(version, config, message):
    with pytest.raises(GenconfError) as caught:
        validate_config(config, version)
    assert any(message in e for e in caught.value.errors), caught.value.errors


@pytest.mark.parametrize('version, config', [
    ('1.13.9', base()),
    ('1.13.9', base(rexray_config=OPS, resolvers=['10.0.0.2:53'], oauth_enabled=False, dns_search='a.com b.com')),
    ('1.13.9', base(rexray_config_preset='aws')),
    ('1.13.9', base(master_discovery='master_http_loadbalancer', exhibitor_address='lb', num_masters='3',
                    master_list=None, exhibitor_storage_backend='zookeeper', exhibitor_zk_hosts='a:2181,b:2181',
                    exhibitor_zk_path='/dcos')),
    ('1.9.0', base(rexray_config={'rexray': {'loglevel': 'info', 'storageDrivers': ['ec2'],
                                             'volume': {'unmount': {'ignoreusedcount': True}}}})),
    ('1.8.0', base(rexray_config_method='file', rexray_config_filename='genconf/rexray.yaml')),
    ('1.7', base(rexray_config_method='aws')),
    ('2.2.1', base(calico_enabled=True, mesos_agent_work_dir='/var/lib/mesos/slave')),
    ('1.12.0', base(master_list='["10.0.1.10"]')),  # the installer's JSON-string form
])
def test_accepts(version, config):
    validate_config(config, version)


def test_enterprise_and_extra_keys():
    validate_config(base(security='strict', superuser_username='admin'), '1.13.0', enterprise=True)
    validate_config(base(my_custom_key='x'), '1.13.0', extra_keys=['my_custom_key'])


def test_warnings():
    _bucket, warnings = validate_config(base(resolvers=['1.1.1.1', '8.8.8.8', '8.8.4.4', '9.9.9.9'],
                                             rexray_config={'aws': {'region': 'us-east-1'}}), '1.13.0')
    assert any('at most 3' in w for w in warnings)
    assert any('prefer ebs.region' in w for w in warnings)


def test_every_error_reported_at_once():
    with pytest.raises(GenconfError) as caught:
        validate_config({'rexray': {}, 'bootstrap_url': 'x/'}, '1.13.0')
    assert len(caught.value.errors) >= 5


@pytest.mark.parametrize('value, text', [(True, 'true'), (False, 'false'), (['a'], '["a"]'), ({'a': 1}, '{"a": 1}'),
                                         (3, '3'), (None, ''), ('x', 'x')])
def test_stringify(value, text):
    assert stringify(value) == text


def test_masked_and_ordered():
    config = {'s3_bucket': 'b', 'aws_secret_access_key': 'S', 'cluster_name': 'c',
              'rexray_config': {'ebs': {'secretKey': 'K', 'region': 'r'}}}
    shown = masked(config, {'aws_secret_access_key'})
    assert shown['aws_secret_access_key'] == '********'
    assert shown['rexray_config'] == {'ebs': {'secretKey': '********', 'region': 'r'}}
    assert config['rexray_config']['ebs']['secretKey'] == 'K'
    assert list(ordered(config)) == ['cluster_name', 'aws_secret_access_key', 'rexray_config', 's3_bucket']
