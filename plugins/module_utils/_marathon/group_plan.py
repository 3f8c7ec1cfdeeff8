# -*- coding: utf-8 -*-
# Copyright (c) dcos.stateful contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# PRIVATE: internal to dcos.stateful.

"""Pure decisions of marathon_group: the desired group tree, what differs from Marathon's, the one PUT body.

No I/O; tested as tables in tests/unit/plugins/module_utils/test_marathon_group_plan.py.

Real Marathon (1.10, external-volumes.md section 5): a group PUT with ``apps`` replaces the group's app set and
deletes every unlisted app, ``groups`` replaces the sub-groups (unlisted ones go with everything below), and apps in
the body are full definitions (no partial update). So the body built here is the whole group as it should be:
apps of the definition merged onto what Marathon holds (the user's fields only, as marathon_app does), and apps
missing from the definition sent back unchanged unless pruned.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.dcos.stateful.plugins.module_utils._marathon.app_rules import (
    masked_refusals, merged_errors, update_refusals,
)
from ansible_collections.dcos.stateful.plugins.module_utils._marathon.spec import (
    SERVER_FIELDS, app_id_errors, body_for_put, build_diff, canonical_app_id, differences, has_stateful_volumes,
    mask_secrets, predict_app, restore_masked,
)

GROUP_KEYS = frozenset(['id', 'apps', 'groups', 'dependencies', 'enforceRole'])
# what Marathon sets in the groups it returns: a group read back (GET /v2/groups/<id>, the module's own ``group``
# result, ``dcos marathon group show``) may be given as the definition
GROUP_SERVER_FIELDS = frozenset(['version'])


class DefinitionError(Exception):
    """The definition is not a group definition; the message names the field."""


def resolve(path, parent):
    """Marathon's PathId resolution: a relative path is read against its parent group."""
    return canonical_app_id(path if path.startswith('/') else parent.rstrip('/') + '/' + path)


def parent_of(path):
    return canonical_app_id(path.rsplit('/', 1)[0]) if path.count('/') > 1 else '/'


def _list_of_dicts(value, where):
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise DefinitionError('%s must be a list of objects' % where)
    return value


def _dependencies(value, parent, where):
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(d, str) and d for d in value):
        raise DefinitionError('%s must be a list of group or app paths' % where)
    return sorted(set(resolve(d, parent) for d in value))


def desired_tree(group_id, definition, where='definition'):
    """The definition as a tree of absolute ids: {id, apps: [...], groups: [...], dependencies or None}.

    Raises DefinitionError naming the field. ``dependencies`` is None when not given (Marathon's value is kept)."""
    if not isinstance(definition, dict):
        raise DefinitionError('%s must be an object (dict)' % where)
    # pods are not managed here; an empty list is what Marathon shows for a group without pods
    definition = dict((k, v) for k, v in definition.items() if k not in GROUP_SERVER_FIELDS and not (k == 'pods' and v == []))
    unknown = sorted(set(definition) - GROUP_KEYS)
    if unknown:
        raise DefinitionError('%s: unknown field(s) %s (a group has id, apps, groups, dependencies, enforceRole)' % (
            where, ', '.join(unknown)))
    own = definition.get('id')
    if own is not None:
        if not isinstance(own, str) or canonical_app_id(resolve(own, parent_of(group_id))) != group_id:
            raise DefinitionError("%s.id '%s' is not the group's path %s" % (where, own, group_id))
    enforce_role = definition.get('enforceRole')
    if enforce_role is not None and not isinstance(enforce_role, bool):
        raise DefinitionError('%s.enforceRole must be true or false' % where)
    tree = {'id': group_id, 'apps': [], 'groups': [], 'enforceRole': enforce_role,
            'dependencies': _dependencies(definition.get('dependencies'), group_id, where + '.dependencies')}
    for i, app in enumerate(_list_of_dicts(definition.get('apps'), where + '.apps')):
        tree['apps'].append(_desired_app(group_id, app, '%s.apps[%d]' % (where, i)))
    for i, sub in enumerate(_list_of_dicts(definition.get('groups'), where + '.groups')):
        sub_where = '%s.groups[%d]' % (where, i)
        if not isinstance(sub.get('id'), str) or not sub['id']:
            raise DefinitionError('%s.id is missing' % sub_where)
        sub_id = resolve(sub['id'], group_id)
        if parent_of(sub_id) != group_id:
            raise DefinitionError("%s.id: %s is not a child of the group %s" % (sub_where, sub_id, group_id))
        tree['groups'].append(desired_tree(sub_id, dict(sub, id=sub_id), sub_where))
    ids = [a['id'] for a in tree['apps']] + [g['id'] for g in tree['groups']]
    twice = sorted(set(x for x in ids if ids.count(x) > 1))
    if twice:
        raise DefinitionError('%s: the path(s) %s are given more than once (an app and a group may not share an id)' % (
            where, ', '.join(twice)))
    return tree


