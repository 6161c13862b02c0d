-- Tenant-owned tables. Keys are UUIDs; every key, unique constraint, foreign key and index
-- starts with tenant_id, so a constraint can never reveal that another tenant's row exists.

CREATE TABLE dbaas.users (
    tenant_id uuid NOT NULL REFERENCES dbaas.tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    email text NOT NULL CHECK (email = lower(email) AND email ~ '^[^@\s]+@[^@\s]+$'),
    role text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email)
);
SELECT dbaas.apply_tenant_guard('dbaas.users');
GRANT SELECT, INSERT, UPDATE (email, role), DELETE ON dbaas.users TO dbaas_app;

-- API keys are stored as SHA-256 digests only; the prefix lets a user recognise a key.
CREATE TABLE dbaas.api_keys (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    key_prefix text NOT NULL CHECK (key_prefix ~ '^[A-Za-z0-9]{8}$'),
    key_sha256 bytea NOT NULL CHECK (octet_length(key_sha256) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, key_sha256),
    FOREIGN KEY (tenant_id, user_id) REFERENCES dbaas.users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX api_keys_tenant_user ON dbaas.api_keys (tenant_id, user_id);
SELECT dbaas.apply_tenant_guard('dbaas.api_keys');
GRANT SELECT, INSERT, UPDATE (name, expires_at, revoked_at), DELETE ON dbaas.api_keys TO dbaas_app;

-- last_used_at is written only here, with the server's clock, so the application cannot
-- forge it. SECURITY DEFINER runs as dbaas_owner, which FORCE keeps under RLS; the explicit
-- tenant filter and the pinned search_path make that independent of the caller's session.
CREATE FUNCTION dbaas.touch_api_key(key_id uuid)
RETURNS boolean
LANGUAGE sql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
    WITH touched AS (
        UPDATE dbaas.api_keys
           SET last_used_at = now()
         WHERE tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::uuid
           AND id = key_id
           AND revoked_at IS NULL
           AND (expires_at IS NULL OR expires_at > now())
        RETURNING 1
    )
    SELECT count(*) = 1 FROM touched
$fn$;
REVOKE ALL ON FUNCTION dbaas.touch_api_key(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION dbaas.touch_api_key(uuid) TO dbaas_app;

CREATE TABLE dbaas.services (
    tenant_id uuid NOT NULL REFERENCES dbaas.tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (name ~ '^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$'),
    engine text NOT NULL CHECK (engine ~ '^[a-z]{2,20}$'),
    version text NOT NULL CHECK (length(version) BETWEEN 1 AND 20),
    status text NOT NULL DEFAULT 'provisioning'
        CHECK (status IN ('provisioning', 'ready', 'degraded', 'deleting')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, name)
);
SELECT dbaas.apply_tenant_guard('dbaas.services');
GRANT SELECT, INSERT, UPDATE (name, version, status), DELETE ON dbaas.services TO dbaas_app;

CREATE TABLE dbaas.backups (
    tenant_id uuid NOT NULL,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    service_id uuid NOT NULL,
    kind text NOT NULL CHECK (kind IN ('full', 'incremental', 'wal')),
    status text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'completed', 'failed')),
    started_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz CHECK (finished_at >= started_at),
    size_bytes bigint CHECK (size_bytes >= 0),
    object_key text,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, service_id) REFERENCES dbaas.services (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX backups_tenant_service_started ON dbaas.backups (tenant_id, service_id, started_at DESC);
SELECT dbaas.apply_tenant_guard('dbaas.backups');
GRANT SELECT, INSERT, UPDATE (status, finished_at, size_bytes, object_key), DELETE ON dbaas.backups TO dbaas_app;

-- security_invoker: the view reads the tables with the caller's rights, so RLS still applies.
CREATE VIEW dbaas.service_backup_status WITH (security_invoker = true) AS
SELECT s.tenant_id,
       s.id AS service_id,
       s.name,
       s.engine,
       s.status,
       max(b.finished_at) FILTER (WHERE b.status = 'completed') AS last_backup_at,
       count(b.id) FILTER (WHERE b.status = 'failed') AS failed_backups
  FROM dbaas.services s
  LEFT JOIN dbaas.backups b ON b.tenant_id = s.tenant_id AND b.service_id = s.id
 GROUP BY s.tenant_id, s.id;
GRANT SELECT ON dbaas.service_backup_status TO dbaas_app;
