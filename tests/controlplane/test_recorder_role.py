"""Issue 22, item 5: recording applies is the recorder's alone, and every recorded apply is audited.

Before: the API and CI shared dbaas_app, so a leaked API login could insert an apply with forged
connection details for acme, and no audit event said so. Now dbaas_app's INSERT is refused by the
database, and the insert of dbaas_recorder appends its audit event in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import psycopg
import pytest
from psycopg import errors
from psycopg.types.json import Jsonb

from declarations.controlplane_schema.roles import APP, RECORDER
from tools.controlplane.tenant_scope import platform_transaction, tenant_transaction
from tests.controlplane.seed import TENANT_A

FORGED = {"services": {"orders": {"engine": "yugabyte", "host": "attacker.example.net", "port": 5433, "tls_required": False,
                                  "ca_secret": "x", "credentials_secret": "x"}},
          "bucket": "attacker-bucket", "kms_key_arn": "arn:aws:kms:af-south-1:111122223333:key/x"}
INSERT_TENANT_APPLY = ("INSERT INTO dbaas.stack_applies (tenant_id, stack, commit_sha, result, outputs, applied_at, recorded_by) "
                       "VALUES (%s, 'lagos.acme', %s, 'succeeded', %s, now(), %s)")


def audit(db, tenant_id) -> list[tuple]:
    with db.connect(APP) as conn, tenant_transaction(conn, tenant_id):
        return conn.execute("SELECT action, target, actor, commit_sha, detail FROM dbaas.audit_events "
                            "WHERE action LIKE 'stack.apply%' ORDER BY occurred_at").fetchall()


def test_the_api_role_cannot_write_an_apply_not_even_for_its_own_tenant(db):
    with db.connect(APP) as conn:
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table stack_applies"):
            with tenant_transaction(conn, TENANT_A.tenant_id):
                conn.execute(INSERT_TENANT_APPLY, (TENANT_A.tenant_id, "e" * 40, Jsonb(FORGED), "leaked-api-login"))
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table platform_applies"):
            with platform_transaction(conn):
                conn.execute("INSERT INTO dbaas.platform_applies (stack, commit_sha, result, applied_at, recorded_by) "
                             "VALUES ('lagos', %s, 'succeeded', now(), 'leaked-api-login')", ("e" * 40,))
    with db.connect() as admin:
        assert admin.execute("SELECT count(*) FROM dbaas.stack_applies WHERE recorded_by = 'leaked-api-login'").fetchone() == (0,)


def test_a_recorded_apply_always_writes_its_audit_event_in_the_same_transaction(db):
    """Even a raw INSERT by the recorder (not through the Python helpers) is audited."""
    before = audit(db, TENANT_A.tenant_id)
    with db.connect(RECORDER) as conn, tenant_transaction(conn, TENANT_A.tenant_id):
        conn.execute(INSERT_TENANT_APPLY, (TENANT_A.tenant_id, "a" * 40, Jsonb({}), "ci/apply#7"))
    assert audit(db, TENANT_A.tenant_id)[len(before):] == [
        ("stack.apply_succeeded", "lagos.acme", "ci/apply#7", "a" * 40, {"result": "succeeded"})]
    # rolled back: neither the apply nor its event
    with db.connect(RECORDER) as conn:
        with pytest.raises(RuntimeError), tenant_transaction(conn, TENANT_A.tenant_id):
            conn.execute(INSERT_TENANT_APPLY, (TENANT_A.tenant_id, "b" * 40, Jsonb({}), "ci/apply#8"))
            raise RuntimeError("the job died before commit")
    assert [row[3] for row in audit(db, TENANT_A.tenant_id)][len(before):] == ["a" * 40]
    # the recorder cannot write or read the tenant audit trail itself: the event is the trigger's
    with db.connect(RECORDER) as conn:
        with pytest.raises(errors.InsufficientPrivilege, match="permission denied for table audit_events"):
            with tenant_transaction(conn, TENANT_A.tenant_id):
                conn.execute("INSERT INTO dbaas.audit_events (tenant_id, action) VALUES (%s, 'stack.apply_hidden')",
                             (TENANT_A.tenant_id,))


def test_a_platform_apply_writes_a_platform_audit_event(db):
    with db.connect(RECORDER) as conn:
        with platform_transaction(conn):
            conn.execute("INSERT INTO dbaas.platform_applies (stack, commit_sha, result, error, applied_at, recorded_by) "
                         "VALUES ('lagos', %s, 'failed', 'boom', now(), 'ci/platform#3')", ("c" * 40,))
        with platform_transaction(conn):
            assert conn.execute("SELECT action, target, actor, commit_sha, detail FROM dbaas.platform_audit_events").fetchall() == [
                ("stack.apply_failed", "lagos", "ci/platform#3", "c" * 40, {"result": "failed", "error": "boom"})]
        with tenant_transaction(conn, TENANT_A.tenant_id):  # no tenant scope sees it
            assert conn.execute("SELECT count(*) FROM dbaas.platform_audit_events").fetchone() == (0,)


@pytest.mark.parametrize("column, value, constraint", [
    ("applied_at", datetime.now(timezone.utc) + timedelta(days=3650), "stack_applies_not_in_future"),
    ("recorded_by", "ci\nstack.apply_succeeded lagos.acme by admin", "stack_applies_recorded_by_one_line"),
])
def test_the_database_refuses_future_times_and_multi_line_actors_too(db, column, value, constraint):
    values = {"applied_at": datetime.now(timezone.utc), "recorded_by": "ci"} | {column: value}
    with db.connect(RECORDER) as conn:
        with pytest.raises(psycopg.errors.CheckViolation, match=constraint):
            with tenant_transaction(conn, TENANT_A.tenant_id):
                conn.execute("INSERT INTO dbaas.stack_applies (tenant_id, stack, commit_sha, result, applied_at, recorded_by) "
                             "VALUES (%s, 'lagos.acme', %s, 'succeeded', %s, %s)",
                             (TENANT_A.tenant_id, "d" * 40, values["applied_at"], values["recorded_by"]))
