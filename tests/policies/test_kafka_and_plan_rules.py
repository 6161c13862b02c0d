"""Passing and failing fixtures for the Kafka and plan rules, and both directions of the fixes that
let the shipped stacks pass without exemptions (protected tenant topics, the collector's token and
its read-only host path). Every fixture goes through the analyzer protocol to the pack's servicer."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.kafka.acls import AclRule, tenant_acl_rules
from components.kafka.users import user_spec
from declarations.errors import InputError
from tools.offline.runtime import Registration
from tools.policy.runner import PackConfig, RuleSettings, load_pack_config
from declarations.tenant_loader import load_tenant_tree
from policies.rules.kafka import KAFKA_TOPIC, KAFKA_USER
from policies.rules.model import TenantFacts
from policies.tenant_facts import load_tenant_facts
from pulumi_policy import EnforcementLevel
from tests.conftest import TENANTS_DIR
from tests.policies.mutations import fixture_plan, named, registration, violations, with_resource


def _facts(tenant: str, plan: str) -> TenantFacts:
    return TenantFacts(id=tenant, data_region="lagos", deletion_protection=True, owners=(f"{tenant}-admins",), plan=plan)


def _messages(policy: str, *resources: Registration, tenants: dict | None = None,
              config: PackConfig | None = None) -> list[str]:
    return [m for _, _, m in violations(fixture_plan(resources), tenants or {}, config, policy)]


# --- kafka-topic-durability ---

def _topic(spec: dict) -> Registration:
    return registration(KAFKA_TOPIC, "t", {"metadata": {"name": "t", "namespace": "kafka"}, "spec": spec})


def test_topic_durability_passes_with_three_replicas_and_min_insync_two_even_as_a_string():
    assert _messages("kafka-topic-durability", _topic({"replicas": 3, "config": {"min.insync.replicas": "2"}})) == []


def test_topic_durability_fails_on_two_replicas_and_missing_min_insync():
    assert _messages("kafka-topic-durability", _topic({"replicas": 2, "config": {}})) == [
        "spec.config['min.insync.replicas'] is None, must be at least 2",
        "spec.replicas is 2, must be at least 3",
    ]


# --- kafka-tenant-acl-scope ---

def _user(tenant: str | None, acls: list[dict] | None, name: str = "u") -> Registration:
    spec = {"authentication": {"type": "tls"}}
    if acls is not None:
        spec["authorization"] = {"type": "simple", "acls": acls}
    labels = {"dbaas.io/tenant": tenant} if tenant else {}
    return registration(KAFKA_USER, name, {"metadata": {"name": name, "namespace": "kafka", "labels": labels},
                                           "spec": spec})


def _acl_scope(*users: Registration) -> list[str]:
    return _messages("kafka-tenant-acl-scope", *users)


def _acl(type_: str, name: str, pattern: str = "literal", operations=("Read",)) -> dict:
    return {"type": "allow", "resource": {"type": type_, "name": name, "patternType": pattern},
            "operations": list(operations), "host": "*"}


def test_acl_scope_passes_for_every_shipped_tenants_generated_acls():
    tenants = load_tenant_tree(TENANTS_DIR)
    assert tenants
    users = [_user(t.id, user_spec(tenant_acl_rules(t))["authorization"]["acls"], f"{t.id}-user") for t in tenants]
    assert _acl_scope(*users) == []


def test_a_prefix_without_the_separator_covers_another_tenant_and_is_reported():
    acl = _acl("topic", "dbaas.cdc.mongodb.acme", "prefix")
    # Kafka's own matching: `acme`'s prefix reaches `acme2`'s CDC topic.
    assert AclRule("topic", "dbaas.cdc.mongodb.acme", "prefix", ("Read",)).matches("topic", "dbaas.cdc.mongodb.acme2.orders")
    assert _acl_scope(_user("acme", [acl])) == [
        "spec.authorization.acls[0] prefix 'dbaas.cdc.mongodb.acme' does not end in '.', "
        "so it also covers other tenants' names"]


@pytest.mark.parametrize("acl, message", [
    (_acl("topic", "dbaas.audit.acme2"), "topic 'dbaas.audit.acme2' is not one of acme's topics"),
    (_acl("topic", "dbaas.cdc.mongodb.acme2.orders"), "topic 'dbaas.cdc.mongodb.acme2.orders' is not one of acme's topics"),
    (_acl("topic", "*"), "names every resource ('*')"),
    (_acl("topic", "dbaas.cdc.", "prefix"),
     "prefix 'dbaas.cdc.' is not under acme's own prefixes (dbaas.audit.acme., dbaas.metrics.acme., dbaas.alerts.acme., "
     "dbaas.cdc.yugabyte.acme., dbaas.cdc.vitess.acme., dbaas.cdc.scylla.acme., dbaas.cdc.dragonfly.acme., "
     "dbaas.cdc.aerospike.acme., dbaas.cdc.mongodb.acme.)"),
    (_acl("group", "dbaas.tenant.", "prefix"), "prefix 'dbaas.tenant.' is not under acme's own prefixes (dbaas.tenant.acme.)"),
    (_acl("group", "dbaas.tenant.acme2.app"), "'dbaas.tenant.acme2.app' does not start with 'dbaas.tenant.acme.'"),
    (_acl("cluster", "kafka-cluster", operations=("Alter",)),
     "is on the cluster resource; tenant users get no cluster-level rights"),
    (_acl("delegationToken", "x"), "is on resource type 'delegationToken'; tenants get topics, groups and transactional ids only"),
])
def test_acl_scope_reports_names_outside_the_tenant(acl, message):
    assert _acl_scope(_user("acme", [acl])) == [f"spec.authorization.acls[0] {message}"]


def test_cluster_operations_on_a_tenant_topic_and_a_missing_acl_block_are_reported():
    own = _acl("topic", "dbaas.metrics.acme", operations=("Write", "ClusterAction"))
    assert _acl_scope(_user("acme", [own])) == [
        "spec.authorization.acls[0] grants cluster-level operation(s) ClusterAction"]
    assert _acl_scope(_user("acme", None)) == [
        "spec.authorization is not a 'simple' ACL block; a tenant user without ACLs is unconstrained"]


def test_deny_acls_and_platform_users_are_out_of_scope():
    deny = {**_acl("cluster", "kafka-cluster", operations=("All",)), "type": "deny"}
    assert _acl_scope(_user("acme", [deny])) == []
    assert _acl_scope(_user(None, [_acl("topic", "dbaas.cdc.", "prefix")])) == []


# --- plan-enterprise-clustered / -backups / -pitr (fixtures: a YugabyteDB service) ---

YB = "kubernetes:operator.yugabyte.io/v1alpha1:"


def _yb_service(tenant: str, replication_factor: float = 3, schedule: dict | None | str = "default") -> list[Registration]:
    labels = {"dbaas.io/tenant": tenant, "dbaas.io/service": "accounts", "dbaas.io/engine": "yugabyte"}
    resources = [registration(YB + "YBUniverse", f"{tenant}-accounts-ybuniverse", {
        "metadata": {"labels": labels, "namespace": f"t-{tenant}"},
        "spec": {"replicationFactor": replication_factor, "numNodes": 3}}, protect=True, retain_on_delete=True)]
    if schedule == "default":
        schedule = {"cronExpression": "0 * * * *", "enablePointInTimeRestore": True}
    if schedule is not None:
        resources.append(registration(YB + "BackupSchedule", f"{tenant}-accounts-backupschedule",
                                      {"metadata": {"labels": labels, "namespace": f"t-{tenant}"}, "spec": schedule}))
    return resources


PLAN_RULES = ("plan-enterprise-clustered", "plan-enterprise-backups", "plan-enterprise-pitr")


def _plan_findings(resources: list[Registration], *facts: TenantFacts) -> list[tuple[str, str, str]]:
    return violations(fixture_plan(resources), {f.id: f for f in facts}, None, *PLAN_RULES)


def test_plan_rules_pass_an_enterprise_universe_with_rf3_backups_and_pitr():
    assert _plan_findings(_yb_service("bank"), _facts("bank", "enterprise")) == []


def test_plan_rules_ignore_other_plans():
    assert _plan_findings(_yb_service("shop", 1, None), _facts("shop", "standard")) == []


def test_plan_enterprise_clustered_fails_on_replication_factor_1():
    assert _plan_findings(_yb_service("bank", 1), _facts("bank", "enterprise")) == [
        ("plan-enterprise-clustered", "bank-accounts-ybuniverse", "enterprise service bank/accounts (yugabyte) must keep at "
                                                           "least 3 replicas: YBUniverse spec.replicationFactor is 1")]


def test_plan_enterprise_pitr_fails_on_the_backup_schedule_without_point_in_time_restore():
    schedule = {"cronExpression": "0 * * * *", "enablePointInTimeRestore": False}
    assert _plan_findings(_yb_service("bank", schedule=schedule), _facts("bank", "enterprise")) == [
        ("plan-enterprise-pitr", "bank-accounts-backupschedule", "enterprise service bank/accounts (yugabyte) must have "
                                                      "point-in-time recovery enabled: BackupSchedule "
                                                      "spec.enablePointInTimeRestore is False")]


def test_plan_enterprise_backups_fails_without_a_backup_schedule_and_so_does_pitr():
    assert _plan_findings(_yb_service("bank", schedule=None), _facts("bank", "enterprise")) == [
        ("plan-enterprise-backups", "bank-accounts-ybuniverse", "enterprise service bank/accounts (yugabyte) must have "
                                                         "scheduled backups: 0 BackupSchedule(s) with "
                                                         "spec.cronExpression for YBUniverse bank-accounts-ybuniverse"),
        ("plan-enterprise-pitr", "bank-accounts-ybuniverse", "enterprise service bank/accounts (yugabyte) must have "
                                                      "point-in-time recovery enabled: no BackupSchedule for "
                                                      "YBUniverse bank-accounts-ybuniverse, so no point-in-time restore"),
    ]


def test_plan_rules_on_frankfurts_enterprise_scylla_service(frankfurt_plan):
    """A second engine on a real plan: hanse-ledger's Scylla cluster without its backup task."""
    plan = with_resource(frankfurt_plan, "hanse-ledger.audit-log.scyllacluster", lambda p: p["spec"].update(backups=[]))
    assert violations(plan, load_tenant_facts(TENANTS_DIR), None, *PLAN_RULES) == [
        ("plan-enterprise-backups", "hanse-ledger.audit-log.scyllacluster",
         "enterprise service hanse-ledger/audit-log (scylla) must have scheduled backups: "
         "spec.backups has 0 task(s) with a location")]


