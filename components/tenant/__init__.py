from components.tenant.args import NetworkPeers, TenantEnvironmentArgs
from components.tenant.environment import TenantEnvironment

__all__ = ["NetworkPeers", "TenantEnvironment", "TenantEnvironmentArgs"]
