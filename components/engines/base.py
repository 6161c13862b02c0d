"""`EngineInstance`: what every engine instance has in common; engine modules add only what differs.

Common to all six: the instance name, sizing from plan and service, a generated admin password in
a credentials Secret, TLS material where the operator needs it from the platform, the two
NetworkPolicy openings, protection of data-holding objects, the database node class every pod runs
on (`NODES`, the PoP's database node class), the labels its pods carry for the tenant's metrics monitor
(`pod_labels()`/`monitor_selector()`), the PoP's `dbaas-database` PriorityClass (`PRIORITY_CLASS`), the
one-shot backups (the final backup a `decommission:` marker asks for, and `operations` of action `backup`),
the restart marker of `operations` of action `restart` (`restart_annotations`, `restart_kept`), and the restore
that `restore_from` asks for. Engine modules only map these to their operator's fields.

One-shot objects (backups, restores, Jobs) carry pulumi-kubernetes' await annotations, so one that fails fails
the `pulumi up` that created it: `pulumi.com/waitFor` (a `jsonpath=` or `condition=` expression, or a JSON list
of them, all of which must hold) and `pulumi.com/timeoutSeconds`, without which the provider gives up after ten
minutes (pulumi-kubernetes provider/pkg/metadata/overrides.go ReadyCondition, provider/pkg/await/await.go).
Jobs need no waitFor: the provider's built-in Job await fails on a failed Job (provider/pkg/await/awaiters.go).
An expression cannot say "stop at this failure state", so a restore that ends in its operator's error state
fails the update when the timeout runs out.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar, Sequence

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random
from pulumi_kubernetes.apiextensions import CustomResource

from components.engines.backup_copy import AWS_CLI_IMAGE
from components.engines.connection import (
    ADMIN_USERS, PASSWORD_KEY, USERNAME_KEY, ConnectionInfo, client_service_name, connection_info,
    credentials_secret_name, tls_secret_name,
)
from components.engines.args import InstanceArgs
from components.engines.network import create_instance_policies
from components.engines.pod_security import restricted_container, restricted_pod
from components.engines.sizing import Sizing
from components.engines.tls import create_certificate
from components.pop.node_classes import DATABASES, NodeClass
from components.pop.priority_classes import DATABASE
from components.protection import stateful
from declarations.engine_catalog import RESTORE_WAYS, EngineName
from declarations.naming import service_instance
from declarations.tenant_model import RestoreFrom

PASSWORD_LENGTH = 32
ONE_SHOT_DEADLINE_SECONDS = 6 * 3600
"""How long a one-shot backup, restore or Job may take before it (and the `pulumi up`) fails."""
FINAL_BACKUP_DEADLINE_SECONDS = ONE_SHOT_DEADLINE_SECONDS
WAIT_FOR = "pulumi.com/waitFor"
TIMEOUT_SECONDS = "pulumi.com/timeoutSeconds"
FINAL_BACKUP = "final"
RESTART_ANNOTATION = "dbaas.io/restart"
"""Pod-template annotation whose value is the id of the service's last `restart` operation (RESTART_WAYS)."""
INSTANCE_LABEL = "app.kubernetes.io/instance"
"""The label (value: the instance name) that tenant monitors select an instance's pods by."""
POD_LABEL_KEYS = ("dbaas.io/tenant", "dbaas.io/service", "dbaas.io/engine")
"""Identity labels, besides INSTANCE_LABEL, that the platform asks the operators to put on the pods."""


@dataclass(frozen=True)
class JobPlacement:
    """Where a one-off Job runs when it cannot run in the tenant namespace (see `one_off_job`)."""

    namespace: str
    name: str
    service_account: str
    depends_on: tuple[pulumi.Resource, ...] = ()


