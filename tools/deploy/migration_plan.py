"""`dbaas stacks --migration-plan REGION`: the commands that move a one-stack region into its
platform stack and one stack per tenant, proved against the offline plans before they are printed.

The old shape is `stacks/one_stack_region.py` (platform and every tenant in stack REGION of project
dbaas-platform); the new shape is the platform stack REGION (same stack, now running
stacks/platform/program.py) and the tenant stacks `<region>.<id>` of project dbaas-tenant. Each
tenant's resources move with one `pulumi state move` naming every one of them (tools/deploy/state_move.py
says why and what the move does). The runbook is refused unless, by the rules of the move, every
tenant stack then holds exactly what its program declares (nothing to create, delete or re-parent,
providers with the same inputs) and the platform stack holds exactly the platform's plan.
docs/migrating-to-tenant-stacks.md explains each step.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from tools.offline.plan import build_plan, registrations_by_stack, tenant_owner_index
from tools.offline.runtime import Registration, run_program_capturing
from tools.deploy.state_move import StateMove, differences, plan_state_move, program_view
from declarations.stack_config import PROJECT, load_stack_file
from declarations.tenant_loader import load_tenant_tree
from tools.deploy.pulumi_cli import PLATFORM_DIR, TENANT_DIR, Command, region_secrets_provider
from stacks.stack_names import PLATFORM_PROJECT, TENANT_PROJECT, tenant_stack_name


@dataclass(frozen=True)
class TenantMigration:
    tenant: str
    move: StateMove
    provider_input_changes: tuple[str, ...]
    """Inputs in which a copied provider differs from the provider the tenant program declares."""


@dataclass(frozen=True)
class MigrationPlan:
    region: str
    organization: str
    secrets_provider: str
    tenants: tuple[TenantMigration, ...]
    platform_resources: int
    problems: tuple[str, ...]
    """Why the commands would leave something to create, delete or change; empty when they are safe."""

    def qualified(self, project: str, stack: str) -> str:
        return f"{self.organization}/{project}/{stack}"


def region_stack_registrations(project_dir: Path, region: str, tenants_dir: Path) -> list[Registration]:
    """The old shape: stacks/one_stack_region.py under the mock runtime, as the region stack was deployed."""
    from stacks import one_stack_region as program

    stack_file = load_stack_file(project_dir, region)
    tenants = load_tenant_tree(tenants_dir, region=region)
    return run_program_capturing(lambda: program.run(tenants=tenants), project=PROJECT, stack=region,
                                 config=stack_file.pulumi_config, secret_keys=stack_file.secret_keys,
                                 default_account=stack_file.config.aws_account_id).registrations


def _provider_input_changes(move: StateMove, old: dict[str, Registration], new: dict[str, Registration]) -> list[str]:
    changes = []
    for old_urn, copy in move.copied_providers.items():
        declared = new.get(copy.urn)
        if declared is None:
            continue  # reported by `differences`
        before, after = old[old_urn].inputs, declared.inputs
        for key in sorted(before.keys() | after.keys()):
            if before.get(key) != after.get(key):
                changes.append(f"{copy.urn}: provider input {key} is {before.get(key)!r} in the region stack but "
                               f"{after.get(key)!r} in the tenant program: pulumi up would update the provider")
    return changes


def compare(region: str, old: list[Registration], new: list[Registration]) -> tuple[list[TenantMigration], int, list[str]]:
    """Move each tenant's resources of the old plan `old` (by the move's rules) and compare with the
    new plans `new` (platform stack and tenant stacks): (per-tenant moves, platform size, problems)."""
    owners = tenant_owner_index(old)
    old_by_urn = {r.urn: r for r in old}
    new_by_stack = registrations_by_stack(new)
    problems: list[str] = []
    migrations = []
    tenant_ids = sorted(set(owners.values()))
    for tenant_id in tenant_ids:
        stack = tenant_stack_name(region, tenant_id)
        move = plan_state_move(old, [r.urn for r in old if owners.get(r.urn) == tenant_id], stack, TENANT_PROJECT)
        declared = new_by_stack.get(stack, [])
        problems += differences(move.destination(), program_view(declared), f"tenant stack {stack} after the move")
        changes = _provider_input_changes(move, old_by_urn, {r.urn: r for r in declared})
        problems += changes
        migrations.append(TenantMigration(tenant_id, move, tuple(changes)))
    for stack in sorted(set(new_by_stack) - {region} - {tenant_stack_name(region, t) for t in tenant_ids}):
        problems.append(f"tenant stack {stack} has no resources in the region stack: it is new, not migrated")
    remaining = [r for r in old if r.urn not in owners]
    problems += differences(program_view(remaining), program_view(new_by_stack.get(region, [])),
                            f"stack {region} after the moves")
    return migrations, len(remaining), problems


def migration_plan(project_dir: Path, region: str, tenants_dir: Path, organization: str) -> MigrationPlan:
    secrets_provider = region_secrets_provider(project_dir, region)
    old = region_stack_registrations(project_dir, region, tenants_dir)
    new = build_plan(region, project_dir, tenants_dir).registrations
    migrations, platform_size, problems = compare(region, old, new)
    return MigrationPlan(region, organization, secrets_provider, tuple(migrations), platform_size, tuple(problems))


def render(plan: MigrationPlan) -> str:
    """The runbook as shell commands with the checks as comments (docs/migrating-to-tenant-stacks.md)."""
    region = plan.region
    source = plan.qualified(PLATFORM_PROJECT, region)
    backup = f"{region}.before-tenant-stacks.json"
    lines = [
        f"# Move region stack {source} into platform stack {region} and {len(plan.tenants)} tenant stack(s).",
        "# Run every command from the repository root, at the commit that has tenant stacks, with deploys of",
        f"# {region} paused. Steps and checks: docs/migrating-to-tenant-stacks.md",
        "",
        f"# 1. Back up the region stack (rollback: pulumi stack import --stack {source} --file {backup})",
        str(Command(PLATFORM_DIR, ("pulumi", "stack", "export", "--stack", source, "--file", backup))),
    ]
    for i, migration in enumerate(plan.tenants, start=2):
        move = migration.move
        dest = plan.qualified(TENANT_PROJECT, move.dest_stack)
        providers = ", ".join(p.urn.rsplit("::", 1)[1] for p in move.copied_providers.values())
        lines += [
            "",
            f"# {i}. tenant {migration.tenant}: {len(move.source_urns)} resources -> {dest}",
            f"#    the move copies providers {providers} into it and drops {len(move.broken_in_dest)} "
            f"dependencies on platform resources (listed as a warning)",
            f"#    check: the export of {dest} holds {len(move.destination())} resources "
            f"(Stack, {len(move.copied_providers)} providers, {len(move.source_urns)} moved); "
            f"none of {migration.tenant}'s URNs remain in {source}",
            str(Command(TENANT_DIR, ("pulumi", "stack", "init", dest, "--secrets-provider", plan.secrets_provider))),
            str(Command(TENANT_DIR, ("pulumi", "state", "move", "--source", source, "--dest", dest, "--yes",
                                     *move.source_urns))),
        ]
    step = len(plan.tenants) + 2
    lines += [
        "",
        f"# {step}. Platform stack: the preview must show no create and no delete ({plan.platform_resources} "
        "resources unchanged; only the outputs change: the platform contract replaces tenants and tenant_outputs)",
        str(Command(PLATFORM_DIR, ("pulumi", "preview", "--stack", source, "--policy-pack", "policies", "--json"))),
        str(Command(PLATFORM_DIR, ("pulumi", "up", "--stack", source, "--policy-pack", "policies", "--yes"))),
        "",
        f"# {step + 1}. Each tenant stack (after the platform's up: they read its contract outputs): the preview "
        "must show no create and no delete",
    ]
    for migration in plan.tenants:
        dest = plan.qualified(TENANT_PROJECT, migration.move.dest_stack)
        lines.append(str(Command(TENANT_DIR, ("pulumi", "preview", "--stack", dest, "--policy-pack", "../policies",
                                              "--json"))))
    return "\n".join(lines) + "\n"


def print_migration_plan(project_dir: Path, region: str, organization: str) -> int:
    """Print the runbook; refuse (exit 1, nothing on stdout) when the moves would leave anything
    to create, delete or change."""
    from tools.cli_io import EXIT_INVALID, EXIT_OK
    from tools.cli_io import check_stack

    check_stack(project_dir, region)
    plan = migration_plan(project_dir, region, project_dir / "tenants", organization)
    if plan.problems:
        sys.stderr.write("".join(f"migration-plan {region}: {p}\n" for p in plan.problems))
        sys.stderr.write(f"migration-plan {region}: {len(plan.problems)} problem(s): the moves would not leave the "
                         "stacks as their programs declare them; no runbook printed\n")
        return EXIT_INVALID
    sys.stdout.write(render(plan))
    return EXIT_OK


def shell_words(text: str) -> list[list[str]]:
    """The commands of a rendered runbook as argv lists (comments and blank lines skipped), as a shell reads them."""
    commands = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            commands.append(shlex.split(line))
    return commands


__all__ = ["MigrationPlan", "TenantMigration", "compare", "migration_plan", "render"]
