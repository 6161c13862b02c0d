"""Catalog facts that make the isolation structural rather than a matter of test coverage."""

from __future__ import annotations

import json

from declarations.controlplane_schema.roles import APP, OWNER, RECORDER
from tools.controlplane.tenant_scope import tenant_transaction
from tests.controlplane.seed import TENANT_A

GUARD = "NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid"
TENANT_OWNED = {"users", "api_keys", "services", "backups", "audit_events", "stack_applies"}
AUDIT_PARTITIONS = 15  # last month, this month, twelve ahead, and the default partition


def rows(db, query: str, *params) -> list[tuple]:
    with db.connect() as admin:
        return admin.execute(query, params).fetchall()


def test_every_table_with_tenant_id_forces_rls_partitions_included(db):
    found = rows(db, """
        SELECT c.relname, c.relkind, c.relispartition, c.relrowsecurity, c.relforcerowsecurity
          FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
         WHERE c.relkind IN ('r', 'p')""")
    partitions = [r for r in found if r[2]]
    assert len(partitions) == AUDIT_PARTITIONS
    assert {r[0] for r in found if not r[2]} == TENANT_OWNED
    assert [r[0] for r in found if not (r[3] and r[4])] == []
    assert rows(db, "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'dbaas.tenants'::regclass") == [(True, True)]


def test_tenant_id_is_a_not_null_uuid_everywhere(db):
    types = rows(db, """
        SELECT DISTINCT format_type(a.atttypid, a.atttypmod), a.attnotnull
          FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
         WHERE a.attname = 'tenant_id' AND c.relkind IN ('r', 'p')""")
    assert types == [("uuid", True)]


def test_every_guarded_table_has_the_restrictive_tenant_guard(db):
    guards = rows(db, """
        SELECT c.relname, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid), p.polcmd, p.polroles
          FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
         WHERE p.polname = 'tenant_guard' AND NOT p.polpermissive""")
    assert len(guards) == len(TENANT_OWNED) + 1 + AUDIT_PARTITIONS
    for relname, using, check, command, roles in guards:
        column = "id" if relname == "tenants" else "tenant_id"
        expected = f"({column} = ({GUARD})"
        assert (using, check, command, roles) == (expected, expected, "*", [0]), relname  # 0 = PUBLIC


def test_no_permissive_policy_is_true(db):
    policies = rows(db, """
        SELECT c.relname, p.polname, coalesce(pg_get_expr(p.polqual, p.polrelid), 'true'),
               coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
          FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE p.polpermissive""")
    assert len(policies) == len(TENANT_OWNED) + 1 + AUDIT_PARTITIONS + 3  # + plans, platform_applies, platform_audit_events
    assert [p for p in policies if p[2] == "true" or p[3] == "true"] == []


def test_app_role_has_no_dangerous_attributes(db):
    assert rows(db, """SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication, rolcanlogin, rolinherit
                         FROM pg_roles WHERE rolname = %s""", APP) == [(False, False, False, False, False, True, True)]
    assert rows(db, "SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", OWNER) == [(False,)]


def test_app_role_owns_nothing_and_is_a_member_of_nothing(db):
    assert rows(db, "SELECT count(*) FROM pg_auth_members WHERE member = %s::regrole", APP) == [(0,)]
    assert rows(db, "SELECT count(*) FROM pg_shdepend WHERE refobjid = %s::regrole AND deptype = 'o'", APP) == [(0,)]
    assert rows(db, "SELECT pg_has_role(%s, %s, 'USAGE')", APP, OWNER) == [(False,)]


