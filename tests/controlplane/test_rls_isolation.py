"""Tenant isolation, proven as the application role against a real PostgreSQL."""

from __future__ import annotations

import hashlib
import uuid

import psycopg
import pytest
from psycopg import errors

from declarations.controlplane_schema.roles import APP, MIGRATOR, RECORDER
from tools.controlplane.tenant_scope import tenant_transaction
from tests.controlplane.seed import ROWS_PER_TENANT, TENANT_A, TENANT_B

READABLE = (*ROWS_PER_TENANT, "plans")
"""Every relation the application role can read."""
PLAN_COUNT = 3

# table -> (id column, an UPDATE the app is granted) for B's row, aimed at from tenant A
UPDATES = {
    "tenants": ("id", "display_name = 'owned'", TENANT_B.tenant_id),
    "users": ("id", "role = 'viewer'", TENANT_B.user_id),
    "api_keys": ("id", "revoked_at = now()", TENANT_B.api_key_id),
    "services": ("id", "status = 'degraded'", TENANT_B.service_id),
    "backups": ("id", "status = 'failed'", TENANT_B.backup_id),
}
DELETABLE = {"users": TENANT_B.user_id, "api_keys": TENANT_B.api_key_id, "services": TENANT_B.service_id,
             "backups": TENANT_B.backup_id}


def insert_statements(t) -> dict[str, tuple[str, tuple]]:
    """One valid INSERT per tenant-owned table, for tenant `t`'s rows (the app may insert these)."""
    return {
        "users": ("INSERT INTO dbaas.users (tenant_id, email, role) VALUES (%s, 'new@example.com', 'member')",
                  (t.tenant_id,)),
        "api_keys": ("INSERT INTO dbaas.api_keys (tenant_id, user_id, name, key_prefix, key_sha256) "
                     "VALUES (%s, %s, 'x', 'ZzZz9999', %s)", (t.tenant_id, t.user_id, hashlib.sha256(b"new").digest())),
        "services": ("INSERT INTO dbaas.services (tenant_id, name, engine, version) VALUES (%s, 'cache', 'dragonfly', '1.2')",
                     (t.tenant_id,)),
        "backups": ("INSERT INTO dbaas.backups (tenant_id, service_id, kind) VALUES (%s, %s, 'wal')",
                    (t.tenant_id, t.service_id)),
        "audit_events": ("INSERT INTO dbaas.audit_events (tenant_id, action) VALUES (%s, 'user.login')", (t.tenant_id,)),
        "stack_applies": ("INSERT INTO dbaas.stack_applies (tenant_id, stack, commit_sha, result, error, applied_at, recorded_by) "
                          f"VALUES (%s, 'lagos.{t.slug}', %s, 'failed', 'boom', now(), 'ci')", (t.tenant_id, "f" * 40)),
    }


