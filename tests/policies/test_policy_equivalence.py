"""The equivalence the performance work must keep: a stack's diagnostics are the same whether it went
through the analyzer protocol as before issue 23 (no cache, a conversion per policy), through it now (one
conversion per resource, tools/policy/struct_conversion.py), through the pack started as the engine starts it
(its own process, gRPC), or came back from the policy result cache (tools/policy/result_cache.py), on the
shipped stacks and on every rule's mutated plan; and a change to anything a stack's answer depends on sends
that stack through the protocol again."""

from __future__ import annotations

import dataclasses

import pytest
from pulumi_policy import EnforcementLevel

from policies.rules.catalog import RULES
from policies.tenant_facts import load_tenant_facts
from tests.conftest import TENANTS_DIR
from tests.policies.mutations import with_resource
from tests.policies.test_rules_on_lagos import MUTATIONS
from tools.policy.runner import PackConfig, PolicyReport, RuleSettings, evaluate_plan


@pytest.fixture(scope="module")
def facts():
    return load_tenant_facts(TENANTS_DIR)


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """A private, empty cache in `on` mode (the suite's default is `verify`, which never serves a hit)."""
    monkeypatch.setenv("DBAAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DBAAS_CACHE", "on")
    monkeypatch.setenv("DBAAS_POLICY_CACHE", "on")
    return monkeypatch


def reference(plan, facts, config=None, monkeypatch=None) -> PolicyReport:
    """Every stack through the analyzer protocol, no cache, the servicer converting properties once per policy
    (tools/policy/struct_conversion.py off): what `dbaas policy` did before issue 23."""
    monkeypatch.setenv("DBAAS_POLICY_CACHE", "off")
    monkeypatch.setenv("DBAAS_POLICY_CONVERSION", "each")
    try:
        return evaluate_plan(plan, facts, config)
    finally:
        monkeypatch.setenv("DBAAS_POLICY_CACHE", "on")
        monkeypatch.delenv("DBAAS_POLICY_CONVERSION")


def stacks_of(plan) -> set[str]:
    return {r.urn.split("::", 1)[0].removeprefix("urn:pulumi:") for r in plan.registrations}


def assert_same(one: PolicyReport, other: PolicyReport) -> None:
    assert (one.stack, one.rules_run, one.violations) == (other.stack, other.rules_run, other.violations)


@pytest.mark.parametrize("plan_name", ["lagos_plan", "frankfurt_plan"])
def test_shipped_stacks_give_the_same_report_from_the_protocol_and_from_the_cache(plan_name, request, facts, cache):
    plan = request.getfixturevalue(plan_name)
    before = reference(plan, facts, monkeypatch=cache)
    filled = evaluate_plan(plan, facts)
    remembered = evaluate_plan(plan, facts)
    assert_same(filled, before)
    assert_same(remembered, before)
    assert set(filled.evaluated) == stacks_of(plan) and filled.remembered == ()
    assert set(remembered.remembered) == stacks_of(plan) and remembered.evaluated == ()


@pytest.mark.parametrize("rule", sorted(MUTATIONS))
def test_every_rules_mutated_plan_gives_the_same_violations_from_the_protocol_and_from_the_cache(
        rule, lagos_plan, facts, cache):
    evaluate_plan(lagos_plan, facts)  # the untouched stacks are remembered: a mutation re-evaluates only its own
    mutated = MUTATIONS[rule][0](lagos_plan)
    before = reference(mutated, facts, monkeypatch=cache)
    assert {v.policy for v in before.violations} == {rule}
    first, second = evaluate_plan(mutated, facts), evaluate_plan(mutated, facts)
    assert_same(first, before)
    assert_same(second, before)
    assert len(first.evaluated) == 1, first.evaluated
    assert second.evaluated == ()


