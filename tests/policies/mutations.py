"""Helpers to break one property of one resource in a policy view without touching the shared plan."""

from __future__ import annotations

import copy
import dataclasses
from typing import Any, Callable

from policies.rules.model import Resource, StackView


def named(view: StackView, name: str) -> Resource:
    found = [r for r in view.resources if r.name == name]
    assert len(found) == 1, f"expected one resource named {name}, found {len(found)}"
    return found[0]


def with_resource(view: StackView, name: str, change: Callable[[dict[str, Any]], None] | None = None,
                  **fields: Any) -> StackView:
    """A new view in which resource `name` has a deep-copied, changed `props` and/or other fields."""
    target = named(view, name)
    props = copy.deepcopy(dict(target.props))
    if change is not None:
        change(props)
    replaced = dataclasses.replace(target, props=props, **fields)
    return StackView(view.stack, [replaced if r is target else r for r in view.resources])


def without(view: StackView, name: str) -> StackView:
    target = named(view, name)
    return StackView(view.stack, [r for r in view.resources if r is not target])


def plus(view: StackView, resource: Resource) -> StackView:
    return StackView(view.stack, [*view.resources, resource])
