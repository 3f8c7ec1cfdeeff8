#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: dcos.stateful contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: dcos_genconf
short_description: Validate and write a DC/OS genconf/config.yaml for a given DC/OS version
version_added: 0.1.0
description:
  - Checks a DC/OS installer configuration against the keys and validators of the DC/OS version given, then
    writes it as C(genconf/config.yaml).
  - DC/OS itself accepts unknown keys silently, so a key from another version, a typo, or C(rexray:) instead of
    C(rexray_config:) is dropped and REX-Ray keeps its disabled default ("plugin not found" later). This module
    refuses such keys and names the right one.
  - Applies the required keys (C(bootstrap_url), C(cluster_name), C(exhibitor_storage_backend),
    C(master_discovery)), the keys each choice of C(master_discovery) and C(exhibitor_storage_backend) needs,
    and the value checks of the installer (C(bootstrap_url) without a trailing slash, C(master_list) of 1, 3, 5,
    7 or 9 IP addresses, C(resolvers), C(dns_search), C('true')/C('false') flags, absolute paths).
  - REX-Ray keys by version. DC/OS 1.7 to 1.8.1 use C(rexray_config_method) (V(file), V(aws), V(empty)) and
    C(rexray_config_filename). DC/OS 1.8.2 and later use C(rexray_config) (a mapping) or
    C(rexray_config_preset) (V(aws)), never both. The C(rexray_config) document is checked in the REX-Ray
    format that version ships (0.3 up to 1.9, libStorage from 1.10).
  - Keys DC/OS calculates (for example C(num_masters) with static discovery) are refused, as the installer
    would fail on them.
  - The file is written with mode C(0600) when it holds secrets (including credentials inside
    C(rexray_config)), C(0644) otherwise, unless O(mode) is given.
author:
  - dcos.stateful maintainers (@dcos-stateful)
extends_documentation_fragment:
  - ansible.builtin.files
attributes:
  check_mode:
    support: full
    description: Validates and computes the diff, writes nothing.
  diff_mode:
    support: full
    description: Shows the file before and after with secret values masked.
  platform:
    support: full
    platforms: posix
    description: Runs on the bootstrap node that holds C(genconf/).
options:
  dcos_version:
    description:
      - DC/OS version the configuration is for, C(MAJOR.MINOR[.PATCH]); 1.7 to 2.2. For 1.8 give the patch level,
        as the REX-Ray keys changed in 1.8.2.
    type: str
    required: true
  config:
    description:
      - The C(config.yaml) keys. Lists and mappings (C(master_list), C(resolvers), C(rexray_config)) are given as
        such; booleans may be given as V(true)/V(false) or as the strings the installer expects.
    type: dict
    required: true
  dest:
    description:
      - The file to write, normally C(<dir>/genconf/config.yaml). Without it the module only validates and
        returns the document.
    type: path
  check_files:
    description:
      - Check that the files the configuration names (C(ip_detect_filename), C(ip_detect_public_filename),
        C(rexray_config_filename)) exist where the DC/OS installer looks for them. It runs in a container that
        sees only C(genconf/) (as C(/genconf)) and resolves a relative name against the directory that holds
        C(genconf/), so C(rexray.yaml) means C(<dir>/rexray.yaml) and the file belongs in C(genconf/rexray.yaml).
        A missing file fails with the path looked at; a name outside C(genconf/) gives a warning.
      - Only done when O(dest) is set; in check mode a missing file is a warning, as an earlier task of the same
        run may create it.
    type: bool
    default: true
  enterprise:
    description: Accept the DC/OS Enterprise keys C(security), C(superuser_username), C(superuser_password_hash),
      C(license_key_contents) and C(customer_key).
    type: bool
    default: false
  extra_keys:
    description: More key names to accept, for keys this module does not know (for example other Enterprise keys).
    type: list
    elements: str
    default: []
notes:
  - The key lists come from the open-source dcos/dcos release tags; within a DC/OS minor the last patch
    release's list is used. 1.7 uses the 1.8.0 list.
seealso:
  - module: dcos.stateful.rexray_config
'''

EXAMPLES = r'''
- name: DC/OS 1.13 with REX-Ray on EBS through the instance profile
  dcos.stateful.dcos_genconf:
    dcos_version: 1.13.9
    dest: /opt/dcos-bootstrap/genconf/config.yaml
    config:
      cluster_name: prod
      bootstrap_url: http://10.0.0.5:8080
      exhibitor_storage_backend: static
      master_discovery: static
      master_list: [10.0.1.10, 10.0.1.11, 10.0.1.12]
      resolvers: [10.0.0.2]
      rexray_config:
        rexray:
          loglevel: info
          service: ebs
        libstorage:
          integration:
            volume:
              operations:
                unmount:
                  ignoreusedcount: true

- name: DC/OS 1.8.0 reads the REX-Ray file named in the configuration
  dcos.stateful.dcos_genconf:
    dcos_version: 1.8.0
    dest: /opt/dcos-bootstrap/genconf/config.yaml
    config:
      cluster_name: legacy
      bootstrap_url: file:///opt/dcos_install_tmp
      exhibitor_storage_backend: static
      master_discovery: static
      master_list: [10.0.1.10]
      rexray_config_method: file
      rexray_config_filename: genconf/rexray.yaml
'''

RETURN = r'''
config:
  description: The configuration as written, secret values masked.
  returned: always
  type: dict
  sample: {"cluster_name": "prod", "bootstrap_url": "http://10.0.0.5:8080"}
content:
  description: The YAML text written, secret values masked.
  returned: always
  type: str
  sample: "cluster_name: prod\n"