class EngineInstance(pulumi.ComponentResource, ABC):
    """Base of `dbaas:engines:<Engine>Instance`. Subclasses implement `build()`, `backup_now()` and `restore()`."""

    ENGINE: ClassVar[EngineName]
    EXTRA_PASSWORDS: ClassVar[tuple[str, ...]] = ()
    """Further generated passwords the engine needs (system users), stored in the same Secret."""
    PLATFORM_TLS: ClassVar[bool] = False
    """True when the operator expects the platform to provide the serving certificate."""
    NODES: ClassVar[NodeClass] = DATABASES
    """Every pod an instance owns (data pods, helpers, backup services, Jobs) runs on the database nodes."""
    """The node class every pod of the instance runs on; engine modules map it to their CR's fields."""
    PRIORITY_CLASS: ClassVar[str] = DATABASE.name
    """The PoP baseline's PriorityClass for database pods; engine modules map it where their CRD has a field."""

    instance_name: str
    namespace: str
    sizing: Sizing
    connection: ConnectionInfo
    credentials: k8s.core.v1.Secret
    instance: CustomResource
    """The engine's main custom resource (the database itself)."""
    custom_resources: list[CustomResource]

    def __init__(self, name: str, args: InstanceArgs, opts: pulumi.ResourceOptions | None = None):
        if args.service.engine is not self.ENGINE:
            raise ValueError(f"{type(self).__name__} cannot run a {args.service.engine.value} service")
        super().__init__(f"dbaas:engines:{type(self).__name__}", name, None, opts)
        self.logical_name = name
        """Prefix of the children's logical names: `<tenant>.<service>.<role>` (declarations/naming.py)."""
        self.args = args
        self.service = args.service
        self.spec = args.spec
        self.instance_name = args.instance_name
        self.namespace = args.namespace
        self.sizing = Sizing.of(args.plan, args.service, args.placement.storage_class)
        self.connection = connection_info(args.namespace, args.service)
        self.labels = {
            **args.labels,
            "app.kubernetes.io/instance": self.instance_name,
            "dbaas.io/service": self.service.name,
            "dbaas.io/engine": self.ENGINE.value,
        }
        self.child = pulumi.ResourceOptions(parent=self)
        self.data_opts = stateful(self.child, args.keep_protected)
        self.custom_resources = []

        self.admin_password = self._password("admin")
        self.passwords = {user: self._password(user) for user in self.EXTRA_PASSWORDS}
        self.credentials = k8s.core.v1.Secret(
            f"{self.logical_name}.credentials",
            metadata={"name": credentials_secret_name(self.instance_name), "namespace": self.namespace, "labels": self.labels},
            type="Opaque",
            string_data={
                USERNAME_KEY: ADMIN_USERS[self.ENGINE],
                PASSWORD_KEY: self.admin_password,
                **self.engine_credentials(),
            },
            opts=self.data_opts,
        )
        if self.PLATFORM_TLS:
            self.certificate = create_certificate(
                self.logical_name, self.instance_name, self.namespace, self.tls_secret, self.tls_dns_names(),
                self.labels, self.child,
            )
        create_instance_policies(
            self.logical_name, self.instance_name, self.namespace, self.labels, self.pod_selector(),
            self.spec.namespaces, self.service.cdc, args.placement.kafka_namespace, self.spec.client_port,
            self.child,
        )
        self.instance = self.build()
        for backup in self.on_demand_backups():
            self.backup_now(backup)
        if self.service.restore_from is not None:
            self.restore(self.service.restore_from)
        self.register_outputs(
            {"instance": self.instance_name, "namespace": self.namespace, "host": self.connection.host,
             "port": self.connection.port, "credentialsSecret": self.connection.credentials_secret}
        )

    # --- what engine modules implement -------------------------------------------------------

    @abstractmethod
    def build(self) -> CustomResource:
        """Create the engine's custom resources; return the main one."""

    @abstractmethod
    def backup_now(self, name: str) -> None:
        """Take one on-demand backup, named `name` (see `on_demand_backups`), once."""

    def restore(self, source: RestoreFrom) -> None:
        """Restore this new instance from `source`'s backups (what each engine can do: RESTORE_WAYS).

        Engines that can restore override this (all six do today). An engine whose RESTORE_WAYS entry says it
        cannot has `restore_from` refused by the tenant model with a located error before any plan runs, so
        reaching here means a caller skipped validation."""
        raise ValueError(f"restore_from: {self.service.engine.value} cannot restore into a new service: "
                         f"{RESTORE_WAYS[self.service.engine].missing}")

    @abstractmethod
    def pod_selector(self) -> dict:
        """Label selector of the instance's pods, as the operator labels them."""

    def engine_credentials(self) -> dict[str, pulumi.Input[str]]:
        """Engine-specific keys of the credentials Secret, beyond `username` and `password`."""
        return {}

    @classmethod
    def monitor_selector(cls, instance_name: str) -> dict[str, str]:
        """`matchLabels` of the tenant monitor: labels every metrics-serving pod of the instance carries.

        The default is INSTANCE_LABEL, which `pod_labels()` puts on the pods through the operator's
        pod-label field. An engine whose operator will not take that label overrides this with the
        label the operator itself puts on the pods.
        """
        return {INSTANCE_LABEL: instance_name}

    def pod_labels(self) -> dict[str, str]:
        """Labels the instance's pods must carry; each engine module passes them to its operator's field."""
        identity = {key: self.labels[key] for key in POD_LABEL_KEYS if key in self.labels}
        return {INSTANCE_LABEL: self.instance_name, **identity}

    def priority_fields(self) -> dict[str, str]:
        """`{"priorityClassName": ...}`, for operator fields (and PodSpecs) that take a PriorityClass name."""
        return {"priorityClassName": self.PRIORITY_CLASS}

    # --- helpers for engine modules ----------------------------------------------------------

    def on_demand_backups(self) -> list[str]:
        """One-shot backups of this deploy: `final` for a decommission, `op-<id>` per backup operation. Each
        becomes one object named after it, so it runs once; `op-` keeps ids from colliding with `final`."""
        names = [FINAL_BACKUP] if self.service.decommission is not None and self.service.decommission.final_backup else []
        return names + [f"op-{op.id}" for op in self.service.operations if op.action == "backup"]

    def restart_id(self) -> str | None:
        """The id of the last `restart` entry: the marker the operator rolls the pods on, or None."""
        ids = [op.id for op in self.service.operations if op.action == "restart"]
        return ids[-1] if ids else None

    def restart_annotations(self, field: str = "annotations") -> dict[str, dict[str, str]]:
        """`{field: {RESTART_ANNOTATION: <id>}}` for an operator's pod-annotation field, or {} with no restart entry.
        The platform writes nothing else into that field, so `restart_kept` may hold the whole map."""
        restart = self.restart_id()
        return {field: {RESTART_ANNOTATION: restart}} if restart else {}

    def restart_kept(self, path: str) -> list[str]:
        """`ignore_changes` for the main resource: with no restart entry, keep the marker at `path` as deployed.

        The operators roll the pods on any change of the marker, its removal too, so dropping the entry (the next
        change does) would restart again. Pulumi's engine resets an ignored property to its old input, and deletes it
        when the old inputs lack it (pulumi pkg/resource/deploy/step_generator.go processIgnoreChanges,
        sdk/go/common/resource/properties_path.go Reset): the last restart id stays until a new restart replaces it,
        and an instance never restarted keeps none. With a restart entry the marker is applied, so it rolls once."""
        return [] if self.restart_id() else [path]

    def source_instance(self, source: RestoreFrom) -> str:
        """The instance name of the service restored from (same tenant, same engine)."""
        return service_instance(source.service, self.ENGINE.value)

    def source_prefix(self, source: RestoreFrom) -> str:
        """Where the source's backups are in the (shared) tenant bucket: `<engine>/<service>`."""
        return f"{self.ENGINE.value}/{source.service}"

    def one_shot(self, suffix: str, api_version: str, kind: str, name: str, spec: dict, condition: str,
                 depends_on: Sequence[pulumi.Resource] = ()) -> CustomResource:
        """A backup or restore object: awaited (`condition`), and retained when its entry leaves the declaration, so
        removing an operation or a restored service's marker never asks the operator to delete a backup."""
        return self.custom_resource(suffix, api_version, kind, name, spec, depends_on=depends_on,
                                    annotations=self.awaited(condition), retain=True)

    @staticmethod
    def awaited(*conditions: str, timeout_seconds: int = ONE_SHOT_DEADLINE_SECONDS) -> dict[str, str]:
        """Annotations that make pulumi-kubernetes wait for `conditions` (or, for a Job, its completion)."""
        annotations = {TIMEOUT_SECONDS: str(timeout_seconds)}
        if len(conditions) == 1:
            annotations[WAIT_FOR] = conditions[0]
        elif conditions:
            annotations[WAIT_FOR] = json.dumps(list(conditions))
        return annotations

    @property
    def tls_secret(self) -> str:
        return tls_secret_name(self.ENGINE, self.instance_name)

    @property
    def credentials_secret(self) -> str:
        return credentials_secret_name(self.instance_name)

    @property
    def image(self) -> str:
        return self.spec.images[self.service.version]

    def tls_dns_names(self) -> list[str]:
        svc = client_service_name(self.ENGINE, self.instance_name)
        return [self.instance_name, svc, f"{svc}.{self.namespace}.svc", f"{svc}.{self.namespace}.svc.cluster.local"]

    def _password(self, name: str) -> pulumi.Output[str]:
        password = random.RandomPassword(
            f"{self.logical_name}.{name}-password", length=PASSWORD_LENGTH, special=False, opts=self.data_opts,
        )
        return pulumi.Output.secret(password.result)

    def custom_resource(
        self, suffix: str, api_version: str, kind: str, name: str, spec: dict, *, holds_data: bool = False,
        depends_on: Sequence[pulumi.Resource] = (), annotations: dict[str, pulumi.Input[str]] | None = None, retain: bool = False,
        ignore_changes: Sequence[str] = (),
    ) -> CustomResource:
        opts = self.data_opts if holds_data else self.child
        if ignore_changes:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(ignore_changes=list(ignore_changes)))
        if retain:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True))
        if depends_on:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=list(depends_on)))
        metadata = {"name": name, "namespace": self.namespace, "labels": self.labels}
        if annotations:
            metadata["annotations"] = annotations
        resource = CustomResource(
            f"{self.logical_name}.{suffix}",
            api_version=api_version,
            kind=kind,
            metadata=metadata,
            spec=spec,
            opts=opts,
        )
        self.custom_resources.append(resource)
        return resource

    def one_off_job(self, purpose: str, image: str, command: list[str], env: list[dict], uid: int,
                    before_instance: bool = False, *, retain: bool = False,
                    elsewhere: "JobPlacement | None" = None) -> k8s.batch.v1.Job:
        """A one-off Job (backup, restore copy, credential bootstrap) where the operator has no resource for it.

        The instance's CA is mounted at /tls/ca.crt so the Job verifies the server it talks to. The Job runs
        after the instance, or, with `before_instance`, before it (the instance then depends on the Job). With
        `retain` (restores) it stays when its entry leaves the declaration, like the other one-shot objects.
        `elsewhere` runs it outside the tenant namespace (a platform namespace, its own ServiceAccount, no CA).
        """
        namespace = elsewhere.namespace if elsewhere else self.namespace
        name = elsewhere.name if elsewhere else f"{self.instance_name}-{purpose}"
        container: dict = {
            "name": purpose,
            "image": image,
            "command": command,
            "env": env,
            "resources": self.sizing.helper_resources,
            "securityContext": restricted_container(uid),
        }
        pod: dict = {
            "restartPolicy": "Never",
            "serviceAccountName": elsewhere.service_account if elsewhere else self.args.service_account,
            "automountServiceAccountToken": False,
            "securityContext": restricted_pod(uid),
            **self.NODES.pod_fields(),
            **self.priority_fields(),
            "containers": [container],
        }
        if elsewhere is None:
            container["volumeMounts"] = [{"name": "tls", "mountPath": "/tls", "readOnly": True}]
            pod["volumes"] = [{"name": "tls", **self.ca_volume_source()}]
        opts = self.child if before_instance else pulumi.ResourceOptions.merge(
            self.child, pulumi.ResourceOptions(depends_on=[self.instance]))
        if retain:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True))
        if elsewhere is not None and elsewhere.depends_on:
            opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=list(elsewhere.depends_on)))
        return k8s.batch.v1.Job(
            f"{self.logical_name}.{purpose}",
            metadata={"name": name, "namespace": namespace, "labels": self.labels, "annotations": self.awaited()},
            spec={
                "backoffLimit": 3,
                "activeDeadlineSeconds": ONE_SHOT_DEADLINE_SECONDS,
                "template": {"metadata": {"labels": self.labels}, "spec": pod},
            },
            opts=opts,
        )

    def ca_volume_source(self) -> dict:
        """The volume source that puts the instance's CA at `ca.crt` for one-off Jobs: the `ca.crt` key of its TLS
        Secret. An operator that publishes its CA elsewhere (Scylla: a ConfigMap) overrides this."""
        return {"secret": {"secretName": self.tls_secret, "items": [{"key": "ca.crt", "path": "ca.crt"}]}}

    def backup_copy_job(self, script: str, uid: int) -> k8s.batch.v1.Job:
        """The restore copy Job `<instance>-restore` (components/engines/backup_copy.py): aws-cli as the tenant
        ServiceAccount, before the instance starts (the instance depends on it), retained like every restore."""
        return self.one_off_job("restore", AWS_CLI_IMAGE, ["sh", "-c", script],
                                [{"name": "BUCKET", "value": self.args.bucket}, {"name": "HOME", "value": "/tmp"}],
                                uid, before_instance=True, retain=True)

    def secret_env(self, name: str, key: str) -> dict:
        return {"name": name, "valueFrom": {"secretKeyRef": {"name": self.credentials_secret, "key": key}}}
