"""The runtime actor model: which process moves a tenant's data, in which pod, under which ServiceAccount
and cloud identity, over which port, with which binary (issue 20).

Plain data, floor 0. `tools/datapaths` finds each fact's value in a plan (the ServiceAccount a pod runs as,
its IRSA annotation, the role's trust and policies, NetworkPolicies, Secrets) and proves every path. Facts
that a plan cannot show (what an operator does at its pinned tag) live in the engine modules beside this
one, each with its upstream source, so the integrator adjusts one line when a fix lands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


@dataclass(frozen=True)
class Source:
    """Where upstream says so: repository, tag, path and line."""

    repo: str
    tag: str
    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.repo}@{self.tag} {self.path}" + (f":{self.line}" if self.line else "")


class Identity(str, Enum):
    """How a process gets cloud credentials."""

    irsa = "irsa"
    """The pod's ServiceAccount carries `eks.amazonaws.com/role-arn`; the SDK exchanges its projected token."""
    assume_role = "assume_role"
    """The process assumes the tenant role (with an external id) from a platform role it holds through IRSA."""
    none = "none"
    """No cloud credentials at all (node role unreachable: IMDS hop limit 1 on the PoP nodes)."""


@dataclass(frozen=True)
class ServiceAccountFrom:
    """How to find, in the plan, the ServiceAccount a pod runs as, and where its IRSA annotation comes from.

    kind:
    - `field`: `path` in the engine object's inputs (dotted; `[]` means every item of a list), else `default`;
    - `template`: `template` formatted with the instance name (`{name}`) — an account the operator makes;
    - `operator_flag`: the operator's command-line `flag` on a container of a Deployment of the plan in
      `operator_namespace` (the vendored install applied object by object), else in the manifests of its
      kustomization (the plan's Directory input), else `default` (Kubernetes fills in `default`);
    - `release`: the Helm release `release`'s values at `path`, else `default` (the chart's own name).
    annotations_from:
    - `object`: the ServiceAccount object of that name in the plan;
    - `cr_annotations`: the engine object's metadata.annotations (the operator copies them);
    - `cr_field`: the engine object's inputs at `annotations_path`;
    - `release_values`: the Helm release's values at `annotations_path`.
    """

    kind: str
    path: str = ""
    template: str = ""
    flag: str = ""
    operator_namespace: str = ""
    release: str = ""
    default: str = "default"
    annotations_from: str = "object"
    annotations_path: str = ""
    source: Source | None = None


@dataclass(frozen=True)
class Encryption:
    """What a writer sends with PutObject: the SSE headers S3 turns into the bucket policy's condition keys
    (s3:x-amz-server-side-encryption, s3:x-amz-server-side-encryption-aws-kms-key-id)."""

    kind: str
    """`plan`: read algorithm and key from the engine object's inputs at the paths below; `fixed`: as given."""
    algorithm_path: str = ""
    key_path: str = ""
    algorithm: str | None = None
    sends_key_id: bool = False
    """For `fixed`: whether the client sends the key id header (the tenant key's ARN)."""
    key_flag: str = ""
    """For `plan`: the value at `key_path` is a list of command-line arguments, and the key id is this flag's value
    (`<flag>=<id>` or `<flag> <id>`), as barman-cloud's `--sse-kms-key-id` in CNPG's additional arguments."""
    source: Source | None = None


@dataclass(frozen=True)
class BucketOperation:
    """One data path to the tenant bucket: the S3 and KMS actions it needs."""

    name: str
    s3_actions: tuple[str, ...]
    kms_actions: tuple[str, ...]
    required: bool = True
    only_when_restoring: bool = False
    """A path only of a service that restores (`restore_from`: a restore object of the service in the plan)."""
    object_name: str = "object"
    """The key the object actions are evaluated on, under the actor's key prefix (`{prefix}/<object_name>`)."""
    list_prefix: str = "{prefix}/"
    """The `prefix` parameter the client sends with ListObjects, S3's `s3:prefix` condition key: `{prefix}` is the
    actor's key prefix, `{object}` the object's whole key; empty (or `/`) when it lists the bucket without one."""
    prefix: str = ""
    """Overrides the actor's key prefix for this operation (same placeholders as Actor.key_prefix, plus `{source}`:
    the service restored from, which the plan does not name on the actor's object)."""
    encryption: Encryption | None = None
    """Overrides the actor's encryption for this operation (CNPG sends different arguments for WAL and base backups)."""


