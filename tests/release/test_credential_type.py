"""The AWX credential type (extensions/awx/credential_types/dcos.yml): its shape and what it injects."""

from __future__ import annotations

import os
import re

import pytest
from jinja2 import meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

# The environment variables of issue 13's connection vocabulary, and the credential field each
# one carries. The modules read all of them (plugins/module_utils/_connection.py, docs/awx.md).
ENV_FIELDS = {
    "MARATHON_URL": "marathon_url",
    "MARATHON_USERNAME": "marathon_username",
    "MARATHON_PASSWORD": "marathon_password",
    "DCOS_TOKEN": "dcos_token",
    "MESOS_URL": "mesos_url",
    "MESOS_PRINCIPAL": "mesos_principal",
    "MESOS_SECRET": "mesos_secret",
    "DCOS_SERVICE_ACCOUNT": "dcos_service_account",
    "DCOS_PRIVATE_KEY": "dcos_private_key",
    "DCOS_URL": "dcos_url",
    "DCOS_CA_PATH": "ca_certificate",
    "DCOS_VALIDATE_CERTS": "skip_tls_verify",
}
SECRET_FIELDS = {"marathon_password", "dcos_token", "mesos_secret", "dcos_private_key"}
# The keys AWX accepts for an input field (AWX's custom credential type documentation).
FIELD_KEYS = {"id", "label", "type", "help_text", "secret", "multiline", "format", "choices", "default", "ask_at_runtime"}

CA = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n"


def fields_of(ctype):
    return {f["id"]: f for f in ctype["inputs"]["fields"]}


def test_top_level_is_what_awx_takes(credential_type):
    assert set(credential_type) == {"inputs", "injectors"}
    assert set(credential_type["inputs"]) <= {"fields", "required"}
    assert set(credential_type["injectors"]) <= {"env", "file", "extra_vars"}


def test_fields_are_well_formed(credential_type):
    ids, labels = [], []
    for field in credential_type["inputs"]["fields"]:
        assert set(field) <= FIELD_KEYS, field["id"]
        assert re.fullmatch(r"[a-z_][a-z0-9_]*", field["id"]), field["id"]
        assert field.get("type", "string") in ("string", "boolean"), field["id"]
        assert field["label"], field["id"]
        if field.get("type") == "boolean":
            assert not field.get("secret") and not field.get("multiline"), field["id"]
        ids.append(field["id"])
        labels.append(field["label"])
    assert len(ids) == len(set(ids)), "field ids must be unique"
    assert len(labels) == len(set(labels)), "field labels must be unique"
    assert set(credential_type["inputs"].get("required", [])) <= set(ids)


def test_exactly_the_secret_fields_are_secret(credential_type):
    secret = {fid for fid, f in fields_of(credential_type).items() if f.get("secret")}
    assert secret == SECRET_FIELDS


def test_env_injectors_are_the_vocabulary(credential_type):
    assert set(credential_type["injectors"]["env"]) == set(ENV_FIELDS)


def test_injectors_use_only_defined_fields(credential_type):
    """Every variable an injector template names is a field (or AWX's `tower` namespace), and
    every `tower.filename.<name>` is a file the type writes."""
    env = ImmutableSandboxedEnvironment()
    ids = set(fields_of(credential_type))
    file_labels = set(credential_type["injectors"].get("file", {}))
    assert all(label.startswith("template.") for label in file_labels), "single and multi-file syntax cannot mix"
    files = {label.split(".", 1)[1] for label in file_labels}
    for section in ("env", "file", "extra_vars"):
        for name, template in credential_type["injectors"].get(section, {}).items():
            used = meta.find_undeclared_variables(env.parse(template))
            assert used <= ids | {"tower"}, (section, name, used - ids)
            for ref in re.findall(r"tower\.filename\.(\w+)", template):
                assert ref in files, (name, ref)


def test_each_variable_carries_its_own_field(credential_type):
    env = ImmutableSandboxedEnvironment()
    for name, template in credential_type["injectors"]["env"].items():
        used = meta.find_undeclared_variables(env.parse(template)) - {"tower"}
        assert used == {ENV_FIELDS[name]}, (name, used)


def test_every_field_is_injected(credential_type):
    assert set(fields_of(credential_type)) == set(ENV_FIELDS.values())


def test_full_credential_injects_every_value(credential_type, inject, tmp_path):
    inputs = {fid: "value-of-" + fid for fid, f in fields_of(credential_type).items() if f.get("type") != "boolean"}
    inputs.update(ca_certificate=CA, skip_tls_verify=True)
    env = inject(credential_type, inputs, tmp_path)
    for name, field in ENV_FIELDS.items():
        if field not in ("ca_certificate", "skip_tls_verify"):
            assert env[name] == inputs[field], name
    assert env["DCOS_VALIDATE_CERTS"] == "false"
    ca_path = env["DCOS_CA_PATH"]
    assert os.path.dirname(ca_path) == str(tmp_path / "env")
    with open(ca_path) as handle:
        assert handle.read() == CA
    assert os.stat(ca_path).st_mode & 0o077 == 0


@pytest.mark.parametrize("skip", [None, False])
def test_minimal_credential_verifies_certificates(credential_type, inject, tmp_path, skip):
    """Unset fields inject empty variables; no CA gives no CA path; TLS is verified unless asked."""
    inputs = {"marathon_url": "https://dcos.example.com/service/marathon"}
    if skip is not None:
        inputs["skip_tls_verify"] = skip
    env = inject(credential_type, inputs, tmp_path)
    assert env["MARATHON_URL"] == inputs["marathon_url"]
    assert env["DCOS_VALIDATE_CERTS"] == "true"
    assert env["DCOS_CA_PATH"] == ""
    assert env["DCOS_TOKEN"] == env["MESOS_URL"] == env["DCOS_PRIVATE_KEY"] == ""
