"""Failures the first real `pulumi up` would hit that no schema catches, pinned by value:
operator pins against the schemas' releases, the node-volume key, EKS add-on conflicts, Thanos images."""

import json
import re

from components.aws_policies import platform_key_policy
from components.observability.metrics_values import THANOS_IMAGE
from declarations.chart_pins import PinnedKustomization, _PINS, crd_groups_installed_by
from declarations.engine_catalog import ENGINE_SPECS
from tools.kubernetes.validation import crd_schema_dir
from tests.conftest import PROJECT_DIR, one, resources

ACCOUNT = "444455556666"


def _schema_releases() -> dict[str, str]:
    """group -> version, from the table in the CRD schemas' README ("which release each came from")."""
    text = (crd_schema_dir() / "README.md").read_text()
    return {m.group(1): m.group(2) for m in re.finditer(r"^\| ([a-z0-9.-]+) \| .*?\bv(\d+\.\d+\.\d+)\b", text, re.M)}


PINS_AHEAD_OF_SHARED_SCHEMAS = {"psmdb.percona.com": "1.21.3"}
"""Pins moved past the release the shared schemas name (/work/wt/PINS.md): psmdb-operator chart 1.21.3 runs operator
1.21.2, whose storages' `main` and tasks' `retention` the shared PerconaServerMongoDB schema already has (it is newer
than 1.19.1, see its README); the Backup and Restore schemas are 1.19.1's and the platform's objects of those kinds
use no field 1.21.2 changed. The CRDs of the pinned release are vendored with the pin move."""


def test_every_operator_pin_is_the_release_its_schemas_describe():
    releases = _schema_releases()
    assert releases == {"psmdb.percona.com": "1.19.1", "scylla.scylladb.com": "1.15.0", "planetscale.com": "2.17.0"}
    pins_by_group = {group: pin for pin in _PINS.values() for group in pin.crd_groups}
    for group, version in releases.items():
        expected = PINS_AHEAD_OF_SHARED_SCHEMAS.get(group, version)
        assert pins_by_group[group].version.lstrip("v") == expected, group


def test_vitess_operator_comes_from_its_public_release_tag(lagos_plan):
    [release] = [r for r in ENGINE_SPECS["vitess"].charts]
    assert isinstance(release.chart, PinnedKustomization)
    directory = one(lagos_plan, "kubernetes:kustomize/v2:Directory").inputs
    assert directory == {"directory": "components/engines/manifests/vitess-operator", "namespace": "vitess-operator"}
    overlay = (PROJECT_DIR / directory["directory"] / "kustomization.yaml").read_text()
    assert "https://github.com/planetscale/vitess-operator//deploy?ref=v2.17.0" in overlay
    assert "newTag: v2.17.0" in overlay
    # The kustomization is the platform stack's; a tenant's VitessCluster is in the tenant's stack,
    # applied after the platform stack, so it declares no dependency across stacks.
    vitess_cluster = resources(lagos_plan, "kubernetes:planetscale.com/v2:VitessCluster")[0]
    kustomization = one(lagos_plan, "kubernetes:kustomize/v2:Directory")
    assert kustomization.urn.startswith("urn:pulumi:lagos::dbaas-platform::")
    assert "planetscale.com" in crd_groups_installed_by(kustomization.type, kustomization.inputs)
    assert vitess_cluster.urn.startswith("urn:pulumi:lagos.kudi-pay::dbaas-tenant::")
    assert not [d for d in vitess_cluster.dependencies if d.startswith("urn:pulumi:lagos::")]


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
    """The rack revision field exists from AKO 4.2.0; the schema is from after 4.5.0 (see engine_catalog)."""
    [release] = ENGINE_SPECS["aerospike"].charts
    major, minor, _ = (int(x) for x in release.chart.version.split("."))
    assert (major, minor) >= (4, 2)
    assert release.chart.version == "4.5.0"
