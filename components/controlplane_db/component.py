"""`dbaas:controlplane:ControlPlaneDatabase`: the region's row-level-security PostgreSQL.

A CloudNativePG Cluster (three instances, TLS-only, WAL and base backups to a platform bucket
under the platform key, reached through IRSA), a ScheduledBackup, a transaction-mode PgBouncer
Pooler, the contract roles as managed roles, and a Job that applies the shipped migrations;
the Job's name carries their content hash, so it runs again exactly when they change.
The CloudNativePG operator that reconciles them is a child component (operator.py), installed
here once per region; every CNPG object depends on its Helm release (CRDs and webhooks).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.controlplane_db.manifests import (ClusterSettings, Recovery, cluster_spec, migration_job_spec,
                                                  pooler_spec, scheduled_backup_spec)
from components.controlplane_db.args import DEFAULT_CLUSTER_NAME, CloudNativePGOperatorArgs, ControlPlaneDatabaseArgs
from components.controlplane_db.network_policies import policy_specs
from components.controlplane_db.operator import CloudNativePGOperator
from components.namespace_baseline import PLATFORM_NAMESPACE_LABELS, create_network_policies, pod_security_labels
from components.irsa import create_irsa_role, grant_bucket_access
from components.protection import stateful
from components.storage.args import PlatformBucketArgs
from components.storage.platform import PlatformBucket
from declarations.controlplane_schema.migration_files import load_migrations, migrations_digest
from declarations.controlplane_schema.roles import APP, MIGRATOR, RECORDER
from declarations.naming import dns_label

TYPE = "dbaas:controlplane:ControlPlaneDatabase"
CNPG_API = "postgresql.cnpg.io/v1"
BUCKET_GRACE_DAYS = 7
"""The bucket keeps objects this much longer than CloudNativePG's retention, which deletes them
itself; the base backup that starts the recovery window is up to a day older than the window."""


class ControlPlaneDatabase(pulumi.ComponentResource):
    """Typed handles for consumers: where to connect, as whom, and what ran."""

    namespace: k8s.core.v1.Namespace
    operator: CloudNativePGOperator
    cluster: k8s.apiextensions.CustomResource
    pooler: k8s.apiextensions.CustomResource
    backup_bucket: aws.s3.Bucket
    backup_role: aws.iam.Role
    migration_job: k8s.batch.v1.Job
    migrations_digest: str
    pooler_host: str
    """`<pooler>.<namespace>.svc`: where the application connects (as dbaas_app)."""
    app_secret_name: str
    migrator_secret_name: str
    recorder_secret_name: str
    """Password of dbaas_recorder, the role CI records applies as (`dbaas record-apply`)."""

    def __init__(self, name: str, args: ControlPlaneDatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        ns = args.namespace
        labels = {"app.kubernetes.io/part-of": "dbaas-controlplane", "app.kubernetes.io/managed-by": "pulumi"}
        tags = {"dbaas:region": args.region, "dbaas:purpose": "controlplane-db", "managed-by": "pulumi"}

        self.namespace = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata={"name": ns, "labels": {**labels, **PLATFORM_NAMESPACE_LABELS,
                                             **pod_security_labels("restricted", args.kubernetes_version)}},
            opts=stateful(child, True),
        )
        on_ns = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[self.namespace]))
        self.operator = CloudNativePGOperator(
            f"{name}-cnpg-operator",
            CloudNativePGOperatorArgs(kubernetes_version=args.kubernetes_version, instance_namespace=ns,
                                      monitoring_namespace=args.monitoring_namespace,
                                      namespace=args.cnpg_operator_namespace),
            opts=child,
        )
        operator_release = self.operator.release
        create_network_policies(
            f"{name}-netpol", ns,
            policy_specs(args.monitoring_namespace, args.cnpg_operator_namespace,
                         args.client_namespaces),
            labels, on_ns)

        # Backups are immutable for their retention (Object Lock), and the bucket keeps objects a
        # little longer than CloudNativePG's own retention, which deletes them first.
        backups = PlatformBucket(
            f"{name}-backups",
            PlatformBucketArgs(
                region=args.region, aws_account_id=args.aws_account_id, purpose="pg-backups",
                key_arn=args.platform_key_arn, retention_days=args.backup_retention_days + BUCKET_GRACE_DAYS,
                noncurrent_version_days=BUCKET_GRACE_DAYS, object_lock_days=args.backup_retention_days,
            ),
            opts=child,
        )
        bucket_name = backups.name
        self.backup_bucket = backups.bucket
        # CloudNativePG names the ServiceAccount it creates after the cluster.
        self.backup_role = create_irsa_role(
            f"{name}-backup-role",
            role_name=f"dbaas-{args.region}-controlplane-pg",
            description=f"dbaas control-plane PostgreSQL in {args.region}: WAL and base backups",
            account_id=args.aws_account_id, oidc_issuer=args.oidc_issuer,
            namespace=ns, service_account=args.cluster_name, tags=tags, opts=child,
        )
        grant_bucket_access(f"{name}-backup-access", self.backup_role, self.backup_bucket.arn,
                            args.platform_key_arn, child)

        self.migrator_secret_name = f"{args.cluster_name}-{MIGRATOR.replace('_', '-')}"
        self.app_secret_name = f"{args.cluster_name}-{APP.replace('_', '-')}"
        self.recorder_secret_name = f"{args.cluster_name}-{RECORDER.replace('_', '-')}"
        secrets = [self._role_secret(f"{name}-{role.replace('_', '-')}", role, secret, ns, labels, on_ns)
                   for role, secret in ((MIGRATOR, self.migrator_secret_name), (APP, self.app_secret_name),
                                        (RECORDER, self.recorder_secret_name))]

        settings = ClusterSettings(
            name=args.cluster_name, namespace=ns, image=args.postgres_image, instances=args.instances,
            storage_class=args.storage_class, storage_size=args.storage_size, bucket_name=bucket_name,
            backup_retention_days=args.backup_retention_days,
            migrator_secret=self.migrator_secret_name, app_secret=self.app_secret_name,
            recorder_secret=self.recorder_secret_name,
            recovery=Recovery(args.recover_from, args.recovery_target_time) if args.recover_from else None,
        )
        # A cluster of another name is another resource: the old one leaves the stack (retained on delete, after
        # `pulumi state unprotect`) and keeps running until an operator retires it (README, recovery).
        logical = f"{name}-cluster" if args.cluster_name == DEFAULT_CLUSTER_NAME else f"{name}-cluster-{args.cluster_name}"
        self.cluster = k8s.apiextensions.CustomResource(
            logical, api_version=CNPG_API, kind="Cluster",
            metadata={"name": args.cluster_name, "namespace": ns, "labels": labels},
            spec=cluster_spec(settings, self.backup_role.arn, args.platform_key_arn),
            opts=stateful(pulumi.ResourceOptions.merge(
                on_ns, pulumi.ResourceOptions(depends_on=[*secrets, operator_release])), True),
        )
        on_cluster = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(depends_on=[self.cluster, operator_release]))
        k8s.apiextensions.CustomResource(
            f"{name}-scheduled-backup", api_version=CNPG_API, kind="ScheduledBackup",
            metadata={"name": f"{args.cluster_name}-daily", "namespace": ns, "labels": labels},
            spec=scheduled_backup_spec(settings), opts=on_cluster,
        )
        pooler_name = f"{args.cluster_name}-pooler-rw"
        self.pooler = k8s.apiextensions.CustomResource(
            f"{name}-pooler", api_version=CNPG_API, kind="Pooler",
            metadata={"name": pooler_name, "namespace": ns, "labels": labels},
            spec=pooler_spec(settings), opts=on_cluster,
        )
        self.pooler_host = f"{pooler_name}.{ns}.svc"

        migrations = load_migrations()
        self.migrations_digest = migrations_digest(migrations)
        short = self.migrations_digest[:12]
        configmap = k8s.core.v1.ConfigMap(
            f"{name}-migrations",
            metadata={"name": dns_label(args.cluster_name, "migrations", short), "namespace": ns, "labels": labels},
            data={f"{m.label}.{direction}.sql": sql for m in migrations
                  for direction, sql in (("up", m.up_sql), ("down", m.down_sql))},
            immutable=True,
            opts=on_ns,
        )
        job_labels = {**labels, "app.kubernetes.io/name": "controlplane-migrate", "dbaas.io/migrations": short}
        self.migration_job = k8s.batch.v1.Job(
            f"{name}-migrate",
            metadata={"name": dns_label(args.cluster_name, "migrate", short), "namespace": ns, "labels": job_labels},
            spec=migration_job_spec(settings, args.tools_image, configmap.metadata.name, job_labels),
            opts=pulumi.ResourceOptions.merge(on_cluster, pulumi.ResourceOptions(depends_on=[configmap])),
        )
        self.register_outputs({"poolerHost": self.pooler_host, "migrationsDigest": self.migrations_digest,
                               "backupBucket": self.backup_bucket.bucket, "backupRoleArn": self.backup_role.arn})

    @staticmethod
    def _role_secret(logical: str, role: str, secret_name: str, namespace: str, labels: dict[str, str],
                     opts: pulumi.ResourceOptions) -> k8s.core.v1.Secret:
        """A random password in a basic-auth Secret that CloudNativePG's managed role reads."""
        password = random.RandomPassword(f"{logical}-password", length=40, special=False, opts=opts)
        return k8s.core.v1.Secret(
            f"{logical}-secret",
            metadata={"name": secret_name, "namespace": namespace, "labels": {**labels, "cnpg.io/reload": "true"}},
            type="kubernetes.io/basic-auth",
            string_data={"username": role, "password": pulumi.Output.secret(password.result)},
            opts=opts,
        )
