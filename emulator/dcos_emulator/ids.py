"""Id generators shaped like the real ones (Mesos master/agent/framework ids, Marathon uuids)."""

import itertools
import threading
import uuid

_counter_lock = threading.Lock()
_offer_counter = itertools.count()


def master_uuid() -> str:
    return str(uuid.uuid4())


def agent_id(master_id: str, index: int) -> str:
    return f"{master_id}-S{index}"


def framework_id(master_id: str, index: int = 0) -> str:
    return f"{master_id}-{index:04d}"


def offer_id(master_id: str) -> str:
    with _counter_lock:
        return f"{master_id}-O{next(_offer_counter)}"


def time_uuid() -> str:
    """Time-based UUID (version 1), as Marathon uses for instance and volume ids."""
    return str(uuid.uuid1())


def container_id() -> str:
    return str(uuid.uuid4())


def agent_hostname(index: int) -> str:
    """Every agent gets its own loopback address (see DESIGN.md, Agents and hosts)."""
    return f"127.0.{1 + index // 254}.{1 + index % 254}"
