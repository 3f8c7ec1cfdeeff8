# -*- coding: utf-8 -*-
# Copyright: dcos.stateful contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE: internal to dcos.stateful; no compatibility guarantees.
"""Validate a DC/OS genconf/config.yaml for one DC/OS version (no I/O here).

DC/OS accepts unknown keys silently (its check is commented out, DCOS-14196), so a
key from another version, a typo, or ``rexray:`` instead of ``rexray_config:`` is
dropped and REX-Ray keeps its disabled default. ``validate_config`` refuses those,
applies the validators of gen/calc.py that matter before an install, and checks the
REX-Ray keys of that version, including the REX-Ray document itself.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import ipaddress
import json
import re

from ansible_collections.dcos.stateful.plugins.module_utils._dcos_genconf.keys import (
    ABSOLUTE_PATH_KEYS,
    COMPUTED_KEYS,
    SECRET_KEYS,
    SETTABLE_KEYS,
    TRUE_FALSE_KEYS,
    VERSION_BUCKETS,
)
from ansible_collections.dcos.stateful.plugins.module_utils._rexray.catalogue import FORMAT_03, FORMAT_LIBSTORAGE
from ansible_collections.dcos.stateful.plugins.module_utils._rexray.document import (
    classify, document_secrets, flatten, mask_document,
)
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import (
    is_secret_key, mask_secrets, mask_whole, secret_values,
)

# Enterprise-only keys seen in Enterprise examples; absent from the open-source calc.
ENTERPRISE_KEYS = ('security', 'superuser_username', 'superuser_password_hash', 'license_key_contents', 'customer_key')
ENTERPRISE_SECRET_KEYS = ('superuser_password_hash', 'license_key_contents', 'customer_key')

REQUIRED_KEYS = ('bootstrap_url', 'cluster_name', 'exhibitor_storage_backend', 'master_discovery')
MASTER_DISCOVERY = ('static', 'master_http_loadbalancer')
STORAGE_BACKENDS = ('static', 'zookeeper', 'aws_s3', 'azure', 'shared_filesystem')
BACKEND_KEYS = {
    'zookeeper': ('exhibitor_zk_hosts', 'exhibitor_zk_path'),
    'aws_s3': ('aws_region', 's3_bucket', 's3_prefix'),
    'azure': ('exhibitor_azure_account_name', 'exhibitor_azure_account_key', 'exhibitor_azure_prefix'),
    'shared_filesystem': ('exhibitor_fs_config_dir',),
}
MASTER_COUNTS = (1, 3, 5, 7, 9)
RESERVED_RESOLVERS = ('198.51.100.1', '198.51.100.2', '198.51.100.3')
REXRAY_METHODS = ('file', 'aws', 'empty')
REXRAY_KEYS = ('rexray_config', 'rexray_config_preset', 'rexray_config_method', 'rexray_config_filename')
REXRAY_PRESETS = ('', 'aws')

# Common mistakes that a spelling distance does not catch.
_WRONG_NAMES = {
    'rexray': 'rexray_config',
    'rexray_conf': 'rexray_config',
    'rexray_config_file': 'rexray_config_filename',
    'resolver': 'resolvers',
    'masters': 'master_list',
    'agents': 'agent_list',
}


class GenconfError(Exception):
    def __init__(self, errors):
        super(GenconfError, self).__init__('; '.join(errors))
        self.errors = list(errors)


def _version_tuple(version):
    parts = re.findall(r'\d+', str(version))
    if len(parts) < 2:
        raise GenconfError(['dcos_version %r is not of the form MAJOR.MINOR[.PATCH]' % (version,)])
    return tuple(int(p) for p in parts[:3])


def bucket_for(version):
    """DC/OS version -> catalogue bucket ('1.8.0' covers 1.8.0-1.8.1, '1.8.2' the rest of 1.8)."""
    numbers = _version_tuple(version)
    major_minor = numbers[:2]
    if major_minor == (1, 8):
        if len(numbers) < 3:
            raise GenconfError(['dcos_version 1.8 needs the patch level: the REX-Ray keys changed in 1.8.2'])
        return '1.8.2' if numbers[2] >= 2 else '1.8.0'
    name = '%d.%d' % major_minor
    if name not in VERSION_BUCKETS:
        raise GenconfError(['DC/OS %s is not supported; supported: 1.7 to 2.2' % (version,)])
    return name


def _index(bucket):
    return VERSION_BUCKETS.index(bucket)


def _in_ranges(bucket, ranges):
    position = _index(bucket)
    for first, last in ranges:
        if _index(first) <= position and (last is None or position <= _index(last)):
            return True
    return False


def _describe_ranges(ranges):
    return ', '.join('%s to %s' % (first, last or '2.2') if first != last else first for first, last in ranges)


def known_keys(bucket, enterprise=False, extra=()):
    keys = set(k for k, ranges in SETTABLE_KEYS.items() if _in_ranges(bucket, ranges))
    if enterprise:
        keys.update(ENTERPRISE_KEYS)
    keys.update(extra)
    return keys


def rexray_format(bucket):
    """The REX-Ray file format DC/OS of this bucket ships (0.3.3 up to 1.9, libStorage from 1.10)."""
    return FORMAT_03 if _index(bucket) <= _index('1.9') else FORMAT_LIBSTORAGE


def stringify(value):
    """What the installer makes of a value (stringify_configuration): JSON for lists/dicts, 'true'/'false'."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    if value is None:
        return ''
    return str(value)


