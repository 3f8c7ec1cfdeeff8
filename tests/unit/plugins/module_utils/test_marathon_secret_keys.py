# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which key names hide their values: judged by word parts, not substrings ("monkey" has no key)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.app_runner import secret_values
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import (
    MASK, is_secret_key, mask_secrets, name_parts,
)


@pytest.mark.parametrize('name, secret', [
    # secrets, in every spelling
    ('API_KEY', True),
    ('api-key', True),
    ('apiKey', True),
    ('APIKey', True),
    ('apikey', True),
    ('aws_secret_access_key', True),
    ('AWS_SECRET_ACCESS_KEY', True),
    ('dbPassword', True),
    ('DB_PASSWORD', True),
    ('mysql.passwd', True),
    ('DB_PASS', True),
    ('SSL_KEY_PASSPHRASE', True),
    ('secretName', True),
    ('SECRET', True),
    ('api_token', True),
    ('X-Auth-Token', True),
    ('ssh-key', True),
    ('privateKey', True),
    ('PRIVATEKEY', True),
    ('encryption.key', True),
    ('credentials', True),
    ('gcpCredential', True),
    # not secrets: "key" inside another word, "key" as the field name of a {key, value} pair, key not last
    ('monkey', False),
    ('MONKEY_BUSINESS', False),
    ('keyboard_layout', False),
    ('KEYCLOAK_ENABLED', False),
    ('key', False),
    ('Key', False),
    ('value', False),
    ('KEY_COUNT', False),
    ('hotkeys_enabled', False),
    ('turnkey', False),
    ('tokenizer_model', False),
    ('secretary', False),
    ('bypass', False),
    ('compass', False),
    ('PWD', False),  # a working directory, not a password
    ('AWS_ACCESS_KEY_ID', False),  # an id, not the secret
    ('', False),
    (None, False),
    (3, False),
])
def test_is_secret_key(name, secret):
    assert is_secret_key(name) is secret


@pytest.mark.parametrize('name, parts', [
    ('dbPassword', ['db', 'password']),
    ('API_KEY', ['api', 'key']),
    ('APIKey', ['api', 'key']),
    ('aws_secret-access.key', ['aws', 'secret', 'access', 'key']),
    ('monkey', ['monkey']),
])
def test_name_parts(name, parts):
    assert name_parts(name) == parts


DOCKER_PARAMS = [{'key': 'log-driver', 'value': 'journald'}, {'key': 'hostname', 'value': 'db1'}]


@pytest.mark.parametrize('value, expected', [
    # docker parameters: the literal "key" field keeps its value (it names a docker option, it hides nothing)
    ({'container': {'docker': {'parameters': DOCKER_PARAMS}}}, {'container': {'docker': {'parameters': DOCKER_PARAMS}}}),
    ({'labels': {'monkey': 'banana-bread', 'keyboard_layout': 'de-latin1'}},
     {'labels': {'monkey': 'banana-bread', 'keyboard_layout': 'de-latin1'}}),
    ({'env': {'API_KEY': 'k-123456', 'aws_secret_access_key': 'aws-s3cr3t', 'dbPassword': 'pw-123456', 'HOME': '/h'}},
     {'env': {'API_KEY': MASK, 'aws_secret_access_key': MASK, 'dbPassword': MASK, 'HOME': '/h'}}),
])
def test_mask_secrets_by_word_parts(value, expected):
    assert mask_secrets(value) == expected


@pytest.mark.parametrize('definition, values', [
    ({'container': {'docker': {'parameters': DOCKER_PARAMS}}}, set()),
    ({'labels': {'monkey': 'banana-bread'}}, set()),
    ({'env': {'API_KEY': 'k-123456', 'dbPassword': 'pw-123456'}}, {'k-123456', 'pw-123456'}),
])
def test_secret_values_by_word_parts(definition, values):
    assert secret_values(definition) == values
