# -*- coding: utf-8 -*-
# Copyright: dcos.stateful contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE: internal to dcos.stateful; no compatibility guarantees.
"""A small, deterministic block-style YAML writer for configuration documents.

Modules may not rely on PyYAML on the target, and the same input must give the
same bytes on every host (idempotence), so we write YAML ourselves. Strings that
a YAML 1.1 reader (go-yaml v2 in REX-Ray, PyYAML in the DC/OS installer) could
take for anything else are written double-quoted, in JSON syntax, which is valid
YAML.

Why no library: this runs on the managed node (rexray_config, dcos_genconf, the diff of _files.py), where
PyYAML may be missing; on the controller the collection uses PyYAML (the ``rexray_document`` filter returns data,
which Ansible's ``to_nice_yaml`` renders with PyYAML), and reading YAML uses PyYAML wherever it is installed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

_PLAIN = re.compile(r'[A-Za-z_/][A-Za-z0-9_./@:+-]*')
# Words YAML 1.1 resolves to booleans or null.
_SPECIAL = frozenset(('y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null'))


def _scalar(value):
    if value is None:
        return 'null'
    if value is True:
        return 'true'
    if value is False:
        return 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return json.dumps(value)
    text = value if isinstance(value, str) else str(value)
    if _PLAIN.fullmatch(text) and not text.endswith(':') and text.lower() not in _SPECIAL:
        return text
    return _quote(text)


def _quote(text):
    """Double-quoted YAML scalar; anything outside printable ASCII is escaped."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append('\\' + char)
        elif 0x20 <= code < 0x7f:
            out.append(char)
        elif code > 0xffff:
            out.append('\\U%08x' % code)  # YAML's escape for characters beyond the BMP
        else:
            out.append('\\u%04x' % code)
    out.append('"')
    return ''.join(out)


def _key(key):
    return _scalar(str(key))


def _emit(value, indent, lines):
    pad = '  ' * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                lines.append('%s%s:' % (pad, _key(key)))
                _emit(item, indent + 1, lines)
            else:
                lines.append('%s%s: %s' % (pad, _key(key), _inline(item)))
    else:
        for item in value:
            if isinstance(item, dict) and item:
                sub = []
                _emit(item, indent + 1, sub)
                # the first key goes on the dash line
                lines.append('%s- %s' % (pad, sub[0].lstrip()))
                lines.extend(sub[1:])
            elif isinstance(item, list) and item:
                sub = []
                _emit(item, indent + 1, sub)
                lines.append('%s- %s' % (pad, sub[0].lstrip()))
                lines.extend(sub[1:])
            else:
                lines.append('%s- %s' % (pad, _inline(item)))


def _inline(value):
    if isinstance(value, dict):
        return '{}'
    if isinstance(value, list):
        return '[]'
    return _scalar(value)


def to_yaml(document, header=None):
    """Render a mapping as block YAML text ending with a newline."""
    lines = []
    if header:
        lines.extend('# ' + line if line else '#' for line in header.splitlines())
    if isinstance(document, (dict, list)) and document:
        _emit(document, 0, lines)
    else:
        lines.append(_inline(document))
    return '\n'.join(lines) + '\n'
