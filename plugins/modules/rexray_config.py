#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dcos.stateful contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: rexray_config
short_description: Build, validate and write a REX-Ray configuration file
version_added: 0.1.0
description:
  - Builds the REX-Ray configuration for the REX-Ray version in use, from structured options for the common
    settings plus a pass-through mapping for the rest.
  - Knows both formats. REX-Ray 0.3.x (DC/OS 1.8 and 1.9) uses C(rexray.storageDrivers), C(rexray.volume.*)
    and C(aws.*). REX-Ray 0.4 and later with libStorage (DC/OS 1.10 to 2.2 ship 0.9.0 and 0.11.x) uses
    C(libstorage.service), C(libstorage.integration.volume.operations.*) and C(ebs.*).
  - Rejects unknown keys and keys REX-Ray would silently ignore, naming the key to use instead, for example
    C(libstorage.integration.volume.mount.preempt), which lacks the C(operations) level. Keys are compared
    case-insensitively, as REX-Ray does.
  - Writes O(dest) atomically, with mode C(0600) when the document holds credentials and C(0644) otherwise,
    unless O(mode) is given (a warning says so when that mode lets others read credentials).
  - Without O(dest) it only returns the document, for example to embed it as C(rexray_config) in a DC/OS
    C(config.yaml).
  - Credentials are never shown; they are masked in the diff and in the returned document. The previous file is
    parsed (JSON, or YAML of any style, which needs PyYAML on the target) and masked before it is shown in the
    diff; a previous file that cannot be parsed is not shown.
author:
  - dcos.stateful maintainers (@dcos-stateful)
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Computes the document and the diff, writes nothing.
  diff_mode:
    support: full
    description: Shows the file before and after, with credentials masked.
  platform:
    support: full
    platforms: posix
    description: Runs on the host that gets the file.
options:
  rexray_version:
    description:
      - Version of REX-Ray that reads the file; selects the format. C(0.3.x) gives the 0.3 format, anything
        from C(0.4) on the libStorage format.
      - DC/OS ships 0.3.3 in 1.8 and 1.9, 0.9.0 in 1.10 and 1.11, 0.11.2 in 1.12 and 0.11.4 in 1.13 to 2.2.
    type: str
    default: 0.11.4
  dest:
    description:
      - File to write, usually C(/etc/rexray/config.yml).
      - When omitted nothing is written and the module only returns the document.
      - The directory must exist.
    type: path
  backup:
    description: Keep a timestamped copy of the previous file when it changes.
    type: bool
    default: false
  service:
    description:
      - Storage service (driver). With the 0.3 format it becomes C(rexray.storageDrivers), where the EBS driver
        is called C(ec2); with libStorage it becomes C(libstorage.service). V(ebs) and V(ec2) are accepted as
        synonyms in both.
      - When unset, V(ebs) is used unless O(extra_config) chooses the driver itself (C(rexray.storageDrivers) or
        C(libstorage.service)), so a complete REX-Ray document can be given as O(extra_config) as it is.
    type: str
  region:
    description:
      - AWS region of the volumes, C(aws.region) (0.3) or C(ebs.region) / C(efs.region) (libStorage).
    type: str
  access_key:
    description:
      - AWS access key id. Leave unset to use the instance profile (the recommended way on EC2).
    type: str
  secret_key:
    description:
      - AWS secret access key, together with O(access_key).
    type: str
  mount_preempt:
    description:
      - Let a mount take a volume from the instance that still holds it (C(mount.preempt)); recommended with
        Mesos, as a rescheduled task otherwise waits for a detach that may never come.
    type: bool
  unmount_ignore_used_count:
    description:
      - Unmount even when REX-Ray counts other users (C(unmount.ignoreusedcount)); recommended with the Mesos
        containerizer, which counts references itself.
    type: bool
  remove_disable:
    description:
      - Refuse volume removal through REX-Ray (C(remove.disable)); recommended with Mesos and Docker 1.9.1 or
        older.
    type: bool
  volume_size:
    description:
      - Default size in GiB of volumes created implicitly (C(docker.size) or C(create.default.size)).
    type: int
  volume_type:
    description:
      - Default EBS volume type of new volumes, for example V(gp2) (C(docker.volumeType) or
        C(create.default.type)).
    type: str
  log_level:
    description: REX-Ray log level, C(rexray.logLevel).
    type: str
    choices: [panic, fatal, error, warn, info, debug]
  extra_config:
    description:
      - Any other settings, as a nested mapping or with dotted keys (C(libstorage.server.tasks.logTimeout)).
        Every key is checked against the format's catalogue; a key also set, to another value, by a structured
        option is an error. Options left unset never conflict with it.
      - libStorage legacy aliases (C(aws.*), C(docker.size), root C(volume.*)) are accepted with a warning.
    type: dict
    default: {}
  unchecked_keys:
    description:
      - Dotted keys or key prefixes accepted without validation, for drivers or settings the catalogue does
        not know.
    type: list
    elements: str
    default: []
