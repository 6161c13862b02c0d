"""Every rule against the real lagos plan, through the analyzer protocol (the engine's requests to
the pack's own servicer): untouched it passes; with one property broken, that rule and only that
rule fires, at the resource that was broken."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from tools.offline.plan import OfflinePlan
from tools.offline.runtime import Registration
from tools.policy.runner import PolicyReport, evaluate_plan
from policies.rules.catalog import OFFLINE_CHECKS, RULES
from policies.tenant_facts import load_tenant_facts
from tests.conftest import TENANTS_DIR
from tests.policies.mutations import named, plus, registration, with_resource, without

@pytest.fixture(scope="module")
def facts():
    return load_tenant_facts(TENANTS_DIR)


@pytest.fixture(scope="module")
def baseline(lagos_plan, facts) -> PolicyReport:
    return evaluate_plan(lagos_plan, facts)


def test_shipped_stacks_pass_through_the_analyzer_protocol(baseline, frankfurt_plan, facts):
    assert [f"{v.policy} {v.urn}" for v in baseline.violations] == []
    assert [f"{v.policy} {v.urn}" for v in evaluate_plan(frankfurt_plan, facts).violations] == []
    assert baseline.rules_run == tuple(r.name for r in (*RULES, *OFFLINE_CHECKS))


def _set(path: str, value):
    """Mutation that sets props at a dotted path with [i] indexes."""
    parts = re.findall(r"[^.\[\]]+|\[\d+\]", path)

    def change(props):
        cursor = props
        for part in parts[:-1]:
            cursor = cursor[int(part[1:-1])] if part.startswith("[") else cursor[part]
        last = parts[-1]
        if last.startswith("["):
            cursor[int(last[1:-1])] = value
        else:
            cursor[last] = value
    return change


def _label(key: str, value: str):
    return lambda props: props["metadata"]["labels"].update({key: value})


def _json_policy(edit):
    def change(props):
        doc = json.loads(props["policy"])
        edit(doc)
        props["policy"] = json.dumps(doc)
    return change


def _urn(plan: OfflinePlan, name: str) -> str:
    return named(plan, name).urn


def _new(plan: OfflinePlan, type_: str, name: str, props: dict) -> Registration:
    """A resource added to acme's environment (its owner follows from the parent chain)."""
    return registration(type_, name, props, parent=named(plan, "acme.namespace").parent)


def _other_bucket_arn(plan: OfflinePlan) -> str:
    return f"arn:aws:s3:::{named(plan, 'kudi-pay.backups').inputs['bucket']}/*"