def _as_list(value, name, errors):
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return parsed
    errors.append('%s must be a list, got %r' % (name, value))
    return []


def _is_ip(text):
    try:
        ipaddress.ip_address(str(text))
        return True
    except ValueError:
        return False


def _check_unknown(config, bucket, version, known, errors):
    for key in config:
        if key in known or key in REXRAY_KEYS:
            continue  # the REX-Ray keys get their own, more precise messages
        if key in COMPUTED_KEYS and _in_ranges(bucket, COMPUTED_KEYS[key]):
            errors.append('%s is calculated by DC/OS %s; remove it (gen fails with "must be calculated, but was '
                          'explicitly set in the configuration")' % (key, version))
            continue
        if key in SETTABLE_KEYS:
            errors.append('%s is not a DC/OS %s key (it exists in DC/OS %s); DC/OS %s would silently ignore it'
                          % (key, version, _describe_ranges(SETTABLE_KEYS[key]), version))
            continue
        hint = _WRONG_NAMES.get(key)
        if hint not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.8)
            hint = close[0] if close else None
        message = 'unknown key %s; DC/OS %s would silently ignore it' % (key, version)
        errors.append(message + ('; did you mean %s?' % hint if hint else ''))


def _check_required(config, errors):
    for key in REQUIRED_KEYS:
        if config.get(key) in (None, ''):
            errors.append('%s is required' % key)


def _check_master_discovery(config, errors):
    discovery = config.get('master_discovery')
    if discovery is None:
        return
    if discovery not in MASTER_DISCOVERY:
        errors.append('master_discovery must be one of %s, got %r' % (', '.join(MASTER_DISCOVERY), discovery))
        return
    if discovery == 'static':
        if 'num_masters' in config:
            errors.append('num_masters is calculated from master_list when master_discovery is static; remove it')
        masters = _as_list(config.get('master_list', []), 'master_list', errors)
        if not masters:
            errors.append('master_list is required when master_discovery is static')
        bad = [m for m in masters if not _is_ip(m)]
        if bad:
            errors.append('master_list must hold IP addresses, not %s' % ', '.join(map(str, bad)))
        if len(set(masters)) != len(masters):
            errors.append('master_list has duplicates')
        if masters and len(masters) not in MASTER_COUNTS:
            errors.append('master_list must have 1, 3, 5, 7 or 9 masters, got %d' % len(masters))
    else:
        for key in ('exhibitor_address', 'num_masters'):
            if config.get(key) in (None, ''):
                errors.append('%s is required when master_discovery is master_http_loadbalancer' % key)
        if 'num_masters' in config and stringify(config['num_masters']) not in [str(n) for n in MASTER_COUNTS]:
            errors.append('num_masters must be 1, 3, 5, 7 or 9, got %r' % config['num_masters'])
        if config.get('exhibitor_storage_backend') == 'static':
            errors.append('exhibitor_storage_backend static works only with master_discovery static')


