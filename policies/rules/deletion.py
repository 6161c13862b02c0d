"""Deletion safety: data-holding resources of protected tenants cannot be deleted silently.

Two options guard them, and they are checked in two places:
- `protect` (the engine refuses to delete the resource) is in the analyzer's
  `AnalyzerResourceOptions`, so `deletion-protected-stateful` runs in the CrossGuard pack, under a
  real preview and offline alike;
- `retainOnDelete` (the cloud object outlives its removal from the stack) is not: the engine never
  sends it to a policy pack (pulumi/pulumi proto/pulumi/analyzer.proto, AnalyzerResourceOptions;
  pkg/resource/plugin/analyzer_plugin.go marshalResourceOptions). `deletion-retained-stateful` is
  therefore an offline-only check: `dbaas policy` runs it on the plan, which records the option,
  and CI's policy job is what guards it.

Both honour the decommission markers (declarations/decommission.py): a deployed tenant-level marker lifts
protection from everything the tenant holds but keeps its bucket, key and Kafka topics retained (the
backups must outlive the tenant; every tenant's bucket and key are retained, protected or not); a service-level marker lifts both from that service's engine
instance, and protect (not retainOnDelete) from its CDC topic.
"""

from __future__ import annotations

from typing import Iterable

from pulumi_policy import Severity

from policies.rules.model import SERVICE_LABEL, Resource, Rule, RuleContext
from policies.rules.stateful import BACKUP_STORE, RETAINED_AFTER_DECOMMISSION, stateful_label


def _service_decommissioned(resource: Resource, ctx: RuleContext) -> bool:
    facts = ctx.tenants.get(resource.tenant or "")
    service = resource.labels.get(SERVICE_LABEL)
    return facts is not None and isinstance(service, str) and service in facts.decommissioned_services


def is_protected_tenant(resource: Resource, ctx: RuleContext) -> bool:
    """A tenant's data is protected when its declaration says so; an undeclared tenant is
    treated as protected (the safe side). Platform resources are out of this rule's scope."""
    if resource.tenant is None:
        return False
    facts = ctx.tenants.get(resource.tenant)
    return facts is None or facts.deletion_protection


def must_protect(resource: Resource, ctx: RuleContext) -> bool:
    """Protected tenant, not decommissioned, and the resource's service is not decommissioned."""
    if not is_protected_tenant(resource, ctx):
        return False
    facts = ctx.tenants.get(resource.tenant or "")
    if facts is not None and facts.decommissioned:
        return False
    return not _service_decommissioned(resource, ctx)


def must_retain(resource: Resource, ctx: RuleContext) -> bool:
    """What must outlive a removal: every tenant's bucket and key (its backups), everything
    protected, plus, once decommissioned, a protected tenant's Kafka topics."""
    if resource.tenant is not None and resource.type in BACKUP_STORE:
        return True
    if must_protect(resource, ctx):
        return True
    return is_protected_tenant(resource, ctx) and resource.type in RETAINED_AFTER_DECOMMISSION


def check_protected_stateful(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    label = stateful_label(resource.type)
    if label is not None and not resource.protect and must_protect(resource, ctx):
        yield f"{label} of protected tenant {resource.tenant} lacks protect"


def check_retained_stateful(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    label = stateful_label(resource.type)
    if label is not None and resource.retain_on_delete is False and must_retain(resource, ctx):
        who = "protected tenant" if is_protected_tenant(resource, ctx) else "tenant"
        yield f"{label} of {who} {resource.tenant} lacks retainOnDelete"


RULES = [
    Rule(
        name="deletion-protected-stateful",
        description="Buckets, keys, namespaces, engine instances, volumes and Kafka topics of protected tenants "
                    "carry protect, until a deployed decommission marker lifts it.",
        severity=Severity.CRITICAL,
        fix_hint="Pass opts through components.protection.stateful(opts, tenant.deletion_protection).",
        check_resource=check_protected_stateful,
    ),
]

OFFLINE_CHECKS = [
    Rule(
        name="deletion-retained-stateful",
        description="Offline only (the analyzer never receives retainOnDelete): buckets, keys, namespaces, engine "
                    "instances, volumes and Kafka topics of protected tenants carry retainOnDelete, and every "
                    "tenant's bucket and key carry it (the backups outlive the tenant).",
        severity=Severity.CRITICAL,
        fix_hint="Pass opts through components.protection.stateful (components.protection.backup_store for "
                 "a tenant's bucket and key).",
        check_resource=check_retained_stateful,
    ),
]
