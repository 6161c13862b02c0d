"""The engine's own refusals and the cluster's ordering, applied to every offline plan
(tools/offline/engine_rules.py): duplicate URNs, unresolved parents, providers and
dependencies, custom resources before their CRDs, objects before their Namespace, and two
resources claiming one physical name."""

from dataclasses import replace


from tools.offline.engine_rules import engine_problems, ordering_problems, physical_name_problems
from declarations.chart_pins import crd_groups_installed_by
from tools.offline.plan import build_plan, plan_engine_problems, registrations_by_stack
from tests.conftest import PROJECT_DIR

KUDI = """\
id: {id}
name: Kudi
org: kudi
plan: standard
data_region: lagos
owners: [kudi-platform]
data_classes: [financial]
services:
  - name: {service}
    engine: mongodb
    version: "7.0"
    topology: single
    replicas: 1
    storage_gb: 20
    backups: {{schedule: "0 2 * * *", retention_days: 7}}
    cdc: true
"""


def test_shipped_plans_pass_every_engine_rule(lagos_plan, frankfurt_plan):
    """build_plan already refuses otherwise; this says it in one place, and proves the rules see them."""
    for plan in (lagos_plan, frankfurt_plan):
        assert plan_engine_problems(plan) == {}
        assert len(registrations_by_stack(plan.registrations)) == 4  # the platform stack and three tenant stacks
        assert len(plan.registrations) > 400


def test_two_valid_tenants_never_derive_the_same_urn_or_name(tmp_path):
    """kudi + pay-wallets against kudi-pay + wallets: once the same URNs, which the engine refuses."""
    tenants = tmp_path / "tenants"
    (tenants / "lagos").mkdir(parents=True)
    (tenants / "frankfurt").mkdir()
    (tenants / "lagos" / "kudi.yaml").write_text(KUDI.format(id="kudi", service="pay-wallets"))
    (tenants / "lagos" / "kudi-pay.yaml").write_text(KUDI.format(id="kudi-pay", service="wallets"))
    plan = build_plan("lagos", PROJECT_DIR, tenants)
    urns = [r.urn for r in plan.registrations]
    assert len(urns) == len(set(urns))
    owner = plan.tenant_of()
    assert {owner[r.urn] for r in plan.registrations if r.type == "dbaas:engines:MongodbInstance"} == {"kudi", "kudi-pay"}


def _lagos_registrations(lagos_plan, stack: str = "lagos.acme"):
    """One stack's registrations (acme's tenant stack unless said otherwise)."""
    return list(registrations_by_stack(lagos_plan.registrations)[stack])


def _platform_crds(lagos_plan) -> frozenset[str]:
    return frozenset(g for r in _lagos_registrations(lagos_plan, "lagos") for g in crd_groups_installed_by(r.type, r.inputs))


def test_duplicate_urn_is_refused_in_the_engines_words(lagos_plan):
    regs = _lagos_registrations(lagos_plan)
    topic = next(r for r in regs if r.type.endswith(":KafkaTopic"))
    problems = engine_problems(regs + [topic], default_providers_disabled=True)
    assert problems == [f"Duplicate resource URN '{topic.urn}'; try giving it a unique name"]


def test_unregistered_parent_provider_and_dependency_are_refused(lagos_plan):
    regs = _lagos_registrations(lagos_plan)
    index = next(i for i, r in enumerate(regs) if r.type == "kubernetes:core/v1:Secret")
    secret = regs[index]
    ghost = "urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment::ghost"
    regs[index] = replace(secret, parent=ghost, provider="urn:pulumi:lagos.acme::dbaas-tenant::pulumi:providers:kubernetes::nope::id",
                          dependencies=secret.dependencies + (ghost,))
    assert engine_problems(regs, default_providers_disabled=True) == [
        f"could not find parent resource {ghost} (of {secret.urn})",
        f"provider urn:pulumi:lagos.acme::dbaas-tenant::pulumi:providers:kubernetes::nope for resource {secret.urn} "
        "has not been registered yet",
        f"{secret.urn} depends on {ghost}, which has not been registered",
    ]


