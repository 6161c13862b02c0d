"""Offline policy evaluation: the pack's rules over an offline plan, with enforcement levels
and pack config in the same format as `pulumi preview --policy-pack-config`.

`evaluate_plan(plan)` is the entry point for other tools (the provisioning API); `dbaas policy`
prints its report and exits 1 on any mandatory violation.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import jsonschema
from pulumi_policy import EnforcementLevel

from dbaas.errors import InputError, Problem
from dbaas.offline.plan import OfflinePlan
from dbaas.safe_yaml import load_file
from policies.rules.catalog import RULES, RULES_BY_NAME
from policies.rules.model import Resource, Rule, RuleContext, StackView, TenantFacts, declared_tenant
from policies.tenant_facts import load_tenant_facts

LEVELS = {level.value: level for level in EnforcementLevel if level is not EnforcementLevel.REMEDIATE}


@dataclass(frozen=True)
class RuleSettings:
    enforcement: EnforcementLevel
    config: Mapping[str, Any]


@dataclass(frozen=True)
class PackConfig:
    """Per-rule enforcement level and config; rules not mentioned keep their defaults."""

    settings: Mapping[str, RuleSettings] = field(default_factory=dict)

    def for_rule(self, rule: Rule) -> RuleSettings:
        return self.settings.get(rule.name) or RuleSettings(rule.enforcement, rule.config_defaults())


def load_pack_config(path: Path) -> PackConfig:
    """Read a pack config file (JSON or YAML): `{"all": LEVEL, "<rule>": LEVEL | {"enforcementLevel":
    LEVEL, <config>...}}`. Unknown rules, levels and config values are located problems."""
    doc = load_file(path, str(path))
    if not isinstance(doc.data, dict):
        raise InputError([doc.problem((), "a policy pack config is a mapping of rule name to settings")])
    problems: list[Problem] = []
    default_level = None
    raw = dict(doc.data)
    if "all" in raw:
        default_level = LEVELS.get(raw.pop("all"))
        if default_level is None:
            problems.append(doc.problem(("all",), f"enforcement level must be one of {', '.join(LEVELS)}"))
    settings: dict[str, RuleSettings] = {}
    for name, value in raw.items():
        rule = RULES_BY_NAME.get(name)
        if rule is None:
            problems.append(doc.problem((name,), f"unknown policy {name!r}", prefer_key=True))
            continue
        level_text = value if isinstance(value, str) else (value or {}).get("enforcementLevel") if isinstance(value, dict) else None
        level = LEVELS.get(level_text) if level_text is not None else (default_level or rule.enforcement)
        if level is None:
            problems.append(doc.problem((name,), f"enforcement level must be one of {', '.join(LEVELS)}"))
            continue
        config = rule.config_defaults()
        if isinstance(value, dict):
            overrides = {k: v for k, v in value.items() if k != "enforcementLevel"}
            for key in overrides:
                if key not in rule.config_schema:
                    problems.append(doc.problem((name, key), f"{name} has no config property {key!r}", prefer_key=True))
            config.update({k: v for k, v in overrides.items() if k in rule.config_schema})
            for key, schema in rule.config_schema.items():
                try:
                    jsonschema.validate(config[key], schema)
                except jsonschema.ValidationError as exc:
                    problems.append(doc.problem((name, key), exc.message))
        elif not isinstance(value, str):
            problems.append(doc.problem((name,), "expected an enforcement level or a mapping"))
            continue
        settings[name] = RuleSettings(level, config)
    if default_level is not None:
        for rule in RULES:
            settings.setdefault(rule.name, RuleSettings(default_level, rule.config_defaults()))
    if problems:
        raise InputError(problems)
    return PackConfig(settings)


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: str
    severity: str
    urn: str
    message: str
    fix_hint: str

    def __str__(self) -> str:
        return f"[{self.enforcement}/{self.severity}] {self.policy}\n  {self.urn}\n  {self.message}\n  fix: {self.fix_hint}"


@dataclass(frozen=True)
class PolicyReport:
    stack: str
    rules_run: tuple[str, ...]
    violations: tuple[Violation, ...]

    @property
    def mandatory(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.enforcement == EnforcementLevel.MANDATORY.value)

    @property
    def passed(self) -> bool:
        return not self.mandatory

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "passed": self.passed, "rules": list(self.rules_run),
                "violations": [asdict(v) for v in self.violations]}

    def render_text(self) -> str:
        lines = [str(v) for v in self.violations]
        advisory = len(self.violations) - len(self.mandatory)
        lines.append(f"Policy pack dbaas-platform on stack {self.stack}: {len(self.rules_run)} policies, "
                     f"{len(self.mandatory)} mandatory and {advisory} advisory violation(s)"
                     + ("" if self.violations else " - all passed"))
        return "\n".join(lines) + "\n"


def view_of_plan(plan: OfflinePlan) -> StackView:
    """The rules' view of an offline plan: tenant ownership from the parent chain, AWS provider
    regions resolved from the provider registrations."""
    owners = plan.tenant_of()
    provider_regions = {
        r.urn: r.inputs.get("region") for r in plan.registrations if r.type == "pulumi:providers:aws"
    }
    resources = [
        Resource(
            urn=r.urn,
            type=r.type,
            name=r.name,
            props=r.inputs,
            protect=r.protect,
            retain_on_delete=r.retain_on_delete,
            parent=r.parent or None,
            provider_region=provider_regions.get(r.provider.rsplit("::", 1)[0]) if r.provider else None,
            property_dependencies=r.property_dependencies,
            tenant=owners.get(r.urn) or declared_tenant(r.type, r.inputs),
        )
        for r in plan.registrations
    ]
    return StackView(stack=plan.stack, resources=resources)


def evaluate(view: StackView, tenants: Mapping[str, TenantFacts], config: PackConfig | None = None) -> PolicyReport:
    """Run every enabled rule; violations come out in rule order, then by URN."""
    config = config or PackConfig()
    violations: list[Violation] = []
    run: list[str] = []
    for rule in RULES:
        settings = config.for_rule(rule)
        if settings.enforcement is EnforcementLevel.DISABLED:
            continue
        run.append(rule.name)
        ctx = RuleContext(config=settings.config, tenants=tenants)
        found: list[tuple[str, str]] = []
        if rule.check_resource is not None:
            for resource in view.resources:
                found.extend((resource.urn, m) for m in rule.check_resource(resource, ctx))
        else:
            found.extend((f.urn, f.message) for f in rule.check_stack(view, ctx))
        violations.extend(
            Violation(rule.name, settings.enforcement.value, rule.severity.value, urn, message, rule.fix_hint)
            for urn, message in sorted(dict.fromkeys(found))
        )
    return PolicyReport(stack=view.stack, rules_run=tuple(run), violations=tuple(violations))


def evaluate_plan(plan: OfflinePlan, tenants_dir: Path, config: PackConfig | None = None) -> PolicyReport:
    """Policy results for an offline plan built from `tenants_dir`."""
    return evaluate(view_of_plan(plan), load_tenant_facts(tenants_dir), config)


def cmd_policy(args: argparse.Namespace) -> int:
    from dbaas.cli import EXIT_INVALID, EXIT_OK, find_project_dir
    from dbaas.cli_io import check_output, check_stack, to_stdout, write_output
    from dbaas.offline.plan import build_plan

    project_dir = find_project_dir()
    check_stack(project_dir, args.stack)
    check_output(args.json, "--json")
    tenants_dir = Path(args.tenants_dir) if args.tenants_dir else project_dir / "tenants"
    config = load_pack_config(Path(args.config)) if args.config else None
    plan = build_plan(args.stack, project_dir, tenants_dir)
    report = evaluate_plan(plan, tenants_dir, config)
    (sys.stderr if to_stdout(args.json) else sys.stdout).write(report.render_text())
    if args.json:
        write_output(args.json, json.dumps(report.to_json(), indent=2, sort_keys=True) + "\n", "--json")
    return EXIT_OK if report.passed else EXIT_INVALID


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("policy", help="run the policy pack offline against a stack's plan; exit 1 on a mandatory violation")
    p.add_argument("stack", metavar="STACK", help="stack name, e.g. lagos")
    p.add_argument("--tenants-dir", help="tenants tree (default: ./tenants of the project)")
    p.add_argument("--config", metavar="FILE", help="pack config (JSON or YAML), as for --policy-pack-config")
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON here")
    p.set_defaults(func=cmd_policy)
