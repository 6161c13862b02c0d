"""The control-plane PostgreSQL: CloudNativePG cluster, pooler, backups, roles and migrations."""

from components.controlplane_db.args import ControlPlaneDatabaseArgs
from components.controlplane_db.component import ControlPlaneDatabase

__all__ = ["ControlPlaneDatabase", "ControlPlaneDatabaseArgs"]