notes:
  - On DC/OS the C(dcos-rexray) unit copies C(/opt/mesosphere/etc/rexray.conf) over C(/etc/rexray/config.yml)
    each time it starts; configure REX-Ray there through C(rexray_config) in C(config.yaml) (see the
    M(dcos.stateful.dcos_genconf) module) rather than by editing the file on the agents.
seealso:
  - module: dcos.stateful.dcos_genconf
  - module: dcos.stateful.rexray_iam_policy
'''

EXAMPLES = r'''
- name: REX-Ray 0.11 on EBS with the instance profile, tuned for Mesos
  dcos.stateful.rexray_config:
    dest: /etc/rexray/config.yml
    rexray_version: 0.11.4
    region: us-east-1
    mount_preempt: true
    unmount_ignore_used_count: true
    volume_size: 16
    volume_type: gp2
    log_level: info
    extra_config:
      libstorage.server.tasks.logTimeout: 5m

- name: REX-Ray 0.3.3 (DC/OS 1.8 and 1.9) with explicit credentials
  dcos.stateful.rexray_config:
    dest: /etc/rexray/config.yml
    rexray_version: 0.3.3
    region: eu-west-1
    access_key: "{{ vault_rexray_access_key }}"
    secret_key: "{{ vault_rexray_secret_key }}"
    remove_disable: true

- name: Only render the document, to embed it in config.yaml
  dcos.stateful.rexray_config:
    rexray_version: 0.11.4
    unmount_ignore_used_count: true
  register: rexray
'''

RETURN = r'''
config:
  description: The configuration document, credentials masked.
  returned: always
  type: dict
  sample: {"libstorage": {"service": "ebs"}, "ebs": {"region": "us-east-1"}}
content:
  description: The YAML text written (or that would be written), credentials masked.
  returned: always
  type: str
  sample: "libstorage:\n  service: ebs\n"
format:
  description: The configuration format used, V(0.3) or V(libstorage).
  returned: always
  type: str
  sample: libstorage
has_credentials:
  description: Whether the document holds credentials (the file is then written with mode C(0600)).
  returned: always
  type: bool
  sample: false
dest:
  description: The file written, when O(dest) was given.
  returned: when dest is set
  type: str
  sample: /etc/rexray/config.yml
backup_file:
  description: The backup copy of the previous file.
  returned: when backup is true and the file changed
  type: str
  sample: /etc/rexray/config.yml.12345.2026-01-01@00:00:00~
