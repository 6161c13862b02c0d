"""IAM verdicts with a real policy evaluator: principalmapper's local simulation (NCC Group's pmapper 1.1.5).

Why not moto: moto's IAMPolicyStatement returns DENIED for an Allow whose condition fails and knows only
StringEquals (moto 5.2.5 moto/iam/access_control.py:493, moto/iam/policy_conditions.py:14), and its S3 bucket
policy check treats any Deny as unconditional. pmapper evaluates every condition operator, IfExists and Null
included (principalmapper/querying/local_policy_simulation.py:118 _get_condition_match, :346 _get_str_match),
explicit denies in identity and resource policies first, and requires the key policy (or trust policy) to
authorize KMS (or IAM) calls even inside the account (query_interface.py:361-365).

Verdicts are memoised per (policy documents, action, resource, context): a region's tenants share few shapes.
"""

from __future__ import annotations

import collections
import collections.abc
import json
import re
from functools import lru_cache

# pmapper 1.1.5 still imports Mapping and MutableMapping from `collections` (principalmapper/util/
# case_insensitive_dict.py:34), removed in Python 3.10: give it the collections.abc classes it means.
for _name in ("Mapping", "MutableMapping"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from principalmapper.common import Node, Policy  # noqa: E402
from principalmapper.querying.local_policy_simulation import policy_has_matching_statement  # noqa: E402
from principalmapper.querying.query_interface import local_check_authorization_full  # noqa: E402
from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict  # noqa: E402


def _node(role_arn: str, policies: tuple[str, ...]) -> Node:
    attached = [Policy(role_arn, f"inline-{i}", json.loads(doc)) for i, doc in enumerate(policies)]
    return Node(role_arn, f"AROA{abs(hash(role_arn)) % 10**12:012d}", attached, [], {"Version": "2012-10-17", "Statement": []},
                None, 0, False, False, None, False, {})


def _statements(doc: str) -> list[dict]:
    statements = json.loads(doc).get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _listed(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


@lru_cache(maxsize=50_000)
def _identity_allow_patterns(policies: tuple[str, ...]) -> tuple[str, ...]:
    """Resource patterns of the identity policies' Allow statements (`*` for NotResource: anything)."""
    out: list[str] = []
    for doc in policies:
        for st in _statements(doc):
            if st.get("Effect") == "Allow":
                out.extend(_listed(st.get("Resource")) if "Resource" in st else ["*"])
    return tuple(out)


@lru_cache(maxsize=50_000)
def _resource_allow_principals(resource_policy: str | None) -> tuple[str, ...]:
    """AWS principals the resource policy's Allow statements name (`*` for a wildcard or NotPrincipal)."""
    if not resource_policy:
        return ()
    out: list[str] = []
    for st in _statements(resource_policy):
        if st.get("Effect") != "Allow":
            continue
        principal = st.get("Principal")
        if "NotPrincipal" in st or principal == "*":
            out.append("*")
        elif isinstance(principal, dict):
            out.extend(_listed(principal.get("AWS")))
    return tuple(out)


def _pattern_matches(pattern: str, value: str) -> bool:
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*").replace(r"\?", "."), value) is not None


def may_allow(role_arn: str, policies: tuple[str, ...], resource: str, resource_policy: str | None) -> bool:
    """False only when no Allow anywhere can apply: no identity Allow names a resource pattern that matches, and no
    resource-policy Allow names this role, its account or `*`. Same-account access then has no grant at all
    (an implicit deny), so the full evaluation is skipped: it is the common case of cross-tenant probes."""
    if any(_pattern_matches(p, resource) for p in _identity_allow_patterns(policies)):
        return True
    account = role_arn.split(":")[4]
    return any(p in ("*", role_arn, account, f"arn:aws:iam::{account}:root") or _pattern_matches(p, role_arn)
               for p in _resource_allow_principals(resource_policy))


def allowed(role_arn: str, policies: tuple[str, ...], action: str, resource: str, context: tuple[tuple[str, str], ...],
            resource_policy: str | None, owner: str) -> bool:
    if not may_allow(role_arn, policies, resource, resource_policy):
        return False
    return _allowed(role_arn, policies, action, resource, context, resource_policy, owner)


@lru_cache(maxsize=200_000)
def _allowed(role_arn: str, policies: tuple[str, ...], action: str, resource: str, context: tuple[tuple[str, str], ...],
            resource_policy: str | None, owner: str) -> bool:
    """Full evaluation: explicit denies anywhere, then the resource policy, then the identity policies."""
    return local_check_authorization_full(
        _node(role_arn, policies), action, resource, dict(context),
        json.loads(resource_policy) if resource_policy else None, owner if resource_policy else None)


@lru_cache(maxsize=50_000)
def web_identity_trusted(trust_policy: str, provider_arn: str, issuer: str, subject: str) -> bool:
    """Whether the trust policy lets a token of `provider_arn` for `subject` (audience sts.amazonaws.com)
    call sts:AssumeRoleWithWebIdentity: the statements naming that federated principal, conditions evaluated."""
    doc = json.loads(trust_policy)
    statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]

    def names_provider(statement: dict) -> bool:
        federated = (statement.get("Principal") or {}).get("Federated", []) if isinstance(statement.get("Principal"), dict) else []
        return provider_arn in ([federated] if isinstance(federated, str) else federated)

    context = CaseInsensitiveDict({f"{issuer}:sub": subject, f"{issuer}:aud": "sts.amazonaws.com"})
    mine = {"Version": "2012-10-17", "Statement": [s for s in statements if names_provider(s)]}
    if policy_has_matching_statement(mine, "Deny", "sts:AssumeRoleWithWebIdentity", "*", context):
        return False
    return policy_has_matching_statement(mine, "Allow", "sts:AssumeRoleWithWebIdentity", "*", context)
