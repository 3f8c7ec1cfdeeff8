"""A task's volumes laid out in its sandbox with symlinks, in the order Mesos bind-mounts them.

Real Mesos bind-mounts each volume at its container path inside the container's mount namespace;
the host never sees those mounts. The emulator has no mount namespace, so a mount becomes a symlink
in the sandbox, and every change goes through the agent's `FsJail` (nothing outside the agent's work
dir is ever created, changed or removed; the tree below the state dir is walked without following
links).

Mounts are applied in order, as bind mounts are:
* a later mount at the same path, or at a parent path, hides the earlier one (it is dropped);
* a later mount nested inside an earlier one appears inside it. How depends on where the outer
  mount's source lives:
  - inside the agent's work dir (a persistent volume, a sandbox path): the outer mount is a link
    and the nested mount point is made inside its source, where Mesos would create it;
  - outside (an absolute host path such as `/etc`): the host directory must not change, so the
    outer container path becomes a real directory in the sandbox holding one link per entry of
    the host directory (a "shadow"), with the nested mount in place of its entry.
    Real Mesos: the container sees the live host directory with the nested mount over one entry;
    in the shadow, files the task creates at its top level land in the sandbox, entries the host
    adds later do not appear, and a nested mount point missing on the host is added to the shadow
    (Mesos fails that mount, Docker creates the mount point in the host directory).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from dcos_emulator.agents.fs_jail import FsJail, PathRefused


class LaunchError(Exception):
    """The container cannot be set up; the task fails with REASON_CONTAINER_LAUNCH_FAILED."""


@dataclass
class Mount:
    container_path: str   # as the framework gave it (a leading "/" is dropped: see sandbox_parts)
    source: str           # absolute path of what is mounted there
    what: str = "volume"  # for messages


@dataclass
class _Node:
    source: str | None = None                       # mounted here, or None for a plain directory
    children: dict[str, _Node] = field(default_factory=dict)


def sandbox_parts(container_path: str, what: str = "volume", name: str = "container path") -> tuple[str, ...]:
    """The components of `container_path` inside the sandbox; LaunchError when it leaves the sandbox.

    Real Mesos: an absolute container path is mounted at that path of the container's root file system;
    the emulator has no root file system of its own and places it in the sandbox without the leading "/".
    `..` is applied lexically, as the kernel does at a bind mount's root."""
    if "\0" in container_path:
        raise LaunchError(f"Invalid {what}: {name} {container_path!r} contains a NUL byte")
    parts: list[str] = []
    for segment in container_path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                raise LaunchError(f"Invalid {what}: {name} '{container_path}' escapes the sandbox")
            parts.pop()
            continue
        parts.append(segment)
    if not parts:
        raise LaunchError(f"Invalid {what}: {name} '{container_path}' names the sandbox itself")
    return tuple(parts)


def _tree(mounts: list[Mount]) -> _Node:
    root = _Node()
    for mount in mounts:
        node = root
        for name in sandbox_parts(mount.container_path, mount.what):
            node = node.children.setdefault(name, _Node())
        node.source = os.path.normpath(mount.source)
        node.children = {}  # a later mount over a path hides what was mounted below it
    return root


def lay_out(jail: FsJail, sandbox: str, mounts: list[Mount]) -> None:
    """Link `mounts` into `sandbox` (an empty directory inside the jail). Raises LaunchError."""
    root = _tree(mounts)
    try:
        _fill(jail, sandbox, root, view=None)
    except PathRefused as exc:
        raise LaunchError(f"Failed to mount a volume: {exc}") from None


def _fill(jail: FsJail, directory: str, node: _Node, view: str | None) -> None:
    """Lay out `node`'s children in `directory`, a real directory inside the jail. `view`: the host
    directory this one shadows (its other entries are linked), or None."""
    if view is not None:
        for entry in _entries(view):
            if entry not in node.children:
                jail.symlink(os.path.join(view, entry), os.path.join(directory, entry))
    for name, child in node.children.items():
        path = os.path.join(directory, name)
        if child.source is not None:
            if child.source == os.path.normpath(path):
                continue  # mounted onto itself: a no-op bind mount
            if not child.children:
                jail.symlink(child.source, path)
                continue
            if jail.contains(child.source):
                # Nested mount points go inside the outer source (inside the work dir), as with Mesos.
                if not jail.is_dir(child.source):
                    raise LaunchError(f"Failed to mount a volume inside '{child.source}': not a directory")
                jail.symlink(child.source, path)
                _fill(jail, child.source, child, view=None)
                continue
            if not os.path.isdir(child.source):
                raise LaunchError(f"Failed to mount a volume inside '{child.source}': not a directory")
            jail.makedirs(path)
            _fill(jail, path, child, view=child.source)
            continue
        child_view = None
        if view is not None and os.path.lexists(os.path.join(view, name)):
            child_view = os.path.join(view, name)
            if not os.path.isdir(child_view):
                raise LaunchError(f"Failed to mount a volume inside '{child_view}': not a directory")
        jail.makedirs(path)
        _fill(jail, path, child, view=child_view)


def _entries(directory: str) -> list[str]:
    try:
        return sorted(os.listdir(directory))
    except OSError as exc:
        raise LaunchError(f"Failed to read '{directory}' to mount a volume inside it: {exc.strerror}") from None
