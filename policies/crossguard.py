"""Adapters from CrossGuard's policy arguments to the rules' typed view, and the pack's policies.

CrossGuard hands rules proxies that raise on unknown values; the adapter copies them into plain
data with unknowns rendered "[unknown]", exactly like the offline plan, so rules see one shape.
Numbers stay as the wire delivers them: the engine sends properties as protobuf Structs, so every
number is a double (`3.0`); the rules compare them through `policies.rules.model.whole_number`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from typing import Callable

from pulumi_policy import proxy as policy_proxy
from pulumi_policy.proxy import _DictProxy, _ListProxy
from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policies.rules.catalog import RULES
from policies.rules.model import (
    Resource,
    Rule,
    RuleContext,
    StackView,
    TenantFacts,
    declared_tenant,
    tenant_by_parent_chain,
)
from policies.tenant_facts import load_tenant_facts

UNKNOWN_SENTINELS = frozenset({
    policy_proxy.UNKNOWN_BOOLEAN_VALUE, policy_proxy.UNKNOWN_NUMBER_VALUE, policy_proxy.UNKNOWN_STRING_VALUE,
    policy_proxy.UNKNOWN_ARRAY_VALUE, policy_proxy.UNKNOWN_ASSET_VALUE, policy_proxy.UNKNOWN_ARCHIVE_VALUE,
    policy_proxy.UNKNOWN_OBJECT_VALUE,
})
"""The engine marks an unknown value with a sentinel string per kind (pulumi/pulumi
pkg/resource/plugin/rpc.go marshalUnknownProperty); the pack receives them as plain strings."""

TENANTS_DIR_ENV = "DBAAS_TENANTS_DIR"
DEFAULT_TENANTS_DIR = Path(__file__).resolve().parent.parent / "tenants"


def plain(value: Any) -> Any:
    """Unwrap CrossGuard's unknown-checking proxies into dicts and lists. Exact type checks first:
    the servicer hands every policy a fresh proxy tree, so this runs for every policy on every
    resource, and ABC isinstance checks would dominate the pack's time."""
    kind = type(value)
    if kind is _DictProxy or kind is _ListProxy:
        value = value["__target"]  # the proxies' documented escape hatch to the raw data
        kind = type(value)
    if kind is dict:
        return {str(k): plain(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [plain(v) for v in value]
    if kind is str:
        return "[unknown]" if value in UNKNOWN_SENTINELS else value
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return [plain(v) for v in value]
    return value


class PlainProps(Mapping[str, Any]):
    """A resource's properties, each top-level key unwrapped by `plain` on first access.

    The servicer deserialises the properties afresh for every policy; most rules look at one
    resource type, or at a resource's labels and tags only, so converting the whole tree up front
    for every policy and every resource would be most of the pack's time."""

    def __init__(self, props: Any):
        self._raw = props["__target"] if type(props) is _DictProxy else props
        self._plain: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._plain:
            self._plain[key] = plain(self._raw[key])
        return self._plain[key]

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@lru_cache(maxsize=1)
def tenant_facts() -> dict[str, TenantFacts]:
    return load_tenant_facts(Path(os.environ.get(TENANTS_DIR_ENV, DEFAULT_TENANTS_DIR)))


def _region(provider: Any) -> str | None:
    if provider is None or not str(provider.resource_type).startswith("pulumi:providers:aws"):
        return None
    region = PlainProps(provider.props).get("region")
    return region if isinstance(region, str) else None


def resource_from_args(args: ResourceValidationArgs) -> Resource:
    props = PlainProps(args.props)
    return Resource(
        urn=args.urn,
        type=args.resource_type,
        name=args.name,
        props=props,
        protect=bool(args.opts.protect),
        retain_on_delete=None,  # not in AnalyzerResourceOptions (pulumi/pulumi proto/pulumi/analyzer.proto)
        parent=args.opts.parent,
        provider_region=_region(args.provider),
        tenant=declared_tenant(args.resource_type, props),
    )


def stack_from_args(args: StackValidationArgs) -> StackView:
    resources = args.resources
    parents = {r.urn: (r.parent.urn if r.parent else None) for r in resources}
    owners = tenant_by_parent_chain(parents, {r.urn: r.resource_type for r in resources},
                                    {r.urn: r.name for r in resources})
    converted = []
    for r in resources:
        props = PlainProps(r.props)
        converted.append(
            Resource(
                urn=r.urn,
                type=r.resource_type,
                name=r.name,
                props=props,
                protect=bool(r.opts.protect),
                retain_on_delete=None,  # the engine never sends it to an analyzer
                parent=parents[r.urn],
                provider_region=_region(r.provider),
                property_dependencies={k: tuple(d.urn for d in v) for k, v in (r.property_dependencies or {}).items()},
                tenant=owners.get(r.urn) or declared_tenant(r.resource_type, props),
            )
        )
    stack = resources[0].urn.split("::", 1)[0].removeprefix("urn:pulumi:") if resources else ""
    return StackView(stack=stack, resources=converted)


TenantSource = Callable[[], Mapping[str, TenantFacts]]


def _context(rule: Rule, config: Mapping[str, Any] | None, tenants: TenantSource) -> RuleContext:
    """The servicer passes None for a policy whose configured properties are empty."""
    return RuleContext(config={**rule.config_defaults(), **dict(config or {})}, tenants=tenants())


def _report(rule: Rule, report: ReportViolation, message: str, urn: str | None = None) -> None:
    report(f"{message}. Fix: {rule.fix_hint}", urn)


def to_policy(rule: Rule, tenants: TenantSource = tenant_facts) -> ResourceValidationPolicy | StackValidationPolicy:
    """One CrossGuard policy per rule, with the rule's severity, enforcement and config schema."""
    schema = PolicyConfigSchema(properties=dict(rule.config_schema)) if rule.config_schema else None
    common = dict(name=rule.name, description=rule.description, enforcement_level=rule.enforcement,
                  severity=rule.severity, remediation_steps=rule.fix_hint, config_schema=schema)
    if rule.check_resource is not None:
        check = rule.check_resource

        def validate_resource(args: ResourceValidationArgs, report: ReportViolation) -> None:
            for message in check(resource_from_args(args), _context(rule, args.get_config(), tenants)):
                _report(rule, report, message)

        return ResourceValidationPolicy(validate=validate_resource, **common)

    stack_check = rule.check_stack

    def validate_stack(args: StackValidationArgs, report: ReportViolation) -> None:
        for finding in stack_check(stack_from_args(args), _context(rule, args.get_config(), tenants)):
            _report(rule, report, finding.message, finding.urn)

    return StackValidationPolicy(validate=validate_stack, **common)


def build_policies(tenants: TenantSource = tenant_facts) -> list[ResourceValidationPolicy | StackValidationPolicy]:
    """Under the engine the tenants come from the repository's tree (`DBAAS_TENANTS_DIR` or
    ./tenants); `dbaas policy` passes the tree it planned, e.g. a diff's changed tenants."""
    return [to_policy(rule, tenants) for rule in RULES]
