"""First validation layer: reading JSON into Marathon's RAML types.

Marathon 1.5+ reads request bodies into RAML-generated classes; type errors, missing required
fields and RAML constraints fail with 422 {"message":"Invalid JSON","details":[...]} whose errors
are play-json keys ("error.expected.jsstring", "error.min", ...). This module reproduces that layer
for apps and app updates. It returns plain dicts holding only the fields that were given.
"""
from __future__ import annotations

import re

from ..errors import InvalidJson
from ..ids import parse_iso

_EXECUTOR_RE = re.compile(r"^(//cmd)|(/?[^/]+(/[^/]+)*)|$")


class Reader:
    def __init__(self) -> None:
        self.errors: list[tuple[str, str]] = []

    def err(self, path: str, key: str) -> None:
        self.errors.append((path, key))

    # -- primitives ---------------------------------------------------------------------------
    def string(self, v, path, min_len=None, enum=None, pattern=None):
        if not isinstance(v, str):
            self.err(path, "error.expected.jsstring")
            return None
        if enum is not None and v not in enum:
            self.err(path, "error.unknown.enum.literal")
            return None
        if min_len is not None and len(v) < min_len:
            self.err(path, "error.minLength")
            return None
        if pattern is not None and not pattern.fullmatch(v):
            self.err(path, "error.pattern")
            return None
        return v

    def number(self, v, path, minimum=None, maximum=None, integer=False):
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.err(path, "error.expected.jsnumber")
            return None
        if integer and (not float(v).is_integer() or abs(v) > 2**31 - 1):
            # RAML integers are Scala Ints: fractions and values beyond 32 bits do not read
            self.err(path, "error.expected.int")
            return None
        if minimum is not None and v < minimum:
            self.err(path, "error.min")
            return None
        if maximum is not None and v > maximum:
            self.err(path, "error.max")
            return None
        return int(v) if integer else (float(v) if not isinstance(v, int) else v)

    def boolean(self, v, path):
        if not isinstance(v, bool):
            self.err(path, "error.expected.jsboolean")
            return None
        return v

    def array(self, v, path, item, unique=False):
        if not isinstance(v, list):
            self.err(path, "error.expected.jsarray")
            return None
        out = []
        for i, x in enumerate(v):
            r = item(x, f"{path}({i})")
            if r is not None and not (unique and r in out):
                out.append(r)
        return out

    def obj(self, v, path):
        if not isinstance(v, dict):
            self.err(path, "error.expected.jsobject")
            return None
        return v

    def str_map(self, v, path):
        if self.obj(v, path) is None:
            return None
        out = {}
        for k, x in v.items():
            s = self.string(x, f"{path}/{k}")
            if s is not None:
                out[k] = s
        return out

    def fields(self, src: dict, path: str, spec: dict, required=()):
        """Read the keys of `spec` present in src; missing required ones -> error.path.missing."""
        out = {}
        for name in required:
            if name not in src or src[name] is None:
                self.err(f"{path}/{name}", "error.path.missing")
        for name, fn in spec.items():
            if name in src and src[name] is not None:
                val = fn(src[name], f"{path}/{name}")
                if val is not None:
                    out[name] = val
        return out

    # -- app parts ----------------------------------------------------------------------------
    def env(self, v, path):
        if self.obj(v, path) is None:
            return None
        out = {}
        for k, x in v.items():
            if isinstance(x, str):
                out[k] = x
            elif isinstance(x, dict) and isinstance(x.get("secret"), str):
                out[k] = {"secret": x["secret"]}
            else:
                self.err(f"{path}/{k}", "error.expected.jsstring")
        return out

    def constraint(self, v, path):
        return self.array(v, path, lambda x, p: self.string(x, p))

    def upgrade_strategy(self, v, path):
        if self.obj(v, path) is None:
            return None
        # raml UpgradeStrategy: both fields are required doubles in [0, 1]
        def num(x, p):
            got = self.number(x, p, 0.0, 1.0)
            return None if got is None else float(got)
        got = self.fields(v, path, {"minimumHealthCapacity": num, "maximumOverCapacity": num},
                          required=("maximumOverCapacity", "minimumHealthCapacity"))
        if len(got) != 2:
            return None
        return {"maximumOverCapacity": got["maximumOverCapacity"], "minimumHealthCapacity": got["minimumHealthCapacity"]}

    def unreachable(self, v, path):
        if v == "disabled":
            return "disabled"
        if isinstance(v, str):
            self.err(path, "error.unknown.enum.literal")
            return None
        if self.obj(v, path) is None:
            return None
        n = lambda x, p: self.number(x, p, 0, integer=True)  # noqa: E731
        got = self.fields(v, path, {"inactiveAfterSeconds": n, "expungeAfterSeconds": n})
        return {"inactiveAfterSeconds": got.get("inactiveAfterSeconds", 0),
                "expungeAfterSeconds": got.get("expungeAfterSeconds", 0)}

    def residency(self, v, path):
        if self.obj(v, path) is None:
            return None
        got = self.fields(v, path, {
            "relaunchEscalationTimeoutSeconds": lambda x, p: self.number(x, p, 0, integer=True),
            "taskLostBehavior": lambda x, p: self.string(x, p, enum=("WAIT_FOREVER", "RELAUNCH_AFTER_TIMEOUT")),
        })
        return {"relaunchEscalationTimeoutSeconds": got.get("relaunchEscalationTimeoutSeconds", 3600),
                "taskLostBehavior": got.get("taskLostBehavior", "WAIT_FOREVER")}

    def port_definition(self, v, path):
        if self.obj(v, path) is None:
            return None
        return self.fields(v, path, {
            "port": lambda x, p: self.number(x, p, 0, 65535, integer=True),
            "protocol": lambda x, p: self.string(x, p, enum=("tcp", "udp", "udp,tcp", "tcp,udp")),
            "name": lambda x, p: self.string(x, p),
            "labels": self.str_map,
        })

    def port_mapping(self, v, path):
        if self.obj(v, path) is None:
            return None
        return self.fields(v, path, {
            "containerPort": lambda x, p: self.number(x, p, 0, 65535, integer=True),
            "hostPort": lambda x, p: self.number(x, p, 0, 65535, integer=True),
            "servicePort": lambda x, p: self.number(x, p, 0, 65535, integer=True),
            "protocol": lambda x, p: self.string(x, p, enum=("tcp", "udp", "udp,tcp", "tcp,udp")),
            "name": lambda x, p: self.string(x, p),
            "labels": self.str_map,
            "networkNames": lambda x, p: self.array(x, p, self.string),
        })

    def network(self, v, path):
        if self.obj(v, path) is None:
            return None
        got = self.fields(v, path, {
            "mode": lambda x, p: self.string(x, p, enum=("container", "container/bridge", "host")),
            "name": lambda x, p: self.string(x, p, min_len=1),
            "labels": self.str_map,
        })
        got.setdefault("mode", "container")
        return got

    def health_check(self, v, path):
        if self.obj(v, path) is None:
            return None
        pos_int = lambda x, p: self.number(x, p, 0, integer=True)  # noqa: E731
        return self.fields(v, path, {
            "command": lambda x, p: (self.fields(x, p, {"value": self.string}, required=("value",))
                                     if self.obj(x, p) is not None else None),
            "gracePeriodSeconds": pos_int, "intervalSeconds": pos_int, "maxConsecutiveFailures": pos_int,
            "timeoutSeconds": pos_int, "delaySeconds": pos_int,
            "path": self.string,
            "port": lambda x, p: self.number(x, p, 0, 65535, integer=True),
            "portIndex": pos_int,
            "protocol": lambda x, p: self.string(x, p, enum=(
                "HTTP", "HTTPS", "TCP", "COMMAND", "MESOS_TCP", "MESOS_HTTP", "MESOS_HTTPS")),
            "ipProtocol": lambda x, p: self.string(x, p, enum=("IPv4", "IPv6")),
            "ignoreHttp1xx": self.boolean,
        })

    def readiness_check(self, v, path):
        if self.obj(v, path) is None:
            return None
        pos = lambda x, p: self.number(x, p, 1, integer=True)  # noqa: E731
        return self.fields(v, path, {
            "name": lambda x, p: self.string(x, p, min_len=1),
            "protocol": lambda x, p: self.string(x, p, enum=("HTTP", "HTTPS")),
            "path": self.string,
            "portName": lambda x, p: self.string(x, p, min_len=1),
            "intervalSeconds": pos, "timeoutSeconds": pos,
            "httpStatusCodesForReady": lambda x, p: self.array(x, p, lambda y, q: self.number(y, q, 100, 999, integer=True)),
            "preserveLastResponse": self.boolean,
        })

    def artifact(self, v, path):
        if self.obj(v, path) is None:
            return None
        return self.fields(v, path, {
            "uri": lambda x, p: self.string(x, p, min_len=1), "extract": self.boolean,
            "executable": self.boolean, "cache": self.boolean, "destPath": self.string,
        }, required=("uri",))

    def volume(self, v, path):
        """The variant is decided by which key is present (raml AppVolume union)."""
        if self.obj(v, path) is None:
            return None
        mode = lambda x, p: self.string(x, p, enum=("RO", "RW"))  # noqa: E731
        if "persistent" in v:
            got = self.fields(v, path, {
                "containerPath": lambda x, p: self.string(x, p, min_len=1),
                "mode": mode,
                "persistent": self.persistent_info,
            }, required=("containerPath", "mode", "persistent"))
            return got if {"containerPath", "mode", "persistent"} <= got.keys() else None
        if "external" in v:
            got = self.fields(v, path, {
                "containerPath": lambda x, p: self.string(x, p, min_len=1),
                "mode": mode,
                "external": self.external_info,
            }, required=("containerPath", "mode", "external"))
            return got if {"containerPath", "mode", "external"} <= got.keys() else None
        if "secret" in v:
            got = self.fields(v, path, {"containerPath": lambda x, p: self.string(x, p, min_len=1),
                                        "secret": self.string}, required=("containerPath", "secret"))
            return got if len(got) == 2 else None
        got = self.fields(v, path, {"containerPath": self.string, "hostPath": self.string, "mode": mode},
                          required=("containerPath", "hostPath", "mode"))
        return got if len(got) == 3 else None

    def persistent_info(self, v, path):
        if self.obj(v, path) is None:
            return None
        got = self.fields(v, path, {
            "type": lambda x, p: self.string(x, p, enum=("root", "path", "mount")),
            "size": lambda x, p: self.number(x, p, 0, integer=True),
            "maxSize": lambda x, p: self.number(x, p, 1, integer=True),
            "profileName": self.string,
            "constraints": lambda x, p: self.array(x, p, self.constraint),
        }, required=("size",))
        return got if "size" in got else None

    def external_info(self, v, path):
        if self.obj(v, path) is None:
            return None
        return self.fields(v, path, {
            # RAML `minimum: 0`: 0 reads and the AppDefinition refuses it (validation._external_volume_sizes)
            "size": lambda x, p: self.number(x, p, 0, integer=True),
            "name": self.string,
            "provider": self.string,
            "options": self.str_map,
            "shared": self.boolean,
        })

    def docker(self, v, path):
        if self.obj(v, path) is None:
            return None
        got = self.fields(v, path, {
            "image": self.string,
            "forcePullImage": self.boolean,
            "privileged": self.boolean,
            "network": lambda x, p: self.string(x, p, enum=("BRIDGE", "HOST", "NONE", "USER")),
            "parameters": lambda x, p: self.array(x, p, lambda y, q: (
                self.fields(y, q, {"key": self.string, "value": self.string}, required=("key", "value"))
                if self.obj(y, q) is not None else None)),
            "portMappings": lambda x, p: self.array(x, p, self.port_mapping),
            "credential": self.obj,
            "pullConfig": self.obj,
        }, required=("image",))
        return got

    def container(self, v, path):
        if self.obj(v, path) is None:
            return None
        return self.fields(v, path, {
            "type": lambda x, p: self.string(x, p, enum=("MESOS", "DOCKER")),
            "docker": self.docker,
            "volumes": lambda x, p: self.array(x, p, self.volume),
            "portMappings": lambda x, p: self.array(x, p, self.port_mapping),
            "linuxInfo": self.obj,
        })

    def ip_address(self, v, path):
        if self.obj(v, path) is None:
            return None
        return self.fields(v, path, {
            "networkName": self.string, "groups": lambda x, p: self.array(x, p, self.string),
            "labels": self.str_map, "discovery": self.obj,
        })


