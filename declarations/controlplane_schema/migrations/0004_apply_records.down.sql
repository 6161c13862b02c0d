ALTER TABLE dbaas.audit_events DROP COLUMN commit_sha;
ALTER TABLE dbaas.audit_events DROP COLUMN actor;
DROP TABLE dbaas.platform_applies;
DROP TABLE dbaas.stack_applies;
DROP FUNCTION dbaas.register_tenant(text, text, text, text);
DROP FUNCTION dbaas.tenant_key(text);
