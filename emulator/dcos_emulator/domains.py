"""Fault domains (`--zones`): which region and zone each agent is in, as Mesos's `DomainInfo` holds them.

Real DC/OS: each agent's `fault_domain_detect` script prints its region and zone (on AWS the instance's
region and availability zone); Mesos reports them as `domain.fault_domain.region/zone.name` and Marathon
matches `@region` / `@zone` constraints against them. Here agents are put in the given zones round-robin.
"""

from __future__ import annotations

import re

_AWS_STYLE_ZONE = re.compile(r"^(?P<region>.*[0-9])[a-z]$")   # us-east-1a -> us-east-1


def region_of(zone: str) -> str:
    """The region a zone name belongs to: `us-east-1a` -> `us-east-1`, `aws/us-east-1a` -> `aws/us-east-1`;
    a name that is not AWS-shaped is its own region."""
    match = _AWS_STYLE_ZONE.match(zone)
    return match.group("region") if match else zone


def parse_zones(text: str | None) -> tuple[str, ...]:
    """`us-east-1a,us-east-1b` -> ("us-east-1a", "us-east-1b"); raises ValueError on an empty or repeated name."""
    if not text:
        return ()
    zones = tuple(z.strip() for z in text.split(","))
    if any(not z or any(c.isspace() for c in z) for z in zones):
        raise ValueError("zone names must be non-empty and contain no spaces")
    if len(set(zones)) != len(zones):
        raise ValueError("a zone is listed twice")
    return zones


def zone_of_agent(zones: tuple[str, ...], index: int) -> str | None:
    """Round-robin: agent i is in zones[i % len(zones)]; None without zones (no fault domain, as today)."""
    return zones[index % len(zones)] if zones else None


def ec2_zone(zone: str) -> str:
    """The EC2 availability zone of a zone name (`aws/us-east-1a` -> `us-east-1a`)."""
    return zone.rsplit("/", 1)[-1]
