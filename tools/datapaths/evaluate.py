"""Verdicts for every actor and operation in a plan, with their hops (iam, network, tls, credentials, image),
and the cross-tenant paths that must be denied."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from declarations.datapaths import ACTORS
from declarations.datapaths.model import Actor, BucketOperation, Connection, Encryption, Identity
from tools.datapaths import iam
from tools.datapaths.network import AWS_ENDPOINT, Peer, Reachability
from tools.datapaths.plan_view import Obj, PlanView, first, get_path

IRSA = "eks.amazonaws.com/role-arn"
REACH_OTHER = "reach other tenant's data"


@dataclass(slots=True)
class Hop:
    kind: str
    allowed: bool
    why: str

    def as_json(self) -> dict:
        return {"kind": self.kind, "allowed": self.allowed, "why": self.why}


@dataclass(slots=True)
class DataPath:
    tenant: str
    service: str
    engine: str
    actor: str
    operation: str
    target: str
    required: bool
    hops: tuple[Hop, ...] | list[Hop] = ()

    @property
    def allowed(self) -> bool:
        """A required path works when every hop does; a forbidden (cross-tenant) path is reached when any of its
        hops, each one way in (a bucket probe, a database port), is open."""
        return all(h.allowed for h in self.hops) if self.required else any(h.allowed for h in self.hops)

    @property
    def broken(self) -> bool:
        return self.required and not self.allowed

    @property
    def leak(self) -> bool:
        return not self.required and self.allowed

    def failing(self) -> Hop | None:
        """The hop to show: the first closed one of a broken path, the first open one of a leak."""
        return next((h for h in self.hops if h.allowed != self.required), None)

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


def flag_value(args: list[str], flag: str) -> str | None:
    """The value of `flag` in a command line (`--flag=value` or `--flag value`), the last one winning as argparse's
    store action does; None when absent."""
    found = None
    for index, arg in enumerate(args):
        if arg.startswith(f"{flag}="):
            found = arg.split("=", 1)[1]
        elif arg == flag and index + 1 < len(args):
            found = args[index + 1]
    return found


class Evaluator:
    def __init__(self, view: PlanView, project_dir: Path):
        self.view = view
        self.project_dir = project_dir
        self.net = Reachability(view.network_policies, view.namespace_labels)

    # --- where an actor runs and as whom -------------------------------------------------------------------
    def _namespace(self, actor: Actor, obj: Obj) -> str:
        return obj.metadata.get("namespace", "") if actor.namespace == "tenant" else actor.namespace

    def _labels(self, labels: dict[str, str], obj: Obj) -> dict[str, str]:
        return {k: v.format(name=obj.metadata.get("name", "")) for k, v in labels.items()}

    def _release(self, name: str) -> Obj | None:
        return next((o for o in self.view.of_type("kubernetes:helm.sh/v3:Release") if o.inputs.get("name") == name), None)

    def _operator_flag(self, actor: Actor, flag: str) -> str | None:
        """The flag's value on the operator's Deployment in the plan (each object of a vendored install is a
        resource of the platform stack: components/vendored_objects.py)."""
        namespace = actor.service_account.operator_namespace
        for deployment in self.view.of_type("kubernetes:apps/v1:Deployment"):
            if namespace and deployment.metadata.get("namespace") != namespace:
                continue
            for container in get_path(deployment.inputs, "spec.template.spec.containers[]"):
                args = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
                if (found := flag_value(args, f"--{flag}")) is not None:
                    return found
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
            name = (first(release.inputs.get("values", {}), rule.path) if release and rule.path else None) or rule.default
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
        injector = self.view.pod_identity
        if injector is None:
            return Principal(None, f"no pod identity webhook in the plan: on an adopted (non-EKS) cluster nothing gives "
                                   f"{namespace}/{sa}'s pods the web identity of {role_arn.rsplit('/', 1)[-1]} "
                                   "(aws/amazon-eks-pod-identity-webhook injects AWS_ROLE_ARN and the token)")
        if namespace in injector[1]:
            return Principal(None, f"the pod identity webhook skips namespace {namespace} (its namespaceSelector), so "
                                   f"{sa}'s pods get no web identity")
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

    @cached_property
    def bucket_account(self) -> str:
        return self._account_id()

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
        key = f"{prefix}/{operation.object_name}" if prefix else f"x/{operation.object_name}"
        list_prefix = operation.list_prefix.format(prefix=prefix, object=key) if prefix else ""
        for action in operation.s3_actions:
            resource = f"arn:aws:s3:::{bucket}" if action in ("s3:ListBucket", "s3:GetBucketLocation") else \
                f"arn:aws:s3:::{bucket}/{key}"
            # S3 sets s3:ResourceAccount on every request (the operator roles are scoped with it): the bucket's
            # owner, the account the plan's roles and buckets live in.
            context = [("aws:SecureTransport", "true"), ("s3:ResourceAccount", self.bucket_account)]
            if action == "s3:ListBucket" and list_prefix.strip("/"):
                context.append(("s3:prefix", list_prefix))
            if action == "s3:PutObject":
                if algorithm:
                    context.append(("s3:x-amz-server-side-encryption", algorithm))
                if key_header:
                    context.append(("s3:x-amz-server-side-encryption-aws-kms-key-id", key_header))
            if not iam.allowed(principal.role_arn, policies, action, resource, tuple(context), bucket_policy, owner):
                return Hop("iam", False, f"{role_name}: {action} on {resource} denied "
                                         f"(identity policy, bucket policy{' with ' + ', '.join(k + '=' + v for k, v in context[2:]) if len(context) > 2 else ''})")
        key_arn = self.view.bucket_keys.get(bucket)
        if key_arn and operation.kms_actions:
            key_policy = self.view.key_policies.get(key_arn.rsplit("/", 1)[-1])
            region = key_arn.split(":")[3]
            context = (("kms:CallerAccount", owner), ("kms:ViaService", f"s3.{region}.amazonaws.com"))
            for action in operation.kms_actions:
                if not iam.allowed(principal.role_arn, policies, action, key_arn, context, key_policy, owner):
                    return Hop("iam", False, f"{role_name}: {action} on {key_arn} denied (identity policy, key policy)")
        where = (f" on {key}" + (f" (list prefix {list_prefix})" if "s3:ListBucket" in operation.s3_actions and list_prefix
                                 else "")) if prefix else ""
        return Hop("iam", True, f"{principal.why}: {', '.join(operation.s3_actions + operation.kms_actions)} allowed{where}")

    def egress_to_aws(self, namespace: str, labels: dict[str, str]) -> Hop:
        ok, why = self.net.admitted("Egress", namespace, labels, Peer(None, {}, AWS_ENDPOINT), 443)
        return Hop("network", ok, f"egress to AWS HTTPS 443: {why}")

    def connection(self, namespace: str, labels: dict[str, str], conn: Connection, obj: Obj) -> Hop:
        dest_ns = obj.metadata.get("namespace", "") if conn.to_namespace == "tenant" else conn.to_namespace
        dest_labels = self._labels(conn.to_labels, obj)
        ok_out, why_out = self.net.admitted("Egress", namespace, labels, Peer(dest_ns, dest_labels), conn.port)
        ok_in, why_in = self.net.admitted("Ingress", dest_ns, dest_labels, Peer(namespace, labels), conn.port)
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
        if fact == "plan-aerospike-backup-tls":
            # Every cluster entry the backup service connects with has a `tls` block: the AerospikeBackups' clusters
            # (backup routines) and the AerospikeRestores' `destination` (a named restore runs through the restored
            # instance's own service, which may have no AerospikeBackup at all).
            mine = [o for type_ in ("AerospikeBackup", "AerospikeRestore")
                    for o in self.view.of_type(f"kubernetes:asdb.aerospike.com/v1beta1:{type_}")
                    if first(o.inputs, "spec.backupService.name") == obj.metadata.get("name")
                    and first(o.inputs, "spec.backupService.namespace") == obj.metadata.get("namespace")]
            entries = [e for o in mine for e in (get_path(o.inputs, "spec.config.aerospike-cluster.*")
                                                  + get_path(o.inputs, "spec.config.destination"))]
            return bool(entries) and all(isinstance(e, dict) and e.get("tls") for e in entries)
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
        namespace = obj.metadata.get("namespace")
        if conn.credentials.startswith("registered-by-job:"):
            return self.registered_by_job(conn.credentials.removeprefix("registered-by-job:"), obj)
        if conn.credentials.startswith("plan:"):
            names = [str(n) for n in get_path(obj.inputs, conn.credentials.removeprefix("plan:"))]
            if not names:
                return Hop("credentials", False, f"no Secret named at {conn.credentials.removeprefix('plan:')}")
        else:
            names = [conn.credentials.removeprefix("secret:").format(name=obj.metadata.get("name", ""))]
        missing = [n for n in names if self.view.k8s("Secret", namespace, n) is None and not self.issued(namespace, n)]
        if missing:
            return Hop("credentials", False, f"Secret {', '.join(f'{namespace}/{n}' for n in missing)} not in the plan")
        issued = [n for n in names if self.view.k8s("Secret", namespace, n) is None]
        return Hop("credentials", True, f"Secret {', '.join(f'{namespace}/{n}' for n in names)} in the plan"
                   + (f" ({', '.join(issued)}: written by a cert-manager Certificate)" if issued else ""))

    def issued(self, namespace: str, secret: str) -> bool:
        """A Secret cert-manager writes: a Certificate of the plan in that namespace with that `spec.secretName`
        (cert-manager v1 Certificate API: the controller creates and owns the Secret)."""
        return any(c.metadata.get("namespace") == namespace and first(c.inputs, "spec.secretName") == secret
                   for c in self.view.of_type("kubernetes:cert-manager.io/v1:Certificate"))

    def registered_by_job(self, rule: str, obj: Obj) -> Hop:
        """Credentials a Job registers with the client (Scylla Manager's CQL credentials: `sctool cluster update
        --username --password`, components/engines/scylla.py MANAGER_CQL_SCRIPT): the Job in `namespace` whose
        container env `<env>` names this object, and every Secret its env reads, with the keys it reads."""
        job_namespace, _, match = rule.partition(":")
        env_name, _, template = match.partition("=")
        wanted = template.format(namespace=obj.metadata.get("namespace", ""), name=obj.metadata.get("name", ""))
        for job in self.view.of_type("kubernetes:batch/v1:Job"):
            if job.metadata.get("namespace") != job_namespace:
                continue
            for container in get_path(job.inputs, "spec.template.spec.containers[]"):
                env = container.get("env") or []
                if not any(e.get("name") == env_name and e.get("value") == wanted for e in env):
                    continue
                refs = [(e["name"], e["valueFrom"]["secretKeyRef"]) for e in env
                        if (e.get("valueFrom") or {}).get("secretKeyRef")]
                where = f"Job {job_namespace}/{job.metadata.get('name')}"
                if not refs:
                    return Hop("credentials", False, f"{where} ({env_name}={wanted}) reads no Secret")
                missing = [f"{ref['name']}[{ref['key']}] ({var})" for var, ref in refs
                           if self.view.k8s("Secret", job_namespace, ref["name"]) is None]
                if missing:
                    return Hop("credentials", False, f"{where} reads {', '.join(missing)}, not in the plan")
                secrets = sorted({f"{job_namespace}/{ref['name']}" for _var, ref in refs})
                return Hop("credentials", True, f"{where} registers {', '.join(var for var, _ref in refs)} "
                                                f"from Secret {', '.join(secrets)}")
        return Hop("credentials", False, f"no Job in {job_namespace} registers credentials for {wanted} "
                                         f"(env {env_name}={wanted})")

    def image(self, actor: Actor, obj: Obj) -> Hop | None:
        hops = []
        for binary in actor.binaries:
            image = binary.image_path.removeprefix("fixed:") if binary.image_path.startswith("fixed:") \
                else first(obj.inputs, binary.image_path)
            missing = image is None or any(fragment in str(image) for fragment in binary.images_without)
            hops.append(Hop("image", not missing, f"{binary.name} {'not ' if missing else ''}in {image}"
                            + (f" ({binary.source})" if missing and binary.source else "")))
        return next((h for h in hops if not h.allowed), hops[0] if hops else None)

    def sse(self, enc: Encryption | None, obj: Obj, bucket: str) -> tuple[str | None, str | None]:
        if enc is None:
            return None, None
        if enc.kind == "fixed":
            return enc.algorithm, self.view.bucket_keys.get(bucket) if enc.sends_key_id else None
        key = first(obj.inputs, enc.key_path) if enc.key_path else None
        if enc.key_flag:
            key = flag_value([str(a) for a in get_path(obj.inputs, enc.key_path)], enc.key_flag)
        return (first(obj.inputs, enc.algorithm_path) if enc.algorithm_path else None, key)

    def key_prefix(self, actor: Actor, operation: BucketOperation, obj: Obj, engine: str, service: str) -> str:
        """The key prefix the actor's requests name for this operation (Actor.key_prefix)."""
        plan = ""
        if actor.key_prefix_path:
            value = str(first(obj.inputs, actor.key_prefix_path) or "")
            plan = value.split("://", 1)[1].partition("/")[2] if "://" in value else value
        template = operation.prefix or actor.key_prefix
        return template.format(engine=engine, service=service, name=obj.metadata.get("name", ""), plan=plan,
                               source="<source service>").strip("/")

    # --- paths ------------------------------------------------------------------------------------------------
    def instances(self, actor: Actor) -> list[Obj]:
        objs = self.view.of_type(actor.instance_type)
        path, prefix = actor.only_where
        if path:
            objs = [o for o in objs if any(str(v).startswith(prefix) for v in get_path(o.inputs, path))]
        return objs

    @cached_property
    def _restoring_services(self) -> set[tuple[str | None, str]]:
        """(tenant, service) of every restore object in the plan: a kind named *Restore* (PerconaServerMongoDBRestore,
        RestoreJob, AerospikeRestore) or a one-shot Job named *-restore (the copy Jobs, the sctool Job)."""
        found = set()
        for obj in self.view.objects:
            service = (obj.metadata.get("labels") or {}).get("dbaas.io/service")
            if service and ("Restore" in obj.type.rsplit(":", 1)[-1] or
                            (obj.type == "kubernetes:batch/v1:Job" and obj.metadata.get("name", "").endswith("-restore"))):
                found.add((obj.tenant, service))
        return found

    def restoring(self, obj: Obj) -> bool:
        return (obj.tenant, (obj.metadata.get("labels") or {}).get("dbaas.io/service")) in self._restoring_services

    def actor_paths(self, actor: Actor, obj: Obj) -> list[DataPath]:
        tenant = obj.tenant or "(platform)"
        service = obj.metadata.get("labels", {}).get("dbaas.io/service") or obj.metadata.get("name", "")
        namespace = self._namespace(actor, obj)
        labels = self._labels(actor.pod_labels, obj)
        if actor.pod_labels_path:
            labels.update(first(obj.inputs, actor.pod_labels_path) or {})
        engine = (obj.metadata.get("labels") or {}).get("dbaas.io/engine", "?") if actor.engine == "*" else actor.engine
        paths = []
        if actor.bucket_operations:
            if actor.bucket_from == "controlplane":
                bucket = str(first(obj.inputs, "spec.backup.barmanObjectStore.destinationPath") or "").removeprefix("s3://").split("/")[0]
            elif actor.engine == "kafka":
                bucket = first(obj.inputs, "spec.config.s3\\.bucket\\.name") or ""
            else:
                bucket = self.view.tenant_buckets.get(obj.tenant or "", "")
            principal = self.principal(actor, obj)
            network = self.egress_to_aws(namespace, labels)
            image = self.image(actor, obj)
            restoring = self.restoring(obj)
            for operation in actor.bucket_operations:
                if operation.only_when_restoring and not restoring:
                    continue
                sse = self.sse(operation.encryption or actor.encryption, obj, bucket)
                prefix = self.key_prefix(actor, operation, obj, engine, service)
                hops = [h for h in (image, network) if h] + [self.bucket_iam(principal, bucket, operation, sse, prefix)]
                paths.append(DataPath(tenant, service, engine, actor.name, operation.name, f"s3://{bucket}",
                                      operation.required, hops))
        for conn in actor.connections:
            dest_ns = obj.metadata.get("namespace") if conn.to_namespace == "tenant" else conn.to_namespace
            name = obj.metadata.get("name", "")
            dest = f"{dest_ns}/{conn.to_name.format(name=name, instance=name.removesuffix('-backup'))}:{conn.port}"
            hops = [self.connection(namespace, labels, conn, obj), self.tls(conn, obj)]
            if (cred := self.credentials(conn, obj)) is not None:
                hops.append(cred)
            paths.append(DataPath(tenant, service, engine, actor.name, conn.name, dest, True, hops))
        return paths

    PROBES = (BucketOperation("list", ("s3:ListBucket",), ()),
              BucketOperation("read", ("s3:GetObject",), ("kms:Decrypt",)),
              BucketOperation("write", ("s3:PutObject",), ("kms:GenerateDataKey",)))

    def databases(self) -> dict[str, list[tuple[Obj, int]]]:
        """Tenant -> its database objects (the engine custom resources) and their client ports."""
        from declarations.engine_catalog import ENGINE_SPECS, EngineName
        types = {actor.instance_type for actor in ACTORS if actor.engine in EngineName.__members__}
        types.add("kubernetes:asdb.aerospike.com/v1:AerospikeCluster")
        types.discard("kubernetes:asdb.aerospike.com/v1beta1:AerospikeBackupService")
        out: dict[str, list[tuple[Obj, int]]] = {}
        for type_ in sorted(types):
            for obj in self.view.of_type(type_):
                engine = (obj.metadata.get("labels") or {}).get("dbaas.io/engine")
                if obj.tenant and engine in EngineName.__members__:
                    out.setdefault(obj.tenant, []).append((obj, ENGINE_SPECS[EngineName(engine)].client_port))
        return out

    S3_PROBE_ACTIONS = ("s3:ListBucket", "s3:GetObject", "s3:PutObject")
    KMS_PROBE_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")

    def _bucket_target(self, bucket: str) -> tuple:
        """What every probe of one bucket needs, computed once per bucket."""
        key_arn = self.view.bucket_keys.get(bucket, "")
        bucket_policy = self.view.bucket_policies.get(bucket)
        key_policy = self.view.key_policies.get(key_arn.rsplit("/", 1)[-1])
        return (f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/x/object", key_arn, bucket_policy, key_policy,
                iam.resource_grantees(bucket_policy, self.S3_PROBE_ACTIONS),
                iam.resource_grantees(key_policy, self.KMS_PROBE_ACTIONS))

    def _role_source(self, role_arn: str) -> tuple:
        """What every probe by one role needs, computed once per role."""
        policies = self.view.role_policies.get(role_arn.rsplit("/", 1)[-1], ())
        account = _account(role_arn)
        return (role_arn, policies, iam.identity_resources(policies, self.S3_PROBE_ACTIONS + self.KMS_PROBE_ACTIONS),
                (role_arn, account, f"arn:aws:iam::{account}:root"))

    def _bucket_hop(self, roles: list[tuple], names: str, bucket: str, target: tuple) -> Hop:
        """One hop for every way the roles reach a bucket and its key (list, read, write): open if any is. The full
        evaluation runs only where some statement could grant something; elsewhere no grant exists at all."""
        bucket_arn, object_arn, key_arn, bucket_policy, key_policy, bucket_grantees, key_grantees = target
        candidates = []
        for role_arn, policies, reach, principal_names in roles:
            if not (reach.match(bucket_arn) or reach.match(object_arn) or (key_arn and reach.match(key_arn))
                    or any(bucket_grantees.match(n) or key_grantees.match(n) for n in principal_names)):
                continue  # no statement anywhere grants this role anything here
            for probe in self.PROBES:
                resource = bucket_arn if probe.name == "list" else object_arn
                if any(iam.may_allow(role_arn, policies, a, resource, bucket_policy) for a in probe.s3_actions) \
                        or any(iam.may_allow(role_arn, policies, a, key_arn, key_policy) for a in probe.kms_actions):
                    candidates.append((role_arn, probe))
        if not candidates:
            return Hop("iam", False, f"{names}: list, read, write of s3://{bucket}: no statement of the identity, "
                                     "bucket or key policy allows them")
        opened, closed = [], []
        for role_arn, probe in candidates:
            hop = self.bucket_iam(Principal(role_arn, role_arn.rsplit("/", 1)[-1]), bucket, probe, ("aws:kms", key_arn or None))
            (opened if hop.allowed else closed).append(f"{probe.name}: {hop.why}")
        if opened:
            return Hop("iam", True, "; ".join(opened))
        return Hop("iam", False, "; ".join(closed) + ("; the rest: no statement allows them"
                                                      if len(closed) < len(roles) * len(self.PROBES) else ""))

    def _database_hop(self, namespace: str, labels: dict[str, str], reach: frozenset[str] | None, closed_why: str,
                      databases: list[tuple[Obj, int, str, str]]) -> Hop:
        """One hop for every database of another tenant: open if the tenant's pods reach any of them."""
        whys = []
        for obj, port, dest_ns, target in databases:
            if reach is not None and dest_ns not in reach:
                whys.append(f"{target}: {closed_why} names {dest_ns}")
                continue
            dest_labels = obj.metadata.get("labels") or {}
            ok_out, why_out = self.net.admitted("Egress", namespace, labels, Peer(dest_ns, dest_labels), port)
            ok_in, why_in = self.net.admitted("Ingress", dest_ns, dest_labels, Peer(namespace, labels), port)
            if ok_out and ok_in:
                return Hop("network", True, f"{target}: egress {why_out}; ingress {why_in}")
            whys.append(f"{target}: egress {why_out}; ingress {why_in}")
        return Hop("network", False, "; ".join(whys))

    def _granted_buckets(self, role: tuple, targets: dict[str, tuple]) -> set[str]:
        """The other tenants whose bucket or key some statement could grant this role anything on: its identity
        policy's patterns (literal ARNs looked up, wildcards matched from their literal prefix), or a bucket or key
        policy naming it. Every other pair has no grant at all."""
        role_arn, _policies, reach, principal_names = role
        found = set()
        for other, (bucket_arn, object_arn, key_arn, _bp, _kp, bucket_grantees, key_grantees) in targets.items():
            if (bucket_arn in reach.literals or object_arn in reach.literals or key_arn in reach.literals
                    or (reach.regex is not None and (reach.regex.fullmatch(bucket_arn) or reach.regex.fullmatch(object_arn)
                                                     or (key_arn and reach.regex.fullmatch(key_arn))))):
                found.add(other)
            elif (bucket_grantees.literals or bucket_grantees.regex or key_grantees.literals or key_grantees.regex) and \
                    any(bucket_grantees.match(n) or key_grantees.match(n) for n in principal_names):
                found.add(other)
        return found

    def cross_tenant_paths(self, principals: dict[str, set[str]], connectors: dict[str, Obj]) -> list[DataPath]:
        """For each tenant A and every other tenant B, one path whose hops are every way in: the roles A's actors
        hold against B's bucket and key (list, read, write), Kafka Connect assuming B's role with A's external id,
        and A's pods against B's database ports. Every hop must be closed. What depends on one side only is
        computed once per tenant, and a pair that no statement and no rule could open shares its tenant's closed
        hops: a pair costs a few set lookups unless something could grant access."""
        databases = {tenant: [(obj, port, obj.metadata.get("namespace", ""),
                               f"{obj.metadata.get('namespace')}/{obj.metadata.get('name')}:{port}") for obj, port in found]
                     for tenant, found in self.databases().items()}
        database_namespaces = {tenant: {ns for _o, _p, ns, _t in found} for tenant, found in databases.items()}
        namespaces = {o.tenant: o.metadata.get("name") for o in self.view.of_type("kubernetes:core/v1:Namespace") if o.tenant}
        connect = self._connect_principal()
        buckets = dict(sorted(self.view.tenant_buckets.items()))
        targets = {other: self._bucket_target(bucket) for other, bucket in buckets.items()}
        trusted = {other: iam.external_ids_trusted(role.inputs.get("assumeRolePolicy"), connect.role_arn)
                   for other, role in self.view.tenant_roles.items()} if connect else {}
        texts = {other: f"{other}: s3://{bucket}, key {targets[other][2].rsplit('/', 1)[-1]}, "
                        f"{len(databases.get(other, []))} database(s)" for other, bucket in buckets.items()}
        trusting: dict[str, set[str]] = {}  # external id -> the tenants whose role trusts it
        unclear = set()  # tenants whose trust policy needs the full evaluation
        for other, ids in trusted.items():
            if ids is None:
                unclear.add(other)
            else:
                for external_id in ids:
                    trusting.setdefault(external_id, set()).add(other)
        tenant_of_namespace = {ns: tenant for tenant, found in database_namespaces.items() for ns in found}
        paths = []
        for tenant in sorted(set(principals) | set(databases) | set(buckets)):
            namespace = namespaces.get(tenant, "")
            labels = {"dbaas.io/tenant": tenant}
            reach = self.net.reach("Egress", namespace, labels)
            policies_named = self.net.selecting_names("Egress", namespace, labels)
            closed_why = f"no egress rule of {policies_named} in {namespace}"
            roles = [self._role_source(r) for r in sorted(principals.get(tenant, ()))]
            names = ", ".join(r[0].rsplit("/", 1)[-1] for r in roles)
            has_connector = connect is not None and tenant in connectors
            granted = set().union(*(self._granted_buckets(role, targets) for role in roles)) if roles else set()
            connect_open = (trusting.get(tenant, set()) | unclear) if has_connector else set()
            network_open = set(databases) if reach is None else {tenant_of_namespace[ns] for ns in reach if ns in tenant_of_namespace}
            special = granted | connect_open | network_open
            closed = [Hop("iam", False, f"{names}: no statement of its identity policy or of the other tenant's bucket "
                                        "or key policy allows list, read or write")] if roles else []
            if has_connector:
                closed.append(Hop("iam", False, f"kafka-connect with external id {tenant}: the other tenant's role "
                                                "does not trust that external id"))
            closed_without_databases = tuple(closed)
            closed_with_databases = (*closed, Hop("network", False, f"{closed_why} names the other tenant's namespace"))
            actor = f"tenant {tenant}"
            for other, bucket in buckets.items():
                if other == tenant:
                    continue
                if other not in special:
                    paths.append(DataPath(tenant, "-", "-", actor, REACH_OTHER, texts[other], False,
                                          closed_with_databases if other in databases else closed_without_databases))
                    continue
                hops = []
                if roles:
                    hops.append(self._bucket_hop(roles, names, bucket, targets[other]) if other in granted else closed[0])
                if has_connector:
                    hops.append(self._assume_other(connect, tenant, other) if other in connect_open else closed[-1])
                if other in databases:
                    hops.append(self._database_hop(namespace, labels, reach, closed_why, databases[other])
                                if other in network_open else closed_with_databases[-1])
                paths.append(DataPath(tenant, "-", "-", actor, REACH_OTHER, texts[other], False, tuple(hops)))
        return paths

    def _connect_principal(self) -> Principal | None:
        connect = next(iter(self.view.of_type("kubernetes:kafka.strimzi.io/v1beta2:KafkaConnect")), None)
        if connect is None:
            return None
        annotations = first(connect.inputs, "spec.template.serviceAccount.metadata.annotations") or {}
        principal = self.irsa_role(connect.metadata.get("namespace", ""), f"{connect.metadata.get('name')}-connect", annotations)
        return principal if principal.role_arn else None

    def _assume_other(self, connect: Principal, tenant: str, other: str) -> Hop:
        role = self.view.tenant_roles.get(other)
        if role is None:
            return Hop("iam", False, f"no role of {other} in the plan")
        name = role.inputs.get("name")
        trust = role.inputs.get("assumeRolePolicy")
        ids = iam.external_ids_trusted(trust, connect.role_arn)
        if ids is not None and tenant not in ids:
            return Hop("iam", False, f"kafka-connect with external id {tenant} cannot assume {name} "
                                     f"(its trust admits external id {', '.join(sorted(ids)) or 'none'})")
        target = f"arn:aws:iam::{_account(connect.role_arn)}:role/{name}"
        ok = iam.allowed(connect.role_arn, self.view.role_policies.get(connect.role_arn.rsplit("/", 1)[-1], ()),
                         "sts:AssumeRole", target, (("sts:ExternalId", tenant),), trust, _account(target))
        return Hop("iam", ok, f"kafka-connect with external id {tenant} {'can' if ok else 'cannot'} assume {name}")

    def run(self) -> list[DataPath]:
        paths: list[DataPath] = []
        principals: dict[str, set[str]] = {}
        platform_roles: dict[str, tuple[Actor, Principal]] = {}
        for role in self.view.of_type("aws:iam/role:Role"):  # each tenant's own role, held or not
            if role.tenant and role.inputs.get("name"):
                principals.setdefault(role.tenant, set()).add(
                    f"arn:aws:iam::{self._account_id()}:role/{role.inputs['name']}")
        for actor in ACTORS:
            for obj in self.instances(actor):
                paths.extend(self.actor_paths(actor, obj))
                if obj.tenant and actor.identity is not Identity.none:
                    principal = self.principal(actor, obj)
                    if principal.role_arn is None:
                        continue
                    if actor.namespace == "tenant" or actor.identity is Identity.assume_role:  # the tenant's role
                        principals.setdefault(obj.tenant, set()).add(principal.role_arn)
                    else:  # a platform pod's own role, serving every tenant (an engine operator): confined, below
                        platform_roles.setdefault(principal.role_arn, (actor, principal))
        connectors = {o.tenant: o for o in self.instances(next(a for a in ACTORS if a.identity is Identity.assume_role))
                      if o.tenant}
        paths.extend(self.cross_tenant_paths(principals, connectors))
        paths.extend(self.platform_role_confinement(platform_roles))
        return paths

    def platform_role_confinement(self, roles: dict[str, tuple[Actor, Principal]]) -> list[DataPath]:
        """A platform pod's role (an engine operator's: psmdb-operator, yugaware) reaches every tenant bucket of the
        region by design, under its engine's folder only (components/aws_policies.py operator_backup_policy). Per role
        and tenant bucket, one path required to be closed: listing, reading, writing or deleting outside `<engine>/`
        (no folder, and the look-alike `<engine>-other/`, which `<engine>/*` must not match)."""
        paths = []
        for role_arn, (actor, principal) in sorted(roles.items()):
            for tenant, bucket in sorted(self.view.tenant_buckets.items()):
                hops = []
                for folder in ("x", f"{actor.engine}-other"):
                    for probe in (BucketOperation("list", ("s3:ListBucket",), ()),
                                  BucketOperation("read", ("s3:GetObject",), ("kms:Decrypt",)),
                                  BucketOperation("write", ("s3:PutObject",), ("kms:GenerateDataKey",)),
                                  BucketOperation("delete", ("s3:DeleteObject",), ())):
                        hop = self.bucket_iam(principal, bucket, probe, (None, None), folder)
                        hops.append(Hop("iam", hop.allowed, f"{probe.name} under {folder}/: {hop.why}"))
                opened = [h for h in hops if h.allowed]
                summary = opened[0] if opened else Hop(
                    "iam", False, f"{role_arn.rsplit('/', 1)[-1]}: list, read, write and delete outside "
                                  f"{actor.engine}/ denied (under x/ and {actor.engine}-other/)")
                paths.append(DataPath(tenant, "-", actor.engine, f"{actor.name} (platform role)",
                                      f"reach outside {actor.engine}/", f"s3://{bucket}", False, (summary,)))
        return paths
