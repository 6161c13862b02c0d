"""Invariants across all stacks of all regions (tools/policy/cross_stack.py), run by `dbaas policy`
without a stack: mutated plans of both regions, exact messages; the shipped repository passes."""

from __future__ import annotations

import copy
import dataclasses
import io
import json
from contextlib import redirect_stderr, redirect_stdout
from functools import lru_cache
from pathlib import Path

import pytest

from dbaas.cli import main
from tools.offline.plan import build_plan
from tools.offline.runtime import Registration
from tools.policy.runner import evaluate_across_stacks

PROJECT_DIR = Path(__file__).resolve().parents[2]
ACME = "urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment"
BERGBAHN = "urn:pulumi:frankfurt.bergbahn::dbaas-tenant::dbaas:tenant:TenantEnvironment"
KUDI = "urn:pulumi:lagos.kudi-pay::dbaas-tenant::dbaas:tenant:TenantEnvironment"
ACME_BUCKET = f"{ACME}$aws:s3/bucket:Bucket::acme.backups"
BERGBAHN_BUCKET = f"{BERGBAHN}$aws:s3/bucket:Bucket::bergbahn.backups"
KUDI_USER = f"{KUDI}$dbaas:kafka:TenantStreams$kubernetes:kafka.strimzi.io/v1beta2:KafkaUser::kudi-pay.kafka-user"
BERGBAHN_USER = f"{BERGBAHN}$dbaas:kafka:TenantStreams$kubernetes:kafka.strimzi.io/v1beta2:KafkaUser::bergbahn.kafka-user"


@lru_cache(maxsize=None)
def all_registrations() -> tuple[Registration, ...]:
    return tuple(r for region in ("lagos", "frankfurt") for r in build_plan(region, PROJECT_DIR).registrations)


def changed(urn: str, change) -> list[Registration]:
    """All registrations, with `urn`'s inputs deep-copied and changed."""
    result = []
    for reg in all_registrations():
        if reg.urn == urn:
            inputs = copy.deepcopy(reg.inputs)
            change(inputs)
            reg = dataclasses.replace(reg, inputs=inputs)
        result.append(reg)
    assert result != list(all_registrations()), f"{urn} is not in the plans"
    return result


def messages(registrations: list[Registration]) -> list[tuple[str, str, str]]:
    return [(v.policy, v.urn, v.message) for v in evaluate_across_stacks(registrations).violations]


def test_the_shipped_regions_pass_every_cross_stack_check():
    report = evaluate_across_stacks(list(all_registrations()))
    assert report.violations == ()
    assert report.rules_run == ("cross-stack-tenant-id-unique", "cross-stack-physical-name-unique",
                                "cross-stack-kafka-prefix-disjoint", "cross-stack-aws-residency")


def test_one_bucket_name_in_two_regions_is_reported_with_both_stacks():
    acme_bucket = next(r for r in all_registrations() if r.urn == ACME_BUCKET).inputs["bucket"]
    assert acme_bucket == "dbaas-acme-0d37ebf7"
    found = messages(changed(BERGBAHN_BUCKET, lambda inputs: inputs.update(bucket=acme_bucket)))
    assert found == [("cross-stack-physical-name-unique", BERGBAHN_BUCKET,
                      f"s3/bucket dbaas-acme-0d37ebf7 is claimed by stack frankfurt.bergbahn and by stack lagos.acme "
                      f"({ACME_BUCKET})")]


def _add_group_prefix(prefix: str):
    def change(inputs):
        inputs["spec"]["authorization"]["acls"].append(
            {"host": "*", "operations": ["Read"], "resource": {"name": prefix, "patternType": "prefix", "type": "group"},
             "type": "allow"})
    return change


def test_a_kafka_prefix_covering_another_tenant_of_the_region_is_reported():
    found = messages(changed(KUDI_USER, _add_group_prefix("dbaas.tenant.")))
    assert found == [
        ("cross-stack-kafka-prefix-disjoint", KUDI_USER,
         f"group prefix 'dbaas.tenant.' of tenant kudi-pay (stack lagos.kudi-pay) covers group prefix "
         f"'dbaas.tenant.{tenant}.' of tenant {tenant} (stack lagos.{tenant}) on the lagos Kafka cluster")
        for tenant in ("acme", "naija-stream")]


def test_the_same_prefix_in_another_region_overlaps_nothing_there():
    """Each region has its own Kafka cluster: frankfurt's prefix cannot reach lagos's acme."""
    assert messages(changed(BERGBAHN_USER, _add_group_prefix("dbaas.tenant.acme"))) == []


def test_an_aws_resource_outside_the_regions_residency_is_reported():
    found = messages(changed(ACME_BUCKET, lambda inputs: inputs.update(region="eu-central-1")))
    assert found == [("cross-stack-aws-residency", ACME_BUCKET,
                      "stack lagos.acme creates it in AWS region eu-central-1, outside lagos's data residency (af-south-1)")]


