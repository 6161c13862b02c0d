"""Derived names are DNS-safe, length-safe, deterministic and never shared by two tenants."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from declarations.naming import backup_bucket, dns_label, kms_alias, platform_bucket, service_instance, tenant_namespace, tenant_role

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
BUCKET = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
tenant_ids = st.from_regex(r"\A[a-z0-9]([-a-z0-9]{1,38}[a-z0-9])\Z")


@settings(max_examples=300)
@given(tenant_ids, tenant_ids)
def test_two_tenants_never_share_a_name(a, b):
    if a == b:
        return
    for derive in (tenant_namespace, tenant_role, kms_alias, lambda t: backup_bucket(t, "111122223333")):
        assert derive(a) != derive(b)


@settings(max_examples=300)
@given(tenant_ids)
def test_names_are_valid_and_short_enough(tenant):
    ns = tenant_namespace(tenant)
    assert DNS_LABEL.match(ns) and len(ns) <= 63
    bucket = backup_bucket(tenant, "111122223333")
    assert BUCKET.match(bucket) and 3 <= len(bucket) <= 63 and ".." not in bucket
    assert len(tenant_role(tenant)) <= 64


def test_bucket_names_differ_between_accounts_and_are_stable():
    assert backup_bucket("acme", "111122223333") == backup_bucket("acme", "111122223333")
    assert backup_bucket("acme", "111122223333") != backup_bucket("acme", "444455556666")
    assert backup_bucket("acme", "111122223333") == "dbaas-acme-0d37ebf7"


def test_long_labels_are_shortened_with_a_hash_and_stay_distinct():
    a, b = dns_label("x" * 60, "alpha"), dns_label("x" * 60, "beta")
    assert len(a) == len(b) == 63 and a != b and DNS_LABEL.match(a)
    assert service_instance("orders", "yugabyte") == "orders-yugabyte"


def test_platform_buckets_cannot_collide_with_tenant_buckets():
    assert platform_bucket("lagos", "thanos", "111122223333").startswith("dbaas-p-lagos-thanos-")
    # a tenant called "p-lagos-thanos" would get a different hash suffix
    assert backup_bucket("p-lagos-thanos", "111122223333") != platform_bucket("lagos", "thanos", "111122223333")
