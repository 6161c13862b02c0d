"""`dbaas:tenant:TenantEnvironment`: everything one tenant gets in its data region.

Kubernetes: a Pod-Security-restricted namespace with quota, limits, default-deny network
policies, owner RBAC and an IRSA ServiceAccount. AWS: a KMS key, an Object-Locked backup bucket
encrypted with that key, and an IAM role that reaches only those two.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from components.protection import backup_store, stateful
from components.storage.encrypted_bucket import BucketSettings, create_encrypted_bucket
from components.aws_policies import OperatorKeyGrant, dumps, key_policy
from components.storage.kms_key import create_kms_key
from components.tenant.args import TenantEnvironmentArgs
from components.tenant.namespace import create_namespace, create_quota_and_limits, tenant_labels
from components.tenant.network_policies import create_network_policies
from components.tenant.rbac import create_owner_access
from declarations.engine_catalog import ENGINE_SPECS, operator_service_accounts
from components.irsa import create_irsa_role, create_service_account, grant_bucket_access
from declarations.naming import TENANT_WORKLOAD_SA, backup_bucket, kms_alias, tenant_namespace, tenant_role
from declarations.plans import plan_for

TYPE = "dbaas:tenant:TenantEnvironment"


class TenantEnvironment(pulumi.ComponentResource):
    """Typed handles to the tenant's isolation boundary, for engines, Kafka and observability."""

    namespace: k8s.core.v1.Namespace
    namespace_name: str
    service_account_name: str
    key: aws.kms.Key
    bucket: aws.s3.Bucket
    role: aws.iam.Role

    def __init__(self, name: str, args: TenantEnvironmentArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        tenant = args.tenant
        plan = plan_for(tenant.plan)
        protected = tenant.deletion_protection
        # A tenant-level `decommission:` marker lifts protection so the tenant can leave the
        # stack; its bucket and key are retained on delete for every tenant (backup_store),
        # because its backups, the final one included, must outlive it.
        decommissioning = tenant.decommission is not None
        child = pulumi.ResourceOptions(parent=self)
        labels = tenant_labels(tenant)
        tags = {"dbaas:tenant": tenant.id, "dbaas:org": tenant.org, "dbaas:plan": tenant.plan.value,
                "dbaas:region": tenant.data_region, "managed-by": "pulumi"}

        self.namespace_name = tenant_namespace(tenant.id)
        self.service_account_name = TENANT_WORKLOAD_SA
        self.namespace = create_namespace(
            tenant, self.namespace_name, args.kubernetes_version, stateful(child, protected and not decommissioning)
        )
        ns = self.namespace.metadata.name
        create_quota_and_limits(tenant, plan, ns, labels, child)
        create_network_policies(tenant.id, ns, labels, args.network_peers, child)
        create_owner_access(tenant.id, ns, tenant.owners, labels, child)

        self.role = create_irsa_role(
            f"{tenant.id}.role",
            role_name=tenant_role(tenant.id),
            description=f"dbaas tenant {tenant.id}: backups to its own bucket with its own key",
            account_id=args.aws_account_id,
            oidc_issuer=args.oidc_issuer,
            namespace=self.namespace_name,
            service_account=TENANT_WORKLOAD_SA,
            tags=tags,
            opts=child,
            delegate_role_arns=args.delegate_role_arns,
            external_id=tenant.id,
            also_service_accounts=operator_service_accounts((s.name, s.engine) for s in tenant.services),
        )
        self.key, _ = create_kms_key(
            f"{tenant.id}.key",
            alias=kms_alias(tenant.id),
            description=f"dbaas tenant {tenant.id}: backups and tenant data",
            policy=tenant_key_policy(args, self.role.arn),
            deletion_window_days=args.kms_deletion_window_days,
            tags=tags,
            opts=backup_store(child, protected and not decommissioning),
            alias_opts=child,
        )
        lock_days = max((s.backups.retention_days for s in tenant.services if s.backups), default=7)
        settings = BucketSettings(
            name=backup_bucket(tenant.id, args.aws_account_id),
            current_version_days=tenant.backup_retention_days,
            noncurrent_version_days=args.noncurrent_version_days,
            object_lock_days=lock_days,
        )
        # Object Lock keeps each backup immutable for the longest retention the tenant declared,
        # so a leaked credential cannot erase history.
        backups = create_encrypted_bucket(
            f"{tenant.id}.backups", settings, self.key.arn, tags, backup_store(child, protected and not decommissioning), child
        )
        self.bucket = backups.bucket
        grant_bucket_access(f"{tenant.id}.role-access", self.role, self.bucket.arn, self.key.arn, child)
        create_service_account(f"{tenant.id}.workload-sa", TENANT_WORKLOAD_SA, ns, self.role.arn, labels, child)

        self.register_outputs(
            {"namespace": self.namespace_name, "bucket": self.bucket.bucket, "keyArn": self.key.arn, "roleArn": self.role.arn}
        )


def tenant_key_policy(args: TenantEnvironmentArgs, role_arn: pulumi.Output[str]) -> pulumi.Output[str]:
    """The tenant key's policy: the tenant role, plus the operator roles of the engines this tenant runs that read
    its backups in the operator's own pod (declarations/engine_catalog.py OperatorBackupAccess), for their actions."""
    engines = sorted({s.engine for s in args.tenant.services if s.engine in args.operator_role_arns}, key=lambda e: e.value)
    arns = [args.operator_role_arns[e] for e in engines]

    def render(values: list[str]) -> str:
        grants = [OperatorKeyGrant(f"{ENGINE_SPECS[e].title.replace(' ', '')}OperatorUsesKeyViaS3", arn,
                                   ENGINE_SPECS[e].operator_backup_access.key_actions)
                  for e, arn in zip(engines, values[1:])]
        return dumps(key_policy(args.aws_account_id, args.aws_region, values[0], grants))

    return pulumi.Output.all(role_arn, *arns).apply(render)

