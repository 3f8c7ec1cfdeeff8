# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property: random bad options and app definitions end in `failed` with a message, never a traceback.

The modules run in-process (AnsibleModule with patched args). Inputs that pass validation reach a
closed port and must fail with a connection message, which is also a clear failure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible.module_utils.testing import patch_module_args

from ansible_collections.dcos.stateful.plugins.modules import marathon_app, marathon_app_info, marathon_task_wipe

CLOSED = 'http://127.0.0.1:9'  # discard port: nothing listens
CONN = {'marathon_url': CLOSED, 'retries': 0, 'timeout': 1}

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False),
                    st.text(max_size=6))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                            st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                           max_leaves=8)
APP_KEYS = ['id', 'cmd', 'args', 'cpus', 'mem', 'disk', 'instances', 'env', 'labels', 'constraints', 'container',
            'upgradeStrategy', 'unreachableStrategy', 'residency', 'healthChecks', 'portDefinitions',
            'acceptedResourceRoles', 'role', 'requirePorts', 'networks']
persistent = st.fixed_dictionaries({}, optional={
    'size': st.one_of(st.integers(-3, 3), json_values), 'type': st.sampled_from(['root', 'path', 'mount', 'x']),
    'maxSize': st.integers(-3, 20), 'constraints': json_values, 'profileName': st.text(max_size=3)})
external = st.fixed_dictionaries({}, optional={
    'name': st.text(max_size=4), 'provider': st.sampled_from(['dvdi', 'csi', '']), 'size': st.integers(-1, 3),
    'options': st.dictionaries(st.sampled_from(['dvdi/driver', 'dvdi/iops', 'bad key']), scalars, max_size=2)})
volume = st.fixed_dictionaries({}, optional={
    'containerPath': st.sampled_from(['data', '', '.', 'a/b', '/abs']), 'mode': st.sampled_from(['RW', 'RO', 'rw']),
    'persistent': persistent, 'external': external, 'hostPath': st.text(max_size=4)})
container = st.fixed_dictionaries({}, optional={
    'type': st.sampled_from(['MESOS', 'DOCKER', 'OTHER']), 'volumes': st.lists(volume, max_size=3),
    'docker': st.fixed_dictionaries({}, optional={'image': st.text(max_size=4)})})
definitions = st.one_of(
    st.dictionaries(st.sampled_from(APP_KEYS), json_values, max_size=6),
    st.fixed_dictionaries({'id': st.sampled_from(['/pv', 'pv', '/Bad', '', '/a/../b'])}, optional={
        'cmd': st.text(max_size=5), 'container': container, 'instances': st.integers(-2, 3),
        'upgradeStrategy': st.dictionaries(st.sampled_from(['minimumHealthCapacity', 'maximumOverCapacity']),
                                           st.floats(-1, 2), max_size=2),
        'unreachableStrategy': st.one_of(st.just('disabled'), json_values)}),
)
option_values = st.one_of(json_values, st.integers(-10, 10), st.text(max_size=5))


def run(module, args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    out = capsys.readouterr().out
    result = json.loads(out)
    return exit_info.value.code, result


def assert_clear_failure(code, result):
    assert code == 1, result
    assert result.get('failed') is True
    assert isinstance(result.get('msg'), str) and result['msg']
    assert 'exception' not in result or 'Traceback' not in result.get('exception', ''), result
    assert 'Traceback' not in result['msg']


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(definition=definitions, state=st.sampled_from(['present', 'absent', 'restarted']))
def test_marathon_app_random_definitions_fail_clearly(definition, state, capsys):
    code, result = run(marathon_app, dict(CONN, definition=definition, state=state), capsys)
    assert_clear_failure(code, result)


@SETTINGS
@given(apps=st.lists(st.one_of(definitions, json_values), min_size=1, max_size=3),
       state=st.sampled_from(['present', 'absent', 'restarted']),
       extra=st.dictionaries(st.sampled_from(['stable_seconds', 'wait_timeout', 'force', 'id', 'instances']),
                             option_values, max_size=2))
def test_marathon_app_random_app_lists_fail_clearly(apps, state, extra, capsys):
    """The many-apps form (apps): any list of random items fails with a message; a list that passes the checks
    reaches the closed port and fails with the connection message."""
    args = dict(CONN, apps=apps, state=state)
    args.update(extra)
    code, result = run(marathon_app, args, capsys)
    assert_clear_failure(code, result)


@SETTINGS
@given(extra=st.dictionaries(st.sampled_from(['id', 'instances', 'wait_timeout', 'state', 'force', 'wait', 'src',
                                              'remove_volumes', 'timeout', 'retries', 'marathon_url']),
                             option_values, min_size=1, max_size=4))
def test_marathon_app_random_option_values_fail_clearly(extra, capsys):
    args = dict(CONN)
    args.update(extra)
    code, result = run(marathon_app, args, capsys)
    assert_clear_failure(code, result)


@SETTINGS
@given(extra=st.dictionaries(st.sampled_from(['app_id', 'task_ids', 'host', 'suspended', 'wipe_running', 'mesos_url',
                                              'wait_timeout']), option_values, max_size=4))
def test_marathon_task_wipe_random_options_fail_clearly(extra, capsys):
    args = dict(CONN)
    args.update(extra)
    code, result = run(marathon_task_wipe, args, capsys)
    assert_clear_failure(code, result)


@SETTINGS
@given(extra=st.dictionaries(st.sampled_from(['id', 'id_contains', 'label', 'validate_certs', 'ca_path']),
                             option_values, max_size=3))
def test_marathon_app_info_random_options_fail_clearly(extra, capsys):
    args = dict(CONN)
    args.update(extra)
    code, result = run(marathon_app_info, args, capsys)
    assert_clear_failure(code, result)
