"""Cloud identities of the engine operators whose own pod reads tenant backups (restore validation, retention).

The data pods reach the tenant bucket with the tenant role (IRSA on the tenant ServiceAccount; for YugabyteDB
because YBA is told to let YBC use the pods' IAM, declarations/engine_catalog.py YBA_APP_CONF). Two operators also
touch backups in their own process, in their own namespace, where no tenant role applies and the node role is
out of reach (IMDS hop limit 1): the Percona operator validates every MongoDB restore and deletes backups for
retention, and YugabyteDB Anywhere validates every `USE_IAM` StorageConfig and deletes expired backups
(declarations/engine_catalog.py OperatorBackupAccess says what and where upstream). Each gets a platform IRSA role,
trusted by its chart's ServiceAccount only, allowed its actions under its engine's prefix of the region's tenant
buckets; each tenant key admits the role through S3 (the tenant stack reads its ARN from the platform contract).

Per-tenant static credentials (psmdb `credentialsSecret`, StorageConfig `AWS_ACCESS_KEY_ID`) were the other way:
they would need an IAM user and a long-lived key per tenant, and PBM and YBC would then use that key in the data
pods too, instead of the tenant role (psmdb v1.21.2 pkg/psmdb/backup/pbm.go:357-409 copies the Secret's keys
into the PBM config every agent reads).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.aws_policies import dumps, operator_backup_policy
from components.irsa import IRSA_ROLE_ANNOTATION, create_irsa_role
from declarations.engine_catalog import EngineName, EngineSpec
from declarations.naming import platform_role


def operator_role_name(region: str, engine: EngineName) -> str:
    """`dbaas-p-<region>-<engine>-operator`: the platform role of an engine's operator pod."""
    return platform_role(region, f"{engine.value}-operator")


def create_operator_backup_role(
    logical_name: str, spec: EngineSpec, region: str, account_id: str, oidc_issuer: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.iam.Role:
    """The operator pod's role and its one inline policy; only for engines with `operator_backup_access`."""
    access = spec.operator_backup_access
    if access is None:
        raise ValueError(f"{spec.title}'s operator reads no tenant backup itself")
    role = create_irsa_role(
        f"{logical_name}-role", role_name=operator_role_name(region, spec.engine),
        description=f"dbaas {region}: the {spec.title} operator reads {spec.engine.value}/ backups of tenant buckets",
        account_id=account_id, oidc_issuer=oidc_issuer, namespace=spec.operator_namespace,
        service_account=access.service_account,
        tags={"dbaas:region": region, "dbaas:engine": spec.engine.value, "managed-by": "pulumi"}, opts=opts,
    )
    aws.iam.RolePolicy(
        f"{logical_name}-backup-access", name="tenant-backups", role=role.name,
        policy=dumps(operator_backup_policy(account_id, spec.engine.value, access.object_actions,
                                            access.bucket_actions)), opts=opts,
    )
    return role


def with_role_annotation(values: dict, spec: EngineSpec, role_arn: pulumi.Input[str]) -> dict:
    """The chart values with the IRSA role annotation where the chart takes its ServiceAccount's annotations."""
    access = spec.operator_backup_access
    if access is None:
        return values
    merged = {**values}
    node = merged
    *parents, leaf = access.annotations_value
    for key in parents:
        node[key] = {**node.get(key, {})}
        node = node[key]
    node[leaf] = {**node.get(leaf, {}), IRSA_ROLE_ANNOTATION: role_arn}
    return merged