# rule -> (mutation of the lagos plan, name of the resource the violation must point at, message fragment)
MUTATIONS = {
    "k8s-tenant-namespace-psa-restricted": (
        lambda v: with_resource(v, "acme.namespace", _label("pod-security.kubernetes.io/enforce", "baseline")),
        "acme.namespace", "must be 'restricted'"),
    "k8s-tenant-default-deny": (
        lambda v: with_resource(v, "acme.netpol-default-deny-all", _set("spec.egress", [{}])),
        "acme.namespace", "no NetworkPolicy"),
    "k8s-tenant-quota-and-limits": (lambda v: without(v, "acme.quota"), "acme.namespace", "no ResourceQuota"),
    "k8s-no-tenant-cluster-role-binding": (
        lambda v: plus(v, _new(v, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "acme-crb", {
            "metadata": {"name": "acme-admin"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"kind": "Group", "name": "acme-admins"}]})),
        "acme-crb", "subjects[0] (Group acme-admins) belongs to tenant acme"),
    "k8s-no-cluster-wide-tenant-subjects": (
        lambda v: with_resource(v, "acme.owner-binding", _set("subjects", [
            {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "acme-admins"},
            {"kind": "Group", "apiGroup": "rbac.authorization.k8s.io", "name": "system:authenticated"}])),
        "acme.owner-binding", "subjects[1] (Group system:authenticated) is a Kubernetes system identity that spans "
                              "the cluster"),
    "k8s-no-wildcard-tenant-rbac": (
        lambda v: with_resource(v, "acme.owner-role", _set("rules[0].verbs", ["*"])),
        "acme.owner-role", "rules[0].verbs contains '*'"),
    "k8s-no-privileged-pods": (
        lambda v: plus(v, _new(v, "kubernetes:batch/v1:Job", "acme-debug", {
            "metadata": {"name": "debug", "namespace": "t-acme"},
            "spec": {"template": {"spec": {"hostPID": True, "containers": [{"name": "c", "image": "busybox"}]}}}})),
        "acme-debug", "spec.template.spec.hostPID is true"),
    "k8s-service-account-no-automount": (
        lambda v: with_resource(v, "acme.workload-sa", _set("automountServiceAccountToken", True)),
        "acme.workload-sa", "automountServiceAccountToken is True"),
    "k8s-no-external-tenant-services": (
        lambda v: plus(v, _new(v, "kubernetes:core/v1:Service", "acme-lb", {
            "metadata": {"name": "lb", "namespace": "t-acme"}, "spec": {"type": "LoadBalancer"}})),
        "acme-lb", "spec.type is LoadBalancer"),
    "aws-bucket-public-access-block": (
        lambda v: with_resource(v, "acme.backups-public-access", _set("restrictPublicBuckets", False)),
        "acme.backups-public-access", "restrictPublicBuckets must be true"),
    "aws-bucket-versioning": (
        lambda v: with_resource(v, "acme.backups-versioning", _set("versioningConfiguration.status", "Suspended")),
        "acme.backups-versioning", "'Suspended'"),
    "aws-bucket-sse-kms-own-key": (
        lambda v: with_resource(v, "acme.backups-encryption", property_dependencies={
            **named(v, "acme.backups-encryption").property_dependencies, "rules": (_urn(v, "kudi-pay.key"),)}),
        # Each tenant stack is analysed alone (as `pulumi preview -s lagos.acme`): another tenant's key
        # is not even in the stack.
        "acme.backups-encryption", "the encryption key is not a KMS key of this stack; use acme's own key"),
    "aws-bucket-tls-only": (
        lambda v: with_resource(v, "acme.backups-policy", _json_policy(lambda d: d["Statement"].pop(0))),
        "acme.backups", "aws:SecureTransport"),
    "aws-bucket-lifecycle": (
        lambda v: with_resource(v, "acme.backups-lifecycle", _set("rules[0].status", "Disabled")),
        "acme.backups", "no enabled lifecycle rule"),
    "aws-backup-bucket-object-lock": (
        lambda v: with_resource(v, "acme.backups", _set("objectLockEnabled", False)),
        "acme.backups", "objectLockEnabled is False"),
    "aws-kms-key-rotation": (
        lambda v: with_resource(v, "acme.key", _set("enableKeyRotation", False)),
        "acme.key", "enableKeyRotation is False"),
    "aws-kms-deletion-window": (
        lambda v: with_resource(v, "acme.key", _set("deletionWindowInDays", 7)),
        "acme.key", "deletionWindowInDays is 7, must be at least 30"),
    "aws-no-wildcard-principal": (
        lambda v: with_resource(v, "acme.key", _json_policy(lambda d: d["Statement"][1].update(Principal="*"))),
        "acme.key", "Statement[1] (TenantRoleUsesKeyViaS3) allows Principal '*'"),
    "aws-tenant-iam-scope": (
        lambda v: with_resource(v, "acme.role-access",
                                _json_policy(lambda d: d["Statement"][1].update(Resource=_other_bucket_arn(v)))),
        "acme.role-access", "is not acme's bucket"),
    "residency-tenant-in-data-region": (
        lambda v: with_resource(v, "acme.namespace", _label("dbaas.io/region", "frankfurt")),
        "acme.namespace", "is 'frankfurt' in stack lagos"),
    "residency-bucket-key-region": (
        lambda v: with_resource(v, "acme.backups-encryption", lambda p: p["rules"][0]["applyServerSideEncryptionByDefault"]
                                .update(kmsMasterKeyId=p["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
                                        .replace("af-south-1", "eu-central-1"))),
        "acme.backups-encryption", "is in eu-central-1, the bucket in af-south-1"),
    "deletion-protected-stateful": (
        lambda v: with_resource(v, "acme.backups", protect=False),
        "acme.backups", "bucket of protected tenant acme lacks protect"),
    "kafka-topic-durability": (
        lambda v: with_resource(v, "acme.topic-audit", lambda p: p["spec"]["config"].update({"min.insync.replicas": 1})),
        "acme.topic-audit", "spec.config['min.insync.replicas'] is 1, must be at least 2"),
    "kafka-tenant-acl-scope": (
        lambda v: with_resource(v, "acme.kafka-user", _set("spec.authorization.acls[4].resource.name", "dbaas.tenant.acme")),
        "acme.kafka-user", "acls[4] prefix 'dbaas.tenant.acme' does not end in '.'"),
    "plan-enterprise-clustered": (
        lambda v: with_resource(v, "kudi-pay.wallets.psmdb", _set("spec.replsets[0].size", 1)),
        "kudi-pay.wallets.psmdb", "kudi-pay/wallets (mongodb) must keep at least 3 replicas: "
                                  "PerconaServerMongoDB spec.replsets[*].size (smallest) is 1"),
    "plan-enterprise-backups": (
        lambda v: with_resource(v, "kudi-pay.ledger.vitesscluster", _set("spec.backup.schedules", [])),
        "kudi-pay.ledger.vitesscluster", "spec.backup has 0 schedule(s) and 1 location(s)"),
    "plan-enterprise-pitr": (
        lambda v: with_resource(v, "kudi-pay.wallets.psmdb", _set("spec.backup.pitr.enabled", False)),
        "kudi-pay.wallets.psmdb", "spec.backup.pitr.enabled is False"),
}


