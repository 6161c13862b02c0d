"""Verdicts for every actor and operation in a plan, with their hops (iam, network, tls, credentials, image),
and the cross-tenant paths that must be denied."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from declarations.datapaths import ACTORS
from declarations.datapaths.model import Actor, BucketOperation, Connection, Identity
from tools.datapaths import iam
from tools.datapaths.network import AWS_ENDPOINT, Peer, admitted
from tools.datapaths.plan_view import Obj, PlanView, first, get_path

IRSA = "eks.amazonaws.com/role-arn"


@dataclass
class Hop:
    kind: str
    allowed: bool
    why: str

    def as_json(self) -> dict:
        return {"kind": self.kind, "allowed": self.allowed, "why": self.why}


@dataclass
class DataPath:
    tenant: str
    service: str
    engine: str
    actor: str
    operation: str
    target: str
    required: bool
    hops: list[Hop] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return all(h.allowed for h in self.hops)

    @property
    def broken(self) -> bool:
        return self.required and not self.allowed

    @property
    def leak(self) -> bool:
        return not self.required and self.allowed

    def failing(self) -> Hop | None:
        return next((h for h in self.hops if not h.allowed), None)

    def as_json(self) -> dict:
        return {"tenant": self.tenant, "service": self.service, "engine": self.engine, "actor": self.actor,
                "operation": self.operation, "target": self.target, "required": self.required,
                "allowed": self.allowed, "hops": [h.as_json() for h in self.hops]}


@dataclass(frozen=True)
class Principal:
    """The role an actor ends up with, or why it has none."""

    role_arn: str | None
    why: str


def _account(arn: str) -> str:
    return arn.split(":")[4]


class Evaluator:
    def __init__(self, view: PlanView, project_dir: Path):
        self.view = view
        self.project_dir = project_dir

    # --- where an actor runs and as whom -------------------------------------------------------------------
    def _namespace(self, actor: Actor, obj: Obj) -> str:
        return obj.metadata.get("namespace", "") if actor.namespace == "tenant" else actor.namespace

    def _labels(self, labels: dict[str, str], obj: Obj) -> dict[str, str]:
        return {k: v.format(name=obj.metadata.get("name", "")) for k, v in labels.items()}

    def _release(self, name: str) -> Obj | None:
        return next((o for o in self.view.of_type("kubernetes:helm.sh/v3:Release") if o.inputs.get("name") == name), None)

    def _operator_flag(self, actor: Actor, flag: str) -> str | None:
        directory = next((o.inputs.get("directory") for o in self.view.of_type("kubernetes:kustomize/v2:Directory")
                          if actor.engine in str(o.inputs.get("directory"))), None)
        if not directory:
            return None
        pattern = re.compile(rf"--{re.escape(flag)}[= ]([A-Za-z0-9.-]+)")
        for path in sorted((self.project_dir / directory).rglob("*.yaml")):
            if found := pattern.search(path.read_text(encoding="utf-8")):
                return found.group(1)
        return None

    def service_account(self, actor: Actor, obj: Obj) -> tuple[str, str, dict]:
        """(namespace, name, annotations) of the ServiceAccount the actor's pod runs as."""
        rule, namespace = actor.service_account, self._namespace(actor, obj)
        if rule.kind == "field":
            name = first(obj.inputs, rule.path) or rule.default
        elif rule.kind == "template":
            name = rule.template.format(name=obj.metadata.get("name", ""))
        elif rule.kind == "operator_flag":
            name = self._operator_flag(actor, rule.flag) or rule.default
        else:  # release
            release = self._release(rule.release)
            name = (first(release.inputs.get("values", {}), rule.path) if release else None) or rule.default
        annotations: dict = {}
        if rule.annotations_from == "object":
            sa = self.view.k8s("ServiceAccount", namespace, name)
            annotations = (sa.metadata.get("annotations") or {}) if sa else {}
        elif rule.annotations_from == "cr_annotations":
            annotations = obj.metadata.get("annotations") or {}
        elif rule.annotations_from == "cr_field":
            annotations = first(obj.inputs, rule.annotations_path) or {}
        elif rule.annotations_from == "release_values":
            release = self._release(rule.release)
            annotations = (first(release.inputs.get("values", {}), rule.annotations_path) if release else None) or {}
        elif rule.annotations_from == "connect_template":
            connect = next(iter(self.view.of_type("kubernetes:kafka.strimzi.io/v1beta2:KafkaConnect")), None)
            annotations = (first(connect.inputs, "spec.template.serviceAccount.metadata.annotations") if connect else None) or {}
        return namespace, name, annotations

    def irsa_role(self, namespace: str, sa: str, annotations: dict) -> Principal:
        role_arn = annotations.get(IRSA)
        if not role_arn:
            return Principal(None, f"ServiceAccount {namespace}/{sa} has no {IRSA} annotation")
        role = self.view.roles.get(role_arn.rsplit("/", 1)[-1])
        if role is None:
            return Principal(None, f"role {role_arn} (annotation of {namespace}/{sa}) is not in the plan")
        oidc = self.view.oidc
        if oidc is None:
            return Principal(None, "no OIDC provider in the plan")
        issuer = oidc[0]
        provider = f"arn:aws:iam::{_account(role_arn)}:oidc-provider/{issuer}"
        subject = f"system:serviceaccount:{namespace}:{sa}"
        if not iam.web_identity_trusted(role.inputs.get("assumeRolePolicy", "{}"), provider, issuer, subject):
            return Principal(None, f"role {role.inputs.get('name')} does not trust {subject} via {issuer}")
        return Principal(role_arn, f"{namespace}/{sa} -> {role.inputs.get('name')}")

    def principal(self, actor: Actor, obj: Obj) -> Principal:
        namespace, sa, annotations = self.service_account(actor, obj)
        if actor.identity is Identity.none:
            return Principal(None, f"{namespace}/{sa}: no cloud identity" + (f" ({actor.no_identity_why})" if actor.no_identity_why else ""))
        platform = self.irsa_role(namespace, sa, annotations)
        if actor.identity is Identity.irsa or platform.role_arn is None:
            return platform
        target = first(obj.inputs, "spec.config.sts\\.role\\.arn")
        external_id = first(obj.inputs, "spec.config.sts\\.role\\.external\\.id")
        role = self.view.roles.get(str(target).rsplit("/", 1)[-1])
        if role is None:
            return Principal(None, f"tenant role {target} is not in the plan")
        context = (("sts:ExternalId", str(external_id)),)
        if not iam.allowed(platform.role_arn, self.view.role_policies.get(platform.role_arn.rsplit("/", 1)[-1], ()),
                           "sts:AssumeRole", target, context, role.inputs.get("assumeRolePolicy"), _account(target)):
            return Principal(None, f"{platform.role_arn.rsplit('/', 1)[-1]} may not assume {role.inputs.get('name')} "
                                   f"with external id {external_id}")
        return Principal(target, f"{platform.why} -> sts:AssumeRole {role.inputs.get('name')} (external id {external_id})")

    def _account_id(self) -> str:
        for role in self.view.of_type("aws:iam/role:Role"):
            if found := re.search(r"arn:aws:iam::([0-9]{12}):", role.inputs.get("assumeRolePolicy", "")):
                return found.group(1)
        return "000000000000"

    # --- hops -------------------------------------------------------------------------------------------------
    def bucket_iam(self, principal: Principal, bucket: str, operation: BucketOperation, sse: tuple[str | None, str | None],
                   prefix: str = "") -> Hop:
        if principal.role_arn is None:
            return Hop("iam", False, principal.why)
        role_name = principal.role_arn.rsplit("/", 1)[-1]
        policies = self.view.role_policies.get(role_name, ())
        owner = _account(principal.role_arn)
        bucket_policy = self.view.bucket_policies.get(bucket)
        algorithm, key_header = sse
        for action in operation.s3_actions:
            resource = f"arn:aws:s3:::{bucket}" if action in ("s3:ListBucket", "s3:GetBucketLocation") else \
                f"arn:aws:s3:::{bucket}/{prefix or 'x'}/object"
            context = [("aws:SecureTransport", "true")]
            if action == "s3:PutObject":
                if algorithm:
                    context.append(("s3:x-amz-server-side-encryption", algorithm))
                if key_header:
                    context.append(("s3:x-amz-server-side-encryption-aws-kms-key-id", key_header))
            if not iam.allowed(principal.role_arn, policies, action, resource, tuple(context), bucket_policy, owner):
                return Hop("iam", False, f"{role_name}: {action} on {resource} denied "
                                         f"(identity policy, bucket policy{' with ' + ', '.join(k + '=' + v for k, v in context[1:]) if len(context) > 1 else ''})")
        key_arn = self.view.bucket_keys.get(bucket)
        if key_arn and operation.kms_actions:
            key_policy = self.view.key_policies.get(key_arn.rsplit("/", 1)[-1])
            region = key_arn.split(":")[3]
            context = (("kms:CallerAccount", owner), ("kms:ViaService", f"s3.{region}.amazonaws.com"))
            for action in operation.kms_actions:
                if not iam.allowed(principal.role_arn, policies, action, key_arn, context, key_policy, owner):
                    return Hop("iam", False, f"{role_name}: {action} on {key_arn} denied (identity policy, key policy)")
        return Hop("iam", True, f"{principal.why}: {', '.join(operation.s3_actions + operation.kms_actions)} allowed")

    def egress_to_aws(self, namespace: str, labels: dict[str, str]) -> Hop:
        ok, why = admitted(self.view.network_policies.get(namespace, []), "Egress", namespace, labels,
                           Peer(None, {}, AWS_ENDPOINT), 443, self.view.namespace_labels)
        return Hop("network", ok, f"egress to AWS HTTPS 443: {why}")

    def connection(self, namespace: str, labels: dict[str, str], conn: Connection, obj: Obj) -> Hop:
        dest_ns = obj.metadata.get("namespace", "") if conn.to_namespace == "tenant" else conn.to_namespace
        dest_labels = self._labels(conn.to_labels, obj)
        ok_out, why_out = admitted(self.view.network_policies.get(namespace, []), "Egress", namespace, labels,
                                   Peer(dest_ns, dest_labels), conn.port, self.view.namespace_labels)
        ok_in, why_in = admitted(self.view.network_policies.get(dest_ns, []), "Ingress", dest_ns, dest_labels,
                                 Peer(namespace, labels), conn.port, self.view.namespace_labels)
        return Hop("network", ok_out and ok_in, f"{namespace} -> {dest_ns}:{conn.port}: egress {why_out}; ingress {why_in}")

    def tls(self, conn: Connection, obj: Obj) -> Hop:
        client, listener = self._tls_fact(conn.client_tls, obj), self._tls_fact(conn.listener_tls, obj)
        if client == listener:
            return Hop("tls", True, f"client {'TLS' if client else 'plain TCP'} to a {'TLS' if listener else 'plain'} listener on {conn.port}")
        return Hop("tls", False, f"client speaks {'TLS' if client else 'plain TCP'} to a listener on {conn.port} that "
                                 f"{'requires TLS' if listener else 'is plain TCP'}")

    def _tls_fact(self, fact: bool | str, obj: Obj) -> bool:
        if isinstance(fact, bool):
            return fact
        if fact == "plan-aerospike-backup-tls":  # the backup service's cluster entry has a `tls` block
            backups = [o for o in self.view.of_type("kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackup")
                       if first(o.inputs, "spec.backupService.name") == obj.metadata.get("name")
                       and first(o.inputs, "spec.backupService.namespace") == obj.metadata.get("namespace")]
            return any(get_path(o.inputs, "spec.config.aerospike-cluster.*.tls") for o in backups)
        if fact == "plan-aerospike-listener-tls":  # the cluster's service has a tls-port and no plain port
            clusters = [o for o in self.view.of_type("kubernetes:asdb.aerospike.com/v1:AerospikeCluster")
                        if o.metadata.get("namespace") == obj.metadata.get("namespace")]
            return any(first(o.inputs, "spec.aerospikeConfig.network.service.tls-port") and
                       not first(o.inputs, "spec.aerospikeConfig.network.service.port") for o in clusters)
        return bool(first(obj.inputs, fact))

    def credentials(self, conn: Connection, obj: Obj) -> Hop | None:
        if not conn.credentials:
            return None
        if conn.credentials == "none":
            return Hop("credentials", False, conn.credentials_why)
        name = conn.credentials.removeprefix("secret:").format(name=obj.metadata.get("name", ""))
        namespace = obj.metadata.get("namespace")
        secret = self.view.k8s("Secret", namespace, name)
        return Hop("credentials", secret is not None,
                   f"Secret {namespace}/{name} {'exists' if secret else 'is not in the plan'}")

    def image(self, actor: Actor, obj: Obj) -> Hop | None:
        hops = []
        for binary in actor.binaries:
            image = binary.image_path.removeprefix("fixed:") if binary.image_path.startswith("fixed:") \
                else first(obj.inputs, binary.image_path)
            missing = image is None or any(fragment in str(image) for fragment in binary.images_without)
            hops.append(Hop("image", not missing, f"{binary.name} {'not ' if missing else ''}in {image}"
                            + (f" ({binary.source})" if missing and binary.source else "")))
        return next((h for h in hops if not h.allowed), hops[0] if hops else None)

    def sse(self, actor: Actor, obj: Obj, bucket: str) -> tuple[str | None, str | None]:
        enc = actor.encryption
        if enc is None:
            return None, None
        if enc.kind == "fixed":
            return enc.algorithm, self.view.bucket_keys.get(bucket) if enc.sends_key_id else None
        return (first(obj.inputs, enc.algorithm_path) if enc.algorithm_path else None,
                first(obj.inputs, enc.key_path) if enc.key_path else None)

    # --- paths ------------------------------------------------------------------------------------------------
    def instances(self, actor: Actor) -> list[Obj]:
        objs = self.view.of_type(actor.instance_type)
        if actor.engine == "kafka":  # the audit archive connectors only
            objs = [o for o in objs if first(o.inputs, "spec.class") == "io.confluent.connect.s3.S3SinkConnector"]
        return objs

    def actor_paths(self, actor: Actor, obj: Obj) -> list[DataPath]:
        tenant = obj.tenant or "(platform)"
        service = obj.metadata.get("labels", {}).get("dbaas.io/service") or obj.metadata.get("name", "")
        namespace = self._namespace(actor, obj)
        labels = self._labels(actor.pod_labels, obj)
        paths = []
        if actor.bucket_operations:
            if actor.bucket_from == "controlplane":
                bucket = str(first(obj.inputs, "spec.backup.barmanObjectStore.destinationPath") or "").removeprefix("s3://").split("/")[0]
            elif actor.engine == "kafka":
                bucket = first(obj.inputs, "spec.config.s3\\.bucket\\.name") or ""
            else:
                bucket = self.view.tenant_buckets.get(obj.tenant or "", "")
            principal = self.principal(actor, obj)
            sse = self.sse(actor, obj, bucket)
            network = self.egress_to_aws(namespace, labels)
            image = self.image(actor, obj)
            for operation in actor.bucket_operations:
                hops = [h for h in (image, network) if h] + [self.bucket_iam(principal, bucket, operation, sse)]
                paths.append(DataPath(tenant, service, actor.engine, actor.name, operation.name, f"s3://{bucket}",
                                      operation.required, hops))
        for conn in actor.connections:
            dest_ns = obj.metadata.get("namespace") if conn.to_namespace == "tenant" else conn.to_namespace
            dest = f"{dest_ns}/{obj.metadata.get('name')}:{conn.port}"
            hops = [self.connection(namespace, labels, conn, obj), self.tls(conn, obj)]
            if (cred := self.credentials(conn, obj)) is not None:
                hops.append(cred)
            paths.append(DataPath(tenant, service, actor.engine, actor.name, conn.name, dest, True, hops))
        return paths

    def cross_tenant_paths(self, principals: dict[str, set[str]]) -> list[DataPath]:
        """Every tenant role an actor of tenant A ends up with, against every other tenant's bucket and key."""
        probes = (BucketOperation("list other tenant's bucket", ("s3:ListBucket",), ()),
                  BucketOperation("read other tenant's bucket", ("s3:GetObject",), ("kms:Decrypt",)),
                  BucketOperation("write other tenant's bucket", ("s3:PutObject",), ("kms:GenerateDataKey",)))
        paths = []
        for tenant, roles in sorted(principals.items()):
            for other, bucket in sorted(self.view.tenant_buckets.items()):
                if other == tenant:
                    continue
                key = self.view.bucket_keys.get(bucket)
                for role_arn in sorted(roles):
                    for probe in probes:
                        sse = ("aws:kms", key)
                        hop = self.bucket_iam(Principal(role_arn, role_arn.rsplit("/", 1)[-1]), bucket, probe, sse)
                        if not hop.allowed:
                            hop = Hop("iam", False, hop.why)
                        paths.append(DataPath(tenant, "-", "-", f"role {role_arn.rsplit('/', 1)[-1]}", probe.name,
                                              f"s3://{bucket} ({other})", False, [hop]))
        return paths

    def cross_tenant_network(self) -> list[DataPath]:
        """Pods of one tenant's namespace against every other tenant's database ports."""
        from declarations.engine_catalog import ENGINE_SPECS, EngineName
        services = []
        for obj in self.view.objects:
            labels = obj.metadata.get("labels") or {}
            engine = labels.get("dbaas.io/engine")
            if obj.tenant and engine in EngineName.__members__ and labels.get("app.kubernetes.io/instance") == obj.metadata.get("name") \
                    and obj.type.split(":")[1].split("/")[0] not in ("core", "cert-manager.io", "monitoring.coreos.com") \
                    and "Backup" not in obj.type and "StorageConfig" not in obj.type:
                services.append((obj, ENGINE_SPECS[EngineName(engine)].client_port))
        tenants = {o.tenant: o.metadata.get("namespace") for o, _ in services}
        paths = []
        for tenant, namespace in sorted(tenants.items()):
            for obj, port in services:
                if obj.tenant == tenant:
                    continue
                dest_ns = obj.metadata.get("namespace")
                dest_labels = {"app.kubernetes.io/instance": obj.metadata.get("name"), **(obj.metadata.get("labels") or {})}
                source_labels = {"dbaas.io/tenant": tenant}
                ok_out, why_out = admitted(self.view.network_policies.get(namespace, []), "Egress", namespace, source_labels,
                                           Peer(dest_ns, dest_labels), port, self.view.namespace_labels)
                ok_in, why_in = admitted(self.view.network_policies.get(dest_ns, []), "Ingress", dest_ns, dest_labels,
                                         Peer(namespace, source_labels), port, self.view.namespace_labels)
                paths.append(DataPath(tenant, "-", "-", f"any pod in {namespace}", "connect to other tenant's database",
                                      f"{dest_ns}/{obj.metadata.get('name')}:{port} ({obj.tenant})", False,
                                      [Hop("network", ok_out and ok_in, f"egress {why_out}; ingress {why_in}")]))
        return paths

    def run(self) -> list[DataPath]:
        paths: list[DataPath] = []
        principals: dict[str, set[str]] = {}
        for role in self.view.of_type("aws:iam/role:Role"):  # each tenant's own role, held or not
            if role.tenant and role.inputs.get("name"):
                principals.setdefault(role.tenant, set()).add(
                    f"arn:aws:iam::{self._account_id()}:role/{role.inputs['name']}")
        for actor in ACTORS:
            for obj in self.instances(actor):
                paths.extend(self.actor_paths(actor, obj))
                if obj.tenant and actor.identity is not Identity.none:
                    principal = self.principal(actor, obj)
                    if principal.role_arn:
                        principals.setdefault(obj.tenant, set()).add(principal.role_arn)
        paths.extend(self.cross_tenant_paths(principals))
        paths.extend(self.cross_tenant_network())
        return paths