def test_default_provider_is_refused_when_disabled(lagos_plan):
    regs = _lagos_registrations(lagos_plan)
    index = next(i for i, r in enumerate(regs) if r.type == "aws:s3/bucket:Bucket")
    regs[index] = replace(regs[index], provider="")
    crds = _platform_crds(lagos_plan)
    assert engine_problems(regs, default_providers_disabled=True, crds_installed_elsewhere=crds) == [
        f"Default provider for 'aws' disabled. '{regs[index].urn}' must use an explicit provider."]
    assert engine_problems(regs, default_providers_disabled=False, crds_installed_elsewhere=crds) == []


def test_custom_resource_must_wait_for_the_release_installing_its_crds(lagos_plan):
    """Within a stack: the platform's Kafka topics wait for the Strimzi release and the kafka Namespace."""
    regs = _lagos_registrations(lagos_plan, "lagos")
    index = next(i for i, r in enumerate(regs) if r.type.endswith("KafkaTopic"))
    topic = regs[index]
    strimzi = next(r.urn for r in regs if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "strimzi-kafka-operator")
    kafka_ns = next(r.urn for r in regs if r.type == "kubernetes:core/v1:Namespace" and r.inputs["metadata"]["name"] == "kafka")
    assert strimzi in topic.dependencies and kafka_ns in topic.dependencies
    regs[index] = replace(topic, dependencies=())
    assert ordering_problems(regs) == [
        f"{topic.urn}: does not wait for {strimzi}, which installs the CRDs of kafka.strimzi.io; on a new cluster it "
        "would be refused ('no matches for kind KafkaTopic')",
        f"{topic.urn}: does not wait for its Namespace kafka ({kafka_ns}); on a new cluster it would be refused "
        "(namespace not found)",
    ]


def test_a_tenant_stacks_custom_resources_are_satisfied_by_the_platform_stack_only(lagos_plan):
    """A tenant stack installs no CRD: its custom resources rely on the platform stack, applied
    first. Without the platform's groups, every one of them would be refused."""
    regs = _lagos_registrations(lagos_plan)
    assert not [g for r in regs for g in crd_groups_installed_by(r.type, r.inputs)]
    assert ordering_problems(regs, _platform_crds(lagos_plan)) == []
    refused = ordering_problems(regs)
    topic = next(r for r in regs if r.type.endswith("KafkaTopic"))
    assert (f"{topic.urn}: no Helm release or CustomResourceDefinition of this stack installs the CRDs "
            f"of kafka.strimzi.io; "
            "the API server would answer 'no matches for kind'") in refused


def test_custom_resource_of_a_group_no_release_installs(lagos_plan):
    regs = _lagos_registrations(lagos_plan)
    topic = next(r for r in regs if r.type.endswith("KafkaTopic"))
    stray = replace(topic, urn=topic.urn.replace("KafkaTopic", "Widget").replace("kafka.strimzi.io", "widgets.example.com"),
                    type="kubernetes:widgets.example.com/v1:Widget")
    assert ordering_problems(regs + [stray], _platform_crds(lagos_plan)) == [
        f"{stray.urn}: no Helm release or CustomResourceDefinition of this stack installs the CRDs of widgets.example.com; the API "
        "server would "
        "answer 'no matches for kind'"]


def test_two_resources_claiming_one_bucket_or_object(lagos_plan):
    regs = _lagos_registrations(lagos_plan)
    bucket = next(r for r in regs if r.type == "aws:s3/bucket:Bucket")
    twin = replace(bucket, urn=bucket.urn + "-twin")
    assert physical_name_problems(regs + [twin]) == [
        f"{twin.urn} and {bucket.urn} both claim s3/bucket {bucket.inputs['bucket']}: the second create would fail "
        "(already exists) or the two would overwrite each other"]


def test_plan_refuses_and_the_cli_says_why(tmp_path, monkeypatch, capsys):
    """An engine refusal from the program is exit 1 with the engine's words, never a traceback."""
    import tools.offline.plan as plan_module
    from dbaas.cli import main

    real = plan_module.engine_problems
    monkeypatch.setattr(plan_module, "engine_problems", lambda regs, **kw: real(regs + regs[-1:], **kw))
    assert main(["plan", "lagos"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("stack lagos: the Pulumi engine would refuse this plan:\n  Duplicate resource URN 'urn:pulumi:lagos::")
    assert "Traceback" not in err
