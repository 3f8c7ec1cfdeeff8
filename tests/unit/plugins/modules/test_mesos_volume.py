# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._mesos.volume_runner import plan_params, role_error, validate

BASE = {'role': 'ops', 'persistence_id': 'v1', 'container_path': 'data', 'size': 512, 'labels': None,
        'mesos_principal': 'ops', 'reservation_principal': None, 'disk_source': None, 'state': 'present',
        'keep_reservation': False, 'wait_timeout': 30, 'retries': 1}


def with_(**kw):
    params = dict(BASE)
    params.update(kw)
    return params


@pytest.mark.parametrize('change, field', [
    ({'role': '*'}, 'role'),
    ({'role': ''}, 'role'),
    ({'persistence_id': 'a/b'}, 'persistence_id'),
    ({'persistence_id': 'a b'}, 'persistence_id'),
    ({'persistence_id': '..'}, 'persistence_id'),
    ({'persistence_id': 'a\\b'}, 'persistence_id'),
    ({'container_path': None}, 'container_path'),
    ({'size': None}, 'size'),
    ({'size': 0}, 'size'),
    ({'size': -5, 'state': 'absent'}, 'size'),
    ({'wait_timeout': -1}, 'wait_timeout'),
    ({'retries': -1}, 'retries'),
    ({'labels': {'n': 1}}, 'labels'),
])
def test_validate_names_the_field(change, field):
    errors = validate(with_(**change))
    assert len(errors) == 1
    assert errors[0].startswith(field + ':')


@pytest.mark.parametrize('change', [
    {},
    {'state': 'absent', 'container_path': None, 'size': None},
    {'persistence_id': 'db_pg#data#5e4c5b2a-1b2c-11ee-9a9a-0242ac110002'},  # Marathon's ids are valid
    {'labels': {'owner': 'me'}},
])
def test_validate_accepts(change):
    assert validate(with_(**change)) == []


@pytest.mark.parametrize('change, principal', [
    ({}, 'ops'),
    ({'reservation_principal': 'res'}, 'res'),
    ({'mesos_principal': None}, None),
])
def test_reservation_principal_defaults_to_the_operator_principal(change, principal):
    params = plan_params(with_(**change))
    assert params['principal'] == principal
    assert params['reservation_principal'] == change.get('reservation_principal')


@pytest.mark.parametrize('role, words', [
    ('ops', None),
    ('eng/backend', None),
    ('slave_public', None),
    ('a.b-c', None),
    ('-ops', 'starts with a dash'),
    ('eng/-x', 'starts with a dash'),
    ('eng/../x', "cannot include '..'"),
    ('eng/./x', "cannot include '.'"),
    ('eng/*', "cannot include '*'"),
    ('/eng', 'slash'),
    ('eng/', 'slash'),
    ('eng//x', 'two adjacent slashes'),
    ('my role', 'whitespace'),
    ('tab\there', 'whitespace'),
])
def test_role_error_follows_mesos_role_rules(role, words):
    error = role_error(role)
    if words is None:
        assert error is None
    else:
        assert words in error


@pytest.mark.parametrize('path', ['/data', 'var/data', '/', 'data/', '.', '..', ' '])
def test_container_path_must_be_a_non_nested_relative_path(path):
    errors = validate(with_(container_path=path))
    assert len(errors) == 1
    assert errors[0].startswith('container_path:')


def test_container_path_is_not_judged_on_absent():
    # absent only compares it with the existing volume
    assert validate(with_(state='absent', container_path='var/data')) == []


@pytest.mark.parametrize('change, field', [
    ({'persistence_id': None}, 'persistence_id'),
    ({'reservation': 'absent', 'persistence_id': None, 'state': 'absent'}, 'labels'),
    ({'reservation': 'absent', 'labels': {}, 'state': 'present'}, 'reservation'),
    ({'reservation': 'absent', 'labels': {}, 'state': 'absent', 'keep_reservation': True}, 'keep_reservation'),
])
def test_reservation_option_rules(change, field):
    errors = validate(with_(**change))
    assert [e.split(':')[0] for e in errors] == [field]


def test_reservation_absent_needs_no_persistence_id():
    assert validate(with_(reservation='absent', persistence_id=None, labels={}, state='absent',
                          container_path=None, size=None)) == []
