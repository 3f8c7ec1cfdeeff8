# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rexray role's argument spec, validated as Ansible validates a role's variables (ArgumentSpecValidator)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

ROLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'roles', 'rexray')


def load(*parts):
    with open(os.path.join(ROLE, *parts)) as handle:
        return yaml.safe_load(handle)


def validate(**overrides):
    spec = load('meta', 'argument_specs.yml')['argument_specs']['main']['options']
    for option in spec.values():  # documentation keys are not part of the validator's spec
        option.pop('description', None)
    variables = dict(load('defaults', 'main.yml'), **overrides)
    return ArgumentSpecValidator(spec).validate(variables)


@pytest.mark.parametrize('name', ['rexray_mount_preempt', 'rexray_unmount_ignore_used_count', 'rexray_remove_disable',
                                  'rexray_log_level', 'rexray_service'])
def test_null_leaves_an_option_out_and_is_accepted(name):
    """The tasks pass omit for null; the spec must accept null, which it does only for options without a default."""
    result = validate(**{name: None})
    assert not result.error_messages, result.error_messages


def test_role_defaults_validate():
    assert not validate().error_messages


def test_defaults_file_and_spec_agree_on_the_recommended_values():
    defaults = load('defaults', 'main.yml')
    assert defaults['rexray_mount_preempt'] is True and defaults['rexray_unmount_ignore_used_count'] is True
    assert defaults['rexray_service'] is None  # unset: ebs unless rexray_extra_config chooses the driver