def test_app_role_holds_exactly_the_intended_privileges(db):
    privileges = rows(db, """
        SELECT c.relname, p.privilege
          FROM pg_class c CROSS JOIN unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) p(privilege)
         WHERE c.relnamespace IN ('dbaas'::regnamespace, 'dbaas_migrations'::regnamespace)
           AND c.relkind IN ('r', 'p', 'v') AND has_table_privilege(%s, c.oid, p.privilege)
         ORDER BY 1, 2""", APP)
    grants: dict[str, set[str]] = {}
    for relname, privilege in privileges:
        grants.setdefault(relname, set()).add(privilege)
    assert grants == {
        "plans": {"SELECT"}, "tenants": {"SELECT"}, "service_backup_status": {"SELECT"},
        "users": {"SELECT", "INSERT", "DELETE"}, "api_keys": {"SELECT", "INSERT", "DELETE"},
        "services": {"SELECT", "INSERT", "DELETE"}, "backups": {"SELECT", "INSERT", "DELETE"},
        # applies are read, never written, by the API's role (migration 0005: dbaas_recorder writes them)
        "audit_events": {"SELECT", "INSERT"}, "stack_applies": {"SELECT"},
    }
    updatable = rows(db, """
        SELECT c.relname, string_agg(a.attname, ',' ORDER BY a.attname)
          FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0
         WHERE c.relnamespace = 'dbaas'::regnamespace AND has_column_privilege(%s, c.oid, a.attnum, 'UPDATE')
         GROUP BY 1 ORDER BY 1""", APP)
    assert updatable == [("api_keys", "expires_at,name,revoked_at"), ("backups", "finished_at,object_key,size_bytes,status"),
                         ("services", "name,status,version"), ("tenants", "display_name"), ("users", "email,role")]
    assert rows(db, "SELECT has_schema_privilege(%s, 'dbaas', 'CREATE'), has_schema_privilege(%s, 'dbaas_migrations', 'USAGE')",
                APP, APP) == [(False, False)]


def test_only_the_definer_functions_are_executable_by_the_app_and_they_are_pinned(db):
    executable = rows(db, """SELECT proname FROM pg_proc WHERE pronamespace = 'dbaas'::regnamespace
                               AND has_function_privilege(%s, oid, 'EXECUTE') ORDER BY 1""", APP)
    assert executable == [("register_tenant",), ("touch_api_key",)]
    definers = rows(db, """SELECT proname, proconfig, prosrc FROM pg_proc WHERE prosecdef
                            AND pronamespace = 'dbaas'::regnamespace ORDER BY 1""")
    pinned = ["search_path=pg_catalog, pg_temp"]
    assert [(name, config) for name, config, _ in definers] == [
        ("audit_platform_apply", pinned), ("audit_stack_apply", pinned), ("register_tenant", pinned), ("touch_api_key", pinned)]
    assert "IS DISTINCT FROM NULLIF(current_setting('app.tenant_id', true), '')::uuid" in definers[2][2]
    assert "tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid" in definers[3][2]
    # the audit triggers are nobody's to call: they run only as the triggers of the applies tables
    assert rows(db, """SELECT count(*) FROM pg_proc WHERE proname LIKE 'audit\\_%%apply' AND
                         (has_function_privilege(%s, oid, 'EXECUTE') OR has_function_privilege(%s, oid, 'EXECUTE'))""",
                APP, RECORDER) == [(0,)]


def test_platform_applies_are_forced_and_visible_only_in_platform_scope_without_a_tenant(db):
    assert rows(db, "SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE oid = 'dbaas.platform_applies'::regclass") == [
        (True, True)]
    scope = ("((current_setting('app.scope'::text, true) = 'platform'::text) AND "
             "(NULLIF(current_setting('app.tenant_id'::text, true), ''::text) IS NULL))")
    assert rows(db, """SELECT p.polname, p.polpermissive, pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
                         FROM pg_policy p WHERE p.polrelid = 'dbaas.platform_applies'::regclass""") == [
        ("platform_scope", True, scope, scope)]


def test_views_are_security_invoker(db):
    assert rows(db, "SELECT relname, reloptions FROM pg_class WHERE relkind = 'v' AND relnamespace = 'dbaas'::regnamespace") == [
        ("service_backup_status", ["security_invoker=true"])]


def test_keys_indexes_and_constraints_lead_with_or_include_tenant_id(db):
    indexes = rows(db, """
        SELECT i.indexrelid::regclass::text, a.attname
          FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
         WHERE c.relnamespace = 'dbaas'::regnamespace AND c.relname = ANY(%s)""", sorted(TENANT_OWNED))
    assert len(indexes) == 12 and [i for i in indexes if i[1] != "tenant_id"] == []
    constraints = rows(db, """
        SELECT conname, contype FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
         WHERE t.relnamespace = 'dbaas'::regnamespace AND t.relname = ANY(%s) AND contype IN ('p', 'u', 'f')
           AND NOT (SELECT attnum FROM pg_attribute WHERE attrelid = c.conrelid AND attname = 'tenant_id') = ANY(c.conkey)""",
        sorted(TENANT_OWNED))
    assert constraints == []
    assert rows(db, "SELECT count(*) FROM pg_class WHERE relkind = 'S' AND relnamespace = 'dbaas'::regnamespace") == [(0,)]
    id_types = rows(db, """SELECT DISTINCT format_type(atttypid, atttypmod) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
                            WHERE c.relnamespace = 'dbaas'::regnamespace AND c.relkind IN ('r','p') AND a.attname = 'id'
                              AND c.relname <> 'plans'""")
    assert id_types == [("uuid",)]


