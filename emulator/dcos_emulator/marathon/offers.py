"""Reading Mesos offers and building Marathon's offer operations (core/launcher/impl/TaskLabels.scala,
OfferOperationFactory): reservations carry labels marathon_framework_id + marathon_task_id."""
from __future__ import annotations

SCALARS = ("cpus", "mem", "disk", "gpus")
EPS = 1e-9


def _labels(resource: dict) -> dict:
    reservation = resource.get("reservation") or {}
    items = (reservation.get("labels") or {}).get("labels") or []
    if not items and resource.get("reservations"):
        items = ((resource["reservations"][-1].get("labels") or {}).get("labels")) or []
    return {i.get("key"): i.get("value") for i in items}


class AgentOffer:
    """What Marathon sees of one agent's offer, consumed while matching within one tick."""

    def __init__(self, offer) -> None:
        self.offer = offer
        self.agent_id = offer.agent_id
        self.hostname = offer.hostname
        self.attributes = offer.attributes or {}
        self.unreserved = {k: 0.0 for k in SCALARS}      # role "*"
        self.role_scalars: dict[str, dict] = {}         # other unlabelled reservations by role
        self.ports: list[list[int]] = []                # unreserved port ranges
        self.reservations: dict[str, dict] = {}         # marathon_task_id -> {"resources": [json], "labels": {}}
        for r in offer.resources:
            labels = _labels(r)
            role = r.get("role", "*")
            if labels.get("marathon_task_id"):
                entry = self.reservations.setdefault(labels["marathon_task_id"], {"resources": [], "labels": labels})
                entry["resources"].append({k: v for k, v in r.items() if k != "allocation_info"})
                continue
            if r.get("name") in SCALARS and r.get("type") == "SCALAR":
                bucket = self.unreserved if role == "*" else self.role_scalars.setdefault(role, {k: 0.0 for k in SCALARS})
                if "disk" in r and r["name"] == "disk":
                    continue  # volumes / disk sources are not plain scratch disk
                bucket[r["name"]] += float(r["scalar"]["value"])
            elif r.get("name") == "ports" and r.get("type") == "RANGES" and role == "*":
                for rg in r["ranges"]["range"]:
                    self.ports.append([int(rg["begin"]), int(rg["end"])])

    def take_ports(self, wanted: list[int]) -> list[int] | None:
        """Host ports: 0 = any free port, N = exactly N (requirePorts / fixed hostPort)."""
        free = [list(r) for r in self.ports]
        chosen = []
        for p in wanted:
            if p:
                for r in free:
                    if r[0] <= p <= r[1]:
                        break
                else:
                    return None
                chosen.append(p)
                _remove_port(free, p)
        for i, p in enumerate(wanted):
            if not p:
                if not free:
                    return None
                port = free[0][0]
                _remove_port(free, port)
                chosen.insert(i, port)
        self.ports = free
        return chosen


def _remove_port(ranges: list, port: int) -> None:
    for i, (b, e) in enumerate(ranges):
        if b <= port <= e:
            new = []
            if b <= port - 1:
                new.append([b, port - 1])
            if port + 1 <= e:
                new.append([port + 1, e])
            ranges[i:i + 1] = new
            return


def reservation_json(role: str, principal: str, framework_id: str, reservation_id: str) -> dict:
    labels = {"labels": [{"key": "marathon_framework_id", "value": framework_id},
                         {"key": "marathon_task_id", "value": reservation_id}]}
    return {"type": "DYNAMIC", "role": role, "principal": principal, "labels": labels}


def scalar(name: str, value: float, reservation: dict | None = None) -> dict:
    out = {"name": name, "type": "SCALAR", "scalar": {"value": value}}
    if reservation is not None:
        out["reservations"] = [reservation]
    else:
        out["role"] = "*"
    return out


def ports_json(ports: list[int]) -> dict:
    return {"name": "ports", "type": "RANGES", "role": "*",
            "ranges": {"range": [{"begin": p, "end": p} for p in ports]}}


def volume_json(size: float, reservation: dict, persistence_id: str, principal: str, container_path: str) -> dict:
    out = scalar("disk", size, reservation)
    out["disk"] = {"persistence": {"id": persistence_id, "principal": principal},
                   "volume": {"container_path": container_path, "mode": "RW"}}
    return out


def offer_raml(offer) -> dict:
    """raml.Offer (OfferConversion): id, hostname, agentId, resources {name, role, scalar|ranges|set}, attributes."""
    resources = []
    for r in offer.resources:
        out = {"name": r.get("name"), "role": r.get("role", "*")}
        if r.get("type") == "SCALAR":
            out["scalar"] = r["scalar"]["value"]
        elif r.get("type") == "RANGES":
            out["ranges"] = [{"begin": x["begin"], "end": x["end"]} for x in r["ranges"]["range"]]
        elif r.get("type") == "SET":
            out["set"] = list(r["set"]["item"])
        resources.append(out)
    attributes = [{"name": k, "text": str(v)} for k, v in (offer.attributes or {}).items()]
    return {"id": offer.id, "hostname": offer.hostname, "agentId": offer.agent_id, "resources": resources,
            "attributes": attributes}
