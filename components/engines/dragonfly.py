"""DragonflyDB through the Dragonfly operator: primary plus replicas, snapshots straight to S3.

Dragonfly writes snapshots itself to an `s3://` directory on the service's cron, authenticating
through IRSA (the pods run as the tenant ServiceAccount); objects are encrypted by the bucket's
default SSE-KMS under the tenant key. Dragonfly has no point-in-time recovery, and does not prune
old snapshots: they expire with the tenant bucket's lifecycle.
"""

from __future__ import annotations

from pulumi_kubernetes.apiextensions import CustomResource

from components.engines.backup_copy import copy_backup_script
from components.engines.base import INSTANCE_LABEL, EngineInstance
from components.engines.pod_security import restricted_container, restricted_pod
from declarations.engine_catalog import EngineName
from declarations.tenant_model import RestoreFrom

API = "dragonflydb.io/v1alpha1"
DRAGONFLY_UID = 999
METRICS_PORT_NAME = "admin"
"""The operator's admin container port (9999): `/metrics` in plain HTTP (it passes `--no_tls_on_admin_port`)."""
METRICS_PATH = "/metrics"
OPERATOR_NAME_LABEL = "app"
"""The operator's own pod label (value: the Dragonfly name), part of its StatefulSet selector in every release
(internal/resources/resources.go, v1.1.11 through v1.6.1)."""
CLI_IMAGE = "docker.io/library/redis:7.4.2-alpine"
"""redis-cli for the final backup; Dragonfly speaks the Redis protocol."""
RESTART_PATH = "spec.annotations"
"""Where the restart marker lives: the operator rolls the pods when the StatefulSet template changes (OnDelete
strategy, replicas first, then a master failover; internal/controller/dragonfly_controller.go)."""
SNAPSHOT_STAMP = r"[0-9][0-9T:-]*"
"""What `{timestamp}` in `--dbfilename` becomes (YYYY-MM-DDTHH:MM:SS); a named backup is one such stamp."""


def restore_copy_script(source_instance: str, target_instance: str, source_prefix: str, target_prefix: str,
                        backup: str) -> str:
    """Copy one snapshot (the latest, or the one stamped `backup`) of the source to the target's prefix, renamed
    to the target's `--dbfilename`, because Dragonfly loads at start the newest snapshot in `snapshot.dir` whose
    name matches its own file name. A snapshot is several files (`<name>-<stamp>-summary.dfs`, `-0000.dfs`, ...)."""
    listing = (r"""files=$(aws s3 ls "$src" | awk '{print $4}' | grep '^SRC-' || true)
ids=$(printf '%s\n' "$files" | sed -n 's/^SRC-\(STAMP\)-.*$/\1/p')""")
    copy = r"""for f in $(printf '%s\n' "$files" | grep "^SRC-$id-"); do
  aws s3 cp --only-show-errors "$src$f" "${dst}DST-${f#SRC-}"
done"""
    return copy_backup_script(
        source_prefix=source_prefix, target_prefix=target_prefix, backup=backup, noun="snapshot",
        subject=source_instance,
        listing=listing.replace("STAMP", SNAPSHOT_STAMP).replace("SRC", source_instance),
        copy=copy.replace("SRC", source_instance).replace("DST", target_instance))


class DragonflyInstance(EngineInstance):
    ENGINE = EngineName.dragonfly
    PLATFORM_TLS = True

    def pod_selector(self) -> dict:
        return {"matchLabels": {OPERATOR_NAME_LABEL: self.instance_name}}

    @classmethod
    def monitor_selector(cls, instance_name: str) -> dict[str, str]:
        # dragonfly-operator owns `app.kubernetes.io/instance`: it puts it on the StatefulSet only, and from
        # v1.6.0 rejects a Dragonfly whose pod labels set it ("cannot override operator-managed label").
        return {OPERATOR_NAME_LABEL: instance_name}

    def pod_labels(self) -> dict[str, str]:
        """The platform's pod labels less INSTANCE_LABEL, which the operator reserves (see monitor_selector)."""
        labels = super().pod_labels()
        del labels[INSTANCE_LABEL]
        return labels

    def args_list(self) -> list[str]:
        return [f"--dbfilename={self.instance_name}-{{timestamp}}", "--tls_replication=true"]

    def dragonfly_spec(self) -> dict:
        spec: dict = {
            "image": self.image,
            "replicas": self.sizing.replicas,
            "resources": self.sizing.resources,
            "serviceAccountName": self.args.service_account,
            "podSecurityContext": restricted_pod(DRAGONFLY_UID),
            "containerSecurityContext": restricted_container(DRAGONFLY_UID),
            **self.NODES.pod_fields(),
            **self.priority_fields(),
            # `labels` is the pod-label field of the pinned operator (v1.1.11); the vendored v1.1.11 CRD
            # takes it; later releases deprecate it in favour of `podMetadata.labels`, which v1.1.11 does not know.
            "labels": self.pod_labels(),
            "authentication": {"passwordFromSecret": {"name": self.credentials_secret, "key": "password"}},
            "tlsSecretRef": {"name": self.tls_secret},
            "args": self.args_list(),
            # Pod template annotations of the pinned v1.1.11 (internal/resources/resources.go copies them to the
            # StatefulSet); the platform writes only the restart marker there (see restart_kept).
            **self.restart_annotations(),
            "snapshot": {
                "dir": self.args.backup_url,
                "persistentVolumeClaimSpec": self.sizing.volume_claim(),
            },
        }
        if self.service.backups is not None:
            spec["snapshot"]["cron"] = self.service.backups.schedule
        if self.sizing.clustered:
            # No `enableReplicationReadinessGate`: the vendored v1.1.11 CRD (vendor/dragonfly-operator) has no such
            # field, so the API server would prune it (and the strict plan check refuses it).
            spec["topologySpreadConstraints"] = [{
                "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "DoNotSchedule",
                "labelSelector": {"matchLabels": self.monitor_selector(self.instance_name)},
            }]
        return spec

    def build(self) -> CustomResource:
        depends = [self.credentials, self.certificate]
        if self.service.restore_from is not None:
            depends.append(self.restore_copy(self.service.restore_from))
        return self.custom_resource("dragonfly", API, "Dragonfly", self.instance_name, self.dragonfly_spec(),
                                    holds_data=True, depends_on=depends, ignore_changes=self.restart_kept(RESTART_PATH))

    def restore_copy(self, source: RestoreFrom):
        """The one-shot copy Job; it must finish before the instance starts, so the instance depends on it."""
        return self.backup_copy_job(restore_copy_script(
            self.source_instance(source), self.instance_name, self.source_prefix(source), self.args.backup_prefix,
            source.backup), DRAGONFLY_UID)

    def restore(self, source: RestoreFrom) -> None:
        """The restore is the copy Job `build()` runs before the instance (see restore_copy)."""

    def backup_now(self, name: str) -> None:
        # SAVE makes Dragonfly write a snapshot to its configured s3:// directory and returns when done.
        self.one_off_job(
            f"{name}-backup",
            CLI_IMAGE,
            ["sh", "-c", f"redis-cli --tls --cacert /tls/ca.crt -h {self.connection.host} "
                         f"-p {self.connection.port} --no-auth-warning -a \"$DRAGONFLY_PASSWORD\" SAVE"],
            [self.secret_env("DRAGONFLY_PASSWORD", "password")],
            DRAGONFLY_UID,
        )