def _desired_app(group_id, app, where):
    """One app of a group definition: absolute id and dependencies, no server-set fields."""
    app = copy.deepcopy(app)
    if not isinstance(app.get('id'), str) or not app['id']:
        raise DefinitionError('%s.id is missing' % where)
    for key in SERVER_FIELDS:
        app.pop(key, None)
    app['id'] = resolve(app['id'], group_id)
    errors = app_id_errors(app['id'])
    if errors:
        raise DefinitionError('%s.id: %s' % (where, '; '.join(errors)))
    if parent_of(app['id']) != group_id:
        raise DefinitionError("%s.id: %s is not a child of the group %s" % (where, app['id'], group_id))
    deps = _dependencies(app.get('dependencies'), group_id, where + '.dependencies')
    if deps is not None:
        app['dependencies'] = deps
    return app


def apps_of(tree):
    """{app id: app} of a group tree, every level."""
    out = {}
    if not tree:
        return out
    for app in tree.get('apps') or []:
        if isinstance(app, dict) and isinstance(app.get('id'), str):
            out[canonical_app_id(app['id'])] = app
    for sub in tree.get('groups') or []:
        if isinstance(sub, dict):
            out.update(apps_of(sub))
    return out


def groups_of(tree):
    """{group id: group} of a group tree, every level, the tree itself included."""
    if not tree or not isinstance(tree.get('id'), str):
        return {}
    out = {canonical_app_id(tree['id']): tree}
    for sub in tree.get('groups') or []:
        if isinstance(sub, dict):
            out.update(groups_of(sub))
    return out


class Plan:
    """What one run does: created, updated (app -> changed keys), removed and kept apps, group changes, refusals,
    the body of the one PUT and the per-app diff."""

    def __init__(self):
        self.created = []
        self.updated = {}
        self.removed = []
        self.kept = []
        self.group_changes = []
        self.refusals = []  # (app id, message, details); a group's own refusal adds a fourth element, 'group'
        self.body = None
        self.diff = {'before': {}, 'after': {}}
        self.warn_about = []  # the apps as they will be (for the external-volume traps)

    @property
    def changed(self):
        return bool(self.created or self.updated or self.removed or self.group_changes)

    def changed_apps(self):
        return {'created': list(self.created), 'updated': dict(self.updated), 'removed': list(self.removed)}


