"""The pack is driven the way the engine drives it: requests built from the plan with the engine's
encoding, the pack's own servicer (in-process, and as its own process over loopback gRPC), pack
config through `Configure`; and the offline runner's report, exit code and located config errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from google.protobuf import json_format
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel

from dbaas.cli import main
from declarations.errors import InputError
from tools.offline.analyzer_requests import RequestBuilder
from tools.offline.runtime import Registration
from tools.policy.analyzer import InProcessAnalyzer, LoopbackAnalyzer, run_analysis
from tools.policy.runner import evaluate_plan, load_pack_config
from policies.rules.model import TenantFacts
from policies.tenant_facts import load_tenant_facts
from tests.conftest import PROJECT_DIR, TENANTS_DIR
from tests.policies.mutations import fixture_plan, named, registration, violations, with_resource

ACME = TenantFacts(id="acme", data_region="lagos", deletion_protection=True, owners=("acme-admins",), plan="standard")
KUDI = TenantFacts(id="kudi", data_region="lagos", deletion_protection=True, owners=("kudi-admins",), plan="standard")
KEY = "aws:kms/key:Key"


def test_requests_carry_the_engines_encoding(lagos_plan):
    """analyzer_plugin.go: inputs as a Struct (numbers are doubles, secrets the secret object),
    options without retainOnDelete, the provider's inputs, and only non-empty property deps."""
    builder = RequestBuilder(lagos_plan.registrations)
    key = next(r for r in builder.analyze_requests() if r.name == "acme.key")
    props = json_format.MessageToDict(key.properties)
    assert props["deletionWindowInDays"] == 30.0 and isinstance(props["deletionWindowInDays"], float)
    assert (key.options.protect, key.options.parent) == (True, named(lagos_plan, "acme.namespace").parent)
    assert "retainOnDelete" not in analyzer_pb2.AnalyzerResourceOptions.DESCRIPTOR.fields_by_name
    assert (key.provider.type, key.provider.name, json_format.MessageToDict(key.provider.properties)["region"]) == (
        "pulumi:providers:aws", "aws-lagos", "af-south-1")
    k8s = next(r for r in builder.analyze_requests() if r.name == "k8s-los1")
    assert json_format.MessageToDict(k8s.properties)["kubeconfig"] == {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "[secret]"}
    stack_key = next(r for r in builder.analyze_stack_request().resources if r.name == "acme.key")
    assert {k: list(v.urns) for k, v in stack_key.propertyDependencies.items()} == {
        "policy": ["urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment$aws:iam/role:Role::acme.role"]}
    # ignoreChanges as the program declared it (the restart marker a service without a restart entry keeps)
    dragonfly = next(r for r in builder.analyze_requests() if r.name == "acme.sessions.dragonfly")
    assert list(dragonfly.options.ignoreChanges) == ["spec.annotations"]
    assert list(key.options.ignoreChanges) == []
    # a StackReference read is not analyzed: the engine keeps reads apart from `news` (step_executor.go)
    assert not any(r.type == "pulumi:pulumi:StackReference" for r in builder.analyze_stack_request().resources)


def test_the_pack_answers_with_the_servicers_own_diagnostic():
    """What the servicer reports: description, newline, our message and fix; no URN for a resource
    policy (the engine attributes it to the analyzed resource)."""
    plan = fixture_plan([registration(KEY, "acme.key", {"enableKeyRotation": False, "tags": {"dbaas:tenant": "acme"}},
                                      protect=True, retain_on_delete=True)])
    request = next(r for r in RequestBuilder(plan.registrations).analyze_requests() if r.name == "acme.key")
    analyzer = InProcessAnalyzer({"acme": ACME})
    (diagnostic,) = analyzer.Analyze(request).diagnostics
    assert (diagnostic.policyName, diagnostic.urn, diagnostic.enforcementLevel, diagnostic.severity) == (
        "aws-kms-key-rotation", "", analyzer_pb2.MANDATORY, analyzer_pb2.POLICY_SEVERITY_HIGH)
    assert diagnostic.message == ("Symmetric KMS keys rotate automatically.\nenableKeyRotation is False, must be "
                                  "true. Fix: Create keys with components.storage.kms_key.create_kms_key "
                                  "(enable_key_rotation=True).")
    assert violations(plan, {"acme": ACME}) == [("aws-kms-key-rotation", "acme.key", "enableKeyRotation is False, must be true")]


