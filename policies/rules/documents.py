"""Reading IAM, key and bucket policy documents the way AWS does (single values or lists)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from policies.rules.model import UNRESOLVED


class UnreadableDocument(ValueError):
    """The property holds something that is not a JSON policy document."""


@dataclass(frozen=True)
class Statement:
    index: int
    sid: str
    effect: str
    principal: Any
    not_principal: Any
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    condition: dict[str, Any]

    @property
    def label(self) -> str:
        return f"Statement[{self.index}]" + (f" ({self.sid})" if self.sid else "")


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def parse_statements(document: Any) -> list[Statement] | None:
    """Statements of a policy given as JSON text or a dict; None when the value is secret or
    not yet known (nothing to check), UnreadableDocument when it is not a policy document."""
    if document is None or document in UNRESOLVED:
        return None
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as exc:
            raise UnreadableDocument(f"not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(document, dict):
        raise UnreadableDocument("a policy document must be a JSON object")
    statements = []
    for i, raw in enumerate(as_list(document.get("Statement"))):
        if not isinstance(raw, dict):
            raise UnreadableDocument(f"Statement[{i}] is not an object")
        statements.append(
            Statement(
                index=i,
                sid=str(raw.get("Sid", "")),
                effect=str(raw.get("Effect", "")),
                principal=raw.get("Principal"),
                not_principal=raw.get("NotPrincipal"),
                actions=tuple(str(a) for a in as_list(raw.get("Action"))),
                resources=tuple(str(r) for r in as_list(raw.get("Resource"))),
                condition=raw.get("Condition") or {},
            )
        )
    return statements


def is_wildcard_principal(principal: Any) -> bool:
    """`"*"`, `{"AWS": "*"}` or any principal list that contains `*`."""
    if principal == "*":
        return True
    if isinstance(principal, dict):
        return any("*" in as_list(v) for v in principal.values())
    return False
