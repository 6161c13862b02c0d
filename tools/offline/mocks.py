"""Deterministic stand-ins for what cloud providers would compute (ids, ARNs).

Values derive only from the resource's URN and inputs, so a plan is byte-identical on every
machine. ARNs use the region and account the resource's explicit provider was given, which
lets policies check that a bucket's key is really the same tenant's key.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any, Mapping

import pulumi

_NAMESPACE = uuid.UUID("6f1d6a4e-1c39-4c1f-9a55-5d0b8f3f2a10")


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, "\0".join(parts)))


AUTONAMED_AWS_TYPES = frozenset({
    "aws:iam/role:Role", "aws:iam/policy:Policy", "aws:iam/instanceProfile:InstanceProfile",
    "aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/securityGroup:SecurityGroup",
})


DEFAULT_ORGANIZATION = "organization"
"""The organization of the self-managed backends, which the offline stacks stand for."""
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


@dataclass(frozen=True)
class StackOutputs:
    """A stack's outputs (plain values) and the names of those that are secrets."""

    values: dict[str, Any]
    secret_names: frozenset[str] = frozenset()


class UnknownStackReference(Exception):
    """A StackReference to a stack the offline run was not given (the engine: stack not found)."""


class PlatformMocks(pulumi.runtime.Mocks):
    """Computes provider outputs for the resource types the platform uses."""

    def __init__(self, default_account: str, stack_references: Mapping[str, StackOutputs] | None = None):
        self.default_account = default_account
        self.provider_regions: dict[str, str] = {}
        self.stack_references = dict(stack_references or {})

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": self.default_account, "arn": f"arn:aws:iam::{self.default_account}:root", "userId": "offline"}
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com"}
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            # PoP VPCs (components/pop): three zones, named as AWS names them, in the provider's region.
            region = self._region(args.provider)
            names = [f"{region}{suffix}" for suffix in "abc"]
            return {"names": names, "zoneIds": [f"{region}-az{i}" for i in (1, 2, 3)], "id": region, "groupNames": [region]}
        return {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        name = args.name
        typ = args.typ
        if typ == "pulumi:providers:aws":
            provider_id = stable_id(typ, name)
            self.provider_regions[provider_id] = inputs.get("region", "")
            return provider_id, inputs
        if typ.startswith("pulumi:providers:"):
            return stable_id(typ, name), inputs
        if typ == STACK_REFERENCE_TYPE:
            return self._read_stack(str(inputs.get("name") or args.resource_id))
        region = self._region(args.provider)
        account = self.default_account
        if typ.startswith("aws:") and "name" not in inputs and typ in AUTONAMED_AWS_TYPES:
            # Pulumi auto-names these: logical name plus a random suffix; here a stable one.
            inputs["name"] = f"{name}-{hashlib.sha256(name.encode()).hexdigest()[:7]}"
        if typ == "aws:kms/key:Key":
            key_id = stable_id(typ, name)
            return key_id, {**inputs, "arn": f"arn:aws:kms:{region}:{account}:key/{key_id}", "keyId": key_id}
        if typ == "aws:kms/alias:Alias":
            alias = inputs.get("name", name)
            return alias, {**inputs, "arn": f"arn:aws:kms:{region}:{account}:{alias}"}
        if typ == "aws:s3/bucket:Bucket":
            bucket = inputs.get("bucket", name)
            return bucket, {**inputs, "arn": f"arn:aws:s3:::{bucket}", "bucket": bucket, "region": region,
                            "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com"}
        if typ == "aws:iam/role:Role":
            role = inputs.get("name", name)
            return role, {**inputs, "arn": f"arn:aws:iam::{account}:role/{role}", "uniqueId": stable_id(typ, role)[:21].upper()}
        if typ == "aws:eks/cluster:Cluster":
            # PoP cluster (create mode): the endpoint, CA and OIDC issuer EKS would assign.
            cluster = inputs.get("name", name)
            issuer_id = hashlib.sha256(f"{account}/{region}/{cluster}".encode()).hexdigest()[:32].upper()
            return cluster, {**inputs, "arn": f"arn:aws:eks:{region}:{account}:cluster/{cluster}",
                             "endpoint": f"https://{issuer_id}.gr7.{region}.eks.amazonaws.com",
                             "certificateAuthority": {"data": "b2ZmbGluZS1jbHVzdGVyLWNh"},
                             "identities": [{"oidcs": [{"issuer": f"https://oidc.eks.{region}.amazonaws.com/id/{issuer_id}"}]}]}
        if typ == "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            host = str(inputs.get("url", "")).removeprefix("https://")
            return f"arn:aws:iam::{account}:oidc-provider/{host}", {**inputs, "arn": f"arn:aws:iam::{account}:oidc-provider/{host}"}
        if typ == "aws:ec2/launchTemplate:LaunchTemplate":
            return "lt-" + stable_id(typ, name).replace("-", "")[:17], {**inputs, "latestVersion": 1}
        if typ == "aws:iam/policy:Policy":
            policy = inputs.get("name", name)
            return policy, {**inputs, "arn": f"arn:aws:iam::{account}:policy/{policy}"}
        if typ.startswith("kubernetes:"):
            meta = inputs.get("metadata") or {}
            ns = meta.get("namespace")
            ident = f"{ns}/{meta.get('name', name)}" if ns else meta.get("name", name)
            if isinstance(inputs.get("metadata"), dict):
                # The API server gives every object a uid when it is created (metadata.uid); here a
                # stable one per object, so a plan that reads it is deterministic.
                kind = typ.removesuffix("Patch")
                uid = str(uuid.UUID(hashlib.sha256(f"{kind}/{ident}".encode()).hexdigest()[:32]))
                return ident, {**inputs, "metadata": {**meta, "uid": uid}}
            return ident, inputs
        if typ.startswith("random:"):
            return stable_id(typ, name), {**inputs, "result": "offline-" + hashlib.sha256(name.encode()).hexdigest()[:24]}
        return stable_id(typ, name), inputs

    def _read_stack(self, stack_name: str) -> tuple[str, dict[str, Any]]:
        """What the engine's builtin provider answers for a StackReference read: the stack's
        outputs and the names of the secret ones (pulumi/pulumi pkg/resource/deploy/builtins.go,
        readStackReference: `outputs`, `secretOutputNames`)."""
        if stack_name not in self.stack_references:
            raise UnknownStackReference(f"unknown stack {stack_name!r}: the offline run was not given its outputs")
        stack = self.stack_references[stack_name]
        return stack_name, {"name": stack_name, "outputs": stack.values,
                            "secretOutputNames": sorted(stack.secret_names)}

    def _region(self, provider_ref: str | None) -> str:
        if not provider_ref:
            return ""
        return self.provider_regions.get(provider_ref.rsplit("::", 1)[-1], "")
