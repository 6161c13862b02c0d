"""The control-plane PostgreSQL: CloudNativePG cluster, pooler, backups, roles and migrations
(component.py `ControlPlaneDatabase`).

Nothing is imported here: a module that needs one of its facts (a port, a namespace) does not build the
component, nor import psycopg."""