def plan_group(desired, current, prune=False, remove_volumes=False, force=False):
    """The Plan for making ``current`` (Marathon's group, None when absent) match ``desired`` (desired_tree())."""
    plan = Plan()
    want_apps = apps_of(desired)
    have_apps = apps_of(current)
    sent = {}
    for app_id in sorted(want_apps):
        want = want_apps[app_id]
        have = have_apps.get(app_id)
        if have is None:
            plan.created.append(app_id)
            sent[app_id] = body_for_put(want)
            plan.refusals.extend(merged_errors(app_id, sent[app_id]))
            plan.diff['after'][app_id] = mask_secrets(sent[app_id])
            plan.warn_about.append(sent[app_id])
            continue
        want, missing = restore_masked(want, have)
        plan.refusals.extend(masked_refusals(app_id, missing))
        keys = differences(want, have)
        if not keys:
            sent[app_id] = body_for_put(have)
            continue
        plan.updated[app_id] = keys
        plan.refusals.extend(update_refusals(app_id, want, have, force))
        sent[app_id] = predict_app(want, have)
        plan.refusals.extend(merged_errors(app_id, sent[app_id]))
        diff = build_diff(want, have, keys)
        plan.diff['before'][app_id] = diff['before']
        plan.diff['after'][app_id] = diff['after']
        plan.warn_about.append(sent[app_id])
    for app_id in sorted(set(have_apps) - set(want_apps)):
        if not prune:
            plan.kept.append(app_id)
            sent[app_id] = body_for_put(have_apps[app_id])
            continue
        plan.removed.append(app_id)
        plan.diff['before'][app_id] = mask_secrets(body_for_put(have_apps[app_id]))
        if has_stateful_volumes(have_apps[app_id]) and not remove_volumes:
            plan.refusals.append((app_id, 'has persistent or external volumes and is not in the definition; pruning it '
                                          'would delete it (Marathon destroys its local volumes and their data). Set '
                                          'remove_volumes=true to prune it, or add it to the definition', []))
    plan.body = _body(desired, current, sent, prune, plan)
    return plan


def _body(desired, current, sent, prune, plan):
    """The whole group for the PUT: the union of the desired and current trees (current parts only when kept)."""
    want_groups = groups_of(desired)
    have_groups = groups_of(current)

    def build(group_id):
        want = want_groups.get(group_id)
        have = have_groups.get(group_id)
        deps = want.get('dependencies') if want else None
        have_deps = sorted(canonical_app_id(d) for d in (have or {}).get('dependencies') or [] if isinstance(d, str))
        if deps is None:
            deps = have_deps
        if have is None:
            plan.group_changes.append('create group %s' % group_id)
        elif deps != have_deps:
            plan.group_changes.append('dependencies of %s' % group_id)
        children = [g['id'] for g in (want or {}).get('groups') or []]
        if not prune:
            children += [canonical_app_id(g['id']) for g in (have or {}).get('groups') or []
                         if isinstance(g, dict) and isinstance(g.get('id'), str)]
        elif have is not None:
            for g in have.get('groups') or []:
                gid = canonical_app_id(g.get('id') or '') if isinstance(g, dict) else None
                if gid and gid not in want_groups:
                    plan.group_changes.append('remove group %s' % gid)
        subs = [build(gid) for gid in sorted(set(children))]
        apps = [sent[a] for a in sorted(sent) if parent_of(a) == group_id]
        node = {'id': group_id, 'apps': apps, 'groups': subs, 'dependencies': deps}
        _enforce_role(node, want, have, plan)
        return node

    return build(desired['id'])


def _enforce_role(node, want, have, plan):
    """enforceRole of one group of the PUT body, by Marathon 1.10's rules (GroupNormalization, Group validation).

    Real Marathon 1.10: a group named in a write without ``enforceRole`` is normalised to false (not kept), and a
    write that holds ``apps`` may not change it (422). So the body carries the value Marathon holds for every group
    that has one (a Marathon before 1.9 shows none, and gets none); a different wanted value on an existing group is
    refused (it changes only without apps, e.g. PATCH /v2/groups/<id>); only top-level groups may set it true."""
    given = want.get('enforceRole') if want else None
    held = have.get('enforceRole') if have else None
    if given is not None and node['id'].count('/') > 1 and given:
        plan.refusals.append((node['id'], 'enforceRole can only be set for top-level groups (children of /)',
                              [{'path': '/enforceRole', 'errors': ['not a top-level group']}], 'group'))
    if have is not None and given is not None and bool(held) != given:
        plan.refusals.append((node['id'], 'enforceRole cannot change in the request that carries the group\'s apps '
                                          '(Marathon refuses it); change it on its own, with PATCH /v2/groups%s '
                                          '{"enforceRole": %s}' % (node['id'], 'true' if given else 'false'),
                              [{'path': '/enforceRole', 'errors': ['changed together with apps']}], 'group'))
    value = held if isinstance(held, bool) else given
    if value is not None:
        node['enforceRole'] = value