def _check_backend(config, errors):
    backend = config.get('exhibitor_storage_backend')
    if backend is None:
        return
    if backend not in STORAGE_BACKENDS:
        errors.append('exhibitor_storage_backend must be one of %s, got %r' % (', '.join(STORAGE_BACKENDS), backend))
        return
    for key in BACKEND_KEYS.get(backend, ()):
        if config.get(key) in (None, ''):
            errors.append('%s is required when exhibitor_storage_backend is %s' % (key, backend))
    if backend == 'zookeeper':
        hosts = stringify(config.get('exhibitor_zk_hosts', ''))
        if hosts.startswith('zk://'):
            errors.append('exhibitor_zk_hosts must be host:port,host:port without zk://')
        elif hosts and not all(re.fullmatch(r'[^:,\s]+:\d+', h) for h in hosts.split(',')):
            errors.append('exhibitor_zk_hosts must be host:port,host:port, got %r' % hosts)
        path = stringify(config.get('exhibitor_zk_path', ''))
        if path and not path.startswith('/'):
            errors.append('exhibitor_zk_path must start with /, got %r' % path)
    if backend == 'aws_s3':
        if stringify(config.get('s3_prefix', '')).endswith('/'):
            errors.append('s3_prefix must not end with /')
        explicit = stringify(config.get('exhibitor_explicit_keys', 'false'))
        if explicit == 'true':
            for key in ('aws_access_key_id', 'aws_secret_access_key'):
                if config.get(key) in (None, ''):
                    errors.append('%s is required when exhibitor_explicit_keys is true' % key)


def _check_values(config, errors, warnings):
    url = stringify(config.get('bootstrap_url', ''))
    if url and (len(url) <= 1 or url.endswith('/')):
        errors.append('bootstrap_url must not end with / (got %r)' % url)
    if 'resolvers' in config:
        _check_resolvers(config['resolvers'], errors, warnings)
    if 'dns_search' in config:
        _check_dns_search(stringify(config['dns_search']), errors)
    for key in TRUE_FALSE_KEYS:
        if key in config and stringify(config[key]) not in ('true', 'false'):
            errors.append("%s must be 'true' or 'false', got %r" % (key, config[key]))
    for key in ABSOLUTE_PATH_KEYS:
        if key in config and not stringify(config[key]).startswith('/'):
            errors.append('%s must be an absolute path, got %r' % (key, config[key]))


def _check_resolvers(value, errors, warnings):
    resolvers = _as_list(value, 'resolvers', errors)
    for resolver in resolvers:
        host = str(resolver)
        if ':' in host and host.count(':') == 1:
            host, port = host.split(':')
            if not port.isdigit():
                errors.append('resolvers: bad port in %r' % resolver)
        if not _is_ip(host):
            errors.append('resolvers must be IP addresses with an optional :port, not %r' % resolver)
        if host in RESERVED_RESOLVERS:
            errors.append('resolvers must not contain %s (reserved by DC/OS)' % host)
    if len(set(map(str, resolvers))) != len(resolvers):
        errors.append('resolvers has duplicates')
    if len(resolvers) > 3:
        warnings.append('resolvers: the DC/OS documentation allows at most 3; glibc reads only the first 3')


def _check_dns_search(search, errors):
    if '\n' in search or ',' in search:
        errors.append('dns_search must be space-separated domains, without commas or newlines')
    if len(search) >= 256:
        errors.append('dns_search must be shorter than 256 characters')
    if len(search.split()) > 6:
        errors.append('dns_search may hold at most 6 domains')


def _check_rexray(config, bucket, version, errors, warnings):
    if _index(bucket) < _index('1.8.2'):
        _check_rexray_before_182(config, version, errors)
        return
    for key in ('rexray_config_method', 'rexray_config_filename'):
        if key in config:
            errors.append('%s was replaced in DC/OS 1.8.2; DC/OS %s would silently ignore it and leave REX-Ray '
                          'on its disabled default; use rexray_config (a mapping) or rexray_config_preset: aws'
                          % (key, version))
    preset = config.get('rexray_config_preset', '')
    if preset not in REXRAY_PRESETS:
        errors.append("rexray_config_preset must be '' or 'aws', got %r" % (preset,))
    if preset == 'aws' and 'rexray_config' in config:
        errors.append('rexray_config and rexray_config_preset: aws are mutually exclusive (gen fails with '
                      '"rexray_config must be calculated, but was explicitly set")')
    if 'rexray_config' in config:
        _check_rexray_document(config['rexray_config'], bucket, version, errors, warnings)


