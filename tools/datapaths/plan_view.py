"""A plan JSON as `dbaas plan --json` writes it (platform stack plus tenant stacks), indexed for the data paths."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Iterator

from declarations.naming import split_stack_name
from declarations.pod_identity import MUTATING_WEBHOOK_TYPE, is_pod_identity_webhook


class PlanError(ValueError):
    """The plan file is not a plan: one line for the user."""


@dataclass(frozen=True, slots=True)
class Obj:
    urn: str
    type: str
    name: str
    stack: str
    inputs: dict[str, Any]
    tenant: str | None
    """The tenant of the object's stack (`<region>.<tenant>`), None for the platform stack."""

    @property
    def metadata(self) -> dict[str, Any]:
        md = self.inputs.get("metadata")
        return md if isinstance(md, dict) else {}


def get_path(data: Any, path: str) -> list[Any]:
    """Values at a dotted path; `[]` walks every list item, `*` every map value, `\\.` escapes a dot."""
    parts = [p.replace("\0", ".") for p in path.replace("\\.", "\0").split(".")] if path else []
    values = [data]
    for part in parts:
        nxt = []
        for value in values:
            key, many = (part[:-2], True) if part.endswith("[]") else (part, False)
            if key == "*" and isinstance(value, dict):
                nxt.extend(value.values())
                continue
            item = value.get(key) if isinstance(value, dict) else None
            if item is None:
                continue
            if many and isinstance(item, list):
                nxt.extend(item)
            elif not many:
                nxt.append(item)
        values = nxt
    return values


def first(data: Any, path: str) -> Any:
    found = get_path(data, path)
    return found[0] if found else None


