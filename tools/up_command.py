"""`dbaas up REGION [--tenant ID ...] [--parallel N] --dry-run`: the commands that deploy a region,
in order: its platform stack first (tenant stacks read its outputs), then its tenant stacks, up
to N at a time; a tenant stack that does not exist yet is created first with the region's
secrets provider (the one its platform stack file names), so its secrets are encrypted as the
platform's are.

Only the dry run is implemented: it prints the commands. Which tenant stacks exist is read from
`--existing FILE` (one stack name a line, e.g. from `pulumi stack ls --project dbaas-tenant`);
without it, every tenant stack is taken to be missing.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from declarations.errors import InputError, Problem
from declarations.regions import KNOWN_REGIONS
from declarations.safe_yaml import load_file
from stacks.stack_names import tenant_stack_name

PLATFORM_DIR = "."
TENANT_DIR = "tenant_project"


@dataclass(frozen=True)
class Command:
    cwd: str
    argv: tuple[str, ...]

    def __str__(self) -> str:
        line = shlex.join(self.argv)
        return line if self.cwd == PLATFORM_DIR else f"(cd {self.cwd} && {line})"


def region_commands(region: str, secrets_provider: str, tenant_ids: list[str],
                    existing: set[str]) -> tuple[list[Command], list[list[Command]]]:
    """(platform commands, one command list per tenant stack), in the order they must run."""
    platform = [Command(PLATFORM_DIR, ("pulumi", "up", "--yes", "--stack", region, "--policy-pack", "policies"))]
    tenants = []
    for tenant_id in sorted(tenant_ids):
        stack = tenant_stack_name(region, tenant_id)
        steps = []
        if stack not in existing:
            steps.append(Command(TENANT_DIR, ("pulumi", "stack", "init", stack, "--secrets-provider", secrets_provider)))
        steps.append(Command(TENANT_DIR, ("pulumi", "up", "--yes", "--stack", stack, "--policy-pack", "../policies")))
        tenants.append(steps)
    return platform, tenants


def region_secrets_provider(project_dir: Path, region: str) -> str:
    """The secrets provider the region's platform stack file names: its tenant stacks use it too."""
    stack_path = project_dir / f"Pulumi.{region}.yaml"
    secrets_provider = load_file(stack_path, stack_path.name).data.get("secretsprovider")
    if not secrets_provider:
        raise InputError([Problem(stack_path.name, 1, 1, "secretsprovider",
                                  "the platform stack file names no secrets provider for its tenant stacks")])
    return secrets_provider


def cmd_up(args: argparse.Namespace) -> int:
    from tools.cli_io import EXIT_OK, find_project_dir
    from declarations.tenant_loader import load_tenant_tree

    project_dir = find_project_dir()
    if args.region not in KNOWN_REGIONS:
        raise InputError([Problem("REGION", 1, 1, "region", f"{args.region!r} is not a region ({', '.join(KNOWN_REGIONS)})")])
    secrets_provider = region_secrets_provider(project_dir, args.region)
    tenants = {t.id for t in load_tenant_tree(project_dir / "tenants", region=args.region)}
    unknown = sorted(set(args.tenant or ()) - tenants)
    if unknown:
        raise InputError([Problem("--tenant", 1, 1, "tenant", f"no tenant {t!r} in region {args.region}") for t in unknown])
    existing: set[str] = set()
    if args.existing:
        existing = {line.strip() for line in Path(args.existing).read_text(encoding="utf-8").splitlines() if line.strip()}
    platform, tenant_steps = region_commands(args.region, secrets_provider, sorted(args.tenant or tenants), existing)
    out = [f"# 1. platform stack {args.region} (tenant stacks read its outputs)", *map(str, platform),
           f"# 2. {len(tenant_steps)} tenant stack(s), up to {args.parallel} at a time; one failing stops no other"]
    for steps in tenant_steps:
        out.extend(str(step) for step in steps)
    sys.stdout.write("\n".join(out) + "\n")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("up", help="deploy a region: its platform stack, then its tenant stacks (--dry-run prints the commands)")
    p.add_argument("region", metavar="REGION")
    p.add_argument("--tenant", action="append", metavar="ID", help="only these tenant stacks (repeatable; default: all)")
    p.add_argument("--parallel", type=int, default=4, metavar="N", help="tenant stacks at a time (default 4)")
    p.add_argument("--existing", metavar="FILE", help="tenant stacks that exist already, one per line (default: none)")
    p.add_argument("--dry-run", action="store_true", required=True,
                   help="print the commands in order instead of running them (required: only the dry run is implemented)")
    p.set_defaults(func=cmd_up)
