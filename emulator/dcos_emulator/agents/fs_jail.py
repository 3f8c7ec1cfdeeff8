"""The only place where the agents create, change or remove files: confined to one directory tree.

Every agent change on disk (its work dir, volume directories, sandboxes, the links that stand in for
Mesos's bind mounts, task log files, removal on DESTROY) goes through an `FsJail` rooted at the
agent's work dir inside `--state-dir`. A path is resolved lexically against the root and refused when
it leaves it; it is then walked one component at a time with `O_NOFOLLOW` and `dir_fd`-relative
calls, so a symlink inside the tree (one a task planted, or one of our own volume links) is never
followed. That is why the walk is hand-written: `os.makedirs`, `os.path.realpath` and friends
follow symlinks, and a check-then-use on full paths races a task that swaps a directory for a
link. Removal uses `shutil.rmtree(name, dir_fd=...)`, which on Linux is the fd-based variant
(`rmtree.avoids_symlink_attacks`): it unlinks symlinks it meets instead of descending into them and
refuses a top-level symlink; `remove_tree` also lstat()s the top entry itself and unlinks a link.

Reading outside the root (listing a host directory to lay out a nested mount) is not done here:
it changes nothing.
"""

from __future__ import annotations

import errno
import os
import shutil
import stat

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC

if not shutil.rmtree.avoids_symlink_attacks:  # pragma: no cover - Linux always has the fd-based rmtree
    raise ImportError("dcos_emulator needs a symlink-attack-safe shutil.rmtree (Linux)")


class PathRefused(OSError):
    """A path outside the jail, or one that crosses a symlink or a non-directory inside it."""

    def __init__(self, message: str):
        super().__init__(errno.EPERM, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class FsJail:
    """Create / link / remove inside `root` only; never follow a symlink below `root`."""

    def __init__(self, root: str):
        self.root = os.path.normpath(os.path.abspath(root))

    # -- paths ------------------------------------------------------------------------------------
    def parts(self, path: str) -> tuple[str, ...]:
        """`path` as components below the root; PathRefused when it is not inside the root."""
        if "\0" in path:
            raise PathRefused(f"path {path!r} contains a NUL byte")
        full = os.path.normpath(os.path.join(self.root, path))
        if full == self.root:
            return ()
        prefix = self.root.rstrip(os.sep) + os.sep
        if not full.startswith(prefix):
            raise PathRefused(f"path '{path}' is outside {self.root}")
        return tuple(full[len(prefix):].split(os.sep))

    def contains(self, path: str) -> bool:
        try:
            self.parts(path)
        except PathRefused:
            return False
        return True

    def _open_dir(self, parts: tuple[str, ...], create: bool, mode: int = 0o755) -> int:
        """fd of the directory root/parts (the caller closes it), walked without following any link."""
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            for index, name in enumerate(parts):
                try:
                    next_fd = os.open(name, _DIR_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    if not create:
                        raise
                    try:
                        os.mkdir(name, mode, dir_fd=fd)
                    except FileExistsError:
                        pass  # made meanwhile (by a task?): opened below without following it
                    next_fd = self._open_existing(fd, parts, index)
                except OSError as exc:
                    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                        raise self._not_a_dir(parts, index) from None
                    raise
                os.close(fd)
                fd = next_fd
            return fd
        except BaseException:
            os.close(fd)
            raise

    def _open_existing(self, fd: int, parts: tuple[str, ...], index: int) -> int:
        try:
            return os.open(parts[index], _DIR_FLAGS, dir_fd=fd)
        except OSError as exc:
            if exc.errno in (errno.ELOOP, errno.ENOTDIR):
                raise self._not_a_dir(parts, index) from None
            raise

    def _not_a_dir(self, parts: tuple[str, ...], index: int) -> PathRefused:
        where = os.path.join(self.root, *parts[: index + 1])
        return PathRefused(f"'{where}' is a symlink or not a directory; not followed")

    @staticmethod
    def _lstat(name: str, dir_fd: int) -> os.stat_result | None:
        try:
            return os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return None

    # -- queries -----------------------------------------------------------------------------------
    def is_dir(self, path: str) -> bool:
        """A real directory (every component a real directory, none a symlink)."""
        try:
            os.close(self._open_dir(self.parts(path), create=False))
        except OSError:
            return False
        return True

    # -- changes -----------------------------------------------------------------------------------
    def makedirs(self, path: str, mode: int = 0o755) -> None:
        """mkdir -p inside the root; PathRefused when a component is a symlink or a file."""
        os.close(self._open_dir(self.parts(path), create=True, mode=mode))

    def symlink(self, target: str, path: str) -> None:
        """Make `path` a symlink to `target` (the target is only written into the link, never touched).

        What is at `path` already: a symlink is replaced (unlinked, not followed), an empty directory
        is removed (a mount point left by an earlier layout); anything else is refused."""
        parts = self._leaf(path)
        fd = self._open_dir(parts[:-1], create=True)
        name = parts[-1]
        try:
            st = self._lstat(name, fd)
            if st is not None:
                if stat.S_ISLNK(st.st_mode):
                    os.unlink(name, dir_fd=fd)
                elif stat.S_ISDIR(st.st_mode):
                    try:
                        os.rmdir(name, dir_fd=fd)
                    except OSError as exc:
                        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                            raise PathRefused(f"mount point '{path}' exists and is not empty") from None
                        raise
                else:
                    raise PathRefused(f"mount point '{path}' exists and is not a directory")
            os.symlink(target, name, dir_fd=fd)
        finally:
            os.close(fd)

    def open_append(self, path: str, mode: int = 0o644) -> int:
        """An O_APPEND fd on a regular file inside the root (created if missing; a symlink is refused)."""
        parts = self._leaf(path)
        fd = self._open_dir(parts[:-1], create=True)
        try:
            return os.open(parts[-1], os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                           mode, dir_fd=fd)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise PathRefused(f"'{path}' is a symlink; not followed") from None
            raise
        finally:
            os.close(fd)

    def remove_tree(self, path: str) -> bool:
        """Remove `path` and everything below it; a symlink is removed, never what it points at.

        False when there was nothing to remove. A symlink or file among the parents is refused
        (PathRefused): then the path is not really where the caller thinks it is."""
        parts = self._leaf(path)
        try:
            fd = self._open_dir(parts[:-1], create=False)
        except FileNotFoundError:
            return False
        name = parts[-1]
        try:
            st = self._lstat(name, fd)
            if st is None:
                return False
            if stat.S_ISDIR(st.st_mode):
                shutil.rmtree(name, dir_fd=fd)
            else:
                os.unlink(name, dir_fd=fd)
            return True
        finally:
            os.close(fd)

    def _leaf(self, path: str) -> tuple[str, ...]:
        parts = self.parts(path)
        if not parts:
            raise PathRefused(f"refusing to replace or remove the root {self.root} itself")
        return parts