def _app_spec(r: Reader) -> dict:
    s = r.string
    nonneg_int = lambda x, p: r.number(x, p, 0, integer=True)  # noqa: E731
    return {
        "id": s,
        "acceptedResourceRoles": lambda x, p: r.array(x, p, s, unique=True),
        "args": lambda x, p: r.array(x, p, s),
        "backoffFactor": lambda x, p: r.number(x, p, 1.0),
        "backoffSeconds": nonneg_int,
        "cmd": lambda x, p: s(x, p, min_len=1),
        "constraints": lambda x, p: r.array(x, p, r.constraint, unique=True),
        "container": r.container,
        "cpus": lambda x, p: r.number(x, p, 0.001),
        "dependencies": lambda x, p: r.array(x, p, s, unique=True),
        "disk": lambda x, p: r.number(x, p, 0),
        "env": r.env,
        "executor": lambda x, p: s(x, p, pattern=_EXECUTOR_RE),
        "fetch": lambda x, p: r.array(x, p, r.artifact),
        "healthChecks": lambda x, p: r.array(x, p, r.health_check, unique=True),
        "instances": nonneg_int,
        "labels": r.str_map,
        "maxLaunchDelaySeconds": nonneg_int,
        "mem": lambda x, p: r.number(x, p, 0),
        "gpus": nonneg_int,
        "ipAddress": r.ip_address,
        "networks": lambda x, p: r.array(x, p, r.network),
        "ports": lambda x, p: r.array(x, p, lambda y, q: r.number(y, q, 0, 65535, integer=True)),
        "portDefinitions": lambda x, p: r.array(x, p, r.port_definition),
        "readinessChecks": lambda x, p: r.array(x, p, r.readiness_check),
        "residency": r.residency,
        "requirePorts": r.boolean,
        "secrets": r.obj,
        "taskKillGracePeriodSeconds": nonneg_int,
        "upgradeStrategy": r.upgrade_strategy,
        "uris": lambda x, p: r.array(x, p, s),
        "user": s,
        "version": s,
        "killSelection": lambda x, p: s(x, p, enum=("YOUNGEST_FIRST", "OLDEST_FIRST")),
        "unreachableStrategy": r.unreachable,
        "tty": r.boolean,
        "role": lambda x, p: s(x, p, min_len=1),
    }


