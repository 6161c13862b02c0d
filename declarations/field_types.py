"""Constrained string types that several models share (stack config, component args).

One regex, its meaning and an example live here once, instead of the same `Field(pattern=...)`
in three models. A value that does not match is refused with what was expected and an example;
the value itself is not echoed, because some of these fields (webhook URLs) are refused precisely
for carrying credentials. The JSON Schema keeps the pattern, as `Field(pattern=...)` would.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, WithJsonSchema


def _matching(pattern: str, meaning: str, example: str) -> Any:
    """`str` that must match `pattern` (all of it); the error says what it is and shows `example`."""
    anchored = f"^{pattern}$"
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        # fullmatch, not search with ^...$: Python's `$` also matches before a trailing newline.
        if compiled.fullmatch(value) is None:
            raise ValueError(f"should match pattern '{anchored}': {meaning}, e.g. {example}")
        return value

    return Annotated[str, AfterValidator(check), WithJsonSchema({"type": "string", "pattern": anchored})]


AwsAccountId = _matching(r"\d{12}", "the 12-digit AWS account id", "111122223333")
KubernetesMinorVersion = _matching(r"1\.\d{2}", "a Kubernetes minor version without the patch", "1.33")
StorageClassName = _matching(r"[a-z0-9.-]{1,63}", "a StorageClass name of at most 63 characters", "dbaas-retained")
VolumeSize = _matching(r"[1-9]\d*(Gi|Ti)", "a whole number of Gi or Ti", "20Gi")
JvmHeap = _matching(r"[1-9]\d*[mg]", "a JVM -Xmx size in m or g", "4g")
Ec2InstanceType = _matching(r"[a-z][a-z0-9-]*\.[a-z0-9]+", "an EC2 instance type", "m7i.xlarge")
WebhookUrl = _matching(
    r"https?://[^@\s?#]+",
    "an http(s) URL without user-info, query or fragment (it is rendered into the plan in clear text; "
    "authenticate the receiver another way)",
    "http://alert-router.monitoring.svc:8080/alerts")
DnsName = _matching(
    r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*",
    "a lowercase DNS name (RFC 1123 labels of at most 63 characters, 253 in all; no user, port or scheme)",
    "ledger-vitess-vtgate.t-kudi-pay.svc.cluster.local")
KubernetesObjectName = _matching(
    r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*",
    "a Kubernetes object name (a DNS-1123 subdomain)", "ledger-vitess-credentials")
S3BucketName = _matching(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", "an S3 bucket name (3 to 63 lowercase characters)",
                         "dbaas-kudi-pay-3c5aea6d")
