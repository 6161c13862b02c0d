"""Every rule of the pack, in the order reports list them, and the offline-only checks."""

from __future__ import annotations

from policies.rules import aws, deletion, kafka, kubernetes, plans, residency
from policies.rules.model import Rule

RULES: tuple[Rule, ...] = (*kubernetes.RULES, *aws.RULES, *residency.RULES, *deletion.RULES, *kafka.RULES,
                           *plans.RULES)
"""What the CrossGuard pack serves (policies/crossguard.py): they run under a real preview."""

OFFLINE_CHECKS: tuple[Rule, ...] = (*deletion.OFFLINE_CHECKS,)
"""What only `dbaas policy` can check, because the analyzer protocol never carries it."""

_names = [r.name for r in (*RULES, *OFFLINE_CHECKS)]
if len(_names) != len(set(_names)):
    raise ValueError(f"duplicate rule names: {sorted(n for n in _names if _names.count(n) > 1)}")

RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}
ALL_RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in (*RULES, *OFFLINE_CHECKS)}
