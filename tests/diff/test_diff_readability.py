"""Issue 15, diff readability: creates show their inputs with secrets masked, lists of named items
are diffed by name, `removal blocked` points at the real line, and the exit code says what the
text says about mandatory policy violations."""

from __future__ import annotations

import json
from pathlib import Path

from dbaas.cli import main
from tools.offline import diff_command
from tools.offline.diff import PlanSnapshot, ResourceState, diff_plans
from tools.offline.diff_render import DiffReport, render_text
from tools.policy.runner import PolicyReport, Violation
from tests.diff.test_diff import _edit, repo  # noqa: F401 - the repository fixture

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Action": "s3:*", "Principal": "*"}]})


def _state(urn: str, type_: str, inputs: dict) -> ResourceState:
    return ResourceState(urn, type_, inputs, False, False, "urn:aws", "")


def _report(diff, policy: PolicyReport | None = None) -> DiffReport:
    return DiffReport("lagos", "HEAD (0123456789ab)", diff, policy or PolicyReport("lagos", ("a",), ()), ("acme",))


def test_a_create_shows_its_inputs_with_secrets_masked():
    head = PlanSnapshot("lagos", (
        _state("urn:b", "aws:s3/bucket:Bucket", {"bucket": "dbaas-acme-1a2b3c4d", "objectLockEnabled": True}),
        _state("urn:p", "aws:s3/bucketPolicy:BucketPolicy", {"bucket": "dbaas-acme-1a2b3c4d", "policy": POLICY}),
        _state("urn:s", "kubernetes:core/v1:Secret", {"metadata": {"name": "orders-credentials"},
                                                      "stringData": {"password": "hunter2"}, "data": {"u": "YWRtaW4="}}),
    ))

    text = render_text(_report(diff_plans(PlanSnapshot("lagos", ()), head)))

    assert text.split("\n\n")[1].splitlines() == [
        " + urn:b",
        '      bucket: "dbaas-acme-1a2b3c4d"',
        "      objectLockEnabled: true",
        " + urn:p",
        '      bucket: "dbaas-acme-1a2b3c4d"',
        "      policy.Statement[Sid='DenyInsecureTransport'].Action: \"s3:*\"",
        "      policy.Statement[Sid='DenyInsecureTransport'].Effect: \"Deny\"",
        "      policy.Statement[Sid='DenyInsecureTransport'].Principal: \"*\"",
        "      policy.Statement[Sid='DenyInsecureTransport'].Sid: \"DenyInsecureTransport\"",
        "      policy.Version: \"2012-10-17\"",
        " + urn:s",
        '      data.u: "[secret]"',
        '      metadata.name: "orders-credentials"',
        '      stringData.password: "[secret]"',
    ]
    assert "hunter2" not in text and "YWRtaW4=" not in text


def test_a_changed_secret_stays_masked():
    base = PlanSnapshot("lagos", (_state("urn:s", "kubernetes:core/v1:Secret", {"stringData": {"password": "old"}}),))
    head = PlanSnapshot("lagos", (_state("urn:s", "kubernetes:core/v1:Secret", {"stringData": {"password": "new"}}),))
    [change] = diff_plans(base, head).changes
    assert [(p.path, p.old, p.new) for p in change.changes] == [("stringData.password", "[secret]", "[secret]")]


def _rules(*names: str) -> dict:
    return {"spec": {"groups": [{"name": "tenant-slo", "rules": [
        {"alert": name, "expr": f"rate(x[{i}m]) > 1", "for": "5m"} for i, name in enumerate(names)]}]}}


def test_removing_one_alert_rule_shows_one_removed_rule():
    type_ = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
    base = PlanSnapshot("lagos", (_state("urn:r", type_, _rules("A", "B", "C", "D", "E", "F")),))
    head = PlanSnapshot("lagos", (_state("urn:r", type_, {"spec": {"groups": [{"name": "tenant-slo", "rules": [
        r for r in _rules("A", "B", "C", "D", "E", "F")["spec"]["groups"][0]["rules"] if r["alert"] != "B"]}]}}),))

    [change] = diff_plans(base, head).changes

    assert [(p.path, p.kind) for p in change.changes] == [("spec.groups[name='tenant-slo'].rules[alert='B']", "removed")]


def test_lists_without_a_natural_name_stay_positional():
    type_ = "kubernetes:rbac.authorization.k8s.io/v1:Role"
    base = PlanSnapshot("lagos", (_state("urn:r", type_, {"rules": [{"verbs": ["get", "list"]}]}),))
    head = PlanSnapshot("lagos", (_state("urn:r", type_, {"rules": [{"verbs": ["get", "watch"]}]}),))
    [change] = diff_plans(base, head).changes
    assert [(p.path, p.old, p.new) for p in change.changes] == [("rules[0].verbs[1]", "list", "watch")]


def test_removal_blocked_points_at_the_real_line(repo: Path, monkeypatch, capsys):  # noqa: F811
    acme = repo / "tenants" / "lagos" / "acme.yaml"
    text = acme.read_text(encoding="utf-8")
    kept = text[:text.index("  - name: sessions")]
    acme.write_text(kept, encoding="utf-8")
    monkeypatch.chdir(repo)

    assert main(["diff", "lagos", "--base", "HEAD"]) == 1

    blocked = [line for line in capsys.readouterr().out.splitlines() if line.startswith("removal blocked:")]
    services_line = kept.splitlines().index("services:") + 1
    assert [line.split(" removing")[0] for line in blocked] == [
        f"removal blocked: tenants/lagos/acme.yaml:{services_line}:1: services:"]


def test_mandatory_violations_fail_the_diff(monkeypatch, capsys):
    violation = Violation("tenant-bucket-encrypted", "mandatory", "high", "urn:b", "bucket is not encrypted", "encrypt it")
    policies = {"passing": PolicyReport("lagos", ("a",), ()),
                "advisory": PolicyReport("lagos", ("a",), (Violation(*("x", "advisory", *("low", "urn:b", "m", "f"))),)),
                "mandatory": PolicyReport("lagos", ("a",), (violation,))}
    codes = {}
    for name, policy in policies.items():
        monkeypatch.setattr(diff_command, "run_diff", lambda *a, policy=policy, **k: _report(
            diff_plans(PlanSnapshot("lagos", ()), PlanSnapshot("lagos", ())), policy))
        codes[name] = main(["diff", "lagos", "--base", "HEAD"])
    assert codes == {"passing": 0, "advisory": 0, "mandatory": 1}
    assert "1 mandatory" in capsys.readouterr().out


def test_long_creates_are_cut_in_text_but_complete_in_json():
    from tools.offline.diff_render import to_json

    many = PlanSnapshot("lagos", (_state("urn:c", "kubernetes:core/v1:ConfigMap", {"data": {f"k{i:02}": "v" for i in range(50)}}),))
    few = PlanSnapshot("lagos", (_state("urn:c", "kubernetes:core/v1:ConfigMap", {"data": {f"k{i:02}": "v" for i in range(44)}}),))
    empty = PlanSnapshot("lagos", ())

    long_text = render_text(_report(diff_plans(empty, many))).split("\n\n")[1].splitlines()
    short_text = render_text(_report(diff_plans(empty, few))).split("\n\n")[1].splitlines()

    assert long_text[1:] == [f'      data.k{i:02}: "v"' for i in range(40)] + [
        "      ... and 10 more input(s) (all of them in the JSON report)"]
    assert short_text[1:] == [f'      data.k{i:02}: "v"' for i in range(44)]
    assert len(to_json(_report(diff_plans(empty, many)))["changes"][0]["properties"]) == 50
