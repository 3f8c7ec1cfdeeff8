# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""The collection's one secret detector: which values are secrets, how they are masked and hidden.

Every module asks this file: key names (judged by their word parts), passwords inside URLs in any value,
masking of results and diffs, and the values registered with Ansible as no_log (so that Ansible hides them
wherever they would appear, also in messages and in the invocation shown at -vvv).
`SecretAwareModule` registers the secrets found in its options before Ansible validates them, so even an
argument error never prints one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

from ansible.module_utils.basic import AnsibleModule

MASK = '********'
CHANGED_SUFFIX = ' (changed)'
MASK_CHANGED = MASK + CHANGED_SUFFIX  # after-side of a masked value that changes, so --diff shows a change

# Key names are judged by their word parts (split on _ - . / and camelCase), not by substrings:
# "monkey", "keyboard_layout" and the literal "key" field of docker parameters / labels are not secrets.
SECRET_WORDS = frozenset(['password', 'passwords', 'passwd', 'pass', 'passphrase', 'secret', 'secrets', 'token',
                          'tokens', 'apikey', 'apikeys', 'credential', 'credentials', 'privatekey', 'secretkey'])
# A word part that merely contains one of these is a password too: PGPASSWORD, DBPASSWD, MYSQL_ROOT_PASSWORD.
PASSWORD_STEMS = ('password', 'passwd', 'passphrase')
# "key" (API_KEY, ssh-key, privateKey) and "pwd" (MYSQL_PWD) are secrets only as the last part of a longer
# name: KEY_COUNT and the shell's PWD (a working directory) are not.
LAST_WORDS = frozenset(['key', 'keys', 'pwd'])
# Known credential names that the word rules do not catch.
KNOWN_SECRET_NAMES = frozenset(['license_key_contents'])

_NAME_SEPARATORS_RE = re.compile(r'[_\-./\s]+')
_CAMEL_PART_RE = re.compile(r'[A-Z]+(?![a-z])|[A-Z]?[a-z]+')
# scheme://user:password@host - the password is what lies between the first ':' and the '@' of the authority.
_URL_USERINFO_RE = re.compile(r'(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^/\s:@]*:)(?P<password>[^/\s@]+)(?P<at>@)')

# Ansible hides a no_log value wherever it occurs in the output, also inside other strings and numbers: a short
# or common value ("1", "d", "true") under a key that merely looks secret would turn cpus, task ids and every
# "true" into ********. Such values are not registered; results and diffs still mask them (mask_secrets).
MIN_NO_LOG_LENGTH = 4
NOT_SECRETS = frozenset(['true', 'false', 'yes', 'no', 'on', 'off', 'none', 'null'])


def name_parts(name):
    """Lower-case word parts of a key name: 'dbPassword' -> ['db', 'password'], 'API_KEY' -> ['api', 'key']."""
    return [part.lower() for chunk in _NAME_SEPARATORS_RE.split(name) for part in _CAMEL_PART_RE.findall(chunk)]


def is_secret_key(name):
    """Whether values under this key name are secrets (masked in output, registered as no_log)."""
    if not isinstance(name, str) or not name:
        return False
    if name.lower() in KNOWN_SECRET_NAMES:
        return True
    parts = name_parts(name)
    if any(part in SECRET_WORDS or any(stem in part for stem in PASSWORD_STEMS) for part in parts):
        return True
    return len(parts) > 1 and parts[-1] in LAST_WORDS


def is_reference(mapping):
    """Marathon's env entry {"secret": "<name of a secrets entry>"} names a secret; it is not one."""
    return isinstance(mapping, dict) and list(mapping) == ['secret']


# ---------------------------------------------------------------- URLs

def url_passwords(text):
    """Passwords written into URLs inside ``text`` (postgres://user:p4ss@db/x -> ['p4ss'])."""
    if not isinstance(text, str) or '://' not in text:
        return []
    return [m.group('password') for m in _URL_USERINFO_RE.finditer(text) if m.group('password') != MASK]


def mask_url_passwords(text):
    """``text`` with the password of every URL replaced by the mask; other text unchanged."""
    if not isinstance(text, str) or '://' not in text:
        return text
    return _URL_USERINFO_RE.sub(lambda m: m.group('head') + MASK + m.group('at'), text)


# ---------------------------------------------------------------- masking

def mask_secrets(value):
    """Copy of ``value`` with the values of secret-looking keys and URL passwords replaced by the mask."""
    if isinstance(value, dict):
        out = {}
        reference = is_reference(value)
        for k, v in value.items():
            if is_secret_key(k) and not isinstance(v, (dict, list)) and v not in (None, '') and not reference:
                out[k] = MASK
            else:
                out[k] = mask_secrets(v)
        return out
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return mask_url_passwords(value)


def mask_whole(value):
    """The mask for a secret scalar, a mapping or list of masks for a secret structure (docker credentials)."""
    if isinstance(value, dict):
        return dict((k, mask_whole(v)) for k, v in value.items())
    if isinstance(value, list):
        return [mask_whole(v) for v in value]
    return value if value in (None, '') else MASK


