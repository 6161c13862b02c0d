"""Platform baseline on both PoPs: issuer, ingress TLS/WAF, namespaces, storage, priorities, secrets."""

from __future__ import annotations

import json

import pytest

from components.pop.ingress import MODSECURITY_SNIPPET
from tools.kubernetes.validation import kubernetes_objects, validate_object
from tests.pop.helpers import platform_key_arn, policy, pop_all, pop_one, under_pop

LAGOS = ("lagos", "af-south-1", "111122223333")
FRANKFURT = ("frankfurt", "eu-central-1", "444455556666")


@pytest.fixture(params=["lagos", "frankfurt"])
def plan(request, lagos_plan, frankfurt_plan):
    return {"lagos": lagos_plan, "frankfurt": frankfurt_plan}[request.param]


def test_every_pop_kubernetes_object_validates_strictly(plan):
    objects = kubernetes_objects(under_pop(plan))
    assert len(objects) >= 30
    problems = {urn: validate_object(obj) for urn, obj in objects}
    assert {urn: p for urn, p in problems.items() if p} == {}


def test_cluster_issuer_frankfurt_acme_dns01_in_route53(frankfurt_plan):
    issuer = pop_one(frankfurt_plan, "kubernetes:cert-manager.io/v1:ClusterIssuer", "pop-cluster-issuer")
    assert issuer.inputs["metadata"]["name"] == "dbaas-platform"
    assert issuer.inputs["spec"] == {"acme": {
        "email": "pki@dbaas.example.net",
        "server": "https://acme-v02.api.letsencrypt.org/directory",
        "privateKeySecretRef": {"name": "dbaas-acme-account"},
        "solvers": [{"dns01": {"route53": {"region": "eu-central-1", "hostedZoneID": "Z0FRA1DBAASEXAMPLE"}}}],
    }}
    route53 = policy(pop_one(frankfurt_plan, "aws:iam/rolePolicy:RolePolicy", "pop-cert-manager-role-policy"), "policy")
    assert route53["Statement"][1]["Resource"] == "arn:aws:route53:::hostedzone/Z0FRA1DBAASEXAMPLE"


def test_cluster_issuer_lagos_internal_ca_synced_from_vault(lagos_plan):
    issuer = pop_one(lagos_plan, "kubernetes:cert-manager.io/v1:ClusterIssuer", "pop-cluster-issuer")
    assert issuer.inputs["spec"] == {"ca": {"secretName": "dbaas-internal-ca"}}
    ca = pop_one(lagos_plan, "kubernetes:external-secrets.io/v1:ExternalSecret", "pop-internal-ca-secret")
    assert ca.inputs["metadata"]["namespace"] == "cert-manager"
    assert ca.inputs["spec"]["data"] == [
        {"secretKey": "tls.crt", "remoteRef": {"key": "dbaas/lagos/internal-ca", "property": "tls.crt"}},
        {"secretKey": "tls.key", "remoteRef": {"key": "dbaas/lagos/internal-ca", "property": "tls.key"}},
    ]
    assert ca.urn in issuer.dependencies
    assert not [r for r in pop_all(lagos_plan, "aws:iam/role:Role") if "cert-manager" in r.name]


def test_ingress_tls13_only_and_modsecurity_crs_blocking(plan):
    release = pop_one(plan, "kubernetes:helm.sh/v3:Release", "pop-ingress-nginx")
    assert (release.inputs["chart"], release.inputs["version"], release.inputs["repositoryOpts"]) == (
        "ingress-nginx", "4.13.0", {"repo": "https://kubernetes.github.io/ingress-nginx"})
    config = release.inputs["values"]["controller"]["config"]
    assert config["ssl-protocols"] == "TLSv1.3"
    assert (config["enable-modsecurity"], config["enable-owasp-modsecurity-crs"]) == ("true", "true")
    assert config["modsecurity-snippet"] == MODSECURITY_SNIPPET
    assert MODSECURITY_SNIPPET.splitlines()[0] == "SecRuleEngine On"
    assert config["allow-snippet-annotations"] == "false"


def test_ingress_load_balancer_per_mode(lagos_plan, frankfurt_plan):
    def service(p):
        return pop_one(p, "kubernetes:helm.sh/v3:Release", "pop-ingress-nginx").inputs["values"]["controller"]["service"]
    assert service(frankfurt_plan)["annotations"]["service.beta.kubernetes.io/aws-load-balancer-type"] == "nlb"
    assert service(lagos_plan)["annotations"] == {}
    assert service(lagos_plan)["externalTrafficPolicy"] == "Local"


def test_charts_pinned_by_repository_and_exact_version(lagos_plan, frankfurt_plan):
    def pins(p):
        return {r.inputs["chart"]: (r.inputs["repositoryOpts"]["repo"], r.inputs["version"])
                for r in pop_all(p, "kubernetes:helm.sh/v3:Release")}
    expected = {
        "cert-manager": ("https://charts.jetstack.io", "v1.18.2"),
        "ingress-nginx": ("https://kubernetes.github.io/ingress-nginx", "4.13.0"),
        "external-secrets": ("https://charts.external-secrets.io", "0.19.2"),
    }
    assert pins(frankfurt_plan) == expected
    assert pins(lagos_plan) == {**expected, "tigera-operator": ("https://docs.tigera.io/calico/charts", "v3.30.2")}


