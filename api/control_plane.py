"""The API's side of the control-plane database: what was applied, and the audit trail.

Every access runs in `tenant_transaction` with the key of the one tenant the caller was just
authorised for, as the application role: row-level security, not only this code, keeps one
org's request from reading another's rows. Without a database URL the API still serves the
declarations (status `unknown`); writes then append no audit event.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import psycopg
from pydantic import SecretStr

from api.errors import ControlPlaneUnavailable
from tools.controlplane import app_connection
from tools.controlplane.apply_records import (AuditEvent, StoredApply, TenantKeyConflict, append_audit_event, audit_trail,
                                        register_tenant, tenant_applies)
from tools.controlplane.cli import redact
from tools.controlplane.tenant_identity import tenant_key
from tools.controlplane.tenant_scope import tenant_transaction
from declarations.tenant_model import Tenant

log = logging.getLogger("dbaas.api")
T = TypeVar("T")


class ControlPlane:
    def __init__(self, database_url: SecretStr | None):
        self._dsn = database_url.get_secret_value() if database_url else None

    @property
    def configured(self) -> bool:
        return self._dsn is not None

    def check(self) -> None:
        """Connect once as the application role (start-up check); ControlPlaneUnavailable if not."""
        with self._connection() as conn:
            conn.execute("SELECT 1")

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        if self._dsn is None:
            raise ControlPlaneUnavailable("no control-plane database is configured (DBAAS_API_DATABASE_URL)")
        try:
            conn = app_connection.connect_as_app(self._dsn, "dbaas-api")
        except app_connection.ControlPlaneUnavailable as exc:
            raise ControlPlaneUnavailable(f"the control-plane database is unavailable: {exc}") from None
        try:
            yield conn
        except psycopg.Error as exc:
            log.error("control-plane query failed: %s", redact(" ".join(str(exc).split()), self._dsn))
            raise ControlPlaneUnavailable("the control-plane database could not answer; retry later") from None
        except TenantKeyConflict as exc:
            log.error("%s", exc)
            raise ControlPlaneUnavailable("the tenant's control-plane record needs repair by the platform team") from None
        finally:
            conn.close()

    def _in_tenant(self, tenant_id: str, work: Callable[[psycopg.Connection], T]) -> T:
        with self._connection() as conn, tenant_transaction(conn, tenant_key(tenant_id)):
            return work(conn)

    def applies(self, tenant_id: str, stack: str) -> list[StoredApply] | None:
        """The stack's recorded applies, newest first; None when no database is configured or it
        cannot be reached (the API then answers `unknown` instead of failing the read)."""
        if not self.configured:
            return None
        try:
            return self._in_tenant(tenant_id, lambda conn: tenant_applies(conn, stack))
        except ControlPlaneUnavailable as exc:
            log.warning("answering status unknown for %s: %s", stack, exc.detail)
            return None

    def audit(self, tenant_id: str, limit: int) -> list[AuditEvent]:
        return self._in_tenant(tenant_id, lambda conn: audit_trail(conn, limit))

    @contextmanager
    def recording_change(self, tenant: Tenant, actor: str, action: str, commit: str,
                         detail: dict[str, Any]) -> Iterator[None]:
        """Append the change's audit event in a transaction that commits only if the body (the
        git publish) succeeds: a refused publish leaves no event, a failed audit no branch."""
        if not self.configured:
            yield
            return
        with self._connection() as conn, tenant_transaction(conn, tenant_key(tenant.id)):
            register_tenant(conn, tenant)
            append_audit_event(conn, action, tenant.id, actor, commit, detail)
            yield
