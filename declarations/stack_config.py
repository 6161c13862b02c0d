"""The regional stack's configuration (`Pulumi.<stack>.yaml`), read into a typed model.

The same model is filled two ways: from `pulumi.Config` inside a real `pulumi up`, and from the
stack file itself for the offline plan, where errors point at the file, line and field.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from difflib import get_close_matches
from ipaddress import IPv4Network
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

from declarations.errors import InputError, Problem
from declarations.field_types import (
    AwsAccountId, Ec2InstanceType, JvmHeap, KubernetesMinorVersion, StorageClassName, VolumeSize, WebhookUrl,
)
from declarations.project_config import ProjectConfig, config_text, is_ciphertext, load_project_config, value_has_type
from declarations.regions import KNOWN_REGIONS, RESIDENCY_AWS_REGIONS
from declarations.safe_yaml import LocatedDocument, load_file

PROJECT = "dbaas-platform"
MODE_SECRET_KEYS = {"kubeconfig": "adopt"}
"""Secrets that only one `clusterMode` needs, so they are NOT declared in Pulumi.yaml: the CLI would
require a declared secret on every stack, and a secret cannot have a default (see
declarations/project_config.py). Key -> the clusterMode that needs it."""

MODE_SPECIFIC_KEYS: dict[str, tuple[str, str]] = {
    "kubeconfig": ("clusterMode", "adopt"),
    "oidcIssuer": ("clusterMode", "adopt"),
    **{k: ("clusterMode", "create") for k in (
        "vpcCidr", "systemNodeInstanceType", "systemNodeMinSize", "systemNodeMaxSize", "databaseNodeInstanceType",
        "databaseNodeMinSize", "databaseNodeMaxSize", "kafkaNodeInstanceType", "kafkaNodeMinSize", "kafkaNodeMaxSize")},
    **{k: ("clusterIssuer", "acme-dns01") for k in ("acmeEmail", "acmeServer", "acmeDnsZoneId")},
    "internalCaSecret": ("clusterIssuer", "internal-ca"),
    **{k: ("secretStore", "vault") for k in ("vaultServer", "vaultPath", "vaultRole")},
}
"""Keys that only mean something in one mode. Set in a stack of another mode they would be
silently ignored, which hides a mistake (for example a kubeconfig left in a create-mode stack)."""

_UNSET_WHEN_EMPTY = ("oidc_issuer", "acme_email", "acme_dns_zone_id", "vault_server", "control_plane_db_storage_class",
                     "control_plane_db_recover_from", "control_plane_db_recovery_target_time")
"""Mode-specific keys that Pulumi.yaml declares with the default "" (a declared key without a
default is required on every stack); "" means not set."""

CLUSTER_NAME = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")
"""A timestamp with an explicit offset; CloudNativePG also takes PostgreSQL's format and reads a time without a
zone as UTC (Cluster CRD, recoveryTarget.targetTime), so the platform asks for the unambiguous form."""

OFFLINE_SECRET_PLACEHOLDER = "offline-placeholder-secret"
"""Stands in for encrypted config values in the offline plan; it is marked secret like the real one."""


class StackConfig(BaseModel):
    """One region's facts, sizing and retention knobs. Keys are camelCase in the stack file."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True)

    region: str = Field(description="Platform region name; tenants/<region>/ feeds this stack.")
    pop_name: str = Field(pattern=r"^[a-z0-9-]{2,20}$", description="Name of the point of presence.")
    aws_region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
    aws_account_id: AwsAccountId = Field(description="The only AWS account the provider accepts.")
    kubernetes_version: KubernetesMinorVersion = Field(description="Minor version of the PoP cluster, e.g. 1.33.")
    oidc_issuer: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9.-]+(/[A-Za-z0-9._-]+)*$",
        description="adopt mode: the cluster's service-account issuer host/path, without https://; IRSA trusts "
        "it. A created (EKS) cluster brings its own issuer.",
    )
    storage_class: StorageClassName = Field(default="dbaas-retained")
    ingress_namespace: str = Field(default="ingress-nginx")
    monitoring_namespace: str = Field(default="monitoring")
    kafka_namespace: str = Field(default="kafka")
    kafka_cluster_name: str = Field(default="events")
    kafka_bootstrap_port: int = Field(default=9093, ge=1, le=65535)
    # Kafka sizing (components/kafka). Replication factor 3 with min.insync.replicas 2 needs 3+ brokers.
    kafka_broker_replicas: int = Field(default=5, ge=3, le=64)
    kafka_broker_storage_gb: int = Field(default=500, ge=10)
    kafka_broker_heap: JvmHeap = Field(default="4g", description="JVM -Xms/-Xmx of each broker.")
    kafka_broker_memory: str = Field(default="8Gi", pattern=r"^[1-9]\d*(Mi|Gi)$", description="Broker container memory.")
    kafka_broker_cpu: str = Field(default="2", pattern=r"^([1-9]\d*|[1-9]\d*m)$")
    kafka_controller_storage_gb: int = Field(default=20, ge=5)
    kafka_controller_heap: JvmHeap = Field(default="1g")
    kafka_rack_topology_key: str = Field(default="topology.kubernetes.io/zone", pattern=r"^[a-z0-9./-]+$")
    kafka_connect_replicas: int = Field(default=2, ge=1, le=16)
    kafka_connect_image: str = Field(
        default="registry.dbaas.example.net/dbaas/kafka-connect",
        pattern=r"^[a-z0-9.-]+(:\d+)?(/[a-z0-9._-]+)+$",
        description="Repository that Strimzi pushes the Connect image it builds (Debezium plugins) to.",
    )
    kms_deletion_window_days: int = Field(default=30, ge=7, le=30)
    backup_noncurrent_version_days: int = Field(default=30, ge=1)
    # PoP cluster (components/pop): adopt an existing cluster or create one on EKS.
    cluster_mode: Literal["adopt", "create"] = Field(default="adopt", description="adopt: kubeconfig secret; create: EKS.")
    vpc_cidr: str = Field(default="10.64.0.0/16", description="create mode: the PoP VPC, /16 to /20.")
    system_node_instance_type: Ec2InstanceType = Field(default="m7i.xlarge")
    system_node_min_size: int = Field(default=3, ge=1, le=100)
    system_node_max_size: int = Field(default=6, ge=1, le=100)
    database_node_instance_type: Ec2InstanceType = Field(
        default="i4i.2xlarge", description="Needs local NVMe instance storage."
    )
    database_node_min_size: int = Field(default=3, ge=1, le=100)
    database_node_max_size: int = Field(default=12, ge=1, le=100)
    kafka_node_instance_type: Ec2InstanceType = Field(default="r7i.xlarge")
    kafka_node_min_size: int = Field(default=3, ge=1, le=100)
    kafka_node_max_size: int = Field(default=6, ge=1, le=100)
    cluster_issuer: Literal["acme-dns01", "internal-ca"] = Field(default="internal-ca")
    acme_email: str | None = Field(default=None, validate_default=True, pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$")
    acme_server: str = Field(default="https://acme-v02.api.letsencrypt.org/directory", pattern=r"^https://")
    acme_dns_zone_id: str | None = Field(default=None, validate_default=True, pattern=r"^Z[A-Z0-9]{1,31}$")
    internal_ca_secret: str = Field(default="dbaas-internal-ca", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
    secret_store: Literal["aws-secrets-manager", "vault"] = Field(default="aws-secrets-manager")
    vault_server: str | None = Field(default=None, validate_default=True, pattern=r"^https://")
    vault_path: str = Field(default="dbaas", pattern=r"^[A-Za-z0-9_/-]+$")
    vault_role: str = Field(default="external-secrets", pattern=r"^[A-Za-z0-9_-]+$")
    # Observability (components/observability). Webhook URLs may not carry credentials (no
    # user-info, query or fragment), because they are rendered into the plan in clear text.
    metrics_scrape_interval_seconds: int = Field(default=30, ge=5, le=300)
    metrics_retention_days: int = Field(default=15, ge=1, le=90, description="Prometheus local TSDB retention.")
    metrics_long_term_retention_days: int = Field(default=395, ge=30, description="Thanos: raw, 5m and 1h downsampled blocks.")
    log_retention_days: int = Field(default=30, ge=1, description="Loki retention for every tenant.")
    trace_retention_days: int = Field(default=7, ge=1, description="Tempo retention for every tenant.")
    alertmanager_webhook_url: WebhookUrl = Field(
        default="http://alert-router.monitoring.svc:8080/alerts",
        description="Receiver for warnings and everything not paged.",
    )
    alertmanager_critical_webhook_url: WebhookUrl = Field(
        default="http://alert-router.monitoring.svc:8080/page",
        description="Receiver for severity=critical (paging).",
    )
    alertmanager_group_wait_seconds: int = Field(default=30, ge=0, le=600)
    alertmanager_group_interval_minutes: int = Field(default=5, ge=1, le=60)
    alertmanager_repeat_interval_hours: int = Field(default=4, ge=1, le=72)
    # Control-plane PostgreSQL (components/controlplane_db).
    control_plane_db_storage_class: StorageClassName | None = Field(
        default=None, description="StorageClass of its volumes; default: storageClass.")
    control_plane_db_storage_size: VolumeSize = Field(default="20Gi")
    control_plane_db_backup_retention_days: int = Field(default=30, ge=1, le=3650)
    control_plane_db_cluster_name: str = Field(
        default="controlplane-pg", pattern=CLUSTER_NAME, max_length=40,
        description="CloudNativePG Cluster name; a recovery needs a new one (bootstrap is read only at creation).")
    control_plane_db_recover_from: str | None = Field(
        default=None, pattern=CLUSTER_NAME, max_length=40,
        description="Create the cluster from this earlier cluster's backups in the same bucket; empty: initdb.")
    control_plane_db_recovery_target_time: str | None = Field(
        default=None, description="RFC 3339 time to recover to (point in time), inside the backup retention.")
    control_plane_tools_image: str = Field(
        default="ghcr.io/dbaas-platform/dbaas-tools:0.1.0", pattern=r"^[a-z0-9.-]+(:\d+)?(/[a-z0-9._-]+)+(:[A-Za-z0-9._-]+|@sha256:[0-9a-f]{64})$",
        description="Image with the `dbaas` CLI; the migration Job runs `dbaas migrate` from it.")

    @field_validator(*_UNSET_WHEN_EMPTY, mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    @model_validator(mode="after")
    def _adopted_cluster_needs_its_issuer(self) -> "StackConfig":
        if self.cluster_mode == "adopt" and self.oidc_issuer is None:
            raise ValueError("oidcIssuer is required when clusterMode is adopt (IRSA trusts the cluster's issuer)")
        return self

    @field_validator("control_plane_db_recover_from")
    @classmethod
    def _recover_from_another_cluster(cls, value: str | None, info: ValidationInfo) -> str | None:
        name = info.data.get("control_plane_db_cluster_name")
        if value is not None and value == name:
            raise ValueError(
                f"the cluster {name!r} cannot be created from its own backups: CloudNativePG reads bootstrap only when "
                "it creates a cluster, and a new cluster must archive to an empty path; set "
                "controlPlaneDbClusterName to a new name (e.g. controlplane-pg-2) and keep this key")
        return value

    @field_validator("control_plane_db_recovery_target_time")
    @classmethod
    def _target_inside_retention(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return value
        if info.data.get("control_plane_db_recover_from") is None:
            raise ValueError("a recovery target needs controlPlaneDbRecoverFrom (the cluster whose backups to replay)")
        if not RFC3339.match(value):
            raise ValueError(f"{value!r} is not an RFC 3339 time with an offset, such as '2026-11-20T10:15:00Z'")
        try:
            when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a valid time: {exc}") from None
        retention = info.data.get("control_plane_db_backup_retention_days")
        now = dt.datetime.now(dt.timezone.utc)
        if when > now:
            raise ValueError(f"{value} is in the future; WAL can only be replayed up to now")
        if retention is not None and when < now - dt.timedelta(days=retention):
            raise ValueError(f"{value} is older than the backups are kept (controlPlaneDbBackupRetentionDays: "
                             f"{retention}); choose a time within the last {retention} days (once the cluster is "
                             "recovered, remove controlPlaneDbRecoverFrom and this key)")
        return value

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_cidr(cls, value: str) -> str:
        try:
            network = IPv4Network(value)
        except ValueError as exc:
            raise ValueError(f"not an IPv4 network: {exc}") from None
        if not 16 <= network.prefixlen <= 20:
            raise ValueError(f"VPC CIDR must be a /16 to /20 (three node subnets and three public subnets), got /{network.prefixlen}")
        return value

    @field_validator("system_node_max_size", "database_node_max_size", "kafka_node_max_size")
    @classmethod
    def _max_not_below_min(cls, value: int, info: ValidationInfo) -> int:
        minimum = info.data.get(info.field_name.replace("_max_", "_min_"))
        if minimum is not None and value < minimum:
            raise ValueError(f"must be at least the min size ({minimum}), got {value}")
        return value

    @field_validator("acme_email", "acme_dns_zone_id")
    @classmethod
    def _needed_for_acme(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("cluster_issuer") == "acme-dns01":
            raise ValueError("required when clusterIssuer is acme-dns01")
        return value

    @field_validator("vault_server")
    @classmethod
    def _needed_for_vault(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("secret_store") == "vault":
            raise ValueError("required when secretStore is vault")
        return value

    @field_validator("region")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in KNOWN_REGIONS:
            raise ValueError(f"unknown region {value!r}; known regions: {', '.join(KNOWN_REGIONS)}")
        return value

    @field_validator("kafka_broker_memory")
    @classmethod
    def _broker_heap_fits(cls, value: str, info) -> str:  # noqa: ANN001 - pydantic's ValidationInfo
        """The broker heap must leave at least as much memory again for the page cache."""
        heap = info.data.get("kafka_broker_heap")
        if heap is not None:
            heap_mib = int(heap[:-1]) * (1024 if heap.endswith("g") else 1)
            memory_mib = int(value[:-2]) * (1024 if value.endswith("Gi") else 1)
            if memory_mib < 2 * heap_mib:
                raise ValueError(f"must be at least twice kafkaBrokerHeap ({heap}) to leave room for the page cache")
        return value


def _config_keys() -> dict[str, str]:
    """camelCase config key -> model field name."""
    return {f.alias or name: name for name, f in StackConfig.model_fields.items()}


def config_errors(exc: ValidationError) -> list[tuple[str | None, str]]:
    """(camelCase config key or None for the whole config, message) for each validation error,
    in our validators' own words, without pydantic's prefixes."""
    out = []
    for e in exc.errors(include_url=False):
        field = e["loc"][0] if e["loc"] else None
        # A defaulted field (e.g. acmeEmail, needed only by some modes) is reported by its key too.
        key = StackConfig.model_fields[field].alias if field in StackConfig.model_fields else field
        if e["type"] == "missing":
            message = "required config key is missing"
        elif e["type"] == "value_error" and (e.get("ctx") or {}).get("error") is not None:
            message = str(e["ctx"]["error"])
        else:
            message = e["msg"]
        out.append((key, message))
    return out


def from_pulumi_config() -> StackConfig:
    """Read the stack config inside a Pulumi program (real or mocked); errors name the config key."""
    import pulumi

    cfg = pulumi.Config(PROJECT)
    raw: dict[str, Any] = {}
    for key in _config_keys():
        value = cfg.get(key)
        if value is not None:
            raw[key] = value
    try:
        return StackConfig.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{PROJECT}:{key}: {message}" if key else f"{PROJECT}: {message}" for key, message in config_errors(exc)]
        raise pulumi.RunError("invalid stack config:\n  " + "\n  ".join(lines)) from None


class StackFile(BaseModel):
    """What the offline runner needs from `Pulumi.<stack>.yaml`, after the CLI's config merge."""

    model_config = ConfigDict(frozen=True)
    stack: str
    config: StackConfig
    pulumi_config: dict[str, str]
    """Every `<namespace>:<key>` value as the Pulumi engine would pass it (strings, JSON for objects),
    project defaults merged in as the CLI merges them."""
    secret_keys: list[str]
    unset_secrets: list[str] = []
    """Secrets the operator sets with `pulumi config set --secret` before a real run (README, set-up);
    the offline plan stands in a value that prints as [secret]."""

    @property
    def default_providers_disabled(self) -> bool:
        """`pulumi:disable-default-providers: ["*"]` (or naming packages) in the stack file."""
        return self.pulumi_config.get("pulumi:disable-default-providers", "[]") != "[]"


CLOUD_SECRETS_PROVIDERS = ("awskms://", "azurekeyvault://", "gcpkms://", "hashivault://")


def load_stack_file(project_dir: Path, stack: str) -> StackFile:
    """Parse `Pulumi.<stack>.yaml`, merge `Pulumi.yaml`'s declarations into it as the Pulumi CLI
    does (declarations/project_config.py), and validate the result; every problem is located."""
    project = load_project_config(project_dir)
    path = project_dir / f"Pulumi.{stack}.yaml"
    shown = path.name
    if not path.is_file():
        raise InputError([Problem(shown, 1, 1, "(file)", f"no stack file for stack {stack!r}")])
    doc = load_file(path, shown)
    config = doc.data.get("config")
    if not isinstance(config, dict):
        raise InputError([doc.problem(("config",), "expected a 'config:' mapping")])
    raw: dict[str, Any] = {}
    pulumi_config: dict[str, str] = {}
    secret_keys: list[str] = []
    problems: list[Problem] = []
    known = _config_keys()
    for full_key, value in config.items():
        full_key = str(full_key)
        loc = ("config", full_key)
        namespace, _, key = full_key.partition(":")
        if not key:
            problems.append(doc.problem(loc, "config keys are '<namespace>:<key>'", prefer_key=True))
            continue
        is_secure = isinstance(value, dict) and set(value) == {"secure"}
        if is_secure:
            ciphertext = value["secure"]
            if not isinstance(ciphertext, str) or not is_ciphertext(ciphertext):
                problems.append(doc.problem(loc + ("secure",), "not a ciphertext the Pulumi CLI can decrypt "
                                            "(v1:<nonce>:<ciphertext>); set it with `pulumi config set --secret`"))
            value = OFFLINE_SECRET_PLACEHOLDER
            secret_keys.append(full_key)
        elif isinstance(value, (str, int, float, bool)):
            value = config_text(value)
        if namespace == PROJECT:
            declaration = project.declared(full_key)
            if key in MODE_SECRET_KEYS:
                if not is_secure:
                    problems.append(doc.problem(loc, "must be set as a secret (pulumi config set --secret)"))
            elif declaration is None:
                hint = get_close_matches(key, [*known, *MODE_SECRET_KEYS], n=1)
                problems.append(doc.problem(loc, f"config key {key!r} is not declared in Pulumi.yaml"
                                            + (f"; did you mean {hint[0]!r}?" if hint else ""), prefer_key=True))
            elif declaration.secret and not is_secure:
                # pulumi/pulumi pkg/workspace/config.go, validateStackConfigValue
                problems.append(doc.problem(loc, f"Stack '{stack}' with configuration key '{full_key}' must be "
                                            "encrypted as it's secret (pulumi config set --secret)"))
            elif not is_secure and not (isinstance(value, str) and value_has_type(value, declaration.type)):
                problems.append(doc.problem(loc, f"Stack '{stack}' with configuration key '{full_key}' must be of "
                                            f"type '{declaration.type}'"))
            elif key in known:
                raw[key] = value
        pulumi_config[full_key] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if secret_keys and not any(doc.data.get(k) for k in ("encryptedkey", "encryptionsalt")):
        provider = str(doc.data.get("secretsprovider") or "passphrase")
        needed = "encryptedkey" if provider.startswith(CLOUD_SECRETS_PROVIDERS) else "encryptionsalt"
        problems.append(doc.problem(("secretsprovider",), f"the stack file holds secure values but no '{needed}': the Pulumi CLI "
                                    f"cannot decrypt them. Commit no secret values, or commit the '{needed}' "
                                    "that `pulumi config set --secret` wrote with them"))
    missing, unset_secrets = _merge_project_defaults(project, raw, pulumi_config, secret_keys)
    if missing:
        # pulumi/pulumi pkg/workspace/config.go, missingStackConfigurationKeysError: before the program runs.
        problems.extend(doc.problem(("config",), f"Stack '{stack}' is missing configuration value '{key}' (declared "
                                    "in Pulumi.yaml without a default)", prefer_key=True) for key in missing)
    try:
        model = StackConfig.model_validate(raw)
    except ValidationError as exc:
        for key, message in config_errors(exc):
            if f"{PROJECT}:{key}" not in missing:  # already reported in the CLI's words
                # A key the file does not set (its default is involved) is located at `config:`.
                absent = key is None or f"{PROJECT}:{key}" not in config
                problems.append(doc.problem(("config", f"{PROJECT}:{key}") if key else ("config",), message,
                                            prefer_key=absent))
        model = None
    if model is not None:
        problems.extend(_cross_field_problems(doc, stack, model, raw))
    if problems:
        raise InputError(problems)
    return StackFile(stack=stack, config=model, pulumi_config=pulumi_config, secret_keys=sorted(secret_keys),
                     unset_secrets=unset_secrets)


def _merge_project_defaults(project: ProjectConfig, raw: dict[str, Any], pulumi_config: dict[str, str],
                            secret_keys: list[str]) -> tuple[list[str], list[str]]:
    """Apply `Pulumi.yaml`'s defaults to the keys the stack does not set, like the CLI's merge.

    Returns (required keys that are missing, secrets left for the operator to set). A declared
    secret cannot be committed (no secret values in the repository), so offline it stands in as
    a placeholder that prints [secret]; so does the adopt-mode kubeconfig."""
    missing: list[str] = []
    unset_secrets: list[str] = []
    for full_key, declaration in sorted(project.declarations.items()):
        if full_key in pulumi_config:
            continue
        key = full_key.partition(":")[2]
        if declaration.secret:
            unset_secrets.append(full_key)
        elif declaration.required:
            missing.append(full_key)
        else:
            text = config_text(declaration.default)
            pulumi_config[full_key] = text
            if key in _config_keys():
                raw[key] = text
    for key, mode in MODE_SECRET_KEYS.items():
        full_key = f"{PROJECT}:{key}"
        if full_key not in pulumi_config and raw.get("clusterMode", "adopt") == mode:
            unset_secrets.append(full_key)
    for full_key in unset_secrets:
        pulumi_config[full_key] = OFFLINE_SECRET_PLACEHOLDER
        secret_keys.append(full_key)
    return missing, sorted(unset_secrets)


def _cross_field_problems(doc: LocatedDocument, stack: str, model: StackConfig, raw: dict[str, Any]) -> list[Problem]:
    """Rules between keys: the region equals the stack, residency, and no key of another mode."""
    problems = []
    if model.region != stack:
        return [doc.problem(("config", f"{PROJECT}:region"), f"region {model.region!r} must equal the stack name {stack!r}")]
    allowed = RESIDENCY_AWS_REGIONS.get(model.region, ())
    if model.aws_region not in allowed:
        problems.append(doc.problem(("config", f"{PROJECT}:awsRegion"), f"{model.aws_region!r} is outside {model.region}'s "
                                    f"data residency: its buckets, keys and roles must live in {' or '.join(allowed)}"))
    stack_keys = {str(k).partition(":")[2] for k in doc.data["config"] if str(k).startswith(f"{PROJECT}:")}
    for key, (mode_key, mode) in MODE_SPECIFIC_KEYS.items():
        actual = model.model_dump(by_alias=True).get(mode_key)
        if key in stack_keys and actual != mode:
            problems.append(doc.problem(("config", f"{PROJECT}:{key}"), f"only used when {mode_key} is {mode} "
                                        f"(this stack's {mode_key} is {actual}); remove it", prefer_key=True))
    return problems
