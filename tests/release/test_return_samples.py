"""Every documented return value has a `sample` (the docs site and ansible-doc show it)."""

from __future__ import annotations

import ast

import pytest
import yaml
from conftest import REPO

MODULES = sorted((REPO / "plugins" / "modules").glob("*.py"))


def return_doc(path):
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "RETURN":
            return yaml.safe_load(node.value.value) or {}
    return {}


def without_sample(doc, prefix=""):
    for key, spec in (doc or {}).items():
        if "sample" not in spec:
            yield prefix + key
        yield from without_sample(spec.get("contains"), prefix + key + ".")


@pytest.mark.parametrize("path", MODULES, ids=[p.stem for p in MODULES])
def test_every_return_value_has_a_sample(path):
    assert list(without_sample(return_doc(path))) == []
