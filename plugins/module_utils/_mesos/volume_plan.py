# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: this module_util is internal to dcos.stateful; its API may change without notice.

"""Decision logic of ``mesos_volume``: pure functions over one agent of ``/master/slaves``.

``find_agent`` picks the agent, ``observe`` reads what Mesos lists for the requested volume,
``plan_present``/``plan_absent``/``plan_reservation_absent`` return the operator calls still needed,
``confirmed`` tells whether a later read of ``/master/slaves`` shows an accepted call applied, and
``surplus``/``undo_surplus`` find and undo what a late call applied twice (a re-sent reserve or unreserve).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.dcos.stateful.plugins.module_utils._mesos.resources import (
    build_reserved_disk,
    build_volume,
    container_path,
    current_reservation,
    disk_source,
    is_disk,
    is_volume,
    persistence_id,
    reservation_key,
    resource_role,
    round_scalar,
    scalar,
    strip_volume,
    summarize,
)


class PlanError(Exception):
    """The request cannot be met without destroying or changing what exists; ``field`` names the option."""

    def __init__(self, message, field=None, **extra):
        super(PlanError, self).__init__(message)
        self.message = message
        self.field = field
        self.extra = extra


def find_agent(payload, agent_id=None, hostname=None):
    """Return the agent dict of ``/master/slaves`` named by id or hostname, or raise PlanError."""
    slaves = (payload or {}).get('slaves') or []
    if agent_id:
        for slave in slaves:
            if slave.get('id') == agent_id:
                return slave
        raise PlanError('No agent with id %r is registered with the Mesos master' % agent_id, field='agent_id')
    matches = [s for s in slaves if s.get('hostname') == hostname]
    if len(matches) > 1:
        active = [s for s in matches if s.get('active', True)]
        matches = active if active else matches
    if not matches:
        raise PlanError('No agent with hostname %r is registered with the Mesos master' % hostname,
                        field='agent_hostname')
    if len(matches) > 1:
        raise PlanError('Hostname %r matches several active agents (%s); name one with agent_id'
                        % (hostname, ', '.join(s.get('id') for s in matches)), field='agent_hostname')
    return matches[0]


def agent_reserved(agent):
    """All resources the agent lists as reserved (every role), as one list."""
    result = []
    for resources in (agent.get('reserved_resources_full') or {}).values():
        result.extend(resources or [])
    return result


def find_volume(agent, role, pid):
    for resource in agent_reserved(agent):
        if is_volume(resource) and persistence_id(resource) == pid and resource_role(resource) == role:
            return resource
    return None


def volume_in_use(agent, role, pid):
    for resource in agent.get('used_resources_full') or []:
        if is_volume(resource) and persistence_id(resource) == pid and resource_role(resource) == role:
            return True
    return False


def free_reserved_disk(agent, key):
    """Reserved disk without a volume whose reservation (role, principal, labels, source) equals ``key``."""
    return [r for r in agent_reserved(agent)
            if is_disk(r) and not is_volume(r) and reservation_key(r) == key]


def unreserved_disk(agent):
    return round_scalar(sum(scalar(r) for r in agent.get('unreserved_resources_full') or [] if is_disk(r)))


def desired_volume(params):
    """The volume as ``/master/create-volumes`` would be given it."""
    return build_volume(
        params['size'], params['role'], params['persistence_id'], params['container_path'],
        principal=params.get('principal'), labels=params.get('labels'), source=params.get('disk_source'))


def desired_reservation(params, size):
    return build_reserved_disk(
        size, params['role'], principal=params.get('principal'), labels=params.get('labels'),
        source=params.get('disk_source'))


def reservation_matches(resource, params):
    """Is ``resource`` on the dynamic reservation named by role, labels and (when set) reservation principal?"""
    reservation = current_reservation(resource)
    if reservation is None or reservation['type'] != 'DYNAMIC' or reservation['role'] != params['role']:
        return False
    if reservation['labels'] != (params.get('labels') or {}):
        return False
    principal = params.get('reservation_principal')
    return principal is None or reservation['principal'] == principal


def reservation_members(agent, params):
    """(volumes, other resources) the agent lists on the reservation ``params`` names, exactly as listed."""
    volumes, others = [], []
    for resource in agent_reserved(agent):
        if reservation_matches(resource, params):
            (volumes if is_volume(resource) else others).append(resource)
    return volumes, others


def observe(agent, params, key=None):
    """What Mesos lists about the requested volume on ``agent``.

    ``free_reserved`` counts disk of the volume's reservation when the volume is listed, else of ``key``
    (the reservation of a volume just destroyed), else of the reservation the options describe.
    """
    role, pid = params['role'], params['persistence_id']
    volume = find_volume(agent, role, pid)
    if volume is not None:
        key = reservation_key(strip_volume(volume))
    elif key is None:
        key = reservation_key(desired_reservation(params, 0))
    free = free_reserved_disk(agent, key)
    whole = params.get('reservation') == 'absent'
    members = reservation_members(agent, params) if whole else ([], [])
    return {
        'key': key,
        'agent_id': agent.get('id'),
        'hostname': agent.get('hostname'),
        'volume': volume,
        'in_use': volume_in_use(agent, role, pid) if volume else False,
        'reserved_disk': free,
        'free_reserved': round_scalar(sum(scalar(r) for r in free)),
        'unreserved_disk': unreserved_disk(agent),
        'whole': whole,
        'reservation_volumes': members[0],
        'reservation_free': members[1],
    }


def differences(volume, params):
    """Options the user set that differ from the existing volume: list of (field, existing, requested)."""
    reservation = current_reservation(volume) or {}
    checks = [
        ('container_path', container_path(volume), params.get('container_path')),
        ('size', scalar(volume), round_scalar(params['size']) if params.get('size') is not None else None),
        ('labels', reservation.get('labels') or {}, params.get('labels')),
        ('reservation_principal', reservation.get('principal'), params.get('reservation_principal')),
        ('disk_source', disk_source(volume), params.get('disk_source')),
    ]
    return [(field, have, want) for field, have, want in checks if want is not None and have != want]


def _mismatch(volume, params, verb):
    diffs = differences(volume, params)
    if not diffs:
        return None
    text = '; '.join('%s is %r, requested %r' % d for d in diffs)
    return PlanError(
        'Volume %r of role %r already exists and differs: %s. Mesos cannot change a volume in place; %s'
        % (params['persistence_id'], params['role'], text, verb),
        field=diffs[0][0], differences=[{'field': f, 'existing': h, 'requested': w} for f, h, w in diffs])


def plan_present(observed, params):
    """Operations still needed so that the volume exists: [] when it already does."""
    volume = observed['volume']
    if volume is not None:
        error = _mismatch(volume, params, 'destroy it first (state=absent) or use another persistence_id.')
        if error:
            raise error
        return []
    size = round_scalar(params['size'])
    shortfall = round_scalar(size - observed['free_reserved'])
    ops = []
    if shortfall > 0:
        ops.append({'action': 'reserve', 'resources': [desired_reservation(params, shortfall)], 'size': shortfall})
    ops.append({'action': 'create', 'resources': [desired_volume(params)], 'size': size})
    return ops


def plan_absent(observed, params):
    """Operations still needed so that the volume is gone: [] when Mesos does not list it.

    The destroy sends the volume exactly as Mesos lists it; the unreserve sends the same resource
    without persistence/volume, so only the disk this volume held is released.
    """
    volume = observed['volume']
    if volume is None:
        return []
    error = _mismatch(volume, params, 'refusing to destroy a volume that does not match the description given.')
    if error:
        raise error
    ops = [{'action': 'destroy', 'resources': [volume], 'size': scalar(volume)}]
    if not params.get('keep_reservation'):
        ops.append({'action': 'unreserve', 'resources': [strip_volume(volume)], 'size': scalar(volume)})
    return ops


def plan_reservation_absent(observed, params):
    """Operations still needed so that the reservation named by role, labels (and reservation principal) holds
    nothing on the agent: destroy the volume named by ``persistence_id`` (if listed), then unreserve every
    other resource of the reservation exactly as listed. [] when nothing is left.

    Volumes on the reservation that were not named are never destroyed: the plan fails naming them.
    Called again after each accepted call, on a fresh read, so the unreserve sends what is listed then.
    """
    pid = params.get('persistence_id')
    volume = observed['volume']
    if volume is not None and not reservation_matches(volume, params):
        reservation = current_reservation(volume) or {}
        raise PlanError(
            'Volume %r is on another reservation (principal %r, labels %r) than the one described; refusing to '
            'destroy it' % (pid, reservation.get('principal'), reservation.get('labels')), field='labels')
    others = sorted(persistence_id(v) for v in observed['reservation_volumes'] if persistence_id(v) != pid)
    if others:
        raise PlanError(
            'The reservation of role %r with labels %r still holds volumes that were not named: %s. Destroy them '
            'first (state=absent with their persistence_id); nothing was sent.'
            % (params['role'], params.get('labels') or {}, ', '.join(others)), field='reservation',
            volumes=others)
    ops = []
    if volume is not None:
        error = _mismatch(volume, params, 'refusing to destroy a volume that does not match the description '
                                          'given.')
        if error:
            raise error
        ops.append({'action': 'destroy', 'resources': [volume], 'size': scalar(volume)})
        return ops
    free = observed['reservation_free']
    if free:
        ops.append({'action': 'unreserve', 'resources': list(free), 'whole': True,
                    'size': round_scalar(sum(scalar(r) for r in free if is_disk(r)))})
    return ops


def confirmed(op, before, after):
    """Does the later observation ``after`` show ``op`` (accepted when ``before`` was read) applied?"""
    action = op['action']
    if action == 'create':
        return after['volume'] is not None
    if action == 'destroy':
        return after['volume'] is None
    if op.get('whole'):
        return not after['reservation_free']
    if action == 'reserve':
        return after['free_reserved'] >= round_scalar(before['free_reserved'] + op['size'])
    if action == 'unreserve':
        return after['free_reserved'] <= round_scalar(before['free_reserved'] - op['size'])
    raise ValueError(action)


def surplus(op, expected_free, observed_free, potential):
    """MiB a reserve or unreserve applied more than once moved beyond ``expected_free``, at most ``potential``.

    Mesos merges equal reservations, so a re-sent reserve whose first send was applied late leaves more free
    reserved disk than planned, and a re-sent unreserve leaves less; the Mesos persistent-volume document
    advises to detect this and undo it. ``potential`` (the MiB this run may have sent twice) bounds what is
    blamed on this run, so another client's disk on the same reservation is never taken for surplus.
    """
    if op['action'] == 'reserve':
        excess = observed_free - expected_free
    elif op['action'] == 'unreserve' and not op.get('whole'):
        excess = expected_free - observed_free
    else:
        return 0.0
    return round_scalar(min(potential, max(0.0, excess)))


def undo_surplus(op, amount):
    """The call that undoes ``amount`` MiB applied twice by ``op``: unreserve a reserve, reserve an unreserve.

    Built from the reservation ``op`` sent (role, principal, labels, disk source), in the pre-refinement shape
    every Mesos version accepts.
    """
    resource = op['resources'][0]
    reservation = current_reservation(resource) or {}
    undo = build_reserved_disk(amount, reservation.get('role'), principal=reservation.get('principal'),
                               labels=reservation.get('labels') or None, source=disk_source(resource))
    action = 'unreserve' if op['action'] == 'reserve' else 'reserve'
    return {'action': action, 'resources': [undo], 'size': amount, 'undo': True}


def agent_agrees(master_observed, agent_observed):
    """Does the agent's own ``/state`` show the volume and reserved disk the master lists?"""
    return ((master_observed['volume'] is None) == (agent_observed['volume'] is None)
            and agent_observed['free_reserved'] == master_observed['free_reserved']
            and len(agent_observed.get('reservation_free') or []) == len(master_observed.get('reservation_free')
                                                                         or []))


