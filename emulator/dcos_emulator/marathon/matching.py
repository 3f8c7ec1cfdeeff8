"""Offer matching and launching (core/matcher, core/launcher), mixed into the scheduler: role,
constraints and resources per offer, RESERVE + CREATE + LAUNCH for new resident instances, LAUNCH on the
reservation otherwise, reservation release (OfferMatcherReconciler) and the offer statistics behind
/v2/queue (OfferMatchStatistics)."""
from __future__ import annotations

import logging
import re
from collections import Counter

from . import offers as ofs
from .ids import iso, persistence_id, top_level_of
from .instances import DECOMMISSIONED, RUNNING, Health, Task
from .health import marathon_health_checks as _marathon_health_checks
from .apps import has_persistent

log = logging.getLogger(__name__)


def is_resident_def(definition: dict) -> bool:
    return has_persistent(definition)


class MatchingMixin:
    # ------------------------------------------------------------------------------------------
    # offers
    def _match_offers(self, now: float) -> bool:
        """Returns True when some instance is still waiting for an offer."""
        waiting = []
        for app_id, insts in self.by_app.items():
            rec = self.repo.get(app_id)
            if rec is None:
                continue
            for inst in insts.values():
                if inst.expunged or inst.goal != RUNNING:
                    continue
                if inst.active and not (inst.task.state == "TASK_UNREACHABLE"):
                    continue
                waiting.append((rec, inst))
        releases = [i for i in self.instances.values()
                    if i.resident and (i.expunged or i.goal == DECOMMISSIONED) and not i.active]
        if not waiting and not releases and not self.check_orphans:
            return False
        offers = [ofs.AgentOffer(o) for o in self.master.offers(self.config.mesos_role, self.config.framework_id)]
        self._remember_domains(offers)
        by_agent = {o.agent_id: o for o in offers}
        self._release_reservations(offers, by_agent, releases)
        pending = False
        per_app: dict = {}
        for rec, inst in sorted(waiting, key=lambda x: x[1].since):
            if self._delay_left(rec.app_id, now) > 0:
                pending = True
                continue
            if inst.task is not None and inst.task.state == "TASK_UNREACHABLE":
                # resident: wait until the agent is back (its reservation is offered; the old process is gone);
                # non-resident: replaced on any agent (unreachableStrategy inactiveAfterSeconds 0)
                if inst.resident:
                    if inst.agent_id not in by_agent:
                        pending = True
                        continue
                    inst.task.state = "TASK_LOST"
            per_app.setdefault(rec.app_id, (rec, []))[1].append(inst)
        for app_id, (rec, insts) in per_app.items():
            if not self._match_app(rec, insts, offers, self.offer_stats.setdefault(app_id, _new_stats()), now):
                pending = True
        # LaunchFinished: statistics of run specs with nothing left to launch are dropped
        waiting_apps = {rec.app_id for rec, _ in waiting}
        for app_id in [a for a in self.offer_stats if a not in waiting_apps]:
            del self.offer_stats[app_id]
        return pending

    def _match_app(self, rec, insts: list, offers: list, stats: dict, now: float) -> bool:
        """Offer every offer to the run spec once (OfferMatcher): place as many waiting instances as fit;
        an offer placing none is a NoMatch with its first reason in Marathon's funnel order
        (OfferMatchStatistics). Returns True when every instance was placed."""
        left = list(insts)
        for offer in offers:
            if not left:
                break
            stats["processed"] += 1
            reasons = set()
            placed = False
            for inst in list(left):
                if inst.resident and inst.agent_id != offer.agent_id:
                    reasons.add("NoCorrespondingReservationFound")
                    continue
                reason = self._try_launch(rec, inst, offer, now)
                if reason is None:
                    placed = True
                    left.remove(inst)
                    continue
                reasons.add(reason)
                if not inst.resident:
                    break   # the next new instance would be refused for the same reason
            if placed:
                stats["last_used"] = now
                continue
            stats["unused"] += 1
            stats["last_unused"] = now
            first = min(reasons or {"DeclinedScarceResources"}, key=_funnel_rank)
            stats["launch_reasons"][first] += 1
            stats["last_no_match"][offer.agent_id] = {
                "offer": ofs.offer_raml(offer.offer), "timestamp": iso(now),
                "reason": sorted(reasons, key=_funnel_rank)}
        return not left

    def _constraint_ok(self, rec, inst, offer) -> bool:
        """Constraints.meetsConstraint for every constraint of the app, plus the home-region rule."""
        cons = rec.definition.get("constraints") or []
        if not self._in_allowed_region(cons, offer):
            return False
        if not cons:
            return True
        others = [i for i in self.by_app.get(rec.app_id, {}).values()
                  if i is not inst and i.agent_id and (i.active or i.resident) and not i.expunged]
        offer_domain = _domain_names(offer.offer.domain)
        for c in cons:
            field, op = c[0], c[1].upper()
            value = c[2] if len(c) > 2 else None
            mine = _field_value(field, offer.hostname, offer.attributes, offer_domain)
            theirs = [_field_value(field, i.hostname, {}, self._agent_domains.get(i.agent_id, (None, None)))
                      for i in others]
            if op == "UNIQUE" and mine in theirs:
                return False
            if op == "CLUSTER":
                if value is not None and mine != value:
                    return False
                if value is None and theirs and mine != theirs[0]:
                    return False
            if op in ("LIKE", "UNLIKE"):
                m = mine is not None and re.fullmatch(value or "", str(mine)) is not None
                if (op == "LIKE") != m:
                    return False
            if op == "IS" and mine != value:
                return False
            if op == "MAX_PER" and theirs.count(mine) >= int(value):
                return False
            if op == "GROUP_BY" and not _group_by_ok(mine, theirs, value):
                return False
        return True

    def _in_allowed_region(self, cons: list, offer) -> bool:
        """Real Marathon (1.5+, region aware): without an `@region` constraint an app runs only in the home
        region, the region of the Mesos master; offers from other regions are declined."""
        home = _domain_names(getattr(self.master, "domain", None))[0]
        if home is None or any(c and c[0] == "@region" for c in cons):
            return True
        region = _domain_names(offer.offer.domain)[0]
        return region is None or region == home

    def _remember_domains(self, offers: list) -> None:
        """Agent id -> (region, zone), learnt from offers (all Marathon knows about agents)."""
        for offer in offers:
            self._agent_domains[offer.agent_id] = _domain_names(offer.offer.domain)

    def _try_launch(self, rec, inst, offer, now) -> str | None:
        """Launch `inst` from `offer`, or return why not (an OfferMatchStatistics reason)."""
        d = rec.definition
        if not self._constraint_ok(rec, inst, offer):
            return "UnfulfilledConstraint"
        host_ports = self._wanted_host_ports(d)
        if inst.resident:
            return self._launch_on_reservation(rec, inst, offer, host_ports, now)
        resident = is_resident_def(d)
        volumes = [v for v in (d.get("container") or {}).get("volumes") or [] if "persistent" in v]
        need = {"cpus": d["cpus"], "mem": d["mem"], "disk": d["disk"] + sum(v["persistent"]["size"] for v in volumes),
                "gpus": d["gpus"]}
        chosen = self._resource_pool(d, offer, resident, need)
        if isinstance(chosen, str):
            return chosen
        role, pool = chosen
        saved_ports = [list(r) for r in offer.ports]
        ports = offer.take_ports(host_ports)
        if ports is None:
            return "InsufficientPorts"
        if resident:
            if not self.config.principal:
                return "NoPrincipal"
            operations, resources, pending_reservation = self._new_reservation(rec, inst, need, volumes)
            inst.reservation = pending_reservation
        else:
            operations, resources, pending_reservation = [], _unreserved_resources(need, role), None
        if ports:
            resources.append(ofs.ports_json(ports))
        result = self._launch(rec, inst, offer, operations, resources, ports, now)
        if result is not None:
            offer.ports = saved_ports
            if pending_reservation is not None:
                inst.reservation = None
            return result
        for name in ("cpus", "mem", "disk", "gpus"):
            pool[name] -= need[name]
        return None

    def _launch_on_reservation(self, rec, inst, offer, host_ports, now) -> str | None:
        """A resident instance relaunches on its own reservation (and volumes) of this agent."""
        entry = offer.reservations.get(inst.instance_id)
        if entry is None:
            return "NoCorrespondingReservationFound"
        ports = offer.take_ports(host_ports)
        if ports is None:
            return "InsufficientPorts"
        resources = list(entry["resources"])
        if ports:
            resources.append(ofs.ports_json(ports))
        return self._launch(rec, inst, offer, [], resources, ports, now)

    @staticmethod
    def _resource_pool(d: dict, offer, resident: bool, need: dict):
        """The first pool of scalars (unreserved, then the app's roles) that holds `need`: (role, pool), or the
        reason none does. A new resident instance reserves from unreserved resources only."""
        roles = d.get("acceptedResourceRoles")
        allowed = set(roles) if roles else {"*", d["role"]}
        pools = []
        if "*" in allowed:
            pools.append(("*", offer.unreserved))
        if not resident:
            pools.extend((role, bucket) for role, bucket in offer.role_scalars.items() if role in allowed)
        if not pools:
            return "UnfulfilledRole"
        reason = None
        for role, pool in pools:
            short = next((label for name, label in (("cpus", "InsufficientCpus"), ("mem", "InsufficientMemory"),
                                                    ("disk", "InsufficientDisk"), ("gpus", "InsufficientGpus"))
                          if need[name] > pool[name] + ofs.EPS), None)
            if short is None:
                return role, pool
            reason = reason or short
        return reason

    def _new_reservation(self, rec, inst, need: dict, volumes: list):
        """RESERVE + CREATE for a new resident instance: (operations, resources, the instance's reservation)."""
        d = rec.definition
        reservation = ofs.reservation_json(d["role"], self.config.principal, self.config.framework_id,
                                           inst.instance_id)
        # Simplification: real Marathon also reserves a resident task's host ports; the emulator takes them
        # unreserved at every launch (ports are unique on the shared loopback kernel anyway).
        reserved = [ofs.scalar("cpus", need["cpus"], reservation), ofs.scalar("mem", need["mem"], reservation)]
        if d["disk"]:
            reserved.append(ofs.scalar("disk", d["disk"], reservation))
        if d["gpus"]:
            reserved.append(ofs.scalar("gpus", d["gpus"], reservation))
        vol_json, vol_info = [], []
        for v in volumes:
            pid = persistence_id(rec.app_id, v["containerPath"])
            vol_json.append(ofs.volume_json(v["persistent"]["size"], reservation, pid, self.config.principal,
                                            v["containerPath"]))
            vol_info.append({"containerPath": v["containerPath"], "persistenceId": pid,
                             "uuid": pid.rsplit("#", 1)[1], "size": v["persistent"]["size"]})
        reserve_ops = [{"name": r["name"], "type": "SCALAR", "scalar": r["scalar"],
                        "reservations": r["reservations"]} for r in reserved + vol_json]
        operations = [("RESERVE", reserve_ops), ("CREATE", vol_json)]
        pending = {"volumes": vol_info, "state": "New",
                   "resources": {k: need[k] for k in ("cpus", "mem", "disk", "gpus")}}
        return operations, reserved + vol_json, pending

    def _wanted_host_ports(self, d: dict) -> list:
        mappings = (d.get("container") or {}).get("portMappings")
        if mappings is not None and not any(n["mode"] == "host" for n in d["networks"]):
            return [m["hostPort"] for m in mappings if m.get("hostPort") is not None]
        pdefs = d.get("portDefinitions") or []
        return [p["port"] for p in pdefs] if d.get("requirePorts") else [0] * len(pdefs)

    def _launch(self, rec, inst, offer, operations, resources, ports, now) -> str | None:
        from dcos_emulator.mesos.operations import OperationError
        from dcos_emulator.mesos.types import DockerVolume, HostVolume, LaunchSpec, Operation

        d = rec.definition
        old_task = inst.task
        task_id = inst.next_task_id()
        env = self._task_env(rec, task_id)
        container = d.get("container") or {}
        cmd, args = d.get("cmd"), d.get("args")
        no_process = cmd is None and not args
        host_volumes = [HostVolume(v["containerPath"], v["hostPath"], v.get("mode", "RW"))
                        for v in container.get("volumes") or [] if "hostPath" in v]
        docker_volumes = [_docker_volume(v, DockerVolume) for v in container.get("volumes") or [] if "external" in v]
        pvols = [(v["persistenceId"], v["containerPath"]) for v in (inst.reservation or {}).get("volumes", [])]
        names = self._port_names(d)
        spec = LaunchSpec(
            task_id=task_id, name=rec.app_id.strip("/").replace("/", "."), command=cmd if cmd is not None else None,
            args=list(args) if (cmd is None and args) else None, env=env, resources=resources, ports=list(ports),
            port_names=names[: len(ports)], persistent_volumes=pvols, host_volumes=host_volumes,
            docker_volumes=docker_volumes, container_type=container.get("type") if container else None,
            no_process=no_process, labels=dict(d.get("labels") or {}),
            kill_grace_seconds=d.get("taskKillGracePeriodSeconds"))
        ops = []
        for kind, res in operations:
            ops.append(Operation.reserve(res) if kind == "RESERVE" else Operation.create(res))
        ops.append(Operation.launch_task(spec))
        inst.agent_id, inst.hostname = offer.agent_id, offer.hostname
        inst.task = Task(task_id=task_id, state="TASK_STAGING", staged_at=now, version=rec.version_iso,
                         ports=list(ports), health=[Health() for _ in _marathon_health_checks(d)],
                         next_check=[0.0 for _ in _marathon_health_checks(d)], no_process=no_process)
        inst.config_version = rec.last_config_change_at
        if old_task is not None:
            self.by_task.pop(old_task.task_id, None)
        self.by_task[task_id] = inst
        if operations:
            # Real Marathon stores the instance with its new reservation before it accepts the offer
            # (OfferProcessorImpl): after a crash, a reservation on an agent always has its instance.
            self.persist()
        try:
            self.master.accept(offer.agent_id, ops, self.config.framework_id)
        except OperationError as exc:
            log.warning("launch of %s on %s refused: %s", task_id, offer.agent_id, exc.message)
            self.by_task.pop(task_id, None)
            inst.task = old_task
            inst.incarnation -= 1
            if old_task is not None:
                self.by_task[old_task.task_id] = inst
            if not inst.resident:
                inst.agent_id = inst.hostname = None if old_task is None else inst.agent_id
            return "InsufficientResources"
        if inst.reservation is not None:
            inst.reservation = dict(inst.reservation, state="Launched")   # a new dict: stamps the change
        self.dirty = True
        self.events.publish("instance_changed_event", {
            "instanceId": inst.instance_id, "condition": "Staging", "runSpecId": rec.app_id,
            "agentId": inst.agent_id, "host": inst.hostname, "runSpecVersion": rec.version_iso})
        return None

    @staticmethod
    def _port_names(d: dict) -> list:
        mappings = (d.get("container") or {}).get("portMappings")
        if mappings is not None and "portDefinitions" not in d:
            return [m.get("name") for m in mappings if m.get("hostPort") is not None]
        return [p.get("name") for p in d.get("portDefinitions") or []]

    def _task_env(self, rec, task_id: str) -> dict:
        """EnvironmentHelper: the MARATHON_APP_* variables plus the app's env (secrets not resolved)."""
        d = rec.definition
        env = {k: v for k, v in (d.get("env") or {}).items() if isinstance(v, str)}
        env.update({
            "MARATHON_APP_ID": rec.app_id, "MARATHON_APP_VERSION": rec.version_iso,
            "MARATHON_APP_RESOURCE_CPUS": str(float(d["cpus"])), "MARATHON_APP_RESOURCE_MEM": str(float(d["mem"])),
            "MARATHON_APP_RESOURCE_DISK": str(float(d["disk"])), "MARATHON_APP_RESOURCE_GPUS": str(int(d["gpus"])),
            "MARATHON_APP_LABELS": " ".join(re.sub(r"[^A-Za-z0-9_]", "_", k).upper() for k in d.get("labels") or {}),
            "MESOS_TASK_ID": task_id,
            # InstanceOpFactoryImpl.getEnforceRole: the flag of the app's top-level group (a root app: FALSE)
            "MARATHON_APP_ENFORCE_GROUP_ROLE": "TRUE" if top_level_of(rec.app_id) in self.group_store.enforced
            else "FALSE",
        })
        image = ((d.get("container") or {}).get("docker") or {}).get("image")
        if image:
            env["MARATHON_APP_DOCKER_IMAGE"] = image
        for k, v in (d.get("labels") or {}).items():
            env["MARATHON_APP_LABEL_" + re.sub(r"[^A-Za-z0-9_]", "_", k).upper()] = v
        return env

    # ------------------------------------------------------------------------------------------
    # reservation release (OfferMatcherReconciler)
    def _release_orphans(self) -> None:
        """Release every reservation labelled with this framework's id whose instance Marathon does not know
        (or whose app is gone), on every active agent. Real Marathon (OfferMatcherReconciler, 1.4-1.10) does
        this for each offer it gets; the emulator looks when something may have been orphaned (at start, after
        an app is stopped, a wipe), since its offers are computed on demand."""
        offers = [ofs.AgentOffer(o) for o in self.master.offers(self.config.mesos_role, self.config.framework_id)]
        self._release_reservations(offers, {o.agent_id: o for o in offers}, [])

    def _release_reservations(self, offers, by_agent, releases) -> None:
        from dcos_emulator.mesos.operations import OperationError
        from dcos_emulator.mesos.types import Operation

        known = {i.instance_id: i for i in self.instances.values()}
        release_ids = {i.instance_id for i in releases}
        for offer in offers:
            for res_id, entry in list(offer.reservations.items()):
                if entry["labels"].get("marathon_framework_id") != self.config.framework_id:
                    continue
                inst = known.get(res_id)
                if inst is not None and res_id not in release_ids:
                    continue
                if inst is not None and self.repo.get(inst.app_id) is not None and not (
                        inst.expunged or inst.goal == DECOMMISSIONED):
                    continue
                volumes = [r for r in entry["resources"] if (r.get("disk") or {}).get("persistence")]
                plain = [r for r in entry["resources"] if not (r.get("disk") or {}).get("persistence")]
                unreserve = plain + [{k: v for k, v in r.items() if k != "disk"} for r in volumes]
                ops = []
                if volumes:
                    ops.append(Operation.destroy(volumes))
                ops.append(Operation.unreserve(unreserve))
                # the decision to release (a wipe, a deleted app) is on disk before the volumes are destroyed
                self.persist()
                try:
                    self.master.accept(offer.agent_id, ops, self.config.framework_id)
                except OperationError as exc:
                    log.warning("release of reservation %s failed: %s", res_id, exc.message)
                    continue
                del offer.reservations[res_id]
                if inst is not None:
                    self._remove_instance(inst)
        self.check_orphans = False


