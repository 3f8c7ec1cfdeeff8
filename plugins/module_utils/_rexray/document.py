# -*- coding: utf-8 -*-
# Copyright: dcos.stateful contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE: internal to dcos.stateful; no compatibility guarantees.
"""Build and validate a REX-Ray configuration document (no I/O here).

``build_document(fmt, settings, extra_config, unchecked_keys)`` turns the structured
options and the pass-through mapping into one nested document, or raises
``RexrayConfigError`` with every problem found, each naming the key to use instead.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import difflib

from ansible_collections.dcos.stateful.plugins.module_utils._rexray.catalogue import (
    AWS_DRIVERS,
    BACKCOMPAT_LIBSTORAGE,
    DRIVERS,
    FORMAT_03,
    FORMAT_LIBSTORAGE,
    MISPLACED,
    canonical_spelling,
    wildcard_patterns,
)
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import (
    MASK, mask_url_passwords, secret_values, worth_hiding,
)
from ansible_collections.dcos.stateful.plugins.module_utils._secrets import is_secret_key


class RexrayConfigError(Exception):
    """Invalid configuration; ``errors`` lists every problem."""

    def __init__(self, errors):
        super(RexrayConfigError, self).__init__('; '.join(errors))
        self.errors = list(errors)


def flatten(mapping, prefix=''):
    """Nested mapping -> [(dotted key, value)]; keys may themselves contain dots."""
    out = []
    for key, value in mapping.items():
        dotted = '%s.%s' % (prefix, key) if prefix else str(key)
        if isinstance(value, dict) and value:
            out.extend(flatten(value, dotted))
        else:
            out.append((dotted, value))
    return out


def unflatten(pairs):
    """[(dotted key, value)] -> nested dict; raises RexrayConfigError on leaf/parent clashes."""
    root = {}
    errors = []
    for key, value in pairs:
        node = root
        parts = key.split('.')
        for depth, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                errors.append('%s is set both as a value and as a section' % '.'.join(parts[:depth + 1]))
                break
            node = child
        else:
            if isinstance(node.get(parts[-1]), dict) and not (isinstance(value, dict) and not value):
                errors.append('%s is set both as a value and as a section' % key)
            else:
                node[parts[-1]] = value
    if errors:
        raise RexrayConfigError(errors)
    return root


def _kind_ok(kind, value):
    if kind == 'bool':
        return isinstance(value, bool)
    if kind == 'int':
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == 'str':
        return isinstance(value, str)
    if kind == 'list':
        return isinstance(value, list)
    return True


def _suggest(lower_key, known):
    close = difflib.get_close_matches(lower_key, list(known), n=1, cutoff=0.75)
    return known[close[0]][0] if close else None


def classify(fmt, key, value=None, exact=None, wildcards=None):
    """Decide what to do with one dotted key.

    Returns ``(status, canonical_key, message)`` where status is ``ok``, ``warn``
    (accepted, with ``message``) or ``error`` (``message`` names the right key).
    """
    exact = canonical_spelling(fmt) if exact is None else exact
    wildcards = wildcard_patterns(fmt) if wildcards is None else wildcards
    lower = key.lower()
    if lower in exact:
        canonical, kind = exact[lower]
        if not _kind_ok(kind, value):
            return 'error', canonical, '%s must be a %s, got %r' % (canonical, kind, value)
        return 'ok', canonical, None
    for regex, replacement, why in MISPLACED[fmt]:
        if regex.match(lower):
            right = regex.sub(replacement, lower)
            right = exact.get(right, (right, None))[0]
            return 'error', key, '%s %s and REX-Ray would silently ignore it; use %s' % (key, why, right)
    if fmt == FORMAT_LIBSTORAGE:
        for old, new in BACKCOMPAT_LIBSTORAGE:
            if lower == old.lower():
                return 'warn', key, '%s is a legacy alias that libStorage copies into %s; prefer %s' % (key, new, new)
    for regex, pattern, kind in wildcards:
        if regex.match(lower):
            if not _kind_ok(kind, value):
                return 'error', key, '%s (%s) must be a %s, got %r' % (key, pattern, kind, value)
            return 'ok', key, None
    hint = _suggest(lower, exact)
    fmt_name = 'REX-Ray 0.3.x' if fmt == FORMAT_03 else 'REX-Ray/libStorage'
    if hint:
        return 'error', key, 'unknown %s key %s; did you mean %s?' % (fmt_name, key, hint)
    return 'error', key, 'unknown %s key %s (list it in unchecked_keys if your driver needs it)' % (fmt_name, key)


def _is_unchecked(lower, unchecked):
    return any(lower == u or lower.startswith(u + '.') for u in unchecked)


def settings_to_pairs(fmt, settings):
    """Structured options -> [(canonical key, value, option name)], skipping unset (None) options."""
    s = dict((k, v) for k, v in settings.items() if v is not None)
    pairs = []

    def add(key, option):
        if option in s:
            pairs.append((key, s[option], option))

    service = s.get('service')
    if fmt == FORMAT_03:
        if service is not None:
            # 0.3.x calls the EBS driver "ec2".
            pairs.append(('rexray.storageDrivers', ['ec2' if service == 'ebs' else service], 'service'))
        aws = 'aws'
        add('rexray.logLevel', 'log_level')
        add('rexray.volume.mount.preempt', 'mount_preempt')
        add('rexray.volume.unmount.ignoreusedcount', 'unmount_ignore_used_count')
        add('rexray.volume.remove.disable', 'remove_disable')
        add('docker.size', 'volume_size')
        add('docker.volumeType', 'volume_type')
    else:
        if service is not None:
            pairs.append(('libstorage.service', 'ebs' if service == 'ec2' else service, 'service'))
        aws = 'efs' if service == 'efs' else 'ebs'
        ops = 'libstorage.integration.volume.operations'
        add('rexray.logLevel', 'log_level')
        add(ops + '.mount.preempt', 'mount_preempt')
        add(ops + '.unmount.ignoreusedcount', 'unmount_ignore_used_count')
        add(ops + '.remove.disable', 'remove_disable')
        add(ops + '.create.default.size', 'volume_size')
        add(ops + '.create.default.type', 'volume_type')
    add(aws + '.region', 'region')
    add(aws + '.accessKey', 'access_key')
    add(aws + '.secretKey', 'secret_key')
    return pairs


def check_settings(fmt, settings):
    """Problems with the structured options themselves (service and what applies to it)."""
    errors = []
    service = settings.get('service')
    if service is None:
        return errors
    driver = service
    if fmt == FORMAT_03 and service == 'ebs':
        driver = 'ec2'
    elif fmt == FORMAT_LIBSTORAGE and service == 'ec2':
        driver = 'ebs'
    if driver not in DRIVERS[fmt]:
        errors.append('service %s is not a %s storage driver; choose one of %s'
                      % (service, 'REX-Ray 0.3.x' if fmt == FORMAT_03 else 'libStorage', ', '.join(DRIVERS[fmt])))
    elif driver not in AWS_DRIVERS:
        for option in ('region', 'access_key', 'secret_key'):
            if settings.get(option) is not None:
                errors.append('%s applies to the AWS drivers (ebs, efs) only, not to %s; set the driver\'s own '
                              'keys in extra_config' % (option, service))
    return errors


# What an option means when it is left unset, unless extra_config sets the same thing itself.
OPTION_DEFAULTS = {'service': 'ebs'}
# Keys that choose the storage driver: when extra_config sets one, the service default steps aside
# (libStorage reads rexray.storageDrivers[0] as its service when libstorage.service is unset).
DRIVER_KEYS = ('rexray.storagedrivers', 'libstorage.service')


def with_defaults(settings, extra_config):
    """Settings with OPTION_DEFAULTS filled in where neither the option nor extra_config sets them."""
    out = dict(settings)
    extra_keys = set(key.lower() for key, _value in flatten(extra_config or {}))
    if out.get('service') is None and not extra_keys.intersection(DRIVER_KEYS):
        out['service'] = OPTION_DEFAULTS['service']
    return out


def build_document(fmt, settings, extra_config=None, unchecked_keys=None):
    """Return ``(document, warnings)``; raise RexrayConfigError listing every problem.

    Options are taken as given (None: not set; callers apply with_defaults first). A key set both by an option
    and in extra_config is an error unless both say the same.
    """
    exact = canonical_spelling(fmt)
    wildcards = wildcard_patterns(fmt)
    unchecked = [u.lower().strip('.') for u in (unchecked_keys or [])]
    errors, warnings = check_settings(fmt, settings), []
    chosen = {}  # lower-cased key -> (canonical key, value, source)
    order = []

    for key, value, option in settings_to_pairs(fmt, settings):
        chosen[key.lower()] = (key, value, 'option %s' % option)
        order.append(key.lower())

    for key, value in flatten(extra_config or {}):
        lower = key.lower()
        if _is_unchecked(lower, unchecked):
            canonical = key
        else:
            status, canonical, message = classify(fmt, key, value, exact, wildcards)
            if status == 'error':
                errors.append(message)
                continue
            if status == 'warn':
                warnings.append(message)
        if lower in chosen:
            if chosen[lower][1] != value:
                errors.append('%s is set twice, differently: by %s (%s) and in extra_config as %s (%s); leave the option '
                              'unset or drop the key from extra_config' % (
                                  chosen[lower][0], chosen[lower][2], _shown(chosen[lower][0], chosen[lower][1]), key,
                                  _shown(key, value)))
            continue
        chosen[lower] = (canonical, value, 'extra_config')
        order.append(lower)

    if errors:
        raise RexrayConfigError(errors)
    document = unflatten([(chosen[k][0], chosen[k][1]) for k in order])
    return _sorted(document), warnings


def _shown(key, value):
    return MASK if is_secret_setting(key) else repr(value)


# Top-level sections first in the order REX-Ray documents them, then the rest by name.
_SECTION_ORDER = ('rexray', 'libstorage', 'linux', 'docker', 'aws', 'ebs', 'efs')


def _sorted(document):
    def rank(key):
        lower = key.lower()
        return (_SECTION_ORDER.index(lower) if lower in _SECTION_ORDER else len(_SECTION_ORDER), lower)

    def deep(value):
        if isinstance(value, dict):
            return dict((k, deep(value[k])) for k in sorted(value, key=lambda k: k.lower()))
        return value

    return dict((k, deep(document[k])) for k in sorted(document, key=rank))


def is_secret_setting(key):
    """A dotted key whose last part names a credential (ebs.secretKey, aws.accessKey, ...): the one detector,
    ``_secrets.is_secret_key``, asked about the last part only (``secret.region`` is not a credential)."""
    return is_secret_key(str(key).rsplit('.', 1)[-1])


def has_secrets(document):
    return any(is_secret_setting(k) and v not in (None, '') for k, v in flatten(document))


def mask_document(document):
    """Deep copy with every credential value (and every password inside a URL) replaced by a mask."""
    masked = copy.deepcopy(document)

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (dict, list)):
                    walk(value)
                elif is_secret_setting(key) and value not in (None, ''):
                    node[key] = MASK
                else:
                    node[key] = mask_url_passwords(value)
        elif isinstance(node, list):
            for i, item in enumerate(node):
                if isinstance(item, (dict, list)):
                    walk(item)
                else:
                    node[i] = mask_url_passwords(item)

    walk(masked)
    return masked


def document_secrets(document):
    """The credential values of a document (to register as no_log), URL passwords included."""
    out = set()
    for key, value in flatten(document) if isinstance(document, dict) else []:
        if is_secret_setting(key):
            out.update(str(v) for v in (value if isinstance(value, list) else [value]) if worth_hiding(v))
        else:
            out.update(secret_values(value))
    return out
