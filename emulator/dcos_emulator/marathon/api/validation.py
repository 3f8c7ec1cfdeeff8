"""Semantic validation of apps (api/v2/validation/AppValidation.scala, state/AppDefinition.scala,
core/externalvolume DVDIProvider, SchedulingValidation). Returns (path, message) violations; the caller
raises 422 "Object is not valid". Messages are Marathon's (wix-accord templates where Marathon uses them).
"""
from __future__ import annotations

import re

from ..apps import has_persistent
from ..ids import id_violations, path_segments

DOT_PATHS = (".", "..")
_DVDI_LABEL_RE = re.compile(r"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$")
_OPTION_KEY_RE = re.compile(r"^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?/[A-Za-z0-9](?:[-A-Za-z0-9\._:]*[A-Za-z0-9])?$")
_IS_VALUE_RE = re.compile(r"^[a-zA-Z0-9_/.-]*$")
CONSTRAINT_OPERATORS = ("UNIQUE", "CLUSTER", "GROUP_BY", "LIKE", "UNLIKE", "MAX_PER", "IS")


def fmt_num(v) -> str:
    """Scala prints doubles as 1.0 / 0.5 and ints as 1."""
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else f"{v:.1f}"
    return str(v)


def _regex_ok(p: str) -> bool:
    try:
        re.compile(p)
        return True
    except re.error:
        return False


def _is_int(v) -> bool:
    try:
        int(v)
        return True
    except (TypeError, ValueError):
        return False


def constraint_violations(c: list) -> list[str]:
    if len(c) < 2 or len(c) > 3:
        return ["Each constraint must have either 2 or 3 fields"]
    field, op = c[0], c[1]
    value = c[2] if len(c) == 3 else None
    if not field:
        return ["illegal constraint specification"]
    if op.upper() not in CONSTRAINT_OPERATORS:
        return ["operator must be one of the following UNIQUE, CLUSTER, GROUP_BY, LIKE, MAX_PER, UNLIKE or IS"]
    op = op.upper()
    if op == "UNIQUE" and value is not None:
        return ["UNIQUE does not accept a value"]
    if op == "GROUP_BY" and value is not None and not _is_int(value):
        return ["GROUP BY must define an integer value or else no value at all"]
    if op == "MAX_PER" and not _is_int(value):
        return ["MAX_PER requires an integer value"]
    if op in ("LIKE", "UNLIKE"):
        if value is None:
            return ["LIKE and UNLIKE require a non-empty, regular expression value"]
        if not _regex_ok(value):
            return ["is not a valid regular expression"]
    if op == "IS" and not _IS_VALUE_RE.fullmatch(value or ""):
        return ["IS only supports Mesos text and float values (see http://mesos.apache.org/documentation/latest/attributes-resources/)"]
    return []


def _volume_constraint_violation(c: list) -> str | None:
    """PersistentVolumeInfo constraints: only [path, LIKE|UNLIKE, regex]."""
    if len(c) < 2:
        return "Missing field and operator"
    if not (c[0] == "path" and len(c) >= 3):
        return "Unsupported constraint " + ",".join(c)
    if c[1] not in CONSTRAINT_OPERATORS:
        return f"unknown constraint operator {c[1]}"
    if c[1] not in ("LIKE", "UNLIKE"):
        return "Operator must be one of LIKE, UNLIKE"
    if not _regex_ok(c[2]):
        return "Invalid regular expression"
    return None