def test_unknown_values_reach_the_rules_as_placeholders_not_errors():
    plan = fixture_plan([registration(KEY, "acme.key", {"enableKeyRotation": True, "policy": "[unknown]",
                                                        "tags": {"dbaas:tenant": "acme"}},
                                      protect=True, retain_on_delete=True)])
    request = next(r for r in RequestBuilder(plan.registrations).analyze_requests() if r.name == "acme.key")
    assert json_format.MessageToDict(request.properties)["policy"] == "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
    assert violations(plan, {"acme": ACME}) == []


def test_stack_policy_follows_parents_and_property_dependencies():
    env = registration("dbaas:tenant:TenantEnvironment", "acme", {})
    other_env = registration("dbaas:tenant:TenantEnvironment", "kudi", {})
    bucket = registration("aws:s3/bucket:Bucket", "acme.backups", {"bucket": "dbaas-acme-0d37ebf7"}, parent=env.urn,
                          protect=True, retain_on_delete=True)
    foreign_key = registration(KEY, "kudi-key", {"enableKeyRotation": True}, parent=other_env.urn,
                               protect=True, retain_on_delete=True)
    sse = registration("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                       "acme.backups-encryption", {"bucket": "dbaas-acme-0d37ebf7", "rules": [
                           {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms",
                                                                   "kmsMasterKeyId": "[unknown]"}}]}, parent=env.urn)
    sse = dataclasses.replace(sse, property_dependencies={"bucket": (bucket.urn,), "rules": (foreign_key.urn,)})
    plan = fixture_plan([env, other_env, bucket, foreign_key, sse])
    assert violations(plan, {"acme": ACME, "kudi": KUDI}, None, "aws-bucket-sse-kms-own-key") == [
        ("aws-bucket-sse-kms-own-key", "acme.backups-encryption", "encrypts with kudi's key kudi-key, must use acme's own key")]


def _bucket_policy(name: str, document: dict | str) -> Registration:
    return registration("aws:s3/bucketPolicy:BucketPolicy", name,
                        {"bucket": "b", "policy": document if isinstance(document, str) else json.dumps(document)})


def test_deny_statements_may_name_every_principal_allow_statements_may_not():
    deny = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
    allow = {"Statement": [{"Sid": "Open", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root", "*"]},
                            "Action": "s3:GetObject", "Resource": "*"}]}
    plan = fixture_plan([_bucket_policy("deny", deny), _bucket_policy("allow", allow), _bucket_policy("garbage", "{not json")])
    assert violations(plan, {}, None, "aws-no-wildcard-principal") == [
        ("aws-no-wildcard-principal", "allow", "policy Statement[0] (Open) allows Principal {'AWS': ['arn:aws:iam::1:root', '*']}"),
        ("aws-no-wildcard-principal", "garbage",
         "policy is not valid JSON (Expecting property name enclosed in double quotes at character 1)"),
    ]


