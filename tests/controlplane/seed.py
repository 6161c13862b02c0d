"""Two tenants with one row in every tenant-owned table, inserted as the superuser.

Ids are fixed so tests can aim at the other tenant's exact rows.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import psycopg


@dataclass(frozen=True)
class TenantRows:
    tenant_id: uuid.UUID
    slug: str
    user_id: uuid.UUID
    api_key_id: uuid.UUID
    service_id: uuid.UUID
    backup_id: uuid.UUID
    audit_id: uuid.UUID
    email: str = "ops@example.com"
    service_name: str = "orders"


def _rows(prefix: str, slug: str) -> TenantRows:
    ids = [uuid.UUID(f"{prefix}-0000-4000-8000-{n:012d}") for n in range(6)]
    return TenantRows(ids[0], slug, *ids[1:])


APPLIED_COMMIT = "c0ffee" + "0" * 34
"""The commit of each seeded tenant's one recorded apply."""

TENANT_A = _rows("aaaaaaaa", "acme")
TENANT_B = _rows("bbbbbbbb", "globex")
TENANTS = (TENANT_A, TENANT_B)

ROWS_PER_TENANT = {"tenants": 1, "users": 1, "api_keys": 1, "services": 1, "backups": 1, "audit_events": 2,
                   "service_backup_status": 1, "stack_applies": 1}
"""What one tenant sees in each relation the application can read (plans: the whole catalog)."""


def seed(conn: psycopg.Connection) -> None:
    for t in TENANTS:
        conn.execute("INSERT INTO dbaas.tenants (id, slug, display_name, plan_id, data_region) "
                     "VALUES (%s, %s, %s, 'standard', 'lagos')", (t.tenant_id, t.slug, t.slug.title()))
        conn.execute("INSERT INTO dbaas.users (tenant_id, id, email, role) VALUES (%s, %s, %s, 'owner')",
                     (t.tenant_id, t.user_id, t.email))
        conn.execute("INSERT INTO dbaas.api_keys (tenant_id, id, user_id, name, key_prefix, key_sha256) "
                     "VALUES (%s, %s, %s, 'ci', 'AbCd1234', %s)",
                     (t.tenant_id, t.api_key_id, t.user_id, hashlib.sha256(t.slug.encode()).digest()))
        conn.execute("INSERT INTO dbaas.services (tenant_id, id, name, engine, version, status) "
                     "VALUES (%s, %s, %s, 'yugabyte', '2024.2', 'ready')", (t.tenant_id, t.service_id, t.service_name))
        conn.execute("INSERT INTO dbaas.backups (tenant_id, id, service_id, kind, status, finished_at, size_bytes) "
                     "VALUES (%s, %s, %s, 'full', 'completed', now(), 1024)", (t.tenant_id, t.backup_id, t.service_id))
        conn.execute("INSERT INTO dbaas.audit_events (tenant_id, id, actor_user_id, action) "
                     "VALUES (%s, %s, %s, 'service.created')", (t.tenant_id, t.audit_id, t.user_id))
        # the apply's audit trigger writes as dbaas_owner, under RLS: it needs the tenant in scope
        conn.execute("SELECT set_config('app.tenant_id', %s, true)", (str(t.tenant_id),))
        conn.execute("INSERT INTO dbaas.stack_applies (tenant_id, stack, commit_sha, result, applied_at, recorded_by) "
                     "VALUES (%s, %s, %s, 'succeeded', now(), 'seed')", (t.tenant_id, f"lagos.{t.slug}", APPLIED_COMMIT))