def _persistent_volume(v: dict, p: str, out: list) -> None:
    cp = v["containerPath"]
    if cp == "":
        out.append((f"{p}/containerPath", "equals "))
    elif cp in DOT_PATHS:
        out.append((f"{p}/containerPath", "can not be one of (.,..)"))
    if "/" in cp:
        out.append((f"{p}/containerPath", 'value must not contain "/"'))
    if v["mode"] != "RW":
        out.append((f"{p}/mode", "does not equal RW"))
    info = v["persistent"]
    ip = f"{p}/persistent"
    if info["size"] <= 0:
        out.append((f"{ip}/size", f"got {info['size']}, expected more than 0"))
    for j, c in enumerate(info.get("constraints") or []):
        message = _volume_constraint_violation(c)
        if message:
            out.append((f"{ip}/constraints({j})", message))
    vtype = info.get("type") or ("mount" if info.get("profileName") else "root")
    if not (vtype == "mount" or info.get("maxSize") is None):
        out.append((ip, "Only mount volumes can have maxSize"))
    if vtype == "root" and info.get("constraints"):
        out.append((ip, "Constraints on root volumes are not supported"))
    if info.get("maxSize") is not None and not info["maxSize"] > info["size"]:
        out.append((ip, "Max size must be larger than size"))
    if info.get("profileName") == "":
        out.append((f"{ip}/profileName", "must not be empty"))


def _external_volume(app: dict, v: dict, p: str, features, out: list) -> None:
    """An external volume, as AppValidation.validExternalVolume checks it and then its provider (DVDIProvider
    ramlVolume, fact sheet §1). At launch the volume goes to Mesos as a DOCKER_VOLUME source
    (matching._docker_volume) and the agent mounts it through the volume store (volumes/store.py)."""
    if "external_volumes" not in features:
        out.append((p, "Feature external_volumes is not enabled. Enable with --enable_features external_volumes)"))
    _external_volume_info(v, p, out)
    provider = v["external"].get("provider")
    if provider is None:
        return
    if provider != "dvdi":
        out.append((f"{p}/external/provider", "is unknown provider"))
        return
    _dvdi_volume_info(v["external"], f"{p}/external", out)
    _dvdi_container_rules(app, v, p, out)


def _must_match(regex: re.Pattern) -> str:
    # Real Marathon: accord's matchRegex (a partial match of an anchored pattern) says "must match"; the
    # "must fully match" of other fields (ids) is fullyMatchRegex.
    return f"must match regular expression '{regex.pattern}'"


def _external_volume_info(v: dict, p: str, out: list) -> None:
    """AppValidation (1.5+): containerPath and name not empty, provider defined and a label, option keys
    namespaced labels. Real Marathon 1.5.0-1.8.222 and 1.9.32-1.9.81 also required the name to be a label."""
    ext, ep = v["external"], f"{p}/external"
    if v["containerPath"] == "":
        out.append((f"{p}/containerPath", "must not be empty"))
    if not ext.get("name"):
        out.append((f"{ep}/name", "must not be empty"))
    provider = ext.get("provider")
    if provider is None:
        out.append((f"{ep}/provider", "not defined"))
    elif not _DVDI_LABEL_RE.search(provider):
        out.append((f"{ep}/provider", _must_match(_DVDI_LABEL_RE)))
    for key in ext.get("options") or {}:
        if not _OPTION_KEY_RE.search(key):
            # Real Marathon: the exact suffix of this path (per key) is not verified; the options map is named
            out.append((f"{ep}/options", _must_match(_OPTION_KEY_RE)))


def _dvdi_volume_info(ext: dict, ep: str, out: list) -> None:
    """DVDIProvider.ramlVolume's volumeInfo: name defined (a missing name is reported twice, with the
    `must not be empty` above: Marathon 1.8.230+/1.9.100+/1.10; older versions say only `not defined`),
    dvdi/driver defined and a label, the rexray options."""
    if "name" not in ext or ext["name"] is None:
        out.append((f"{ep}/name", "not defined"))
    opts = ext.get("options") or {}
    driver = opts.get("dvdi/driver")
    if driver is None:
        out.append((f'{ep}/options("dvdi/driver")', "not defined"))
    elif not _DVDI_LABEL_RE.search(driver):
        out.append((f'{ep}/options("dvdi/driver")', _must_match(_DVDI_LABEL_RE)))
    if driver == "rexray":
        _rexray_options(opts, ep, out)


def _rexray_options(opts: dict, ep: str, out: list) -> None:
    """DVDIProvider.validRexRayOptions. The path quotes the option (1.5+; 1.4 wrote options("dvdi/iops"))."""
    for key, violation in (("dvdi/volumetype", _label_violation), ("dvdi/newfstype", _label_violation),
                           ("dvdi/iops", _natural_number_violation), ("dvdi/overwritefs", _boolean_violation)):
        if key in opts:
            message = violation(opts[key])
            if message:
                out.append((f'{ep}/options/"{key}"', message))