def flag_changed_secrets(before, after, masked_after, masked_before=None):
    """Mark masked values that changed, in place: both sides would read the same and --diff would show nothing."""
    masked_before = mask_secrets(before) if masked_before is None else masked_before
    if isinstance(before, dict) and isinstance(after, dict) and isinstance(masked_after, dict):
        for k in masked_after:
            if k in before and k in after:
                _flag(before[k], after[k], masked_after, k, masked_before.get(k) if isinstance(masked_before, dict) else None)
    elif isinstance(before, list) and isinstance(after, list) and isinstance(masked_after, list) \
            and len(before) == len(after) == len(masked_after):
        for i in range(len(masked_after)):
            _flag(before[i], after[i], masked_after, i,
                  masked_before[i] if isinstance(masked_before, list) and len(masked_before) > i else None)


def _flag(before, after, masked_after, k, masked_before):
    shown = masked_after[k]
    if isinstance(shown, str) and MASK in shown and before != after and shown == masked_before:
        masked_after[k] = shown + CHANGED_SUFFIX
    elif isinstance(shown, (dict, list)):
        flag_changed_secrets(before, after, shown, masked_before)


def restore_masked(desired, current, path=''):
    """The mask fed back (this collection's own masked output reused as input) keeps the current value.

    Returns (copy of desired, paths of masked values that have no current value to keep).
    """
    missing = []
    if isinstance(desired, dict):
        out = {}
        for k, v in desired.items():
            sub = '%s/%s' % (path, k)
            have = current.get(k) if isinstance(current, dict) else None
            if is_secret_key(k) and v == MASK:
                if have is None or have == MASK:
                    missing.append(sub)
                out[k] = have if have is not None else v
            else:
                out[k], more = restore_masked(v, have, sub)
                missing.extend(more)
        return out, missing
    if isinstance(desired, list):
        have = current if isinstance(current, list) and len(current) == len(desired) else [None] * len(desired)
        out = []
        for i, (v, h) in enumerate(zip(desired, have)):
            item, more = restore_masked(v, h, '%s(%d)' % (path, i))
            out.append(item)
            missing.extend(more)
        return out, missing
    if isinstance(desired, str) and MASK in desired and _URL_USERINFO_RE.search(desired):
        # a URL whose password was masked: keep the current URL when it reads the same once masked
        if isinstance(current, str) and current != desired and mask_url_passwords(current) == desired:
            return current, missing
        if any(m.group('password') == MASK for m in _URL_USERINFO_RE.finditer(desired)):
            missing.append(path)
    return desired, missing


# ---------------------------------------------------------------- no_log values

def worth_hiding(value):
    """A value long and unusual enough to be replaced wherever it occurs in Ansible's output."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return False
    text = str(value)
    return text != MASK and len(text) >= MIN_NO_LOG_LENGTH and text.lower() not in NOT_SECRETS


def secret_values(value, out=None, whole=False):
    """Scalar secrets inside ``value``: values of secret-looking keys and URL passwords.

    ``whole``: every scalar below a secret key counts (a credentials structure), not only direct values.
    """
    out = set() if out is None else out
    if isinstance(value, dict):
        reference = is_reference(value)
        for k, v in value.items():
            if reference:
                continue
            if is_secret_key(k):
                if isinstance(v, (dict, list)):
                    if whole:
                        _all_scalars(v, out)
                    else:
                        secret_values(v, out, whole)
                elif worth_hiding(v):
                    out.add(str(v))
                else:
                    secret_values(v, out, whole)
            else:
                secret_values(v, out, whole)
    elif isinstance(value, list):
        for v in value:
            secret_values(v, out, whole)
    else:
        for password in url_passwords(value):
            if worth_hiding(password):
                out.add(password)
    return out


def _all_scalars(value, out):
    if isinstance(value, dict):
        for v in value.values():
            _all_scalars(v, out)
    elif isinstance(value, list):
        for v in value:
            _all_scalars(v, out)
    elif worth_hiding(value):
        out.add(str(value))


def _decoded(value):
    """A dict option may arrive as JSON text (Ansible converts it only while validating)."""
    if isinstance(value, str) and value.lstrip().startswith(('{', '[')):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class SecretAwareModule(AnsibleModule):
    """AnsibleModule that hides the secrets inside its options from the first moment on.

    AnsibleModule validates the options (and may fail, printing them as the invocation at -vvv) and logs them
    to syslog inside its constructor; a module's own code runs only afterwards. ``scanned`` names the options
    whose nested values are searched (secret-looking keys, URL passwords) as soon as they are read.
    """

    def __init__(self, scanned=(), whole=False, **kwargs):
        self._scanned = tuple(scanned)
        self._scan_whole = whole
        try:
            super(SecretAwareModule, self).__init__(**kwargs)
        except OverflowError:
            # ansible-core's int check turns "INF" into Decimal('Infinity') and lets int()'s OverflowError escape
            # its argument validation: a traceback instead of a message. The options' no_log values are not
            # collected yet at that point, so none of the options is echoed (invocation) with the failure.
            self.params = {}
            self.fail_json(msg='an integer option was given an infinite number (such as "INF"); give a whole number')

    def _load_params(self):
        super(SecretAwareModule, self)._load_params()
        params = self.params if isinstance(self.params, dict) else {}
        for name in self._scanned:
            self.no_log_values.update(secret_values(_decoded(params.get(name)), whole=self._scan_whole))
