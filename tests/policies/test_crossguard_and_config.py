"""The CrossGuard pack calls the same rules through pulumi_policy's own argument types, and the
offline runner honours enforcement levels and pack config with located errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pulumi.runtime.rpc import UNKNOWN
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy

from dbaas.cli import main
from dbaas.errors import InputError
from dbaas.policy_runner import evaluate, load_pack_config, view_of_plan
from policies.crossguard import build_policies, plain
from policies.rules.aws import check_no_wildcard_principal
from policies.rules.model import Resource, RuleContext
from policies.tenant_facts import load_tenant_facts
from tests.conftest import TENANTS_DIR

URN = "urn:pulumi:lagos::dbaas-platform::dbaas:tenant:TenantEnvironment$aws:kms/key:Key::acme.key"


def _opts(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], False, [], None, [], None)


def _policy(name: str):
    return next(p for p in build_policies() if p.name == name)


def test_resource_policy_reports_through_crossguard_with_fix_hint():
    policy = _policy("aws-kms-key-rotation")
    assert isinstance(policy, ResourceValidationPolicy) and policy.enforcement_level is EnforcementLevel.MANDATORY
    reported: list[tuple[str, str | None]] = []
    props = unknown_checking_proxy({"enableKeyRotation": False, "policy": UNKNOWN, "tags": {"dbaas:tenant": "acme"}})
    args = ResourceValidationArgs("aws:kms/key:Key", props, URN, "acme.key", _opts(), None, {}, {})
    policy.validate(args, lambda message, urn=None: reported.append((message, urn)))
    assert reported == [("enableKeyRotation is False, must be true. Fix: Create keys with "
                         "components.storage.kms_key.create_kms_key (enable_key_rotation=True).", None)]


def test_unknown_values_become_placeholders_not_errors():
    props = unknown_checking_proxy({"a": [UNKNOWN, {"b": UNKNOWN}], "c": "x"})
    assert plain(props) == {"a": ["[unknown]", {"b": "[unknown]"}], "c": "x"}


def test_stack_policy_follows_parents_and_property_dependencies():
    policy = _policy("aws-bucket-sse-kms-own-key")
    assert isinstance(policy, StackValidationPolicy)
    env = PolicyResource("dbaas:tenant:TenantEnvironment", {}, "urn:pulumi:lagos::p::dbaas:tenant:TenantEnvironment::acme",
                         "acme", _opts(), None, None, [], {})
    other_env = PolicyResource("dbaas:tenant:TenantEnvironment", {},
                               "urn:pulumi:lagos::p::dbaas:tenant:TenantEnvironment::kudi", "kudi", _opts(), None, None, [], {})
    bucket = PolicyResource("aws:s3/bucket:Bucket", {"bucket": "dbaas-acme-0d37ebf7"}, "urn:b", "acme.backups",
                            _opts(True), None, env, [], {})
    foreign_key = PolicyResource("aws:kms/key:Key", {}, "urn:k", "kudi-key", _opts(True), None, other_env, [], {})
    sse = PolicyResource("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                         {"bucket": "dbaas-acme-0d37ebf7", "rules": [{"applyServerSideEncryptionByDefault": {
                             "sseAlgorithm": "aws:kms", "kmsMasterKeyId": UNKNOWN}}]},
                         "urn:sse", "acme.backups-encryption", _opts(), None, env, [bucket, foreign_key],
                         {"bucket": [bucket], "rules": [foreign_key]})
    reported: list[tuple[str, str | None]] = []
    args = StackValidationArgs([env, other_env, bucket, foreign_key, sse], {}, {})
    policy.validate(args, lambda message, urn=None: reported.append((message, urn)))
    assert [(m.split(". Fix:")[0], u) for m, u in reported] == [
        ("encrypts with kudi's key kudi-key, must use acme's own key", "urn:sse")]


def test_deny_statements_may_name_every_principal_allow_statements_may_not():
    deny = {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
    allow = {"Statement": [{"Sid": "Open", "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::1:root", "*"]},
                            "Action": "s3:GetObject", "Resource": "*"}]}
    ctx = RuleContext(config={}, tenants={})
    bucket_policy = "aws:s3/bucketPolicy:BucketPolicy"
    assert list(check_no_wildcard_principal(Resource("u", bucket_policy, "p", {"policy": json.dumps(deny)}), ctx)) == []
    assert list(check_no_wildcard_principal(Resource("u", bucket_policy, "p", {"policy": json.dumps(allow)}), ctx)) == [
        "policy Statement[0] (Open) allows Principal {'AWS': ['arn:aws:iam::1:root', '*']}"]
    assert list(check_no_wildcard_principal(Resource("u", bucket_policy, "p", {"policy": "{not json"}), ctx)) == [
        "policy is not valid JSON (Expecting property name enclosed in double quotes at character 1)"]


def test_pack_config_levels_and_minimum(tmp_path: Path, lagos_plan):
    config_file = tmp_path / "pack.yaml"
    config_file.write_text("aws-kms-deletion-window:\n  enforcementLevel: advisory\n  minimumDays: 14\n"
                           "k8s-no-privileged-pods: disabled\n", encoding="utf-8")
    config = load_pack_config(config_file)
    report = evaluate(view_of_plan(lagos_plan), load_tenant_facts(TENANTS_DIR), config)
    assert "k8s-no-privileged-pods" not in report.rules_run
    assert config.settings["aws-kms-deletion-window"].config == {"minimumDays": 14}
    assert config.settings["aws-kms-deletion-window"].enforcement is EnforcementLevel.ADVISORY


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
    import dbaas.offline.plan as plan_module
    import dbaas.policy_runner as runner
    from tests.policies.mutations import with_resource

    monkeypatch.setattr(plan_module, "build_plan", lambda *a, **k: lagos_plan)
    config_file = tmp_path / "pack.json"
    config_file.write_text(json.dumps({"aws-kms-deletion-window": {"minimumDays": 30}}), encoding="utf-8")
    args = ["policy", "lagos", "--config", str(config_file), "--json", str(tmp_path / "report.json")]
    assert main(args) == 0

    original = runner.view_of_plan
    monkeypatch.setattr(runner, "view_of_plan", lambda plan: with_resource(
        original(plan), "acme.key", lambda props: props.update(enableKeyRotation=False)))
    assert main(args) == 1
    out = capsys.readouterr().out
    assert ("[mandatory/high] aws-kms-key-rotation\n"
            "  urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment$aws:kms/key:Key::acme.key\n"
            "  enableKeyRotation is False, must be true\n"
            "  fix: Create keys with components.storage.kms_key.create_kms_key (enable_key_rotation=True).") in out
    assert "offline-placeholder-secret" not in out
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["passed"] is False
