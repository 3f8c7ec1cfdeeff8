# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one secret detector: common variable names, passwords inside URLs, masking, restoring and no_log values."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._secrets import (
    MASK, MASK_CHANGED, flag_changed_secrets, is_secret_key, mask_secrets, mask_url_passwords, restore_masked,
    secret_values, url_passwords,
)


@pytest.mark.parametrize('name', [
    'PGPASSWORD', 'MYSQL_PWD', 'MYSQL_ROOT_PASSWORD', 'REDIS_PWD', 'dbPwd', 'POSTGRES_PASSWORD', 'DBPASSWD',
    'MONGO_INITDB_ROOT_PASSWORD', 'rootPassword', 'PASSWORD', 'ldap.bindPassword', 'KEYSTORE_PASSPHRASE',
    'license_key_contents', 'exhibitor_azure_account_key', 'aws_secret_access_key', 'cluster_docker_credentials',
    'superuser_password_hash', 'accessKey', 'secretKey',
])
def test_common_secret_variable_names(name):
    assert is_secret_key(name)


@pytest.mark.parametrize('name', ['PWD', 'OLDPWD', 'pwd', 'bypass', 'compass', 'PASSENGER_APP_ENV', 'KEY_COUNT',
                                  'AWS_ACCESS_KEY_ID', 'DATABASE_URL', 'monkey'])
def test_names_that_are_not_secrets(name):
    assert not is_secret_key(name)


@pytest.mark.parametrize('text, masked, passwords', [
    ('postgres://u:p4ss@db/x', 'postgres://u:%s@db/x' % MASK, ['p4ss']),
    ('mysql://root:s3cr%40t@db:3306/app?ssl=1', 'mysql://root:%s@db:3306/app?ssl=1' % MASK, ['s3cr%40t']),
    ('redis://:onlypass@cache:6379/0', 'redis://:%s@cache:6379/0' % MASK, ['onlypass']),
    ('a=http://x:1@h b=https://y:2@k', 'a=http://x:%s@h b=https://y:%s@k' % (MASK, MASK), ['1', '2']),
    ('http://user@host/path', 'http://user@host/path', []),  # no password
    ('http://host:8080/path', 'http://host:8080/path', []),  # a port, not a password
    ('mailto me at a:b@c', 'mailto me at a:b@c', []),  # not a URL
    ('user:pass@host', 'user:pass@host', []),
])
def test_url_passwords_in_any_value(text, masked, passwords):
    assert mask_url_passwords(text) == masked
    assert url_passwords(text) == passwords


def test_mask_secrets_hides_names_and_url_passwords_anywhere():
    app = {'env': {'PGPASSWORD': 'pg-secret', 'MYSQL_PWD': 'my-secret', 'DATABASE_URL': 'postgres://u:p4ss@db/x',
                   'MODE': 'prod', 'PWD': '/srv', 'REF': {'secret': 'dbpass'}},
           'cmd': 'psql postgres://admin:cmd-secret@db/x', 'args': None,
           'fetch': [{'uri': 'https://fetch:fetch-secret@repo/x.tgz'}]}
    masked = mask_secrets(app)
    assert masked['env'] == {'PGPASSWORD': MASK, 'MYSQL_PWD': MASK, 'DATABASE_URL': 'postgres://u:%s@db/x' % MASK,
                             'MODE': 'prod', 'PWD': '/srv', 'REF': {'secret': 'dbpass'}}
    assert masked['cmd'] == 'psql postgres://admin:%s@db/x' % MASK
    assert masked['fetch'] == [{'uri': 'https://fetch:%s@repo/x.tgz' % MASK}]
    assert mask_secrets(masked) == masked
    assert secret_values(app) == {'pg-secret', 'my-secret', 'p4ss', 'cmd-secret', 'fetch-secret'}


def test_secret_values_whole_takes_every_scalar_below_a_secret_key():
    config = {'cluster_docker_credentials': {'auths': {'https://index.docker.io/v1/': {'auth': 'dXNlcjpwYXNz'}}}}
    assert secret_values(config) == set()
    assert secret_values(config, whole=True) == {'dXNlcjpwYXNz'}


def test_a_changed_url_password_shows_as_changed():
    before = {'DATABASE_URL': 'postgres://u:old-pass@db/x', 'PGPASSWORD': 'old'}
    after = {'DATABASE_URL': 'postgres://u:new-pass@db/x', 'PGPASSWORD': 'new'}
    shown = mask_secrets(after)
    flag_changed_secrets(before, after, shown)
    assert shown == {'DATABASE_URL': 'postgres://u:%s@db/x (changed)' % MASK, 'PGPASSWORD': MASK_CHANGED}


def test_a_masked_url_fed_back_keeps_the_current_password():
    current = {'env': {'DATABASE_URL': 'postgres://u:p4ss@db/x'}}
    fed_back = mask_secrets(current)
    assert restore_masked(fed_back, current) == (current, [])
    # another host: the masked URL no longer matches the current one, and there is no password to keep
    other = {'env': {'DATABASE_URL': 'postgres://u:%s@other/x' % MASK}}
    assert restore_masked(other, current) == (other, ['/env/DATABASE_URL'])
