"""Mesos `Resource` / `Resources` with the master's arithmetic, validation and text forms.

Input accepts both protobuf-JSON formats (pre-refinement `role` + `reservation`, and
post-refinement `reservations[]`); internally everything is post-refinement; output is the
ENDPOINT format (`role` + `reservation` *and* `reservations[]` for a single reservation).
Scalars are kept in fixed point (millis), as Mesos compares them (3 decimal places).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

SCALAR, RANGES, SET = "SCALAR", "RANGES", "SET"
_VALUE_TYPES = (SCALAR, RANGES, SET, "TEXT")
NAME_MAX = 255


class ParseError(ValueError):
    """A resource JSON value that protobuf parsing would reject."""


class ResourceError(ValueError):
    """A resource that `Resources::validate` would reject (message is Mesos's)."""


@dataclass(frozen=True)
class Reservation:
    type: str  # DYNAMIC | STATIC
    role: str
    principal: str | None = None
    labels: tuple | None = None  # ((key, value|None), ...) or None when unset

    def __hash__(self):
        # Resource keys hash their reservations on every lookup: compute once.
        try:
            return self.__dict__["_hash"]
        except KeyError:
            value = hash((self.type, self.role, self.principal, self.labels))
            object.__setattr__(self, "_hash", value)
            return value

    def to_json(self) -> dict:
        out = {"type": self.type, "role": self.role}
        if self.principal is not None:
            out["principal"] = self.principal
        if self.labels is not None:
            out["labels"] = labels_to_json(self.labels)
        return out

    def __str__(self) -> str:
        text = f"{self.type},{self.role}"
        if self.principal is not None:
            text += f",{self.principal}"
        if self.labels is not None:
            text += "," + labels_str(self.labels)
        return text


def labels_to_json(labels: tuple) -> dict:
    items = []
    for key, value in labels:
        item = {"key": key}
        if value is not None:
            item["value"] = value
        items.append(item)
    return {"labels": items}


def labels_str(labels: tuple) -> str:
    parts = [key if value is None else f"{key}: {value}" for key, value in labels]
    return "{" + ", ".join(parts) + "}"


def _canon(obj) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


class Resource:
    """One resource in post-refinement form. `value` is int millis, a list of [begin, end], or a tuple of items."""

    __slots__ = ("name", "type", "value", "reservations", "disk", "revocable", "shared", "provider_id", "_key",
                 "_json")

    def __init__(self, name, type_, value, reservations=(), disk=None, revocable=False, shared=False, provider_id=None):
        self.name = name
        self.type = type_
        self.value = value
        self.reservations = tuple(reservations)
        self.disk = disk  # dict (protobuf JSON of DiskInfo) or None
        self.revocable = revocable
        self.shared = shared
        self.provider_id = provider_id
        self._key = None
        self._json = None

    # -- construction helpers -------------------------------------------------------------
    @classmethod
    def scalar(cls, name, amount, reservations=(), disk=None):
        return cls(name, SCALAR, to_millis(amount), reservations, disk)

    @classmethod
    def ranges(cls, name, ranges, reservations=()):
        return cls(name, RANGES, coalesce(ranges), reservations)

    def copy(self, **changes) -> Resource:
        fields = {
            "name": self.name, "type_": self.type, "value": self.value, "reservations": self.reservations,
            "disk": self.disk, "revocable": self.revocable, "shared": self.shared, "provider_id": self.provider_id,
        }
        fields.update(changes)
        return Resource(**fields)

    # -- identity ----------------------------------------------------------------------
    def key(self):
        """Everything but the quantity: resources with equal keys are added / subtracted."""
        if self._key is None:
            self._key = (
                self.name, self.type, self.reservations,
                _canon(self.disk) if self.disk is not None else None,
                self.revocable, self.shared, self.provider_id,
            )
        return self._key

    def __eq__(self, other):
        return isinstance(other, Resource) and self.key() == other.key() and self.value == other.value

    def __hash__(self):
        return hash((self.key(), _canon(self.value) if self.type != SCALAR else self.value))

    # -- predicates ----------------------------------------------------------------------
    @property
    def role(self) -> str:
        """The reservation role (`*` when unreserved)."""
        return self.reservations[-1].role if self.reservations else "*"

    def is_unreserved(self) -> bool:
        return not self.reservations

    def is_dynamically_reserved(self) -> bool:
        return bool(self.reservations) and self.reservations[-1].type == "DYNAMIC"

    def is_persistent_volume(self) -> bool:
        return self.name == "disk" and self.disk is not None and "persistence" in self.disk

    @property
    def persistence_id(self) -> str | None:
        return self.disk["persistence"].get("id") if self.is_persistent_volume() else None

    @property
    def container_path(self) -> str | None:
        if self.disk is None:
            return None
        return self.disk.get("volume", {}).get("container_path")

    def amount(self) -> float:
        return self.value / 1000.0 if self.type == SCALAR else 0.0

    def is_empty(self) -> bool:
        if self.type == SCALAR:
            return self.value == 0
        return not self.value

    # -- transformations ------------------------------------------------------------------
    def without_persistence(self) -> Resource:
        """The reserved disk a volume was created from (Mesos strips `persistence` and `volume`)."""
        disk = dict(self.disk or {})
        disk.pop("persistence", None)
        disk.pop("volume", None)
        return self.copy(disk=disk or None, shared=False)

    def pop_reservation(self) -> Resource:
        return self.copy(reservations=self.reservations[:-1])

    def unreserved(self) -> Resource:
        """The same quantity, unreserved and without persistence (what it was reserved from)."""
        return self.without_persistence().copy(reservations=())

    # -- output ---------------------------------------------------------------------------
    def value_json(self) -> dict:
        if self.type == SCALAR:
            return {"scalar": {"value": from_millis(self.value)}}
        if self.type == RANGES:
            return {"ranges": {"range": [{"begin": b, "end": e} for b, e in self.value]}}
        return {"set": {"item": list(self.value)}}

    def to_json(self, allocation_role: str | None = None) -> dict:
        """ENDPOINT format (`convertResourceFormat(..., ENDPOINT)`). Resources are immutable, so the
        rendering is cached; the returned dict (and what it contains) is shared: never modify it."""
        if allocation_role is None:
            # Endpoint renderings are cached per agent as bytes (render.py): keep no second copy here.
            return self._json if self._json is not None else self._render()
        if self._json is None:
            self._json = self._render()
        out = dict(self._json)
        out["allocation_info"] = {"role": allocation_role}
        return out

    def _render(self) -> dict:
        out = {"name": self.name, "type": self.type}
        out.update(self.value_json())
        if not self.reservations:
            out["role"] = "*"
        elif len(self.reservations) == 1:
            res = self.reservations[0]
            out["role"] = res.role
            if res.type == "DYNAMIC":
                reservation = {}
                if res.principal is not None:
                    reservation["principal"] = res.principal
                if res.labels is not None:
                    reservation["labels"] = labels_to_json(res.labels)
                out["reservation"] = reservation
        if self.disk is not None:
            out["disk"] = _copy(self.disk)
        if self.revocable:
            out["revocable"] = {}
        if self.shared:
            out["shared"] = {}
        if self.provider_id is not None:
            out["provider_id"] = {"value": self.provider_id}
        if self.reservations:
            out["reservations"] = [r.to_json() for r in self.reservations]
        return out

    def __str__(self) -> str:
        text = self.name
        if self.reservations:
            text += "(reservations: [" + ",".join(f"({r})" for r in self.reservations) + "])"
        if self.disk is not None:
            text += "[" + disk_str(self.disk) + "]"
        if self.revocable:
            text += "{REV}"
        if self.shared:
            text += "<SHARED>"
        return text + ":" + self.value_str()

    def value_str(self) -> str:
        if self.type == SCALAR:
            return format(from_millis(self.value), ".15g")
        if self.type == RANGES:
            return "[" + ", ".join(f"{b}-{e}" for b, e in self.value) + "]"
        return "{" + ", ".join(self.value) + "}"

    __repr__ = __str__


def _copy(value):
    """Deep copy of plain JSON data (faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def disk_str(disk: dict) -> str:
    text = ""
    source = disk.get("source")
    if source:
        stype = source.get("type", "UNKNOWN")
        text += stype
        root = (source.get("mount") or source.get("path") or {}).get("root")
        if root is not None and stype in ("MOUNT", "PATH"):
            text += ":" + root
    persistence = disk.get("persistence")
    if persistence is not None:
        if source:
            text += ","
        text += persistence.get("id", "")
    volume = disk.get("volume")
    if volume is not None:
        path = volume.get("container_path", "")
        if volume.get("host_path"):
            path = volume["host_path"] + ":" + path + (":ro" if volume.get("mode") == "RO" else ":rw")
        text += ":" + path
    return text


# -- numbers and ranges ---------------------------------------------------------------------

def to_millis(amount) -> int:
    return int(round(float(amount) * 1000))


def from_millis(millis: int):
    value = millis / 1000.0
    return value


def coalesce(ranges) -> list:
    """Sort and merge overlapping or adjacent [begin, end] ranges."""
    out = []
    for begin, end in sorted((int(b), int(e)) for b, e in ranges):
        if out and begin <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([begin, end])
    return out


def ranges_subtract(left, right) -> list:
    out = []
    for begin, end in left:
        pieces = [[begin, end]]
        for rb, re_ in right:
            next_pieces = []
            for pb, pe in pieces:
                if re_ < pb or rb > pe:
                    next_pieces.append([pb, pe])
                    continue
                if rb > pb:
                    next_pieces.append([pb, rb - 1])
                if re_ < pe:
                    next_pieces.append([re_ + 1, pe])
            pieces = next_pieces
        out.extend(pieces)
    return coalesce(out)


def ranges_contain(left, right) -> bool:
    return not ranges_subtract(right, left)


def ranges_str(ranges) -> str:
    return "[" + ", ".join(f"{b}-{e}" for b, e in ranges) + "]"


def parse_range_text(text: str) -> list:
    """`31000-32000` or `[31000-32000, 33000-33010]` (the --agent-ports flag)."""
    text = text.strip().strip("[]")
    ranges = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        begin, _, end = part.partition("-")
        ranges.append([int(begin), int(end or begin)])
    return coalesce(ranges)


# -- Resources (a multiset with Mesos's add/subtract/contains) --------------------------------------

class Resources:
    """Insertion-ordered multiset keyed by `Resource.key()` (O(1) add / subtract / lookup).

    Mergeable resources live under their key; non-shared persistent volumes never merge, so they live
    under (key, quantity) with a list for the (invalid but representable) case of identical duplicates.
    """

    def __init__(self, items=()):
        self._map: dict = {}
        for item in items:
            self.add(item)

    @staticmethod
    def _slot(resource: Resource):
        if resource.is_persistent_volume() and not resource.shared:
            return (resource.key(), resource.value)
        return resource.key()

    def copy(self) -> Resources:
        new = Resources()
        new._map = dict(self._map)  # groups are tuples: sharing them is safe
        return new

    @property
    def items(self) -> list:
        return [r for group in self._map.values() for r in group]

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return sum(len(group) for group in self._map.values())

    def __bool__(self):
        return bool(self._map)

    def __str__(self):
        items = self.items
        return "; ".join(str(r) for r in items) if items else "{}"

    def add(self, resource: Resource) -> None:
        if resource.is_empty():
            return
        slot = self._slot(resource)
        group = self._map.get(slot)
        if group is None:
            self._map[slot] = (resource,)
        elif resource.is_persistent_volume() and not resource.shared:
            self._map[slot] = group + (resource,)
        else:
            self._map[slot] = (group[0].copy(value=_value_add(group[0], resource)),) + group[1:]

    def add_all(self, resources) -> None:
        for resource in resources:
            self.add(resource)

    def contains_one(self, resource: Resource) -> bool:
        group = self._map.get(self._slot(resource))
        if not group:
            return resource.is_empty()
        return _value_contains(group[0], resource)

    def contains(self, resources) -> bool:
        remaining = self.copy()
        for resource in resources:
            if not remaining.contains_one(resource):
                return False
            remaining.subtract(resource)
        return True

    def subtract(self, resource: Resource) -> None:
        slot = self._slot(resource)
        group = self._map.get(slot)
        if not group:
            return
        updated = group[0].copy(value=_value_subtract(group[0], resource))
        if not updated.is_empty():
            self._map[slot] = (updated,) + group[1:]
        elif len(group) > 1:
            self._map[slot] = group[1:]
        else:
            del self._map[slot]

    def subtract_all(self, resources) -> None:
        for resource in resources:
            self.subtract(resource)

    def minus(self, resources) -> Resources:
        out = self.copy()
        out.subtract_all(resources)
        return out

    def plus(self, resources) -> Resources:
        out = self.copy()
        out.add_all(resources)
        return out

    def filter(self, predicate) -> Resources:
        out = Resources()
        for slot, group in self._map.items():
            kept = tuple(r for r in group if predicate(r))
            if kept:
                out._map[slot] = kept
        return out

    def unreserved(self) -> Resources:
        return self.filter(Resource.is_unreserved)

    def reserved(self, role: str | None = None) -> Resources:
        return self.filter(lambda r: bool(r.reservations) and (role is None or r.role == role))

    def reservations_by_role(self) -> dict:
        out: dict[str, Resources] = {}
        for slot, group in self._map.items():
            for resource in group:
                if resource.reservations:
                    target = out.setdefault(resource.role, Resources())._map
                    target[slot] = target.get(slot, ()) + (resource,)
        return out

    def persistent_volumes(self) -> Resources:
        return self.filter(Resource.is_persistent_volume)

    def to_unreserved(self) -> Resources:
        return Resources(r.unreserved() for r in self.items)

    def to_json(self, allocation_role=None) -> list:
        return [r.to_json(allocation_role) for r in self.items]

    def summary(self) -> dict:
        """The summary object of /master/state (`json(writer, Resources)` in common/http.cpp)."""
        scalars = {"cpus": 0.0, "gpus": 0.0, "mem": 0.0, "disk": 0.0}
        ranges: dict[str, list] = {}
        sets: dict[str, set] = {}
        for r in self.items:
            name = r.name + ("_revocable" if r.revocable else "")
            if r.type == SCALAR:
                scalars[name] = scalars.get(name, 0.0) + r.value / 1000.0
            elif r.type == RANGES:
                ranges[name] = coalesce(ranges.get(name, []) + [list(x) for x in r.value])
            elif r.type == SET:
                sets.setdefault(name, set()).update(r.value)
        out: dict = {name: round(value, 3) for name, value in scalars.items()}
        for name, value in ranges.items():
            out[name] = ranges_str(value)
        for name, value in sets.items():
            out[name] = "{" + ", ".join(sorted(value)) + "}"
        return out


def _value_add(a: Resource, b: Resource):
    if a.type == SCALAR:
        return a.value + b.value
    if a.type == RANGES:
        return coalesce([list(x) for x in a.value] + [list(x) for x in b.value])
    return tuple(sorted(set(a.value) | set(b.value)))


def _value_subtract(a: Resource, b: Resource):
    if a.type == SCALAR:
        return max(0, a.value - b.value)
    if a.type == RANGES:
        return ranges_subtract(a.value, b.value)
    return tuple(x for x in a.value if x not in set(b.value))


def _value_contains(a: Resource, b: Resource) -> bool:
    if a.type == SCALAR:
        return b.value <= a.value
    if a.type == RANGES:
        return ranges_contain(a.value, b.value)
    return set(b.value) <= set(a.value)


# -- parsing protobuf JSON ---------------------------------------------------------------------

def _expect(obj, kind, field):
    types = {"string": str, "object": dict, "array": list}
    if kind == "number":
        if isinstance(obj, bool) or not isinstance(obj, (int, float)):
            raise ParseError(f"Not expecting a JSON {_json_kind(obj)} for field '{field}'")
        return obj
    if not isinstance(obj, types[kind]):
        raise ParseError(f"Not expecting a JSON {_json_kind(obj)} for field '{field}'")
    return obj


def _json_kind(obj) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "boolean"
    if isinstance(obj, (int, float)):
        return "number"
    if isinstance(obj, str):
        return "string"
    if isinstance(obj, list):
        return "array"
    return "object"


def _parse_labels(obj, field) -> tuple:
    _expect(obj, "object", field)
    items = []
    for label in _expect(obj.get("labels", []), "array", "labels"):
        _expect(label, "object", "labels")
        if "key" not in label:
            raise ParseError("Missing required fields: labels[0].key")
        value = label.get("value")
        if value is not None:
            _expect(value, "string", "value")
        items.append((_expect(label["key"], "string", "key"), value))
    return tuple(items)


@dataclass
class RawResource:
    """A parsed resource before format validation and upgrade (keeps the pre-refinement fields)."""

    json: dict
    name: str
    type: str
    value: object
    role: str | None
    reservation: dict | None  # {"principal":..., "labels": tuple, "type"?: .., "role"?: ..}
    reservations: list  # list of dicts with optional fields
    disk: dict | None
    revocable: bool
    shared: bool
    provider_id: str | None
    allocation_role: str | None
    has_scalar: bool
    has_ranges: bool
    has_set: bool


def parse_resource(obj) -> RawResource:
    """protobuf::parse<Resource>(JSON) with stout-like error messages (checked in the order Mesos does)."""
    if not isinstance(obj, dict):
        raise ParseError("Expecting a JSON object")
    missing = [f for f in ("name", "type") if f not in obj]
    if missing:
        raise ParseError("Missing required fields: " + ", ".join(missing))
    name = _expect(obj["name"], "string", "name")
    type_ = _expect(obj["type"], "string", "type")
    if type_ not in _VALUE_TYPES:
        raise ParseError(f"Failed to find enum for '{type_}'")
    value = _parse_value(obj, type_)
    role = obj.get("role")
    if role is not None:
        _expect(role, "string", "role")
    reservation = _parse_reservation(obj)
    reservations = [_parse_refined_reservation(r) for r in _expect(obj.get("reservations", []), "array",
                                                                    "reservations")]
    disk = None
    if "disk" in obj:
        disk = _parse_disk(_expect(obj["disk"], "object", "disk"))
    allocation_role = None
    if "allocation_info" in obj:
        info = _expect(obj["allocation_info"], "object", "allocation_info")
        _optional_string(info, "role")
        allocation_role = info.get("role")
    provider_id = _parse_provider_id(obj)
    for field in ("revocable", "shared"):
        if field in obj:
            _expect(obj[field], "object", field)
    return RawResource(
        json=obj, name=name, type=type_, value=value, role=role, reservation=reservation,
        reservations=reservations, disk=disk, revocable="revocable" in obj, shared="shared" in obj,
        provider_id=provider_id, allocation_role=allocation_role,
        has_scalar="scalar" in obj, has_ranges="ranges" in obj, has_set="set" in obj,
    )


def _parse_value(obj: dict, type_: str):
    """The value of the resource's type (every value field present is parsed and checked)."""
    value = None
    if "scalar" in obj:
        scalar = _expect(obj["scalar"], "object", "scalar")
        if "value" not in scalar:
            raise ParseError("Missing required fields: scalar.value")
        value = to_millis(_expect(scalar["value"], "number", "value"))
    if "ranges" in obj:
        parsed = _parse_ranges(_expect(obj["ranges"], "object", "ranges"))
        if type_ == RANGES:
            value = parsed
    if "set" in obj:
        items = _expect(_expect(obj["set"], "object", "set").get("item", []), "array", "item")
        if type_ == SET:
            value = tuple(_expect(i, "string", "item") for i in items)
    return value


def _parse_ranges(ranges: dict) -> list:
    parsed = []
    for item in _expect(ranges.get("range", []), "array", "range"):
        _expect(item, "object", "range")
        if "begin" not in item or "end" not in item:
            raise ParseError("Missing required fields: ranges.range[0].begin, ranges.range[0].end")
        parsed.append([int(_expect(item["begin"], "number", "begin")), int(_expect(item["end"], "number", "end"))])
    return parsed


def _reservation_fields(res: dict) -> dict:
    parsed = {}
    for field in ("principal", "type", "role"):
        if field in res:
            parsed[field] = _expect(res[field], "string", field)
    return parsed


def _parse_reservation(obj: dict) -> dict | None:
    """The pre-refinement `reservation` field."""
    if "reservation" not in obj:
        return None
    res = _expect(obj["reservation"], "object", "reservation")
    reservation = _reservation_fields(res)
    if "labels" in res:
        reservation["labels"] = _parse_labels(res["labels"], "labels")
    return reservation


def _parse_refined_reservation(res) -> dict:
    """One entry of the `reservations` stack."""
    _expect(res, "object", "reservations")
    parsed = _reservation_fields(res)
    if "type" in parsed and parsed["type"] not in ("STATIC", "DYNAMIC", "UNKNOWN"):
        raise ParseError(f"Failed to find enum for '{parsed['type']}'")
    if "labels" in res:
        parsed["labels"] = _parse_labels(res["labels"], "labels")
    return parsed


def _parse_provider_id(obj: dict) -> str | None:
    if "provider_id" not in obj:
        return None
    provider = _expect(obj["provider_id"], "object", "provider_id")
    if "value" not in provider:
        raise ParseError("Missing required fields: provider_id.value")
    return _expect(provider["value"], "string", "value")


def _optional_string(obj: dict, field: str) -> None:
    if field in obj:
        _expect(obj[field], "string", field)


def _parse_disk(disk: dict) -> dict:
    persistence = disk.get("persistence")
    if persistence is not None:
        _expect(persistence, "object", "persistence")
        if "id" not in persistence:
            raise ParseError("Missing required fields: disk.persistence.id")
        _expect(persistence["id"], "string", "id")
        _optional_string(persistence, "principal")
    volume = disk.get("volume")
    if volume is not None:
        _expect(volume, "object", "volume")
        if "container_path" not in volume:
            raise ParseError("Missing required fields: disk.volume.container_path")
        _expect(volume["container_path"], "string", "container_path")
        _optional_string(volume, "host_path")
        if "mode" in volume and volume["mode"] not in ("RW", "RO"):
            raise ParseError(f"Failed to find enum for '{volume['mode']}'")
    source = disk.get("source")
    if source is not None:
        _expect(source, "object", "source")
        if source.get("type", "UNKNOWN") not in ("UNKNOWN", "PATH", "MOUNT", "BLOCK", "RAW"):
            raise ParseError(f"Failed to find enum for '{source.get('type')}'")
        for kind in ("mount", "path"):
            if kind in source:
                _optional_string(_expect(source[kind], "object", kind), "root")
        for field in ("id", "profile", "vendor"):
            _optional_string(source, field)
    return _copy(disk)


def validate_role(role: str) -> str | None:
    """roles::validate."""
    if role == "*":
        return None
    if role.startswith("/"):
        return f"Role '{role}' cannot start with a slash"
    if role.endswith("/"):
        return f"Role '{role}' cannot end with a slash"
    if "//" in role:
        return f"Role '{role}' cannot contain two adjacent slashes"
    components = [c for c in role.split("/") if c]
    if not components:
        return "Role names cannot be the empty string"
    for component in components:
        if component in (".", "..", "*"):
            return f"Role '{role}' cannot include '{component}' as a component"
        if component.startswith("-"):
            return f"Role component '{component}' is invalid because it starts with a dash"
        if any(c in component for c in "\x08\x0b\x0c\n\r\t "):
            return f"Role component '{component}' is invalid because it contains backspace or whitespace"
    return None


def _raw_str(raw: RawResource) -> str:
    """stringify(resource) for a resource that has not been upgraded yet."""
    try:
        return str(_build(raw))
    except Exception:  # noqa: BLE001 - only used inside error messages
        return raw.name


def validate_raw(raw: RawResource) -> str | None:
    """`Resources::validate(const Resource&)`: returns the error message or None."""
    if not raw.name:
        return "Empty resource name"
    if raw.type == "TEXT":
        return "Unsupported resource type"
    error = _value_error(raw)
    if error:
        return error
    if raw.disk is not None and raw.name != "disk":
        return f"DiskInfo should not be set for {raw.name} resource"
    error = _reservations_error(raw) if raw.reservations else _unrefined_reservation_error(raw)
    if error:
        return error
    if raw.shared:
        if raw.name != "disk":
            return f"Resource {raw.name} cannot be shared"
        if raw.disk is None or "persistence" not in raw.disk:
            return "Only persistent volumes can be shared"
    return None


def _value_error(raw: RawResource) -> str | None:
    """The value fields against the type: exactly the matching one, positive scalars, sane ranges and sets."""
    if raw.type == SCALAR:
        if not raw.has_scalar or raw.has_ranges or raw.has_set:
            return "Invalid scalar resource"
        if raw.value != 0 and raw.value <= 0:
            return "Invalid scalar resource: value <= 0"
    elif raw.type == RANGES:
        if raw.has_scalar or not raw.has_ranges or raw.has_set:
            return "Invalid ranges resource"
        return _ranges_error(raw.value)
    elif raw.type == SET:
        if raw.has_scalar or raw.has_ranges or not raw.has_set:
            return "Invalid set resource"
        if len(set(raw.value)) != len(raw.value):
            return "Invalid set resource: duplicated elements"
    return None


def _ranges_error(ranges: list) -> str | None:
    for i, (begin, end) in enumerate(ranges):
        if begin > end:
            return "Invalid ranges resource: begin > end"
        for other_begin, _ in ranges[i + 1:]:
            if begin <= other_begin <= end:
                return "Invalid ranges resource: overlapping ranges"
    return None


def _unrefined_reservation_error(raw: RawResource) -> str | None:
    """The pre-refinement format: `role` plus an optional `reservation`."""
    error = validate_role(raw.role if raw.role is not None else "*")
    if error:
        return error
    if raw.reservation is not None:
        if "type" in raw.reservation:
            return "'Resource.ReservationInfo.type' must not be set for the 'Resource.reservation' field"
        if "role" in raw.reservation:
            return "'Resource.ReservationInfo.role' must not be set for the 'Resource.reservation' field"
        if (raw.role or "*") == "*":
            return 'Invalid reservation: role "*" cannot be dynamically reserved'
    return None


def _reservations_error(raw: RawResource) -> str | None:
    """The `reservations` stack: each entry complete, each a refinement of the one below it."""
    for res in raw.reservations:
        if "type" not in res:
            return "Invalid reservation: 'Resource.ReservationInfo.type' field must be set."
        if "role" not in res:
            return "Invalid reservation: 'Resource.ReservationInfo.role' field must be set."
        error = validate_role(res["role"])
        if error:
            return error
        if res["role"] == "*":
            return 'Invalid reservation: role "*" cannot be reserved'
    ancestor = raw.reservations[0]["role"]
    for res in raw.reservations[1:]:
        if res["type"] == "STATIC":
            return "Invalid refined reservation: A refined reservation cannot be STATIC"
        if not res["role"].startswith(ancestor + "/"):
            return f"Invalid refined reservation: role '{res['role']}' is not a refinement of '{ancestor}'"
        ancestor = res["role"]
    if len(raw.reservations) == 1:
        return _single_reservation_error(raw, raw.reservations[0])
    if raw.role is not None:
        return ("Invalid resource format: 'Resource.role' must not be set if there is more than one "
                "reservation in 'Resource.reservations'")
    if raw.reservation is not None:
        return ("Invalid resource format: 'Resource.reservation' must not be set if there is more than one "
                "reservation in 'Resource.reservations'")
    return None


def _single_reservation_error(raw: RawResource, res: dict) -> str | None:
    """One reservation: the pre-refinement fields, when set too, must say the same."""
    if raw.role is not None and raw.role != res["role"]:
        return (f"Invalid resource format: 'Resource.role' field with '{raw.role}' does not match "
                f"the role '{res['role']}' in 'Resource.reservations'")
    if res["type"] == "STATIC" and raw.reservation is not None:
        return ("Invalid resource format: 'Resource.reservation' must not be set if the single "
                "reservation in 'Resource.reservations' is STATIC")
    if res["type"] == "DYNAMIC":
        error = _dynamic_reservation_mismatch(raw, res)
        if error:
            return error
    if res["type"] == "UNKNOWN":
        return "Unsupported 'Resource.ReservationInfo.Type'"
    return None


def _dynamic_reservation_mismatch(raw: RawResource, res: dict) -> str | None:
    if (raw.role is not None) != (raw.reservation is not None):
        return ("Invalid resource format: 'Resource.role' and 'Resource.reservation' must either be "
                "both set or both not set if the single reservation in 'Resource.reservations' is DYNAMIC")
    if raw.reservation is None:
        return None
    if raw.reservation.get("principal", "") != res.get("principal", ""):
        return ("Invalid resource format: 'Resource.reservation.principal' field with "
                f"'{raw.reservation.get('principal', '')}' does not match the principal "
                f"'{res.get('principal', '')}' in 'Resource.reservations'")
    if raw.reservation.get("labels", ()) != res.get("labels", ()):
        return ("Invalid resource format: 'Resource.reservation.labels' field with "
                f"'{labels_str(raw.reservation.get('labels', ()))}' does not match the labels "
                f"'{labels_str(res.get('labels', ()))}' in 'Resource.reservations'")
    return None


def _build(raw: RawResource) -> Resource:
    """Upgrade to the post-refinement form (`upgradeResources`)."""
    if raw.reservations:
        reservations = tuple(
            Reservation(r.get("type", "DYNAMIC"), r.get("role", "*"), r.get("principal"), r.get("labels"))
            for r in raw.reservations
        )
    elif (raw.role or "*") != "*":
        if raw.reservation is None:
            reservations = (Reservation("STATIC", raw.role),)
        else:
            reservations = (Reservation("DYNAMIC", raw.role, raw.reservation.get("principal"),
                                        raw.reservation.get("labels")),)
    else:
        reservations = ()
    value = raw.value
    if raw.type == RANGES:
        value = coalesce(value or [])
    elif raw.type == SET:
        value = tuple(value or ())
    elif value is None:
        value = 0
    return Resource(raw.name, raw.type, value, reservations, raw.disk, raw.revocable, raw.shared, raw.provider_id)


def parse_resources_value(values, key: str, error_prefix: str) -> list[RawResource]:
    """A JSON array of resources from a request (`parseResourcesList` / the volumes loop)."""
    if not isinstance(values, list):
        raise ParseError(f"{error_prefix}Expecting a JSON array")
    out = []
    for value in values:
        try:
            out.append(parse_resource(value))
        except ParseError as exc:
            raise ParseError(f"{error_prefix}{exc}") from None
    return out


def validate_and_upgrade(raws: list[RawResource]) -> list[Resource]:
    """`validateAndUpgradeResources`: Resources::validate on each, then the upgrade."""
    for raw in raws:
        error = validate_raw(raw)
        if error:
            raise ResourceError(f"Resource '{_raw_str(raw)}' is invalid: {error}")
    return [_build(raw) for raw in raws]


def from_json_list(values) -> list[Resource]:
    """Parse + validate + upgrade; raises ParseError / ResourceError. For framework-side input."""
    return validate_and_upgrade([parse_resource(v) for v in values])


def from_json(value) -> Resource:
    return from_json_list([value])[0]