def counts(conn: psycopg.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM dbaas.{t}").fetchone()[0] for t in READABLE}


def test_fresh_session_without_tenant_sees_no_rows(db):
    with db.app() as conn:
        assert counts(conn) == {t: 0 for t in READABLE}


def test_no_rows_after_a_committed_set_local(db):
    with db.app() as conn:
        with tenant_transaction(conn, TENANT_A.tenant_id):
            assert counts(conn) == {**ROWS_PER_TENANT, "plans": PLAN_COUNT}
        # the placeholder setting survives as '', which NULLIF turns into "no tenant"
        assert conn.execute("SELECT current_setting('app.tenant_id', true)").fetchone()[0] == ""
        assert counts(conn) == {t: 0 for t in READABLE}


def test_empty_and_malformed_settings_fail_closed(db):
    with db.app() as conn:
        conn.execute("SELECT set_config('app.tenant_id', '', true)")
        assert counts(conn) == {t: 0 for t in READABLE}
        conn.rollback()
        conn.execute("SELECT set_config('app.tenant_id', 'not-a-uuid', true)")
        with pytest.raises(errors.InvalidTextRepresentation) as exc:
            conn.execute("SELECT count(*) FROM dbaas.services")
        assert exc.value.sqlstate == "22P02"


def test_tenant_sees_exactly_its_own_rows(db):
    with db.app() as conn, tenant_transaction(conn, TENANT_A.tenant_id):
        for table in ("users", "api_keys", "services", "backups", "audit_events", "service_backup_status", "stack_applies"):
            owners = conn.execute(f"SELECT DISTINCT tenant_id FROM dbaas.{table}").fetchall()
            assert owners == [(TENANT_A.tenant_id,)], table
        assert conn.execute("SELECT id FROM dbaas.tenants").fetchall() == [(TENANT_A.tenant_id,)]


def test_other_tenants_rows_are_invisible_by_id(db):
    with db.app() as conn, tenant_transaction(conn, TENANT_A.tenant_id):
        for table, (column, _, b_id) in UPDATES.items():
            assert conn.execute(f"SELECT count(*) FROM dbaas.{table} WHERE {column} = %s", (b_id,)).fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM dbaas.audit_events WHERE id = %s", (TENANT_B.audit_id,)).fetchone()[0] == 0


def test_updates_and_deletes_of_other_tenants_rows_touch_nothing(db):
    with db.app() as conn, tenant_transaction(conn, TENANT_A.tenant_id):
        for table, (column, assignment, b_id) in UPDATES.items():
            assert conn.execute(f"UPDATE dbaas.{table} SET {assignment} WHERE {column} = %s", (b_id,)).rowcount == 0, table
        for table, b_id in DELETABLE.items():
            assert conn.execute(f"DELETE FROM dbaas.{table} WHERE id = %s", (b_id,)).rowcount == 0, table
    with db.connect() as admin:  # superuser: B's rows are all still there, unchanged
        b = TENANT_B.tenant_id
        assert admin.execute("SELECT status FROM dbaas.services WHERE tenant_id = %s", (b,)).fetchall() == [("ready",)]
        assert admin.execute("SELECT role FROM dbaas.users WHERE tenant_id = %s", (b,)).fetchall() == [("owner",)]
        assert admin.execute("SELECT count(*) FROM dbaas.backups WHERE tenant_id = %s AND status = 'completed'",
                             (b,)).fetchone()[0] == 1


@pytest.mark.parametrize("table", sorted(insert_statements(TENANT_B)))
def test_inserting_rows_for_another_tenant_is_refused(db, table):
    statement, params = insert_statements(TENANT_B)[table]
    with db.connect(RECORDER if table == "stack_applies" else APP) as conn:  # only the recorder writes applies
        with pytest.raises(errors.InsufficientPrivilege) as exc, tenant_transaction(conn, TENANT_A.tenant_id):
            conn.execute(statement, params)
        assert exc.value.sqlstate == "42501"
        assert "row-level security" in exc.value.diag.message_primary
        with tenant_transaction(conn, TENANT_A.tenant_id):  # the same insert for its own tenant works
            own, own_params = insert_statements(TENANT_A)[table]
            assert conn.execute(own, own_params).rowcount == 1


def test_app_cannot_move_a_row_to_another_tenant(db):
    """tenant_id is not among the app's updatable columns: refused before RLS is even asked."""
    with db.app() as conn:
        with pytest.raises(errors.InsufficientPrivilege) as exc, tenant_transaction(conn, TENANT_A.tenant_id):
            conn.execute("UPDATE dbaas.services SET tenant_id = %s WHERE id = %s", (TENANT_B.tenant_id, TENANT_A.service_id))
        assert exc.value.sqlstate == "42501"


def test_with_check_stops_even_a_fully_privileged_role_moving_rows(db):
    """The migrator acts with the owner's privileges; FORCE + WITH CHECK still refuse the move."""
    with db.connect(MIGRATOR) as conn:
        with pytest.raises(errors.InsufficientPrivilege) as exc, tenant_transaction(conn, TENANT_A.tenant_id):
            conn.execute("UPDATE dbaas.services SET tenant_id = %s WHERE id = %s", (TENANT_B.tenant_id, TENANT_A.service_id))
        assert exc.value.sqlstate == "42501"
        assert exc.value.diag.message_primary == 'new row violates row-level security policy for table "services"'
        assert conn.execute("SELECT count(*) FROM dbaas.services").fetchone()[0] == 0  # owner without tenant: nothing


def test_foreign_keys_do_not_reveal_other_tenants_rows(db):
    """Referencing B's real service fails exactly like referencing a service that never existed."""
    def fk_error(service_id: uuid.UUID) -> str:
        with db.app() as conn:
            with pytest.raises(errors.ForeignKeyViolation) as exc, tenant_transaction(conn, TENANT_A.tenant_id):
                conn.execute("INSERT INTO dbaas.backups (tenant_id, service_id, kind) VALUES (%s, %s, 'full')",
                             (TENANT_A.tenant_id, service_id))
            assert exc.value.sqlstate == "23503"
            return exc.value.diag.message_detail.replace(str(service_id), "<id>")

    assert fk_error(TENANT_B.service_id) == fk_error(uuid.uuid4())


def test_unique_constraints_do_not_reveal_other_tenants_values(db):
    with db.app() as conn, tenant_transaction(conn, TENANT_A.tenant_id):
        conn.execute("DELETE FROM dbaas.api_keys")
        conn.execute("DELETE FROM dbaas.users")
        assert conn.execute("INSERT INTO dbaas.users (tenant_id, id, email, role) VALUES (%s, %s, %s, 'owner')",
                            (TENANT_A.tenant_id, TENANT_A.user_id, TENANT_B.email)).rowcount == 1
        assert conn.execute("INSERT INTO dbaas.api_keys (tenant_id, user_id, name, key_prefix, key_sha256) "
                            "VALUES (%s, %s, 'dup', 'AbCd1234', %s)",
                            (TENANT_A.tenant_id, TENANT_A.user_id, hashlib.sha256(TENANT_B.slug.encode()).digest())).rowcount == 1
        assert conn.execute("UPDATE dbaas.services SET name = %s", (TENANT_B.service_name,)).rowcount == 1


def test_pooled_connection_reuse_does_not_leak(db):
    """One server connection serving A, then B, then an unscoped client, as PgBouncer would."""
    with db.app() as conn:
        with tenant_transaction(conn, TENANT_A.tenant_id):
            assert conn.execute("SELECT tenant_id FROM dbaas.services").fetchall() == [(TENANT_A.tenant_id,)]
        with tenant_transaction(conn, TENANT_B.tenant_id):
            assert conn.execute("SELECT tenant_id FROM dbaas.services").fetchall() == [(TENANT_B.tenant_id,)]
        with pytest.raises(errors.DivisionByZero), tenant_transaction(conn, TENANT_A.tenant_id):
            conn.execute("SELECT 1 / 0")  # a failed, rolled-back transaction must not keep the scope either
        assert counts(conn) == {t: 0 for t in READABLE}


def test_security_definer_function_filters_by_tenant(db):
    with db.app() as conn:
        with tenant_transaction(conn, TENANT_A.tenant_id):
            assert conn.execute("SELECT dbaas.touch_api_key(%s)", (TENANT_A.api_key_id,)).fetchone()[0] is True
            assert conn.execute("SELECT dbaas.touch_api_key(%s)", (TENANT_B.api_key_id,)).fetchone()[0] is False
        assert conn.execute("SELECT dbaas.touch_api_key(%s)", (TENANT_A.api_key_id,)).fetchone()[0] is False
        conn.commit()
    with db.connect() as admin:
        rows = admin.execute("SELECT tenant_id, last_used_at IS NOT NULL FROM dbaas.api_keys ORDER BY tenant_id").fetchall()
        assert rows == [(TENANT_A.tenant_id, True), (TENANT_B.tenant_id, False)]


@pytest.mark.parametrize("statement", [
    "UPDATE dbaas.audit_events SET action = 'x.y'",
    "DELETE FROM dbaas.audit_events",
    "TRUNCATE dbaas.audit_events",
    "UPDATE dbaas.stack_applies SET result = 'failed', error = 'x'",
    "DELETE FROM dbaas.stack_applies",
    "TRUNCATE dbaas.stack_applies",
])
def test_audit_events_and_apply_records_are_append_only_for_the_app(db, statement):
    with db.app() as conn:
        with pytest.raises(errors.InsufficientPrivilege) as exc, tenant_transaction(conn, TENANT_A.tenant_id):
            conn.execute(statement)
        assert exc.value.sqlstate == "42501"


def test_partitions_are_guarded_when_read_directly(db):
    with db.connect() as admin:
        partition = admin.execute(
            "SELECT tableoid::regclass::text FROM dbaas.audit_events WHERE id = %s", (TENANT_A.audit_id,)).fetchone()[0]
        assert admin.execute(f"SELECT count(*) FROM {partition}").fetchone()[0] == 4  # seeded event + apply's, each
    with db.app() as conn:
        with pytest.raises(errors.InsufficientPrivilege) as exc:
            conn.execute(f"SELECT count(*) FROM {partition}")
        assert exc.value.sqlstate == "42501"
    with db.connect(MIGRATOR) as conn:  # the owner's privileges, but the partition's own policies apply
        assert conn.execute(f"SELECT count(*) FROM {partition}").fetchone()[0] == 0
        conn.rollback()
        with tenant_transaction(conn, TENANT_B.tenant_id):
            assert conn.execute(f"SELECT count(*) FROM {partition} WHERE tenant_id = %s", (TENANT_B.tenant_id,)
                                ).fetchone() == (2,)
            assert conn.execute(f"SELECT count(*) FROM {partition} WHERE id = %s", (TENANT_B.audit_id,)).fetchone() == (1,)


def test_security_invoker_view_applies_the_callers_rls(db):
    with db.app() as conn, tenant_transaction(conn, TENANT_B.tenant_id):
        rows = conn.execute("SELECT tenant_id, name, failed_backups, last_backup_at IS NOT NULL "
                            "FROM dbaas.service_backup_status").fetchall()
        assert rows == [(TENANT_B.tenant_id, TENANT_B.service_name, 0, True)]