def _unreserved_resources(need: dict, role: str) -> list:
    """A non-resident task's scalars, from the pool of `role` ("*": unreserved)."""
    out = []
    for name in ("cpus", "mem", "disk", "gpus"):
        if need[name]:
            r = ofs.scalar(name, need[name])
            if role != "*":
                r["role"] = role
            out.append(r)
    return out


def _docker_volume(volume: dict, cls):
    """DVDIProvider Builders: an external volume as a DOCKER_VOLUME source for Mesos. driver = dvdi/driver;
    driver options = every other dvdi/* option, prefix stripped, value trimmed; external.size becomes `size`.
    Real Marathon: the same for MESOS and DOCKER containers (Mesos's Docker containerizer drops the options)."""
    ext = volume["external"]
    options = {str(k)[len("dvdi/"):]: str(v).strip() for k, v in (ext.get("options") or {}).items()
               if str(k).startswith("dvdi/") and k != "dvdi/driver"}
    if ext.get("size") is not None:
        options["size"] = str(ext["size"])
    return cls(volume["containerPath"], ext["name"], str((ext.get("options") or {}).get("dvdi/driver", "")).strip(),
               options, volume.get("mode", "RW"))


def _domain_names(domain: dict | None) -> tuple:
    """(region, zone) names of a Mesos DomainInfo JSON, (None, None) without a fault domain."""
    fault = (domain or {}).get("fault_domain") or {}
    return (fault.get("region") or {}).get("name"), (fault.get("zone") or {}).get("name")


