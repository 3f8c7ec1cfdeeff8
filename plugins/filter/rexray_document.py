# -*- coding: utf-8 -*-
# Copyright: dcos.stateful contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: rexray_document
short_description: Build and validate a REX-Ray configuration document on the controller
version_added: 0.1.0
author:
  - dcos.stateful maintainers (@dcos-stateful)
description:
  - Builds the same document as the M(dcos.stateful.rexray_config) module from the same settings, with the same
    validation (unknown and misplaced keys are errors naming the right key), but on the controller and without
    masking, so it can be embedded as C(rexray_config) in a DC/OS C(config.yaml), credentials included.
  - Legacy aliases libStorage still maps are accepted with a warning.
options:
  _input:
    description:
      - The settings, with the option names of M(dcos.stateful.rexray_config) (C(service), C(region),
        C(access_key), C(secret_key), C(mount_preempt), C(unmount_ignore_used_count), C(remove_disable),
        C(volume_size), C(volume_type), C(log_level), C(extra_config), C(unchecked_keys)). C(service) defaults
        to V(ebs) unless C(extra_config) chooses the driver itself.
    type: dict
    required: true
  rexray_version:
    description: REX-Ray version; 0.3.x gives the 0.3 format, 0.4 and later the libStorage format.
    type: str
    default: 0.11.4
'''

EXAMPLES = r'''
- name: Embed REX-Ray settings for DC/OS 1.13 (REX-Ray 0.11.4) into config.yaml
  ansible.builtin.set_fact:
    genconf_rexray: "{{ {'region': 'us-east-1', 'unmount_ignore_used_count': true} | dcos.stateful.rexray_document('0.11.4') }}"
'''

RETURN = r'''
_value:
  description: The REX-Ray configuration document.
  type: dict
'''

from ansible.errors import AnsibleFilterError
from ansible.utils.display import Display

from ansible_collections.dcos.stateful.plugins.module_utils._rexray.catalogue import format_for_version
from ansible_collections.dcos.stateful.plugins.module_utils._rexray.document import (
    RexrayConfigError, build_document, with_defaults,
)

SETTINGS = ('service', 'region', 'access_key', 'secret_key', 'mount_preempt', 'unmount_ignore_used_count',
            'remove_disable', 'volume_size', 'volume_type', 'log_level')
EXTRAS = ('extra_config', 'unchecked_keys')

display = Display()


def rexray_document(settings, rexray_version='0.11.4'):
    if not isinstance(settings, dict):
        raise AnsibleFilterError('rexray_document expects a mapping of settings, got %s' % type(settings).__name__)
    unknown = sorted(set(settings) - set(SETTINGS) - set(EXTRAS))
    if unknown:
        raise AnsibleFilterError('rexray_document: unknown settings %s; known: %s'
                                 % (', '.join(unknown), ', '.join(SETTINGS + EXTRAS)))
    try:
        fmt = format_for_version(rexray_version)
    except ValueError as exc:
        raise AnsibleFilterError('rexray_document: %s' % exc)
    # as in the module: an unset service is ebs unless extra_config chooses the driver itself
    given = with_defaults(dict((name, settings.get(name)) for name in SETTINGS), settings.get('extra_config') or {})
    if (given['access_key'] is None) != (given['secret_key'] is None):
        raise AnsibleFilterError('rexray_document: access_key and secret_key go together')
    try:
        document, warnings = build_document(fmt, given, settings.get('extra_config') or {},
                                            settings.get('unchecked_keys') or [])
    except RexrayConfigError as exc:
        raise AnsibleFilterError('invalid REX-Ray %s configuration: %s' % (fmt, exc))
    for warning in warnings:
        display.warning(warning)
    return document


class FilterModule(object):
    def filters(self):
        return {'rexray_document': rexray_document}
