"""The pod identity webhook: installed from its vendored release on the adopted colocation cluster (lagos),
absent on EKS (frankfurt), where the control plane runs it. Without it no IRSA ServiceAccount gets credentials."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import replace

import pytest
import yaml

from components.pop.pod_identity_webhook import ARTIFACT, render, upstream_objects
from declarations.pod_identity import IRSA_ROLE_ANNOTATION, MUTATING_WEBHOOK_TYPE, POD_IDENTITY_WEBHOOK_NAME
from declarations.vendored_artifacts import PROJECT_DIR, PROVENANCE_FILE, VendoredFile, vendored_artifact
from tools.kubernetes.validation import kubernetes_objects, validate_object
from tools.offline.engine_rules import DependencyGraph, EngineRefusal, engine_problems, pod_identity_problems
from tools.offline.plan import build_plan
from tests.pop.helpers import pop_all, pop_one, under_pop

NS = "pod-identity-webhook"
LABELS = {"app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "dbaas", "dbaas.io/platform": "true",
          "app": "pod-identity-webhook"}
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
MWC_NAME = "pop-pod-identity-mutatingwebhookconfiguration"


def _platform(plan, region):
    return [r for r in plan.registrations if r.urn.startswith(f"urn:pulumi:{region}::")]


def _webhook_registrations(plan):
    return [r for r in under_pop(plan) if "pod-identity" in r.name]


def test_the_vendored_release_is_the_upstream_tag_with_its_sha256():
    artifact = vendored_artifact(ARTIFACT)
    assert (artifact.repository, artifact.tag, artifact.version, artifact.kind) == (
        "https://github.com/aws/amazon-eks-pod-identity-webhook", "v0.6.17", "v0.6.17", "manifest")
    assert [f.source_path for f in artifact.files] == [
        "deploy/auth.yaml", "deploy/deployment-base.yaml", "deploy/service.yaml", "deploy/mutatingwebhook.yaml"]
    # main.go is vendored to be read (its flags), not applied: recorded under `sources`, same fields.
    [entry] = [a for a in json.loads(PROVENANCE_FILE.read_text())["artifacts"] if a["name"] == ARTIFACT]
    assert [s["source_path"] for s in entry["sources"]] == ["main.go"]
    for file in [*artifact.files, *(VendoredFile(s["source_path"], s["path"], s["sha256"]) for s in entry["sources"])]:
        assert file.path == f"vendor/amazon-eks-pod-identity-webhook/{file.source_path}"
        assert hashlib.sha256((PROJECT_DIR / file.path).read_bytes()).hexdigest() == file.sha256, file.path


def test_every_flag_the_deployment_passes_is_defined_by_the_vendored_main_go(lagos_plan):
    """An unknown flag makes pflag exit at start-up: the webhook would never serve."""
    main_go = (PROJECT_DIR / "vendor/amazon-eks-pod-identity-webhook/main.go").read_text()
    defined = set(re.findall(r'flag\.(?:Int|Int64|String|Bool|Duration)\("([a-z-]+)"', main_go))
    klog_flags = {"logtostderr"}  # k8s.io/klog/v2 klog.go InitFlags, added to the flag set at main.go:101-105
    [container] = pop_one(lagos_plan, DEPLOYMENT, "pop-pod-identity-deployment").inputs["spec"]["template"]["spec"]["containers"]
    passed = {arg[2:].split("=")[0] for arg in container["command"][1:]}
    assert passed - defined == klog_flags
    assert {"in-cluster", "annotation-prefix", "token-audience", "sts-regional-endpoint", "aws-default-region", "port",
            "tls-cert", "tls-key", "service-account-lookup-grace-period"} <= passed


def test_upstream_defaults_we_keep_are_upstreams():
    """The annotation prefix and audience upstream's own Deployment passes are the ones IRSA here relies on."""
    [deployment] = [o for o in upstream_objects(vendored_artifact(ARTIFACT)) if o["kind"] == "Deployment"]
    command = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    assert "--annotation-prefix=eks.amazonaws.com" in command and "--token-audience=sts.amazonaws.com" in command
    assert IRSA_ROLE_ANNOTATION == "eks.amazonaws.com/role-arn"


