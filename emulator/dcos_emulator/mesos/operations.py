"""Validation and application of RESERVE / UNRESERVE / CREATE / DESTROY, with the master's messages.

Mirrors `src/master/validation.cpp` (`validation::operation::validate`, `resource::validate`) and
`Resources::apply` (`<available> does not contain <consumed>`). Pure functions over `Resources`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dcos_emulator.mesos.resources import NAME_MAX, Resource, Resources


class OperationError(Exception):
    """An operation the master refuses: `status` is the HTTP status of the operator API (400 or 409)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def validate_id(value: str) -> str | None:
    """common::validation::validateID."""
    if not value:
        return "ID must not be empty"
    if len(value) > NAME_MAX:
        return f"ID must not be greater than {NAME_MAX} characters"
    if value in (".", ".."):
        return f"'{value}' is disallowed"
    if any(ord(c) < 32 or ord(c) == 127 or c in "/\\" for c in value):
        return f"'{value}' contains invalid characters"
    return None


def _validate_disk_info(resources) -> str | None:
    for r in resources:
        if r.disk is None:
            continue
        if "persistence" in r.disk:
            if r.revocable:
                return "Persistent volumes cannot be created from revocable resources"
            if r.is_unreserved():
                return "Persistent volumes cannot be created from unreserved resources"
            if "volume" not in r.disk:
                return "Expecting 'volume' to be set for persistent volume"
            if r.disk["volume"].get("host_path"):
                return "Expecting 'host_path' to be unset for persistent volume"
            error = validate_id(r.disk["persistence"].get("id", ""))
            if error:
                return f"Invalid persistence ID for persistent volume: {error}"
        elif "volume" in r.disk:
            return "Non-persistent volume not supported"
        elif "source" not in r.disk:
            return "DiskInfo is set but empty"
    return None


def validate_resources(resources) -> str | None:
    """master `resource::validate` (Resources::validate already ran during parsing)."""
    error = _validate_disk_info(resources)
    if error:
        return f"Invalid DiskInfo: {error}"
    for r in resources:
        if r.is_dynamically_reserved() and r.revocable:
            return f"Dynamically reserved resource {r} cannot be created from revocable resources"
    return None


def _single_provider(resources) -> str | None:
    providers = {r.provider_id for r in resources}
    if len(providers) > 1:
        if None in providers:
            return "Some resources have a resource provider and some do not"
        return "The resources have multiple resource providers: " + ", ".join(sorted(providers))
    return None


def _validate_persistent_volume(volumes) -> str | None:
    for v in volumes:
        if v.disk is None:
            return f"Resource {v} does not have DiskInfo"
        if "persistence" not in v.disk:
            return "'persistence' is not set in DiskInfo"
        if "volume" not in v.disk:
            return "Expecting 'volume' to be set for persistent volume"
        if v.disk["volume"].get("mode") == "RO":
            return "Read-only persistent volume not supported"
    return None


def validate_unique_persistence_ids(resources) -> str | None:
    seen: dict[str, set] = {}
    for v in resources:
        if not v.is_persistent_volume():
            continue
        ids = seen.setdefault(v.role, set())
        if v.persistence_id in ids:
            return f"Persistence ID '{v.persistence_id}' is not unique"
        ids.add(v.persistence_id)
    return None


def validate_reserve(resources, principal: str | None) -> str | None:
    error = validate_resources(resources)
    if error:
        return f"Invalid resources: {error}"
    error = _single_provider(resources)
    if error:
        return f"Invalid resources: {error}"
    for r in resources:
        if not r.is_dynamically_reserved():
            return f"Resource {r} is not dynamically reserved"
        if principal is not None:
            reservation = r.reservations[-1]
            if reservation.principal is None:
                return (f"A reserve operation was attempted by principal '{principal}', but there is a "
                        "reserved resource in the request with no principal set")
            if reservation.principal != principal:
                return (f"A reserve operation was attempted by authenticated principal '{principal}', which "
                        f"does not match a reserved resource in the request with principal '{reservation.principal}'")
    return None


def validate_unreserve(resources) -> str | None:
    error = validate_resources(resources)
    if error:
        return f"Invalid resources: {error}"
    error = _single_provider(resources)
    if error:
        return f"Invalid resources: {error}"
    for r in resources:
        if not r.is_dynamically_reserved():
            return f"Resource {r} is not dynamically reserved"
        if r.is_persistent_volume():
            return (f"A dynamically reserved persistent volume {r} cannot be unreserved directly. Please destroy "
                    "the persistent volume first then unreserve the resource")
    return None


def _volumes_error(volumes) -> str | None:
    """The checks CREATE and DESTROY share: valid resources, one provider, persistent volumes only."""
    error = validate_resources(volumes)
    if error:
        return f"Invalid resources: {error}"
    error = _single_provider(volumes)
    if error:
        return f"Invalid resources: {error}"
    error = _validate_persistent_volume(volumes)
    if error:
        return f"Not a persistent volume: {error}"
    return None


def validate_create(volumes, checkpointed: Resources, principal: str | None) -> str | None:
    error = _volumes_error(volumes)
    if error:
        return error
    error = validate_unique_persistence_ids(list(checkpointed) + list(volumes))
    if error:
        return error
    for v in volumes:
        if principal is not None:
            owner = v.disk["persistence"].get("principal")
            if owner is None:
                return (f"Create volume operation attempted by principal '{principal}', but there is a volume in "
                        "the operation with no principal set in 'disk.persistence'")
            if owner != principal:
                return (f"Create volume operation attempted by authenticated principal '{principal}', which does "
                        f"not match a volume in the operation with principal '{owner}' set in 'disk.persistence'")
    return None


def validate_destroy(volumes, checkpointed: Resources, used: Resources) -> str | None:
    error = _volumes_error(volumes)
    if error:
        return error
    for v in volumes:
        if not checkpointed.contains_one(v):
            return "Persistent volumes not found"
    for v in volumes:
        if used.contains_one(v):
            return "Persistent volumes in use"
    return None


@dataclass
class Conversion:
    consumed: list
    converted: list


def conversion(op_type: str, resources: list[Resource]) -> Conversion:
    """`getResourceConversions` for the four speculative operations."""
    if op_type == "RESERVE":
        return Conversion([r.pop_reservation() for r in resources], list(resources))
    if op_type == "UNRESERVE":
        return Conversion(list(resources), [r.pop_reservation() for r in resources])
    if op_type == "CREATE":
        return Conversion([v.without_persistence() for v in resources], list(resources))
    if op_type == "DESTROY":
        return Conversion(list(resources), [v.without_persistence() for v in resources])
    raise ValueError(op_type)


def apply_conversion(available: Resources, conv: Conversion) -> Resources:
    """`ResourceConversion::apply`; raises OperationError(409) when `available` lacks what is consumed."""
    consumed = Resources(conv.consumed)
    if not available.contains(consumed):
        raise OperationError(409, f"{available} does not contain {consumed}")
    result = available.minus(consumed)
    result.add_all(conv.converted)
    return result
