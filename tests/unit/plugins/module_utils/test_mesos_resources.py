# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._mesos.resources import (
    build_reserved_disk,
    build_volume,
    canonical,
    describe_resource,
    dict_to_labels,
    disk_source,
    labels_to_dict,
    reservation_key,
    reservation_stack,
    resource_role,
    scalar,
    strip_volume,
    summarize,
)

LABELS = {'labels': [{'key': 'owner', 'value': 'ops'}]}

PRE = {'name': 'disk', 'type': 'SCALAR', 'scalar': {'value': 512}, 'role': 'ads',
       'reservation': {'principal': 'ops', 'labels': LABELS}}
POST = {'name': 'disk', 'type': 'SCALAR', 'scalar': {'value': 512},
        'reservations': [{'type': 'DYNAMIC', 'role': 'ads', 'principal': 'ops', 'labels': LABELS}]}
ENDPOINT = dict(PRE, reservations=POST['reservations'])
STATIC = {'name': 'cpus', 'type': 'SCALAR', 'scalar': {'value': 2}, 'role': 'ads'}
UNRESERVED = {'name': 'disk', 'type': 'SCALAR', 'scalar': {'value': 100}, 'role': '*'}
REFINED = {'name': 'disk', 'type': 'SCALAR', 'scalar': {'value': 1},
           'reservations': [{'type': 'STATIC', 'role': 'eng'},
                            {'type': 'DYNAMIC', 'role': 'eng/web', 'principal': 'p'}]}
NO_ROLE = {'name': 'mem', 'type': 'SCALAR', 'scalar': {'value': 1}}


@pytest.mark.parametrize('resource, expected', [
    (PRE, [{'type': 'DYNAMIC', 'role': 'ads', 'principal': 'ops', 'labels': {'owner': 'ops'}}]),
    (POST, [{'type': 'DYNAMIC', 'role': 'ads', 'principal': 'ops', 'labels': {'owner': 'ops'}}]),
    (ENDPOINT, [{'type': 'DYNAMIC', 'role': 'ads', 'principal': 'ops', 'labels': {'owner': 'ops'}}]),
    (STATIC, [{'type': 'STATIC', 'role': 'ads', 'principal': None, 'labels': {}}]),
    (UNRESERVED, []),
    (NO_ROLE, []),
    (REFINED, [{'type': 'STATIC', 'role': 'eng', 'principal': None, 'labels': {}},
               {'type': 'DYNAMIC', 'role': 'eng/web', 'principal': 'p', 'labels': {}}]),
])
def test_reservation_stack_reads_both_formats(resource, expected):
    assert reservation_stack(resource) == expected


@pytest.mark.parametrize('resource, role', [
    (PRE, 'ads'), (POST, 'ads'), (UNRESERVED, '*'), (NO_ROLE, '*'), (REFINED, 'eng/web'),
])
def test_resource_role(resource, role):
    assert resource_role(resource) == role


def test_same_reservation_in_every_format_has_one_key():
    assert reservation_key(PRE) == reservation_key(POST) == reservation_key(ENDPOINT)


@pytest.mark.parametrize('other', [
    dict(PRE, reservation={'principal': 'ops'}),                   # labels differ
    dict(PRE, reservation={'principal': 'x', 'labels': LABELS}),   # principal differs
    dict(PRE, role='web'),                                         # role differs
    dict(PRE, disk={'source': {'type': 'MOUNT', 'mount': {'root': '/mnt/d1'}}}),  # other disk
])
def test_different_reservations_have_different_keys(other):
    assert reservation_key(other) != reservation_key(PRE)


@pytest.mark.parametrize('labels, expected', [
    (None, {}),
    ({'labels': []}, {}),
    ({'labels': [{'key': 'a', 'value': '1'}, {'key': 'b'}]}, {'a': '1', 'b': ''}),
    ([{'key': 'a', 'value': '1'}], {'a': '1'}),
])
def test_labels_to_dict(labels, expected):
    assert labels_to_dict(labels) == expected


def test_dict_to_labels_is_sorted_and_round_trips():
    assert dict_to_labels({'b': '2', 'a': '1'}) == {'labels': [{'key': 'a', 'value': '1'},
                                                               {'key': 'b', 'value': '2'}]}
    assert labels_to_dict(dict_to_labels({'b': '2', 'a': '1'})) == {'a': '1', 'b': '2'}


@pytest.mark.parametrize('value, expected', [(512, 512.0), (0.1 + 0.2, 0.3), (None, 0.0), ('64', 64.0)])
def test_scalar_is_fixed_point(value, expected):
    assert scalar({'scalar': {'value': value}}) == expected


def test_strip_volume_keeps_reservation_and_source_exactly():
    volume = dict(ENDPOINT, shared={}, disk={
        'persistence': {'id': 'v1', 'principal': 'ops'},
        'volume': {'container_path': 'data', 'mode': 'RW'},
        'source': {'type': 'PATH', 'path': {'root': '/mnt/p'}},
    })
    stripped = strip_volume(volume)
    assert stripped == dict(ENDPOINT, disk={'source': {'type': 'PATH', 'path': {'root': '/mnt/p'}}})
    assert 'persistence' in volume['disk']  # the listing itself is untouched


def test_strip_volume_of_root_disk_drops_disk_info():
    volume = dict(PRE, disk={'persistence': {'id': 'v1'}, 'volume': {'container_path': 'd', 'mode': 'RW'}})
    assert strip_volume(volume) == PRE


@pytest.mark.parametrize('source, expected', [
    (None, None),
    ({'type': 'MOUNT', 'root': '/mnt/d1'}, {'type': 'MOUNT', 'mount': {'root': '/mnt/d1'}}),
    ({'type': 'PATH', 'root': '/mnt/p'}, {'type': 'PATH', 'path': {'root': '/mnt/p'}}),
])
def test_build_volume_shapes(source, expected):
    volume = build_volume(512, 'ads', 'v1', 'data', principal='ops', labels={'owner': 'ops'}, source=source)
    assert volume['role'] == 'ads'
    assert volume['reservation'] == {'principal': 'ops', 'labels': LABELS}
    assert volume['disk']['persistence'] == {'id': 'v1', 'principal': 'ops'}
    assert volume['disk']['volume'] == {'container_path': 'data', 'mode': 'RW'}
    assert volume['disk'].get('source') == expected
    assert disk_source(volume) == source


def test_reserved_disk_without_principal_or_labels_has_empty_reservation():
    assert build_reserved_disk(10, 'r') == {'name': 'disk', 'type': 'SCALAR', 'scalar': {'value': 10},
                                            'role': 'r', 'reservation': {}}
    assert reservation_stack(build_reserved_disk(10, 'r'))[0]['type'] == 'DYNAMIC'


def test_canonical_ignores_key_order():
    assert canonical({'a': 1, 'b': [1, {'y': 1, 'x': 2}]}) == canonical({'b': [1, {'x': 2, 'y': 1}], 'a': 1})


def test_summarize_sums_scalars_and_lists_ranges():
    ports = {'name': 'ports', 'type': 'RANGES', 'ranges': {'range': [{'begin': 31000, 'end': 31005}]}}
    assert summarize([PRE, POST, STATIC, ports]) == {'disk': 1024.0, 'cpus': 2.0, 'ports': ['31000-31005']}


def test_describe_resource():
    volume = build_volume(512, 'ads', 'v1', 'data', principal='ops', labels={'owner': 'ops'})
    assert describe_resource(volume) == 'disk(ads, ops){owner=ops}:512[v1:data]'
    assert describe_resource(UNRESERVED) == 'disk(*):100'