def test_lagos_runs_the_webhook_with_regional_sts_and_the_audience_the_oidc_provider_trusts(lagos_plan):
    deployment = pop_one(lagos_plan, DEPLOYMENT, "pop-pod-identity-deployment").inputs
    assert deployment["metadata"] == {"name": NS, "namespace": NS, "labels": LABELS}
    pod = deployment["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert container["image"] == "public.ecr.aws/eks/amazon-eks-pod-identity-webhook:v0.6.17"
    assert container["command"] == [
        "/webhook",
        "--in-cluster=false",
        "--namespace=pod-identity-webhook",
        "--service-name=pod-identity-webhook",
        "--annotation-prefix=eks.amazonaws.com",
        "--token-audience=sts.amazonaws.com",
        "--sts-regional-endpoint=true",
        "--aws-default-region=af-south-1",
        "--port=9443",
        "--metrics-port=9999",
        "--tls-cert=/etc/webhook/certs/tls.crt",
        "--tls-key=/etc/webhook/certs/tls.key",
        "--tls-min-version=1.2",
        "--service-account-lookup-grace-period=500ms",
        "--logtostderr",
    ]
    assert container["ports"] == [{"name": "https", "containerPort": 9443, "protocol": "TCP"},
                                  {"name": "metrics", "containerPort": 9999, "protocol": "TCP"}]
    assert container["volumeMounts"] == [{"name": "cert", "mountPath": "/etc/webhook/certs", "readOnly": True}]
    assert pod["volumes"] == [{"name": "cert", "secret": {"secretName": "pod-identity-webhook-cert"}}]
    assert container["securityContext"]["runAsNonRoot"] is True and container["securityContext"]["runAsUser"] == 65532
    assert (pod["serviceAccountName"], pod["automountServiceAccountToken"], deployment["spec"]["replicas"]) == (NS, True, 2)
    oidc = next(r for r in _platform(lagos_plan, "lagos") if r.type == "aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert oidc.inputs["clientIdLists"] == ["sts.amazonaws.com"]
    assert oidc.inputs["url"] == "https://oidc.los1.dbaas.example.net"


def test_lagos_webhook_configuration_fails_closed_outside_its_own_namespace_kube_system_and_calico(lagos_plan):
    mwc = pop_one(lagos_plan, MUTATING_WEBHOOK_TYPE, MWC_NAME).inputs
    assert mwc["metadata"] == {"name": POD_IDENTITY_WEBHOOK_NAME, "labels": LABELS,
                               "annotations": {"cert-manager.io/inject-ca-from": "pod-identity-webhook/pod-identity-webhook"}}
    assert mwc["webhooks"] == [{
        "name": "pod-identity-webhook.amazonaws.com",
        "failurePolicy": "Fail",
        "timeoutSeconds": 10,
        "clientConfig": {"service": {"name": NS, "namespace": NS, "path": "/mutate", "port": 443}},
        "namespaceSelector": {"matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "NotIn",
                                                    "values": ["calico-system", "kube-system", NS, "tigera-operator"]}]},
        "objectSelector": {"matchExpressions": [
            {"key": "eks.amazonaws.com/skip-pod-identity-webhook", "operator": "DoesNotExist"}]},
        "rules": [{"operations": ["CREATE"], "apiGroups": [""], "apiVersions": ["v1"], "resources": ["pods"]}],
        "sideEffects": "None",
        "admissionReviewVersions": ["v1beta1"],
    }]
    service = pop_one(lagos_plan, "kubernetes:core/v1:Service", "pop-pod-identity-service").inputs
    assert service["spec"] == {"ports": [{"name": "https", "port": 443, "targetPort": "https", "protocol": "TCP"}],
                               "selector": {"app": "pod-identity-webhook"}}
    assert "annotations" not in service["metadata"]  # upstream's scrape annotations name the TLS port


def test_the_serving_certificate_is_cert_managers_self_signed_one_for_the_service(lagos_plan):
    issuer = pop_one(lagos_plan, "kubernetes:cert-manager.io/v1:Issuer", "pop-pod-identity-issuer").inputs
    assert issuer["metadata"]["namespace"] == NS and issuer["spec"] == {"selfSigned": {}}
    cert = pop_one(lagos_plan, "kubernetes:cert-manager.io/v1:Certificate", "pop-pod-identity-certificate").inputs
    assert cert["metadata"]["name"] == "pod-identity-webhook" and cert["metadata"]["namespace"] == NS
    assert cert["spec"] == {
        "secretName": "pod-identity-webhook-cert",
        "commonName": "pod-identity-webhook.pod-identity-webhook.svc",
        "dnsNames": ["pod-identity-webhook", "pod-identity-webhook.pod-identity-webhook",
                     "pod-identity-webhook.pod-identity-webhook.svc", "pod-identity-webhook.pod-identity-webhook.svc.cluster.local"],
        "isCA": True, "duration": "2160h", "renewBefore": "360h",
        "issuerRef": {"name": "pod-identity-webhook-selfsigned", "kind": "Issuer", "group": "cert-manager.io"},
    }
    assert not [r for r in pop_all(lagos_plan, "kubernetes:cert-manager.io/v1:ClusterIssuer") if "pod-identity" in r.name]


