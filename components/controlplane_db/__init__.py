"""The control-plane PostgreSQL: CloudNativePG cluster, pooler, backups, roles and migrations."""

from components.controlplane_db.component import ControlPlaneDatabase, ControlPlaneDatabaseArgs

__all__ = ["ControlPlaneDatabase", "ControlPlaneDatabaseArgs"]
