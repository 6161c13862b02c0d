"""Recorded applies of stacks, written and read by the application role under RLS.

A tenant stack's apply goes to `dbaas.stack_applies` inside the tenant's own scope
(`tenant_transaction`), and appends an audit event in the same transaction; a platform stack's
apply goes to `dbaas.platform_applies` inside the platform scope. "The same apply" is the same
stack, commit and result: recording it again changes nothing and reports the first record.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from tools.controlplane.tenant_identity import tenant_key
from tools.controlplane.tenant_scope import platform_transaction, tenant_transaction
from declarations.regions import KNOWN_REGIONS
from declarations.tenant_model import Tenant

STACK_NAME = re.compile(r"^(?P<region>[a-z]{2,20})(\.(?P<tenant>[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?))?$")
COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")
MAX_ERROR_CHARS = 4000


class ApplyResult(str, Enum):
    succeeded = "succeeded"
    failed = "failed"


@dataclass(frozen=True)
class StackName:
    """`<region>` (the platform stack) or `<region>.<tenant-id>` (a tenant stack)."""

    region: str
    tenant_id: str | None

    @classmethod
    def parse(cls, text: str) -> "StackName":
        match = STACK_NAME.match(text)
        if not match:
            raise ValueError(f"{text!r} is not a stack name: expected <region> or <region>.<tenant-id>, e.g. lagos.acme")
        if match["region"] not in KNOWN_REGIONS:
            raise ValueError(f"{text!r}: unknown region {match['region']!r} (known: {', '.join(KNOWN_REGIONS)})")
        return cls(match["region"], match["tenant"])

    def __str__(self) -> str:
        return self.region if self.tenant_id is None else f"{self.region}.{self.tenant_id}"


@dataclass(frozen=True)
class ApplyRecord:
    stack: StackName
    commit: str
    result: ApplyResult
    error: str | None
    outputs: dict[str, Any]
    applied_at: datetime
    recorded_by: str

    def __post_init__(self) -> None:
        if not COMMIT_SHA.match(self.commit):
            raise ValueError(f"commit {self.commit!r} must be a full 40-character lowercase hex SHA")
        if (self.result is ApplyResult.failed) != (self.error is not None):
            raise ValueError("a failed apply needs its error, and only a failed apply has one")
        if self.applied_at.tzinfo is None:
            raise ValueError("applied_at must carry a time zone")


@dataclass(frozen=True)
class StoredApply:
    """One row as read back."""

    stack: str
    commit: str
    result: ApplyResult
    error: str | None
    outputs: dict[str, Any]
    applied_at: datetime
    recorded_at: datetime
    recorded_by: str


@dataclass
class RecordOutcome:
    inserted: bool
    stored: StoredApply
    audit_events: int = field(default=0)



_COLUMNS = "stack, commit_sha, result, error, outputs, applied_at, recorded_at, recorded_by"


def _stored(row: tuple) -> StoredApply:
    stack, commit, result, error, outputs, applied_at, recorded_at, recorded_by = row
    return StoredApply(stack, commit, ApplyResult(result), error, outputs, applied_at, recorded_at, recorded_by)


class TenantKeyConflict(RuntimeError):
    """The tenant's id is registered under another key than the one derived from it."""


def register_tenant(conn: psycopg.Connection, tenant: Tenant) -> None:
    """Register the tenant in scope under its derived key (idempotent; inside `tenant_transaction`)."""
    try:
        conn.execute("SELECT dbaas.register_tenant(%s, %s, %s, %s)",
                     (tenant.id, tenant.name, tenant.plan.value, tenant.data_region))
    except psycopg.errors.UniqueViolation:
        raise TenantKeyConflict(
            f"tenant {tenant.id!r} is already in dbaas.tenants under a key other than dbaas.tenant_key({tenant.id!r}) "
            f"({tenant_key(tenant.id)}); re-key that row as the migrator first") from None


def truncate_error(text: str) -> str:
    """Pulumi puts the reason at the end of its output: keep the last MAX_ERROR_CHARS characters."""
    text = text.strip() or "(no error message)"
    return text if len(text) <= MAX_ERROR_CHARS else "…" + text[-(MAX_ERROR_CHARS - 1):]


