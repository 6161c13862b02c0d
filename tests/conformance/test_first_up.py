"""Failures the first real `pulumi up` would hit that no schema catches, pinned by value: the node-volume key,
EKS add-on conflicts, Thanos images (pins against their vendored releases: test_vendored_artifacts.py)."""

import json

from components.aws_policies import platform_key_policy
from components.observability.metrics_values import THANOS_IMAGE
from declarations.engine_catalog import ENGINE_SPECS
from tests.conftest import one, resources

ACCOUNT = "444455556666"


def test_autoscaling_may_use_the_platform_key_for_node_volumes(frankfurt_plan):
    autoscaling = f"arn:aws:iam::{ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
    statements = {s["Sid"]: s for s in platform_key_policy(ACCOUNT, autoscaling_node_volumes=True)["Statement"]}
    assert statements["AutoScalingUsesKeyForNodeVolumes"] == {
        "Sid": "AutoScalingUsesKeyForNodeVolumes", "Effect": "Allow", "Principal": {"AWS": autoscaling},
        "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        "Resource": "*"}
    assert statements["AutoScalingGrantsForNodeVolumes"]["Condition"] == {"Bool": {"kms:GrantIsForAWSResource": True}}
    keys = [r for r in resources(frankfurt_plan, "aws:kms/key:Key") if r.name.startswith("platform-")]
    policy = json.loads(keys[0].inputs["policy"])
    assert "AutoScalingUsesKeyForNodeVolumes" in {s["Sid"] for s in policy["Statement"]}


def test_eks_addons_take_over_the_self_managed_ones_on_a_new_cluster(frankfurt_plan):
    addons = resources(frankfurt_plan, "aws:eks/addon:Addon")
    assert sorted(a.inputs["addonName"] for a in addons) == ["aws-ebs-csi-driver", "coredns", "kube-proxy", "vpc-cni"]
    for addon in addons:
        assert (addon.inputs["resolveConflictsOnCreate"], addon.inputs["resolveConflictsOnUpdate"]) == ("OVERWRITE", "OVERWRITE")


def test_thanos_runs_the_upstream_image(lagos_plan):
    release = one(lagos_plan, "kubernetes:helm.sh/v3:Release", name="observability-lagos-thanos").inputs
    assert release["values"]["image"] == THANOS_IMAGE == {"registry": "quay.io", "repository": "thanos/thanos", "tag": "v0.37.2"}
    assert release["values"]["global"]["security"]["allowInsecureImages"] is True


def test_aerospike_operator_pin_has_the_rack_revisions_storage_growth_uses():
    """The rack revision field exists from AKO 4.2.0; the vendored CRDs are 4.5.0's (vendor/provenance.json)."""
    [release] = ENGINE_SPECS["aerospike"].charts
    major, minor, _ = (int(x) for x in release.chart.version.split("."))
    assert (major, minor) >= (4, 2)
    assert release.chart.version == "4.5.0"
