"""`dbaas:observability:SignalStore`: one regional bucket for one signal (Thanos blocks, Loki
chunks, Tempo traces), and for each workload that touches it an IRSA ServiceAccount whose role
reaches only this bucket and the platform key. Thanos, Loki and Tempo differ only in purpose,
retention and workloads, so they share this component."""


import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
from pydantic import BaseModel, ConfigDict, Field

from components.observability.settings import StrInput
from components.irsa import create_irsa_role, create_service_account, grant_bucket_access
from components.storage.platform import PlatformBucket, PlatformBucketArgs
from declarations.naming import platform_role

TYPE = "dbaas:observability:SignalStore"
LABELS = {"app.kubernetes.io/part-of": "dbaas-observability", "app.kubernetes.io/managed-by": "pulumi"}


class SignalStoreArgs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    region: str
    aws_account_id: str
    oidc_issuer: StrInput = Field(description="Service-account issuer host/path; IRSA roles trust it.")
    purpose: str = Field(pattern=r"^[a-z]{3,10}$", description="thanos, loki or tempo")
    key_arn: StrInput
    retention_days: int = Field(ge=1, description="Bucket lifecycle; a backstop behind the signal's own retention.")
    noncurrent_version_days: int = Field(default=1, ge=1)
    namespace: str = Field(description="Namespace of the workloads; the IAM trust policy names it.")
    namespace_resource: pulumi.Resource = Field(description="The ServiceAccounts are created after it.")
    service_accounts: tuple[str, ...] = Field(min_length=1, description="Workloads (ServiceAccount names) that use the bucket.")


class SignalStore(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    bucket_name: str
    role_arns: dict[str, pulumi.Output[str]]
    service_accounts: dict[str, k8s.core.v1.ServiceAccount]

    def __init__(self, name: str, args: SignalStoreArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        store = PlatformBucket(
            f"{name}-store",
            PlatformBucketArgs(region=args.region, aws_account_id=args.aws_account_id, purpose=args.purpose,
                               key_arn=args.key_arn, retention_days=args.retention_days,
                               noncurrent_version_days=args.noncurrent_version_days),
            opts=child,
        )
        self.bucket, self.bucket_name = store.bucket, store.name
        self.role_arns, self.service_accounts = {}, {}
        tags = {"dbaas:region": args.region, "dbaas:purpose": args.purpose, "managed-by": "pulumi"}
        for sa in args.service_accounts:
            role = create_irsa_role(
                f"{name}-{sa}-role", role_name=platform_role(args.region, sa),
                description=f"dbaas {args.region}: {sa} reads and writes the {args.purpose} bucket",
                account_id=args.aws_account_id, oidc_issuer=args.oidc_issuer,
                namespace=args.namespace, service_account=sa, tags=tags, opts=child,
            )
            grant_bucket_access(f"{name}-{sa}-access", role, self.bucket.arn, args.key_arn, child)
            self.role_arns[sa] = role.arn
            self.service_accounts[sa] = create_service_account(
                f"{name}-{sa}-sa", sa, args.namespace, role.arn, {**LABELS, "dbaas.io/signal": args.purpose},
                pulumi.ResourceOptions(parent=self, depends_on=[args.namespace_resource]),
            )
        self.register_outputs({"bucket": self.bucket.bucket, "roleArns": self.role_arns})