def _label_violation(value: str) -> str | None:
    return None if _DVDI_LABEL_RE.search(value) else _must_match(_DVDI_LABEL_RE)


def _natural_number_violation(value: str) -> str | None:
    """OptionSupport.validNaturalNumber: Java's Long.parseLong (an optional sign, no blanks), then > 0."""
    ok = re.fullmatch(r"[+-]?[0-9]+", value) is not None and 0 < int(value) < 2**63
    return None if ok else f"Expected a valid, positive integer instead of {value}"


def _boolean_violation(value: str) -> str | None:
    """OptionSupport.validBoolean checks `Try(s.toBoolean).getOrElse(false)`: the parsed value itself is the
    predicate, so only "true" (any case) passes and "false" is refused too (a Marathon bug, kept)."""
    return None if value.lower() == "true" else "Expected a valid boolean"


def _dvdi_container_rules(app: dict, v: dict, p: str, out: list) -> None:
    """DVDIProvider.ramlVolume per containerizer: MESOS mounts read-write only; DOCKER passes only the driver
    (`docker run --volume-driver`) and cannot size a volume. Both refuse `.` and `..` as containerPath.
    Real Marathon 1.4 also refused a containerPath with a `/` for MESOS; 1.5+ accept nested and absolute ones."""
    ext, ep = v["external"], f"{p}/external"
    if (app.get("container") or {}).get("type", "DOCKER") == "MESOS":
        if v["mode"] != "RW":
            out.append((f"{p}/mode", "does not equal RW"))   # accord equalTo
        if v["containerPath"] in DOT_PATHS:
            out.append((f"{p}/containerPath", "can not be one of (.,..)"))
        return
    if v["containerPath"] in DOT_PATHS:
        out.append((f"{p}/containerPath", "can not be one of (.,..)"))
    if set(ext.get("options") or {}) - {"dvdi/driver"}:
        out.append((f"{ep}/options", "must only contain dvdi/driver"))
    if ext.get("size") is not None:
        out.append((f"{ep}/size", "must be undefined for Docker containers"))


def validate_app(app: dict, *, valid_roles: list, features, previous_role: str | None = None,
                 force_role: bool = False) -> list[tuple[str, str]]:
    """Validate a pre-normalised App (deprecated fields translated, role filled), section by section as
    Marathon's AppValidation does; the order of the sections is the order of the messages."""
    out: list[tuple[str, str]] = []
    _id_and_command(app, out)
    _container(app, features, out)
    _ports(app, out)
    _health_checks(app, out)
    _roles(app, valid_roles, previous_role, force_role, out)
    _readiness_checks(app, out)
    _upgrade_strategy(app, out)
    _unreachable_strategy(app, out)
    _external_volumes_of_app(app, out)
    _constraints(app, out)
    _features(app, features, out)
    if not out:
        _external_volume_sizes(app, out)   # the AppDefinition's own validation runs after the RAML one
    return out


def _container_of(app: dict) -> dict:
    return app.get("container") or {}


def _id_and_command(app: dict, out: list) -> None:
    for msg in id_violations(app["id"]):
        out.append(("/id", msg))
    if not path_segments(app["id"]):
        out.append(("/id", "Path must contain at least one path element"))
        out.append(("/", "must not be root"))
    # Real Marathon (AppValidation.validateCanonicalAppAPI / ...AppUpdateAPI): `_.cmd.forall(_.length > 1)`, so a
    # one-character cmd is refused too, with this (misleading) message.
    if app.get("cmd") is not None and len(app["cmd"]) <= 1:
        out.append(("/", "must not be an empty string"))
    container = app.get("container")
    cmd, args = app.get("cmd") is not None, bool(app.get("args"))
    has_container = container is not None and (container.get("type", "DOCKER") == "MESOS" or container.get("docker") is not None)
    if not ((cmd ^ args) or (not (cmd and args) and has_container)):
        out.append(("/", "AppDefinition must either contain one of 'cmd' or 'args', and/or a 'container'."))


