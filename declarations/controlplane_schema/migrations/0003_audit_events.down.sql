DROP FUNCTION dbaas.create_audit_partition(date);
DROP TABLE dbaas.audit_events;
