# -*- coding: utf-8 -*-
# Copyright: dcos.stateful contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# PRIVATE: internal to dcos.stateful; no compatibility guarantees.
"""Write a rendered configuration file atomically, with check mode, diff and masking.

Used by rexray_config, rexray_iam_policy and dcos_genconf. The caller passes text
that is already rendered plus the text to show in a diff (secrets masked).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile

from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text

try:
    import yaml
    HAS_YAML = True
except ImportError:  # PyYAML is optional on the target: JSON files still parse, YAML ones are then not shown
    HAS_YAML = False

from ansible_collections.dcos.stateful.plugins.module_utils._yaml import to_yaml

UNSHOWN = '# (the previous content is not shown: it could not be parsed, so its credentials could not be masked)\n'


def parse_document(text):
    """The mapping a configuration file holds (JSON, or YAML in any style), or None."""
    if not text:
        return None
    try:
        document = json.loads(text)
    except ValueError:
        document = None
        if HAS_YAML:
            try:
                document = yaml.safe_load(text)
            except yaml.YAMLError:
                document = None
    return document if isinstance(document, dict) else None


def masked_previous(text, mask, header=None):
    """The previous file for --diff, masked by parsing it (never line by line).

    A file in flow style or JSON keeps its credentials on lines a line-based mask cannot read, so the file
    is parsed, masked with ``mask`` and written out again as block YAML; our own header is kept so that a
    file we wrote compares equal. A file that cannot be parsed is not shown at all.
    """
    if text is None:
        return ''
    document = parse_document(text)
    if document is None:
        return UNSHOWN if text.strip() else text
    keep_header = header if header and text.startswith('# ' + header.splitlines()[0]) else None
    return to_yaml(mask(document), header=keep_header)


def read_text(path):
    """Current content of ``path`` or None when it does not exist."""
    try:
        with open(path, 'rb') as handle:
            return to_text(handle.read(), errors='surrogate_or_strict')
    except (IOError, OSError) as exc:
        if getattr(exc, 'errno', None) == 2:
            return None
        raise


def write_atomically(module, dest, content, new):
    """Write ``content`` to a private temporary file and move it over ``dest`` with ``module.atomic_move``, which
    keeps the owner and SELinux context of ``dest`` and honours ``unsafe_writes``.

    The temporary file is created 0600 in the same directory. atomic_move gives a file it *creates* the umask
    default (often 0644) until the mode is set afterwards, which would expose credentials for a moment; so a new
    ``dest`` is first created empty with 0600, and atomic_move copies that mode to what replaces it.
    """
    directory = os.path.dirname(dest)
    fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(dest), dir=directory)
    placeholder = False
    try:
        with os.fdopen(fd, 'wb') as handle:
            handle.write(to_bytes(content, errors='surrogate_or_strict'))
            handle.flush()
            os.fsync(handle.fileno())
        if new:
            try:
                os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                placeholder = True
            except FileExistsError:
                pass  # it appeared meanwhile: atomic_move keeps its attributes
        module.atomic_move(tmp, dest, unsafe_writes=module.params.get('unsafe_writes', False))
        placeholder = False
    except Exception as exc:  # pylint: disable=broad-except
        # atomic_move raises a plain Exception ("Could not replace ...") when neither rename nor copy worked
        module.fail_json(msg='cannot write %s: %s' % (dest, to_native(exc)))
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if placeholder and os.path.exists(dest) and os.path.getsize(dest) == 0:
            os.unlink(dest)


def ensure_file(module, dest, content, default_mode, backup=False):
    """Make ``dest`` hold ``content``; returns a result dict with changed, diff text and backup_file.

    Content goes through a temporary file in the same directory (created 0600, so a
    credential is never readable by others, not even for a moment) and ``module.atomic_move``
    (``write_atomically``). File attributes from ``add_file_common_args`` are applied afterwards;
    ``default_mode`` is used when the user gave no ``mode``.
    """
    dest = os.path.abspath(dest)
    directory = os.path.dirname(dest)
    if not os.path.isdir(directory):
        if module.check_mode:
            # An earlier task of the same check-mode run would have created it.
            module.warn('directory %s does not exist yet; in a real run it must exist before %s is written'
                        % (directory, dest))
            return {'changed': True, 'backup_file': None, 'before': None}
        module.fail_json(msg='directory %s for %s does not exist' % (directory, dest))
    try:
        before = read_text(dest)
    except (IOError, OSError) as exc:
        module.fail_json(msg='cannot read %s: %s' % (dest, to_native(exc)))

    result = {'changed': before != content, 'backup_file': None, 'before': before}
    if result['changed'] and not module.check_mode:
        if backup and before is not None:
            result['backup_file'] = module.backup_local(dest)
        write_atomically(module, dest, content, new=before is None)

    file_args = module.load_file_common_arguments(module.params, path=dest)
    if file_args.get('mode') is None:
        file_args['mode'] = default_mode
    if module.check_mode and not os.path.exists(dest):
        # Nothing to compare attributes against yet; the file would be created with them.
        return result
    attr_diff = {}
    result['changed'] = module.set_fs_attributes_if_different(file_args, result['changed'], diff=attr_diff)
    result['attributes_diff'] = attr_diff
    return result
