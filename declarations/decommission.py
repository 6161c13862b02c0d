"""Removal safety: which changes between two tenant trees would delete a protected database.

A protected tenant's instances carry protect + retain_on_delete, so Pulumi would refuse (or
silently keep) them; the reviewer should instead see, before merge, what to do. A service may
only disappear after a change that marked it `decommission:` has been deployed: that change takes
the final backup and drops the protection. `dbaas diff` calls `removal_problems(base, head)`.
"""

from __future__ import annotations

from typing import Iterable

from declarations.errors import Problem
from declarations.tenant_model import Service, Tenant

HOW_TO = (
    "to decommission it, first merge a change that adds `decommission: {{requested_by: <you>, final_backup: true}}` "
    "to services[{index}] ('{name}') and let it deploy (it takes a final backup and lifts the protection); "
    "remove the service in a later change"
)


def tenant_file(tenant: Tenant) -> str:
    return f"tenants/{tenant.data_region}/{tenant.id}.yaml"


def _removal(base: Tenant, index: int, service: Service, what: str, where: Tenant | None) -> Problem:
    anchor = where or base
    field = f"services[{index}]" if where is None else "services"
    message = (f"{what} would delete the {service.engine.value} instance of service '{service.name}' of protected "
               f"tenant '{base.id}'; " + HOW_TO.format(index=index, name=service.name))
    return Problem(tenant_file(anchor), 1, 1, field, message)


TENANT_HOW_TO = (
    "to decommission the tenant, first merge a change that adds `decommission: {{requested_by: <you>}}` at the top "
    "level of {path} and let it deploy (final backups of every service; the namespace is released; the bucket and "
    "key are kept for the backups' retention); remove the file in a later change"
)


def _tenant_removal(base: Tenant, what: str) -> Problem:
    return Problem(tenant_file(base), 1, 1, "decommission",
                   f"{what} would delete the namespace, bucket and key of protected tenant '{base.id}'; "
                   + TENANT_HOW_TO.format(path=tenant_file(base)))


def removal_problems(base_tenants: Iterable[Tenant], head_tenants: Iterable[Tenant]) -> list[Problem]:
    """Every protected, not-yet-decommissioned service of `base` whose instance `head` would delete.

    A service's instance is deleted when the service is removed, renamed, or changes engine, and
    when its tenant is removed or moves to another region; a removed or moved tenant also loses
    its namespace, bucket and key, unless its own `decommission:` marker deployed first. Protection is read from `base` (what is
    deployed): turning `deletion_protection` off in the same change does not lift it.
    """
    head = {t.id: t for t in head_tenants}
    problems: list[Problem] = []
    for old in base_tenants:
        if not old.deletion_protection:
            continue
        new = head.get(old.id)
        if old.decommission is not None:
            continue  # the tenant-level marker has deployed: final backups taken, protection lifted
        if new is None:
            problems.append(_tenant_removal(old, "removing the tenant file"))
        elif new.data_region != old.data_region:
            problems.append(_tenant_removal(old, f"moving the tenant from {old.data_region} to {new.data_region}"))
        for index, service in enumerate(old.services):
            if service.decommission is not None:
                continue
            if new is None:
                problems.append(_removal(old, index, service, "removing the tenant file", None))
                continue
            if new.data_region != old.data_region:
                problems.append(_removal(old, index, service,
                                         f"moving the tenant from {old.data_region} to {new.data_region}", new))
                continue
            match = next((s for s in new.services if s.name == service.name), None)
            if match is None:
                problems.append(_removal(old, index, service, "removing the service", new))
            elif match.engine != service.engine:
                problems.append(_removal(old, index, service,
                                         f"changing its engine to {match.engine.value}", new))
    return sorted(problems)