def _field_value(field: str, hostname: str | None, attributes: dict, domain: tuple):
    """Constraints.readerForField: hostname, the fault domain's region / zone, else an agent attribute."""
    if field in ("hostname", "@hostname"):
        return hostname
    if field == "@region":
        return domain[0]
    if field == "@zone":
        return domain[1]
    return (attributes or {}).get(field)


def _group_by_ok(mine, theirs: list, value) -> bool:
    """Constraints.checkGroupBy: the offer's group must be among the least used; with a value N, fewer than
    N groups in use count as a minimum of 0 (so an unused group is chosen first)."""
    if not theirs:
        return True
    counts = Counter(theirs)
    try:
        wanted_groups = int(value) if value is not None else 0
    except ValueError:
        wanted_groups = 0
    minimum = 0 if len(counts) < wanted_groups else min(counts.values())
    return counts.get(mine, 0) <= minimum


def _new_stats() -> dict:
    """RunSpecOfferStatistics + the last NoMatch per agent (OfferMatchStatistics)."""
    return {"processed": 0, "unused": 0, "last_unused": None, "last_used": None, "launch_reasons": Counter(),
            "last_no_match": {}}


REASON_FUNNEL = ("UnfulfilledRole", "UnfulfilledConstraint", "NoCorrespondingReservationFound", "AgentMaintenance",
                 "InsufficientCpus", "InsufficientMemory", "InsufficientDisk", "InsufficientGpus",
                 "InsufficientPorts", "DeclinedScarceResources")


def _funnel_rank(reason: str) -> int:
    return REASON_FUNNEL.index(reason) if reason in REASON_FUNNEL else len(REASON_FUNNEL)