def _container(app: dict, features, out: list) -> None:
    container = app.get("container")
    if container is None:
        return
    ctype = container.get("type", "DOCKER")
    docker = container.get("docker")
    if ctype == "DOCKER":
        if docker is None:
            out.append(("/container/docker", "not defined"))
        elif not docker.get("image"):
            out.append(("/container/docker/image", "must not be empty"))
    elif docker is not None and not docker.get("image"):
        out.append(("/container/docker/image", "must not be empty"))
    names = _external_volume_names(app)
    if len(set(names)) != len(names):
        out.append(("/container/volumes", "Volume names must be unique"))
    _volumes(app, features, out)
    mappings = container.get("portMappings") or []
    mnames = [m.get("name") for m in mappings if m.get("name")]
    if len(set(mnames)) != len(mnames):
        out.append(("/container/portMappings", "Port names must be unique."))


def _external_volume_names(app: dict) -> list:
    names = [v["external"].get("name") for v in _container_of(app).get("volumes") or [] if "external" in v]
    return [n for n in names if n]


def _volumes(app: dict, features, out: list) -> None:
    for i, v in enumerate(_container_of(app).get("volumes") or []):
        p = f"/container/volumes({i})"
        if "persistent" in v:
            _persistent_volume(v, p, out)
        elif "external" in v:
            _external_volume(app, v, p, features, out)
        elif "secret" in v:
            # Real Marathon (AppValidation.validSecretVolume): the volume must name an entry of `secrets`
            # (which needs the secrets feature, reported for /secrets below).
            if v["secret"] not in (app.get("secrets") or {}):
                out.append((p, "volume.secret must refer to an existing secret"))
        else:
            if not v["containerPath"]:
                out.append((f"{p}/containerPath", "must not be empty"))
            if not v["hostPath"]:
                out.append((f"{p}/hostPath", "must not be empty"))


def _ports(app: dict, out: list) -> None:
    pdefs = app.get("portDefinitions") or []
    pnames = [p.get("name") for p in pdefs if p.get("name")]
    if len(set(pnames)) != len(pnames):
        out.append(("/portDefinitions", "Port names must be unique."))
    pports = [p.get("port", 0) for p in pdefs if p.get("port", 0) != 0]
    if len(set(pports)) != len(pports):
        out.append(("/portDefinitions", "Ports must be unique."))
    networks = app.get("networks") or []
    if any(n.get("mode") == "host" for n in networks) and _container_of(app).get("portMappings"):
        out.append(("/", "portMappings are not allowed with host-networking"))
    if any(n.get("mode") != "host" for n in networks) and app.get("portDefinitions"):
        out.append(("/", "portDefinitions are only allowed with host-networking"))


def _health_checks(app: dict, out: list) -> None:
    n_ports = len(_container_of(app).get("portMappings") or []) or len(app.get("portDefinitions") or [])
    mesos_checks = 0
    for i, hc in enumerate(app.get("healthChecks") or []):
        proto = hc.get("protocol", "HTTP")
        if "command" not in hc and proto in ("HTTP", "HTTPS", "TCP"):
            idx = hc.get("portIndex")
            ok = (0 <= idx < n_ports) if idx is not None else ("port" in hc or n_ports == 1)
            if not ok:
                out.append((f"/healthChecks({i})",
                            "Health check port indices must address an element of the ports array or container port mappings."))
        if "command" not in hc and proto in ("COMMAND", "MESOS_HTTP", "MESOS_HTTPS", "MESOS_TCP"):
            mesos_checks += 1
        if hc.get("ipProtocol", "IPv4") != "IPv4":
            out.append((f"/healthChecks({i})",
                        "IPv6 can only be used for container type DOCKER and Mesos http/https/tcp health checks"))
    if mesos_checks > 1:
        out.append(("/", "AppDefinition can contain at most one Mesos health check"))


