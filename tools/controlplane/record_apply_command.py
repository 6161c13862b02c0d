"""`dbaas record-apply`: tell the control plane that a stack was applied, and how it went.

Any CI system calls it after `pulumi up` (and `pulumi stack output --json`), so the API can
answer with the status and the connection of every service. It connects as the application
role only, writes under the tenant's own RLS scope, and is idempotent per (stack, commit, result).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime, timezone
from pathlib import Path

from pydantic import ValidationError

from tools.controlplane.app_connection import ControlPlaneUnavailable, connect_as_app
from tools.controlplane.apply_records import (COMMIT_SHA, ApplyRecord, ApplyResult, StackName, TenantKeyConflict,
                                        record_platform_apply, record_tenant_apply, truncate_error)
from tools.controlplane.cli import redact
from tools.controlplane.stack_outputs import PlainOutputs, load_plain_outputs
from declarations.errors import InputError, Problem
from declarations.outputs_contract import TENANT_OUTPUTS_EXPORT, TenantOutputs, tenant_contract
from declarations.tenant_loader import load_tenant_file
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
    return value


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
    p.add_argument("--actor", help=f"who applied it, e.g. the CI job (default: ${ACTOR_ENV}, else $USER)")
    p.add_argument("--database-url", metavar="URL",
                   help=f"control-plane DSN of the dbaas_app role (default: ${DATABASE_URL_ENV}); prefer PGPASSWORD")
    p.add_argument("--tenants-dir", metavar="DIR", help="tenants tree at the applied commit (default: ./tenants of the project)")
    p.set_defaults(func=cmd_record_apply)


def cmd_record_apply(args: argparse.Namespace) -> int:
    stack: StackName = args.stack
    result = ApplyResult(args.result)
    usage = _usage_problem(args, stack, result)
    if usage:
        print(f"dbaas record-apply: {usage}", file=sys.stderr)
        return EXIT_USAGE
    dsn = args.database_url or os.environ.get(DATABASE_URL_ENV, "")
    tenant = _tenant(stack, args.tenants_dir) if stack.tenant_id else None
    outputs = load_plain_outputs(Path(args.outputs)) if args.outputs else None
    if tenant is not None and result is ApplyResult.succeeded:
        _check_contract(outputs, tenant)  # type: ignore[arg-type]
    record = ApplyRecord(
        stack=stack, commit=args.commit, result=result,
        error=truncate_error(args.error) if result is ApplyResult.failed else None,
        outputs=outputs.values if outputs else {},
        applied_at=args.time or datetime.now(timezone.utc),
        recorded_by=(args.actor or os.environ.get(ACTOR_ENV) or os.environ.get("USER") or "dbaas record-apply")[:200],
    )
    try:
        with connect_as_app(dsn, "dbaas-record-apply") as conn:
            outcome = record_tenant_apply(conn, tenant, record) if tenant else record_platform_apply(conn, record)
    except (ControlPlaneUnavailable, TenantKeyConflict) as exc:
        print(f"dbaas record-apply: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as exc:  # psycopg errors: one redacted line, never a traceback
        print(f"dbaas record-apply: {redact(' '.join(str(exc).split()), dsn)}", file=sys.stderr)
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


def _tenant(stack: StackName, tenants_dir: str | None) -> Tenant:
    """The declaration the stack was built from; a stack without one is refused."""
    from dbaas.cli import find_project_dir

    root = Path(tenants_dir) if tenants_dir else find_project_dir() / "tenants"
    path = root / stack.region / f"{stack.tenant_id}.yaml"
    if not path.is_file():
        shown = f"{root.name}/{stack.region}/{stack.tenant_id}.yaml"
        raise InputError([Problem(shown, 1, 1, "(file)", f"stack {stack} names tenant {stack.tenant_id!r}, which has no "
                                                         f"declaration in region {stack.region!r}: unknown tenant")])
    return load_tenant_file(path, root)


def _check_contract(outputs: PlainOutputs, tenant: Tenant) -> None:
    """A succeeded tenant apply must carry the tenant outputs contract: the API's connection."""
    contract = tenant_contract(outputs.values, tenant.id)
    doc = outputs.document
    if contract is None:
        raise InputError([doc.problem((), f"no tenant outputs for {tenant.id!r}: expected `services`, `bucket` and "
                                          f"`kms_key_arn` (or `{TENANT_OUTPUTS_EXPORT}.{tenant.id}`)")])
    prefix = () if contract is outputs.values else (TENANT_OUTPUTS_EXPORT, tenant.id)
    try:
        TenantOutputs.model_validate(contract)
    except ValidationError as exc:
        raise InputError([doc.problem((*prefix, *e["loc"]), e["msg"]) for e in exc.errors(include_url=False)]) from None
