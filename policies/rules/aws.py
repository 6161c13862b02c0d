"""AWS rules: buckets, KMS keys, and the policy documents attached to keys, buckets and IAM."""

from __future__ import annotations

import re
from typing import Any, Iterable

from pulumi_policy import Severity

from policies.rules.documents import (
    UnreadableDocument,
    is_wildcard_principal,
    parse_statements,
)
from policies.rules.model import UNRESOLVED, Finding, Resource, Rule, RuleContext, StackView, at_least, whole_number

BUCKET = "aws:s3/bucket:Bucket"
KMS_KEY = "aws:kms/key:Key"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
VERSIONING = ("aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2")
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
LIFECYCLE = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
OBJECT_LOCK = (
    "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
    "aws:s3/bucketObjectLockConfigurationV2:BucketObjectLockConfigurationV2",
)
IAM_ROLE = "aws:iam/role:Role"
IAM_POLICY_TYPES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy")
PUBLIC_ACCESS_FIELDS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
KMS_ALGORITHMS = ("aws:kms", "aws:kms:dsse")

POLICY_DOCUMENTS: dict[str, tuple[str, ...]] = {
    KMS_KEY: ("policy",),
    BUCKET_POLICY: ("policy",),
    IAM_ROLE: ("assumeRolePolicy",),
    "aws:iam/rolePolicy:RolePolicy": ("policy",),
    "aws:iam/policy:Policy": ("policy",),
}
"""Which property of which resource type holds a policy document."""


def _missing(kind: str, bucket: Resource) -> Finding:
    return Finding(bucket.urn, f"bucket {bucket.props.get('bucket', bucket.name)} has no {kind}")


