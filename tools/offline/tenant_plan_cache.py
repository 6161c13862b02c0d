"""Each tenant stack's offline plan, remembered by a hash of everything it is made from.

A tenant stack's program reads its tenant's declaration, the tenant project's config, the default account
and its region's platform plan (the StackReference's outputs); nothing else. The platform plan is itself a
function of its cache key (tools/offline/platform_cache.py: code, stack config, SDKs), so the key here is:
that platform key, the code digest, the stack name, the tenant as the model validated it, the config and the
account. A region plan then runs only the tenant programs whose inputs changed; the base side of a diff
planned before comes back from here. The entry also keeps what the strict schema validation of the stack's
Kubernetes objects found (the schemas are part of the code digest), so remembered stacks are not validated again. The engine rules are applied to a remembered plan as to a fresh one
(tools/offline/plan.py plan_tenant_shard).

`DBAAS_TENANT_PLAN_CACHE=off` runs every tenant program; `=verify` runs them too and compares. Where the files go: tools/offline/cache_store.py.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from declarations.tenant_model import Tenant
from tools.offline import cache_store
from tools.offline.cache_store import code_digest
from tools.offline.runtime import Read, Registration, registration_from_json, registration_to_json

FOLDER = "tenant-plans"
FORMAT = 2
SWITCH = "DBAAS_TENANT_PLAN_CACHE"


def key_for(platform_key: str, stack: str, tenant: Tenant, config: dict[str, str], account: str) -> str:
    inputs = {
        "format": FORMAT,
        "code": code_digest(),
        "platform": platform_key,
        "stack": stack,
        "tenant": tenant.model_dump(mode="json"),
        "config": config,
        "account": account,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def verifying() -> bool:
    """`DBAAS_TENANT_PLAN_CACHE=verify`: run every tenant program, and fail loudly where a remembered plan
    differs (the test suite runs that way)."""
    return cache_store.mode(SWITCH) == "verify"


class TenantPlanCacheMismatch(cache_store.CacheMismatch):
    """A remembered tenant plan differs from the program's."""


def load(key: str) -> tuple[list[Registration], list[Read], list[str] | None] | None:
    """The plan, its reads, and the schema problems of its Kubernetes objects (None: not validated)."""
    data = cache_store.lookup(SWITCH, FOLDER, key, FORMAT)
    if data is None:
        return None
    try:
        problems = data["schema_problems"]
        if problems is not None and not (isinstance(problems, list) and all(isinstance(p, str) for p in problems)):
            return None
        return ([registration_from_json(r) for r in data["registrations"]],
                [Read(**r) for r in data["reads"]], problems)
    except (KeyError, TypeError, ValueError):
        return None


def store(key: str, registrations: list[Registration], reads: list[Read], schema_problems: list[str] | None) -> None:
    """A plan that does not survive the JSON round trip unchanged (a value JSON cannot hold) is not stored."""
    if not cache_store.enabled(SWITCH):
        return
    if verifying():
        remembered = load(key)
        if remembered is not None and (sorted(remembered[0], key=lambda r: r.urn), remembered[1]) != \
                (sorted(registrations, key=lambda r: r.urn), reads):
            raise TenantPlanCacheMismatch(f"{key[:12]}: the remembered tenant plan differs from the program's")
    value: dict[str, Any] = {"registrations": [registration_to_json(r) for r in registrations],
                             "reads": [_read_json(r) for r in reads], "schema_problems": schema_problems}
    cache_store.write(FOLDER, key, FORMAT, value,
                      lambda back: [registration_from_json(r) for r in back["registrations"]] == registrations
                      and [Read(**r) for r in back["reads"]] == reads)


def _read_json(read: Read) -> dict[str, Any]:
    return {"urn": read.urn, "type": read.type, "name": read.name, "id": read.id, "parent": read.parent,
            "provider": read.provider, "inputs": read.inputs}
