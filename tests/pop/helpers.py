"""Lookups into offline plans for the PoP tests."""

from __future__ import annotations

import json

from tools.offline.mocks import stable_id
from tools.offline.plan import OfflinePlan
from tools.offline.runtime import Registration

POP_TYPE = "dbaas:pop:PopCluster"


def under_pop(plan: OfflinePlan) -> list[Registration]:
    """Every registration whose URN type chain passes through the PopCluster component."""
    return [r for r in plan.registrations if f"{POP_TYPE}$" in r.urn]


def pop_one(plan: OfflinePlan, type_: str, name: str) -> Registration:
    found = [r for r in under_pop(plan) if r.type == type_ and r.name == name]
    assert len(found) == 1, f"expected one {type_} {name}, found {[r.name for r in found]}"
    return found[0]


def pop_all(plan: OfflinePlan, type_: str) -> list[Registration]:
    return [r for r in under_pop(plan) if r.type == type_]


def platform_key_arn(plan: OfflinePlan, region: str, aws_region: str, account: str) -> str:
    """The mock runtime's ARN for the region's platform key (components/storage/platform.py)."""
    key_id = stable_id("aws:kms/key:Key", f"platform-{region}-key")
    return f"arn:aws:kms:{aws_region}:{account}:key/{key_id}"


def policy(reg: Registration, field: str) -> dict:
    return json.loads(reg.inputs[field])
