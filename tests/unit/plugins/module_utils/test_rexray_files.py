# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ensure_file writes through the module's atomic_move (owner, SELinux context, unsafe_writes), never exposing a
new credentials file (issue 10)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import stat

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.testing import patch_module_args

from ansible_collections.dcos.stateful.plugins.module_utils._files import ensure_file


class RecordingModule(AnsibleModule):
    """A real AnsibleModule that notes the mode ``dest`` has when atomic_move is asked to replace it."""

    moves = []

    def atomic_move(self, src, dest, unsafe_writes=False, keep_dest_attrs=True):
        mode = stat.S_IMODE(os.stat(dest).st_mode) if os.path.exists(dest) else None
        self.moves.append((dest, mode, unsafe_writes))
        return super(RecordingModule, self).atomic_move(src, dest, unsafe_writes=unsafe_writes,
                                                        keep_dest_attrs=keep_dest_attrs)


def make_module(**args):
    with patch_module_args(args):
        return RecordingModule(argument_spec={}, add_file_common_args=True, supports_check_mode=True)


def test_a_new_file_is_written_through_atomic_move_and_is_never_readable_by_others(tmp_path):
    dest = str(tmp_path / 'config.yml')
    old_umask = os.umask(0o022)
    try:
        RecordingModule.moves = []
        module = make_module(unsafe_writes=True)
        result = ensure_file(module, dest, 'secretKey: s3cr3t\n', default_mode='0600')
    finally:
        os.umask(old_umask)
    assert result['changed'] is True
    assert open(dest).read() == 'secretKey: s3cr3t\n'
    # atomic_move replaced a 0600 placeholder, so it kept 0600 rather than the umask default (0644)
    assert RecordingModule.moves == [(dest, 0o600, True)]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert [p for p in os.listdir(str(tmp_path)) if p != 'config.yml'] == []  # no temporary file left


def test_an_existing_file_keeps_its_content_until_replaced_and_is_idempotent(tmp_path):
    dest = tmp_path / 'config.yml'
    dest.write_text('a: 1\n')
    os.chmod(str(dest), 0o640)
    RecordingModule.moves = []
    module = make_module()
    result = ensure_file(module, str(dest), 'a: 2\n', default_mode='0600')
    assert result['changed'] is True and dest.read_text() == 'a: 2\n'
    assert RecordingModule.moves == [(str(dest), 0o640, False)]
    assert stat.S_IMODE(os.stat(str(dest)).st_mode) == 0o600
    RecordingModule.moves = []
    again = ensure_file(make_module(), str(dest), 'a: 2\n', default_mode='0600')
    assert again['changed'] is False and RecordingModule.moves == []