def test_pack_config_reaches_the_pack_through_configure(tmp_path: Path, lagos_plan):
    """Level and property both apply: the engine sends them with Configure (properties as a
    Struct, so minimumDays arrives as 14.0)."""
    config_file = tmp_path / "pack.yaml"
    config_file.write_text("aws-kms-deletion-window:\n  enforcementLevel: advisory\n  minimumDays: 14\n"
                           "k8s-no-privileged-pods: disabled\n", encoding="utf-8")
    config = load_pack_config(config_file)
    assert config.settings["aws-kms-deletion-window"].config == {"minimumDays": 14}
    assert config.settings["aws-kms-deletion-window"].enforcement is EnforcementLevel.ADVISORY
    facts = load_tenant_facts(TENANTS_DIR)
    short = with_resource(lagos_plan, "acme.key", lambda p: p.update(deletionWindowInDays=7))
    report = evaluate_plan(short, facts, config)
    assert "k8s-no-privileged-pods" not in report.rules_run
    assert [(v.policy, v.enforcement, v.message) for v in report.violations] == [
        ("aws-kms-deletion-window", "advisory", "deletionWindowInDays is 7, must be at least 14")]
    assert report.passed
    assert evaluate_plan(with_resource(lagos_plan, "acme.key", lambda p: p.update(deletionWindowInDays=20)),
                         facts, config).violations == ()


def test_the_pack_started_as_the_engine_starts_it_gives_the_same_diagnostics(lagos_plan):
    """`python -u -m pulumi.policy <engine> policies`, port on stdout, loopback gRPC: the same
    requests give the same diagnostics as the in-process servicer."""
    broken = with_resource(lagos_plan, "acme.key", lambda p: p.update(enableKeyRotation=False), protect=False)
    facts = load_tenant_facts(TENANTS_DIR)
    _, in_process = run_analysis(InProcessAnalyzer(facts), "lagos", "dbaas-platform", broken.registrations, {})
    with LoopbackAnalyzer(PROJECT_DIR, TENANTS_DIR) as loopback:
        info, over_grpc = run_analysis(loopback, "lagos", "dbaas-platform", broken.registrations, {})
    assert info.name == "dbaas-platform" and len(info.policies) == 27
    assert sorted(over_grpc, key=repr) == sorted(in_process, key=repr)
    assert sorted((d.policy, d.urn.rsplit("::", 1)[-1]) for d in over_grpc) == [
        ("aws-kms-key-rotation", "acme.key"), ("deletion-protected-stateful", "acme.key")]


def test_pack_config_errors_are_located(tmp_path: Path):
    config_file = tmp_path / "pack.yaml"
    config_file.write_text("aws-kms-deletion-window:\n  minimumDays: 3\nno-such-rule: mandatory\n"
                           "aws-bucket-versioning: sometimes\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_pack_config(config_file)
    assert [(p.line, p.field) for p in caught.value.problems] == [
        (2, "aws-kms-deletion-window.minimumDays"), (3, "no-such-rule"), (4, "aws-bucket-versioning")]
    assert "3 is less than the minimum of 7" in caught.value.problems[0].message


def test_cli_exits_1_on_a_mandatory_violation_and_names_policy_urn_and_fix(tmp_path, lagos_plan, monkeypatch, capsys):
    import tools.offline.plan as plan_module

    monkeypatch.setattr(plan_module, "build_plan", lambda *a, **k: lagos_plan)
    config_file = tmp_path / "pack.json"
    config_file.write_text(json.dumps({"aws-kms-deletion-window": {"minimumDays": 30}}), encoding="utf-8")
    args = ["policy", "lagos", "--config", str(config_file), "--json", str(tmp_path / "report.json")]
    assert main(args) == 0

    broken = with_resource(lagos_plan, "acme.key", lambda props: props.update(enableKeyRotation=False))
    monkeypatch.setattr(plan_module, "build_plan", lambda *a, **k: broken)
    assert main(args) == 1
    out = capsys.readouterr().out
    assert ("[mandatory/high] aws-kms-key-rotation\n"
            "  urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment$aws:kms/key:Key::acme.key\n"
            "  enableKeyRotation is False, must be true\n"
            "  fix: Create keys with components.storage.kms_key.create_kms_key (enable_key_rotation=True).") in out
    assert "offline-placeholder-secret" not in out
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["passed"] is False
    assert [(v["policy"], v["offlineOnly"]) for v in report["violations"]] == [("aws-kms-key-rotation", False)]
