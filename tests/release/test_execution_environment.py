"""The execution-environment definition: what ansible-builder finds in the collection, and the
build context it renders from execution-environment.yml (building the image itself needs a
container engine, which the test machines do not have)."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys

import yaml
from conftest import REPO, VBIN

# Top-level modules the collection may import that are not in the standard library, with the
# distribution (requirements.txt line) that provides each. A new third-party import must be
# added here and to requirements.txt.
DISTRIBUTIONS = {"boto3": "boto3", "botocore": "botocore", "yaml": "PyYAML", "jwt": "PyJWT",
                 "cryptography": "cryptography"}
# ansible-builder leaves these out of an image's requirements: ansible-core brings them.
PROVIDED_BY_ANSIBLE_CORE = {"pyyaml"}


def requirement_names(lines):
    names = []
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(re.match(r"[A-Za-z0-9._-]+", line).group(0).lower())
    return names


def introspect(collections_path):
    out = subprocess.run([str(VBIN / "ansible-builder"), "introspect", str(collections_path)],
                         check=True, capture_output=True, text=True).stdout
    return yaml.safe_load(out)


def test_every_third_party_import_is_a_requirement():
    required = set(requirement_names((REPO / "requirements.txt").read_text().splitlines()))
    imported = set()
    for path in (REPO / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names
                   and m not in ("ansible", "ansible_collections", "__future__")}
    unknown = third_party - set(DISTRIBUTIONS)
    assert not unknown, f"add {sorted(unknown)} to requirements.txt and to DISTRIBUTIONS"
    missing = {DISTRIBUTIONS[m] for m in third_party if DISTRIBUTIONS[m].lower() not in required}
    assert not missing, f"requirements.txt lacks {sorted(missing)}"


def test_introspect_lists_every_library(collections_path):
    found = introspect(collections_path)
    python = requirement_names(found["python"])
    assert {"boto3", "botocore"} <= set(python)
    wanted = set(requirement_names((REPO / "requirements.txt").read_text().splitlines())) - PROVIDED_BY_ANSIBLE_CORE
    assert wanted == set(python)
    assert all(line.endswith("# from collection dcos.stateful") for line in found["python"] + found["system"])
    bindep = [line.split("#", 1)[0].strip() for line in (REPO / "bindep.txt").read_text().splitlines()]
    assert {line.split("  #")[0] for line in found["system"]} == {line for line in bindep if line}


def test_create_renders_the_build_context(tmp_path, collections_path):
    """`ansible-builder create` on the repository's execution-environment.yml, with the
    collection tarball where the definition expects it (.build/ee/, as `make ee-context` does)."""
    ee = tmp_path / "execution-environment.yml"
    shutil.copy(REPO / "execution-environment.yml", ee)
    dist = tmp_path / ".build" / "ee"
    subprocess.run([str(VBIN / "ansible-galaxy"), "collection", "build", "--output-path", str(dist),
                    str(collections_path / "ansible_collections" / "dcos" / "stateful")],
                   check=True, capture_output=True)
    (tarball,) = dist.glob("dcos-stateful-*.tar.gz")
    tarball.rename(dist / "dcos-stateful.tar.gz")

    context = tmp_path / "context"
    result = subprocess.run([str(VBIN / "ansible-builder"), "create", "--file", str(ee), "--context", str(context),
                             "--output-filename", "Containerfile"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No matches" not in result.stdout + result.stderr, "the collection tarball was not copied"
    containerfile = (context / "Containerfile").read_text()
    assert (context / "_build" / "collections" / "dcos-stateful.tar.gz").is_file()
    galaxy = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert galaxy == {"collections": [{"name": "/build/collections/dcos-stateful.tar.gz", "type": "file"}]}
    # The builder stage introspects the installed collection, so its requirements reach the image.
    assert "ansible-galaxy collection install" in containerfile
    assert "introspect.py introspect" in containerfile
    assert 'ANSIBLE_INSTALL_REFS="ansible-core==' in containerfile
