#!/usr/bin/env python3
"""Seed ansible-test's pip bootstrap cache so that its virtual environments can be made offline.

ansible-test creates empty virtual environments (the sanity `import` test always does, `--venv`
does for every test) and puts pip into them by running a get-pip script that it downloads from
ci-files.testing.ansible.com and caches as ~/.ansible/test/cache/get_pip_<version>.py. That host
is not reachable here. This writes a stand-in at that cache path that bootstraps pip from the
interpreter's own `ensurepip` wheel, then moves to the pip version ansible-test pins through the
package index pip is configured for (PyPI is reachable); without an index it keeps the bundled pip.

Run it with the Python that runs ansible-test (the venv's): it asks that ansible-test which
pip version and cache path it uses.
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

STAND_IN = '''\
"""Stand-in for get-pip.py {version}, written by dcos.stateful scripts/seed_ansible_test.py.

Bootstraps pip from ensurepip's bundled wheel (no download), then installs the requested
packages from the configured index. ensurepip runs in a subprocess because it turns pip's
configuration files off in its own environment; the follow-up install keeps /etc/pip.conf.
"""
import subprocess
import sys

SEED_MARKER = "dcos.stateful-seed"

args = sys.argv[1:]
no_setuptools = "--no-setuptools" in args
requested = [a for a in args if a not in ("--no-setuptools", "--no-wheel")]

subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"],
               check=True, stdout=subprocess.DEVNULL)
result = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *requested])
if result.returncode:
    sys.stderr.write("get-pip stand-in: could not install %s from the index; keeping ensurepip's pip\\n"
                     % " ".join(requested))
if no_setuptools:
    subprocess.run([sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", "setuptools"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
'''


def ansible_test_pip_version() -> str:
    from ansible_test._internal.python_requirements import get_venv_packages

    version = "%d.%d" % sys.version_info[:2]
    return get_venv_packages(types.SimpleNamespace(version=version))["pip"]


def cache_path(pip_version: str) -> Path:
    # Same expression as ansible_test/_util/target/setup/requirements.py:bootstrap().
    return Path(os.path.expanduser("~/.ansible/test/cache/get_pip_%s.py" % pip_version.replace(".", "_")))


def main() -> int:
    version = ansible_test_pip_version()
    path = cache_path(version)
    content = STAND_IN.format(version=version)
    if path.exists():
        current = path.read_text(errors="replace")
        if current == content:
            print(f"ansible-test pip bootstrap already seeded: {path}")
            return 0
        if "dcos.stateful-seed" not in current:
            # A real get-pip.py someone downloaded: it works too, leave it.
            print(f"ansible-test pip bootstrap present (not ours), kept: {path}")
            return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".seed")
    tmp.write_text(content)
    tmp.replace(path)
    print(f"seeded ansible-test pip {version} bootstrap: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