def _roles(app: dict, valid_roles: list, previous_role: str | None, force_role: bool, out: list) -> None:
    roles = app.get("acceptedResourceRoles")
    role = app.get("role")
    if roles is not None:
        _accepted_resource_roles(app, roles, role, out)
    if role is not None and role not in valid_roles:
        # wix-accord `in`: the roles in the order of Marathon's set (RoleSettings, GroupNormalization.validRolesFor)
        out.append(("/role", f"got {role}, expected one of: [{', '.join(valid_roles)}]"))
    resident = has_persistent(app)
    if resident and role == "*":
        out.append(("/role", "Resident apps cannot have the role *"))
    if resident and previous_role is not None and previous_role != role and not force_role:
        out.append(("/role", (
            "It is not possible to change the role for existing reservations. If you proceed with this change, all "
            f"existing instances will continue to run under the previous role, {previous_role}. Only new instances "
            f"will be allocated with the new role, {role}. In order to continue, retry your request with ?force=true")))


def _accepted_resource_roles(app: dict, roles: list, role: str | None, out: list) -> None:
    if not roles:
        out.append(("/acceptedResourceRoles", "must not be empty"))
    elif "residency" in app and set(roles) != {"*"}:
        out.append(("/acceptedResourceRoles", 'A resident app must have `acceptedResourceRoles = ["*"]`.'))
    allowed = sorted({"*", role} if role else {"*"})
    if roles and not (len(roles) <= 2 and set(roles) <= set(allowed)):
        out.append(("/acceptedResourceRoles", "acceptedResourceRoles can only contain " + " and ".join(allowed)))


def _readiness_checks(app: dict, out: list) -> None:
    checks = app.get("readinessChecks") or []
    if len(checks) > 1:
        out.append(("/readinessChecks", f"got {len(checks)}, expected 1 or less"))
    mappings = _container_of(app).get("portMappings")
    port_names = {m.get("name") for m in mappings if m.get("name")} if mappings else \
        {p.get("name") for p in app.get("portDefinitions") or [] if p.get("name")}
    for i, rc in enumerate(checks):
        name = rc.get("portName", "http-api")
        if name not in port_names:
            out.append((f"/readinessChecks({i})/portName", f"No port definition reference for portName {name}"))
        timeout, interval = rc.get("timeoutSeconds", 10), rc.get("intervalSeconds", 30)
        if not timeout < interval:
            out.append((f"/readinessChecks({i})/timeoutSeconds", f"got {timeout}, expected less than {interval}"))


def _upgrade_strategy(app: dict, out: list) -> None:
    """Single-instance apps and resident apps may not run over capacity (nor single ones under it)."""
    labels = app.get("labels") or {}
    single = labels.get("MARATHON_SINGLE_INSTANCE_APP") == "true"
    if single and app.get("instances", 1) > 1:
        out.append(("/", "Single instance app may only have one instance"))
    us = app.get("upgradeStrategy")
    if us is None:
        return
    if single:
        if us["minimumHealthCapacity"] != 0:
            out.append(("/upgradeStrategy/minimumHealthCapacity",
                        f"got {fmt_num(float(us['minimumHealthCapacity']))}, expected 0.0"))
        if us["maximumOverCapacity"] != 0:
            out.append(("/upgradeStrategy/maximumOverCapacity",
                        f"got {fmt_num(float(us['maximumOverCapacity']))}, expected 0.0"))
    if "residency" in app and us["maximumOverCapacity"] != 0:
        out.append(("/upgradeStrategy/maximumOverCapacity", f"got {fmt_num(float(us['maximumOverCapacity']))}, expected 0.0"))


def _unreachable_strategy(app: dict, out: list) -> None:
    ur = app.get("unreachableStrategy")
    if isinstance(ur, dict) and ur["inactiveAfterSeconds"] > ur["expungeAfterSeconds"]:
        out.append(("/unreachableStrategy", (
            f"inactiveAfterSeconds ({ur['inactiveAfterSeconds']}) must be less or equal to expungeAfterSeconds, "
            f"which is {ur['expungeAfterSeconds']}")))
    if "residency" in app and app.get("unreachableStrategy") not in (None, "disabled"):
        out.append(("/", "unreachableStrategy must be disabled for resident tasks"))


