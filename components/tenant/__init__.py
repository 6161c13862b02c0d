from components.tenant.environment import TenantEnvironment, TenantEnvironmentArgs

__all__ = ["TenantEnvironment", "TenantEnvironmentArgs"]
