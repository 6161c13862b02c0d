"""Offline plan: the real program under mocks, rendered like `pulumi preview --json`.

Steps are sorted by URN and JSON keys are sorted, so the same repository gives byte-identical
output on any machine. Secrets are rendered as "[secret]".
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, TextIO

from declarations.chart_pins import crd_groups_installed_by
from declarations.errors import InputError, Problem
from tools.offline import platform_cache, tenant_plan_cache
from tools.offline.engine_rules import EngineRefusal, SchemaRefusal, engine_problems, field_ownership_problems, physical_name_problems
from tools.offline.mocks import DEFAULT_ORGANIZATION, StackOutputs
from tools.offline.runtime import Read, Registration, run_program_capturing
from declarations.stack_config import PROJECT, StackFile, load_stack_file
from declarations.tenant_loader import load_one_tenant, load_tenant_tree
from declarations.tenant_model import Tenant
from policies.rules.model import owners_by_parent_chain, tenant_by_parent_chain
from declarations.naming import split_stack_name
from stacks.stack_names import (
    TENANT_PROJECT, parse_tenant_stack_name, platform_stack_name, tenant_stack_config, tenant_stack_name,
)


@dataclass
class OfflinePlan:
    stack: str
    registrations: list[Registration]
    stack_file: StackFile
    reads: list[Read] = field(default_factory=list)
    """The StackReferences the tenant stacks read: `read` steps, not changes (runtime.Read)."""

    def below(self, component_types: Iterable[str]) -> list[Registration]:
        """The resources strictly below a component of one of these types (its children, theirs...),
        in plan order: the plan-view answer to "what does this component own"."""
        owners = owners_by_parent_chain({r.urn: r.parent or None for r in self.registrations},
                                        {r.urn: r.type for r in self.registrations}, frozenset(component_types))
        return [r for r in self.registrations if owners.get(r.urn, r.urn) != r.urn]

    def to_preview_json(self) -> dict[str, Any]:
        steps = []
        for reg in self.registrations:
            steps.append(
                {
                    "op": "create",
                    "urn": reg.urn,
                    "provider": reg.provider,
                    "newState": {
                        "type": reg.type,
                        "urn": reg.urn,
                        "custom": reg.custom,
                        "parent": reg.parent,
                        "provider": reg.provider,
                        "inputs": reg.inputs,
                        "protect": reg.protect,
                        "retainOnDelete": reg.retain_on_delete,
                        "dependencies": list(reg.dependencies),
                    },
                }
            )
        for read in self.reads:
            steps.append({"op": "read", "urn": read.urn, "provider": read.provider,
                          "newState": {"type": read.type, "urn": read.urn, "custom": True, "id": read.id, "external": True,
                                       "parent": read.parent, "provider": read.provider, "inputs": read.inputs}})
        steps.sort(key=lambda step: step["urn"])  # once, creates and reads together
        if "." in self.stack:  # one tenant stack: no stack file, the tenant project's config
            config = dict(sorted(tenant_stack_config().items()))
        else:
            config = {k: ("[secret]" if k in self.stack_file.secret_keys else v)
                      for k, v in sorted(self.stack_file.pulumi_config.items())}
        return {
            "config": config,
            "steps": steps,
            "changeSummary": {"create": len(self.registrations)},
        }

    def to_json_text(self) -> str:
        return json.dumps(self.to_preview_json(), sort_keys=True, indent=2, ensure_ascii=False) + "\n"

    def write_json(self, path: Path) -> None:
        """Stream the same bytes as to_json_text() to a file, without one giant string in memory."""
        with path.open("w", encoding="utf-8") as out:
            self.write_json_to(out)

    def write_json_to(self, out: TextIO) -> None:
        json.dump(self.to_preview_json(), out, sort_keys=True, indent=2, ensure_ascii=False)
        out.write("\n")

    def tenant_of(self) -> dict[str, str]:
        """URN -> tenant id, following parents up to the tenant's environment component."""
        return self._tenant_of

    @cached_property
    def _tenant_of(self) -> dict[str, str]:
        return tenant_owner_index(self.registrations)

    def summary(self) -> str:
        lines = [f"Offline plan of stack {self.stack}: {len(self.registrations)} resources to create", ""]
        lines.append("By type:")
        for typ, count in sorted(Counter(r.type for r in self.registrations).items()):
            lines.append(f"  {count:6d}  {typ}")
        tenants = Counter(self.tenant_of().values())
        lines.append("")
        lines.append(f"By tenant ({len(tenants)}):")
        for tenant, count in sorted(tenants.items()):
            lines.append(f"  {count:6d}  {tenant}")
        stacks = Counter(stack_of(r.urn) for r in self.registrations)
        platform = sum(n for stack, n in stacks.items() if "." not in stack)
        tenant_stacks = sum(n for stack, n in stacks.items() if "." in stack) - sum(tenants.values())
        if platform:
            lines.append(f"  {platform:6d}  (platform stack, shared by the region)")
        if tenant_stacks:
            lines.append(f"  {tenant_stacks:6d}  (the tenant stacks' own Stack and provider resources)")
        lines.append("")
        lines.append(f"Stacks ({len(stacks)}): " + ", ".join(sorted(stacks, key=lambda s: ("." in s, s))))
        return "\n".join(lines) + "\n"