BACKUP_WRITE = ("s3:PutObject", "s3:ListBucket")
READ = ("s3:GetObject", "s3:ListBucket")
KMS_WRITE = ("kms:GenerateDataKey",)
KMS_READ = ("kms:Decrypt",)


def backup_write(name: str = "backup write") -> BucketOperation:
    return BucketOperation(name, BACKUP_WRITE, KMS_WRITE)


def restore_read(name: str = "restore read") -> BucketOperation:
    return BucketOperation(name, READ, KMS_READ)


def clone_read() -> BucketOperation:
    """Reading the source service's backups (same tenant bucket, the source's prefix `<engine>/<source>`, which the
    engines set with the same BaseEngine.source_prefix) for `restore_from`."""
    return BucketOperation("clone read", READ, KMS_READ, only_when_restoring=True, prefix="{engine}/{source}")


@dataclass(frozen=True)
class Connection:
    """An in-cluster connection the actor needs: to whom (pod labels in which namespace), port, TLS."""

    name: str
    to_namespace: str
    """`tenant` (the instance's namespace) or a fixed namespace."""
    to_labels: dict[str, str]
    """Labels of the destination pods; `{name}` is the instance name."""
    port: int
    client_tls: bool | str
    """Whether the client speaks TLS: a bool fact, or `plan:<path>` read from the engine object's inputs."""
    listener_tls: bool | str
    """Whether the listener on `port` requires TLS, the same way."""
    credentials: str = ""
    """What the client authenticates with: `secret:<name template>` or `plan:<path>` (Secret names at that path of
    the object's inputs; each must exist in the object's namespace in the plan; their keys are `[secret]` there, as
    in `pulumi preview`), `registered-by-job:<namespace>:<env>=<value template>` (a Job in that namespace whose
    container has env `<env>` = the value (`{namespace}`, `{name}`: the object's) registers them from the Secrets
    its env names, which must exist there), `none` (it sends none although the server requires some), or empty
    (nothing beyond TLS)."""
    credentials_why: str = ""
    to_name: str = "{name}"
    """The destination's name in the report; `{name}` is the actor's object name, `{instance}` the same without
    `-backup` (an Aerospike backup service is `<instance>-backup`)."""
    source: Source | None = None


@dataclass(frozen=True)
class Binary:
    """A binary the actor execs, and whether the image it runs carries it."""

    name: str
    image_path: str
    """Where the image is named in the engine object's inputs (dotted), or `fixed:<image>`."""
    images_without: tuple[str, ...] = ()
    """Image name fragments known not to carry the binary (with the source below)."""
    source: Source | None = None


@dataclass(frozen=True)
class Actor:
    """One process that touches a tenant's (or the control plane's) data."""

    name: str
    engine: str
    instance_type: str
    """The plan type token of the object an actor exists for (one actor per object)."""
    process: str
    pod: str
    """The pod it runs in; `{name}` is the instance name."""
    namespace: str
    """`tenant` (the object's namespace) or a fixed namespace (platform pods)."""
    pod_labels: dict[str, str]
    service_account: ServiceAccountFrom
    identity: Identity
    bucket_operations: tuple[BucketOperation, ...] = ()
    encryption: Encryption | None = None
    connections: tuple[Connection, ...] = ()
    binaries: tuple[Binary, ...] = ()
    bucket_from: str = "tenant"
    """`tenant`: the tenant's backup bucket; `controlplane`: the region's control-plane backup bucket."""
    no_identity_why: str = ""
    """Why the actor has no cloud identity (for Identity.none): shown on its iam hop."""
    only_where: tuple[str, str] = ("", "")
    """(path, prefix): only objects whose inputs at `path` (any value) start with `prefix` (empty: every object)."""
    pod_labels_path: str = ""
    """Where the plan gives the pod's labels (a Job's template), added to `pod_labels`."""
    key_prefix: str = "{engine}/{service}"
    """The key prefix of the actor's objects in the bucket, the one every request of it names: `{engine}`,
    `{service}` (the dbaas.io/service label), `{name}` (the object's name) and `{plan}` (the value at
    `key_prefix_path`, without `s3://<bucket>/` when it is a URL). The operator roles are scoped to `<engine>/*`
    (components/aws_policies.py operator_backup_policy), so the prefix decides their paths."""
    key_prefix_path: str = ""
    """Where the engine object's inputs give the prefix (`{plan}` above)."""
    key_prefix_source: Source | None = None
    sources: tuple[Source, ...] = field(default_factory=tuple)