# --- The real causes fixed in the components ---

def test_protected_tenants_kafka_topics_are_protected_and_retained_unprotected_ones_are_not(lagos_plan):
    owners, facts = lagos_plan.tenant_of(), load_tenant_facts(TENANTS_DIR)
    topics = [r for r in lagos_plan.registrations if r.type == KAFKA_TOPIC and owners.get(r.urn)]
    options = {r.name: (r.protect, r.retain_on_delete) for r in topics}
    assert {n for n, o in options.items() if o == (True, True)} == {
        r.name for r in topics if facts[owners[r.urn]].deletion_protection}
    assert {n for n, o in options.items() if o != (True, True)} == {
        "naija-stream.topic-audit", "naija-stream.topic-metrics", "naija-stream.topic-alerts"}
    assert all(options[n] == (False, False) for n in ("naija-stream.topic-audit", "naija-stream.topic-metrics"))


COLLECTOR = "observability-lagos-collector"


def test_collector_mounts_an_explicit_read_only_projected_token_and_its_account_does_not_automount(lagos_plan):
    assert named(lagos_plan, "observability-lagos-collector-sa").inputs["automountServiceAccountToken"] is False
    spec = named(lagos_plan, COLLECTOR).inputs["spec"]
    token = next(v for v in spec["volumes"] if v["name"] == "api-token")
    assert [next(iter(s)) for s in token["projected"]["sources"]] == ["serviceAccountToken", "configMap", "downwardAPI"]
    assert token["projected"]["sources"][0]["serviceAccountToken"] == {"path": "token", "expirationSeconds": 3607}
    assert {m["name"]: (m["mountPath"], m["readOnly"]) for m in spec["volumeMounts"]} == {
        "pod-logs": ("/var/log/pods", True), "api-token": ("/var/run/secrets/kubernetes.io/serviceaccount", True)}


