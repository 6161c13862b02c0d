"""Adapters from CrossGuard's policy arguments to the rules' typed view, and the pack's policies.

CrossGuard hands rules proxies that raise on unknown values; the adapter copies them into plain
data with unknowns rendered "[unknown]", exactly like the offline plan, so rules see one shape.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from pulumi.runtime.rpc import UNKNOWN
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

TENANTS_DIR_ENV = "DBAAS_TENANTS_DIR"
DEFAULT_TENANTS_DIR = Path(__file__).resolve().parent.parent / "tenants"


def plain(value: Any) -> Any:
    """Unwrap CrossGuard's unknown-checking proxies into dicts and lists."""
    if isinstance(value, (_DictProxy, _ListProxy)):
        value = value["__target"]  # the proxies' documented escape hatch to the raw data
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [plain(v) for v in value]
    if value == UNKNOWN:
        return "[unknown]"
    return value


@lru_cache(maxsize=1)
def tenant_facts() -> dict[str, TenantFacts]:
    return load_tenant_facts(Path(os.environ.get(TENANTS_DIR_ENV, DEFAULT_TENANTS_DIR)))


def _region(provider: Any) -> str | None:
    if provider is None or not str(provider.resource_type).startswith("pulumi:providers:aws"):
        return None
    region = plain(provider.props).get("region")
    return region if isinstance(region, str) else None


def resource_from_args(args: ResourceValidationArgs) -> Resource:
    props = plain(args.props)
    return Resource(
        urn=args.urn,
        type=args.resource_type,
        name=args.name,
        props=props,
        protect=bool(args.opts.protect),
        retain_on_delete=getattr(args.opts, "retain_on_delete", None),
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
        props = plain(r.props)
        converted.append(
            Resource(
                urn=r.urn,
                type=r.resource_type,
                name=r.name,
                props=props,
                protect=bool(r.opts.protect),
                retain_on_delete=getattr(r.opts, "retain_on_delete", None),
                parent=parents[r.urn],
                provider_region=_region(r.provider),
                property_dependencies={k: tuple(d.urn for d in v) for k, v in (r.property_dependencies or {}).items()},
                tenant=owners.get(r.urn) or declared_tenant(r.resource_type, props),
            )
        )
    stack = resources[0].urn.split("::", 1)[0].removeprefix("urn:pulumi:") if resources else ""
    return StackView(stack=stack, resources=converted)


def _context(rule: Rule, config: Mapping[str, Any]) -> RuleContext:
    return RuleContext(config={**rule.config_defaults(), **dict(config)}, tenants=tenant_facts())


def _report(rule: Rule, report: ReportViolation, message: str, urn: str | None = None) -> None:
    report(f"{message}. Fix: {rule.fix_hint}", urn)


def to_policy(rule: Rule) -> ResourceValidationPolicy | StackValidationPolicy:
    """One CrossGuard policy per rule, with the rule's severity, enforcement and config schema."""
    schema = PolicyConfigSchema(properties=dict(rule.config_schema)) if rule.config_schema else None
    common = dict(name=rule.name, description=rule.description, enforcement_level=rule.enforcement,
                  severity=rule.severity, remediation_steps=rule.fix_hint, config_schema=schema)
    if rule.check_resource is not None:
        check = rule.check_resource

        def validate_resource(args: ResourceValidationArgs, report: ReportViolation) -> None:
            for message in check(resource_from_args(args), _context(rule, args.get_config())):
                _report(rule, report, message)

        return ResourceValidationPolicy(validate=validate_resource, **common)

    stack_check = rule.check_stack

    def validate_stack(args: StackValidationArgs, report: ReportViolation) -> None:
        for finding in stack_check(stack_from_args(args), _context(rule, args.get_config())):
            _report(rule, report, finding.message, finding.urn)

    return StackValidationPolicy(validate=validate_stack, **common)


def build_policies() -> list[ResourceValidationPolicy | StackValidationPolicy]:
    return [to_policy(rule) for rule in RULES]
