"""Apply a tenant's AWS resources from an offline plan to moto through boto3.

This is the proof that AWS accepts what the plan would create: every call goes through
botocore's parameter validation and moto's service models. ARNs that the offline mocks made up
for keys are replaced by the ARNs moto assigns, in every later input.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Iterator

import boto3

from tools.offline.plan import OfflinePlan
from tools.offline.runtime import Registration

ORDER = [
    "aws:iam/role:Role",
    "aws:iam/rolePolicy:RolePolicy",
    "aws:kms/key:Key",
    "aws:kms/alias:Alias",
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
]


class MotoApplier:
    def __init__(self, region: str):
        self.region = region
        self.iam = boto3.client("iam", region_name=region)
        self.kms = boto3.client("kms", region_name=region)
        self.s3 = boto3.client("s3", region_name=region)
        self.replacements: dict[str, str] = {}
        self.key_ids: dict[str, str] = {}

    def _sub(self, value):
        text = json.dumps(value)
        for old, new in self.replacements.items():
            text = text.replace(old, new)
        return json.loads(text)

    def apply(self, regs: list[Registration], skip: set[str] = frozenset()) -> None:
        for type_ in ORDER:
            if type_ in skip:
                continue
            for reg in regs:
                if reg.type == type_:
                    getattr(self, "_" + type_.rsplit(":", 1)[-1])(reg.urn, self._sub(reg.inputs))

    def _Role(self, urn, i):
        self.iam.create_role(
            RoleName=i["name"], AssumeRolePolicyDocument=i["assumeRolePolicy"], Description=i["description"],
            MaxSessionDuration=i["maxSessionDuration"], Tags=[{"Key": k, "Value": v} for k, v in sorted(i["tags"].items())],
        )

    def _RolePolicy(self, urn, i):
        self.iam.put_role_policy(RoleName=i["role"], PolicyName=i["name"], PolicyDocument=i["policy"])

    def _Key(self, urn, i):
        meta = self.kms.create_key(
            Description=i["description"], KeyUsage=i["keyUsage"], KeySpec=i["customerMasterKeySpec"], Policy=i["policy"],
            Tags=[{"TagKey": k, "TagValue": v} for k, v in sorted(i["tags"].items())],
        )["KeyMetadata"]
        if i["enableKeyRotation"]:
            self.kms.enable_key_rotation(KeyId=meta["KeyId"])
        self.key_ids[urn] = meta["KeyId"]
        self._planned_key_urn = urn
        self._pending_key_arn = meta["Arn"]

    def _Alias(self, urn, i):
        self.kms.create_alias(AliasName=i["name"], TargetKeyId=self._pending_key_arn)

    def map_key_arn(self, planned_arn: str, moto_arn: str) -> None:
        self.replacements[planned_arn] = moto_arn

    def _Bucket(self, urn, i):
        self.s3.create_bucket(
            Bucket=i["bucket"], CreateBucketConfiguration={"LocationConstraint": self.region},
            ObjectLockEnabledForBucket=i["objectLockEnabled"],
        )

    def _BucketPublicAccessBlock(self, urn, i):
        self.s3.put_public_access_block(Bucket=i["bucket"], PublicAccessBlockConfiguration={
            "BlockPublicAcls": i["blockPublicAcls"], "IgnorePublicAcls": i["ignorePublicAcls"],
            "BlockPublicPolicy": i["blockPublicPolicy"], "RestrictPublicBuckets": i["restrictPublicBuckets"],
        })

    def _BucketOwnershipControls(self, urn, i):
        self.s3.put_bucket_ownership_controls(
            Bucket=i["bucket"], OwnershipControls={"Rules": [{"ObjectOwnership": i["rule"]["objectOwnership"]}]}
        )

    def _BucketVersioning(self, urn, i):
        self.s3.put_bucket_versioning(Bucket=i["bucket"], VersioningConfiguration={"Status": i["versioningConfiguration"]["status"]})

    def _BucketServerSideEncryptionConfiguration(self, urn, i):
        rules = [{
            "ApplyServerSideEncryptionByDefault": {
                "SSEAlgorithm": r["applyServerSideEncryptionByDefault"]["sseAlgorithm"],
                "KMSMasterKeyID": r["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"],
            },
            "BucketKeyEnabled": r["bucketKeyEnabled"],
        } for r in i["rules"]]
        self.s3.put_bucket_encryption(Bucket=i["bucket"], ServerSideEncryptionConfiguration={"Rules": rules})

    def _BucketObjectLockConfiguration(self, urn, i):
        retention = i["rule"]["defaultRetention"]
        self.s3.put_object_lock_configuration(Bucket=i["bucket"], ObjectLockConfiguration={
            "ObjectLockEnabled": i["objectLockEnabled"],
            "Rule": {"DefaultRetention": {"Mode": retention["mode"], "Days": retention["days"]}},
        })

    def _BucketLifecycleConfiguration(self, urn, i):
        rules = [{
            "ID": r["id"], "Status": r["status"], "Filter": {"Prefix": r["filter"]["prefix"]},
            "Expiration": {"Days": r["expiration"]["days"]},
            "NoncurrentVersionExpiration": {"NoncurrentDays": r["noncurrentVersionExpiration"]["noncurrentDays"]},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": r["abortIncompleteMultipartUpload"]["daysAfterInitiation"]},
        } for r in i["rules"]]
        self.s3.put_bucket_lifecycle_configuration(Bucket=i["bucket"], LifecycleConfiguration={"Rules": rules})

    def _BucketPolicy(self, urn, i):
        self.s3.put_bucket_policy(Bucket=i["bucket"], Policy=i["policy"])


def tenant_aws_resources(plan: OfflinePlan, tenant: str) -> list[Registration]:
    owner = plan.tenant_of()
    return [r for r in plan.registrations if r.type in ORDER and owner.get(r.urn) == tenant]


def apply_tenant(applier: MotoApplier, plan: OfflinePlan, tenant: str, skip: set[str] = frozenset()) -> None:
    """Apply one tenant, mapping the planned key ARN to moto's before anything references it."""
    regs = tenant_aws_resources(plan, tenant)
    applier.apply([r for r in regs if r.type.startswith("aws:iam/role:")], skip)
    key_regs = [r for r in regs if r.type == "aws:kms/key:Key"]
    applier.apply(key_regs + [r for r in regs if r.type == "aws:kms/alias:Alias"], skip)
    planned_key_arn = next(
        r.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"]
        for r in regs if r.type.endswith("BucketServerSideEncryptionConfiguration")
    )
    applier.map_key_arn(planned_key_arn, applier._pending_key_arn)
    rest = [r for r in regs if not r.type.startswith("aws:kms/") and r.type != "aws:iam/role:Role"]
    applier.apply(rest, skip)


@contextmanager
def iam_enforced() -> Iterator[None]:
    """Switch on moto's IAM authorisation for the calls inside the block only."""
    from moto import settings
    from moto.core.responses import ActionAuthenticatorMixin

    saved = (settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count)
    settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    ActionAuthenticatorMixin.request_count = 0
    try:
        yield
    finally:
        settings.INITIAL_NO_AUTH_ACTION_COUNT, ActionAuthenticatorMixin.request_count = saved
