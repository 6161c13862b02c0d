"""The control-plane PostgreSQL: schema migrations, their runner, and the tenant-scope helper.

Row-level security in the database, not application code, keeps tenants apart; see
components/controlplane_db/README.md.
"""
