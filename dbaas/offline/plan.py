"""Offline plan: the real program under mocks, rendered like `pulumi preview --json`.

Steps are sorted by URN and JSON keys are sorted, so the same repository gives byte-identical
output on any machine. Secrets are rendered as "[secret]".
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbaas.errors import InputError
from dbaas.offline.runtime import Registration, run_program
from dbaas.stack_config import PROJECT, StackFile, load_stack_file
from dbaas.tenant_loader import load_tenant_tree

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

    def tenant_of(self) -> dict[str, str]:
        """URN -> tenant id, following parents up to the tenant's environment component."""
        by_urn = {r.urn: r for r in self.registrations}
        result: dict[str, str] = {}
        for reg in self.registrations:
            cursor: Registration | None = reg
            while cursor is not None:
                if cursor.type == TENANT_ENVIRONMENT_TYPE:
                    result[reg.urn] = cursor.name
                    break
                cursor = by_urn.get(cursor.parent)
        return result

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


def build_plan(stack: str, project_dir: Path, tenants_dir: Path | None = None) -> OfflinePlan:
    """Validate inputs first (located errors), then run the program under mocks."""
    from stacks import program

    tenants_dir = tenants_dir or project_dir / "tenants"
    stack_file = load_stack_file(project_dir, stack)
    load_tenant_tree(tenants_dir)  # the whole tree must be valid; raises InputError with locations

    def run() -> None:
        program.run(tenants_dir)

    registrations = run_program(
        run,
        project=PROJECT,
        stack=stack,
        config=stack_file.pulumi_config,
        secret_keys=stack_file.secret_keys,
        default_account=stack_file.config.aws_account_id,
    )
    return OfflinePlan(stack=stack, registrations=registrations, stack_file=stack_file)


__all__ = ["OfflinePlan", "build_plan", "InputError"]
