"""Region-level storage for the platform itself: one platform KMS key, and buckets under it.

Observability (Thanos, Loki, Tempo), the control-plane Postgres backups and the PoP cluster
(secrets and volume encryption) use these, never a tenant's key or bucket.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws_policies import AUTOSCALING_SERVICE, dumps, platform_key_policy
from components.storage.args import PlatformBucketArgs, PlatformKeyArgs
from components.protection import stateful
from components.storage.encrypted_bucket import BucketSettings, create_encrypted_bucket
from components.storage.kms_key import create_kms_key
from declarations.naming import platform_bucket, platform_key_alias


class PlatformKey(pulumi.ComponentResource):
    """`dbaas:storage:PlatformKey`: the region's platform KMS key (protected, retained)."""

    key: aws.kms.Key
    arn: pulumi.Output[str]
    autoscaling_role: aws.iam.ServiceLinkedRole | None
    """Create mode only: EC2 Auto Scaling's service-linked role, which the key policy names."""

    def __init__(self, name: str, args: PlatformKeyArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dbaas:storage:PlatformKey", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        key_opts = stateful(child, True)
        self.autoscaling_role = None
        if args.autoscaling_node_volumes:
            # KMS refuses a key policy whose principal does not exist yet, and a new account has no
            # Auto Scaling service-linked role until something creates it: create it, and make the key
            # wait for it. Retained on delete: other Auto Scaling groups of the account use the same role.
            # An account that already has the role imports it instead (README "Running it for real";
            # `pulumi import aws:iam/serviceLinkedRole:ServiceLinkedRole <name> <role ARN>`, pulumi-aws
            # v7.51.1 sdk/python/pulumi_aws/iam/service_linked_role.py:291-294).
            self.autoscaling_role = aws.iam.ServiceLinkedRole(
                f"{name}-autoscaling-role", aws_service_name=AUTOSCALING_SERVICE,
                description="EC2 Auto Scaling: launches the EKS node groups with volumes under the platform key",
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True))
            key_opts = pulumi.ResourceOptions.merge(key_opts, pulumi.ResourceOptions(depends_on=[self.autoscaling_role]))
        self.key, _ = create_kms_key(
            f"{name}-key",
            alias=platform_key_alias(args.region),
            description=f"dbaas platform key for region {args.region}",
            policy=dumps(platform_key_policy(args.aws_account_id, args.autoscaling_node_volumes)),
            deletion_window_days=args.deletion_window_days,
            tags={"dbaas:region": args.region, "dbaas:purpose": "platform", "managed-by": "pulumi"},
            opts=key_opts,
            alias_opts=child,
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})


class PlatformBucket(pulumi.ComponentResource):
    """`dbaas:storage:PlatformBucket`: a protected, encrypted regional bucket for one platform purpose."""

    bucket: aws.s3.Bucket
    name: str

    def __init__(self, name: str, args: PlatformBucketArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dbaas:storage:PlatformBucket", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.name = platform_bucket(args.region, args.purpose, args.aws_account_id)
        created = create_encrypted_bucket(
            f"{name}-bucket",
            BucketSettings(
                name=self.name,
                current_version_days=args.retention_days,
                noncurrent_version_days=args.noncurrent_version_days,
                object_lock_days=args.object_lock_days,
            ),
            args.key_arn,
            {"dbaas:region": args.region, "dbaas:purpose": args.purpose, "managed-by": "pulumi"},
            stateful(child, True),
            child,
        )
        self.bucket = created.bucket
        self.register_outputs({"bucket": self.bucket.bucket})
