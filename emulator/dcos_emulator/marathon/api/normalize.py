"""App normalisation (api/v2/AppNormalization.scala) and the canonical app form.

The canonical form is exactly what Marathon 1.10 writes for an app (raml/AppConversion.scala
appWriter): defaults filled in, deprecated fields translated (ports, uris, ipAddress,
container.docker.network, docker.portMappings) and never written back, empty "omitEmpty"
collections dropped. `version`/`versionInfo` are added when rendering (apps.py).
"""
from __future__ import annotations

from ..apps import APP_FIELD_ORDER, has_external, has_persistent
from ..errors import Unprocessable
from ..ids import canonical_path

DEFAULT_PORT_DEFINITIONS = [{"port": 0, "name": "default", "protocol": "tcp"}]
DEFAULT_RESIDENCY = {"relaunchEscalationTimeoutSeconds": 3600, "taskLostBehavior": "WAIT_FOREVER"}
DEFAULT_NETWORK_NAME = "dcos"  # DC/OS sets --default_network_name dcos

OMIT_EMPTY = ("args", "constraints", "dependencies", "env", "fetch", "healthChecks", "readinessChecks", "secrets")




def _normalization_error(message: str) -> Unprocessable:
    # NormalizationException is an IllegalArgumentException-like failure: 422 {"message": ...}
    return Unprocessable(message)


def _translate_networks(app: dict) -> list | None:
    """NetworkTranslation: ipAddress / container.docker.network -> networks."""
    docker_net = ((app.get("container") or {}).get("docker") or {}).get("network")
    ip = app.get("ipAddress")
    if app.get("networks"):
        return app["networks"]
    if ip is not None:
        name = ip.get("networkName") or DEFAULT_NETWORK_NAME
        net = {"name": name, "mode": "container"}
        if ip.get("labels"):
            net["labels"] = ip["labels"]
        return [net]
    if docker_net == "HOST":
        return [{"mode": "host"}]
    if docker_net == "BRIDGE":
        return [{"mode": "container/bridge"}]
    if docker_net == "USER":
        return [{"name": DEFAULT_NETWORK_NAME, "mode": "container"}]
    if docker_net == "NONE":
        return [{"mode": "container", "name": DEFAULT_NETWORK_NAME}]
    return app.get("networks")


def deprecated(app: dict, *, update: bool) -> dict:
    """forDeprecated / forDeprecatedUpdates: translate the deprecated API into the canonical one."""
    app = dict(app)
    if app.get("uris") and app.get("fetch"):
        raise _normalization_error("cannot specify both uris and fetch fields")
    if app.get("uris"):
        app["fetch"] = [{"uri": u, "extract": _is_extract(u)} for u in app["uris"]]
    app.pop("uris", None)
    networks = _translate_networks(app)
    if networks is not None:
        app["networks"] = networks
    container = _deprecated_container(app)
    if container is not None:
        app["container"] = container
    app.pop("ipAddress", None)
    if "portDefinitions" not in app and "ports" in app:
        app["portDefinitions"] = [{"port": p} for p in app["ports"]]
    app.pop("ports", None)
    if not update:
        _create_defaults(app)
    elif "healthChecks" in app:
        app["healthChecks"] = [_hc_port(h) for h in app["healthChecks"]]
    return app


def _deprecated_container(app: dict) -> dict | None:
    """The container with docker.portMappings moved up and docker.network dropped (MESOS for an ipAddress)."""
    container = app.get("container")
    if container is None and app.get("ipAddress") is not None:
        container = {"type": "MESOS"}
    if container is None:
        return None
    container = dict(container)
    docker = container.get("docker")
    if docker is not None:
        docker = dict(docker)
        if docker.get("portMappings"):
            if container.get("portMappings"):
                raise _normalization_error("cannot specify both portMappings and docker.portMappings")
            container["portMappings"] = docker["portMappings"]
        docker.pop("portMappings", None)
        docker.pop("network", None)
        container["docker"] = docker
    return container


