"""The platform KMS key names EC2 Auto Scaling's service-linked role only where the stack creates that
role first (create mode: EKS node groups). KMS refuses a key policy whose principal does not exist, so
an adopt-mode stack (lagos) must not name it and a create-mode stack (frankfurt) must create it before
the key. Exact policy JSON from both plans; the role created from the plan's inputs in moto is the one
the policy names."""

from __future__ import annotations

import json

import boto3
from moto import mock_aws

from components.aws_policies import (
    KEY_ADMIN_ACTIONS, KEY_USE_ACTIONS, autoscaling_service_role_arn, platform_key_policy,
)
from tests.conftest import one

AUTOSCALING = "arn:aws:iam::444455556666:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"


def _account_statements(account: str) -> list[dict]:
    root = f"arn:aws:iam::{account}:root"
    return [
        {"Sid": "AccountAdministersKey", "Effect": "Allow", "Principal": {"AWS": root},
         "Action": KEY_ADMIN_ACTIONS, "Resource": "*"},
        {"Sid": "AccountRolesUseKeyThroughIam", "Effect": "Allow", "Principal": {"AWS": root},
         "Action": KEY_USE_ACTIONS, "Resource": "*", "Condition": {"StringEquals": {"kms:CallerAccount": account}}},
    ]


def test_lagos_adopts_its_cluster_and_its_key_names_no_autoscaling_role(lagos_plan):
    key = one(lagos_plan, "aws:kms/key:Key", name="platform-lagos-key")
    assert json.loads(key.inputs["policy"]) == {"Version": "2012-10-17", "Statement": _account_statements("111122223333")}
    assert not [r for r in lagos_plan.registrations if r.type == "aws:iam/serviceLinkedRole:ServiceLinkedRole"]


def test_frankfurt_creates_the_autoscaling_role_before_the_key_that_names_it(frankfurt_plan):
    role = one(frankfurt_plan, "aws:iam/serviceLinkedRole:ServiceLinkedRole")
    assert role.inputs == {
        "awsServiceName": "autoscaling.amazonaws.com",
        "description": "EC2 Auto Scaling: launches the EKS node groups with volumes under the platform key"}
    assert role.retain_on_delete and not role.protect  # other Auto Scaling groups of the account share it
    key = one(frankfurt_plan, "aws:kms/key:Key", name="platform-frankfurt-key")
    assert role.urn in key.dependencies
    assert json.loads(key.inputs["policy"]) == {"Version": "2012-10-17", "Statement": [
        *_account_statements("444455556666"),
        {"Sid": "AutoScalingUsesKeyForNodeVolumes", "Effect": "Allow", "Principal": {"AWS": AUTOSCALING},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
         "Resource": "*"},
        {"Sid": "AutoScalingGrantsForNodeVolumes", "Effect": "Allow", "Principal": {"AWS": AUTOSCALING},
         "Action": "kms:CreateGrant", "Resource": "*", "Condition": {"Bool": {"kms:GrantIsForAWSResource": True}}},
    ]}


@mock_aws
def test_the_role_created_from_the_plan_is_the_principal_the_key_policy_names(frankfurt_plan):
    role = one(frankfurt_plan, "aws:iam/serviceLinkedRole:ServiceLinkedRole").inputs
    iam, kms = boto3.client("iam", region_name="eu-central-1"), boto3.client("kms", region_name="eu-central-1")
    account = boto3.client("sts", region_name="eu-central-1").get_caller_identity()["Account"]
    created = iam.create_service_linked_role(AWSServiceName=role["awsServiceName"], Description=role["description"])
    assert created["Role"]["Arn"] == autoscaling_service_role_arn(account)
    assert created["Role"]["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    key = kms.create_key(Policy=json.dumps(platform_key_policy(account, True)))["KeyMetadata"]["KeyId"]
    stored = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    assert {s["Principal"]["AWS"] for s in stored["Statement"]} == {f"arn:aws:iam::{account}:root", created["Role"]["Arn"]}
