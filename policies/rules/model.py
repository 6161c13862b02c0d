"""The typed view every rule reads: resources, the stack around them, and the tenants' facts.

CrossGuard and the offline runner each build these from what they have (policy args or an
offline plan), so one rule function serves both.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable, Mapping

from pulumi_policy import EnforcementLevel, Severity

from declarations.naming import split_stack_name, tenant_namespace

TENANT_ENVIRONMENT_TYPE = "dbaas:tenant:TenantEnvironment"
TENANT_LABEL = "dbaas.io/tenant"
TENANT_TAG = "dbaas:tenant"
REGION_LABEL = "dbaas.io/region"
REGION_TAG = "dbaas:region"
SERVICE_LABEL = "dbaas.io/service"
UNRESOLVED = ("[secret]", "[unknown]")
"""How the offline plan renders values a rule cannot read."""


@dataclass(frozen=True)
class TenantFacts:
    """What the rules need to know about a tenant beyond its resources' own properties."""

    id: str
    data_region: str
    deletion_protection: bool
    owners: tuple[str, ...]
    plan: str
    decommissioned: bool = False
    """The tenant file carries a tenant-level `decommission:` marker."""
    decommissioned_services: frozenset[str] = frozenset()
    """Services whose own `decommission:` marker is set (or all of them, for a decommissioned tenant)."""


