# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""Connection options from the environment, in one place for every module.

Why not Ansible's ``env_fallback``: it fills an option from its variable *before* ``mutually_exclusive`` is
checked, so ``DCOS_TOKEN`` in the environment (as AWX or the DC/OS CLI leave it) made an explicit
``marathon_username`` fail as "mutually exclusive". The rules here:

- An option given explicitly (task argument or ``module_defaults``) always wins over its variable.
- An empty value, option or variable, counts as not given: AWX sets every variable of a credential, empty when
  the field is empty.
- Credentials come in *alternatives* (``GROUPS``): a service account, a token, a user and password. When an
  option of one alternative is given explicitly, the variables of the other alternatives of that service are
  ignored; the variables of the chosen one may complete it (``marathon_username`` given, ``MARATHON_PASSWORD``
  from the environment). With no explicit credential, the first alternative (in ``GROUPS`` order) with a
  variable set is taken.
- Two alternatives conflict only when both were given explicitly; the message names the options and their
  variables.

API
---
``ENVIRONMENT``: option -> environment variable.
``resolve(params, groups, environ=os.environ)`` -> the set of values taken from the environment that are secrets
    (to register as no_log). Fills ``params`` in place; raises ``OptionError`` (message for fail_json).
``resolve_environment(module, groups)``: the same on an AnsibleModule: fails naming options and variables,
    registers the secrets read as no_log; ``validate_certs`` defaults to true.
``service_login(params, url)`` -> a ``DcosLogin`` for ``dcos_service_account`` (cluster root: ``dcos_url``, else
    the origin of ``url``), or None.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.dcos.stateful.plugins.module_utils._dcos_login import DcosLogin
from ansible_collections.dcos.stateful.plugins.module_utils._http import origin_of, origin_text

ENVIRONMENT = {
    'marathon_url': 'MARATHON_URL',
    'marathon_username': 'MARATHON_USERNAME',
    'marathon_password': 'MARATHON_PASSWORD',
    'dcos_token': 'DCOS_TOKEN',
    'mesos_url': 'MESOS_URL',
    'mesos_principal': 'MESOS_PRINCIPAL',
    'mesos_secret': 'MESOS_SECRET',
    'dcos_url': 'DCOS_URL',
    'dcos_service_account': 'DCOS_SERVICE_ACCOUNT',
    'dcos_private_key': 'DCOS_PRIVATE_KEY',
    'ca_path': 'DCOS_CA_PATH',
    'validate_certs': 'DCOS_VALIDATE_CERTS',
    # the Mesos modules' own token for Marathon (Marathon modules call it dcos_token)
    'marathon_token': 'DCOS_TOKEN',
}
SECRETS = frozenset(['marathon_password', 'dcos_token', 'mesos_secret', 'dcos_private_key', 'marathon_token'])

SERVICE_ACCOUNT = ('dcos_service_account', 'dcos_private_key')
# The credential alternatives of each service, in the order the environment is looked at when no credential was
# given explicitly: a service account logs in by itself (its token cannot expire on the way), then a fixed token,
# then basic auth.
MARATHON_GROUP = ('Marathon', (SERVICE_ACCOUNT, ('dcos_token',), ('marathon_username', 'marathon_password')))
MESOS_GROUP = ('Mesos', (SERVICE_ACCOUNT, ('dcos_token',), ('mesos_principal', 'mesos_secret')))
# Mesos modules reaching Marathon: marathon_token, or Marathon's user and password (else the service account)
MESOS_MARATHON_GROUP = ('Marathon', (('marathon_token',), ('marathon_username', 'marathon_password')))


class OptionError(Exception):
    pass


def named(option):
    variable = ENVIRONMENT.get(option)
    return '%s (%s)' % (option, variable) if variable else option


def _given(value):
    return value is not None and value != ''


def _from_environment(option, environ):
    value = environ.get(ENVIRONMENT[option])
    return value if _given(value) else None


def _convert(option, value):
    if option == 'validate_certs':
        try:
            return boolean(value, strict=True)
        except TypeError:
            raise OptionError('%s=%r is not a boolean (use true or false)' % (ENVIRONMENT[option], value))
    if option == 'ca_path':
        return os.path.expanduser(os.path.expandvars(value))
    return value


def _resolve_group(params, service, alternatives, environ, explicit, taken):
    alternatives = [tuple(o for o in alt if o in params) for alt in alternatives]
    alternatives = [alt for alt in alternatives if alt]
    chosen = [alt for alt in alternatives if any(o in explicit for o in alt)]
    if len(chosen) > 1:
        first, second = [next(o for o in alt if o in explicit) for alt in chosen[:2]]
        raise OptionError(
            'parameters are mutually exclusive: %s|%s: both were given explicitly as ways to authenticate to %s; '
            'give one (the environment variables %s and %s never conflict with an option: the option wins)'
            % (first, second, service, ENVIRONMENT.get(first, first), ENVIRONMENT.get(second, second)))
    if not chosen:
        chosen = [alt for alt in alternatives if any(o in taken or _from_environment(o, environ) for o in alt)][:1]
    for alt in chosen:
        for option in alt:
            if option not in explicit and option not in taken:
                value = _from_environment(option, environ)
                if value is not None:
                    taken[option] = value
        missing = [o for o in alt if o not in explicit and o not in taken]
        if missing and len(alt) > 1:
            have = [o for o in alt if o not in missing]
            raise OptionError('%s needs %s too: give the option or set the environment variable' % (
                ' and '.join(named(o) for o in have), ' and '.join(named(o) for o in missing)))


def resolve(params, groups, environ=None):
    """Fill ``params`` from the environment (see the module docstring); returns the secrets taken from it."""
    environ = os.environ if environ is None else environ
    for option in params:
        if option in ENVIRONMENT and params[option] == '':
            params[option] = None
    explicit = set(o for o in params if o in ENVIRONMENT and _given(params[o]))
    credentials = set(o for _service, alts in groups for alt in alts for o in alt)
    taken = {}
    for service, alternatives in groups:
        _resolve_group(params, service, alternatives, environ, explicit, taken)
    for option in params:
        if option in ENVIRONMENT and option not in credentials and option not in explicit:
            value = _from_environment(option, environ)
            if value is not None:
                taken[option] = value
    secrets = set()
    for option, value in taken.items():
        params[option] = _convert(option, value)
        if option in SECRETS:
            secrets.add(value)
    return secrets


def service_login(params, url):
    """The DcosLogin of dcos_service_account, or None. The cluster root is dcos_url, else the origin (scheme, host,
    port) of ``url``: https://<cluster>/service/marathon and https://<cluster>/mesos both live under it."""
    if not params.get('dcos_service_account'):
        return None
    root = params.get('dcos_url') or origin_text(origin_of(url))
    return DcosLogin(root, params['dcos_service_account'], params['dcos_private_key'], timeout=params['timeout'],
                     validate_certs=params['validate_certs'], ca_path=params.get('ca_path'))


def resolve_environment(module, groups):
    """Fill the connection options of ``module`` from the environment (_connection.resolve); fails naming the
    options and variables; registers the secrets read as no_log."""
    try:
        module.no_log_values.update(resolve(module.params, groups))
    except OptionError as e:
        module.fail_json(msg=str(e))
    if module.params.get('validate_certs') is None:
        module.params['validate_certs'] = True
