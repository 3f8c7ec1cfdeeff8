# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every shared argument spec and the doc fragment paired with it list the same options with the same type,
default, aliases, choices and elements; the connection options name their environment variable in the text, and
the secrets among them are no_log. (validate-modules checks each module against its documentation; this checks the
pairs themselves, so a module using only part of a pair cannot hide a drift.)

The fragments are loaded by the name modules give in ``extends_documentation_fragment``, through ansible-core's own
loader (in a child process, so that its collection finder stays out of this one): ``dcos.stateful.mesos.marathon``
would load the fragment ``dcos.stateful.marathon``, not the ``MARATHON`` attribute of ``dcos.stateful.mesos``."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

from ansible_collections.dcos.stateful.plugins.doc_fragments import mesos
from ansible_collections.dcos.stateful.plugins.module_utils._connection import ENVIRONMENT, SECRETS
from ansible_collections.dcos.stateful.plugins.module_utils._ext_volumes.spec import AWS_ARGSPEC, REXRAY_ARGSPEC
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.module import MARATHON_ARGSPEC
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.module import (
    MESOS_COMMON_ARGS, MESOS_MARATHON_ARGS, mesos_argument_spec,
)

# (fragment name as modules write it, the spec, options resolved from the environment by _connection)
PAIRS = [
    ('dcos.stateful.marathon', MARATHON_ARGSPEC, True),
    ('dcos.stateful.mesos', MESOS_COMMON_ARGS, True),
    ('dcos.stateful.mesos.marathon_options', MESOS_MARATHON_ARGS, True),
    ('dcos.stateful.aws', AWS_ARGSPEC, False),
    ('dcos.stateful.aws.rexray', REXRAY_ARGSPEC, False),
]
IDS = [p[0] for p in PAIRS]
# the collections root: <root>/ansible_collections/dcos/stateful/plugins/doc_fragments/mesos.py
COLLECTIONS = os.path.abspath(os.path.join(os.path.dirname(mesos.__file__), *['..'] * 5))
LOAD = '''
import json, sys
from ansible.plugins.loader import fragment_loader, init_plugin_loader
from ansible.utils.plugin_docs import add_fragments
init_plugin_loader()
out = {}
for name in sys.argv[1:]:
    doc = {'extends_documentation_fragment': [name], 'options': {}}
    add_fragments(doc, '/module-of-the-test.py', fragment_loader=fragment_loader)
    out[name] = doc['options']
print(json.dumps(out))
'''


@pytest.fixture(scope='module')
def loaded():
    """{fragment name: its options as ansible-doc and validate-modules load them}"""
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS)
    out = subprocess.check_output([sys.executable, '-c', LOAD] + IDS, env=env, cwd=COLLECTIONS)
    return json.loads(out)


def as_documented(spec_option):
    """An argument spec entry as its documentation must read (type str and required false are the defaults)."""
    out = {'type': spec_option.get('type', 'str'), 'required': spec_option.get('required', False)}
    for key in ('default', 'aliases', 'choices', 'elements'):
        if spec_option.get(key) is not None:
            out[key] = spec_option[key]
    return out


def as_written(doc_option):
    out = {'type': doc_option.get('type', 'str'), 'required': doc_option.get('required', False)}
    for key in ('default', 'aliases', 'choices', 'elements'):
        if doc_option.get(key) is not None:
            out[key] = doc_option[key]
    return out


def text_of(doc_option):
    description = doc_option['description']
    return ' '.join(description) if isinstance(description, list) else description


@pytest.mark.parametrize('name, spec, from_environment', PAIRS, ids=IDS)
def test_the_fragment_lists_the_options_of_its_spec(loaded, name, spec, from_environment):
    assert sorted(loaded[name]) == sorted(spec), name


@pytest.mark.parametrize('name, spec, from_environment', PAIRS, ids=IDS)
def test_each_option_has_the_same_type_default_and_aliases(loaded, name, spec, from_environment):
    doc = loaded[name]
    for option in sorted(spec):
        assert as_written(doc[option]) == as_documented(spec[option]), '%s: %s' % (name, option)


@pytest.mark.parametrize('name, spec, from_environment', PAIRS, ids=IDS)
def test_each_option_names_its_environment_variables(loaded, name, spec, from_environment):
    doc = loaded[name]
    for option in sorted(spec):
        if from_environment:
            variables = [ENVIRONMENT[option]] if option in ENVIRONMENT else []
        else:
            fallback = spec[option].get('fallback')
            variables = list(fallback[1]) if fallback else []
        for variable in variables:
            assert 'E(%s)' % variable in text_of(doc[option]), '%s: %s' % (name, option)


@pytest.mark.parametrize('name, spec', [p[:2] for p in PAIRS if p[2]], ids=[p[0] for p in PAIRS if p[2]])
def test_connection_secrets_are_no_log_and_read_from_the_environment_by_connection(name, spec):
    for option, entry in sorted(spec.items()):
        assert bool(entry.get('no_log')) == (option in SECRETS), '%s: %s' % (name, option)
        # _connection.resolve() reads the environment once the explicit options are known: no fallback here
        assert 'fallback' not in entry, '%s: %s' % (name, option)


def test_the_mesos_modules_get_the_marathon_options_only_when_they_ask():
    assert not set(MESOS_MARATHON_ARGS) & set(mesos_argument_spec({}))
    with_marathon = mesos_argument_spec({'size': {'type': 'int'}}, marathon=True)
    assert set(with_marathon) == set(MESOS_COMMON_ARGS) | set(MESOS_MARATHON_ARGS) | {'size'}
    assert with_marathon['marathon_token'] == {'type': 'str', 'no_log': True}
    with_marathon['marathon_token']['no_log'] = False
    assert MESOS_MARATHON_ARGS['marathon_token']['no_log'] is True  # a copy: no module changes the shared spec
