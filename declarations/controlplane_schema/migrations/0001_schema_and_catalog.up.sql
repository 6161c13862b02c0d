-- Schema, the RLS guard every tenant-owned table shares, the plan catalog and the tenants.
-- Runs as dbaas_owner with search_path = pg_catalog, pg_temp: every name is qualified.

CREATE SCHEMA dbaas;
REVOKE ALL ON SCHEMA dbaas FROM PUBLIC;
GRANT USAGE ON SCHEMA dbaas TO dbaas_app;

-- The one definition of tenant isolation. `app.tenant_id` is set per transaction by the
-- application's tenant-scope helper; NULLIF(..., '') makes an unset or empty setting NULL,
-- and `tenant_id = NULL` is never true, so no tenant in scope means no rows (fail closed).
-- The RESTRICTIVE guard is ANDed with every permissive policy, including any added later.
CREATE FUNCTION dbaas.apply_tenant_guard(target regclass, tenant_column name DEFAULT 'tenant_id')
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', target);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', target);
    EXECUTE format(
        $p$CREATE POLICY tenant_guard ON %1$s AS RESTRICTIVE FOR ALL TO PUBLIC
           USING (%2$I = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
           WITH CHECK (%2$I = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$p$,
        target, tenant_column);
    EXECUTE format(
        $p$CREATE POLICY tenant_access ON %1$s AS PERMISSIVE FOR ALL TO PUBLIC
           USING (%2$I = NULLIF(current_setting('app.tenant_id', true), '')::uuid)
           WITH CHECK (%2$I = NULLIF(current_setting('app.tenant_id', true), '')::uuid)$p$,
        target, tenant_column);
END
$fn$;
REVOKE ALL ON FUNCTION dbaas.apply_tenant_guard(regclass, name) FROM PUBLIC;

-- The commercial plans (dbaas/plans.py). Not tenant-owned, so not FORCEd: the owner maintains
-- the catalog. The application reads it only while a tenant is in scope, like everything else.
CREATE TABLE dbaas.plans (
    id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9-]{1,30}$'),
    max_services integer NOT NULL CHECK (max_services > 0),
    max_storage_gb_per_service integer NOT NULL CHECK (max_storage_gb_per_service > 0),
    max_backup_retention_days integer NOT NULL CHECK (max_backup_retention_days > 0)
);
INSERT INTO dbaas.plans (id, max_services, max_storage_gb_per_service, max_backup_retention_days) VALUES
    ('starter', 2, 50, 7),
    ('standard', 5, 500, 35),
    ('enterprise', 20, 4000, 400);
ALTER TABLE dbaas.plans ENABLE ROW LEVEL SECURITY;
CREATE POLICY plans_readable_in_tenant_scope ON dbaas.plans AS PERMISSIVE FOR SELECT TO dbaas_app
    USING (NULLIF(current_setting('app.tenant_id', true), '')::uuid IS NOT NULL);
GRANT SELECT ON dbaas.plans TO dbaas_app;

-- One row per tenant; the tenant in scope sees exactly its own row, through `id`.
-- Tenants are onboarded by the platform (migrator), so the application may not insert or delete.
CREATE TABLE dbaas.tenants (
    id uuid PRIMARY KEY,
    slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    plan_id text NOT NULL REFERENCES dbaas.plans (id),
    data_region text NOT NULL CHECK (data_region ~ '^[a-z]{2,20}$'),
    created_at timestamptz NOT NULL DEFAULT now()
);
SELECT dbaas.apply_tenant_guard('dbaas.tenants', 'id');
GRANT SELECT, UPDATE (display_name) ON dbaas.tenants TO dbaas_app;