def read_app(raw, *, update: bool, path: str = "") -> dict:
    """Read an App (update=False: `id` required) or an AppUpdate (all optional). Raises 422 Invalid JSON."""
    r = Reader()
    if not isinstance(raw, dict):
        raise InvalidJson([(path or "/", "error.expected.jsobject")])
    got = r.fields(raw, path, _app_spec(r), required=() if update else ("id",))
    if r.errors:
        raise InvalidJson(r.errors)
    return got


def read_app_list(raw) -> list[dict]:
    """Bulk PUT/PATCH /v2/apps: an array of AppUpdate."""
    if not isinstance(raw, list):
        raise InvalidJson([("/", "error.expected.jsarray")])
    r = Reader()
    out = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            r.err(f"({i})", "error.expected.jsobject")
            continue
        out.append(r.fields(item, f"({i})", _app_spec(r)))
    if r.errors:
        raise InvalidJson(r.errors)
    return out


def _datetime(r: Reader, v, path):
    """A RAML datetime (OffsetDateTime): an ISO-8601 string with a zone."""
    if not isinstance(v, str):
        r.err(path, "error.expected.jsstring")
        return None
    if parse_iso(v) is None or not re.search(r"(Z|[+-]\d\d:?\d\d)$", v):
        r.err(path, "error.expected.date.isoformat")
        return None
    return v


