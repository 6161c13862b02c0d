"""Which tenant stacks `dbaas up` may destroy, and what their destroy leaves in AWS and Kubernetes.

A tenant leaves in two changes (README "Deletion protection and decommissioning"): the first adds a
top-level `decommission:` to its file, and `pulumi up` of its stack deploys it (final backups,
protection lifted); the second removes the file. So `dbaas up` destroys a tenant stack only when
its tenant file is absent from the working tree AND the base revision's version of the file
carries the tenant-level marker. The base revision is `--affected-since REV` when given (the
revision last deployed); otherwise the file's last committed version (at HEAD if only the
working tree lost it, else the parent of the commit that removed it). Anything else (never
committed, no marker, unparsable, a marker on services only) keeps the stack. A marker that was
committed but never deployed still has `protect` in the stack's state, and the engine refuses the
destroy: the second safeguard.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from declarations.errors import InputError
from tools.offline.diff_revisions import git
from declarations.safe_yaml import load_bytes
from declarations.stack_config import load_stack_file
from declarations.tenant_loader import parse_tenant
from declarations.tenant_model import Tenant
from declarations.naming import split_stack_name

if TYPE_CHECKING:
    from tools.offline.runtime import Registration


@dataclass(frozen=True)
class Verdict:
    """Whether a stack without a tenant file may be destroyed, and why."""

    stack: str
    tenant: Tenant | None
    """The base revision's tenant, when it carries the tenant-level marker (then: destroy)."""
    reason: str

    @property
    def destroy(self) -> bool:
        return self.tenant is not None


def tenant_path(region: str, tenant_id: str) -> str:
    return f"tenants/{region}/{tenant_id}.yaml"


def base_revision(repo: Path, path: str, base: str | None) -> str | None:
    """The commit whose version of `path` decides: `base`, else the file's last committed version."""
    if base is not None:
        from tools.cli_io import check_revision

        check_revision(base, "--affected-since")
        return git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{base}^{{commit}}").strip()
    if _exists(repo, "HEAD", path):
        return git(repo, "rev-parse", "HEAD").strip()
    removed_by = git(repo, "log", "-1", "--format=%H", "HEAD", "--", path).strip()
    return git(repo, "rev-parse", "--verify", "--end-of-options", f"{removed_by}^").strip() if removed_by else None


def verdict(repo: Path, stack: str, region: str, tenant_id: str, base: str | None) -> Verdict:
    """Destroy `stack` (whose tenant file is gone) only if the base revision marked the tenant decommissioned."""
    path = tenant_path(region, tenant_id)
    try:
        revision = base_revision(repo, path, base)
    except RuntimeError as exc:
        return Verdict(stack, None, f"the base revision of {path} could not be read ({exc})")
    if revision is None or not _exists(repo, revision, path):
        where = f"at {base}" if base is not None else "in git history"
        return Verdict(stack, None, f"no tenant file and no {path} {where} to show it was decommissioned")
    shown = f"{revision[:12]}:{path}"
    try:
        tenant = parse_tenant(load_bytes(git(repo, "show", "--end-of-options", f"{revision}:{path}", binary=True), shown))
    except InputError as exc:
        return Verdict(stack, None, f"{shown} does not parse, so it shows no decommission ({exc.problems[0]})")
    if tenant.decommission is None:
        return Verdict(stack, None, f"no tenant file, and {shown} has no top-level `decommission:` "
                                    "(never destroyed without a deployed decommission)")
    return Verdict(stack, tenant, f"decommissioned at {shown} by {tenant.decommission.requested_by}")


def _exists(repo: Path, revision: str, path: str) -> bool:
    try:
        git(repo, "cat-file", "-e", "--end-of-options", f"{revision}:{path}")
    except RuntimeError:
        return False
    return True


def retained_resources(project_dir: Path, region: str, tenants: list[Tenant]) -> dict[str, list[str]]:
    """tenant id -> `TYPE NAME` of every resource its stack retains on delete and that outlives the
    destroy, from the offline plan of the decommissioned declaration (what the marker's `up`
    deployed): these stay in AWS or the cluster (bucket, key, topics: the backups outlive the
    tenant). A retained object inside a namespace the same destroy deletes is not listed: Pulumi
    leaves it, but Kubernetes deletes a namespace's objects with the namespace."""
    if not tenants:
        return {}
    from tools.offline.plan import plan_platform, plan_tenant_shard, registrations_by_stack

    platform = plan_platform(load_stack_file(project_dir, region))
    retained: dict[str, list[str]] = {}
    for stack, registrations in registrations_by_stack(plan_tenant_shard(platform, tenants).registrations).items():
        deleted_namespaces = {_metadata(r).get("name") for r in registrations
                              if r.type == NAMESPACE_TYPE and not r.retain_on_delete}
        retained[split_stack_name(stack)[1]] = sorted(
            f"{r.type} {r.name}" for r in registrations
            if r.retain_on_delete and _metadata(r).get("namespace") not in deleted_namespaces)
    return retained


NAMESPACE_TYPE = "kubernetes:core/v1:Namespace"


def _metadata(registration: Registration) -> dict:
    metadata = registration.inputs.get("metadata") if registration.type.startswith("kubernetes:") else None
    return metadata if isinstance(metadata, dict) else {}