def _pod_security(plan, config: dict | None = None) -> list[str]:
    """k8s-no-privileged-pods on the collector alone, with pack config sent through Configure."""
    pack = None if config is None else PackConfig({"k8s-no-privileged-pods": RuleSettings(EnforcementLevel.MANDATORY,
                                                                                          config)})
    collector = named(plan, COLLECTOR)
    return _messages("k8s-no-privileged-pods", registration(collector.type, COLLECTOR, collector.inputs), config=pack)


def test_collector_host_path_passes_only_read_only_in_the_allowed_namespace(lagos_plan):
    assert _pod_security(lagos_plan) == []
    writable = with_resource(lagos_plan, COLLECTOR, lambda p: p["spec"]["volumeMounts"][0].update(readOnly=False))
    assert _pod_security(writable) == ["spec.volumes[0].hostPath mounts host path '/var/log/pods': allowed read-only "
                                       "only, but its mount at /var/log/pods is not readOnly"]
    unmounted = with_resource(lagos_plan, COLLECTOR, lambda p: p["spec"]["volumeMounts"].pop(0))
    assert _pod_security(unmounted) == ["spec.volumes[0].hostPath mounts host path '/var/log/pods': allowed read-only "
                                        "only, but no container mounts it with readOnly: true"]
    escaping = with_resource(lagos_plan, COLLECTOR,
                             lambda p: p["spec"]["volumes"][0]["hostPath"].update(path="/var/log/pods/../../../etc"))
    assert _pod_security(escaping) == ["spec.volumes[0].hostPath mounts host path '/var/log/pods/../../../etc': "
                                       "namespace monitoring may not mount it (pack config allowedHostPaths)"]
    assert _pod_security(lagos_plan, {"allowedHostPaths": []}) == [
        "spec.volumes[0].hostPath mounts host path '/var/log/pods': namespace monitoring may not mount it "
        "(pack config allowedHostPaths)"]


