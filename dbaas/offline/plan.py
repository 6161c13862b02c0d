"""Offline plan: the real program under mocks, rendered like `pulumi preview --json`.

Steps are sorted by URN and JSON keys are sorted, so the same repository gives byte-identical
output on any machine. Secrets are rendered as "[secret]".
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, TextIO

from dbaas.errors import InputError
from dbaas.offline.engine_rules import EngineRefusal, engine_problems, physical_name_problems
from dbaas.offline.runtime import Registration, run_program
from dbaas.stack_config import PROJECT, StackFile, load_stack_file
from dbaas.tenant_loader import load_tenant_tree
from dbaas.tenant_model import Tenant

TENANT_ENVIRONMENT_TYPE = "dbaas:tenant:TenantEnvironment"


@dataclass
class OfflinePlan:
    stack: str
    registrations: list[Registration]
    stack_file: StackFile

    def to_preview_json(self) -> dict[str, Any]:
        steps = []
        for reg in sorted(self.registrations, key=lambda r: r.urn):
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
        return {
            "config": {k: ("[secret]" if k in self.stack_file.secret_keys else v)
                       for k, v in sorted(self.stack_file.pulumi_config.items())},
            "steps": steps,
            "changeSummary": {"create": len(steps)},
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
        platform = len(self.registrations) - sum(tenants.values())
        lines.append(f"  {platform:6d}  (platform, shared by the region)")
        return "\n".join(lines) + "\n"


def tenant_owner_index(registrations: list[Registration]) -> dict[str, str]:
    """URN -> tenant id, following parents up to the tenant's environment component."""
    by_urn = {r.urn: r for r in registrations}
    result: dict[str, str] = {}
    for reg in registrations:
        cursor: Registration | None = reg
        while cursor is not None:
            if cursor.type == TENANT_ENVIRONMENT_TYPE:
                result[reg.urn] = cursor.name
                break
            cursor = by_urn.get(cursor.parent)
    return result


PARALLEL_THRESHOLD = 48
"""Below this many tenants, starting a second interpreter costs more than it saves."""

MAX_SHARD_TENANTS = 250
"""A shard holds at most this many tenants and runs in a fresh worker process: that bounds each
worker's memory (the SDK's object graph grows with the shard) at the cost of one interpreter
start and one platform build per shard."""


def default_workers(tenant_count: int) -> int:
    return max(1, min(os.cpu_count() or 1, tenant_count // PARALLEL_THRESHOLD))


def build_plan(
    stack: str,
    project_dir: Path,
    tenants_dir: Path | None = None,
    *,
    only_tenants: frozenset[str] | None = None,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> OfflinePlan:
    """Validate inputs first (located errors), then run the program under mocks.

    Large regions are planned in `workers` processes, each running the same program for a shard
    of the tenants (region-level components still see every tenant). The shards' platform
    resources must come out identical, and the merged plan is byte-identical to a one-process
    plan, whatever the number of workers. `progress` hears what is being done (a terminal shows it).
    """
    report = progress or (lambda _message: None)
    tenants_dir = tenants_dir or project_dir / "tenants"
    stack_file = load_stack_file(project_dir, stack)
    # The whole tree must be valid (ids are unique across regions); raises InputError with locations.
    region_tenants = load_tenant_tree(tenants_dir, region=stack_file.config.region)
    ids = sorted(t.id for t in region_tenants if only_tenants is None or t.id in only_tenants)
    workers = default_workers(len(ids)) if workers is None else max(1, min(workers, len(ids) or 1))
    if workers == 1:
        report(f"planning {stack}: {len(ids)} tenant(s) in one process")
        registrations = plan_shard(stack_file, region_tenants, only_tenants and frozenset(ids))
    else:
        count = max(workers, -(-len(ids) // MAX_SHARD_TENANTS))
        shards = [frozenset(ids[i::count]) for i in range(count)]
        report(f"planning {stack}: {len(ids)} tenants in {count} shards on {workers} processes")
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 max_tasks_per_child=1) as pool:
            futures = [pool.submit(plan_shard, stack_file, region_tenants, shard) for shard in shards]
            for done, _ in enumerate(as_completed(futures), 1):
                report(f"planning {stack}: {done}/{count} shards done")
            results = [f.result() for f in futures]
        registrations = merge_shards(stack, results)
        problems = physical_name_problems(registrations)  # across shards: each shard checked only its own
        if problems:
            raise EngineRefusal(stack, problems)
    return OfflinePlan(stack=stack, registrations=registrations, stack_file=stack_file)


def plan_shard(
    stack_file: StackFile, region_tenants: list[Tenant], only_tenants: frozenset[str] | None
) -> list[Registration]:
    """Run the program for one shard of tenants (all of them when `only_tenants` is None), with
    the stack file and tenants the caller already loaded and validated."""
    from stacks import program

    registrations = run_program(
        lambda: program.run(only_tenants=only_tenants, tenants=region_tenants),
        project=PROJECT,
        stack=stack_file.stack,
        config=stack_file.pulumi_config,
        secret_keys=stack_file.secret_keys,
        default_account=stack_file.config.aws_account_id,
    )
    # What the real engine and cluster would refuse, the offline plan refuses (engine_rules.py).
    problems = engine_problems(registrations, default_providers_disabled=stack_file.default_providers_disabled)
    if problems:
        raise EngineRefusal(stack_file.stack, problems)
    return registrations


def merge_shards(stack: str, shards: list[list[Registration]]) -> list[Registration]:
    """Platform resources come out of every shard, identical; a tenant's only out of its own.
    A tenant-owned URN out of two shards is the engine's duplicate URN, split across workers."""
    merged: dict[str, Registration] = {}
    tenant_owned: dict[str, int] = {}
    duplicates = []
    for index, shard in enumerate(shards):
        owners = tenant_owner_index(shard)
        for reg in shard:
            seen = merged.setdefault(reg.urn, reg)
            if reg.urn in owners:
                if tenant_owned.setdefault(reg.urn, index) != index:
                    duplicates.append(f"Duplicate resource URN '{reg.urn}'; try giving it a unique name")
            elif seen != reg:
                raise RuntimeError(f"{reg.urn} differs between plan shards: the program is not deterministic")
    if duplicates:
        raise EngineRefusal(stack, duplicates)
    return list(merged.values())


__all__ = ["OfflinePlan", "build_plan", "InputError"]
