"""GET /v2/groups[/{id}] (GroupsResource, read-only): the emulator derives groups from app ids; group writes
are not emulated. A part of the core, composed into core.Marathon as `marathon.groups`."""
from __future__ import annotations

import time

from .errors import NotFound
from .ids import canonical_path, iso, path_segments

_APPS = "\0apps"   # key of a node's apps in the tree (no path segment can hold a NUL)


class Groups:
    def __init__(self, lock, repo, app_info) -> None:
        self.lock = lock
        self.repo = repo
        self._app_info = app_info   # (AppRecord, embed) -> AppInfo JSON, from the core

    def get(self, raw_id: str, query: dict) -> dict:
        """The group and everything below it; raises NotFound."""
        group_id = canonical_path(raw_id or "/")
        with self.lock:
            node = self._tree()
            for seg in path_segments(group_id):
                if seg not in node or seg.startswith("\0"):
                    raise NotFound(f"Group '{group_id}' does not exist")
                node = node[seg]
            version = iso(max((r.version for r in self.repo.apps.values()), default=time.time()))
            return self._group_json(group_id, node, version)

    def _tree(self) -> dict:
        tree: dict = {}
        for rec in self.repo.apps.values():
            node = tree
            for seg in path_segments(rec.app_id)[:-1]:
                node = node.setdefault(seg, {})
            node.setdefault(_APPS, []).append(rec)
        return tree

    def _group_json(self, group_id: str, node: dict, version: str) -> dict:
        prefix = group_id.rstrip("/")
        return {
            "id": group_id,
            "apps": [self._app_info(r, {"counts", "deployments"}) for r in node.get(_APPS, [])],
            "groups": [self._group_json(f"{prefix}/{k}", v, version) for k, v in sorted(node.items())
                       if not k.startswith("\0")],
            "pods": [], "dependencies": [], "version": version, "enforceRole": False,
        }