def test_host_paths_are_never_allowed_in_tenant_namespaces_even_when_configured(lagos_plan):
    plan = with_resource(lagos_plan, COLLECTOR, lambda p: p["metadata"].update(namespace="t-acme"))
    config = {"allowedHostPaths": [{"namespace": "t-acme", "pathPrefix": "/var/log/pods"}]}
    assert _pod_security(plan, config) == ["spec.volumes[0].hostPath mounts host path '/var/log/pods': host paths "
                                           "are never allowed in tenant namespaces"]


def test_a_host_path_outside_a_volumes_list_is_always_reported():
    release = registration("kubernetes:helm.sh/v3:Release", "r", {"values": {"agent": {"hostPath": {"path": "/var/log/pods"}}}})
    assert _messages("k8s-no-privileged-pods", release) == ["values.agent.hostPath mounts host path '/var/log/pods'"]
def test_allowed_host_paths_pack_config_is_validated_with_located_errors(tmp_path: Path):
    good = tmp_path / "good.yaml"
    good.write_text("k8s-no-privileged-pods:\n  allowedHostPaths:\n"
                    "    - {namespace: logging, pathPrefix: /var/log/pods}\n", encoding="utf-8")
    assert load_pack_config(good).settings["k8s-no-privileged-pods"].config == {
        "allowedHostPaths": [{"namespace": "logging", "pathPrefix": "/var/log/pods"}]}
    bad = tmp_path / "bad.yaml"
    bad.write_text("k8s-no-privileged-pods:\n  allowedHostPaths:\n    - {namespace: logging, pathPrefix: var/log}\n",
                   encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_pack_config(bad)
    assert [(p.line, p.field) for p in caught.value.problems] == [(3, "k8s-no-privileged-pods.allowedHostPaths")]
    assert "'var/log' does not match '^/.'" in caught.value.problems[0].message
