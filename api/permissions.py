"""Who may do what to which tenant.

platform-admin acts on every tenant and is the only role that creates tenants. The other roles
act only on tenants of the token's org; another org's tenant is answered like a missing one
(404), so its existence does not leak.
"""

from __future__ import annotations

from enum import Enum

from api.auth import Caller, Role
from api.errors import Forbidden, NotFound


class Action(str, Enum):
    """What a request does; removing data, lowering protection and decommissioning are the org
    owner's decisions (or platform-admin's), see ORG_ROLE_ACTIONS."""

    read = "read"
    replace = "replace"
    manage_services = "manage services of"
    remove_data = "remove or decommission services of"
    lower_protection = "turn off deletion protection of"
    decommission = "decommission"


ORG_ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.org_owner: frozenset(Action),
    Role.org_admin: frozenset({Action.read, Action.replace, Action.manage_services}),
    Role.org_member: frozenset({Action.read}),
    Role.service_admin: frozenset({Action.read, Action.manage_services}),
    Role.service_viewer: frozenset({Action.read}),
}


def can_see(caller: Caller, tenant_org: str) -> bool:
    """Visibility: platform-admin, or any role of the tenant's own org."""
    if caller.has(Role.platform_admin):
        return True
    return caller.org == tenant_org and any(role in ORG_ROLE_ACTIONS for role in caller.roles)


def authorize(caller: Caller, action: Action, tenant_id: str, tenant_org: str) -> None:
    """Raise NotFound if the caller may not see the tenant, Forbidden if they may not act on it."""
    if not can_see(caller, tenant_org):
        raise NotFound(f"tenant {tenant_id!r} not found")
    if caller.has(Role.platform_admin):
        return
    if not any(action in ORG_ROLE_ACTIONS.get(role, frozenset()) for role in caller.roles):
        raise Forbidden(f"your roles ({', '.join(sorted(r.value for r in caller.roles))}) may not {action.value} tenant {tenant_id!r}")


def authorize_create(caller: Caller) -> None:
    if not caller.has(Role.platform_admin):
        raise Forbidden("only platform-admin creates tenants")


def authorize_org_move(caller: Caller, old_org: str, new_org: str) -> None:
    """Moving a tenant to another org hands it over; only platform-admin does that."""
    if old_org != new_org and not caller.has(Role.platform_admin):
        raise Forbidden("only platform-admin moves a tenant to another org")
