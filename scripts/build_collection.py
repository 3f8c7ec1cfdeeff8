#!/usr/bin/env python3
"""Mirror the repository into a collections path that ansible-test and ansible-playbook can use.

The copy lives at <dest>/ansible_collections/dcos/stateful. It holds the files git knows about
(tracked, plus untracked ones that .gitignore does not exclude, so work can be tested before it is
committed), minus galaxy.yml's build_ignore patterns. Files are copied only when they changed;
files that left the repository are deleted. The copy is its own git repository with one commit
per sync, because ansible-test lists a collection's content through git.

The copy also gets what the collection ships but the repository holds in another form: the
guides docs/*.md rendered as docs/docsite/rst/*.rst (scripts/docsite_rst.py), so a tarball built
from the copy carries its docs site.
"""

from __future__ import annotations

import argparse
import fcntl
import fnmatch
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from docsite_rst import RST_DIR, render as render_guides

# Never copied and never deleted in the copy: git metadata, what the test tools write there, and
# the per-run integration config (scripts/run_integration.sh).
KEEP_IN_COPY = (".git", "tests/output", "tests/integration/integration_config.yml")


def repo_files(root: Path) -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        check=True,
        capture_output=True,
    ).stdout.decode()
    # --cached still lists tracked files that were deleted in the work tree.
    return sorted({p for p in out.split("\0") if p and (root / p).is_file()})


def ignored(path: str, patterns: list[str]) -> bool:
    """Match like ansible-galaxy's build_ignore: a pattern hits the path or any parent folder.

    ansible-galaxy matches the path relative to the collection root, so a pattern without a '/'
    (such as the root's execution-environment.yml) does not hit a file of that name in a folder
    (meta/execution-environment.yml ships).
    """
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return any(fnmatch.fnmatch(p, pattern.rstrip("/")) for pattern in patterns for p in prefixes)


def same(src: Path, dst: Path) -> bool:
    try:
        a, b = src.stat(), dst.stat()
    except FileNotFoundError:
        return False
    return a.st_size == b.st_size and int(a.st_mtime) == int(b.st_mtime) and a.st_mode == b.st_mode


def write_generated(dest: Path, generated: dict[str, str]) -> int:
    """Write generated files into the copy; only those whose content changed."""
    written = 0
    for rel, content in generated.items():
        dst = dest / rel
        if dst.is_file() and dst.read_text() == content:
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text(content)
        written += 1
    return written


def sync(root: Path, dest: Path, patterns: list[str], generated: dict[str, str]) -> tuple[int, int]:
    wanted = [p for p in repo_files(root) if not ignored(p, patterns) and p not in generated]
    copied = write_generated(dest, generated)
    for rel in wanted:
        src, dst = root / rel, dest / rel
        if same(src, dst):
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if dst.is_symlink() or dst.is_dir():
            shutil.rmtree(dst) if dst.is_dir() and not dst.is_symlink() else dst.unlink()
        shutil.copy2(src, dst, follow_symlinks=False)
        copied += 1

    keep = set(wanted) | set(generated)
    removed = 0
    for dirpath, _dirnames, filenames in os.walk(dest, topdown=False):
        rel_dir = os.path.relpath(dirpath, dest)
        rel_dir = "" if rel_dir == "." else rel_dir
        if any(rel_dir == k or rel_dir.startswith(k + "/") for k in KEEP_IN_COPY):
            continue
        for name in filenames:
            rel = f"{rel_dir}/{name}" if rel_dir else name
            if rel not in keep and not any(rel == k or rel.startswith(k + "/") for k in KEEP_IN_COPY):
                os.unlink(os.path.join(dirpath, name))
                removed += 1
        if rel_dir and not os.listdir(dirpath):
            os.rmdir(dirpath)
    return copied, removed


def git(dest: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="collection-sync",
        GIT_AUTHOR_EMAIL="collection-sync@localhost",
        GIT_COMMITTER_NAME="collection-sync",
        GIT_COMMITTER_EMAIL="collection-sync@localhost",
    )
    return subprocess.run(["git", "-c", "commit.gpgsign=false", *args], cwd=dest, env=env, check=True,
                          capture_output=True, text=True)


def commit(dest: Path) -> None:
    if not (dest / ".git").is_dir():
        git(dest, "init", "-q")
    exclude = dest / ".git" / "info" / "exclude"
    exclude.parent.mkdir(parents=True, exist_ok=True)
    exclude.write_text("tests/output/\n__pycache__/\n*.pyc\n.pytest_cache/\n")
    git(dest, "add", "-A")
    if git(dest, "status", "--porcelain").stdout.strip():
        git(dest, "commit", "-q", "--no-verify", "-m", "sync from working tree")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=".", help="repository root (the collection root)")
    parser.add_argument("--dest", default=".build/collections", help="collections path to fill")
    args = parser.parse_args()

    root = Path(args.root).resolve()
    galaxy = yaml.safe_load((root / "galaxy.yml").read_text())
    dest = Path(args.dest).resolve() / "ansible_collections" / galaxy["namespace"] / galaxy["name"]
    dest.mkdir(parents=True, exist_ok=True)

    # Several people (and make targets) may sync the same copy at once: one at a time.
    with open(Path(args.dest).resolve() / ".sync.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        generated = {f"{RST_DIR}/{name}": text for name, text in render_guides(root).items()}
        copied, removed = sync(root, dest, list(galaxy.get("build_ignore") or []), generated)
        commit(dest)
    print(f"collection copy {dest}: {copied} file(s) updated, {removed} removed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
