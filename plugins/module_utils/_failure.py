# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""``ModuleFailure``: the one way a runner ends a module run with a failure.

Runners (``AppRunner``, ``WipeRunner``, ``VolumeRunner``, ...) never call ``fail_json``: they raise
``ModuleFailure(msg, **result)``, and the module wrapper's ``run()`` (``MarathonModule.run``,
``MesosModule.run``) turns it, and any ``ApiError`` that escapes, into ``fail_json`` in one place. So a runner
can be driven by a test without an AnsibleModule exiting the process, and every failure of a module goes
through the same formatting (the server's message, status and details; secrets hidden by Ansible's no_log).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleFailure(Exception):
    """End the run with ``fail_json(msg=msg, **result)``.

    ``error``: the ``ApiError`` behind the failure, if any; then ``msg`` says what was being done and the
    wrapper adds the server's own words, status and details (as its ``fail_api`` does).
    """

    def __init__(self, msg, error=None, **result):
        super(ModuleFailure, self).__init__(msg)
        self.msg = msg
        self.error = error
        self.result = result