def _create_defaults(app: dict) -> None:
    """forDeprecated of a full app (not an update): canonical id, residency, default ports, health check ports."""
    app["id"] = canonical_path(app["id"])
    if has_persistent(app) and "residency" not in app:
        app["residency"] = dict(DEFAULT_RESIDENCY)
    nets = app.get("networks") or []
    host = not nets or any(n.get("mode") == "host" for n in nets)
    if "portDefinitions" not in app and host:
        app["portDefinitions"] = [dict(p) for p in DEFAULT_PORT_DEFINITIONS]
    if not host:
        app.pop("portDefinitions", None)
    # health checks get portIndex 0 when they name no port (normalizeHealthChecks)
    if app.get("portDefinitions") or (app.get("container") or {}).get("portMappings"):
        app["healthChecks"] = [_hc_port(h) for h in app.get("healthChecks") or []]


def _hc_port(hc: dict) -> dict:
    proto = hc.get("protocol", "HTTP")
    if proto != "COMMAND" and "command" not in hc and "port" not in hc and "portIndex" not in hc:
        hc = dict(hc, portIndex=0)
    return hc


def _is_extract(uri: str) -> bool:
    return uri.endswith((".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz", ".zip"))


def pre_validation(app: dict, default_role: str) -> dict:
    app = dict(app)
    app.setdefault("role", default_role)
    return app


def post_validation(app: dict) -> dict:
    """forPostValidation + the RAML defaults: the canonical form (without version fields), written field by
    field in APP_FIELD_ORDER."""
    networks = [_network(n) for n in app.get("networks") or [{"mode": "host"}]]
    host = any(n["mode"] == "host" for n in networks)
    bridge = any(n["mode"] == "container/bridge" for n in networks)
    out: dict = {"id": app["id"]}
    _launch_fields(app, out, networks, host, bridge)
    _run_fields(app, out, networks, host)
    _strategy_fields(app, out)
    return out


def _network(n: dict) -> dict:
    mode = n.get("mode", "container")
    if mode == "host":
        return {"mode": "host"}
    if mode == "container/bridge":
        out = {"mode": "container/bridge"}
    else:
        out = {"name": n.get("name") or DEFAULT_NETWORK_NAME, "mode": "container"}
    if n.get("labels"):
        out["labels"] = n["labels"]
    return out


def _launch_fields(app: dict, out: dict, networks: list, host: bool, bridge: bool) -> None:
    """acceptedResourceRoles ... fetch."""
    if app.get("acceptedResourceRoles"):
        out["acceptedResourceRoles"] = list(app["acceptedResourceRoles"])
    if app.get("args"):
        out["args"] = list(app["args"])
    out["backoffFactor"] = app.get("backoffFactor", 1.15)
    out["backoffSeconds"] = app.get("backoffSeconds", 1)
    if app.get("cmd") is not None:
        out["cmd"] = app["cmd"]
    if app.get("constraints"):
        out["constraints"] = [list(c) for c in app["constraints"]]
    container = _container(app.get("container"), networks, host, bridge)
    if container is not None:
        out["container"] = container
    out["cpus"] = app.get("cpus", 1)
    if app.get("dependencies"):
        out["dependencies"] = [canonical_path(d, app["id"].rsplit("/", 1)[0] or "/") for d in app["dependencies"]]
    out["disk"] = app.get("disk", 0)
    if app.get("env"):
        out["env"] = dict(app["env"])
    out["executor"] = app.get("executor", "")
    if app.get("fetch"):
        out["fetch"] = [_artifact(a) for a in app["fetch"]]


def _run_fields(app: dict, out: dict, networks: list, host: bool) -> None:
    """healthChecks ... taskKillGracePeriodSeconds."""
    if app.get("healthChecks"):
        out["healthChecks"] = [_health_check(h) for h in app["healthChecks"]]
    out["instances"] = app.get("instances", 1)
    out["labels"] = dict(app.get("labels") or {})
    out["maxLaunchDelaySeconds"] = app.get("maxLaunchDelaySeconds", 300)
    out["mem"] = app.get("mem", 128)
    out["gpus"] = app.get("gpus", 0)
    out["networks"] = networks
    if host:
        out["portDefinitions"] = [_port_definition(p) for p in app.get("portDefinitions") or []]
    if app.get("readinessChecks"):
        out["readinessChecks"] = [_readiness_check(r) for r in app["readinessChecks"]]
    if has_persistent(app):
        # AppConversion writes residency (defaults) for every resident app, nothing otherwise.
        out["residency"] = dict(DEFAULT_RESIDENCY)
    out["requirePorts"] = bool(app.get("requirePorts", False)) if host else False
    if app.get("secrets"):
        out["secrets"] = app["secrets"]
    if app.get("taskKillGracePeriodSeconds") is not None:
        out["taskKillGracePeriodSeconds"] = app["taskKillGracePeriodSeconds"]


