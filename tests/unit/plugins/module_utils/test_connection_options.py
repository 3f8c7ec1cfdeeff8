# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Option precedence as a table: explicit option vs environment variable, empty variables, alternatives of one
service, and conflicts (only between explicit options, named with their variables)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._connection import (
    ENVIRONMENT, MARATHON_GROUP, MESOS_GROUP, MESOS_MARATHON_GROUP, OptionError, resolve)

MARATHON_OPTIONS = ('marathon_url', 'marathon_username', 'marathon_password', 'dcos_token', 'dcos_url',
                    'dcos_service_account', 'dcos_private_key', 'validate_certs', 'ca_path')
MESOS_OPTIONS = ('mesos_url', 'mesos_principal', 'mesos_secret', 'dcos_token', 'dcos_url', 'dcos_service_account',
                 'dcos_private_key', 'validate_certs', 'ca_path', 'marathon_url', 'marathon_username',
                 'marathon_password', 'marathon_token')
WIPE_OPTIONS = MARATHON_OPTIONS + ('mesos_url', 'mesos_principal', 'mesos_secret')

KINDS = {
    'marathon': (MARATHON_OPTIONS, (MARATHON_GROUP,)),
    'mesos': (MESOS_OPTIONS, (MESOS_GROUP, MESOS_MARATHON_GROUP)),
    'wipe': (WIPE_OPTIONS, (MARATHON_GROUP, MESOS_GROUP)),
}


def resolved(kind, explicit, environ):
    options, groups = KINDS[kind]
    params = dict((o, None) for o in options)
    params.update(explicit)
    secrets = resolve(params, groups, environ=environ)
    return dict((k, v) for k, v in params.items() if v is not None), secrets


PRECEDENCE = [
    # (kind, explicit options, environment, expected options after resolution)
    ('marathon', {}, {'MARATHON_URL': 'http://env:8080'}, {'marathon_url': 'http://env:8080'}),
    ('marathon', {'marathon_url': 'http://opt:8080'}, {'MARATHON_URL': 'http://env:8080'},
     {'marathon_url': 'http://opt:8080'}),
    # an empty variable counts as unset (AWX sets every variable of a credential)
    ('marathon', {}, {'MARATHON_URL': '', 'DCOS_TOKEN': '', 'MARATHON_USERNAME': 'u', 'MARATHON_PASSWORD': 'p'},
     {'marathon_username': 'u', 'marathon_password': 'p'}),
    # an empty option counts as unset too (module_defaults from an empty lookup)
    ('marathon', {'dcos_token': ''}, {'DCOS_TOKEN': 'tok-env'}, {'dcos_token': 'tok-env'}),
    # an explicit credential wins over another service credential in the environment: no conflict
    ('marathon', {'marathon_username': 'u', 'marathon_password': 'p'}, {'DCOS_TOKEN': 'tok-env'},
     {'marathon_username': 'u', 'marathon_password': 'p'}),
    ('marathon', {'dcos_token': 'tok-opt'}, {'MARATHON_USERNAME': 'u', 'MARATHON_PASSWORD': 'p'},
     {'dcos_token': 'tok-opt'}),
    ('marathon', {'dcos_token': 'tok-opt'}, {'DCOS_SERVICE_ACCOUNT': 'sa', 'DCOS_PRIVATE_KEY': 'pem'},
     {'dcos_token': 'tok-opt'}),
    # the environment completes the alternative chosen explicitly
    ('marathon', {'marathon_username': 'u'}, {'MARATHON_PASSWORD': 'p', 'DCOS_TOKEN': 'tok-env'},
     {'marathon_username': 'u', 'marathon_password': 'p'}),
    ('marathon', {'dcos_service_account': 'sa'}, {'DCOS_PRIVATE_KEY': 'pem', 'DCOS_TOKEN': 'tok-env'},
     {'dcos_service_account': 'sa', 'dcos_private_key': 'pem'}),
    # several in the environment only: service account, then token, then basic auth
    ('marathon', {}, {'DCOS_TOKEN': 'tok-env', 'MARATHON_USERNAME': 'u', 'MARATHON_PASSWORD': 'p'},
     {'dcos_token': 'tok-env'}),
    ('marathon', {}, {'DCOS_TOKEN': 'tok-env', 'DCOS_SERVICE_ACCOUNT': 'sa', 'DCOS_PRIVATE_KEY': 'pem'},
     {'dcos_service_account': 'sa', 'dcos_private_key': 'pem'}),
    # TLS and the cluster root
    ('marathon', {}, {'DCOS_VALIDATE_CERTS': 'false', 'DCOS_CA_PATH': '/etc/ca.pem', 'DCOS_URL': 'https://c'},
     {'validate_certs': False, 'ca_path': '/etc/ca.pem', 'dcos_url': 'https://c'}),
    ('marathon', {'validate_certs': True}, {'DCOS_VALIDATE_CERTS': 'no'}, {'validate_certs': True}),
    ('marathon', {'validate_certs': False}, {'DCOS_VALIDATE_CERTS': 'yes'}, {'validate_certs': False}),
    # Mesos modules: every variable, Mesos and Marathon sides chosen apart
    ('mesos', {}, {'MESOS_URL': 'http://m:5050', 'MESOS_PRINCIPAL': 'ops', 'MESOS_SECRET': 's'},
     {'mesos_url': 'http://m:5050', 'mesos_principal': 'ops', 'mesos_secret': 's'}),
    ('mesos', {'mesos_principal': 'ops', 'mesos_secret': 's'}, {'DCOS_TOKEN': 'tok-env'},
     {'mesos_principal': 'ops', 'mesos_secret': 's', 'marathon_token': 'tok-env'}),
    ('mesos', {'marathon_username': 'u', 'marathon_password': 'p'}, {'DCOS_TOKEN': 'tok-env'},
     {'marathon_username': 'u', 'marathon_password': 'p', 'dcos_token': 'tok-env'}),
    # marathon_task_wipe: MESOS_URL and the Mesos credentials too
    ('wipe', {'marathon_username': 'u', 'marathon_password': 'p'},
     {'MESOS_URL': 'http://m:5050', 'DCOS_TOKEN': 'tok-env', 'MESOS_PRINCIPAL': 'ops', 'MESOS_SECRET': 's'},
     {'marathon_username': 'u', 'marathon_password': 'p', 'mesos_url': 'http://m:5050', 'dcos_token': 'tok-env'}),
    ('wipe', {'mesos_principal': 'ops'}, {'MESOS_SECRET': 's', 'DCOS_TOKEN': 'tok-env'},
     {'mesos_principal': 'ops', 'mesos_secret': 's', 'dcos_token': 'tok-env'}),
]