def test_platform_namespaces_default_deny(lagos_plan, frankfurt_plan):
    for p, expected in ((frankfurt_plan, {"cert-manager", "external-secrets", "ingress-nginx"}),
                        (lagos_plan, {"cert-manager", "external-secrets", "ingress-nginx", "tigera-operator", "pod-identity-webhook"})):
        namespaces = {r.inputs["metadata"]["name"] for r in pop_all(p, "kubernetes:core/v1:Namespace")}
        assert namespaces == expected
        policies = pop_all(p, "kubernetes:networking.k8s.io/v1:NetworkPolicy")
        deny = {r.inputs["metadata"]["namespace"]: r.inputs["spec"] for r in policies
                if r.inputs["metadata"]["name"] == "default-deny-all"}
        assert deny == {ns: {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]} for ns in expected}


def test_ingress_namespace_admits_web_traffic_only_on_80_and_443(frankfurt_plan):
    web = pop_one(frankfurt_plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "pop-netpol-ingress-nginx-allow-web-ingress")
    assert web.inputs["spec"]["ingress"] == [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                                              "ports": [{"protocol": "TCP", "port": 80}, {"protocol": "TCP", "port": 443}]}]
    metrics = pop_one(frankfurt_plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                      "pop-netpol-ingress-nginx-allow-metrics-from-monitoring")
    assert metrics.inputs["spec"]["ingress"][0]["from"] == [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}]


def test_lagos_vault_port_is_opened_for_external_secrets(lagos_plan, frankfurt_plan):
    vault = pop_one(lagos_plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy", "pop-netpol-external-secrets-allow-secret-store-egress")
    assert vault.inputs["spec"]["egress"][0]["ports"] == [{"protocol": "TCP", "port": 8200}]
    assert not [r for r in pop_all(frankfurt_plan, "kubernetes:networking.k8s.io/v1:NetworkPolicy") if "secret-store" in r.name]


@pytest.mark.parametrize("stack", [LAGOS, FRANKFURT])
def test_storage_classes_encrypted_with_platform_key(stack, lagos_plan, frankfurt_plan):
    region, aws_region, account = stack
    p = {"lagos": lagos_plan, "frankfurt": frankfurt_plan}[region]
    key = platform_key_arn(p, region, aws_region, account)
    classes = {r.inputs["metadata"]["name"]: r.inputs for r in pop_all(p, "kubernetes:storage.k8s.io/v1:StorageClass")}
    retained = {"lagos": "dbaas-nvme-retained", "frankfurt": "dbaas-gp3-retained"}[region]
    assert {n: c["reclaimPolicy"] for n, c in classes.items()} == {retained: "Retain", "dbaas-standard": "Delete"}
    for c in classes.values():
        assert c["parameters"]["encrypted"] == "true"
        assert c["volumeBindingMode"] == "WaitForFirstConsumer"
    if region == "frankfurt":
        assert classes[retained]["provisioner"] == "ebs.csi.aws.com"
        assert classes[retained]["parameters"]["kmsKeyId"] == key
    else:
        assert classes[retained]["provisioner"] == "rook-ceph.rbd.csi.ceph.com"
        assert classes[retained]["parameters"]["encryptionKMSID"] == "dbaas-platform-kms"
        kms = pop_one(p, "kubernetes:core/v1:ConfigMap", "pop-ceph-kms-connection").inputs["data"]
        assert json.loads(kms["dbaas-platform-kms"]) == {
            "encryptionKMSType": "aws-metadata", "secretName": "ceph-csi-aws-credentials",
            "awsRegion": "af-south-1", "awsCMKARN": key}


def test_priority_classes_order_platform_over_databases_over_tenants(plan):
    values = {r.inputs["metadata"]["name"]: (r.inputs["value"], r.inputs["preemptionPolicy"])
              for r in pop_all(plan, "kubernetes:scheduling.k8s.io/v1:PriorityClass")}
    assert values == {"dbaas-platform-critical": (1_000_000, "PreemptLowerPriority"),
                      "dbaas-database": (100_000, "PreemptLowerPriority"),
                      "dbaas-tenant-workload": (1_000, "Never")}


def test_regional_secret_store(lagos_plan, frankfurt_plan):
    def provider(p):
        return pop_one(p, "kubernetes:external-secrets.io/v1:ClusterSecretStore", "pop-secret-store").inputs["spec"]["provider"]
    account = {"name": "external-secrets", "namespace": "external-secrets"}
    assert provider(frankfurt_plan) == {"aws": {"service": "SecretsManager", "region": "eu-central-1",
                                                "auth": {"jwt": {"serviceAccountRef": account}}}}
    assert provider(lagos_plan) == {"vault": {"server": "https://vault.los1.dbaas.example.net:8200", "path": "dbaas",
                                              "version": "v2", "auth": {"kubernetes": {"mountPath": "kubernetes",
                                                                                        "role": "external-secrets",
                                                                                        "serviceAccountRef": account}}}}
    read = policy(pop_one(frankfurt_plan, "aws:iam/rolePolicy:RolePolicy", "pop-external-secrets-role-policy"), "policy")
    assert read["Statement"][0]["Resource"] == "arn:aws:secretsmanager:eu-central-1:444455556666:secret:dbaas/frankfurt/*"
