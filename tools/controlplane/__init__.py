"""The control-plane PostgreSQL at run time: the migration runner, connections, apply records and
the tenant-scope helper. The schema itself (migrations, roles) is declared in
declarations/controlplane_schema/. Row-level security in the database, not application code, keeps
tenants apart; see components/controlplane_db/README.md."""