def _check_rexray_before_182(config, version, errors):
    """DC/OS before 1.8.2: rexray_config_method / rexray_config_filename, no rexray_config."""
    method = config.get('rexray_config_method', 'empty')
    if method not in REXRAY_METHODS:
        errors.append('rexray_config_method must be one of %s, got %r' % (', '.join(REXRAY_METHODS), method))
    if method == 'file' and not config.get('rexray_config_filename'):
        errors.append('rexray_config_filename is required when rexray_config_method is file')
    if method != 'file' and config.get('rexray_config_filename'):
        errors.append('rexray_config_filename is used only with rexray_config_method: file')
    for key in ('rexray_config', 'rexray_config_preset'):
        if key in config:
            errors.append('%s is a DC/OS 1.8.2+ key; DC/OS %s would silently ignore it; use rexray_config_method '
                          'and rexray_config_filename' % (key, version))


def _check_rexray_document(document, bucket, version, errors, warnings):
    """The REX-Ray document in rexray_config (a mapping, or its JSON text), in the format of that DC/OS version."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            document = None
    if not isinstance(document, dict):
        errors.append('rexray_config must be a mapping (the REX-Ray configuration document)')
        return
    fmt = rexray_format(bucket)
    for key, value in flatten(document):
        status, _canonical, message = classify(fmt, key, value)
        if status == 'error':
            errors.append('rexray_config: %s (DC/OS %s ships REX-Ray in the %s format)' % (message, version, fmt))
        elif status == 'warn':
            warnings.append('rexray_config: %s' % message)


def validate_config(config, version, enterprise=False, extra_keys=()):
    """Return ``(bucket, warnings)`` or raise GenconfError listing every problem."""
    bucket = bucket_for(version)
    errors, warnings = [], []
    if not isinstance(config, dict):
        raise GenconfError(['config must be a mapping'])
    _check_unknown(config, bucket, version, known_keys(bucket, enterprise, extra_keys), errors)
    _check_required(config, errors)
    _check_master_discovery(config, errors)
    _check_backend(config, errors)
    _check_values(config, errors, warnings)
    _check_rexray(config, bucket, version, errors, warnings)
    if errors:
        raise GenconfError(errors)
    return bucket, warnings


def secret_keys(enterprise=False):
    return set(SECRET_KEYS) | (set(ENTERPRISE_SECRET_KEYS) if enterprise else set())


# Written first, in this order; everything else follows by name.
_KEY_ORDER = ('cluster_name', 'bootstrap_url', 'exhibitor_storage_backend', 'master_discovery', 'master_list',
              'num_masters', 'exhibitor_address', 'resolvers', 'ip_detect_filename')


def ordered(config):
    def rank(key):
        return (_KEY_ORDER.index(key) if key in _KEY_ORDER else len(_KEY_ORDER), key)
    return dict((key, config[key]) for key in sorted(config, key=rank))


def is_secret(key, secrets=()):
    """A config.yaml key holding a credential: a known one, or one the collection's detector recognises."""
    return key in secrets or key in SECRET_KEYS or is_secret_key(key)


def masked(config, secrets=()):
    """Copy with secret values masked, including credentials inside rexray_config and passwords in URLs."""
    out = {}
    for key, value in config.items():
        if is_secret(key, secrets) and value not in (None, ''):
            value = mask_whole(value)
        elif key == 'rexray_config' and isinstance(value, dict):
            value = mask_document(value)
        else:
            value = mask_secrets(value)
        out[key] = value
    return out


def config_secrets(config):
    """Every secret value inside a config.yaml mapping (to register as no_log)."""
    if not isinstance(config, dict):
        return set()
    out = set()
    for key, value in config.items():
        if is_secret(key):
            out.update(secret_values({'credentials': value}, whole=True))
        elif key == 'rexray_config' and isinstance(value, dict):
            out.update(document_secrets(value))
        else:
            out.update(secret_values(value))
    return out
