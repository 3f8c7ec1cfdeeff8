# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.dcos.stateful.plugins.module_utils._yaml import to_yaml


@pytest.mark.parametrize('value, text', [
    ('ebs', 'ebs'),
    ('tcp://127.0.0.1:7979', 'tcp://127.0.0.1:7979'),
    ('/var/lib/rexray', '/var/lib/rexray'),
    ('5m', '"5m"'),          # starts with a digit
    ('10.0.0.1', '"10.0.0.1"'),
    ('yes', '"yes"'),        # a YAML 1.1 boolean
    ('Off', '"Off"'),
    ('null', '"null"'),
    ('', '""'),
    ('a b', '"a b"'),
    ('A\n', '"A\\u000a"'),  # a trailing newline must survive (found by the round-trip test)
    ('key:', '"key:"'),
    ('#x', '"#x"'),
    (True, 'true'),
    (16, '16'),
    (None, 'null'),
])
def test_scalars(value, text):
    assert to_yaml({'k': value}) == 'k: %s\n' % text


def test_block_layout():
    document = {'rexray': {'storageDrivers': ['ec2'], 'modules': {'default-admin': {'host': 'tcp://127.0.0.1:61003'}}},
                'efs': {'securityGroups': []}, 'x': [{'a': 1, 'b': [2]}, {}]}
    assert to_yaml(document, header='Managed\n\nby us') == (
        '# Managed\n#\n# by us\n'
        'rexray:\n'
        '  storageDrivers:\n'
        '    - ec2\n'
        '  modules:\n'
        '    default-admin:\n'
        '      host: tcp://127.0.0.1:61003\n'
        'efs:\n'
        '  securityGroups: []\n'
        'x:\n'
        '  - a: 1\n'
        '    b:\n'
        '      - 2\n'
        '  - {}\n'
    )


SCALARS = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2 ** 40, max_value=2 ** 40),
                    st.text(max_size=20))
KEYS = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2fff), min_size=1, max_size=12)


def _containers(inner):
    return st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4))


DOCUMENTS = st.recursive(SCALARS, _containers, max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, DOCUMENTS, min_size=1, max_size=5))
def test_round_trips_through_a_yaml_reader(document):
    # PyYAML is a YAML 1.1 reader, like the DC/OS installer and close to REX-Ray's go-yaml v2.
    assert yaml.safe_load(to_yaml(document)) == document
