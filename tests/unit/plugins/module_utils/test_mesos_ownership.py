# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.dcos.stateful.plugins.module_utils._mesos.audit import audit
from ansible_collections.dcos.stateful.plugins.module_utils._mesos.ownership import (
    find_audit_entry,
    marathon_owner,
    refusal_from_audit,
    refusal_without_marathon,
)

FW = 'fw-0001'
SUSP = 'db_pg.instance-11111111-2222-3333-4444-555555555555'
GONE = 'db_pg.instance-aaaaaaaa-2222-3333-4444-555555555555'


def res(name, value, instance, pid=None):
    labels = {'labels': [{'key': 'marathon_framework_id', 'value': FW}, {'key': 'marathon_task_id', 'value': instance}]}
    result = {'name': name, 'type': 'SCALAR', 'scalar': {'value': value}, 'role': 'slave_public',
              'reservation': {'principal': 'dcos_marathon', 'labels': labels}}
    if pid:
        result['disk'] = {'persistence': {'id': pid}, 'volume': {'container_path': 'data', 'mode': 'RW'}}
    return result


AGENT = {'slaves': [{'id': 'S0', 'hostname': 'h', 'reserved_resources_full': {'slave_public': [
    res('cpus', 0.1, SUSP), res('disk', 8, SUSP, pid='db_pg#data#s'),
    res('cpus', 0.1, GONE), res('mem', 16, GONE),
]}}]}
APPS = {'apps': [{'id': '/db/pg', 'tasks': [
    {'id': SUSP + '._app.1', 'state': 'TASK_KILLED', 'slaveId': 'S0',
     'localVolumes': [{'containerPath': 'data', 'persistenceId': 'db_pg#data#s'}]}]}]}
PARAMS = {'role': 'slave_public', 'persistence_id': 'db_pg#data#s', 'reservation_principal': None}
GONE_LABELS = {'marathon_framework_id': FW, 'marathon_task_id': GONE}


@pytest.mark.parametrize('labels, owned', [
    ({}, False),
    ({'owner': 'me'}, False),
    ({'marathon_framework_id': FW}, True),
    ({'marathon_task_id': SUSP}, True),
])
def test_marathon_owner(labels, owned):
    assert (marathon_owner(labels) is not None) is owned


@pytest.mark.parametrize('is_volume, params, labels, status', [
    (True, PARAMS, None, 'suspended'),                     # the scaled-to-0 instance's volume
    (False, dict(PARAMS, persistence_id=None), GONE_LABELS, 'orphaned'),   # a wiped instance's cpus/mem
    (False, dict(PARAMS, reservation_principal='other'), GONE_LABELS, None),
    (True, dict(PARAMS, persistence_id='nope'), None, None),
])
def test_find_audit_entry(is_volume, params, labels, status):
    entry = find_audit_entry(audit(AGENT, APPS, framework_id=FW), params, is_volume, labels)
    assert (entry or {}).get('status') == status


def test_another_marathon_is_not_orphaned():
    # judged against the framework id Marathon reports (/v2/info), another framework's reservation is not
    # called orphaned, so the guard refuses it
    entry = find_audit_entry(audit(AGENT, APPS, framework_id='other-fw'), dict(PARAMS, persistence_id=None),
                             False, GONE_LABELS)
    assert entry['status'] == 'not_marathon'


def test_refusals_say_what_to_do():
    owner = marathon_owner(GONE_LABELS)
    text = refusal_without_marathon('volume x', owner)
    assert 'marathon_url' in text and 'allow_marathon_data_loss=true' in text and 'Nothing was sent' in text
    text = refusal_from_audit('volume x', owner, {'status': 'suspended', 'reason': 'instance kept'})
    assert 'suspended' in text and 'instance kept' in text and 'allow_marathon_data_loss' in text
    assert 'not listed' in refusal_from_audit('volume x', owner, None)