def _strategy_fields(app: dict, out: dict) -> None:
    """upgradeStrategy ... role, with the defaults of resident and DVDI apps."""
    resident = has_persistent(app)
    if app.get("upgradeStrategy") is not None:
        out["upgradeStrategy"] = dict(app["upgradeStrategy"])
    elif resident or has_external(app):
        out["upgradeStrategy"] = {"maximumOverCapacity": 0.0, "minimumHealthCapacity": 0.5}
    else:
        out["upgradeStrategy"] = {"maximumOverCapacity": 1.0, "minimumHealthCapacity": 1.0}
    if app.get("user") is not None:
        out["user"] = app["user"]
    out["killSelection"] = app.get("killSelection", "YOUNGEST_FIRST")
    if app.get("unreachableStrategy") is not None:
        out["unreachableStrategy"] = app["unreachableStrategy"]
    else:
        out["unreachableStrategy"] = "disabled" if resident else {"inactiveAfterSeconds": 0, "expungeAfterSeconds": 0}
    if app.get("tty") is not None:
        out["tty"] = app["tty"]
    out["role"] = app["role"]


def _artifact(a: dict) -> dict:
    out = {"uri": a["uri"], "extract": a.get("extract", True), "executable": a.get("executable", False),
           "cache": a.get("cache", False)}
    if a.get("destPath"):
        out["destPath"] = a["destPath"]
    return out


def _port_definition(p: dict) -> dict:
    out = {"port": p.get("port", 0), "protocol": p.get("protocol", "tcp")}
    if p.get("name"):
        out["name"] = p["name"]
    if p.get("labels"):
        out["labels"] = p["labels"]
    return out


def _port_mapping(m: dict, bridge: bool) -> dict:
    out = {"containerPort": m.get("containerPort", 0)}
    host_port = m.get("hostPort")
    if host_port is None and bridge:
        host_port = 0  # backwards compat: in BRIDGE mode missing host ports default to zero
    if host_port is not None:
        out["hostPort"] = host_port
    if m.get("labels"):
        out["labels"] = m["labels"]
    if m.get("name"):
        out["name"] = m["name"]
    out["protocol"] = m.get("protocol", "tcp")
    out["servicePort"] = m.get("servicePort", 0)
    if m.get("networkNames"):
        out["networkNames"] = m["networkNames"]
    return out


def _volume(v: dict) -> dict:
    if "persistent" in v:
        p = v["persistent"]
        info = {"type": p.get("type") or ("mount" if p.get("profileName") else "root"), "size": p["size"]}
        if p.get("maxSize") is not None:
            info["maxSize"] = p["maxSize"]
        if p.get("profileName") is not None:
            info["profileName"] = p["profileName"]
        info["constraints"] = [list(c) for c in p.get("constraints") or []]
        return {"containerPath": v["containerPath"], "mode": v["mode"], "persistent": info}
    if "external" in v:
        e = v["external"]
        info = {}
        if e.get("size") is not None:
            info["size"] = e["size"]
        if e.get("name") is not None:
            info["name"] = e["name"]
        if e.get("provider") is not None:
            info["provider"] = e["provider"]
        if e.get("options"):
            info["options"] = dict(e["options"])
        info["shared"] = e.get("shared", False)
        return {"containerPath": v["containerPath"], "mode": v["mode"], "external": info}
    if "secret" in v:
        return {"containerPath": v["containerPath"], "secret": v["secret"]}
    return {"containerPath": v["containerPath"], "hostPath": v["hostPath"], "mode": v["mode"]}


