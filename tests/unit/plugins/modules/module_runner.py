# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run a module's main() in-process with given arguments and return its JSON result."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
from unittest import mock

import pytest
from ansible.module_utils import _internal as module_internal
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args


def run_main(module, capsys, check_mode=False, diff=False, **args):
    """Run ``module.main()`` with ``args``; returns (exit code, result)."""
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    # AnsibleModule keeps warnings in a process-wide registry; start each run clean. Once any controller
    # code is imported (a filter plugin test in the same process), warnings go to Display instead of the
    # result unless we say that this is module (target) code.
    module_warnings._global_warnings.clear()
    with patch_module_args(args), mock.patch.object(module_internal, 'is_controller', False):
        with pytest.raises(SystemExit) as exit_info:
            module.main()
    return exit_info.value.code, json.loads(capsys.readouterr().out)


def run_module(module, capsys, check_mode=False, diff=False, **args):
    """Run ``module.main()`` with ``args``; returns its result."""
    return run_main(module, capsys, check_mode=check_mode, diff=diff, **args)[1]
