-- Issue 22, item 5: recording applies is a role of its own, and every recorded apply is audited.
-- dbaas_app (the API) reads applies but can no longer write them: a stolen API login cannot forge a
-- tenant's connection details. dbaas_recorder (`dbaas record-apply`, `dbaas up --database-url`)
-- writes them, and a trigger appends the audit event in the same transaction, so no apply is
-- recorded without one, whoever inserts it. Decisions: README "What the recorder and the CLI promise".

GRANT USAGE ON SCHEMA dbaas TO dbaas_recorder;

REVOKE INSERT ON dbaas.stack_applies FROM dbaas_app;
REVOKE ALL ON dbaas.platform_applies FROM dbaas_app;
GRANT SELECT, INSERT ON dbaas.stack_applies TO dbaas_recorder;
GRANT SELECT, INSERT ON dbaas.platform_applies TO dbaas_recorder;
GRANT EXECUTE ON FUNCTION dbaas.register_tenant(text, text, text, text) TO dbaas_recorder;

-- What the recorder itself refuses, enforced once more where it is stored. NOT VALID: rows written
-- before this migration are kept as they are; every new row is checked.
-- A time beyond 5 minutes of clock skew in the future would stay "the latest apply" until then.
ALTER TABLE dbaas.stack_applies ADD CONSTRAINT stack_applies_not_in_future
    CHECK (applied_at <= recorded_at + interval '5 minutes') NOT VALID;
ALTER TABLE dbaas.platform_applies ADD CONSTRAINT platform_applies_not_in_future
    CHECK (applied_at <= recorded_at + interval '5 minutes') NOT VALID;
-- An actor is one line of text: no newline or other control character can fake a second entry.
ALTER TABLE dbaas.stack_applies ADD CONSTRAINT stack_applies_recorded_by_one_line
    CHECK (recorded_by !~ '[[:cntrl:]]') NOT VALID;
ALTER TABLE dbaas.platform_applies ADD CONSTRAINT platform_applies_recorded_by_one_line
    CHECK (recorded_by !~ '[[:cntrl:]]') NOT VALID;

-- Applies of platform stacks are audited too, in the platform scope (no tenant owns them).
CREATE TABLE dbaas.platform_audit_events (
    id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
    occurred_at timestamptz NOT NULL DEFAULT now(),
    action text NOT NULL CHECK (action ~ '^[a-z_]+(\.[a-z_]+)+$'),
    target text NOT NULL CHECK (target ~ '^[a-z]{2,20}$'),
    actor text NOT NULL CHECK (length(actor) BETWEEN 1 AND 200),
    commit_sha text CHECK (commit_sha ~ '^[0-9a-f]{40}$'),
    detail jsonb NOT NULL DEFAULT '{}'::jsonb
);
ALTER TABLE dbaas.platform_audit_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE dbaas.platform_audit_events FORCE ROW LEVEL SECURITY;
CREATE POLICY platform_scope ON dbaas.platform_audit_events AS PERMISSIVE FOR ALL TO PUBLIC
    USING (current_setting('app.scope', true) = 'platform' AND NULLIF(current_setting('app.tenant_id', true), '') IS NULL)
    WITH CHECK (current_setting('app.scope', true) = 'platform' AND NULLIF(current_setting('app.tenant_id', true), '') IS NULL);
GRANT SELECT ON dbaas.platform_audit_events TO dbaas_recorder;

-- The audit triggers run as dbaas_owner (SECURITY DEFINER), which FORCE keeps under RLS: the event
-- lands only in the scope the apply was written in. Nobody is granted INSERT on the audit tables
-- for this: the event is a consequence of the apply, not a second statement a client may skip.
CREATE FUNCTION dbaas.audit_stack_apply()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO dbaas.audit_events (tenant_id, action, target, actor, commit_sha, detail)
    VALUES (NEW.tenant_id, 'stack.apply_' || NEW.result, NEW.stack, NEW.recorded_by, NEW.commit_sha,
            jsonb_strip_nulls(jsonb_build_object('result', NEW.result, 'error', NEW.error)));
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION dbaas.audit_stack_apply() FROM PUBLIC;
CREATE TRIGGER stack_applies_audit AFTER INSERT ON dbaas.stack_applies
    FOR EACH ROW EXECUTE FUNCTION dbaas.audit_stack_apply();

CREATE FUNCTION dbaas.audit_platform_apply()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $fn$
BEGIN
    INSERT INTO dbaas.platform_audit_events (action, target, actor, commit_sha, detail)
    VALUES ('stack.apply_' || NEW.result, NEW.stack, NEW.recorded_by, NEW.commit_sha,
            jsonb_strip_nulls(jsonb_build_object('result', NEW.result, 'error', NEW.error)));
    RETURN NULL;
END
$fn$;
REVOKE ALL ON FUNCTION dbaas.audit_platform_apply() FROM PUBLIC;
CREATE TRIGGER platform_applies_audit AFTER INSERT ON dbaas.platform_applies
    FOR EACH ROW EXECUTE FUNCTION dbaas.audit_platform_apply();