@pytest.mark.parametrize('kind, explicit, environ, expected', PRECEDENCE)
def test_precedence(kind, explicit, environ, expected):
    assert resolved(kind, explicit, environ)[0] == expected


def test_secrets_read_from_the_environment_are_returned_for_no_log():
    _params, secrets = resolved('wipe', {}, {'MARATHON_USERNAME': 'u', 'MARATHON_PASSWORD': 'pw-env',
                                             'MESOS_PRINCIPAL': 'ops', 'MESOS_SECRET': 'sec-env'})
    assert secrets == {'pw-env', 'sec-env'}
    _params, secrets = resolved('marathon', {}, {'DCOS_SERVICE_ACCOUNT': 'sa', 'DCOS_PRIVATE_KEY': 'pem-env'})
    assert secrets == {'pem-env'}


CONFLICTS = [
    ('marathon', {'dcos_token': 't', 'marathon_username': 'u', 'marathon_password': 'p'}, {},
     ['dcos_token|marathon_username', 'DCOS_TOKEN', 'MARATHON_USERNAME', 'Marathon']),
    ('marathon', {'dcos_token': 't', 'dcos_service_account': 'sa', 'dcos_private_key': 'k'}, {},
     ['dcos_service_account|dcos_token', 'DCOS_SERVICE_ACCOUNT', 'DCOS_TOKEN']),
    ('wipe', {'dcos_token': 't', 'mesos_principal': 'ops', 'mesos_secret': 's'}, {},
     ['dcos_token|mesos_principal', 'DCOS_TOKEN', 'MESOS_PRINCIPAL', 'Mesos']),
    ('mesos', {'marathon_token': 't', 'marathon_username': 'u', 'marathon_password': 'p'}, {},
     ['marathon_token|marathon_username']),
    # a pair missing its second half names both the option and the variable
    ('marathon', {'marathon_username': 'u'}, {'DCOS_TOKEN': 'tok'},
     ['marathon_username (MARATHON_USERNAME) needs marathon_password (MARATHON_PASSWORD)']),
    ('marathon', {}, {'DCOS_SERVICE_ACCOUNT': 'sa', 'DCOS_PRIVATE_KEY': ''},
     ['dcos_service_account (DCOS_SERVICE_ACCOUNT) needs dcos_private_key (DCOS_PRIVATE_KEY)']),
    ('marathon', {}, {'DCOS_VALIDATE_CERTS': 'maybe'}, ["DCOS_VALIDATE_CERTS='maybe' is not a boolean"]),
]


@pytest.mark.parametrize('kind, explicit, environ, words', CONFLICTS)
def test_conflicts_and_gaps_name_options_and_variables(kind, explicit, environ, words):
    with pytest.raises(OptionError) as caught:
        resolved(kind, explicit, environ)
    for word in words:
        assert word in str(caught.value)


def test_every_variable_of_the_issue_is_read():
    assert sorted(set(ENVIRONMENT.values())) == sorted([
        'MARATHON_URL', 'MARATHON_USERNAME', 'MARATHON_PASSWORD', 'DCOS_TOKEN', 'MESOS_URL', 'MESOS_PRINCIPAL',
        'MESOS_SECRET', 'DCOS_SERVICE_ACCOUNT', 'DCOS_PRIVATE_KEY', 'DCOS_CA_PATH', 'DCOS_VALIDATE_CERTS',
        'DCOS_URL'])
