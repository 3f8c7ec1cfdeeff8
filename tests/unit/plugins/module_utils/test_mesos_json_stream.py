# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._mesos.json_stream import iter_object

SLAVES = {
    'slaves': [
        {'id': 'S%d' % i, 'hostname': u'h\u00e9st-%d' % i, 'port': 5051, 'ratio': 0.125 * i, 'big': 10 ** 12 + i,
         'reserved_resources_full': {'r': [{'name': 'disk', 'scalar': {'value': 12345.5}, 'labels': [True, None]}]}}
        for i in range(25)
    ],
    'recovered_slaves': [{'id': 'R1'}],
}


def members(document, chunk, **dumps):
    return list(iter_object(io.BytesIO(json.dumps(document, **dumps).encode('utf-8')).read, 'slaves', chunk=chunk))


@pytest.mark.parametrize('chunk', [1, 2, 3, 7, 64, 1000, 1 << 20])
@pytest.mark.parametrize('dumps', [{}, {'indent': 2}, {'separators': (',', ':')}, {'ensure_ascii': False}])
def test_yields_each_agent_equal_to_a_full_parse(chunk, dumps):
    got = members(SLAVES, chunk, **dumps)
    assert [value for key, value in got if key == 'slaves'] == SLAVES['slaves']
    assert ('recovered_slaves', [{'id': 'R1'}]) in got
    assert len(got) == 26


@pytest.mark.parametrize('document, expected', [
    ({}, []),
    ({'slaves': []}, []),
    ({'slaves': [], 'recovered_slaves': []}, [('recovered_slaves', [])]),
    ({'other': {'slaves': [1]}, 'slaves': [{'a': 1}]}, [('other', {'slaves': [1]}), ('slaves', {'a': 1})]),
    ({'slaves': 'not a list'}, [('slaves', 'not a list')]),
])
def test_shapes(document, expected):
    assert members(document, 3) == expected


@pytest.mark.parametrize('text', [
    b'', b'[]', b'{"slaves": [{"id": 1}', b'{"slaves": [{"id": 1},]}', b'{"slaves": [] x', b'{"a" 1}',
    b'{"slaves": []} trailing', b'{1: 2}',
])
def test_malformed_json_raises_value_error(text):
    with pytest.raises(ValueError):
        list(iter_object(io.BytesIO(text).read, 'slaves', chunk=4))


def test_numbers_split_across_chunks_are_whole():
    text = b'{"slaves": [123456789, 0.000001, -5e10]}'
    for chunk in range(1, len(text) + 1):
        assert [v for k, v in iter_object(io.BytesIO(text).read, 'slaves', chunk=chunk)] == [123456789, 1e-06, -5e10]


try:
    from hypothesis import given, settings, strategies as st
except ImportError:  # pragma: no cover - hypothesis is in requirements-dev.txt
    given = None

if given is not None:
    _scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
                         st.floats(allow_nan=False, allow_infinity=False))

    def _containers(inner):
        return st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4))

    _values = st.recursive(_scalars, _containers, max_leaves=20)

    @settings(max_examples=200, deadline=None)
    @given(agents=st.lists(_values, max_size=6), other=st.dictionaries(st.text(max_size=5), _values, max_size=3),
           chunk=st.integers(min_value=1, max_value=40), indent=st.sampled_from([None, 1]))
    def test_any_document_streams_like_a_full_parse(agents, other, chunk, indent):
        other.pop('slaves', None)
        document = dict(other)
        document['slaves'] = agents
        text = json.dumps(document, indent=indent).encode('utf-8')
        got = list(iter_object(io.BytesIO(text).read, 'slaves', chunk=chunk))
        assert [v for k, v in got if k == 'slaves'] == agents
        assert dict((k, v) for k, v in got if k != 'slaves') == other
