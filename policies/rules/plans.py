"""Plan rules: what an enterprise service is guaranteed, read from the engine objects it renders.

The tenant model bounds what a tenant may *ask for*; these rules check what the stack actually
*builds* for it: enough replicas, a backup schedule, and point-in-time recovery wherever the engine
catalog says the platform wires it (`declarations.engine_catalog.EngineSpec.pitr`). Each engine keeps
these facts in its own operator's fields, so one reader per engine says where to look.

A service is the set of a tenant's resources labelled `dbaas.io/service` + `dbaas.io/engine`; its
engine instance is the one the deletion rule calls an "engine instance" (policies.rules.stateful).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping

from pulumi_policy import Severity

from declarations.engine_catalog import ENGINE_SPECS, EngineName
from declarations.plans import PlanName
from policies.rules.model import SERVICE_LABEL, Finding, Resource, Rule, RuleContext, StackView, shown, whole_number
from policies.rules.stateful import stateful_label

ENGINE_LABEL = "dbaas.io/engine"
PLAN_LABEL = "dbaas.io/plan"
ENTERPRISE = PlanName.enterprise.value
ENGINES = frozenset(e.value for e in EngineName)
MIN_ENTERPRISE_REPLICAS = 3


@dataclass(frozen=True)
class ServiceObjects:
    """One tenant service as rendered: its engine instance and every object labelled with it."""

    tenant: str
    name: str
    engine: EngineName
    instance: Resource
    objects: tuple[Resource, ...]

    @property
    def spec(self) -> Mapping[str, Any]:
        spec = self.instance.props.get("spec")
        return spec if isinstance(spec, Mapping) else {}

    def of_kind(self, kind: str) -> list[Resource]:
        return [r for r in self.objects if r.kind == kind]


@dataclass(frozen=True)
class Observed:
    """What a reader found: whether the guarantee holds, where (URN) and what it saw."""

    ok: bool
    urn: str
    detail: str


def _dig(value: Any, *path: str | int) -> Any:
    for step in path:
        if isinstance(step, int):
            value = value[step] if isinstance(value, list) and len(value) > step else None
        else:
            value = value.get(step) if isinstance(value, Mapping) else None
    return value


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


# --- Replicas: the number of copies of the data the engine keeps. ---

def _replicas_from(svc: ServiceObjects, field: str, counts: list[Any]) -> Observed:
    """Counts arrive as doubles from the engine; a fraction is not a replica count."""
    numbers = [whole_number(c) for c in counts]
    if None in numbers or not numbers:
        fractions = [c for c in counts if whole_number(c) is None and isinstance(c, float)]
        detail = (f"is {', '.join(repr(f) for f in fractions)}, not a whole number" if fractions
                  else f"is {[shown(c) if whole_number(c) is not None else c for c in counts]!r}")
        return Observed(False, svc.instance.urn, f"{svc.instance.kind} {field} {detail}")
    value = min(n for n in numbers if n is not None)
    return Observed(value >= MIN_ENTERPRISE_REPLICAS, svc.instance.urn, f"{svc.instance.kind} {field} is {value}")


def _sum_or_fraction(values: list[Any]) -> Any:
    """The sum of whole numbers; the first fraction (which then fails the check) if there is one."""
    fraction = next((v for v in values if isinstance(v, float) and whole_number(v) is None), None)
    return fraction if fraction is not None else sum(n for n in (whole_number(v) for v in values) if n is not None)


def _vitess_tablet_replicas(spec: Mapping[str, Any]) -> list[Any]:
    pools = []
    for keyspace in _list(spec.get("keyspaces")):
        for partitioning in _list(_dig(keyspace, "partitionings")):
            pools += _list(_dig(partitioning, "equal", "shardTemplate", "tabletPools"))
            for shard in (_dig(partitioning, "custom", "shards") or []):
                pools += _list(_dig(shard, "tabletPools"))
    return [_dig(p, "replicas") for p in pools] or [None]


REPLICAS: dict[EngineName, Callable[[ServiceObjects], Observed]] = {
    EngineName.yugabyte: lambda s: _replicas_from(s, "spec.replicationFactor", [s.spec.get("replicationFactor")]),
    EngineName.vitess: lambda s: _replicas_from(
        s, "spec.keyspaces[*].partitionings[*] tabletPools replicas (smallest)", _vitess_tablet_replicas(s.spec)),
    EngineName.scylla: lambda s: _replicas_from(s, "spec.datacenter.racks[*].members (sum)", [
        _sum_or_fraction([_dig(r, "members") for r in _list(_dig(s.spec, "datacenter", "racks"))])]),
    EngineName.dragonfly: lambda s: _replicas_from(s, "spec.replicas", [s.spec.get("replicas")]),
    EngineName.aerospike: lambda s: _replicas_from(s, "spec.size", [s.spec.get("size")]),
    EngineName.mongodb: lambda s: _replicas_from(
        s, "spec.replsets[*].size (smallest)", [_dig(r, "size") for r in _list(s.spec.get("replsets"))] or [None]),
}


# --- Backups: a schedule that writes backups somewhere. ---

def _yugabyte_backups(s: ServiceObjects) -> Observed:
    schedules = [b for b in s.of_kind("BackupSchedule") if _dig(b.props, "spec", "cronExpression")]
    return Observed(bool(schedules), (schedules[0] if schedules else s.instance).urn,
                    f"{len(schedules)} BackupSchedule(s) with spec.cronExpression for YBUniverse {s.instance.name}")


def _vitess_backups(s: ServiceObjects) -> Observed:
    schedules = [x for x in _list(_dig(s.spec, "backup", "schedules")) if _dig(x, "schedule")]
    locations = _list(_dig(s.spec, "backup", "locations"))
    return Observed(bool(schedules and locations), s.instance.urn,
                    f"spec.backup has {len(schedules)} schedule(s) and {len(locations)} location(s)")


def _scylla_backups(s: ServiceObjects) -> Observed:
    tasks = [t for t in _list(s.spec.get("backups")) if _dig(t, "location")]
    return Observed(bool(tasks), s.instance.urn, f"spec.backups has {len(tasks)} task(s) with a location")


def _dragonfly_backups(s: ServiceObjects) -> Observed:
    cron, target = _dig(s.spec, "snapshot", "cron"), _dig(s.spec, "snapshot", "dir")
    return Observed(bool(cron and target), s.instance.urn, f"spec.snapshot.cron is {cron!r}, dir {target!r}")


def _aerospike_backups(s: ServiceObjects) -> Observed:
    backups = s.of_kind("AerospikeBackup")
    routines = [n for b in backups for n, r in (_dig(b.props, "spec", "config", "backup-routines") or {}).items()
                if _dig(r, "interval-cron")]
    return Observed(bool(routines), (backups[0] if backups else s.instance).urn,
                    f"{len(routines)} scheduled AerospikeBackup routine(s) for AerospikeCluster {s.instance.name}")


def _mongodb_backups(s: ServiceObjects) -> Observed:
    enabled = _dig(s.spec, "backup", "enabled")
    tasks = [t for t in _list(_dig(s.spec, "backup", "tasks")) if _dig(t, "enabled") is True and _dig(t, "schedule")]
    return Observed(enabled is True and bool(tasks), s.instance.urn,
                    f"spec.backup.enabled is {enabled!r} with {len(tasks)} enabled scheduled task(s)")


BACKUPS: dict[EngineName, Callable[[ServiceObjects], Observed]] = {
    EngineName.yugabyte: _yugabyte_backups,
    EngineName.vitess: _vitess_backups,
    EngineName.scylla: _scylla_backups,
    EngineName.dragonfly: _dragonfly_backups,
    EngineName.aerospike: _aerospike_backups,
    EngineName.mongodb: _mongodb_backups,
}


# --- Point-in-time recovery: the engine's own switch, for engines the platform wires it for. ---

def _yugabyte_pitr(s: ServiceObjects) -> Observed:
    schedules = s.of_kind("BackupSchedule")
    off = [b for b in schedules if _dig(b.props, "spec", "enablePointInTimeRestore") is not True]
    culprit = off[0] if off else (schedules[0] if schedules else s.instance)
    value = _dig(culprit.props, "spec", "enablePointInTimeRestore") if schedules else None
    return Observed(bool(schedules) and not off, culprit.urn,
                    f"BackupSchedule spec.enablePointInTimeRestore is {value!r}" if schedules
                    else f"no BackupSchedule for YBUniverse {s.instance.name}, so no point-in-time restore")


def _mongodb_pitr(s: ServiceObjects) -> Observed:
    value = _dig(s.spec, "backup", "pitr", "enabled")
    return Observed(value is True, s.instance.urn, f"spec.backup.pitr.enabled is {value!r}")


PITR: dict[EngineName, Callable[[ServiceObjects], Observed]] = {
    EngineName.yugabyte: _yugabyte_pitr,
    EngineName.mongodb: _mongodb_pitr,
}

_unread = {
    "replicas": sorted(e.value for e in EngineName if e not in REPLICAS),
    "backups": sorted(e.value for e in EngineName if e not in BACKUPS),
    "pitr": sorted(e.value for e, spec in ENGINE_SPECS.items() if spec.pitr and e not in PITR),
}
if any(_unread.values()):
    raise ValueError(f"plan rules have no reader for these engines: {_unread}")


def enterprise_services(stack: StackView, ctx: RuleContext) -> Iterator[ServiceObjects]:
    """Every enterprise tenant's service that has an engine instance in this stack. The plan comes
    from the tenant's declaration, or from the instance's `dbaas.io/plan` label if undeclared."""
    groups: dict[tuple[str, str], list[Resource]] = defaultdict(list)
    for r in stack.resources:
        service, engine = r.labels.get(SERVICE_LABEL), r.labels.get(ENGINE_LABEL)
        if r.tenant is not None and isinstance(service, str) and engine in ENGINES:
            groups[(r.tenant, service)].append(r)
    for (tenant, service), objects in sorted(groups.items()):
        instances = [r for r in objects if stateful_label(r.type) == "engine instance"]
        if not instances:
            continue
        instance = instances[0]
        facts = ctx.tenants.get(tenant)
        plan = facts.plan if facts is not None else instance.labels.get(PLAN_LABEL)
        if plan == ENTERPRISE:
            yield ServiceObjects(tenant, service, EngineName(instance.labels[ENGINE_LABEL]), instance, tuple(objects))


def _check(readers: Mapping[EngineName, Callable[[ServiceObjects], Observed]], must: str):
    def check(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
        for svc in enterprise_services(stack, ctx):
            reader = readers.get(svc.engine)
            if reader is None:
                continue
            seen = reader(svc)
            if not seen.ok:
                yield Finding(seen.urn, f"enterprise service {svc.tenant}/{svc.name} ({svc.engine.value}) {must}: "
                                        f"{seen.detail}")
    return check


RULES = [
    Rule(
        name="plan-enterprise-clustered",
        description=f"Enterprise services run clustered with at least {MIN_ENTERPRISE_REPLICAS} replicas.",
        severity=Severity.HIGH,
        fix_hint=f"Declare the service with topology: clustered and replicas >= {MIN_ENTERPRISE_REPLICAS} in "
                 "tenants/<region>/<id>.yaml; the engine component sizes the instance from it.",
        check_stack=_check(REPLICAS, f"must keep at least {MIN_ENTERPRISE_REPLICAS} replicas"),
    ),
    Rule(
        name="plan-enterprise-backups",
        description="Enterprise services have a scheduled backup to the tenant's bucket.",
        severity=Severity.CRITICAL,
        fix_hint="Add a backups: {schedule, retention_days} block to the service in its tenant file.",
        check_stack=_check(BACKUPS, "must have scheduled backups"),
    ),
    Rule(
        name="plan-enterprise-pitr",
        description="Enterprise services have point-in-time recovery on wherever the engine catalog says the "
                    "platform supports it (declarations.engine_catalog EngineSpec.pitr).",
        severity=Severity.HIGH,
        fix_hint="Give the service a backups: block; the engine component then turns on the engine's PITR "
                 "(PSMDB spec.backup.pitr.enabled, YugabyteDB BackupSchedule enablePointInTimeRestore).",
        check_stack=_check(PITR, "must have point-in-time recovery enabled"),
    ),
]