def test_rbac_is_serviceaccount_reads_for_a_subject_the_plan_creates(lagos_plan):
    role = pop_one(lagos_plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "pop-pod-identity-clusterrole").inputs
    assert role["rules"] == [{"apiGroups": [""], "resources": ["serviceaccounts"], "verbs": ["get", "watch", "list"]}]
    binding = pop_one(lagos_plan, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
                      "pop-pod-identity-clusterrolebinding").inputs
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": POD_IDENTITY_WEBHOOK_NAME}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": POD_IDENTITY_WEBHOOK_NAME, "namespace": NS}]
    sa = pop_one(lagos_plan, "kubernetes:core/v1:ServiceAccount", "pop-pod-identity-serviceaccount").inputs
    assert (sa["metadata"]["name"], sa["metadata"]["namespace"], sa["automountServiceAccountToken"]) == (NS, NS, False)
    namespace = pop_one(lagos_plan, "kubernetes:core/v1:Namespace", "pop-ns-pod-identity-webhook").inputs
    assert namespace["metadata"]["name"] == NS
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    # In-cluster certificate requests only (main.go:288): no Role on Secrets, no CSR rule.
    assert not [r for r in _webhook_registrations(lagos_plan) if r.type.endswith((":Role", ":RoleBinding"))]