def stack_of(urn: str) -> str:
    """`urn:pulumi:lagos.acme::dbaas-tenant::...` -> `lagos.acme`."""
    return urn.split("::", 1)[0].removeprefix("urn:pulumi:")


def tenant_owner_index(registrations: list[Registration]) -> dict[str, str]:
    """URN -> tenant id, following parents up to the tenant's environment component (the one
    parent-chain walk, shared with the policy pack); in a tenant's own stack (`<region>.<tenant-id>`),
    its Stack and provider resources are the tenant's too."""
    result = tenant_by_parent_chain({r.urn: r.parent or None for r in registrations},
                                    {r.urn: r.type for r in registrations}, {r.urn: r.name for r in registrations})
    for reg in registrations:
        if reg.urn not in result:
            tenant_id = split_stack_name(stack_of(reg.urn))[1]
            if tenant_id is not None:
                result[reg.urn] = tenant_id
    return result


def registrations_by_stack(registrations: list[Registration]) -> dict[str, list[Registration]]:
    """stack name -> its registrations, in order."""
    grouped: dict[str, list[Registration]] = {}
    for reg in registrations:
        grouped.setdefault(stack_of(reg.urn), []).append(reg)
    return grouped


def plan_engine_problems(plan: OfflinePlan) -> dict[str, list[str]]:
    """The engine rules per stack, as build_plan applies them (a tenant stack's CRDs may come from
    its region's platform stack), plus physical names across all of them; only stacks with problems."""
    stacks = registrations_by_stack(plan.registrations)
    groups = frozenset(g for stack, regs in stacks.items() if "." not in stack
                       for r in regs for g in crd_groups_installed_by(r.type, r.inputs))
    tenant_disabled = _providers_disabled(tenant_stack_config())
    found = {}
    for stack, regs in stacks.items():
        if "." in stack:
            problems = engine_problems(regs, tenant_disabled, crds_installed_elsewhere=groups)
        else:
            problems = engine_problems(regs, plan.stack_file.default_providers_disabled)
        if problems:
            found[stack] = problems
    across = physical_name_problems(plan.registrations) + field_ownership_problems(plan.registrations)
    if across:
        found["(across stacks)"] = across
    return found


PARALLEL_THRESHOLD = 48
"""Below this many tenant stacks, starting a second interpreter costs more than it saves."""

MAX_SHARD_TENANTS = 250
"""A worker process plans at most this many tenant stacks, one after the other, then exits: that
bounds each worker's memory at the cost of one interpreter start per shard."""


