"""`dbaas record-apply`: tell the control plane that a stack was applied, and how it went.

Any CI system calls it after `pulumi up` (and `pulumi stack output --json`), so the API can
answer with the status and the connection of every service. It connects as the recorder role
(dbaas_recorder) only, writes under the tenant's own RLS scope, and is idempotent per (stack,
commit, result). The tenant's declaration is read at the applied commit (from git, unless
--tenants-dir names that tree), and only what it declares is recorded (README "What the recorder
and the CLI promise").
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path


from tools.controlplane.app_connection import ControlPlaneUnavailable, connect_as_recorder
from tools.controlplane.apply_records import (COMMIT_SHA, ApplyRecord, ApplyResult, StackName, TenantKeyConflict,
                                              check_actor, check_applied_at, record_platform_apply,
                                              record_tenant_apply)
from tools.controlplane.cli import redact
from tools.controlplane.credentials import redact_credentials
from tools.controlplane.recorded_outputs import OutputsRefused, platform_record, tenant_record
from tools.controlplane.stack_outputs import PlainOutputs, load_plain_outputs
from declarations.errors import InputError, Problem
from declarations.outputs_contract import tenant_contract
from declarations.safe_yaml import load_bytes
from declarations.tenant_loader import load_tenant_file, parse_tenant
from declarations.tenant_model import Tenant

DATABASE_URL_ENV = "DBAAS_DATABASE_URL"
ACTOR_ENV = "DBAAS_ACTOR"
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _stack(text: str) -> StackName:
    try:
        return StackName.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _commit(text: str) -> str:
    if not COMMIT_SHA.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a full 40-character lowercase hex commit SHA")
    return text


def _time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time, e.g. 2026-01-31T12:00:00Z") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no time zone; add Z or +HH:MM")
    try:
        check_applied_at(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def _actor(text: str) -> str:
    try:
        check_actor(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc}") from None
    return text


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("record-apply", help="record a stack's apply (commit, result, outputs) in the control plane")
    p.add_argument("--stack", required=True, type=_stack, help="<region> (platform) or <region>.<tenant-id> (tenant)")
    p.add_argument("--commit", required=True, type=_commit, help="the commit that was applied (full SHA)")
    p.add_argument("--result", required=True, choices=[r.value for r in ApplyResult])
    p.add_argument("--error", metavar="TEXT", help="why the apply failed (required with --result failed)")
    p.add_argument("--outputs", metavar="FILE",
                   help="`pulumi stack output --json` of the stack (required for a succeeded tenant stack); "
                        "'[secret]' values are dropped, anything else secret is refused")
    p.add_argument("--time", type=_time, metavar="ISO8601", help="when the apply finished (default: now)")
    p.add_argument("--actor", type=_actor,
                   help=f"who applied it, e.g. the CI job: one line (default: ${ACTOR_ENV}, else $USER)")
    p.add_argument("--database-url", metavar="URL",
                   help=f"control-plane DSN of the dbaas_recorder role (default: ${DATABASE_URL_ENV}); prefer PGPASSWORD")
    p.add_argument("--tenants-dir", metavar="DIR",
                   help="tenants tree as it was at the applied commit (default: read from git at --commit)")
    p.set_defaults(func=cmd_record_apply)


def cmd_record_apply(args: argparse.Namespace) -> int:
    stack: StackName = args.stack
    result = ApplyResult(args.result)
    usage = _usage_problem(args, stack, result)
    if usage:
        print(f"dbaas record-apply: {usage}", file=sys.stderr)
        return EXIT_USAGE
    dsn = args.database_url or os.environ.get(DATABASE_URL_ENV, "")
    actor = args.actor or os.environ.get(ACTOR_ENV) or os.environ.get("USER") or "dbaas record-apply"
    try:
        check_actor(actor)
    except ValueError as exc:
        print(f"dbaas record-apply: ${ACTOR_ENV} or $USER: {exc}", file=sys.stderr)
        return EXIT_USAGE
    tenant = _tenant(stack, args.tenants_dir, args.commit) if stack.tenant_id else None
    outputs = load_plain_outputs(Path(args.outputs)) if args.outputs else None
    if outputs is not None:
        _check_outputs(outputs, tenant, result)
    record = ApplyRecord(
        stack=stack, commit=args.commit, result=result,
        error=args.error if result is ApplyResult.failed else None,
        outputs=outputs.values if outputs else {},
        applied_at=args.time or datetime.now(timezone.utc),
        recorded_by=actor,
    )
    try:
        with connect_as_recorder(dsn, "dbaas-record-apply") as conn:
            outcome = record_tenant_apply(conn, tenant, record) if tenant else record_platform_apply(conn, record)
    except (ControlPlaneUnavailable, TenantKeyConflict) as exc:
        print(f"dbaas record-apply: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # psycopg errors: one redacted line, never a traceback
        print(f"dbaas record-apply: {redact_credentials(redact(' '.join(str(exc).split()), dsn))}", file=sys.stderr)
        return EXIT_FAILED
    for path in outputs.stripped if outputs else ():
        print(f"dropped secret output {path}")
    stored = outcome.stored
    if outcome.inserted:
        print(f"recorded {stored.stack} at {stored.commit}: {stored.result.value}")
    else:
        print(f"already recorded {stored.stack} at {stored.commit}: {stored.result.value} "
              f"(recorded {stored.recorded_at.isoformat()} by {stored.recorded_by}); nothing changed")
    return EXIT_OK


def _usage_problem(args: argparse.Namespace, stack: StackName, result: ApplyResult) -> str | None:
    if result is ApplyResult.failed and not (args.error and args.error.strip()):
        return "--result failed needs --error with the reason"
    if result is ApplyResult.succeeded and args.error:
        return "--error is only for --result failed"
    if stack.tenant_id and result is ApplyResult.succeeded and not args.outputs:
        return f"a succeeded tenant stack needs --outputs (`pulumi stack output --json -s {stack}`)"
    if not (args.database_url or os.environ.get(DATABASE_URL_ENV)):
        return f"no database: pass --database-url or set {DATABASE_URL_ENV}"
    return None


def _tenant(stack: StackName, tenants_dir: str | None, commit: str) -> Tenant:
    """The declaration the stack was built from: the tenant file at the applied commit (read from
    git), or in --tenants-dir when the caller names that tree; a stack without one is refused."""
    from tools.cli_io import find_project_dir

    relative = f"{stack.region}/{stack.tenant_id}.yaml"
    if tenants_dir is not None:
        root = Path(tenants_dir)
        path = root / relative
        if not path.is_file():
            raise _unknown_tenant(f"{root.name}/{relative}", stack)
        return load_tenant_file(path, root)
    from tools.offline.diff_revisions import Checkout, git

    try:
        checkout = Checkout.of(find_project_dir())
    except InputError:
        raise InputError([Problem("(git)", 1, 1, "--commit", "the project is not a git checkout: pass --tenants-dir "
                                                            "with the tenants tree at the applied commit")]) from None
    shown = f"{commit[:12]}:tenants/{relative}"
    try:
        git(checkout.root, "cat-file", "-e", "--end-of-options", f"{commit}^{{commit}}")
    except RuntimeError:
        raise InputError([Problem("(git)", 1, 1, "--commit", f"{commit} is not a commit of {checkout.root}: fetch it, "
                                                            "or pass --tenants-dir with the tenants tree at that commit")]) from None
    try:
        raw = git(checkout.root, "show", "--end-of-options", f"{commit}:{checkout.prefix}tenants/{relative}", binary=True)
    except RuntimeError:
        raise _unknown_tenant(shown, stack) from None
    tenant = parse_tenant(load_bytes(raw, shown))  # type: ignore[arg-type]
    if (tenant.id, tenant.data_region) != (stack.tenant_id, stack.region):
        raise InputError([Problem(shown, 1, 1, "id", f"declares tenant {tenant.id!r} of region {tenant.data_region!r}, "
                                                     f"not the stack's {stack}")])
    return tenant


def _unknown_tenant(shown: str, stack: StackName) -> InputError:
    return InputError([Problem(shown, 1, 1, "(file)", f"stack {stack} names tenant {stack.tenant_id!r}, which has no "
                                                      f"declaration in region {stack.region!r}: unknown tenant")])


def _check_outputs(outputs: PlainOutputs, tenant: Tenant | None, result: ApplyResult) -> None:
    """Refuse, located in the outputs file, what the recorder would refuse: a tenant's outputs that
    are not the contract or name an undeclared service; a platform value holding a credential."""
    try:
        if tenant is None:
            platform_record(outputs.values)
        elif result is ApplyResult.succeeded or tenant_contract(outputs.values, tenant.id) is not None:
            tenant_record(outputs.values, tenant)
    except OutputsRefused as exc:
        raise InputError([outputs.document.problem(loc, message) for loc, message in exc.problems]) from None
