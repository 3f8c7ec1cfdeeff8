# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""``src`` of marathon_app and marathon_group: a definition read from a JSON or YAML file on the managed node."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import traceback

from ansible.module_utils.basic import missing_required_lib

from ansible_collections.dcos.stateful.plugins.module_utils._failure import ModuleFailure


def import_yaml():
    """PyYAML, imported only for a YAML src (it is slow to load and unload); (module or None, traceback)."""
    try:
        import yaml
    except ImportError:  # only needed for YAML files given in src
        return None, traceback.format_exc()
    return yaml, None


def read_definition_file(path):
    """The parsed content of ``path``: JSON first (Marathon's own format, no library needed), else YAML.

    Fails (ModuleFailure) naming the file: missing, unreadable, not UTF-8, invalid JSON for a ``.json`` name,
    neither JSON nor YAML, or YAML without PyYAML on the managed node."""
    if not os.path.isfile(path):
        raise ModuleFailure("src '%s' does not exist or is not a file" % path)
    try:
        with open(path, 'rb') as f:
            text = f.read().decode('utf-8')
    except (IOError, OSError, UnicodeDecodeError) as e:
        raise ModuleFailure("Cannot read src '%s': %s" % (path, e))
    try:
        return json.loads(text)
    except ValueError as json_error:
        if path.endswith('.json'):
            raise ModuleFailure("src '%s' is not valid JSON: %s" % (path, json_error))
    yaml, import_error = import_yaml()
    if yaml is None:
        raise ModuleFailure(missing_required_lib('PyYAML (for YAML files in src)'), exception=import_error)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise ModuleFailure("src '%s' is neither valid JSON nor valid YAML: %s" % (path, e))
