"""Offline policy evaluation: the policy pack, driven through the analyzer protocol exactly as
the engine drives it (tools/policy/analyzer.py), over an offline plan, with enforcement levels and
pack config in the same format as `pulumi preview --policy-pack-config`; then the offline-only
checks of what the analyzer never receives (policies/rules/catalog.py OFFLINE_CHECKS).

`evaluate_plan(plan, tenants)` is the entry point for other tools (the provisioning API, `dbaas
diff`); `dbaas policy` prints its report and exits 1 on any mandatory violation.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping

import jsonschema
from google.protobuf import empty_pb2
from pulumi_policy import EnforcementLevel

from tools.policy.cross_stack import CROSS_STACK_CHECK_NAMES, CROSS_STACK_CHECKS, cross_stack_findings
from declarations.errors import InputError, Problem
from tools.offline.plan import OfflinePlan, registrations_by_stack
from tools.offline.runtime import Registration
from tools.policy.analyzer import Diagnostic, InProcessAnalyzer, PolicySettings
from tools.policy.stack_evaluation import evaluate_stacks
from declarations.safe_yaml import load_file
from policies.rules.catalog import ALL_RULES_BY_NAME, OFFLINE_CHECKS, RULES, RULES_BY_NAME
from policies.rules.model import Resource, Rule, RuleContext, TenantFacts, declared_tenant
from policies.tenant_facts import load_tenant_facts

OFFLINE_CHECK_NAMES = frozenset(c.name for c in OFFLINE_CHECKS)
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
        rule = ALL_RULES_BY_NAME.get(name)
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
        for rule in (*RULES, *OFFLINE_CHECKS):
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

    @property
    def offline_only(self) -> bool:
        return self.policy in OFFLINE_CHECK_NAMES

    def __str__(self) -> str:
        label = f"{self.policy} (offline only: the analyzer never receives retainOnDelete)" if self.offline_only \
            else f"{self.policy} (across stacks: no one stack's engine or policy pack sees it)" \
            if self.policy in CROSS_STACK_CHECK_NAMES else self.policy
        return f"[{self.enforcement}/{self.severity}] {label}\n  {self.urn}\n  {self.message}\n  fix: {self.fix_hint}"


@dataclass(frozen=True)
class PolicyReport:
    stack: str
    rules_run: tuple[str, ...]
    violations: tuple[Violation, ...]
    title: str = "Policy pack dbaas-platform on stack"
    evaluated: tuple[str, ...] = ()
    """Stacks sent through the analyzer protocol in this run."""
    remembered: tuple[str, ...] = ()
    """Stacks whose diagnostics came from an earlier run of the same messages (tools/policy/result_cache.py)."""

    @property
    def mandatory(self) -> tuple[Violation, ...]:
        return tuple(v for v in self.violations if v.enforcement == EnforcementLevel.MANDATORY.value)

    @property
    def passed(self) -> bool:
        return not self.mandatory

    def to_json(self) -> dict[str, Any]:
        return {"stack": self.stack, "passed": self.passed, "rules": list(self.rules_run),
                "offlineOnly": [name for name in self.rules_run if name in OFFLINE_CHECK_NAMES],
                "violations": [{**asdict(v), "offlineOnly": v.offline_only} for v in self.violations],
                **({"stacks": {"evaluated": list(self.evaluated), "remembered": list(self.remembered)}}
                   if self.evaluated or self.remembered else {})}

    def render_text(self) -> str:
        lines = [str(v) for v in self.violations]
        if self.remembered:
            lines.append(f"{len(self.evaluated)} stack(s) sent through the analyzer protocol, {len(self.remembered)} "
                         "remembered from an earlier run with the same resources, pack, config and tenant facts "
                         "(DBAAS_POLICY_CACHE=off sends every stack)")
        advisory = len(self.violations) - len(self.mandatory)
        lines.append(f"{self.title} {self.stack}: {len(self.rules_run)} policies, "
                     f"{len(self.mandatory)} mandatory and {advisory} advisory violation(s)"
                     + ("" if self.violations else " - all passed"))
        return "\n".join(lines) + "\n"


def _violation(diagnostic: Diagnostic, fix_hints: Mapping[str, str]) -> Violation:
    """The pack reports `<message>. Fix: <remediation steps>`; split them back apart."""
    hint = fix_hints.get(diagnostic.policy, "")
    message = diagnostic.message.removesuffix(f". Fix: {hint}") if hint else diagnostic.message
    severity = diagnostic.severity.value if diagnostic.severity else ""
    return Violation(diagnostic.policy, diagnostic.enforcement.value, severity, diagnostic.urn, message, hint)


def _offline_violations(plan: OfflinePlan, tenants: Mapping[str, TenantFacts],
                        config: PackConfig) -> tuple[list[str], list[Violation]]:
    """The checks on what the analyzer never receives (retainOnDelete), over the plan itself."""
    owners = plan.tenant_of()
    run: list[str] = []
    found: list[Violation] = []
    for check in OFFLINE_CHECKS:
        settings = config.for_rule(check)
        if settings.enforcement is EnforcementLevel.DISABLED:
            continue
        run.append(check.name)
        ctx = RuleContext(config=settings.config, tenants=tenants)
        for reg in plan.registrations:
            resource = Resource(urn=reg.urn, type=reg.type, name=reg.name, props=reg.inputs, protect=reg.protect,
                                retain_on_delete=reg.retain_on_delete, parent=reg.parent or None,
                                tenant=owners.get(reg.urn) or declared_tenant(reg.type, reg.inputs))
            found.extend(Violation(check.name, settings.enforcement.value, check.severity.value, reg.urn, message,
                                   check.fix_hint) for message in check.check_resource(resource, ctx))
    return run, found


def evaluate_plan(plan: OfflinePlan, tenants: Path | Mapping[str, TenantFacts],
                  config: PackConfig | None = None) -> PolicyReport:
    """Policy results for an offline plan: the pack's own analyzer servicer, fed the engine's
    AnalyzeRequest / AnalyzeStackRequest messages for the plan (tools/policy/analyzer.py), then the
    offline-only checks. `tenants` is the tree the plan was built from, or its facts."""
    facts = load_tenant_facts(tenants) if isinstance(tenants, Path) else tenants
    config = config or PackConfig()
    configured = {name: PolicySettings(s.enforcement, s.config) for name, s in config.settings.items()}
    # The engine runs the pack once per stack (`pulumi preview -s <stack>`): a region's plan holds its
    # platform stack and every tenant stack, each analysed on its own, as a real preview would.
    stacks = evaluate_stacks(registrations_by_stack(plan.registrations), facts, configured)
    diagnostics = [d for found in stacks.diagnostics.values() for d in found]
    info = InProcessAnalyzer(facts).GetAnalyzerInfo(empty_pb2.Empty())  # the policies, their order and hints
    order = {p.name: i for i, p in enumerate(info.policies)}
    hints = {p.name: p.remediation_steps for p in info.policies}
    violations = sorted({_violation(d, hints) for d in diagnostics},
                        key=lambda v: (order.get(v.policy, len(order)), v.urn, v.message))
    offline_run, offline_found = _offline_violations(plan, facts, config)
    rules_run = tuple(p.name for p in info.policies
                      if config.for_rule(RULES_BY_NAME[p.name]).enforcement is not EnforcementLevel.DISABLED)
    return PolicyReport(stack=plan.stack, rules_run=rules_run + tuple(offline_run),
                        violations=tuple(violations) + tuple(sorted(set(offline_found), key=lambda v: (v.urn, v.message))),
                        evaluated=tuple(stacks.evaluated), remembered=tuple(stacks.remembered))


def evaluate_across_stacks(registrations: list[Registration]) -> PolicyReport:
    """The cross-stack checks (tools/policy/cross_stack.py) over the union of every stack's plan;
    always mandatory: no pack config can waive a collision the engine would hit on apply."""
    violations = [Violation(check.name, EnforcementLevel.MANDATORY.value, check.severity.value, finding.urn,
                            finding.message, check.fix_hint)
                  for check, finding in cross_stack_findings(registrations)]
    stacks = sorted(registrations_by_stack(registrations), key=lambda s: ("." in s, s))
    return PolicyReport(stack=", ".join(stacks), rules_run=tuple(c.name for c in CROSS_STACK_CHECKS),
                        violations=tuple(violations), title="Cross-stack checks over stacks")


def evaluate_all_regions(project_dir: Path, tenants_dir: Path, config: PackConfig | None = None) -> list[PolicyReport]:
    """`dbaas policy --all`: every region's report (pack per stack + offline-only checks), then the
    cross-stack report over all their stacks."""
    from tools.offline.plan import build_plan
    from declarations.regions import KNOWN_REGIONS

    reports, registrations = [], []
    for region in KNOWN_REGIONS:
        plan = build_plan(region, project_dir, tenants_dir)
        reports.append(evaluate_plan(plan, tenants_dir, config))
        registrations.extend(plan.registrations)
    return [*reports, evaluate_across_stacks(registrations)]


def cmd_policy(args: argparse.Namespace) -> int:
    from tools.cli_io import EXIT_INVALID, EXIT_OK, find_project_dir
    from tools.cli_io import UsageError, check_output, check_stack, to_stdout, write_output
    from tools.offline.plan import build_plan

    project_dir = find_project_dir()
    if args.stack and args.all:
        raise UsageError("give a STACK or --all, not both")
    if args.stack:
        check_stack(project_dir, args.stack)
    check_output(args.json, "--json")
    tenants_dir = Path(args.tenants_dir) if args.tenants_dir else project_dir / "tenants"
    config = load_pack_config(Path(args.config)) if args.config else None
    if args.stack:
        reports = [evaluate_plan(build_plan(args.stack, project_dir, tenants_dir), tenants_dir, config)]
    else:
        reports = evaluate_all_regions(project_dir, tenants_dir, config)
    (sys.stderr if to_stdout(args.json) else sys.stdout).write("".join(r.render_text() for r in reports))
    passed = all(r.passed for r in reports)
    if args.json:
        document = reports[0].to_json() if args.stack else \
            {"passed": passed, "regions": [r.to_json() for r in reports[:-1]], "crossStack": reports[-1].to_json()}
        write_output(args.json, json.dumps(document, indent=2, sort_keys=True) + "\n", "--json")
    return EXIT_OK if passed else EXIT_INVALID


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("policy", help="run the policy pack offline against a stack's plan (or every region's "
                                             "and the cross-stack checks); exit 1 on a mandatory violation")
    p.add_argument("stack", metavar="STACK", nargs="?",
                   help="stack name, e.g. lagos; without it (or with --all): every region, then the checks across "
                        "all their stacks")
    p.add_argument("--all", action="store_true", help="every region and the cross-stack checks (the default)")
    p.add_argument("--tenants-dir", help="tenants tree (default: ./tenants of the project)")
    p.add_argument("--config", metavar="FILE", help="pack config (JSON or YAML), as for --policy-pack-config")
    p.add_argument("--json", metavar="FILE", help="also write the report as JSON here")
    p.set_defaults(func=cmd_policy)
