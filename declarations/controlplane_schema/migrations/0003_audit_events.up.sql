-- Audit events: partitioned by month, append-only for the application (SELECT and INSERT only).

CREATE TABLE dbaas.audit_events (
    tenant_id uuid NOT NULL REFERENCES dbaas.tenants (id),
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    occurred_at timestamptz NOT NULL DEFAULT now(),
    actor_user_id uuid,
    action text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
    target text NOT NULL DEFAULT '',
    detail jsonb NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (tenant_id, occurred_at, id)
) PARTITION BY RANGE (occurred_at);
SELECT dbaas.apply_tenant_guard('dbaas.audit_events');
GRANT SELECT, INSERT ON dbaas.audit_events TO dbaas_app;

-- A partition read directly bypasses the parent's policies, so each partition gets the same
-- guard. Month boundaries are UTC. Idempotent: an existing partition is returned as is.
CREATE FUNCTION dbaas.create_audit_partition(month date)
RETURNS regclass
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    first_day date := date_trunc('month', month)::date;
    partition_name text := format('audit_events_%s', to_char(first_day, 'YYYY_MM'));
    existing regclass := to_regclass(format('dbaas.%I', partition_name));
BEGIN
    IF existing IS NOT NULL THEN
        RETURN existing;
    END IF;
    EXECUTE format(
        'CREATE TABLE dbaas.%I PARTITION OF dbaas.audit_events FOR VALUES FROM (%L) TO (%L)',
        partition_name,
        first_day::timestamp AT TIME ZONE 'UTC',
        (first_day + 1 * interval '1 month')::timestamp AT TIME ZONE 'UTC');
    PERFORM dbaas.apply_tenant_guard(format('dbaas.%I', partition_name)::regclass);
    RETURN format('dbaas.%I', partition_name)::regclass;
END
$fn$;
REVOKE ALL ON FUNCTION dbaas.create_audit_partition(date) FROM PUBLIC;

-- Last month, this month and the next twelve; a default partition keeps an event from being
-- refused when maintenance falls behind (create months ahead with create_audit_partition).
SELECT dbaas.create_audit_partition((date_trunc('month', now() AT TIME ZONE 'UTC') + n * interval '1 month')::date)
  FROM generate_series(-1, 12) AS n;
CREATE TABLE dbaas.audit_events_default PARTITION OF dbaas.audit_events DEFAULT;
SELECT dbaas.apply_tenant_guard('dbaas.audit_events_default');