def predict(observed, ops):
    """Observation expected once ``ops`` are applied (check mode and diff)."""
    result = dict(observed)
    free = observed['free_reserved']
    for op in ops:
        if op['action'] == 'reserve':
            free = round_scalar(free + op['size'])
        elif op['action'] == 'create':
            free = round_scalar(free - op['size'])
            result['volume'] = op['resources'][0]
        elif op['action'] == 'destroy':
            free = round_scalar(free + op['size'])
            destroyed = op['resources'][0]
            result['volume'] = None
            if result.get('whole'):
                result['reservation_volumes'] = [v for v in result['reservation_volumes'] if v != destroyed]
                result['reservation_free'] = list(result['reservation_free']) + [strip_volume(destroyed)]
        elif op['action'] == 'unreserve' and op.get('whole'):
            free = round_scalar(max(0.0, free - op['size']))
            result['reservation_free'] = []
        elif op['action'] == 'unreserve':
            free = round_scalar(free - op['size'])
    result['free_reserved'] = free
    return result


def plan_through(observed, params, plan):
    """Every call ``plan`` needs, re-planning on the predicted state after each one (check mode)."""
    ops = []
    for _round in range(4):  # destroy, then unreserve: a plan settles in two rounds
        step = plan(observed, params)
        if not step:
            break
        ops.extend(step)
        observed = predict(observed, step)
    return ops


