"""Every stack of a plan through the analyzer protocol, paid for once: stacks evaluated before with the same
messages, pack, config and tenant facts come back from the policy result cache (result_cache.py); the rest
are evaluated, in worker processes when there are many, since each stack is an independent preview.

The servicer converts a resource's properties from protobuf once per policy, in `Analyze` and again in
`AnalyzeStack` (pulumi_policy 1.21.0 policy.py `Analyze`, `AnalyzeStack`), as it does under the engine; that
per-resource cost is the protocol's own, so it is spread over the machine's cores and never paid twice for
the same stack, rather than short-cut.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

from declarations.stack_config import PROJECT
from policies.rules.model import TenantFacts
from tools.offline import cache_store
from tools.offline.plan import default_workers
from tools.offline.runtime import Registration
from tools.policy import result_cache
from tools.policy.analyzer import Diagnostic, InProcessAnalyzer, PolicySettings, run_analysis


SHARD_STACKS = 25
"""Stacks per task sent to a worker."""


@dataclass
class StackResults:
    """Diagnostics by stack (in the plan's stack order), and which stacks were evaluated now or remembered."""

    diagnostics: dict[str, list[Diagnostic]] = field(default_factory=dict)
    evaluated: list[str] = field(default_factory=list)
    remembered: list[str] = field(default_factory=list)


def evaluate_stacks(stacks: Mapping[str, list[Registration]], facts: Mapping[str, TenantFacts],
                    configured: Mapping[str, PolicySettings]) -> StackResults:
    mode = result_cache.mode()
    keys = {stack: result_cache.stack_key(stack, project_of(registrations), registrations, configured)
            for stack, registrations in stacks.items()} if mode != "off" else {}
    remembered: dict[str, list[Diagnostic]] = {}
    if mode == "on":
        for stack in stacks:
            found = result_cache.load(keys[stack], facts)
            if found is not None:
                remembered[stack] = found
    to_run = [stack for stack in stacks if stack not in remembered]
    workers = default_workers(len(to_run))
    fresh: dict[str, list[Diagnostic]] = {}
    if workers <= 1:
        fresh = evaluate_shard({stack: stacks[stack] for stack in to_run}, facts, configured, keys)
    else:
        # Small tasks: a worker holds one task's stacks at a time (memory), and the two cores finish together.
        shards = [{stack: stacks[stack] for stack in to_run[i:i + SHARD_STACKS]} for i in range(0, len(to_run), SHARD_STACKS)]
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for found in pool.map(evaluate_shard, shards, [dict(facts)] * len(shards), [dict(configured)] * len(shards),
                                  [{stack: keys.get(stack) for stack in shard} for shard in shards]):
                fresh.update(found)
    results = StackResults()
    for stack in stacks:
        results.diagnostics[stack] = remembered[stack] if stack in remembered else fresh[stack]
        (results.remembered if stack in remembered else results.evaluated).append(stack)
    return results


def evaluate_shard(stacks: Mapping[str, list[Registration]], facts: Mapping[str, TenantFacts],
                   configured: Mapping[str, PolicySettings],
                   keys: Mapping[str, str | None] | None = None) -> dict[str, list[Diagnostic]]:
    """Each stack through the protocol (a worker's task, or the whole job when it is small); `keys`: the
    stacks' cache keys, when the caller has computed them."""
    return {stack: analyse_stack(stack, project_of(registrations), registrations, facts, configured,
                                 (keys or {}).get(stack))
            for stack, registrations in stacks.items()}


def project_of(registrations: list[Registration]) -> str:
    return registrations[0].urn.split("::")[1] if registrations else PROJECT


class PolicyCacheMismatch(cache_store.CacheMismatch):
    """`DBAAS_POLICY_CACHE=verify` found remembered diagnostics that differ from the protocol's."""


def analyse_stack(stack: str, project: str, registrations: list[Registration], facts: Mapping[str, TenantFacts],
                  configured: Mapping[str, PolicySettings], key: str | None = None) -> list[Diagnostic]:
    """One stack through the analyzer protocol, its answer remembered with the tenant facts it read (unless
    the cache is off); in verify mode, compared with what was remembered."""
    mode = result_cache.mode()
    if mode == "off":
        return run_analysis(InProcessAnalyzer(facts), stack, project, registrations, configured)[1]
    recording = result_cache.RecordingFacts(facts)
    _, found = run_analysis(InProcessAnalyzer(recording), stack, project, registrations, configured)
    key = key or result_cache.stack_key(stack, project, registrations, configured)
    if mode == "verify":
        remembered = result_cache.load(key, facts)
        if remembered is not None and sorted(remembered, key=repr) != sorted(found, key=repr):
            raise PolicyCacheMismatch(f"stack {stack}: the remembered policy diagnostics differ from the "
                                      f"analyzer's (cache key {key[:12]})")
    result_cache.store(key, found, recording.lookups)
    return found
