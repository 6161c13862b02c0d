"""Fields an operator reads only when it creates an object: a change on an existing object is accepted by the API
server and then does nothing, so the diff refuses it where the stack file asks for it.

CloudNativePG reads `spec.bootstrap` (initdb, recovery) only when it creates a Cluster; its webhook does not refuse
a later change (cloudnative-pg v1.29.0 internal/webhook/v1/cluster_webhook.go validateClusterChanges has no
bootstrap rule), so a recovery declared on the running cluster would restore nothing, silently.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from declarations.errors import InputError, Problem
from tools.offline.diff import PlanSnapshot
from declarations.safe_yaml import load_file
from declarations.stack_config import PROJECT


@dataclass(frozen=True)
class CreateOnly:
    field: str
    """Top-level key of `spec` the operator reads only at creation."""
    config_key: str
    """The stack config key that sets it, where the refusal is located."""
    instead: str
    acts: Callable[[Any], bool]
    """Whether a new value asks the operator to do something (a recovery). Changing to a value that asks nothing
    (back to `initdb` once the recovered cluster runs) is ignored by the operator and harmless, so allowed."""


CREATE_ONLY: dict[str, CreateOnly] = {
    "kubernetes:postgresql.cnpg.io/v1:Cluster": CreateOnly(
        "bootstrap", "controlPlaneDbRecoverFrom",
        "CloudNativePG reads bootstrap only when it creates a cluster, so the running cluster would restore nothing; "
        "set controlPlaneDbClusterName to a new name too, so the recovery creates a new cluster (README of "
        "components/controlplane_db, 'Recovery')",
        acts=lambda bootstrap: isinstance(bootstrap, dict) and "recovery" in bootstrap),
}


def _spec_field(inputs: dict[str, Any], field: str) -> Any:
    return (inputs.get("spec") or {}).get(field)


def create_only_problems(base: Any, head: Any, project_dir: Path, stack: str) -> list[Problem]:
    """Each object of `head` that exists in `base` (same URN and name) with a changed create-only field."""
    old = {r.urn: r for r in PlanSnapshot.of(base).resources}
    problems: list[Problem] = []
    for new in PlanSnapshot.of(head).resources:
        rule, before = CREATE_ONLY.get(new.type), old.get(new.urn)
        if rule is None or before is None:
            continue
        name = (new.inputs.get("metadata") or {}).get("name")
        if (before.inputs.get("metadata") or {}).get("name") != name:
            continue  # another object: created, with its bootstrap
        value = _spec_field(new.inputs, rule.field)
        if value != _spec_field(before.inputs, rule.field) and rule.acts(value):
            problems.append(_located(project_dir, stack, rule, f"spec.{rule.field} of the existing {name!r} would "
                                                               f"change: {rule.instead}"))
    return problems


def _located(project_dir: Path, stack: str, rule: CreateOnly, message: str) -> Problem:
    shown = f"Pulumi.{stack}.yaml"
    key = f"{PROJECT}:{rule.config_key}"
    try:
        doc = load_file(project_dir / shown, shown)
    except InputError:
        return Problem(shown, 1, 1, f"config.{key}", message)
    config = doc.data.get("config") if isinstance(doc.data, dict) else None
    loc = ("config", key) if isinstance(config, dict) and key in config else ("config",)
    return doc.problem(loc, message, prefer_key=True)