def check_public_access_block(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
    for bucket in stack.of_types(BUCKET):
        blocks = stack.bucket_settings(bucket, PUBLIC_ACCESS_BLOCK)
        if not blocks:
            yield _missing("BucketPublicAccessBlock", bucket)
        for block in blocks:
            off = [f for f in PUBLIC_ACCESS_FIELDS if block.props.get(f) is not True]
            if off:
                yield Finding(block.urn, f"{', '.join(off)} must be true")


def check_versioning(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
    for bucket in stack.of_types(BUCKET):
        configs = stack.bucket_settings(bucket, *VERSIONING)
        if not configs:
            yield _missing("versioning configuration", bucket)
        for config in configs:
            status = (config.props.get("versioningConfiguration") or {}).get("status")
            if status != "Enabled":
                yield Finding(config.urn, f"versioningConfiguration.status is {status!r}, must be 'Enabled'")


def check_sse_kms_own_key(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
    """The key must be a KMS key of this stack owned by the bucket's owner: the bucket's
    encryption `rules` must depend on exactly such a key (ARNs are unknown before creation)."""
    for bucket in stack.of_types(BUCKET):
        configs = stack.bucket_settings(bucket, *ENCRYPTION)
        if not configs:
            yield _missing("server-side encryption configuration", bucket)
        owner = bucket.tenant or "the platform"
        for config in configs:
            for i, rule in enumerate(config.props.get("rules") or []):
                default = rule.get("applyServerSideEncryptionByDefault") or {}
                if default.get("sseAlgorithm") not in KMS_ALGORITHMS:
                    yield Finding(config.urn, f"rules[{i}].applyServerSideEncryptionByDefault.sseAlgorithm is "
                                              f"{default.get('sseAlgorithm')!r}, must be 'aws:kms'")
                elif not default.get("kmsMasterKeyId"):
                    yield Finding(config.urn, f"rules[{i}].applyServerSideEncryptionByDefault.kmsMasterKeyId is "
                                              "not set, so S3 would use the AWS-managed key")
            keys = [k for k in stack.dependencies_of(config, "rules") if k.type == KMS_KEY]
            if not keys:
                yield Finding(config.urn, f"the encryption key is not a KMS key of this stack; use {owner}'s own key")
            for key in keys:
                if key.tenant != bucket.tenant:
                    yield Finding(config.urn, f"encrypts with {key.tenant or 'the platform'}'s key {key.name}, "
                                              f"must use {owner}'s own key")


def _document(resource: Resource, prop: str):
    """Statements of a policy property; raises UnreadableDocument for garbage."""
    return parse_statements(resource.props.get(prop))


def _is_tls_only_deny(statement) -> bool:
    secure = (statement.condition.get("Bool") or {}).get("aws:SecureTransport")
    return (
        statement.effect == "Deny"
        and is_wildcard_principal(statement.principal)
        and bool({"s3:*", "*"} & set(statement.actions))
        and str(secure).lower() == "false"
    )


def check_tls_only(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
    for bucket in stack.of_types(BUCKET):
        policies = stack.bucket_settings(bucket, BUCKET_POLICY)
        found = False
        for policy in policies:
            try:
                statements = _document(policy, "policy")
            except UnreadableDocument as exc:
                yield Finding(policy.urn, f"policy is {exc}")
                continue
            if statements is None or any(_is_tls_only_deny(s) for s in statements):
                found = True
        if not found:
            yield Finding(bucket.urn, f"bucket {bucket.props.get('bucket', bucket.name)} has no bucket policy statement "
                                      "denying s3:* to every principal when aws:SecureTransport is false")


EXPIRY_FIELDS = ("expiration", "noncurrentVersionExpiration")
"""The camelCase fields pulumi-aws v7 sends for a lifecycle rule that removes data."""


def check_lifecycle(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
    for bucket in stack.of_types(BUCKET):
        configs = stack.bucket_settings(bucket, *LIFECYCLE)
        enabled = [
            rule for c in configs for rule in (c.props.get("rules") or [])
            if rule.get("status") == "Enabled" and any(rule.get(f) for f in EXPIRY_FIELDS)
        ]
        if not enabled:
            yield Finding(bucket.urn, f"bucket {bucket.props.get('bucket', bucket.name)} has no enabled lifecycle "
                                      "rule with an expiration or noncurrentVersionExpiration")


def is_backup_bucket(bucket: Resource) -> bool:
    """Tenant buckets hold the tenant's backups; platform buckets say so in their purpose tag."""
    return bucket.tenant is not None or "backup" in str(bucket.tags.get("dbaas:purpose", ""))


def check_backup_object_lock(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
    for bucket in stack.of_types(BUCKET):
        if not is_backup_bucket(bucket):
            continue
        name = bucket.props.get("bucket", bucket.name)
        if bucket.props.get("objectLockEnabled") is not True:
            yield Finding(bucket.urn, f"backup bucket {name}: objectLockEnabled is "
                                      f"{bucket.props.get('objectLockEnabled')!r}, must be true")
        configs = stack.bucket_settings(bucket, *OBJECT_LOCK)
        retained = [
            c for c in configs
            if c.props.get("objectLockEnabled") == "Enabled"
            and ((c.props.get("rule") or {}).get("defaultRetention") or {}).get("mode") in ("GOVERNANCE", "COMPLIANCE")
        ]
        if not retained:
            yield Finding(bucket.urn, f"backup bucket {name} has no Object Lock configuration with a default retention")


def check_key_rotation(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    if resource.type != KMS_KEY:
        return
    spec = resource.props.get("customerMasterKeySpec", "SYMMETRIC_DEFAULT")
    if spec == "SYMMETRIC_DEFAULT" and resource.props.get("enableKeyRotation") is not True:
        yield f"enableKeyRotation is {resource.props.get('enableKeyRotation')!r}, must be true"


def check_key_deletion_window(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    if resource.type != KMS_KEY:
        return
    minimum = whole_number(ctx.config["minimumDays"])  # pack config reaches the pack as a Struct: 30.0
    if minimum is None:
        yield f"pack config minimumDays is {ctx.config['minimumDays']!r}, must be a whole number"
        return
    problem = at_least("deletionWindowInDays", resource.props.get("deletionWindowInDays", 30), minimum)  # AWS default 30
    if problem:
        yield problem


def check_no_wildcard_principal(resource: Resource, ctx: RuleContext) -> Iterable[str]:
    """Deny statements with Principal '*' are how TLS-only and wrong-key guards are written;
    only Allow statements may not name everyone."""
    for prop in POLICY_DOCUMENTS.get(resource.type, ()):
        try:
            statements = _document(resource, prop)
        except UnreadableDocument as exc:
            yield f"{prop} is {exc}"
            continue
        for s in statements or []:
            if s.effect != "Allow":
                continue
            if is_wildcard_principal(s.principal):
                yield f"{prop} {s.label} allows Principal {s.principal!r}"
            if s.not_principal is not None:
                yield f"{prop} {s.label} allows everyone except NotPrincipal {s.not_principal!r}"


def own_bucket_arn(tenant: str) -> re.Pattern[str]:
    """`declarations.naming.backup_bucket`: `dbaas-<id>-<hash8>`; the fixed-length hash makes the id exact."""
    return re.compile(rf"^arn:aws:s3:::dbaas-{re.escape(tenant)}-[0-9a-f]{{8}}(/.*)?$")


def _resource_problem(arn: str, tenant: str) -> str | None:
    if arn in UNRESOLVED:
        return None
    if "*" == arn or arn.endswith(":*"):
        return f"Resource {arn!r} is a wildcard"
    if arn.startswith("arn:aws:s3:::"):
        return None if own_bucket_arn(tenant).match(arn) else f"Resource {arn!r} is not {tenant}'s bucket"
    if re.match(r"^arn:aws:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]+$", arn):
        return None
    return f"Resource {arn!r} is neither {tenant}'s bucket nor its KMS key"


def check_tenant_iam_scope(stack: StackView, ctx: RuleContext) -> Iterable[Finding]:
    for policy in stack.of_types(*IAM_POLICY_TYPES):
        tenant = policy.tenant
        if tenant is None:
            continue
        for dep in stack.dependencies_of(policy, "policy"):
            if dep.type.startswith("aws:") and dep.tenant != tenant:
                yield Finding(policy.urn, f"policy refers to {dep.tenant or 'platform'} resource {dep.name}")
        try:
            statements = _document(policy, "policy")
        except UnreadableDocument:
            continue  # aws-no-wildcard-principal reports unreadable documents
        for s in statements or []:
            if s.effect != "Allow":
                continue
            for arn in s.resources:
                problem = _resource_problem(arn, tenant)
                if problem:
                    yield Finding(policy.urn, f"policy {s.label}: {problem}")


def _aws_rule(name: str, description: str, severity: Severity, hint: str, **checks: Any) -> Rule:
    return Rule(name=name, description=description, severity=severity, fix_hint=hint, **checks)


BUCKET_HINT = "Build buckets with components.storage.encrypted_bucket.create_encrypted_bucket."

RULES = [
    _aws_rule("aws-bucket-public-access-block", "Every bucket blocks public ACLs and policies (all four settings true).",
              Severity.CRITICAL, BUCKET_HINT, check_stack=check_public_access_block),
    _aws_rule("aws-bucket-versioning", "Every bucket is versioned.", Severity.HIGH, BUCKET_HINT,
              check_stack=check_versioning),
    _aws_rule("aws-bucket-sse-kms-own-key", "Every bucket is encrypted with SSE-KMS under its owner's own key.",
              Severity.CRITICAL, "Pass the same tenant's key ARN (TenantEnvironment.key.arn) to the bucket.",
              check_stack=check_sse_kms_own_key),
    _aws_rule("aws-bucket-tls-only", "Every bucket policy denies requests that do not use TLS.", Severity.HIGH,
              BUCKET_HINT + " Its policy comes from components.aws_policies.bucket_policy.", check_stack=check_tls_only),
    _aws_rule("aws-bucket-lifecycle", "Every bucket has an enabled lifecycle rule that expires data.", Severity.MEDIUM,
              BUCKET_HINT, check_stack=check_lifecycle),
    _aws_rule("aws-backup-bucket-object-lock", "Backup buckets have Object Lock with a default retention.",
              Severity.HIGH, "Set BucketSettings.object_lock_days for backup buckets.",
              check_stack=check_backup_object_lock),
    _aws_rule("aws-kms-key-rotation", "Symmetric KMS keys rotate automatically.", Severity.HIGH,
              "Create keys with components.storage.kms_key.create_kms_key (enable_key_rotation=True).",
              check_resource=check_key_rotation),
    Rule(
        name="aws-kms-deletion-window",
        description="KMS keys wait at least a minimum number of days before deletion.",
        severity=Severity.HIGH,
        fix_hint="Raise the stack's kmsDeletionWindowDays, or lower minimumDays in the pack config.",
        check_resource=check_key_deletion_window,
        config_schema={"minimumDays": {"type": "integer", "minimum": 7, "maximum": 30, "default": 30}},
    ),
    _aws_rule("aws-no-wildcard-principal", "No Allow statement in a key, bucket or IAM policy names every principal.",
              Severity.CRITICAL, "Name the exact role or account in Principal; use Deny statements for guards.",
              check_resource=check_no_wildcard_principal),
    _aws_rule("aws-tenant-iam-scope", "A tenant's IAM policies reach only that tenant's bucket and key.",
              Severity.CRITICAL, "Grant access with components.irsa.grant_bucket_access(tenant role, own bucket, own key).",
              check_stack=check_tenant_iam_scope),
]
