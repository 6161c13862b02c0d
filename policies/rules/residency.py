"""Residency: a tenant's data lives only in its data region's stack, and stays in one AWS region."""

from __future__ import annotations

import re
from typing import Iterable

from pulumi_policy import Severity

from policies.rules.aws import BUCKET, ENCRYPTION, KMS_KEY
from policies.rules.model import REGION_LABEL, REGION_TAG, UNRESOLVED, Finding, Rule, RuleContext, StackView

KMS_ARN_REGION = re.compile(r"^arn:aws:kms:(?P<region>[a-z0-9-]+):")


def check_tenant_in_data_region(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
    reported: set[str] = set()
    for resource in stack.resources:
        tenant = resource.tenant
        if tenant is None:
            continue
        facts = ctx.tenants.get(tenant)
        if facts is None:
            if tenant not in reported:
                reported.add(tenant)
                yield Finding(resource.urn, f"tenant {tenant} has no declaration in the tenants tree")
        elif facts.data_region != stack.region and tenant not in reported:
            reported.add(tenant)
            yield Finding(resource.urn, f"tenant {tenant} has data_region {facts.data_region}; "
                                        f"its resources may not exist in stack {stack.stack}")
        elif stack.stack_tenant not in (None, tenant) and tenant not in reported:
            reported.add(tenant)
            yield Finding(resource.urn, f"tenant {tenant}'s resources may not exist in tenant {stack.stack_tenant}'s "
                                        f"stack {stack.stack}")
        for where, value in ((f"metadata.labels[{REGION_LABEL!r}]", resource.labels.get(REGION_LABEL)),
                             (f"tags[{REGION_TAG!r}]", resource.tags.get(REGION_TAG))):
            if value is not None and value not in UNRESOLVED and value != stack.region:
                yield Finding(resource.urn, f"{where} is {value!r} in stack {stack.stack}")


def check_bucket_key_region(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
    """The bucket, its encryption key, and the key ARN it names must all be in one AWS region."""
    for bucket in stack.of_types(BUCKET):
        bucket_region = bucket.provider_region
        for config in stack.bucket_settings(bucket, *ENCRYPTION):
            for key in (k for k in stack.dependencies_of(config, "rules") if k.type == KMS_KEY):
                if bucket_region and key.provider_region and key.provider_region != bucket_region:
                    yield Finding(config.urn, f"bucket is in {bucket_region} but key {key.name} is in {key.provider_region}")
            for i, rule in enumerate(config.props.get("rules") or []):
                arn = str((rule.get("applyServerSideEncryptionByDefault") or {}).get("kmsMasterKeyId") or "")
                match = KMS_ARN_REGION.match(arn)
                if bucket_region and match and match.group("region") != bucket_region:
                    yield Finding(config.urn, f"rules[{i}].applyServerSideEncryptionByDefault.kmsMasterKeyId is in "
                                              f"{match.group('region')}, the bucket in {bucket_region}")


RULES = [
    Rule(
        name="residency-tenant-in-data-region",
        description="A tenant's resources exist only in the stack of its data region, labelled with that region.",
        severity=Severity.CRITICAL,
        fix_hint="Move the tenant file to tenants/<data_region>/; never build another region's tenant.",
        check_stack=check_tenant_in_data_region,
    ),
    Rule(
        name="residency-bucket-key-region",
        description="A bucket and the KMS key that encrypts it are in the same AWS region.",
        severity=Severity.HIGH,
        fix_hint="Create the bucket and its key with the same regional AWS provider.",
        check_stack=check_bucket_key_region,
    ),
]
