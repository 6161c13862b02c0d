"""StorageClasses, every one encrypting volumes with the region's platform KMS key.

Created (EKS) clusters use the EBS CSI driver with `kmsKeyId`. Adopted colocation clusters run
Rook-Ceph on their NVMe nodes (a prerequisite of adoption); ceph-csi encrypts each RBD image
with a data key wrapped by the same KMS key, configured in its `csi-kms-connection-details`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as k8s

from components.pop.namespaces import PLATFORM_LABELS

STANDARD_CLASS = "dbaas-standard"
"""The cluster default, reclaimPolicy Delete: scratch and platform volumes."""

EBS_PROVISIONER = "ebs.csi.aws.com"
CEPH_RBD_PROVISIONER = "rook-ceph.rbd.csi.ceph.com"
CEPH_NAMESPACE = "rook-ceph"
CEPH_POOL = "dbaas-nvme"
CEPH_KMS_ID = "dbaas-platform-kms"
CEPH_KMS_CONFIGMAP = "csi-kms-connection-details"
CEPH_KMS_CREDENTIALS_SECRET = "ceph-csi-aws-credentials"


@dataclass(frozen=True)
class StorageClassSpec:
    name: str
    reclaim_policy: str
    default: bool


def storage_class_specs(retained_class: str) -> list[StorageClassSpec]:
    return [StorageClassSpec(retained_class, "Retain", False), StorageClassSpec(STANDARD_CLASS, "Delete", True)]


def ebs_parameters(key_arn: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    return {"type": "gp3", "encrypted": "true", "kmsKeyId": key_arn, "csi.storage.k8s.io/fstype": "xfs"}


def ceph_rbd_parameters() -> dict[str, str]:
    secrets = {}
    for purpose, secret in (("provisioner", "rook-csi-rbd-provisioner"), ("controller-expand", "rook-csi-rbd-provisioner"),
                            ("node-stage", "rook-csi-rbd-node")):
        secrets[f"csi.storage.k8s.io/{purpose}-secret-name"] = secret
        secrets[f"csi.storage.k8s.io/{purpose}-secret-namespace"] = CEPH_NAMESPACE
    return {
        "clusterID": CEPH_NAMESPACE, "pool": CEPH_POOL, "imageFormat": "2", "imageFeatures": "layering",
        "encrypted": "true", "encryptionKMSID": CEPH_KMS_ID, "csi.storage.k8s.io/fstype": "xfs", **secrets,
    }


def ceph_kms_connection(key_arn: str, aws_region: str) -> dict[str, str]:
    """ceph-csi's KMS entry: AWS KMS with credentials from a Secret in the ceph-csi namespace
    (synced there by External Secrets from the regional store)."""
    return {
        CEPH_KMS_ID: json.dumps(
            {"encryptionKMSType": "aws-metadata", "secretName": CEPH_KMS_CREDENTIALS_SECRET,
             "awsRegion": aws_region, "awsCMKARN": key_arn},
            sort_keys=True,
        )
    }


def create_storage_classes(
    created_cluster: bool, retained_class: str, key_arn: pulumi.Input[str], aws_region: str, opts: pulumi.ResourceOptions
) -> list[k8s.storage.v1.StorageClass]:
    if created_cluster:
        provisioner, parameters = EBS_PROVISIONER, ebs_parameters(key_arn)
    else:
        provisioner, parameters = CEPH_RBD_PROVISIONER, ceph_rbd_parameters()
        k8s.core.v1.ConfigMap(
            "pop-ceph-kms-connection",
            metadata={"name": CEPH_KMS_CONFIGMAP, "namespace": CEPH_NAMESPACE, "labels": PLATFORM_LABELS},
            data=pulumi.Output.from_input(key_arn).apply(lambda arn: ceph_kms_connection(arn, aws_region)),
            opts=opts,
        )
    return [
        k8s.storage.v1.StorageClass(
            f"pop-storage-{spec.name}",
            metadata={
                "name": spec.name,
                "labels": PLATFORM_LABELS,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true" if spec.default else "false"},
            },
            provisioner=provisioner,
            parameters=parameters,
            reclaim_policy=spec.reclaim_policy,
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            opts=opts,
        )
        for spec in storage_class_specs(retained_class)
    ]
