"""IAM documents of the PoP cluster, as pure functions so tests can check the exact JSON."""

from __future__ import annotations

from components.aws_policies import KEY_USE_ACTIONS

EKS_CLUSTER_POLICIES = ("arn:aws:iam::aws:policy/AmazonEKSClusterPolicy",)
EKS_NODE_POLICIES = (
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
)
EBS_CSI_MANAGED_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"


def service_trust_policy(service: str) -> dict:
    """Trust for a role that an AWS service (EKS, EC2) assumes on the cluster's behalf."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": service}, "Action": ["sts:AssumeRole", "sts:TagSession"]}
        ],
    }


def ebs_csi_key_policy(key_arn: str) -> dict:
    """The EBS CSI driver encrypts volumes with the platform key: it needs grants for EC2, and data-key use."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "GrantsForAttachedVolumes",
                "Effect": "Allow",
                "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                "Resource": key_arn,
                "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
            },
            {"Sid": "EncryptVolumes", "Effect": "Allow", "Action": KEY_USE_ACTIONS, "Resource": key_arn},
        ],
    }


def route53_dns01_policy(zone_id: str) -> dict:
    """cert-manager answers DNS-01 challenges in exactly one hosted zone."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadChangeStatus", "Effect": "Allow", "Action": "route53:GetChange", "Resource": "arn:aws:route53:::change/*"},
            {
                "Sid": "WriteChallengeRecords",
                "Effect": "Allow",
                "Action": ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets"],
                "Resource": f"arn:aws:route53:::hostedzone/{zone_id}",
            },
            {"Sid": "FindZone", "Effect": "Allow", "Action": "route53:ListHostedZonesByName", "Resource": "*"},
        ],
    }


def secrets_manager_read_policy(account_id: str, aws_region: str, region: str, key_arn: str) -> dict:
    """External Secrets reads only this region's platform secrets (`dbaas/<region>/...`)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadRegionSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:ListSecretVersionIds"],
                "Resource": f"arn:aws:secretsmanager:{aws_region}:{account_id}:secret:{secrets_prefix(region)}*",
            },
            {
                "Sid": "DecryptThroughSecretsManager",
                "Effect": "Allow",
                "Action": "kms:Decrypt",
                "Resource": key_arn,
                "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{aws_region}.amazonaws.com"}},
            },
        ],
    }


def secrets_prefix(region: str) -> str:
    """Where a region's platform secrets live, in AWS Secrets Manager or under the Vault path."""
    return f"dbaas/{region}/"
