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
from principalmapper.querying import local_policy_simulation as _simulation  # noqa: E402
from principalmapper.util.case_insensitive_dict import CaseInsensitiveDict  # noqa: E402

# pmapper compiles a regular expression for every pattern of every statement on every check; its docstring says
# the function is lru_cached (local_policy_simulation.py:892-894), the code is not. Memoise it as documented: a
# region's thousands of distinct ARNs otherwise overflow `re`'s own 512-entry cache on every evaluation.
_simulation._compose_pattern = lru_cache(maxsize=131_072)(_simulation._compose_pattern)
_substituting_match = _simulation._matches_after_expansion


def _matches_after_expansion(string_to_check, string_to_check_against, condition_keys=None):
    """pmapper's own match, minus its walk over every context key to substitute `${key}` variables when the
    pattern has none (local_policy_simulation.py:908-927: each replace is then a no-op)."""
    if "${" not in string_to_check_against:
        return _simulation._compose_pattern(string_to_check_against).match(string_to_check) is not None
    return _substituting_match(string_to_check, string_to_check_against, condition_keys)


_simulation._matches_after_expansion = _matches_after_expansion


def _node(role_arn: str, policies: tuple[str, ...]) -> Node:
    attached = [Policy(role_arn, f"inline-{i}", json.loads(doc)) for i, doc in enumerate(policies)]
    return Node(role_arn, f"AROA{abs(hash(role_arn)) % 10**12:012d}", attached, [], {"Version": "2012-10-17", "Statement": []},
                None, 0, False, False, None, False, {})


def _statements(doc: str) -> list[dict]:
    statements = json.loads(doc).get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _listed(value) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


class _Patterns:
    """IAM wildcard patterns (`*`, `?`, case-sensitive as for resources and principals) compiled once: literals
    in a set, wildcards as one regular expression."""

    def __init__(self, patterns: list[str], ignore_case: bool = False):
        self.literals = {p.lower() if ignore_case else p for p in patterns if "*" not in p and "?" not in p}
        wild = [re.escape(p).replace(r"\*", ".*").replace(r"\?", ".") for p in patterns if "*" in p or "?" in p]
        self.regex = re.compile("|".join(f"(?:{w})" for w in wild), re.IGNORECASE if ignore_case else 0) if wild else None
        self.ignore_case = ignore_case

    def match(self, value: str) -> bool:
        if (value.lower() if self.ignore_case else value) in self.literals:
            return True
        return bool(self.regex and self.regex.fullmatch(value))


@lru_cache(maxsize=50_000)
def _identity_allows(policies: tuple[str, ...]) -> tuple[tuple[_Patterns, _Patterns], ...]:
    """(actions, resources) of the identity policies' Allow statements; NotAction/NotResource count as `*`."""
    out = []
    for doc in policies:
        for st in _statements(doc):
            if st.get("Effect") == "Allow":
                out.append((_Patterns(_listed(st.get("Action")) if "Action" in st else ["*"], ignore_case=True),
                            _Patterns(_listed(st.get("Resource")) if "Resource" in st else ["*"])))
    return tuple(out)


@lru_cache(maxsize=50_000)
def _resource_allows(resource_policy: str | None) -> tuple[tuple[_Patterns, _Patterns], ...]:
    """(actions, AWS principals) of the resource policy's Allow statements; `*` for a wildcard or NotPrincipal."""
    if not resource_policy:
        return ()
    out = []
    for st in _statements(resource_policy):
        if st.get("Effect") != "Allow":
            continue
        principal = st.get("Principal")
        if "NotPrincipal" in st or principal == "*":
            principals = ["*"]
        elif isinstance(principal, dict):
            principals = _listed(principal.get("AWS"))
        else:
            principals = []
        out.append((_Patterns(_listed(st.get("Action")) if "Action" in st else ["*"], ignore_case=True),
                    _Patterns(principals)))
    return tuple(out)


@lru_cache(maxsize=50_000)
def identity_resources(policies: tuple[str, ...], actions: tuple[str, ...]) -> _Patterns:
    """The resource patterns of the identity policies' Allow statements that cover any of `actions`."""
    patterns: list[str] = []
    for doc in policies:
        for st in _statements(doc):
            if st.get("Effect") == "Allow" and ("NotAction" in st or any(
                    _Patterns(_listed(st.get("Action")), True).match(a) for a in actions)):
                patterns.extend(_listed(st.get("Resource")) if "Resource" in st else ["*"])
    return _Patterns(patterns)


@lru_cache(maxsize=200_000)
def resource_grantees(resource_policy: str | None, actions: tuple[str, ...]) -> _Patterns:
    """The AWS principals a resource policy's Allow statements name for any of `actions` (`*`: anyone)."""
    principals: list[str] = []
    for st in _statements(resource_policy) if resource_policy else []:
        if st.get("Effect") == "Allow" and ("NotAction" in st or any(
                _Patterns(_listed(st.get("Action")), True).match(a) for a in actions)):
            principal = st.get("Principal")
            if "NotPrincipal" in st or principal == "*":
                principals.append("*")
            elif isinstance(principal, dict):
                principals.extend(_listed(principal.get("AWS")))
    return _Patterns(principals)


def may_allow(role_arn: str, policies: tuple[str, ...], action: str, resource: str, resource_policy: str | None) -> bool:
    """False only when no Allow can apply: no identity Allow covers this action on this resource, and no
    resource-policy Allow covers this action for this role, its account or `*`. Same-account access then has no
    grant at all (an implicit deny, whatever the conditions), so the full evaluation is skipped: the common case of
    cross-tenant probes."""
    if any(actions.match(action) and resources.match(resource) for actions, resources in _identity_allows(policies)):
        return True
    account = role_arn.split(":")[4]
    names = (role_arn, account, f"arn:aws:iam::{account}:root")
    return any(actions.match(action) and any(principals.match(n) for n in names)
               for actions, principals in _resource_allows(resource_policy))


@lru_cache(maxsize=50_000)
def external_ids_trusted(trust_policy: str | None, principal_arn: str) -> frozenset[str] | None:
    """The external ids with which the trust policy lets `principal_arn` call sts:AssumeRole, when that is plain to
    read: Allow statements naming the principal whose only condition is StringEquals on sts:ExternalId, and no Deny.
    None when anything else is in play (no condition, other operators, a Deny): evaluate in full then."""
    if not trust_policy:
        return frozenset()
    ids: set[str] = set()
    for st in _statements(trust_policy):
        if st.get("Effect") != "Allow":
            return None
        principal = st.get("Principal")
        principals = _Patterns(_listed(principal.get("AWS")) if isinstance(principal, dict) else ["*"])
        if not (principals.match(principal_arn) and _Patterns(_listed(st.get("Action")), True).match("sts:AssumeRole")):
            continue
        condition = st.get("Condition")
        if not isinstance(condition, dict) or set(condition) != {"StringEquals"} or set(condition["StringEquals"]) != {"sts:ExternalId"}:
            return None
        ids.update(_listed(condition["StringEquals"]["sts:ExternalId"]))
    return frozenset(ids)


def allowed(role_arn: str, policies: tuple[str, ...], action: str, resource: str, context: tuple[tuple[str, str], ...],
            resource_policy: str | None, owner: str) -> bool:
    if not may_allow(role_arn, policies, action, resource, resource_policy):
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
