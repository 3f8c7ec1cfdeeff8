"""Resource parsing, validation messages, arithmetic and text forms (tables, no server needed)."""

from __future__ import annotations

import pytest

from dcos_emulator.mesos import resources as res


def one(value):
    return res.from_json(value)


DYN = {"role": "r", "reservation": {"principal": "p", "labels": {"labels": [{"key": "k", "value": "v"}]}}}


@pytest.mark.parametrize("value,text", [
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}}, "cpus:1"),
    ({"name": "mem", "type": "SCALAR", "scalar": {"value": 0.5}}, "mem:0.5"),
    ({"name": "disk", "type": "SCALAR", "scalar": {"value": 1000000}}, "disk:1000000"),
    ({"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 5, "end": 6}, {"begin": 1, "end": 2}]}},
     "ports:[1-2, 5-6]"),
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": 2}, **DYN}, "cpus(reservations: [(DYNAMIC,r,p,{k: v})]):2"),
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": 2}, "role": "static"},
     "cpus(reservations: [(STATIC,static)]):2"),
    ({"name": "disk", "type": "SCALAR", "scalar": {"value": 8}, **DYN,
      "disk": {"persistence": {"id": "id1"}, "volume": {"container_path": "data", "mode": "RW"}}},
     "disk(reservations: [(DYNAMIC,r,p,{k: v})])[id1:data]:8"),
    ({"name": "disk", "type": "SCALAR", "scalar": {"value": 8}, **DYN,
      "disk": {"source": {"type": "MOUNT", "mount": {"root": "/mnt/d1"}}}},
     "disk(reservations: [(DYNAMIC,r,p,{k: v})])[MOUNT:/mnt/d1]:8"),
])
def test_text_form(value, text):
    assert str(one(value)) == text


@pytest.mark.parametrize("value,message", [
    ({"name": "cpus", "type": "SCALAR"}, "Invalid scalar resource"),
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": -1}}, "Invalid scalar resource: value <= 0"),
    ({"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 5, "end": 1}]}},
     "Invalid ranges resource: begin > end"),
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "disk": {}}, "DiskInfo should not be set for cpus "
                                                                            "resource"),
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "reservation": {}},
     'Invalid reservation: role "*" cannot be dynamically reserved'),
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "reservations": [{"type": "DYNAMIC", "role": "*"}]},
     'Invalid reservation: role "*" cannot be reserved'),
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "reservations": [{"role": "a"}]},
     "Invalid reservation: 'Resource.ReservationInfo.type' field must be set."),
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "role": "b",
      "reservations": [{"type": "DYNAMIC", "role": "a"}]},
     "Invalid resource format: 'Resource.role' field with 'b' does not match the role 'a' in "
     "'Resource.reservations'"),
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "role": "a", "reservation": {"principal": "x"},
      "reservations": [{"type": "DYNAMIC", "role": "a", "principal": "y"}]},
     "Invalid resource format: 'Resource.reservation.principal' field with 'x' does not match the principal 'y' in "
     "'Resource.reservations'"),
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}, "role": "/a"}, "Role '/a' cannot start with a slash"),
    ({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1},
      "reservations": [{"type": "DYNAMIC", "role": "a"}, {"type": "DYNAMIC", "role": "b"}]},
     "Invalid refined reservation: role 'b' is not a refinement of 'a'"),
])
def test_format_validation(value, message):
    with pytest.raises(res.ResourceError) as caught:
        one(value)
    assert str(caught.value).endswith("is invalid: " + message)


@pytest.mark.parametrize("value,message", [
    ({"name": "cpus"}, "Missing required fields: type"),
    ({"type": "SCALAR"}, "Missing required fields: name"),
    ({"name": "cpus", "type": "NUMBER"}, "Failed to find enum for 'NUMBER'"),
    ({"name": 5, "type": "SCALAR"}, "Not expecting a JSON number for field 'name'"),
    ("cpus", "Expecting a JSON object"),
])
def test_parse_errors(value, message):
    with pytest.raises(res.ParseError) as caught:
        res.parse_resource(value)
    assert str(caught.value) == message


def test_both_input_formats_are_the_same_resource():
    pre = one({"name": "mem", "type": "SCALAR", "scalar": {"value": 64}, **DYN})
    post = one({"name": "mem", "type": "SCALAR", "scalar": {"value": 64},
                "reservations": [{"type": "DYNAMIC", "role": "r", "principal": "p",
                                  "labels": {"labels": [{"key": "k", "value": "v"}]}}]})
    endpoint = one(pre.to_json())
    assert pre == post == endpoint
    assert pre.to_json() == {
        "name": "mem", "type": "SCALAR", "scalar": {"value": 64.0}, "role": "r",
        "reservation": {"principal": "p", "labels": {"labels": [{"key": "k", "value": "v"}]}},
        "reservations": [{"type": "DYNAMIC", "role": "r", "principal": "p",
                          "labels": {"labels": [{"key": "k", "value": "v"}]}}]}
    assert one({"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}}).to_json()["role"] == "*"


def test_arithmetic():
    total = res.Resources([one({"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}),
                           one({"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.2}}),
                           one({"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 1, "end": 10}]}})])
    assert str(total) == "cpus:0.3; ports:[1-10]"  # fixed point: 0.1 + 0.2 == 0.3
    assert total.contains([one({"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.3}})])
    taken = total.minus([one({"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 3, "end": 4}]}})])
    assert str(taken) == "cpus:0.3; ports:[1-2, 5-10]"
    assert not taken.contains([one({"name": "ports", "type": "RANGES", "ranges": {"range": [{"begin": 4, "end": 4}]}})])
    vol = {"name": "disk", "type": "SCALAR", "scalar": {"value": 8}, **DYN,
           "disk": {"persistence": {"id": "v"}, "volume": {"container_path": "d", "mode": "RW"}}}
    twice = res.Resources([one(vol), one(vol)])
    assert len(twice) == 2  # persistent volumes never merge
    assert twice.summary()["disk"] == 16.0
