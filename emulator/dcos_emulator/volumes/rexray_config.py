"""REX-Ray settings that change what the emulator's volume store does, and reading them from a rexray.yaml.

Defaults are REX-Ray's (libStorage 0.9+, also 0.3.3): implicit create on, 16 GiB, fsType ext4, no volume
type (the backend's default), preempt off, no EBS tag prefix, used counts on. Loading is in `load()`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

DEFAULT_SIZE_GIB = 16
DEFAULT_FS_TYPE = "ext4"


@dataclass(frozen=True)
class RexRayConfig:
    preempt: bool = False                 # libstorage.integration.volume.operations.mount.preempt / volume.mount.preempt
    size_gib: int = DEFAULT_SIZE_GIB      # ...volume.operations.create.default.size / volume.create.default.size
    volume_type: str = ""                 # ...create.default.type
    fs_type: str = DEFAULT_FS_TYPE        # ...create.default.fsType
    iops: int | None = None               # ...create.default.IOPS
    implicit_create: bool = True          # ...create.implicit
    ebs_tag: str | None = None            # ebs.tag: EC2 Name tag is "<tag>/<name>"
    ignore_used_count: bool = False       # ...volume.operations.unmount.ignoreusedcount
    source: str | None = None             # the file it came from, for messages

    def full_name(self, name: str) -> str:
        """The EC2 `Name` tag of a volume (REX-Ray EBS getFullName)."""
        return f"{self.ebs_tag}/{name}" if self.ebs_tag else name


# What changes behaviour, and the keys that set it, first match wins: libStorage (0.9+) first, then the legacy
# keys libStorage still copies into them (types_config_compat.go), then REX-Ray 0.3.x's. Keys are matched
# case-insensitively, as viper does. Every other key is ignored, as REX-Ray ignores keys it does not know.
_OPS = "libstorage.integration.volume.operations"
KEYS = {
    "preempt": (f"{_OPS}.mount.preempt", "volume.mount.preempt", "rexray.volume.mount.preempt"),
    "ignore_used_count": (f"{_OPS}.unmount.ignoreusedcount", "volume.unmount.ignoreusedcount",
                          "rexray.volume.unmount.ignoreusedcount"),
    "create_disable": (f"{_OPS}.create.disable", "volume.create.disable", "rexray.volume.create.disable"),
    "implicit_create": (f"{_OPS}.create.implicit",),
    "size_gib": (f"{_OPS}.create.default.size", "docker.size"),
    "volume_type": (f"{_OPS}.create.default.type", "docker.volumeType"),
    "fs_type": (f"{_OPS}.create.default.fsType", "docker.fsType"),
    "iops": (f"{_OPS}.create.default.iops", "docker.iops"),
    "ebs_tag": ("ebs.tag", "aws.tag", "ec2.tag", "aws.rexrayTag"),
}
_BOOLS = {"preempt", "ignore_used_count", "create_disable", "implicit_create"}
_INTS = {"size_gib", "iops"}


class ConfigError(ValueError):
    """The file cannot be read, or a key that matters has a value REX-Ray would not accept."""


def parse_text(text: str, source: str = "<text>") -> dict:
    """YAML with PyYAML when it is installed (the emulator is standard-library only, PyYAML is optional),
    else JSON (a YAML subset): a minimal hand-written YAML parser would misread what it does not know
    (anchors, flow maps, multi-line scalars) silently, so without PyYAML the file must be JSON."""
    try:
        import yaml
    except ImportError:
        yaml = None
    try:
        data = yaml.safe_load(text) if yaml is not None else json.loads(text)
    except ValueError as exc:   # json.JSONDecodeError
        raise ConfigError(f"{source}: not JSON ({exc}); install PyYAML to read YAML") from None
    except Exception as exc:  # noqa: BLE001 - yaml.YAMLError without importing yaml at module level
        raise ConfigError(f"{source}: not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the document must be a mapping, got {type(data).__name__}")
    return data


def _flatten(mapping: dict, prefix: str = "") -> dict:
    """{"a": {"b": 1}} -> {"a.b": 1}, keys lower-cased (viper is case-insensitive)."""
    out = {}
    for key, value in mapping.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.update(_flatten(value, dotted))
        else:
            out[dotted.lower()] = value
    return out


def _bool(key: str, value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(f"{key} must be true or false, got {value!r}")


def _int(key: str, value) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ConfigError(f"{key} must be an integer, got {value!r}")


def from_document(document: dict, source: str | None = None) -> RexRayConfig:
    flat = _flatten(document)
    values = {}
    for setting, keys in KEYS.items():
        for key in keys:
            if key.lower() in flat and flat[key.lower()] is not None:
                value = flat[key.lower()]
                if setting in _BOOLS:
                    value = _bool(key, value)
                elif setting in _INTS:
                    value = _int(key, value)
                else:
                    value = str(value)
                values[setting] = value
                break
    create_disable = values.pop("create_disable", False)
    if create_disable:
        values["implicit_create"] = False
    if values.get("size_gib") == 0:
        values["size_gib"] = DEFAULT_SIZE_GIB   # REX-Ray treats an unset (0) default size as its default
    return RexRayConfig(source=source, **values)


def load(path: str) -> RexRayConfig:
    """Read a rexray.yaml (either format dcos.stateful.rexray_config writes). Raises ConfigError."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    return from_document(parse_text(text, path), path)