def default_workers(tenant_count: int) -> int:
    return max(1, min(os.cpu_count() or 1, tenant_count // PARALLEL_THRESHOLD))


@dataclass(frozen=True)
class PlatformPlan:
    """The platform stack's plan, and what its tenant stacks need of it."""

    stack_file: StackFile
    registrations: list[Registration]
    outputs: StackOutputs
    crd_groups: frozenset[str]
    """API groups whose CRDs the platform stack installs: satisfied for every tenant stack, because
    the platform stack is applied first."""
    cache_key: str
    """What the platform plan is a function of (tools/offline/platform_cache.py key_for): part of each
    tenant stack's plan key."""

    @property
    def reference_name(self) -> str:
        return platform_stack_name(DEFAULT_ORGANIZATION, self.stack_file.stack)


def build_plan(
    stack: str,
    project_dir: Path,
    tenants_dir: Path | None = None,
    *,
    only_tenants: frozenset[str] | None = None,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
    check_schemas: bool = True,
) -> OfflinePlan:
    """Validate inputs first (located errors), then run the programs under mocks.

    `stack` is a region (`lagos`: its platform stack, then every tenant stack of the region, or
    those in `only_tenants`) or one tenant stack (`lagos.acme`, planned against the platform's
    planned outputs). The plan holds the union of the stacks' registrations, each URN naming its
    own stack. Tenant stacks are independent programs: many are planned in `workers` processes,
    and the merged plan is byte-identical whatever the number of workers. `progress` hears what is
    being done (a terminal shows it). Every Kubernetes object is then validated as the API server would on
    `up` (strict schemas of core kinds and of the vendored CRDs, then their CEL rules): a violation refuses the
    plan (SchemaRefusal), unless `check_schemas` is off (the base revision of a diff, planned to compare only).
    """
    report = progress or (lambda _message: None)
    tenants_dir = tenants_dir or project_dir / "tenants"
    region, tenant_id = _split_stack_name(stack)
    stack_file = load_stack_file(project_dir, region)
    if tenant_id is not None:
        # A tenant stack reads its own file only (plus the tree's layout and id uniqueness).
        tenant = load_one_tenant(tenants_dir, stack_file.config.region, tenant_id)
        if tenant is None:
            raise InputError([Problem(f"{tenants_dir.name}/{region}", 1, 1, "stack",
                                      f"no tenant {tenant_id!r} in region {region}: stack {stack} has nothing to plan")])
        selected = [tenant]
    else:
        # The whole tree must be valid (ids are unique across regions); raises InputError with locations.
        region_tenants = load_tenant_tree(tenants_dir, region=stack_file.config.region)
        selected = [t for t in region_tenants if only_tenants is None or t.id in only_tenants]
    report(f"planning {stack}: the platform stack")
    platform = plan_platform(stack_file)
    tenant_plans = plan_tenant_stacks(platform, selected, workers, report, check_schemas)
    tenant_registrations = tenant_plans.registrations
    registrations = tenant_registrations if tenant_id is not None else [*platform.registrations, *tenant_registrations]
    # One physical name, one owner, across every stack of the region (each stack checked only its own);
    # the fields several stacks apply to one object, without a server-side apply conflict.
    region_registrations = [*platform.registrations, *tenant_registrations]
    problems = physical_name_problems(region_registrations) + field_ownership_problems(region_registrations)
    if problems:
        raise EngineRefusal(stack, problems)
    if check_schemas:
        # In plan order: the platform's objects (a region plan), then each tenant stack's, validated where it was
        # planned or remembered with its plan.
        problems = (_schema_problems(platform.registrations) if tenant_id is None else []) + \
            [problem for found in tenant_plans.schema_problems.values() for problem in found]
        if problems:
            raise SchemaRefusal(stack, problems)
    return OfflinePlan(stack=stack, registrations=registrations, stack_file=stack_file, reads=tenant_plans.reads)


def _split_stack_name(stack: str) -> tuple[str, str | None]:
    if "." not in stack:
        return stack, None
    try:
        return parse_tenant_stack_name(stack)
    except ValueError as exc:
        raise InputError([Problem(stack, 1, 1, "stack", str(exc))]) from None


def plan_platform(stack_file: StackFile) -> PlatformPlan:
    """Run the platform program (it reads no tenant file) and keep its exports for the tenants.
    The run is remembered by a hash of its inputs (tools/offline/platform_cache.py); the engine
    rules are applied to it either way (milliseconds)."""
    key = platform_cache.key_for(stack_file)
    cached = platform_cache.load(key)  # a hit declares the pins of its Helm releases, which the rules below read
    if cached is not None:
        registrations, outputs = cached
    else:
        # Only on a miss: the platform's component tree (psycopg included) costs a tenant stack's plan
        # half its time, and a hit needs none of it.
        from stacks.platform import program as platform_program

        run = run_program_capturing(
            platform_program.run, project=PROJECT, stack=stack_file.stack, config=stack_file.pulumi_config,
            secret_keys=stack_file.secret_keys, default_account=stack_file.config.aws_account_id,
        )
        registrations, outputs = run.registrations, run.outputs
    # What the real engine and cluster would refuse, the offline plan refuses (engine_rules.py).
    problems = engine_problems(registrations, default_providers_disabled=stack_file.default_providers_disabled)
    if problems:
        raise EngineRefusal(stack_file.stack, problems)
    if cached is None:
        platform_cache.store(key, registrations, outputs)
    groups = frozenset(g for r in registrations for g in crd_groups_installed_by(r.type, r.inputs))
    return PlatformPlan(stack_file=stack_file, registrations=registrations, outputs=outputs, crd_groups=groups,
                        cache_key=key)


@dataclass
class TenantStackPlans:
    """What planning some tenant stacks leaves: their registrations and their reads, in tenant order."""

    registrations: list[Registration] = field(default_factory=list)
    reads: list[Read] = field(default_factory=list)
    schema_problems: dict[str, list[str]] = field(default_factory=dict)
    """Per tenant id, what the strict schema validation of its Kubernetes objects found, when asked for."""


def plan_tenant_stacks(platform: PlatformPlan, tenants: list[Tenant], workers: int | None = None,
                       progress: Callable[[str], None] | None = None, check_schemas: bool = False) -> TenantStackPlans:
    """Every tenant's stack, in tenant id order: remembered plans first (tools/offline/tenant_plan_cache.py),
    the rest run, in `workers` processes (default: by how many must run) when there are many."""
    tenants = sorted(tenants, key=lambda t: t.id)
    remembered = remembered_tenant_plans(platform, tenants, check_schemas)
    to_run = [t for t in tenants if t.id not in remembered]
    workers = default_workers(len(to_run)) if workers is None else max(1, min(workers, len(to_run) or 1))
    if progress:
        progress(f"planning {platform.stack_file.stack}: {len(remembered)} tenant stack(s) remembered, "
                 f"{len(to_run)} to run in {workers} process(es)")
    if workers <= 1 or len(to_run) < 2:
        results = [plan_tenant_shard(platform, to_run, check_schemas)]
    else:
        count = max(workers, -(-len(to_run) // MAX_SHARD_TENANTS))
        shards = [to_run[i::count] for i in range(count)]
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 max_tasks_per_child=1) as pool:
            results = list(pool.map(plan_tenant_shard, [platform] * count, shards, [check_schemas] * count))
    by_tenant = {tenant_id: regs for shard in results for tenant_id, regs in _by_tenant_stack(shard.registrations).items()}
    by_tenant.update({tenant_id: plan.registrations for tenant_id, plan in remembered.items()})
    reads = [read for shard in [*results, *remembered.values()] for read in shard.reads]
    problems = {tenant_id: found for shard in [*results, *remembered.values()]
                for tenant_id, found in shard.schema_problems.items()}
    return TenantStackPlans(
        registrations=[reg for tenant in tenants for reg in by_tenant[tenant.id]],
        reads=sorted(reads, key=lambda read: read.urn),
        schema_problems={t.id: problems[t.id] for t in tenants if t.id in problems})


def remembered_tenant_plans(platform: PlatformPlan, tenants: list[Tenant],
                            check_schemas: bool = False) -> dict[str, TenantStackPlans]:
    """The tenant stacks planned before with the same inputs, by tenant id; the engine rules checked again, and
    the schemas checked now if the entry holds no validation result."""
    config = tenant_stack_config()
    found: dict[str, TenantStackPlans] = {}
    if tenant_plan_cache.verifying():
        return found
    for tenant in tenants:
        stack = tenant_stack_name(platform.stack_file.stack, tenant.id)
        cached = tenant_plan_cache.load(_tenant_plan_key(platform, stack, tenant, config))
        if cached is not None:
            registrations, reads, problems = cached
            _check_tenant_stack(platform, stack, registrations, config)
            found[tenant.id] = TenantStackPlans(registrations, reads)
            if check_schemas:
                found[tenant.id].schema_problems[tenant.id] = _schema_problems(registrations) if problems is None else problems
    return found


def _tenant_plan_key(platform: PlatformPlan, stack: str, tenant: Tenant, config: dict[str, str]) -> str:
    return tenant_plan_cache.key_for(platform.cache_key, stack, tenant, config, platform.stack_file.config.aws_account_id)


def _check_tenant_stack(platform: PlatformPlan, stack: str, registrations: list[Registration],
                        config: dict[str, str]) -> None:
    problems = engine_problems(registrations, default_providers_disabled=_providers_disabled(config),
                               crds_installed_elsewhere=platform.crd_groups)
    if problems:
        raise EngineRefusal(stack, problems)


def _by_tenant_stack(registrations: list[Registration]) -> dict[str, list[Registration]]:
    """Registrations grouped by the tenant of their stack (`urn:pulumi:<region>.<tenant>::...`)."""
    return {split_stack_name(stack)[1]: regs for stack, regs in registrations_by_stack(registrations).items()}


def _schema_problems(registrations: list[Registration]) -> list[str]:
    from tools.kubernetes.validation import schema_problems

    return schema_problems(registrations)


def plan_tenant_shard(platform: PlatformPlan, tenants: list[Tenant], check_schemas: bool = False) -> TenantStackPlans:
    """Plan each tenant's stack, one program run per tenant, against the platform's planned outputs; validate its
    Kubernetes objects here too when asked (in the worker, so that work is spread over the cores as well)."""
    from stacks.tenant import program as tenant_program

    config = tenant_stack_config()
    planned = TenantStackPlans()
    for tenant in tenants:
        stack = tenant_stack_name(platform.stack_file.stack, tenant.id)
        run = run_program_capturing(
            lambda tenant=tenant: tenant_program.run(tenant=tenant), project=TENANT_PROJECT, stack=stack,
            config=config, secret_keys=[], default_account=platform.stack_file.config.aws_account_id,
            stack_references={platform.reference_name: platform.outputs},
        )
        _check_tenant_stack(platform, stack, run.registrations, config)
        problems = _schema_problems(run.registrations) if check_schemas else None
        if problems is not None:
            planned.schema_problems[tenant.id] = problems
        tenant_plan_cache.store(_tenant_plan_key(platform, stack, tenant, config), run.registrations, run.reads, problems)
        planned.registrations.extend(run.registrations)
        planned.reads.extend(run.reads)
    return planned


def _providers_disabled(config: dict[str, str]) -> bool:
    return config.get("pulumi:disable-default-providers", "[]") != "[]"


__all__ = ["OfflinePlan", "build_plan", "InputError"]
