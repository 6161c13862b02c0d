"""Strimzi custom resources, with the labels and API version every Kafka object shares."""

from __future__ import annotations

import pulumi
from pulumi_kubernetes.apiextensions import CustomResource

STRIMZI_API = "kafka.strimzi.io/v1beta2"
LABEL_CLUSTER = "strimzi.io/cluster"
PART_OF = {"app.kubernetes.io/part-of": "dbaas", "app.kubernetes.io/managed-by": "pulumi"}


def strimzi_resource(
    logical_name: str,
    kind: str,
    name: str,
    namespace: str,
    spec: dict,
    opts: pulumi.ResourceOptions,
    cluster: str | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> CustomResource:
    """A `kafka.strimzi.io/v1beta2` object; `cluster` sets the label Strimzi's operators select on."""
    metadata: dict = {"name": name, "namespace": namespace, "labels": {**PART_OF, **(labels or {})}}
    if cluster:
        metadata["labels"][LABEL_CLUSTER] = cluster
    if annotations:
        metadata["annotations"] = annotations
    return CustomResource(logical_name, api_version=STRIMZI_API, kind=kind, metadata=metadata, spec=spec, opts=opts)
