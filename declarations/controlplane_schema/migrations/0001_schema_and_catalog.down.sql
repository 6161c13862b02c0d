DROP TABLE dbaas.tenants;
DROP TABLE dbaas.plans;
DROP FUNCTION dbaas.apply_tenant_guard(regclass, name);
DROP SCHEMA dbaas;
