-- Closing the provisioning loop: where applies are recorded, how a tool that knows only a stack
-- name finds its tenant, and who did what in the audit trail. Decisions: README "Apply records".

-- A tenant's key is derived from its slug (the tenant file's `id`), so `dbaas record-apply` and the
-- API can scope a transaction to a tenant without first reading a row that RLS would hide from
-- them: a UUIDv8 of SHA-256('dbaas-tenant:' || slug) (controlplane/tenant_identity.py agrees).
CREATE FUNCTION dbaas.tenant_key(slug text)
RETURNS uuid
LANGUAGE sql
IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $fn$
    SELECT encode(set_byte(set_byte(digest, 6, (get_byte(digest, 6) & 15) | 128),
                           8, (get_byte(digest, 8) & 63) | 128), 'hex')::uuid
      FROM (SELECT substring(sha256(convert_to('dbaas-tenant:' || slug, 'UTF8')) FROM 1 FOR 16) AS digest) d
$fn$;
REVOKE ALL ON FUNCTION dbaas.tenant_key(text) FROM PUBLIC;

-- The application registers a tenant only through this function: only the tenant in scope, only
-- under its derived key, never another's. Idempotent. SECURITY DEFINER runs as dbaas_owner, which
-- FORCE keeps under RLS, so the insert still passes the tenant guard.
CREATE FUNCTION dbaas.register_tenant(slug text, display_name text, plan_id text, data_region text)
RETURNS uuid
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    key uuid := dbaas.tenant_key(slug);
BEGIN
    IF key IS DISTINCT FROM NULLIF(current_setting('app.tenant_id', true), '')::uuid THEN
        RAISE EXCEPTION 'tenant % may be registered only with its own tenant in scope', slug
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO dbaas.tenants (id, slug, display_name, plan_id, data_region)
    VALUES (key, slug, display_name, plan_id, data_region)
    ON CONFLICT (id) DO NOTHING;
    RETURN key;
END
$fn$;
REVOKE ALL ON FUNCTION dbaas.register_tenant(text, text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dbaas.register_tenant(text, text, text, text) TO dbaas_app;

-- One row per recorded apply of a tenant stack `<region>.<tenant-id>`. "The same apply" is the
-- same stack, commit and result: recording it again changes nothing, while a retry that succeeds
-- after a failure at the same commit is a new fact. Append-only for the application.
CREATE TABLE dbaas.stack_applies (
    tenant_id uuid NOT NULL REFERENCES dbaas.tenants (id),
    stack text NOT NULL CHECK (stack ~ '^[a-z]{2,20}\.[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
    commit_sha text NOT NULL CHECK (commit_sha ~ '^[0-9a-f]{40}$'),
    result text NOT NULL CHECK (result IN ('succeeded', 'failed')),
    error text CHECK (length(error) BETWEEN 1 AND 4000),
    outputs jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(outputs) = 'object'),
    applied_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by text NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 200),
    CHECK ((result = 'failed') = (error IS NOT NULL)),
    PRIMARY KEY (tenant_id, stack, commit_sha, result)
);
CREATE INDEX stack_applies_latest ON dbaas.stack_applies (tenant_id, stack, applied_at DESC);
SELECT dbaas.apply_tenant_guard('dbaas.stack_applies');
GRANT SELECT, INSERT ON dbaas.stack_applies TO dbaas_app;

-- Applies of a region's platform stack belong to no tenant. They are visible only in a platform
-- transaction (controlplane/tenant_scope.py `platform_transaction`: `app.scope = 'platform'` and
-- no tenant in scope), so a tenant-scoped transaction, and hence the API, never sees them.
CREATE TABLE dbaas.platform_applies (
    stack text NOT NULL CHECK (stack ~ '^[a-z]{2,20}$'),
    commit_sha text NOT NULL CHECK (commit_sha ~ '^[0-9a-f]{40}$'),
    result text NOT NULL CHECK (result IN ('succeeded', 'failed')),
    error text CHECK (length(error) BETWEEN 1 AND 4000),
    outputs jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(outputs) = 'object'),
    applied_at timestamptz NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by text NOT NULL CHECK (length(recorded_by) BETWEEN 1 AND 200),
    CHECK ((result = 'failed') = (error IS NOT NULL)),
    PRIMARY KEY (stack, commit_sha, result)
);
ALTER TABLE dbaas.platform_applies ENABLE ROW LEVEL SECURITY;
ALTER TABLE dbaas.platform_applies FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_scope ON dbaas.platform_applies AS PERMISSIVE FOR ALL TO PUBLIC
    USING (current_setting('app.scope', true) = 'platform' AND NULLIF(current_setting('app.tenant_id', true), '') IS NULL)
    WITH CHECK (current_setting('app.scope', true) = 'platform' AND NULLIF(current_setting('app.tenant_id', true), '') IS NULL);
GRANT SELECT, INSERT ON dbaas.platform_applies TO dbaas_app;

-- Who did it (a token's subject, a CI job) and which commit, for applies and API changes.
ALTER TABLE dbaas.audit_events ADD COLUMN actor text NOT NULL DEFAULT '' CHECK (length(actor) <= 200);
ALTER TABLE dbaas.audit_events ADD COLUMN commit_sha text CHECK (commit_sha ~ '^[0-9a-f]{40}$');
