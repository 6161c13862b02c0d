"""`dbaas stacks --affected BASE HEAD`: which stacks a change can alter, so CI previews exactly those.

A real preview of a tenant stack reads the platform stack as deployed (its StackReference), not
as changed in the pull request; so a platform change affects the platform stacks, and a tenant
file only its own tenant stack. Code that tenant stacks run affects every tenant stack of every
region; code both run affects everything. Files that cannot change a plan affect nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from declarations.errors import InputError, Problem
from tools.offline.diff_revisions import PLAN_NEUTRAL_FILES, PLAN_NEUTRAL_PREFIXES, git
from declarations.regions import KNOWN_REGIONS
from stacks.stack_names import DEFAULT_ORGANIZATION, tenant_stack_name

NEUTRAL_PREFIXES = (*PLAN_NEUTRAL_PREFIXES, "tools/", "api/", "dbaas/")
"""The floors above the stacks (tools, the API, the CLI) read plans and state; no program imports
them (tests/spine/test_layers.py), so they cannot change a real preview."""
PLATFORM_ONLY = ("__main__.py", "Pulumi.yaml", "stacks/platform/", "components/pop/", "components/controlplane_db/")
TENANT_ONLY = ("tenant_project/", "stacks/tenant/", "components/tenant/")


def _matches(path: str, entries: tuple[str, ...]) -> bool:
    return any(path == e or (e.endswith("/") and path.startswith(e)) for e in entries)


def affected_stacks(changed: list[str], tenant_files: list[str]) -> list[str]:
    """Stacks (platform stacks first, then tenant stacks, each sorted) that `changed` paths affect;
    `tenant_files` are the tenant files at the head revision (`tenants/<region>/<id>.yaml`)."""
    head_tenants = {_tenant_stack(p) for p in tenant_files} - {None}
    platforms: set[str] = set()
    tenants: set[str] = set()
    for path in changed:
        stack = _tenant_stack(path)
        if stack is not None:
            if stack in head_tenants:  # a removed tenant's stack is destroyed, not previewed
                tenants.add(stack)
        elif path in PLAN_NEUTRAL_FILES or _matches(path, NEUTRAL_PREFIXES) or path.startswith("tenants/"):
            continue
        elif path.startswith("Pulumi.") and path.removeprefix("Pulumi.").removesuffix(".yaml") in KNOWN_REGIONS:
            platforms.add(path.removeprefix("Pulumi.").removesuffix(".yaml"))
        elif _matches(path, PLATFORM_ONLY):
            platforms.update(KNOWN_REGIONS)
        elif _matches(path, TENANT_ONLY):
            tenants.update(head_tenants)
        else:  # code both programs run (components, stacks, dbaas models, dependencies)
            platforms.update(KNOWN_REGIONS)
            tenants.update(head_tenants)
    order = {region: i for i, region in enumerate(KNOWN_REGIONS)}
    return sorted(platforms, key=order.__getitem__) + sorted(tenants)


def _tenant_stack(path: str) -> str | None:
    parts = path.split("/")
    if len(parts) == 3 and parts[0] == "tenants" and parts[1] in KNOWN_REGIONS and parts[2].endswith(".yaml"):
        return tenant_stack_name(parts[1], parts[2].removesuffix(".yaml"))
    return None


def affected_between(repo: Path, base: str, head: str, option: str) -> tuple[list[str], list[str]]:
    """(affected stacks, changed paths) between two git revisions of `repo`; a located error naming
    `option` when git cannot compare them, a usage error when a revision looks like an option."""
    from tools.cli_io import check_revision

    check_revision(base, option)
    check_revision(head, option)
    try:
        changed = git(repo, "diff", "--name-only", "--no-renames", "--end-of-options", f"{base}...{head}").split()
        tenant_files = git(repo, "ls-tree", "-r", "--name-only", "--end-of-options", head, "--", "tenants").split()
    except RuntimeError as exc:
        raise InputError([Problem("(git)", 1, 1, option, str(exc))]) from None
    return affected_stacks(changed, tenant_files), changed


def cmd_stacks(args: argparse.Namespace) -> int:
    from tools.cli_io import EXIT_OK, find_project_dir

    repo = find_project_dir()
    if args.migration_plan:
        from tools.deploy.migration_plan import print_migration_plan

        return print_migration_plan(repo, args.migration_plan, args.organization)
    stacks, _changed = affected_between(repo, *args.affected, option="--affected")
    if args.json:
        sys.stdout.write(json.dumps(stacks) + "\n")
    else:
        sys.stdout.write("".join(f"{s}\n" for s in stacks))
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    from tools.cli_io import organization_name

    p = subparsers.add_parser("stacks", help="the stacks a change affects (platform stacks, then tenant stacks)")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--affected", nargs=2, metavar=("BASE", "HEAD"),
                      help="git revisions; prints every stack the changes between them can alter, one per line")
    what.add_argument("--migration-plan", metavar="REGION",
                      help="print the pulumi state move runbook that splits the one-stack REGION into its platform "
                           "stack and one stack per tenant (docs/migrating-to-tenant-stacks.md)")
    p.add_argument("--json", action="store_true", help="print a JSON list (for a CI matrix)")
    p.add_argument("--organization", default=DEFAULT_ORGANIZATION, metavar="ORG", type=organization_name,
                   help=f"with --migration-plan: the backend's organization (default {DEFAULT_ORGANIZATION!r}, "
                        "the self-managed backends' name)")
    p.set_defaults(func=cmd_stacks)