def test_network_policies_let_the_api_server_reach_the_webhook_port_and_nothing_else_in(lagos_plan):
    policies = {r.inputs["metadata"]["name"]: r.inputs["spec"]
                for r in pop_all(lagos_plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
                if r.inputs["metadata"]["namespace"] == NS}
    assert sorted(policies) == ["allow-apiserver-https-egress", "allow-dns", "allow-same-namespace",
                                "allow-webhook-from-apiserver", "default-deny-all"]
    assert policies["allow-webhook-from-apiserver"] == {
        "podSelector": {}, "policyTypes": ["Ingress"],
        "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}}],
                     "ports": [{"protocol": "TCP", "port": 9443}]}]}
    # It watches ServiceAccounts through the API server (443 on EKS, 6443 on kubeadm).
    assert policies["allow-apiserver-https-egress"]["egress"][0]["ports"] == [
        {"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443}]


def test_frankfurt_on_eks_installs_none_of_it(frankfurt_plan):
    assert _webhook_registrations(frankfurt_plan) == []
    assert [r for r in frankfurt_plan.registrations if r.type == MUTATING_WEBHOOK_TYPE
            and r.inputs.get("metadata", {}).get("name") == POD_IDENTITY_WEBHOOK_NAME] == []
    assert not [r for r in frankfurt_plan.registrations if r.type == "kubernetes:core/v1:Namespace"
                and r.inputs["metadata"]["name"] == NS]
    assert pod_identity_problems(_platform(frankfurt_plan, "frankfurt")) == []


def test_every_webhook_object_validates_strictly(lagos_plan):
    objects = [(urn, obj) for urn, obj in kubernetes_objects(_webhook_registrations(lagos_plan))]
    assert sorted(obj["kind"] for _, obj in objects) == sorted([
        "Namespace", *["NetworkPolicy"] * 5, "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Issuer",
        "Certificate", "Service", "Deployment", "PodDisruptionBudget", "MutatingWebhookConfiguration"])
    assert {urn: validate_object(obj) for urn, obj in objects if validate_object(obj)} == {}
    [mwc] = [obj for _, obj in objects if obj["kind"] == "MutatingWebhookConfiguration"]
    broken = {**mwc, "webhooks": [{**mwc["webhooks"][0], "failurePolicy": "Fail", "failurePolcy": "Ignore"}]}
    assert validate_object(broken) != []


def test_the_webhook_starts_after_cert_manager_and_calico_and_is_configured_last(lagos_plan):
    regs = _platform(lagos_plan, "lagos")
    graph = DependencyGraph(regs)
    mwc = pop_one(lagos_plan, MUTATING_WEBHOOK_TYPE, MWC_NAME)
    deployment = pop_one(lagos_plan, DEPLOYMENT, "pop-pod-identity-deployment")
    releases = {r.inputs["chart"]: r.urn for r in regs if r.type == "kubernetes:helm.sh/v3:Release"}
    assert {releases["cert-manager"], releases["tigera-operator"]} <= graph.ancestors(deployment.urn)
    assert {r.urn for r in _webhook_registrations(lagos_plan) if r.urn != mwc.urn} <= graph.ancestors(mwc.urn)


def test_everything_using_irsa_in_lagos_waits_for_the_webhook(lagos_plan):
    regs = _platform(lagos_plan, "lagos")
    graph = DependencyGraph(regs)
    mwc = pop_one(lagos_plan, MUTATING_WEBHOOK_TYPE, MWC_NAME).urn
    waits = {r.name for r in regs if mwc in graph.ancestors(r.urn)}
    # The control-plane database (barman-cloud's WAL archive), Kafka Connect, observability's object-store users,
    # and every engine operator.
    assert {"controlplane-lagos-cluster", "kafka-connect", "observability-lagos-thanos-thanos-sa",
            "observability-lagos-loki-loki-sa"} <= waits
    operators = [r for r in regs if r.type == "kubernetes:helm.sh/v3:Release" and r.name.startswith("engines-")]
    assert len(operators) >= 4 and all(r.name in waits for r in operators)
    assert pod_identity_problems(regs) == []


def test_an_irsa_user_that_does_not_wait_for_the_webhook_is_refused(lagos_plan):
    regs = _platform(lagos_plan, "lagos")
    index = next(i for i, r in enumerate(regs) if r.name == "controlplane-lagos-cluster")
    cluster = regs[index]
    mwc = pop_one(lagos_plan, MUTATING_WEBHOOK_TYPE, MWC_NAME).urn
    regs[index] = replace(cluster, dependencies=())
    problem = (f"{cluster.urn}: names an IRSA role but does not wait for the pod identity webhook ({mwc}); pods admitted "
               "before it exists run without AWS credentials until they are recreated")
    assert pod_identity_problems(regs) == [problem]
    assert problem in engine_problems(regs, default_providers_disabled=True)


@pytest.mark.parametrize("aws_region", ["af-south-1", "eu-west-1"])
def test_render_is_pure_and_follows_the_region(aws_region):
    artifact = vendored_artifact(ARTIFACT)
    upstream = upstream_objects(artifact)
    before = yaml.safe_dump_all(upstream)
    out = render(upstream, artifact, "pid", aws_region, ("kube-system",))
    assert yaml.safe_dump_all(upstream) == before
    [deployment] = [o for o in out if o["kind"] == "Deployment"]
    assert f"--aws-default-region={aws_region}" in deployment["spec"]["template"]["spec"]["containers"][0]["command"]
    assert all(o["metadata"].get("namespace") in (None, "pid") for o in out)
    assert [o["kind"] for o in out] == ["ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Deployment", "Issuer",
                                        "Certificate", "Service", "MutatingWebhookConfiguration"]


def test_adopt_mode_with_a_baseline_controller_on_irsa_is_refused(tmp_path):
    """External Secrets on AWS Secrets Manager uses IRSA, but starts before the webhook (which needs
    cert-manager, and cert-manager the secret store): its pods would never get credentials."""
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (PROJECT_DIR / "Pulumi.lagos.yaml").read_text()
    text = text.replace("dbaas-platform:secretStore: vault\n", "dbaas-platform:secretStore: aws-secrets-manager\n")
    (tmp_path / "Pulumi.lagos.yaml").write_text(text.replace("  dbaas-platform:vaultServer: https://vault.los1.dbaas.example.net:8200\n", ""))
    (tmp_path / "tenants" / "lagos").mkdir(parents=True)
    with pytest.raises(EngineRefusal) as refusal:
        build_plan("lagos", tmp_path, tmp_path / "tenants")
    [reason] = refusal.value.reasons
    assert reason.startswith("urn:pulumi:lagos::dbaas-platform::dbaas:pop:PopCluster$dbaas:pop:PlatformBaseline$"
                             "kubernetes:helm.sh/v3:Release::pop-external-secrets: names an IRSA role but does not wait "
                             "for the pod identity webhook")