def _container(c: dict | None, networks: list, host: bool, bridge: bool) -> dict | None:
    if c is None:
        if host:
            return None
        c = {"type": "MESOS", "portMappings": [{"containerPort": 0, "name": "default"}]}
    out = {"type": c.get("type", "DOCKER")}
    d = c.get("docker")
    if d is not None:
        docker = {}
        if d.get("credential") is not None:
            docker["credential"] = d["credential"]
        if d.get("pullConfig") is not None:
            docker["pullConfig"] = d["pullConfig"]
        docker["forcePullImage"] = d.get("forcePullImage", False)
        docker["image"] = d.get("image", "")
        docker["parameters"] = [dict(p) for p in d.get("parameters") or []]
        docker["privileged"] = d.get("privileged", False)
        out["docker"] = docker
    out["volumes"] = [_volume(v) for v in c.get("volumes") or []]
    if not host:
        mappings = c.get("portMappings")
        if not mappings:
            mappings = [{"containerPort": 0, "name": "default"}]
        out["portMappings"] = [_port_mapping(m, bridge) for m in mappings]
    if c.get("linuxInfo") is not None:
        out["linuxInfo"] = c["linuxInfo"]
    return out


def _readiness_check(r: dict) -> dict:
    """raml.ReadinessCheck defaults (normalizeReadinessCheck adds the [200] status codes)."""
    return {"name": r.get("name", "readinessCheck"), "protocol": r.get("protocol", "HTTP"), "path": r.get("path", "/"),
            "portName": r.get("portName", "http-api"), "intervalSeconds": r.get("intervalSeconds", 30),
            "timeoutSeconds": r.get("timeoutSeconds", 10),
            "httpStatusCodesForReady": list(r.get("httpStatusCodesForReady") or [200]),
            "preserveLastResponse": r.get("preserveLastResponse", False)}


def _health_check(h: dict) -> dict:
    proto = h.get("protocol", "HTTP")
    if "command" in h:
        proto = "COMMAND"
    out = {
        "gracePeriodSeconds": h.get("gracePeriodSeconds", 300),
        "intervalSeconds": h.get("intervalSeconds", 60),
        "maxConsecutiveFailures": h.get("maxConsecutiveFailures", 3),
    }
    if "portIndex" in h and proto != "COMMAND":
        out["portIndex"] = h["portIndex"]
    if "port" in h and proto != "COMMAND":
        out["port"] = h["port"]
    out["timeoutSeconds"] = h.get("timeoutSeconds", 20)
    out["delaySeconds"] = h.get("delaySeconds", 15)
    out["protocol"] = proto
    if proto == "COMMAND":
        out["command"] = {"value": (h.get("command") or {}).get("value", "")}
    if proto in ("HTTP", "HTTPS", "MESOS_HTTP", "MESOS_HTTPS"):
        if h.get("path") is not None:
            out["path"] = h["path"]
    if proto in ("HTTP", "HTTPS"):
        out["ignoreHttp1xx"] = h.get("ignoreHttp1xx", False)
    # every app health check carries ipProtocol, COMMAND too (HealthCheckConversion.create; Marathon's own
    # MesosHealthCheckTest "Write COMMAND health check")
    out["ipProtocol"] = h.get("ipProtocol", "IPv4")
    return out


def apply_update(current: dict, update: dict) -> dict:
    """appUpdateRamlReader: fields of the update replace the current ones (id stays)."""
    merged = dict(current)
    for key, value in update.items():
        if key in ("id", "version"):
            continue
        merged[key] = value
    if "networks" in update or "container" in update:
        nets = merged.get("networks") or []
        if any(n.get("mode") != "host" for n in nets) and "portDefinitions" not in update:
            merged.pop("portDefinitions", None)
        if nets and all(n.get("mode") == "host" for n in nets) and merged.get("container"):
            merged["container"] = {k: v for k, v in merged["container"].items() if k != "portMappings"}
    if "residency" not in update and not has_persistent(merged):
        merged.pop("residency", None)
    if "unreachableStrategy" not in update and has_persistent(merged) != has_persistent(current):
        merged.pop("unreachableStrategy", None)
    if "upgradeStrategy" not in update and (has_persistent(merged) or has_external(merged)) != (
            has_persistent(current) or has_external(current)):
        merged.pop("upgradeStrategy", None)
    if has_persistent(merged) and "residency" not in merged:
        merged["residency"] = dict(DEFAULT_RESIDENCY)
    return merged


def order(app: dict) -> dict:
    """Key order of Marathon's writer (not significant for clients, but nice to diff)."""
    return {k: app[k] for k in APP_FIELD_ORDER if k in app}