def whole_number(value: Any) -> int | None:
    """The integer a property holds, whether it arrived as 3 or 3.0, else None.

    The engine sends properties to a policy pack as protobuf Structs, whose only number type is a
    double: a program's `replicas: 3` reaches the pack as 3.0 (pulumi/pulumi pkg/resource/plugin/
    rpc.go MarshalPropertyValue). Every rule that compares a count goes through this; booleans
    (which Python counts as ints) and fractions are not whole numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def shown(value: Any) -> str:
    """A property value in a message: whole doubles as the integers they stand for (3, not 3.0)."""
    number = whole_number(value)
    return str(number) if number is not None else repr(value)


def at_least(where: str, value: Any, minimum: int) -> str | None:
    """None when `value` is a whole number >= `minimum`; otherwise the violation message."""
    number = whole_number(value)
    if number is None and isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{where} is {value!r}, must be a whole number of at least {minimum}"
    if number is None or number < minimum:
        return f"{where} is {shown(value)}, must be at least {minimum}"
    return None


@dataclass(frozen=True)
class Resource:
    """One resource as a rule sees it: type, inputs and the options that matter for policy."""

    urn: str
    type: str
    name: str
    props: Mapping[str, Any]
    protect: bool = False
    retain_on_delete: bool | None = None
    """None when the engine does not report it (CrossGuard's Python analyzer omits it)."""
    parent: str | None = None
    provider_region: str | None = None
    """Region of the explicit AWS provider, when the resource has one."""
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    tenant: str | None = None
    """The tenant that owns the resource, or None for the region's platform resources."""

    @property
    def stack(self) -> str:
        return self.urn.split("::", 1)[0].removeprefix("urn:pulumi:")

    @property
    def kind(self) -> str:
        """`Namespace` for `kubernetes:core/v1:Namespace`; the last part of any type token."""
        return self.type.rsplit(":", 1)[-1]

    @property
    def is_kubernetes(self) -> bool:
        return self.type.startswith("kubernetes:")

    @property
    def metadata(self) -> Mapping[str, Any]:
        meta = self.props.get("metadata")
        return meta if isinstance(meta, Mapping) else {}

    @property
    def labels(self) -> Mapping[str, Any]:
        labels = self.metadata.get("labels")
        return labels if isinstance(labels, Mapping) else {}

    @property
    def tags(self) -> Mapping[str, Any]:
        tags = self.props.get("tags")
        return tags if isinstance(tags, Mapping) else {}

    @property
    def namespace(self) -> str | None:
        ns = self.metadata.get("namespace")
        return ns if isinstance(ns, str) else None


def tenant_from_namespace(namespace: str | None) -> str | None:
    """Invert `declarations.naming.tenant_namespace`: `t-acme` -> `acme`."""
    if namespace and namespace.startswith("t-") and tenant_namespace(namespace[2:]) == namespace:
        return namespace[2:]
    return None


def declared_tenant(type_: str, props: Mapping[str, Any]) -> str | None:
    """The tenant a resource says it belongs to (label, tag, or tenant namespace), without parents."""
    meta = props.get("metadata") if isinstance(props.get("metadata"), Mapping) else {}
    labels = meta.get("labels") if isinstance(meta.get("labels"), Mapping) else {}
    tags = props.get("tags") if isinstance(props.get("tags"), Mapping) else {}
    for value in (labels.get(TENANT_LABEL), tags.get(TENANT_TAG)):
        if isinstance(value, str) and value not in UNRESOLVED:
            return value
    if type_ == "kubernetes:core/v1:Namespace":
        return tenant_from_namespace(meta.get("name"))
    return tenant_from_namespace(meta.get("namespace"))


def owners_by_parent_chain(parents: Mapping[str, str | None], types: Mapping[str, str],
                           owner_types: frozenset[str]) -> dict[str, str]:
    """URN -> URN of its nearest ancestor-or-self whose type is one of `owner_types`: the one
    parent-chain walk ("which tenant / which component owns this resource"), each chain walked once."""
    result: dict[str, str] = {}
    for urn in parents:
        cursor: str | None = urn
        trail: list[str] = []
        while cursor is not None and cursor not in result:
            if types.get(cursor) in owner_types:
                result[cursor] = cursor
                break
            trail.append(cursor)
            cursor = parents.get(cursor) or None
        owner = result.get(cursor) if cursor is not None else None
        if owner is not None:
            for visited in trail:
                result[visited] = owner
    return result


def tenant_by_parent_chain(parents: Mapping[str, str | None], types: Mapping[str, str], names: Mapping[str, str]) -> dict[str, str]:
    """URN -> tenant id for every resource below a TenantEnvironment component."""
    owners = owners_by_parent_chain(parents, types, frozenset({TENANT_ENVIRONMENT_TYPE}))
    return {urn: names[owner] for urn, owner in owners.items()}


@dataclass(frozen=True)
class Finding:
    """One violation found by a stack rule, attached to a resource."""

    urn: str
    message: str


@dataclass
class StackView:
    """All resources of one stack, with the lookups stack rules share."""

    stack: str
    resources: list[Resource]

    @property
    def region(self) -> str:
        """The platform region of the stack: `lagos` for the platform stack `lagos` and for its
        tenant stacks `lagos.<tenant-id>`."""
        return split_stack_name(self.stack)[0]

    @property
    def stack_tenant(self) -> str | None:
        """The tenant whose own stack this is (`lagos.acme` -> `acme`); None for a platform stack."""
        return split_stack_name(self.stack)[1]

    @cached_property
    def by_urn(self) -> dict[str, Resource]:
        return {r.urn: r for r in self.resources}

    @cached_property
    def by_type(self) -> dict[str, list[Resource]]:
        grouped: dict[str, list[Resource]] = defaultdict(list)
        for r in self.resources:
            grouped[r.type].append(r)
        return grouped

    def of_types(self, *types: str) -> list[Resource]:
        return [r for t in types for r in self.by_type.get(t, [])]

    @cached_property
    def _by_bucket(self) -> dict[str, list[Resource]]:
        """Bucket URN or physical bucket name -> resources that configure that bucket."""
        index: dict[str, list[Resource]] = defaultdict(list)
        for r in self.resources:
            keys = set(r.property_dependencies.get("bucket", ()))
            name = r.props.get("bucket")
            if r.type.startswith("aws:s3/") and r.type != "aws:s3/bucket:Bucket" and isinstance(name, str):
                keys.add(name)
            for key in keys:
                index[key].append(r)
        return index

    def bucket_settings(self, bucket: Resource, *types: str) -> list[Resource]:
        """The separate settings resources (pulumi-aws v7 style) that point at `bucket`."""
        found = {r.urn: r for r in self._by_bucket.get(bucket.urn, []) if r.type in types}
        name = bucket.props.get("bucket")
        if isinstance(name, str) and name not in UNRESOLVED:
            found.update({r.urn: r for r in self._by_bucket.get(name, []) if r.type in types})
        return list(found.values())

    @cached_property
    def _by_type_and_namespace(self) -> dict[tuple[str, str | None], list[Resource]]:
        index: dict[tuple[str, str | None], list[Resource]] = defaultdict(list)
        for r in self.resources:
            index[(r.type, r.namespace)].append(r)
        return index

    def in_namespace(self, namespace: str, type_: str) -> list[Resource]:
        """Indexed: stack rules ask this once per namespace, which must not cost a full scan."""
        return list(self._by_type_and_namespace.get((type_, namespace), []))

    def dependencies_of(self, resource: Resource, prop: str) -> list[Resource]:
        return [self.by_urn[u] for u in resource.property_dependencies.get(prop, ()) if u in self.by_urn]


@dataclass(frozen=True)
class RuleContext:
    """What a rule may read besides the resource: its config and the tenants' declarations."""

    config: Mapping[str, Any]
    tenants: Mapping[str, TenantFacts]


ResourceCheck = Callable[[Resource, RuleContext], Iterable[str]]
StackCheck = Callable[[StackView, RuleContext], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A policy: name, why it exists, how bad a violation is, how to fix it, and its check.

    Exactly one of `check_resource` (one resource at a time) and `check_stack` (needs other
    resources of the stack) is set.
    """

    name: str
    description: str
    severity: Severity
    fix_hint: str
    check_resource: ResourceCheck | None = None
    check_stack: StackCheck | None = None
    enforcement: EnforcementLevel = EnforcementLevel.MANDATORY
    config_schema: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """JSON Schema per config property; each must carry a `default`."""

    def __post_init__(self) -> None:
        if (self.check_resource is None) == (self.check_stack is None):
            raise ValueError(f"rule {self.name}: set exactly one of check_resource and check_stack")

    def config_defaults(self) -> dict[str, Any]:
        return {key: schema["default"] for key, schema in self.config_schema.items()}