def test_explain_as_the_app_uses_an_index_condition_on_tenant_id(db):
    with db.connect() as admin:  # enough rows that the planner prefers the index
        admin.execute("""
            INSERT INTO dbaas.tenants (id, slug, display_name, plan_id, data_region)
            SELECT md5('t' || n)::uuid, 'bulk-' || n, 'Bulk', 'starter', 'lagos' FROM generate_series(1, 200) n""")
        admin.execute("""
            INSERT INTO dbaas.services (tenant_id, name, engine, version)
            SELECT md5('t' || n)::uuid, 's' || m, 'scylla', '6.2' FROM generate_series(1, 200) n, generate_series(1, 50) m""")
        admin.execute("ANALYZE dbaas.services")
        admin.commit()
    with db.app() as conn, tenant_transaction(conn, TENANT_A.tenant_id):
        plan = conn.execute("EXPLAIN (FORMAT JSON) SELECT id, name FROM dbaas.services WHERE status = 'ready'").fetchone()[0]
    text = json.dumps(plan)
    node = plan[0]["Plan"]
    while "Index Cond" not in node and node.get("Plans"):
        node = node["Plans"][0]
    assert node["Node Type"] in {"Index Scan", "Bitmap Index Scan", "Index Only Scan"}, text
    assert node["Index Cond"] == f"(tenant_id = ({GUARD})", text


def test_the_recorder_role_holds_exactly_what_recording_an_apply_needs(db):
    """Issue 22, item 5: a role of its own for recording applies; like the app it is no superuser,
    bypasses no RLS, owns nothing and is a member of nothing."""
    assert rows(db, """SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb, rolreplication, rolcanlogin, rolinherit
                         FROM pg_roles WHERE rolname = %s""", RECORDER) == [(False, False, False, False, False, True, True)]
    assert rows(db, "SELECT count(*) FROM pg_auth_members WHERE member = %s::regrole", RECORDER) == [(0,)]
    assert rows(db, "SELECT count(*) FROM pg_shdepend WHERE refobjid = %s::regrole AND deptype = 'o'", RECORDER) == [(0,)]
    privileges = rows(db, """
        SELECT c.relname, string_agg(p.privilege, ',' ORDER BY p.privilege)
          FROM pg_class c CROSS JOIN unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE','TRUNCATE','REFERENCES','TRIGGER']) p(privilege)
         WHERE c.relnamespace IN ('dbaas'::regnamespace, 'dbaas_migrations'::regnamespace)
           AND c.relkind IN ('r', 'p', 'v') AND has_table_privilege(%s, c.oid, p.privilege)
         GROUP BY 1 ORDER BY 1""", RECORDER)
    assert privileges == [("platform_applies", "INSERT,SELECT"), ("platform_audit_events", "SELECT"),
                          ("stack_applies", "INSERT,SELECT")]
    assert rows(db, """SELECT proname FROM pg_proc WHERE pronamespace = 'dbaas'::regnamespace
                         AND has_function_privilege(%s, oid, 'EXECUTE') ORDER BY 1""", RECORDER) == [("register_tenant",)]
    assert rows(db, "SELECT has_schema_privilege(%s, 'dbaas', 'CREATE')", RECORDER) == [(False,)]


def test_platform_audit_events_are_forced_and_visible_only_in_platform_scope(db):
    assert rows(db, "SELECT relrowsecurity, relforcerowsecurity FROM pg_class "
                    "WHERE oid = 'dbaas.platform_audit_events'::regclass") == [(True, True)]
    policies = rows(db, """SELECT p.polname, pg_get_expr(p.polqual, p.polrelid) FROM pg_policy p
                            WHERE p.polrelid = 'dbaas.platform_audit_events'::regclass""")
    assert [name for name, _ in policies] == ["platform_scope"]
    assert "current_setting('app.scope'::text, true) = 'platform'::text" in policies[0][1]