def _dvdi_volumes(app: dict) -> list:
    return [v for v in _container_of(app).get("volumes") or [] if (v.get("external") or {}).get("provider") == "dvdi"]


def _external_volumes_of_app(app: dict, out: list) -> None:
    """DVDIProvider.ramlApp, applied when a volume names the dvdi provider: each (non-shared) name once, one
    instance, no over-capacity."""
    if not _dvdi_volumes(app):
        return
    names = _indexed_dvdi_names(app)
    # Real Marathon: one violation per name at the app (path /); shared volumes are skipped since 1.8.222 and
    # 1.9.64 (older versions count them). AppValidation's "Volume names must be unique" counts them all.
    for name in dict.fromkeys(n for n in names if names.count(n) > 1):
        out.append(("/", f"Requested DVDI volume '{name}' is declared more than once within app {app['id']}"))
    if app.get("instances", 1) > 1:
        # Marathon interpolates the whole app object here (a bug); clients match on the prefix.
        out.append(("/", f"Number of instances is limited to 1 when declaring DVDI volumes in app [{app['id']}]"))
    us = app.get("upgradeStrategy")
    if us is not None and us["maximumOverCapacity"] != 0 and "residency" not in app:
        out.append(("/upgradeStrategy/maximumOverCapacity", f"got {fmt_num(float(us['maximumOverCapacity']))}, expected 0.0"))


def _external_volume_sizes(app: dict, out: list) -> None:
    """state.ExternalVolumeInfo (`size.each should be > 0`), checked on the AppDefinition after the RAML
    validation passed: `size: 0` reads (RAML minimum 0) and is refused here. Real Marathon reports it below
    the state's VolumeWithMount; the emulator uses the API path (the exact state path is not verified)."""
    for i, v in enumerate(_container_of(app).get("volumes") or []):
        size = (v.get("external") or {}).get("size")
        if size is not None and size <= 0:
            out.append((f"/container/volumes({i})/external/size", f"got {size}, expected more than 0"))


def dvdi_root_group_violations(apps) -> list[tuple[str, str]]:
    """DVDIProvider.rootGroup, run on the whole target root group of every change (GroupManager): a non-shared
    DVDI volume name may belong to one app only. Every external volume of every app involved is reported, at
    its root-relative path /groups(i)/apps(j)/externalVolumes(k) (k counts the app's external volumes only).
    `shared: true` volumes are not indexed (1.8.222+/1.9.64+), so two shared ones never conflict but a shared
    one using a non-shared one's name does (the error is on the shared one). `apps`: the app definitions.

    Real Marathon walks its group maps (insertion order for small maps); the emulator walks groups and apps
    sorted by id, as GET /v2/groups lists them."""
    apps = list(apps)
    if not _any_dvdi_conflict(apps):
        return []   # the common case, without building the tree
    tree = _group_tree(apps)
    owners: dict = {}
    for app in _apps_in_tree_order(tree):
        for name in _indexed_dvdi_names(app):
            owners.setdefault(name, []).append(app["id"])
    out: list = []
    _group_conflicts(tree, "", owners, out)
    return out


def _indexed_dvdi_names(app: dict) -> list:
    return [v["external"]["name"] for v in _dvdi_volumes(app)
            if not v["external"].get("shared") and v["external"].get("name")]


def _any_dvdi_conflict(apps: list) -> bool:
    owners: dict = {}
    for app in apps:
        for name in _indexed_dvdi_names(app):
            owners.setdefault(name, set()).add(app["id"])
    return any(owners.get((v.get("external") or {}).get("name"), set()) - {app["id"]}
               for app in apps for v in _container_of(app).get("volumes") or [] if "external" in v)


def _group_tree(apps) -> dict:
    tree: dict = {"apps": {}, "groups": {}}
    for app in apps:
        node = tree
        for seg in path_segments(app["id"])[:-1]:
            node = node["groups"].setdefault(seg, {"apps": {}, "groups": {}})
        node["apps"][app["id"]] = app
    return tree