'''

import re

from ansible_collections.dcos.stateful.plugins.module_utils._rexray.catalogue import LOG_LEVELS, format_for_version
from ansible_collections.dcos.stateful.plugins.module_utils._rexray.document import (
    RexrayConfigError,
    build_document,
    document_secrets,
    has_secrets,
    mask_document,
    with_defaults,
)
from ansible_collections.dcos.stateful.plugins.module_utils._files import ensure_file, masked_previous, parse_document
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import SecretAwareModule
from ansible_collections.dcos.stateful.plugins.module_utils._yaml import to_yaml

HEADER = 'Managed by Ansible (dcos.stateful.rexray_config); local edits are overwritten.'

SETTING_OPTIONS = ('service', 'region', 'access_key', 'secret_key', 'mount_preempt', 'unmount_ignore_used_count',
                   'remove_disable', 'volume_size', 'volume_type', 'log_level')


def argument_spec():
    return dict(
        rexray_version=dict(type='str', default='0.11.4'),
        dest=dict(type='path'),
        backup=dict(type='bool', default=False),
        service=dict(type='str'),
        region=dict(type='str'),
        access_key=dict(type='str', no_log=True),
        secret_key=dict(type='str', no_log=True),
        mount_preempt=dict(type='bool'),
        unmount_ignore_used_count=dict(type='bool'),
        remove_disable=dict(type='bool'),
        volume_size=dict(type='int'),
        volume_type=dict(type='str'),
        log_level=dict(type='str', choices=list(LOG_LEVELS)),
        extra_config=dict(type='dict', default={}),
        unchecked_keys=dict(type='list', elements='str', default=[], no_log=False),
    )


def readable_by_others(mode):
    """True for an octal mode (string or number) that grants group or other access."""
    if mode is None:
        return False
    if isinstance(mode, int):
        return bool(mode & 0o077)
    text = str(mode)
    if re.match(r'^0?[0-7]{3,4}$', text):
        return bool(int(text, 8) & 0o077)
    return 'g' in text or 'o' in text or 'a' in text


def main():
    module = SecretAwareModule(
        # Credentials given through extra_config are as secret as the no_log options, from the first moment.
        scanned=['extra_config'],
        argument_spec=argument_spec(),
        required_together=[('access_key', 'secret_key')],
        add_file_common_args=True,
        supports_check_mode=True,
    )
    params = module.params
    module.no_log_values.update(document_secrets(params['extra_config']))
    try:
        fmt = format_for_version(params['rexray_version'])
    except ValueError as exc:
        module.fail_json(msg='rexray_version: %s' % exc)
    if params['volume_size'] is not None and params['volume_size'] < 1:
        module.fail_json(msg='volume_size must be at least 1 (GiB), got %d' % params['volume_size'])

    # an option left unset yields to extra_config: its default applies only where extra_config is silent
    settings = with_defaults(dict((name, params[name]) for name in SETTING_OPTIONS), params['extra_config'])
    try:
        document, warnings = build_document(fmt, settings, params['extra_config'], params['unchecked_keys'])
    except RexrayConfigError as exc:
        module.fail_json(msg='invalid REX-Ray %s configuration: %s' % (fmt, exc), errors=exc.errors, format=fmt)
    for warning in warnings:
        module.warn(warning)

    secret = has_secrets(document)
    if secret and params['dest'] and readable_by_others(params['mode']):
        module.warn('%s holds credentials but mode %s lets other users read it; leave mode unset for 0600'
                    % (params['dest'], params['mode']))
    content = to_yaml(document, header=HEADER)
    masked_content = to_yaml(mask_document(document), header=HEADER)
    result = dict(changed=False, config=mask_document(document), content=masked_content, format=fmt,
                  has_credentials=secret)

    if params['dest']:
        outcome = ensure_file(module, params['dest'], content, '0600' if secret else '0644', backup=params['backup'])
        result.update(changed=outcome['changed'], dest=params['dest'])
        if outcome['backup_file']:
            result['backup_file'] = outcome['backup_file']
        if module._diff:
            module.no_log_values.update(document_secrets(parse_document(outcome['before'])))
            diff = [dict(before_header=params['dest'], after_header=params['dest'],
                         before=masked_previous(outcome['before'], mask_document, HEADER), after=masked_content)]
            if outcome.get('attributes_diff'):
                diff.append(outcome['attributes_diff'])
            result['diff'] = diff
    module.exit_json(**result)


if __name__ == '__main__':
    main()