def _nested_app(r: Reader, v, path):
    """An app of a group update: a full RAML App (`id` required, as in POST /v2/apps)."""
    if r.obj(v, path) is None:
        return None
    return r.fields(v, path, _app_spec(r), required=("id",))


def _group_update(r: Reader, v, path):
    if r.obj(v, path or "/") is None:
        return None
    spec = {
        "id": lambda x, p: r.string(x, p),
        "apps": lambda x, p: r.array(x, p, lambda y, q: _nested_app(r, y, q)),
        "groups": lambda x, p: r.array(x, p, lambda y, q: _group_update(r, y, q)),
        "dependencies": lambda x, p: r.array(x, p, r.string, unique=True),
        "scaleBy": lambda x, p: r.number(x, p, 0),
        "version": lambda x, p: _datetime(r, x, p),
        "enforceRole": r.boolean,
    }
    # Real Marathon: a sub-group without `id` fails inside GroupNormalization (`id.get`, a 500 "None.get");
    # the emulator answers the missing path like any required field.
    return r.fields(v, path, spec, required=("id",) if path else ())


def read_group_update(raw) -> dict:
    """POST/PUT /v2/groups: a RAML GroupUpdate (apps are full App definitions). Raises 422 Invalid JSON."""
    r = Reader()
    got = _group_update(r, raw, "")
    if r.errors:
        raise InvalidJson(r.errors)
    return got


def read_group_partial_update(raw) -> dict:
    """PATCH /v2/groups/{id}: a RAML GroupPartialUpdate (only `enforceRole`; other keys are ignored). Raises 422
    Invalid JSON."""
    r = Reader()
    if r.obj(raw, "/") is None:
        raise InvalidJson(r.errors)
    got = r.fields(raw, "", {"enforceRole": r.boolean})
    if r.errors:
        raise InvalidJson(r.errors)
    return got
