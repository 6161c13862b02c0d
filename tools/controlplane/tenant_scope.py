"""The one documented way the application chooses a tenant: per transaction, never per session.

`set_config('app.tenant_id', ..., true)` is transaction-local, so when the transaction ends the
setting is gone: a pooled connection (PgBouncer in transaction mode) handed to the next client
carries no tenant, and RLS fails closed. A session-level `SET app.tenant_id` would survive on
the server connection and leak to whoever gets it next; it is never used.

    with tenant_transaction(conn, tenant_id) as tx:
        tx.execute("SELECT name FROM dbaas.services").fetchall()
"""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from typing import Iterator

import psycopg
from psycopg.pq import TransactionStatus

TENANT_SETTING = "app.tenant_id"
SCOPE_SETTING = "app.scope"
PLATFORM_SCOPE = "platform"


class TenantScopeError(RuntimeError):
    """The helper was misused: it must open the transaction it scopes."""


@contextmanager
def tenant_transaction(conn: psycopg.Connection, tenant_id: uuid.UUID) -> Iterator[psycopg.Connection]:
    """Open a transaction on `conn` in which exactly `tenant_id` is in scope; commit on exit.

    Refuses to run inside a transaction that is already open: the scope would otherwise
    apply to statements that ran before it, possibly on behalf of another tenant.
    """
    if not isinstance(tenant_id, uuid.UUID):
        raise TypeError(f"tenant_id must be a uuid.UUID, got {type(tenant_id).__name__}")
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise TenantScopeError("tenant_transaction must begin its own transaction; one is already open")
    with conn.transaction():
        conn.execute("SELECT set_config(%s, %s, true)", (TENANT_SETTING, str(tenant_id)))
        yield conn


@contextmanager
def platform_transaction(conn: psycopg.Connection) -> Iterator[psycopg.Connection]:
    """A transaction with no tenant and the platform scope: only platform-owned rows
    (`dbaas.platform_applies`) are visible. Used by `dbaas record-apply` for platform stacks;
    the API never opens one, so no tenant's request can reach those rows."""
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise TenantScopeError("platform_transaction must begin its own transaction; one is already open")
    with conn.transaction():
        conn.execute("SELECT set_config(%s, '', true), set_config(%s, %s, true)",
                     (TENANT_SETTING, SCOPE_SETTING, PLATFORM_SCOPE))
        yield conn
