# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""What external_volume does to EBS: pure functions over the volumes of one name (ec2.volume_record), no I/O.

REX-Ray finds a volume by ``Name`` tag in the agent's zone only and creates an empty one when it finds none, so
a second volume of the same name in another zone (a twin) is never created unless asked, an existing volume
is never silently taken for what was asked (its size and type are compared and reported), and a volume is
deleted only when EC2 says nobody holds it (``available``) and no Marathon app references it (unless forced).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class PlanError(ValueError):
    """The request cannot be carried out safely; the message says why and what to do."""


def _ids(volumes):
    return ', '.join('%s in %s' % (v['id'], v['zone']) for v in volumes)


def differences(volume, wanted):
    """``[{field, wanted, actual}]`` for each asked property the existing volume does not have."""
    out = []
    for field in ('size', 'type', 'iops', 'encrypted'):
        want = wanted.get(field)
        if want is not None and volume.get(field) != want:
            out.append({'field': field, 'wanted': want, 'actual': volume.get(field)})
    return out


def plan_present(existing, name, zone, wanted, tags, allow_twin=False):
    """``{'action': 'create'|'tag'|'none', 'volume', 'zone', 'differences', 'tags_to_set'}``.

    ``existing``: every live volume with that name, all zones. ``wanted``: size, type, iops, encrypted (None:
    not asked)."""
    if zone is None:
        zones = sorted(set(v['zone'] for v in existing))
        if len(zones) > 1:
            raise PlanError('volume %s exists in %d zones (%s): give availability_zone to say which one' % (
                name, len(zones), _ids(existing)))
        if not zones:
            raise PlanError('volume %s does not exist: availability_zone is required to create it (REX-Ray only '
                            'finds a volume in the zone of the agent that mounts it)' % name)
        zone = zones[0]
    here = [v for v in existing if v['zone'] == zone]
    if len(here) > 1:
        raise PlanError('%d EBS volumes are named %s in %s (%s): REX-Ray would take any of them; keep one (compare '
                        'their data first)' % (len(here), name, zone, _ids(here)))
    if here:
        volume = here[0]
        to_set = dict((k, v) for k, v in (tags or {}).items() if volume['tags'].get(k) != v)
        return {'action': 'tag' if to_set else 'none', 'volume': volume, 'zone': zone,
                'differences': differences(volume, wanted), 'tags_to_set': to_set}
    elsewhere = [v for v in existing if v['zone'] != zone]
    if elsewhere and not allow_twin:
        raise PlanError('volume %s already exists in another zone (%s): a second one in %s would be an empty twin '
                        'that tasks in %s mount instead of the data; set allow_twin=true if that is really wanted' % (
                            name, _ids(elsewhere), zone, zone))
    if wanted.get('size') is None:
        raise PlanError('size is required to create volume %s (without it REX-Ray\'s implicit create would have '
                        'made 16 GiB)' % name)
    return {'action': 'create', 'volume': None, 'zone': zone, 'differences': [], 'tags_to_set': dict(tags or {})}


def plan_absent(existing, name, zone, references, marathon_checked, force=False):
    """``{'action': 'delete'|'none', 'volume', 'warnings'}``; raises PlanError when deleting is unsafe.

    ``references``: app ids that declare the name (meaningful when ``marathon_checked``)."""
    candidates = [v for v in existing if zone is None or v['zone'] == zone]
    if not candidates:
        return {'action': 'none', 'volume': None, 'warnings': []}
    if len(candidates) > 1:
        raise PlanError('%d EBS volumes are named %s (%s): give availability_zone to say which one to delete' % (
            len(candidates), name, _ids(candidates)))
    volume = candidates[0]
    if volume['state'] != 'available':
        held = ' (attached to instance %s)' % volume['instance_id'] if volume.get('instance_id') else ''
        raise PlanError('volume %s (%s) is %s%s: an attached volume is never deleted; stop the app that mounts it '
                        'first (scale it to 0) and retry' % (name, volume['id'], volume['state'], held))
    warnings = []
    if references:
        apps = ', '.join(sorted(references))
        if not force:
            raise PlanError('volume %s (%s) is referenced by Marathon app(s) %s: their next launch would create an '
                            'empty volume; remove the volume from the app(s) first, or set force=true' % (
                                name, volume['id'], apps))
        warnings.append('deleting volume %s although Marathon app(s) %s reference it (force=true): their next launch '
                        'creates an empty one' % (name, apps))
    elif not marathon_checked:
        warnings.append('marathon_url not given: whether a Marathon app references volume %s was not checked' % name)
    return {'action': 'delete', 'volume': volume, 'warnings': warnings}


def diff_view(volume):
    """The part of a volume record shown in --diff (nothing that changes on its own, such as create_time)."""
    if not volume:
        return {}
    keys = ('id', 'name', 'tag_name', 'zone', 'size', 'type', 'iops', 'encrypted', 'state', 'tags')
    return dict((k, volume.get(k)) for k in keys)
