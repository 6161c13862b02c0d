"""What `dbaas up REGION` runs: the platform stack or not, and per tenant stack its commands.

Tenant stacks with a tenant file are brought up (created first, with the region's secrets
provider, when `pulumi stack ls` does not list them). Stacks that exist without a tenant file are
destroyed and removed only when the base revision marked their tenant decommissioned
(tools/deploy/decommissioned_stacks.py); otherwise they are kept and reported. `--affected-since REV`
narrows all of it to what `dbaas stacks --affected REV HEAD` names for the region, plus the tenant
files removed since REV.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tools.deploy.affected_stacks import affected_between
from tools.deploy.decommissioned_stacks import Verdict, retained_resources, tenant_path, verdict
from declarations.errors import InputError, Problem
from tools.offline.engine_rules import EngineRefusal
from tools.deploy.pulumi_cli import Command, platform_up, tenant_destroy, tenant_init, tenant_up
from declarations.tenant_loader import load_tenant_tree
from stacks.stack_names import parse_tenant_stack_name, tenant_stack_name


@dataclass(frozen=True)
class StackJob:
    """One stack's commands, run in order; `destroy` jobs list what stays behind."""

    stack: str
    commands: tuple[Command, ...]
    destroy: bool = False
    retained: tuple[str, ...] | None = ()
    """`TYPE NAME` of what a destroy leaves in AWS/Kubernetes; None when the offline plan could not say."""


@dataclass
class Selection:
    region: str
    platform: StackJob | None
    tenants: list[StackJob] = field(default_factory=list)
    """Ups and destroys, by stack name; all of them run after the platform stack succeeded."""
    kept: list[Verdict] = field(default_factory=list)
    """Stacks without a tenant file that are not destroyed, with the reason."""
    why_no_platform: str = ""


def select(project_dir: Path, region: str, secrets_provider: str, existing: set[str],
           requested: list[str] | None = None, affected_since: str | None = None) -> Selection:
    """The stacks to run for `region`, given the stacks that exist (`pulumi stack ls`)."""
    present = {t.id for t in load_tenant_tree(project_dir / "tenants", region=region)}
    orphans = {tenant_id for tenant_id in _tenant_ids(existing, region) if tenant_id not in present}
    up_ids = set(present)
    run_platform, why_no_platform = True, ""
    if affected_since is not None:
        stacks, changed = affected_between(project_dir, affected_since, "HEAD", option="--affected-since")
        up_ids &= _tenant_ids(set(stacks), region)
        orphans &= {tenant_id for tenant_id in orphans if tenant_path(region, tenant_id) in changed}
        run_platform = region in stacks
        why_no_platform = "" if run_platform else f"not affected since {affected_since}"
    if requested:
        unknown = sorted(set(requested) - present - orphans)
        if unknown:
            raise InputError([Problem("--tenant", 1, 1, "tenant", f"no tenant {t!r} in region {region}") for t in unknown])
        up_ids &= set(requested)
        orphans &= set(requested)
    verdicts = [verdict(project_dir, tenant_stack_name(region, t), region, t, affected_since) for t in sorted(orphans)]
    doomed = [v for v in verdicts if v.destroy]
    retained = _retained(project_dir, region, doomed)
    jobs = [_up_job(tenant_stack_name(region, t), secrets_provider, existing) for t in up_ids]
    jobs += [StackJob(v.stack, (tenant_destroy(v.stack),), destroy=True, retained=retained.get(v.stack)) for v in doomed]
    return Selection(region=region, platform=StackJob(region, (platform_up(region),)) if run_platform else None,
                     tenants=sorted(jobs, key=lambda job: job.stack), kept=[v for v in verdicts if not v.destroy],
                     why_no_platform=why_no_platform)


def _tenant_ids(stacks: set[str], region: str) -> set[str]:
    ids = set()
    for stack in stacks:
        try:
            stack_region, tenant_id = parse_tenant_stack_name(stack)
        except ValueError:
            continue
        if stack_region == region:
            ids.add(tenant_id)
    return ids


def _up_job(stack: str, secrets_provider: str, existing: set[str]) -> StackJob:
    init = () if stack in existing else (tenant_init(stack, secrets_provider),)
    return StackJob(stack, (*init, tenant_up(stack)))


def _retained(project_dir: Path, region: str, doomed: list[Verdict]) -> dict[str, tuple[str, ...] | None]:
    """What each destroy leaves behind; None for all when the offline plan fails (the destroy
    itself does not depend on it, so it still runs, and the report says the list is unknown)."""
    try:
        by_tenant = retained_resources(project_dir, region, [v.tenant for v in doomed if v.tenant is not None])
    except (InputError, EngineRefusal):
        return {v.stack: None for v in doomed}
    return {tenant_stack_name(region, tenant_id): tuple(names) for tenant_id, names in by_tenant.items()}
