"""The CRDs' transition rules (`oldSelf`) across a diff: an update the API server would refuse.

The base revision's object is `oldSelf`, the head's is `self`, for every custom resource that is
the same API object on both sides (same URN, apiVersion, kind, name and namespace). An object
whose name or namespace changes is replaced (a new object, created without `oldSelf`), so its
transition rules do not apply. A change of apiVersion goes through the operator's conversion,
which cannot run offline; such an object is not checked here (the head object's own rules still
are, by `validate_object`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tools.kubernetes.cel import CelViolation
from tools.kubernetes.validation import NOT_OBJECTS, transition_problems
from tools.offline.diff import PlanSnapshot


@dataclass(frozen=True)
class TransitionProblem:
    """One transition rule that refuses the update of one object."""

    urn: str
    violation: CelViolation

    def __str__(self) -> str:
        return f"{self.urn}: {self.violation}"

    def to_json(self) -> dict[str, str]:
        return {"urn": self.urn, "path": self.violation.path, "message": self.violation.body,
                "crd": self.violation.rule.crd, "rule": self.violation.rule.rule}


def _identity(obj: dict[str, Any]) -> tuple[Any, ...]:
    meta = obj.get("metadata") or {}
    return obj.get("apiVersion"), obj.get("kind"), meta.get("name"), meta.get("namespace")


def transition_problems_of(base: Any, head: Any) -> list[TransitionProblem]:
    """Every transition-rule violation of every custom resource updated from `base` to `head`."""
    old = {r.urn: r for r in PlanSnapshot.of(base).resources}
    found = []
    for new in PlanSnapshot.of(head).resources:
        before = old.get(new.urn)
        if before is None or not new.type.startswith("kubernetes:") or new.type in NOT_OBJECTS:
            continue
        if _identity(before.inputs) != _identity(new.inputs):
            continue
        found.extend(TransitionProblem(new.urn, v) for v in transition_problems(before.inputs, new.inputs))
    return found