@dataclass
class PlanView:
    objects: list[Obj]
    _index: dict[tuple[str, str | None, str], Obj] = field(default_factory=dict)

    @classmethod
    def from_json(cls, document: Any) -> "PlanView":
        if not isinstance(document, dict) or not isinstance(document.get("steps"), list):
            raise PlanError("not a plan: no `steps` list (write one with `dbaas plan REGION --json FILE`)")
        objects = []
        tenants: dict[str, str | None] = {}
        for step in document["steps"]:
            state = step.get("newState") if isinstance(step, dict) else None
            if not isinstance(state, dict) or not isinstance(state.get("urn"), str):
                raise PlanError("not a plan: a step without newState.urn")
            urn = state["urn"]
            try:
                stack = urn.split(":", 3)[2].split("::")[0] if urn.startswith("urn:pulumi:") else ""
            except IndexError:
                stack = ""
            if stack not in tenants:
                tenants[stack] = split_stack_name(stack)[1] if stack else None
            objects.append(Obj(urn, str(state.get("type", "")), urn.rsplit("::", 1)[-1], stack,
                               state.get("inputs") if isinstance(state.get("inputs"), dict) else {}, tenants[stack]))
        view = cls(objects)
        view.check_policy_documents()
        return view

    POLICY_FIELDS = {"aws:iam/role:Role": "assumeRolePolicy", "aws:iam/rolePolicy:RolePolicy": "policy",
                     "aws:s3/bucketPolicy:BucketPolicy": "policy", "aws:kms/key:Key": "policy"}

    def check_policy_documents(self) -> None:
        """Every IAM, bucket and key policy must be a policy document: a mutated plan with a broken one is a
        usage error naming the step, not a verdict."""
        for type_, field_name in self.POLICY_FIELDS.items():
            for obj in self.of_type(type_):
                text = obj.inputs.get(field_name)
                if text is None:
                    continue
                try:
                    document = json.loads(text) if isinstance(text, str) else None
                except json.JSONDecodeError:
                    document = None
                statements = document.get("Statement") if isinstance(document, dict) else None
                if not isinstance(statements, (list, dict)) or not all(
                        isinstance(st, dict) for st in (statements if isinstance(statements, list) else [statements])):
                    raise PlanError(f"{obj.urn}: inputs.{field_name} is not a policy document (JSON with a Statement list)")

    @cached_property
    def by_type(self) -> dict[str, list[Obj]]:
        out: dict[str, list[Obj]] = defaultdict(list)
        for obj in self.objects:
            out[obj.type].append(obj)
        return out

    def of_type(self, type_: str) -> list[Obj]:
        return self.by_type.get(type_, [])

    @cached_property
    def kube(self) -> dict[tuple[str, str | None, str], Obj]:
        """(kind, namespace, name) -> Kubernetes object."""
        out = {}
        for obj in self.objects:
            if obj.type.startswith("kubernetes:") and obj.metadata.get("name"):
                out[(obj.type.rsplit(":", 1)[-1], obj.metadata.get("namespace"), obj.metadata["name"])] = obj
        return out

    def k8s(self, kind: str, namespace: str | None, name: str) -> Obj | None:
        return self.kube.get((kind, namespace, name))

    @cached_property
    def network_policies(self) -> dict[str, list[tuple[str, dict]]]:
        out: dict[str, list[tuple[str, dict]]] = defaultdict(list)
        for obj in self.of_type("kubernetes:networking.k8s.io/v1:NetworkPolicy"):
            out[obj.metadata.get("namespace", "")].append((obj.metadata.get("name", ""), obj.inputs.get("spec") or {}))
        return out

    @cached_property
    def namespace_labels(self) -> dict[str, dict[str, str]]:
        return {o.metadata["name"]: dict(o.metadata.get("labels") or {})
                for o in self.of_type("kubernetes:core/v1:Namespace") if o.metadata.get("name")}

    @cached_property
    def roles(self) -> dict[str, Obj]:
        return {o.inputs.get("name"): o for o in self.of_type("aws:iam/role:Role")}

    @cached_property
    def role_policies(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = defaultdict(list)
        for o in self.of_type("aws:iam/rolePolicy:RolePolicy"):
            out[o.inputs.get("role")].append(o.inputs.get("policy", ""))
        return {k: tuple(sorted(v)) for k, v in out.items()}

    @cached_property
    def bucket_policies(self) -> dict[str, str]:
        return {o.inputs.get("bucket"): o.inputs.get("policy") for o in self.of_type("aws:s3/bucketPolicy:BucketPolicy")}

    @cached_property
    def bucket_keys(self) -> dict[str, str]:
        """Bucket -> the KMS key ARN its default encryption names."""
        out = {}
        for o in self.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"):
            key = first(o.inputs, "rules[].applyServerSideEncryptionByDefault.kmsMasterKeyId")
            if key:
                out[o.inputs.get("bucket")] = key
        return out

    @cached_property
    def key_policies(self) -> dict[str, str]:
        """Key id -> key policy, through the alias that targets it (the Key's ARN is computed by AWS)."""
        keys = {(o.stack, o.name): o for o in self.of_type("aws:kms/key:Key")}
        out = {}
        for alias in self.of_type("aws:kms/alias:Alias"):
            key = keys.get((alias.stack, alias.name.removesuffix("-alias")))
            if key is not None:
                out[alias.inputs.get("targetKeyId")] = key.inputs.get("policy")
        return out

    @cached_property
    def tenant_roles(self) -> dict[str, Obj]:
        """Tenant -> its role (the role of its tenant stack)."""
        return {o.tenant: o for o in self.of_type("aws:iam/role:Role") if o.tenant}

    @cached_property
    def tenant_buckets(self) -> dict[str, str]:
        """Tenant -> its backup bucket (the bucket of its tenant stack)."""
        return {o.tenant: o.inputs.get("bucket") for o in self.of_type("aws:s3/bucket:Bucket") if o.tenant}

    @cached_property
    def oidc(self) -> tuple[str, str] | None:
        for o in self.of_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider"):
            return o.inputs.get("url", "").removeprefix("https://"), o.stack
        return None

    @cached_property
    def pod_identity(self) -> tuple[bool, frozenset[str]] | None:
        """Who turns an IRSA annotation into credentials: None when nothing does; else (managed by EKS, the
        namespaces the webhook skips). EKS runs the Amazon EKS Pod Identity Webhook in its control plane; an adopted
        cluster has it only when the platform stack installs its MutatingWebhookConfiguration
        (components/pop/pod_identity_webhook.py), whose namespaceSelector excludes some namespaces."""
        if self.of_type("aws:eks/cluster:Cluster"):
            return True, frozenset()
        for o in self.of_type(MUTATING_WEBHOOK_TYPE):
            if is_pod_identity_webhook(o.type, o.metadata):
                excluded = {value for hook in o.inputs.get("webhooks") or []
                            for expression in ((hook.get("namespaceSelector") or {}).get("matchExpressions") or [])
                            if expression.get("key") == "kubernetes.io/metadata.name" and expression.get("operator") == "NotIn"
                            for value in expression.get("values") or []}
                return False, frozenset(excluded)
        return None

    @cached_property
    def region_stack(self) -> str:
        stacks = {split_stack_name(o.stack)[0] for o in self.objects if o.stack}
        return sorted(stacks)[0] if stacks else ""

    def tenants(self) -> Iterator[str]:
        return iter(sorted(self.tenant_buckets))


def load_plan_file(path: str) -> PlanView:
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise PlanError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PlanError(f"{path}: not JSON: {exc}") from None
    try:
        return PlanView.from_json(document)
    except PlanError as exc:
        raise PlanError(f"{path}: {exc}") from None
