"""Each tenant's AWS resources from the real plan are accepted by AWS (moto), and tenant roles
are confined to their own bucket."""

import json

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from declarations.naming import backup_bucket
from tests.tenant.moto_apply import MotoApplier, apply_tenant, iam_enforced

ACCOUNTS = {"lagos": ("111122223333", "af-south-1"), "frankfurt": ("444455556666", "eu-central-1")}
TENANTS = {"lagos": ["acme", "kudi-pay", "naija-stream"], "frankfurt": ["bergbahn", "hanse-ledger", "rhein-analytics"]}


@pytest.fixture
def aws(monkeypatch, request):
    stack = request.param
    account, region = ACCOUNTS[stack]
    monkeypatch.setenv("MOTO_ACCOUNT_ID", account)
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": region}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with mock_aws():
        yield stack, account, region


@pytest.mark.parametrize("aws", ["lagos", "frankfurt"], indirect=True)
def test_every_tenant_applies_to_aws_and_reads_back(aws, lagos_plan, frankfurt_plan):
    stack, account, region = aws
    plan = {"lagos": lagos_plan, "frankfurt": frankfurt_plan}[stack]
    applier = MotoApplier(region)
    for tenant in TENANTS[stack]:
        apply_tenant(applier, plan, tenant)
    s3 = boto3.client("s3", region_name=region)
    kms = boto3.client("kms", region_name=region)
    for tenant in TENANTS[stack]:
        bucket = backup_bucket(tenant, account)
        assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
        rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
        key_arn = rule["ApplyServerSideEncryptionByDefault"]["KMSMasterKeyID"]
        alias = kms.describe_key(KeyId=f"alias/dbaas/tenant/{tenant}")["KeyMetadata"]
        assert key_arn == alias["Arn"] and rule["BucketKeyEnabled"] is True
        assert kms.get_key_rotation_status(KeyId=alias["KeyId"])["KeyRotationEnabled"] is True
        assert s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]["ObjectLockEnabled"] == "Enabled"
        assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True}
        policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
        assert [s["Sid"] for s in policy["Statement"]] == ["DenyInsecureTransport", "DenyOtherEncryptionKeys", "DenyUnencryptedOrNonKmsWrites"]
        [lifecycle] = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        assert lifecycle["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30


def _role_session(account: str, region: str, tenant: str):
    creds = boto3.client("sts", region_name=region).assume_role_with_web_identity(
        RoleArn=f"arn:aws:iam::{account}:role/dbaas-tenant-{tenant}", RoleSessionName=f"{tenant}-workload",
        WebIdentityToken="projected-service-account-token",
    )["Credentials"]
    return boto3.client("s3", region_name=region, aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])


@pytest.mark.parametrize("aws", ["lagos"], indirect=True)
def test_tenant_role_reaches_its_own_bucket_and_not_another_tenants(aws, lagos_plan):
    """moto evaluates identity policies for S3 but treats every bucket-policy Deny as
    unconditional, so this check applies everything except the bucket policies (their
    acceptance is proven above)."""
    _, account, region = aws
    applier = MotoApplier(region)
    for tenant in ("acme", "kudi-pay"):
        apply_tenant(applier, lagos_plan, tenant, skip={"aws:s3/bucketPolicy:BucketPolicy"})
    acme = _role_session(account, region, "acme")
    own, other = backup_bucket("acme", account), backup_bucket("kudi-pay", account)
    with iam_enforced():
        acme.put_object(Bucket=own, Key="backups/full-0001", Body=b"backup")
        assert acme.get_object(Bucket=own, Key="backups/full-0001")["Body"].read() == b"backup"
        for call in (lambda: acme.put_object(Bucket=other, Key="x", Body=b"x"),
                     lambda: acme.get_object(Bucket=other, Key="x"),
                     lambda: acme.list_objects_v2(Bucket=other)):
            with pytest.raises(ClientError) as exc:
                call()
            assert exc.value.response["Error"]["Code"] == "AccessDenied"
