"""pydantic validation errors to 422 field errors with readable paths.

Plan-limit errors arrive as one error at the tenant level whose messages start with a field
path (`services[1].replicas: ...`); they are split so each names its own field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from api.errors import FieldError
from declarations.safe_yaml import format_loc
from declarations.tenant_model import PlanLimitError, split_field_prefix

Loc = tuple[str | int, ...]
_LOCATION_PREFIXES = ("body", "header", "path", "query")


def field_errors(errors: Iterable[Mapping[str, Any]], relocate: Callable[[Loc], Loc] = lambda loc: loc) -> list[FieldError]:
    """`relocate` maps a model-relative location to where the caller sent the value."""
    result: list[FieldError] = []
    for err in errors:
        loc: Loc = tuple(err["loc"])
        original = (err.get("ctx") or {}).get("error")
        if isinstance(original, PlanLimitError):
            messages = original.errors
        elif err["type"] == "value_error" and original is not None:
            messages = [str(original)]
        else:
            messages = [err["msg"]]
        for message in messages:
            relative, text = split_field_prefix(message)
            full = relocate(loc + parse_path(relative) if relative else loc)
            result.append(FieldError(loc=list(full), field=_display(full), msg=text, type=err["type"]))
    return result


def parse_path(path: str) -> Loc:
    """'services[1].backups.retention_days' -> ('services', 1, 'backups', 'retention_days')."""
    return tuple(int(index) if index else name for name, index in re.findall(r"([a-z_]+)|\[(\d+)\]", path))


def _display(loc: Loc) -> str:
    """A path for people: 'body' is implied, a header keeps its name."""
    if loc and loc[0] == "header":
        return f"header {'.'.join(map(str, loc[1:]))}"
    rest = loc[1:] if loc and loc[0] in _LOCATION_PREFIXES else loc
    if not rest or isinstance(rest[0], int):
        return str(loc[0]) if loc else "body"
    return format_loc(rest)
