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


@lru_cache(maxsize=200_000)
def allowed(role_arn: str, policies: tuple[str, ...], action: str, resource: str, context: tuple[tuple[str, str], ...],
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
