"""Frankfurt creates its PoP cluster on EKS: VPC, cluster, OIDC, node groups, add-ons."""

from __future__ import annotations

import base64
import json

from tests.pop.helpers import platform_key_arn, policy, pop_all, pop_one

ACCOUNT = "444455556666"


def _issuer(frankfurt_plan) -> str:
    oidc = pop_one(frankfurt_plan, "aws:iam/openIdConnectProvider:OpenIdConnectProvider", "pop-fra1-oidc")
    return oidc.inputs["url"].removeprefix("https://")


def test_subnets_span_three_zones_with_derived_cidrs(frankfurt_plan):
    subnets = {r.name: r.inputs for r in pop_all(frankfurt_plan, "aws:ec2/subnet:Subnet")}
    assert {n: (s["availabilityZone"], s["cidrBlock"]) for n, s in subnets.items()} == {
        "pop-fra1-net-private-0": ("eu-central-1a", "10.72.0.0/18"),
        "pop-fra1-net-private-1": ("eu-central-1b", "10.72.64.0/18"),
        "pop-fra1-net-private-2": ("eu-central-1c", "10.72.128.0/18"),
        "pop-fra1-net-public-0": ("eu-central-1a", "10.72.192.0/20"),
        "pop-fra1-net-public-1": ("eu-central-1b", "10.72.208.0/20"),
        "pop-fra1-net-public-2": ("eu-central-1c", "10.72.224.0/20"),
    }
    assert all(s["mapPublicIpOnLaunch"] is False for s in subnets.values())
    assert subnets["pop-fra1-net-private-0"]["tags"]["kubernetes.io/role/internal-elb"] == "1"
    assert len(pop_all(frankfurt_plan, "aws:ec2/natGateway:NatGateway")) == 3


def test_cluster_encrypts_secrets_with_platform_key_and_logs_control_plane(frankfurt_plan):
    cluster = pop_one(frankfurt_plan, "aws:eks/cluster:Cluster", "pop-fra1-cluster")
    key = platform_key_arn(frankfurt_plan, "frankfurt", "eu-central-1", ACCOUNT)
    assert cluster.inputs["encryptionConfig"] == {"provider": {"keyArn": key}, "resources": ["secrets"]}
    assert cluster.inputs["enabledClusterLogTypes"] == ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    assert cluster.inputs["name"] == "dbaas-fra1"
    assert cluster.inputs["version"] == "1.33"
    assert cluster.protect and cluster.retain_on_delete
    private_ids = {r.urn for r in pop_all(frankfurt_plan, "aws:ec2/subnet:Subnet") if "private" in r.name}
    assert set(cluster.property_dependencies["vpcConfig"]) >= private_ids
    logs = pop_one(frankfurt_plan, "aws:cloudwatch/logGroup:LogGroup", "pop-fra1-control-plane-logs")
    assert (logs.inputs["name"], logs.inputs["retentionInDays"]) == ("/aws/eks/dbaas-fra1/cluster", 90)


def test_node_groups_taints_labels_and_sizes(frankfurt_plan):
    groups = {r.inputs["nodeGroupName"]: r.inputs for r in pop_all(frankfurt_plan, "aws:eks/nodeGroup:NodeGroup")}
    assert {n: (g["labels"], g["taints"]) for n, g in groups.items()} == {
        "system": ({"dbaas.io/workload": "system"}, []),
        "databases": ({"dbaas.io/workload": "database", "dbaas.io/local-nvme": "true"},
                      [{"key": "dbaas.io/workload", "value": "database", "effect": "NO_SCHEDULE"}]),
        "kafka": ({"dbaas.io/workload": "kafka"}, [{"key": "dbaas.io/workload", "value": "kafka", "effect": "NO_SCHEDULE"}]),
    }
    assert groups["databases"]["instanceTypes"] == ["i4i.4xlarge"]
    assert groups["databases"]["scalingConfig"] == {"minSize": 3, "desiredSize": 3, "maxSize": 18}
    assert groups["system"]["instanceTypes"] == ["m7i.xlarge"]


def test_node_launch_templates_encrypt_root_volumes_and_raid_nvme_only_on_databases(frankfurt_plan):
    key = platform_key_arn(frankfurt_plan, "frankfurt", "eu-central-1", ACCOUNT)
    templates = {r.name: r.inputs for r in pop_all(frankfurt_plan, "aws:ec2/launchTemplate:LaunchTemplate")}
    assert sorted(templates) == ["pop-fra1-databases-template", "pop-fra1-kafka-template", "pop-fra1-system-template"]
    for t in templates.values():
        ebs = t["blockDeviceMappings"][0]["ebs"]
        assert (ebs["encrypted"], ebs["kmsKeyId"], ebs["volumeType"]) == ("true", key, "gp3")
        assert t["metadataOptions"] == {"httpEndpoint": "enabled", "httpTokens": "required", "httpPutResponseHopLimit": 1}
    user_data = base64.b64decode(templates["pop-fra1-databases-template"]["userData"]).decode()
    assert "Content-Type: application/node.eks.aws" in user_data
    assert "strategy: RAID0" in user_data
    assert "userData" not in templates["pop-fra1-kafka-template"]


def test_vpc_cni_enforces_network_policy(frankfurt_plan):
    addon = pop_one(frankfurt_plan, "aws:eks/addon:Addon", "pop-fra1-vpc-cni")
    assert json.loads(addon.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    names = sorted(r.inputs["addonName"] for r in pop_all(frankfurt_plan, "aws:eks/addon:Addon"))
    assert names == ["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]


def test_tenant_irsa_trusts_the_created_clusters_issuer_not_the_config_value(frankfurt_plan):
    issuer = _issuer(frankfurt_plan)
    assert issuer.startswith("oidc.eks.eu-central-1.amazonaws.com/id/")
    assert issuer != "oidc.eks.eu-central-1.amazonaws.com/id/5C1E0A3F9B8D4E2A7F6C1B0D9E8A7F6C"
    tenant_roles = [r for r in frankfurt_plan.registrations if r.type == "aws:iam/role:Role" and r.name.endswith(".role")
                    and r.inputs.get("name", "").startswith("dbaas-tenant-")]
    tenants = [r for r in frankfurt_plan.registrations if r.type == "dbaas:tenant:TenantEnvironment"]
    assert len(tenant_roles) == len(tenants) >= 1
    for role in tenant_roles:
        statement = policy(role, "assumeRolePolicy")["Statement"][0]
        assert statement["Principal"] == {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{issuer}"}
        assert statement["Condition"]["StringEquals"][f"{issuer}:aud"] == "sts.amazonaws.com"


def test_ebs_csi_role_may_use_only_the_platform_key(frankfurt_plan):
    key = platform_key_arn(frankfurt_plan, "frankfurt", "eu-central-1", ACCOUNT)
    role = pop_one(frankfurt_plan, "aws:iam/role:Role", "pop-fra1-ebs-csi-role")
    statement = policy(role, "assumeRolePolicy")["Statement"][0]
    assert statement["Condition"]["StringEquals"][f"{_issuer(frankfurt_plan)}:sub"] == "system:serviceaccount:kube-system:ebs-csi-controller-sa"
    inline = policy(pop_one(frankfurt_plan, "aws:iam/rolePolicy:RolePolicy", "pop-fra1-ebs-csi-key"), "policy")
    assert {s["Resource"] for s in inline["Statement"]} == {key}


def test_kubeconfig_of_created_cluster_is_secret(frankfurt_plan):
    provider = pop_one(frankfurt_plan, "pulumi:providers:kubernetes", "k8s-fra1")
    assert provider.inputs["kubeconfig"] == "[secret]"
