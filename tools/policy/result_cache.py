"""Each stack's policy diagnostics, remembered by exactly what determines them.

The analyzer protocol stays the judge (tools/policy/analyzer.py): a stack is evaluated by the pack's own
servicer, fed the engine's messages. What it answers is a function of:
- the messages, which tools/offline/analyzer_requests.py builds from the stack's registrations alone (their
  set: the order of registration varies with scheduling, in the engine as under the mocks);
- the pack's code and the SDKs that run it (the code digest of tools/offline/platform_cache.py: every file
  under policies/, tools/, declarations/..., plus pulumi, pulumi-policy and protobuf versions);
- the policies' configuration (`Configure`) and the stack and project (`ConfigureStack`);
- the tenant facts the rules look up (policies/rules/model.py RuleContext.tenants).

The first three make the key. The facts are recorded as they are read: each lookup of one tenant and its
answer, or "all of them" when a rule iterates the mapping. An entry is used only when every recorded
lookup gives the same answer against the caller's facts; otherwise the stack is evaluated again. So a
stack whose messages, pack, config and read facts are unchanged is not sent through the protocol twice,
and any stack a change touches is (tests/policies/test_policy_equivalence.py holds the two paths equal).

`DBAAS_POLICY_CACHE=off` evaluates every stack; `=verify` evaluates every stack and fails loudly if a
remembered answer differs (the test suite runs that way). Where the files go: tools/offline/cache_store.py.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from policies.rules.model import TenantFacts
from tools.offline import cache_store
from tools.offline.cache_store import code_digest
from tools.offline.runtime import Registration, registration_to_json
from tools.policy.analyzer import Diagnostic, PolicySettings

FOLDER = "policy-results"
FORMAT = 1
SWITCH = "DBAAS_POLICY_CACHE"
MAX_VARIANTS = 8
ALL = "*"
"""The recorded lookup meaning "every tenant's facts" (a rule iterated the mapping)."""


def mode() -> str:
    """`on`, `off` or `verify`."""
    return cache_store.mode(SWITCH)


def stack_key(stack: str, project: str, registrations: list[Registration],
              configured: Mapping[str, PolicySettings]) -> str:
    digest = hashlib.sha256(f"{FORMAT}\0{code_digest()}\0{stack}\0{project}\0".encode())
    settings = {name: [s.enforcement.value, dict(s.properties)] for name, s in sorted(configured.items())}
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    # The set of registrations, not their order: the engine's registration order depends on scheduling (so
    # does the mock runtime's), and the pack's answer must not; verify mode compares diagnostics as multisets.
    for text in sorted(json.dumps(registration_to_json(reg), sort_keys=True, ensure_ascii=False) for reg in registrations):
        digest.update(b"\0")
        digest.update(text.encode())
    return digest.hexdigest()


def facts_digest(facts: TenantFacts | None) -> str | None:
    if facts is None:
        return None
    return hashlib.sha256(json.dumps(asdict(facts), sort_keys=True, default=sorted).encode()).hexdigest()


def all_facts_digest(tenants: Mapping[str, TenantFacts]) -> str:
    return hashlib.sha256(json.dumps({t: facts_digest(f) for t, f in sorted(tenants.items())}).encode()).hexdigest()


class RecordingFacts(Mapping[str, TenantFacts]):
    """The caller's tenant facts, recording what the rules read: `lookups` maps a tenant id to the digest of
    the facts it found (None: no such tenant), or ALL to the digest of the whole mapping."""

    def __init__(self, tenants: Mapping[str, TenantFacts]):
        self._tenants = tenants
        self.lookups: dict[str, str | None] = {}

    def __getitem__(self, tenant: str) -> TenantFacts:
        found = self._tenants.get(tenant)
        self.lookups[str(tenant)] = facts_digest(found)
        if found is None:
            raise KeyError(tenant)
        return found

    def __contains__(self, tenant: object) -> bool:
        found = self._tenants.get(tenant) if isinstance(tenant, str) else None
        self.lookups[str(tenant)] = facts_digest(found)
        return found is not None

    def __iter__(self) -> Iterator[str]:
        self.lookups[ALL] = all_facts_digest(self._tenants)
        return iter(self._tenants)

    def __len__(self) -> int:
        self.lookups[ALL] = all_facts_digest(self._tenants)
        return len(self._tenants)


def lookups_hold(lookups: Mapping[str, str | None], tenants: Mapping[str, TenantFacts]) -> bool:
    """True when every recorded lookup gives the same answer against `tenants`."""
    for tenant, digest in lookups.items():
        now = all_facts_digest(tenants) if tenant == ALL else facts_digest(tenants.get(tenant))
        if now != digest:
            return False
    return True


def _variants(key: str) -> list[dict[str, Any]]:
    data = cache_store.read(FOLDER, key, FORMAT)
    variants = data.get("variants") if data else None
    return variants if isinstance(variants, list) else []


def load(key: str, tenants: Mapping[str, TenantFacts]) -> list[Diagnostic] | None:
    """The diagnostics of the first remembered variant whose recorded lookups hold against `tenants`."""
    try:
        for variant in _variants(key):
            if lookups_hold(variant["lookups"], tenants):
                return [_diagnostic(d) for d in variant["diagnostics"]]
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return None


def store(key: str, diagnostics: list[Diagnostic], lookups: Mapping[str, str | None]) -> None:
    """The same messages evaluated against other facts are another variant of the entry (newest first, at most
    MAX_VARIANTS): a diff that evaluates a stack against a few tenants' facts and a region run against all of
    them do not evict each other."""
    kept = [v for v in _variants(key) if isinstance(v, dict) and v.get("lookups") != dict(lookups)]
    variant = {"lookups": dict(lookups), "diagnostics": [_diagnostic_json(d) for d in diagnostics]}
    cache_store.write(FOLDER, key, FORMAT, {"variants": [variant, *kept][:MAX_VARIANTS]})


def _diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    return {"policy": d.policy, "enforcement": d.enforcement.value,
            "severity": d.severity.value if d.severity else None, "urn": d.urn, "message": d.message}


def _diagnostic(data: dict[str, Any]) -> Diagnostic:
    return Diagnostic(policy=data["policy"], enforcement=EnforcementLevel(data["enforcement"]),
                      severity=Severity(data["severity"]) if data["severity"] is not None else None,
                      urn=data["urn"], message=data["message"])