def test_a_tenants_changed_facts_send_the_stacks_that_read_them_through_the_protocol_again(lagos_plan, facts, cache):
    evaluate_plan(lagos_plan, facts)
    # acme's backups bucket loses its protect flag: a violation while acme's facts say deletion protection, none
    # once they do not. The same messages, other facts: acme's stack goes through the protocol again.
    unprotected = with_resource(lagos_plan, "acme.backups", protect=False)
    unprotected_facts = {**facts, "acme": dataclasses.replace(facts["acme"], deletion_protection=False)}
    with_protection = evaluate_plan(unprotected, facts)
    assert_same(with_protection, reference(unprotected, facts, monkeypatch=cache))
    assert [(v.policy, v.urn.rsplit("::", 1)[-1]) for v in with_protection.violations] == \
        [("deletion-protected-stateful", "acme.backups")]
    without_protection = evaluate_plan(unprotected, unprotected_facts)
    assert without_protection.evaluated == ("lagos.acme",)
    assert_same(without_protection, reference(unprotected, unprotected_facts, monkeypatch=cache))
    assert without_protection.violations == ()
    assert evaluate_plan(unprotected, facts).remembered == tuple(sorted(stacks_of(lagos_plan), key=lambda s: ("." in s, s)))


def test_another_tenants_changed_facts_leave_a_stack_remembered(lagos_plan, facts, cache):
    evaluate_plan(lagos_plan, facts)
    changed = {**facts, "naija-stream": dataclasses.replace(facts["naija-stream"], owners=("group:someone-else",))}
    report = evaluate_plan(lagos_plan, changed)
    assert "lagos.acme" in report.remembered and "lagos.naija-stream" in report.evaluated
    assert_same(report, reference(lagos_plan, changed, monkeypatch=cache))


def test_a_changed_pack_config_is_a_different_key(lagos_plan, facts, cache):
    evaluate_plan(lagos_plan, facts)
    rule = RULES[0]
    disabled = PackConfig({rule.name: RuleSettings(EnforcementLevel.DISABLED, rule.config_defaults())})
    report = evaluate_plan(lagos_plan, facts, disabled)
    assert report.remembered == () and rule.name not in report.rules_run
    assert_same(report, reference(lagos_plan, facts, disabled, monkeypatch=cache))


def test_verify_mode_fails_loudly_on_a_remembered_answer_that_differs(lagos_plan, facts, cache, tmp_path):
    from tools.policy import result_cache
    from tools.policy.stack_evaluation import PolicyCacheMismatch
    from tools.offline.plan import registrations_by_stack

    evaluate_plan(lagos_plan, facts)
    stack, registrations = "lagos.acme", registrations_by_stack(lagos_plan.registrations)["lagos.acme"]
    key = result_cache.stack_key(stack, "dbaas-tenant", registrations, {})
    entry = result_cache.load(key, facts)
    assert entry == []
    forged = result_cache.Diagnostic("deletion-protected-stateful", EnforcementLevel.MANDATORY, None,
                                     registrations[0].urn, "forged")
    result_cache.store(key, [forged], {})
    assert any(v.message == "forged" for v in evaluate_plan(lagos_plan, facts).violations)
    cache.setenv("DBAAS_POLICY_CACHE", "verify")
    with pytest.raises(PolicyCacheMismatch, match="stack lagos.acme"):
        evaluate_plan(lagos_plan, facts)


def test_every_rules_mutated_stack_gives_the_same_diagnostics_in_process_and_from_the_pack_over_grpc(lagos_plan, facts):
    """The in-process servicer with one conversion per resource against the unmodified pack in its own process
    (`python -u -m pulumi.policy`, loopback gRPC), on the stack each rule's mutation changes."""
    from tools.offline.plan import registrations_by_stack
    from tools.policy.analyzer import InProcessAnalyzer, LoopbackAnalyzer, run_analysis
    from tests.conftest import PROJECT_DIR

    baseline = registrations_by_stack(lagos_plan.registrations)
    with LoopbackAnalyzer(PROJECT_DIR, TENANTS_DIR) as pack:
        for rule in sorted(MUTATIONS):
            stacks = registrations_by_stack(MUTATIONS[rule][0](lagos_plan).registrations)
            changed = [s for s, regs in stacks.items() if regs != baseline.get(s)]
            assert len(changed) == 1, (rule, changed)
            project = stacks[changed[0]][0].urn.split("::")[1]
            _, in_process = run_analysis(InProcessAnalyzer(facts), changed[0], project, stacks[changed[0]], {})
            _, over_grpc = run_analysis(pack, changed[0], project, stacks[changed[0]], {})
            assert sorted(in_process, key=repr) == sorted(over_grpc, key=repr), rule
            assert rule in {d.policy for d in over_grpc}, rule