version_bucket:
  description: The DC/OS key list used (a minor version, or V(1.8.0)/V(1.8.2) for 1.8).
  returned: always
  type: str
  sample: '1.13'
rexray_format:
  description: The REX-Ray configuration format of that DC/OS version, V(0.3) or V(libstorage).
  returned: always
  type: str
  sample: libstorage
dest:
  description: The file written.
  returned: when dest is set
  type: str
  sample: /opt/dcos-bootstrap/genconf/config.yaml
'''

import os

from ansible_collections.dcos.stateful.plugins.module_utils._dcos_genconf.config import (
    GenconfError,
    config_secrets,
    masked,
    ordered,
    rexray_format,
    secret_keys,
    validate_config,
)
from ansible_collections.dcos.stateful.plugins.module_utils._rexray.document import has_secrets
from ansible_collections.dcos.stateful.plugins.module_utils._files import ensure_file, masked_previous, parse_document
from ansible_collections.dcos.stateful.plugins.module_utils._yaml import to_yaml
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import SecretAwareModule

HEADER = 'DC/OS %s installer configuration. Managed by Ansible (dcos.stateful.dcos_genconf).'
FILE_KEYS = ('ip_detect_filename', 'ip_detect_public_filename', 'rexray_config_filename')


def argument_spec():
    return dict(
        dcos_version=dict(type='str', required=True),
        config=dict(type='dict', required=True, no_log=False),
        dest=dict(type='path'),
        check_files=dict(type='bool', default=True),
        enterprise=dict(type='bool', default=False),
        extra_keys=dict(type='list', elements='str', default=[], no_log=False),
    )


def installer_path(name, base):
    """(path on this host of a file named in config.yaml, whether the DC/OS installer can see it there).

    dcos_generate_config.sh runs the installer in a container that mounts only ``<base>/genconf`` (as
    ``/genconf``) and works in ``/``: a relative name is resolved against the directory that holds genconf/
    (hence the default ``genconf/ip-detect``), an absolute one must lie under ``/genconf``.
    """
    genconf = os.path.join(base, 'genconf') + os.sep
    if os.path.isabs(name):
        inside = os.path.normpath(name)
        if inside.startswith('/genconf/'):
            return os.path.join(base, inside.lstrip('/')), True
        return inside, False
    path = os.path.normpath(os.path.join(base, name))
    return path, path.startswith(genconf)


def file_problems(config, dest):
    """(missing files, files the installer cannot see), each message naming where it looked and why."""
    base = os.path.dirname(os.path.dirname(os.path.abspath(dest)))
    names = dict((key, config[key]) for key in FILE_KEYS if config.get(key))
    names.setdefault('ip_detect_filename', 'genconf/ip-detect')  # the on-premises default
    missing, unseen = [], []
    for key, name in sorted(names.items()):
        name = str(name)
        path, visible = installer_path(name, base)
        if not os.path.isfile(path):
            hint = ''
            beside = os.path.join(base, 'genconf', name)
            if not os.path.isabs(name) and not name.startswith('genconf/') and os.path.isfile(beside):
                hint = '; %s exists: name it genconf/%s' % (beside, name)
            missing.append('%s: %s does not exist (the DC/OS installer resolves %r against %s, the directory that '
                           'holds genconf/)%s' % (key, path, name, base, hint))
        elif not visible:
            genconf = os.path.join(base, 'genconf')
            unseen.append('%s: %s is outside %s, the only directory the DC/OS installer sees (as /genconf); put the '
                          'file there and name it genconf/%s' % (key, name, genconf, os.path.basename(name)))
    return missing, unseen


def main():
    module = SecretAwareModule(
        # secrets inside config (aws_secret_access_key, rexray_config credentials, URL passwords) are hidden from
        # the first moment, so a validation error or an argument error never prints them
        scanned=['config'], whole=True,
        argument_spec=argument_spec(), add_file_common_args=True, supports_check_mode=True)
    params = module.params
    config = params['config']
    version = params['dcos_version']
    module.no_log_values.update(config_secrets(config))
    try:
        bucket, warnings = validate_config(config, version, params['enterprise'], params['extra_keys'])
    except GenconfError as exc:
        module.fail_json(msg='invalid DC/OS %s configuration: %s' % (version, exc), errors=exc.errors)
    for warning in warnings:
        module.warn(warning)

    secrets = secret_keys(params['enterprise'])
    header = HEADER % version
    document = ordered(config)
    content = to_yaml(document, header=header)
    shown = to_yaml(masked(document, secrets), header=header)
    result = dict(changed=False, config=masked(document, secrets), content=shown, version_bucket=bucket,
                  rexray_format=rexray_format(bucket))

    if params['dest']:
        if params['check_files']:
            missing, unseen = file_problems(config, params['dest'])
            for problem in unseen:
                module.warn(problem)
            if missing and module.check_mode:
                # Earlier tasks of the same check-mode run (ip-detect, the REX-Ray file) write them for real.
                for problem in missing:
                    module.warn(problem)
            elif missing:
                module.fail_json(msg='files named in the configuration are missing: %s' % '; '.join(missing),
                                 errors=missing)
        nested = isinstance(config.get('rexray_config'), dict) and has_secrets(config['rexray_config'])
        mode = '0600' if nested or any(config.get(k) for k in secrets) else '0644'
        outcome = ensure_file(module, params['dest'], content, mode)
        result.update(changed=outcome['changed'], dest=params['dest'])
        if module._diff:
            module.no_log_values.update(config_secrets(parse_document(outcome['before'])))
            result['diff'] = dict(before_header=params['dest'], after_header=params['dest'],
                                  before=masked_previous(outcome['before'], lambda doc: masked(doc, secrets), header),
                                  after=shown)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
