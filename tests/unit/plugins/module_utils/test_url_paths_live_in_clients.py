# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Marathon and Mesos URL paths are written only in the API clients (issue 10).

A module or helper that needs another API uses its client (``MarathonApi``, ``MesosMasterApi``, ``MesosAgentApi``)
instead of writing its paths. Checked on the code: string literals that are URL paths; docstrings, comments and the
DOCUMENTATION/EXAMPLES/RETURN strings may mention paths.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ast
import re
from pathlib import Path

import pytest

PLUGINS = Path(__file__).resolve().parents[4] / 'plugins'
# The API clients: Marathon, the Mesos master and agents, the DC/OS IAM login.
CLIENT_FILES = frozenset(['module_utils/_marathon/api.py', 'module_utils/_mesos/api.py', 'module_utils/_dcos_login.py'])
DOC_STRINGS = frozenset(['DOCUMENTATION', 'EXAMPLES', 'RETURN'])
# A literal that is (or starts) a path of Marathon (/v2/...), the Mesos master (/master/..., /api/v1), DC/OS IAM
# (/acs/...) or a Mesos agent (/state).
URL_PATH = re.compile(r'^/(v2/|v2$|master/|api/v1|acs/|state($|[/?]))')


def _docstring_nodes(tree):
    """The Constant nodes that are docstrings or DOCUMENTATION/EXAMPLES/RETURN values."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                skip.add(id(first.value))
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id in DOC_STRINGS for t in node.targets):
            skip.add(id(node.value))
    return skip


def url_paths_in_code(source):
    """(line, literal) of every string literal in code that is a Marathon/Mesos URL path."""
    tree = ast.parse(source)
    skip = _docstring_nodes(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if URL_PATH.match(node.value):
                found.append((node.lineno, node.value))
    return sorted(found)


def plugin_files():
    return sorted(str(p.relative_to(PLUGINS)) for d in ('modules', 'module_utils') for p in (PLUGINS / d).rglob('*.py'))


@pytest.mark.parametrize('source, expected', [
    ("x = client.get_json('/v2/deployments')", [(1, '/v2/deployments')]),
    ("PATH = '/master/reserve'", [(1, '/master/reserve')]),
    ("u = base + '/state'", [(1, '/state')]),
    ("u = '/api/v1/operator'", [(1, '/api/v1/operator')]),
    ("u = '/acs/api/v1/auth/login'", [(1, '/acs/api/v1/auth/login')]),
    ("u = '/v2/apps' + suffix", [(1, '/v2/apps')]),
    ('"""Reads GET /v2/apps and /master/slaves."""', []),
    ("DOCUMENTATION = '''\n/v2/apps\n'''", []),
    ("def f():\n    '''/master/slaves'''\n    return 'Reading /master/slaves failed'", []),
    ("x = '/statement'", []),
])
def test_the_detector(source, expected):
    assert url_paths_in_code(source) == expected


def test_the_clients_are_where_the_paths_are():
    # the check below is not vacuous: the clients do hold the paths, and they are found
    for name in CLIENT_FILES:
        assert url_paths_in_code((PLUGINS / name).read_text(encoding='utf-8')), name


@pytest.mark.parametrize('name', plugin_files())
def test_no_url_path_outside_the_api_clients(name):
    if name in CLIENT_FILES:
        pytest.skip('an API client')
    found = url_paths_in_code((PLUGINS / name).read_text(encoding='utf-8'))
    assert not found, '%s writes URL paths %s; use MarathonApi / MesosMasterApi / MesosAgentApi' % (name, found)