def record_tenant_apply(conn: psycopg.Connection, tenant: Tenant, record: ApplyRecord) -> RecordOutcome:
    """Register the tenant (idempotent), insert the apply unless it is already there, and audit it."""
    if record.stack.tenant_id != tenant.id or record.stack.region != tenant.data_region:
        raise ValueError(f"stack {record.stack} does not belong to tenant {tenant.id!r} of region {tenant.data_region!r}")
    with tenant_transaction(conn, tenant_key(tenant.id)):
        register_tenant(conn, tenant)
        inserted, stored = _insert_once(conn, "dbaas.stack_applies", record, in_tenant_scope=True)
        if not inserted:
            return RecordOutcome(inserted=False, stored=stored)
        detail = {"result": record.result.value} | ({"error": record.error} if record.error else {})
        append_audit_event(conn, f"stack.apply_{record.result.value}", str(record.stack), record.recorded_by,
                           record.commit, detail)
        return RecordOutcome(inserted=True, stored=stored, audit_events=1)


def record_platform_apply(conn: psycopg.Connection, record: ApplyRecord) -> RecordOutcome:
    """A platform stack's apply, in the platform scope (no tenant, no tenant audit trail)."""
    if record.stack.tenant_id is not None:
        raise ValueError(f"{record.stack} is a tenant stack")
    with platform_transaction(conn):
        inserted, stored = _insert_once(conn, "dbaas.platform_applies", record, in_tenant_scope=False)
        return RecordOutcome(inserted=inserted, stored=stored)


def _insert_once(conn: psycopg.Connection, table: str, record: ApplyRecord, *, in_tenant_scope: bool) -> tuple[bool, StoredApply]:
    """Insert the apply, or read the one already recorded for (stack, commit, result): recording the
    same apply twice changes nothing. A tenant's row takes its tenant from the transaction's scope."""
    tenant_column, tenant_value = (("tenant_id, ", "NULLIF(current_setting('app.tenant_id', true), '')::uuid, ")
                                   if in_tenant_scope else ("", ""))
    key = (str(record.stack), record.commit, record.result.value)
    row = conn.execute(
        f"""INSERT INTO {table} ({tenant_column}stack, commit_sha, result, error, outputs, applied_at, recorded_by)
            VALUES ({tenant_value}%s, %s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING {_COLUMNS}""",
        (*key, record.error, Jsonb(record.outputs), record.applied_at, record.recorded_by)).fetchone()
    if row is not None:
        return True, _stored(row)
    existing = conn.execute(
        f"SELECT {_COLUMNS} FROM {table} WHERE stack = %s AND commit_sha = %s AND result = %s", key).fetchone()
    return False, _stored(existing)


def append_audit_event(conn: psycopg.Connection, action: str, target: str, actor: str, commit: str | None,
                       detail: dict[str, Any]) -> None:
    """Append to the tenant-in-scope's audit trail (call inside `tenant_transaction`)."""
    conn.execute(
        """INSERT INTO dbaas.audit_events (tenant_id, action, target, actor, commit_sha, detail)
           VALUES (NULLIF(current_setting('app.tenant_id', true), '')::uuid, %s, %s, %s, %s, %s)""",
        (action, target, actor[:200], commit, Jsonb(detail)))


def tenant_applies(conn: psycopg.Connection, stack: str) -> list[StoredApply]:
    """The stack's applies, newest first (call inside the tenant's `tenant_transaction`)."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM dbaas.stack_applies WHERE stack = %s "
                        "ORDER BY applied_at DESC, recorded_at DESC", (stack,)).fetchall()
    return [_stored(r) for r in rows]


@dataclass(frozen=True)
class AuditEvent:
    occurred_at: datetime
    action: str
    target: str
    actor: str
    commit: str | None
    detail: dict[str, Any]


def audit_trail(conn: psycopg.Connection, limit: int) -> list[AuditEvent]:
    """The tenant-in-scope's audit events, newest first."""
    rows = conn.execute("SELECT occurred_at, action, target, actor, commit_sha, detail FROM dbaas.audit_events "
                        "ORDER BY occurred_at DESC, id LIMIT %s", (limit,)).fetchall()
    return [AuditEvent(*r) for r in rows]
