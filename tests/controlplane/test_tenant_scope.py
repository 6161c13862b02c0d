"""The tenant-scope helper: transaction-local, refuses misuse."""

from __future__ import annotations

import pytest

from tools.controlplane.tenant_scope import TenantScopeError, tenant_transaction
from tests.controlplane.seed import TENANT_A


def setting(conn) -> str | None:
    return conn.execute("SELECT current_setting('app.tenant_id', true)").fetchone()[0]


def test_scope_is_set_inside_and_gone_after_commit(db):
    with db.app(autocommit=True) as conn:
        with tenant_transaction(conn, TENANT_A.tenant_id) as tx:
            assert setting(tx) == str(TENANT_A.tenant_id)
            assert tx.info.transaction_status.name == "INTRANS"
        assert setting(conn) == ""


def test_refuses_a_string_tenant_id(db):
    with db.app() as conn, pytest.raises(TypeError, match="tenant_id must be a uuid.UUID, got str"):
        with tenant_transaction(conn, str(TENANT_A.tenant_id)):  # type: ignore[arg-type]
            raise AssertionError("the body must not run")


def test_refuses_to_join_an_open_transaction(db):
    with db.app() as conn:
        conn.execute("SELECT 1")
        with pytest.raises(TenantScopeError, match="must begin its own transaction"):
            with tenant_transaction(conn, TENANT_A.tenant_id):
                raise AssertionError("the body must not run")
        assert setting(conn) is None