def view(observed):
    """The part of an observation shown to the user (return values and diff)."""
    volume = observed['volume']
    reservation = current_reservation(volume) if volume else None
    result = {
        'volume': volume,
        'reservation': reservation,
        'free_reserved_disk': observed['free_reserved'],
    }
    if observed.get('whole'):
        result['reservation_resources'] = observed['reservation_free']
    return result


def describe_conflict(op, observed, params):
    """Text for a 409: what the agent has against what was asked."""
    if op['action'] in ('unreserve', 'destroy'):
        return ('agent %s (%s) no longer holds the %s MiB %s that was listed a moment ago; it has %s MiB of '
                'disk reserved with this reservation and no volume'
                % (observed['agent_id'], observed['hostname'], _num(op['size']),
                   'reservation' if op['action'] == 'unreserve' else 'volume', _num(observed['free_reserved'])))
    return ('agent %s (%s) has %s MiB of unreserved disk and %s MiB of disk already reserved for role %r '
            'with these labels and no volume; asked for a %s MiB volume'
            % (observed['agent_id'], observed['hostname'], _num(observed['unreserved_disk']),
               _num(observed['free_reserved']), params['role'], _num(round_scalar(params['size']))))


def _num(value):
    return ('%d' % value) if value == int(value) else ('%s' % value)


def agent_summary(agent):
    return {
        'id': agent.get('id'),
        'hostname': agent.get('hostname'),
        'active': agent.get('active'),
        'unreserved': summarize(agent.get('unreserved_resources_full')),
    }