def _apps_in_tree_order(node: dict):
    for app_id in sorted(node["apps"]):
        yield node["apps"][app_id]
    for name in sorted(node["groups"]):
        yield from _apps_in_tree_order(node["groups"][name])


def _group_conflicts(node: dict, path: str, owners: dict, out: list) -> None:
    for j, app_id in enumerate(sorted(node["apps"])):
        externals = [v["external"] for v in _container_of(node["apps"][app_id]).get("volumes") or [] if "external" in v]
        for k, ext in enumerate(externals):
            others = [a for a in owners.get(ext.get("name"), []) if a != app_id]
            if others:
                out.append((f"{path}/apps({j})/externalVolumes({k})",
                            f"Volume name '{ext['name']}' in {app_id} conflicts with volume(s) of same name in "
                            f"app(s): {', '.join(others)}"))
    for i, name in enumerate(sorted(node["groups"])):
        _group_conflicts(node["groups"][name], f"{path}/groups({i})", owners, out)


def _constraints(app: dict, out: list) -> None:
    for i, c in enumerate(app.get("constraints") or []):
        for msg in constraint_violations(c):
            out.append((f"/constraints({i})", msg))


def _features(app: dict, features, out: list) -> None:
    """GPUs and secrets need their Marathon features (secrets is off in the emulated DC/OS)."""
    if app.get("gpus", 0) > 0:
        if _container_of(app).get("type") == "DOCKER":
            out.append(("/", "GPU resources only work with the Mesos containerizer"))
        if "gpu_resources" not in features:
            out.append(("/", "Feature gpu_resources is not enabled. Enable with --enable_features gpu_resources)"))
    if app.get("secrets"):
        out.append(("/secrets", "Feature secrets is not enabled. Enable with --enable_features secrets)"))
    for key, val in (app.get("env") or {}).items():
        if isinstance(val, dict):
            out.append((f"/env/{key}", "Feature secrets is not enabled. Enable with --enable_features secrets)"))


def _persistent_signature(app: dict) -> dict:
    return {v["containerPath"]: v for v in (app.get("container") or {}).get("volumes") or [] if "persistent" in v}


def _host_ports(app: dict) -> set:
    """AppDefinition.hostPorts: port mappings' host ports, else the port definitions' ports."""
    mappings = (app.get("container") or {}).get("portMappings")
    if mappings:
        return {m.get("hostPort") for m in mappings if m.get("hostPort") is not None}
    return {p["port"] for p in app.get("portDefinitions") or []}


RESOURCES_CHANGED = ("Services with persistent volumes configured may not change resource requirements. "
                     "If you need to make this change, please create a new service.")
HOST_PORTS_CHANGED = ("Services with persistent volumes configured may not change host ports. "
                      "If you need to make this change, please create a new service.")


def resident_update_violations(old: dict, new: dict, index: int = 0) -> list[tuple[str, str]]:
    """AppDefinition.residentUpdateIsValid, run by the deployment-plan validator when the old or new
    version is resident. Path prefix /app(<index>) as in DeploymentPlan's `createdOrUpdatedApps as "app"`
    (fact sheet 4.3: prefix inferred)."""
    if not (has_persistent(old) or has_persistent(new)):
        return []
    pre = f"/app({index})"
    out = []
    ov, nv = _persistent_signature(old), _persistent_signature(new)
    if len(ov) != len(nv) or any(nv.get(k) != v for k, v in ov.items()):
        out.append((pre or "/", "Persistent volumes can not be changed!"))
    for key in ("cpus", "mem", "disk", "gpus", "requirePorts"):
        if old.get(key) != new.get(key):
            out.append((f"{pre}/{key}", RESOURCES_CHANGED))
    if _host_ports(old) != _host_ports(new):
        out.append((pre or "/", HOST_PORTS_CHANGED))
    mo = new["upgradeStrategy"]["maximumOverCapacity"]
    if mo != 0:
        out.append((f"{pre}/upgradeStrategy/maximumOverCapacity", f"got {fmt_num(float(mo))}, expected 0.0"))
    return out
