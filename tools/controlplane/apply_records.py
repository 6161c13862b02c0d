"""Recorded applies of stacks, written by the recorder role (dbaas_recorder) under RLS and read by
the application role (dbaas_app), which may no longer write them (migration 0005).

A tenant stack's apply goes to `dbaas.stack_applies` inside the tenant's own scope
(`tenant_transaction`); a platform stack's apply goes to `dbaas.platform_applies` inside the
platform scope. Either insert appends its audit event in the same transaction (a database trigger,
so no caller can skip it). "The same apply" is the same stack, commit and result: recording it
again changes nothing and reports the first record.

What is stored is checked here, for every caller (`dbaas record-apply`, `dbaas up`): outputs are
cut to the declared contract (tools/controlplane/recorded_outputs.py), error text is plain text
with every credential redacted (tools/controlplane/credentials.py), the actor is one line, and the
apply's time is no later than now plus MAX_CLOCK_SKEW.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from tools.controlplane.credentials import control_characters, plain_text, redact_credentials
from tools.controlplane.recorded_outputs import platform_record, tenant_record
from tools.controlplane.tenant_identity import tenant_key
from tools.controlplane.tenant_scope import platform_transaction, tenant_transaction
from declarations.outputs_contract import tenant_contract
from declarations.regions import KNOWN_REGIONS
from declarations.tenant_model import Tenant

STACK_NAME = re.compile(r"^(?P<region>[a-z]{2,20})(\.(?P<tenant>[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?))?$")
COMMIT_SHA = re.compile(r"^[0-9a-f]{40}$")
MAX_ERROR_CHARS = 4000
MAX_ACTOR_CHARS = 200
MAX_CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future an apply's time may be. A CI runner's clock is NTP-synchronised and off by
well under a second; 5 minutes is the tolerance Kerberos uses by default (MIT krb5 `clockskew`,
300 s). A later time would make the record "the latest apply" until then, hiding every real one
(the API orders applies by this time); migration 0005 enforces the same bound in the database."""


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
        check_applied_at(self.applied_at)
        check_actor(self.recorded_by)


def check_applied_at(applied_at: datetime) -> None:
    """A time with a zone, no later than now plus MAX_CLOCK_SKEW."""
    if applied_at.tzinfo is None:
        raise ValueError("applied_at must carry a time zone")
    latest = datetime.now(timezone.utc) + MAX_CLOCK_SKEW
    if applied_at > latest:
        raise ValueError(f"{applied_at.isoformat()} is in the future (more than {int(MAX_CLOCK_SKEW.total_seconds() // 60)} "
                         "minutes of clock skew ahead of now); record the time the apply finished")


def check_actor(actor: str) -> None:
    """One line of 1 to MAX_ACTOR_CHARS characters: no newline, control or bidi character that could
    fake a second audit line or hide what follows."""
    if not 1 <= len(actor) <= MAX_ACTOR_CHARS:
        raise ValueError(f"the actor must have 1 to {MAX_ACTOR_CHARS} characters, not {len(actor)}")
    found = control_characters(actor)
    if found:
        raise ValueError(f"the actor must be one line of text; it holds control or format characters ({', '.join(found)})")


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


def stored_error(text: str) -> str:
    """Error text as it is stored and audited: plain text, every credential redacted (before it is
    cut, so a PEM block or a URI is never half-kept), the last MAX_ERROR_CHARS characters."""
    return truncate_error(redact_credentials(plain_text(text)))


def _as_stored(record: ApplyRecord, outputs: dict[str, Any]) -> ApplyRecord:
    error = stored_error(record.error) if record.error is not None else None
    return dataclasses.replace(record, outputs=outputs, error=error)


def record_tenant_apply(conn: psycopg.Connection, tenant: Tenant, record: ApplyRecord) -> RecordOutcome:
    """Register the tenant (idempotent) and insert the apply unless it is already there; the
    database appends its audit event. `tenant` is the declaration at the applied commit: the
    outputs keep only the contract's fields, for services it declares (OutputsRefused otherwise);
    a succeeded apply must carry the contract, a failed one keeps it only if it has one."""
    if record.stack.tenant_id != tenant.id or record.stack.region != tenant.data_region:
        raise ValueError(f"stack {record.stack} does not belong to tenant {tenant.id!r} of region {tenant.data_region!r}")
    keep = record.result is ApplyResult.succeeded or tenant_contract(record.outputs, tenant.id) is not None
    record = _as_stored(record, tenant_record(record.outputs, tenant) if keep else {})
    with tenant_transaction(conn, tenant_key(tenant.id)):
        register_tenant(conn, tenant)
        inserted, stored = _insert_once(conn, "dbaas.stack_applies", record, in_tenant_scope=True)
        return RecordOutcome(inserted=inserted, stored=stored, audit_events=1 if inserted else 0)


def record_platform_apply(conn: psycopg.Connection, record: ApplyRecord) -> RecordOutcome:
    """A platform stack's apply, in the platform scope (no tenant): only the platform contract's
    declared, non-secret outputs are kept; the database appends a platform audit event."""
    if record.stack.tenant_id is not None:
        raise ValueError(f"{record.stack} is a tenant stack")
    record = _as_stored(record, platform_record(record.outputs))
    with platform_transaction(conn):
        inserted, stored = _insert_once(conn, "dbaas.platform_applies", record, in_tenant_scope=False)
        return RecordOutcome(inserted=inserted, stored=stored, audit_events=1 if inserted else 0)


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