def test_one_tenant_id_in_two_regions_is_reported():
    """acme's stack planned again as frankfurt.acme: the id, and every name it claims twice."""
    moved = [dataclasses.replace(r, urn=r.urn.replace("lagos.acme", "frankfurt.acme"),
                                 parent=r.parent.replace("lagos.acme", "frankfurt.acme"),
                                 provider=r.provider.replace("lagos.acme", "frankfurt.acme"))
             for r in all_registrations() if r.urn.startswith("urn:pulumi:lagos.acme::")]
    found = messages([*all_registrations(), *moved])
    assert found[0] == ("cross-stack-tenant-id-unique", f"{ACME}::acme",
                        "tenant id acme has resources in stacks frankfurt.acme, lagos.acme; "
                        "a tenant id belongs to one stack of one region")
    names = [m for p, _, m in found if p == "cross-stack-physical-name-unique"]
    assert ("s3/bucket dbaas-acme-0d37ebf7 is claimed by stack frankfurt.acme and by stack lagos.acme "
            f"({ACME_BUCKET})") in names
    # IAM names are per account: lagos's account, because the copied stack still uses lagos's provider settings.
    assert any(m.startswith("iam/role dbaas-tenant-acme in account 111122223333 is claimed by stack frankfurt.acme")
               for m in names)


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_dbaas_policy_without_a_stack_runs_every_region_and_the_cross_stack_checks(monkeypatch, tmp_path):
    monkeypatch.chdir(PROJECT_DIR)
    code, out, err = _run("policy", "--json", str(tmp_path / "policy.json"))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "Policy pack dbaas-platform on stack lagos: 28 policies, 0 mandatory and 0 advisory violation(s) - all passed",
        "Policy pack dbaas-platform on stack frankfurt: 28 policies, 0 mandatory and 0 advisory violation(s) - all passed",
        "Cross-stack checks over stacks frankfurt, lagos, frankfurt.bergbahn, frankfurt.hanse-ledger, "
        "frankfurt.rhein-analytics, lagos.acme, lagos.kudi-pay, lagos.naija-stream: 4 policies, 0 mandatory and "
        "0 advisory violation(s) - all passed",
    ]
    document = json.loads((tmp_path / "policy.json").read_text())
    assert document["passed"] is True
    assert [r["stack"] for r in document["regions"]] == ["lagos", "frankfurt"]
    assert document["crossStack"]["rules"] == ["cross-stack-tenant-id-unique", "cross-stack-physical-name-unique",
                                               "cross-stack-kafka-prefix-disjoint", "cross-stack-aws-residency"]


def test_dbaas_policy_all_exits_1_and_prints_a_cross_stack_violation(monkeypatch):
    """The plans come from build_plan; here one region's plan carries a bucket of the other's."""
    import tools.offline.plan as plan_module

    acme_bucket = next(r for r in all_registrations() if r.urn == ACME_BUCKET).inputs["bucket"]
    real = plan_module.build_plan

    def build(stack, project_dir, tenants_dir=None, **kwargs):
        plan = real(stack, project_dir, tenants_dir, **kwargs)
        if stack != "frankfurt":
            return plan
        regs = [dataclasses.replace(r, inputs={**r.inputs, "bucket": acme_bucket}) if r.urn == BERGBAHN_BUCKET else r
                for r in plan.registrations]
        return dataclasses.replace(plan, registrations=regs)

    monkeypatch.setattr(plan_module, "build_plan", build)
    monkeypatch.chdir(PROJECT_DIR)
    code, out, err = _run("policy", "--all")
    assert code == 1
    assert ("[mandatory/critical] cross-stack-physical-name-unique (across stacks: no one stack's engine or policy "
            f"pack sees it)\n  {BERGBAHN_BUCKET}\n  s3/bucket dbaas-acme-0d37ebf7 is claimed by stack "
            f"frankfurt.bergbahn and by stack lagos.acme ({ACME_BUCKET})\n  fix: Derive names with declarations.naming from "
            "the tenant id (unique across regions) and the region.\n") in out
    assert out.endswith("lagos.naija-stream: 4 policies, 1 mandatory and 0 advisory violation(s)\n")


def test_a_stack_and_all_together_is_a_usage_error(monkeypatch):
    monkeypatch.chdir(PROJECT_DIR)
    assert _run("policy", "lagos", "--all") == (2, "", "dbaas policy: give a STACK or --all, not both\n")


@pytest.mark.parametrize("stack", ["lagos"])
def test_dbaas_policy_with_a_stack_keeps_its_report(monkeypatch, stack, tmp_path):
    monkeypatch.chdir(PROJECT_DIR)
    code, out, _ = _run("policy", stack, "--json", str(tmp_path / "p.json"))
    assert code == 0
    assert out == f"Policy pack dbaas-platform on stack {stack}: 28 policies, 0 mandatory and 0 advisory violation(s) - all passed\n"
    assert json.loads((tmp_path / "p.json").read_text())["stack"] == stack


def test_the_pull_request_workflow_runs_the_cross_stack_checks_before_any_preview():
    import yaml

    jobs = yaml.safe_load((PROJECT_DIR / ".github/workflows/pull-request.yml").read_text(encoding="utf-8"))["jobs"]
    runs = [step.get("run") for step in jobs["cross-stack"]["steps"]]
    assert ".venv/bin/dbaas policy --all --json policy-all.json" in runs
    assert "if" not in jobs["cross-stack"] and "cross-stack" in jobs["preview"]["needs"]
