"""Bad input never gets a 500: arbitrary resource JSON on every operator endpoint answers 202, 400 or 409."""

from __future__ import annotations

import json

from conftest import HttpClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TEXT = st.sampled_from(["", "x", "*", "ops", "ops/x", "/a", "..", "data", "RW", "RO", "MOUNT", "PATH", "DYNAMIC",
                        "STATIC", "SCALAR", "RANGES", "SET", "cpus", "disk", "ports", "v1", "ü"])
ATOM = st.one_of(st.none(), st.booleans(), st.integers(-5, 40000), st.floats(-1, 1e6, allow_nan=False), TEXT)
ANY_JSON = st.recursive(ATOM, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)


def maybe(strategy):
    return st.one_of(strategy, ANY_JSON)


RESERVATION = st.fixed_dictionaries({}, optional={
    "type": maybe(st.sampled_from(["DYNAMIC", "STATIC"])), "role": maybe(st.sampled_from(["ops", "ops/x"])),
    "principal": maybe(st.just("p")),
    "labels": maybe(st.just({"labels": [{"key": "k", "value": "v"}]}))})
DISK = st.fixed_dictionaries({}, optional={
    "persistence": maybe(st.fixed_dictionaries({"id": maybe(st.sampled_from(["v1", "v2"]))},
                                               optional={"principal": maybe(st.just("p"))})),
    "volume": maybe(st.fixed_dictionaries({"container_path": maybe(st.just("data"))},
                                          optional={"mode": maybe(st.sampled_from(["RW", "RO"])),
                                                    "host_path": maybe(st.just("/h"))})),
    "source": maybe(st.fixed_dictionaries({"type": maybe(st.sampled_from(["MOUNT", "PATH"]))},
                                          optional={"mount": maybe(st.just({"root": "/mnt"}))}))})
RESOURCE = st.fixed_dictionaries(
    {"name": maybe(st.sampled_from(["cpus", "mem", "disk", "ports"])),
     "type": maybe(st.sampled_from(["SCALAR", "RANGES", "SET"]))},
    optional={"scalar": maybe(st.fixed_dictionaries({"value": maybe(st.sampled_from([1, 0.5, 10, 0]))})),
              "ranges": maybe(st.just({"range": [{"begin": 31000, "end": 31001}]})),
              "role": maybe(st.sampled_from(["ops", "*"])),
              "reservation": maybe(st.fixed_dictionaries({}, optional={"principal": maybe(st.just("p"))})),
              "reservations": maybe(st.lists(RESERVATION, max_size=2)),
              "disk": maybe(DISK), "shared": ANY_JSON, "revocable": ANY_JSON,
              "allocation_info": ANY_JSON, "provider_id": ANY_JSON})
ENDPOINT = st.sampled_from(["reserve", "unreserve", "create-volumes", "destroy-volumes", "v1"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(endpoint=ENDPOINT, items=st.one_of(st.lists(RESOURCE, max_size=3), ANY_JSON))
def test_operator_endpoints_never_fail_with_5xx(cluster, endpoint, items):
    mesos = HttpClient(cluster.mesos_url)
    agent_id = next(iter(cluster.master.agents))
    key = "volumes" if "volumes" in endpoint else "resources"
    if endpoint == "v1":
        call = {"type": "CREATE_VOLUMES", "create_volumes": {"agent_id": {"value": agent_id}, "volumes": items}}
        result = mesos.post("/api/v1", json=call)
    else:
        result = mesos.post(f"/master/{endpoint}", form={"slaveId": agent_id, key: json.dumps(items)})
    assert result.status in (202, 400, 409), result
    if result.status != 202:
        assert result.text and "Traceback" not in result.text