def test_every_rule_has_a_mutation():
    assert sorted(MUTATIONS) == sorted(r.name for r in RULES)


@pytest.mark.parametrize("rule", sorted(MUTATIONS))
def test_breaking_one_property_fires_only_its_rule(rule, lagos_plan, baseline, facts):
    mutate, culprit, fragment = MUTATIONS[rule]
    assert list(baseline.violations) == [], "the untouched plan passes every rule"
    new = set(evaluate_plan(mutate(lagos_plan), facts).violations)
    assert {v.policy for v in new} == {rule}
    assert {v.urn.rsplit("::", 1)[-1] for v in new} == {culprit}
    assert any(fragment in v.message for v in new), [v.message for v in new]


def test_retain_on_delete_is_checked_offline_only_and_labelled_so(lagos_plan, facts):
    """The analyzer never receives retainOnDelete: the pack passes a bucket without it, and the
    offline-only check (run by `dbaas policy` in CI) is the one that reports it."""
    report = evaluate_plan(with_resource(lagos_plan, "acme.backups", retain_on_delete=False), facts)
    assert [(v.policy, v.urn.rsplit("::", 1)[-1], v.message, v.offline_only) for v in report.violations] == [
        ("deletion-retained-stateful", "acme.backups", "bucket of protected tenant acme lacks retainOnDelete", True)]
    assert str(report.violations[0]).splitlines()[0] == (
        "[mandatory/critical] deletion-retained-stateful (offline only: the analyzer never receives retainOnDelete)")
    assert report.to_json()["offlineOnly"] == ["deletion-retained-stateful"]


@pytest.mark.parametrize("name, label", [("naija-stream.backups", "bucket"), ("naija-stream.key", "key")])
def test_an_unprotected_tenants_bucket_and_key_must_be_retained_too(lagos_plan, facts, name, label):
    """naija-stream has no deletion protection, yet its backups outlive it (issue 22, item 10)."""
    assert facts["naija-stream"].deletion_protection is False
    report = evaluate_plan(with_resource(lagos_plan, name, retain_on_delete=False), facts)
    assert [(v.policy, v.urn.rsplit("::", 1)[-1], v.message) for v in report.violations] == [
        ("deletion-retained-stateful", name, f"{label} of tenant naija-stream lacks retainOnDelete")]


def test_decommission_markers_lift_protect_but_not_the_retention_of_backups_and_topics(lagos_plan, facts):
    """A deployed tenant-level marker: namespace released, bucket and key (and topics) unprotected
    but retained. The pack accepts that; without retainOnDelete the offline check still refuses."""
    decommissioned = {**facts, "acme": dataclasses.replace(facts["acme"], decommissioned=True,
                                                           decommissioned_services=frozenset({"orders", "sessions"}))}
    plan = lagos_plan
    owners = lagos_plan.tenant_of()
    for reg in lagos_plan.registrations:
        if owners.get(reg.urn) == "acme" and reg.protect:
            keep = reg.type in ("aws:s3/bucket:Bucket", "aws:kms/key:Key", "kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic")
            plan = with_resource(plan, reg.name, protect=False, retain_on_delete=keep)
    assert evaluate_plan(plan, decommissioned).violations == ()
    # The same plan without the marker in the tenant file: the decommissioned tenant's CI failure.
    without_marker = {(v.policy, v.urn.rsplit("::", 1)[-1]) for v in evaluate_plan(plan, facts).violations}
    assert {("deletion-protected-stateful", n) for n in ("acme.backups", "acme.key", "acme.namespace")} <= without_marker
    dropped = with_resource(plan, "acme.key", retain_on_delete=False)
    assert [(v.policy, v.urn.rsplit("::", 1)[-1], v.message) for v in evaluate_plan(dropped, decommissioned).violations] == [
        ("deletion-retained-stateful", "acme.key", "key of protected tenant acme lacks retainOnDelete")]
