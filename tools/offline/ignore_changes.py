"""`ignoreChanges` as the Pulumi engine applies it, so the offline diff shows what a real update would change.

Before diffing, the engine resets each ignored property of the new inputs to its old input value, and deletes it
from the new inputs when the old inputs lack it (pulumi pkg/resource/deploy/step_generator.go processIgnoreChanges,
sdk/go/common/resource/properties_path.go PropertyPath.Reset). A path that cannot be followed on both sides (an
intermediate object missing in the new inputs but present in the old ones, an index outside either list) is a
path error: the engine only reports it and ignores nothing. A real `pulumi preview --json` already carries the
reset inputs, so only the offline plans need this.

Paths are Pulumi property paths: `a.b`, `a["key.with/dots"]`, `a[0].b`. The `*` wildcard is not used by this
platform and does not parse here, rather than being guessed.
"""

from __future__ import annotations

import copy
import re
from typing import Any

_TOKEN = re.compile(r'\.?([A-Za-z_$][A-Za-z0-9_$-]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]')


def parse_path(path: str) -> list[str | int]:
    """Split a Pulumi property path into keys and indices; ValueError when it is not one."""
    parts: list[str | int] = []
    pos = 0
    while pos < len(path):
        m = _TOKEN.match(path, pos)
        if m is None or (pos == 0 and path.startswith(".")):
            raise ValueError(f"not a property path: {path!r} (at character {pos})")
        name, index, quoted = m.groups()
        if name is not None:
            parts.append(name)
        elif index is not None:
            parts.append(int(index))
        else:
            parts.append(re.sub(r'\\(.)', r'\1', quoted))
        pos = m.end()
    if not parts:
        raise ValueError(f"not a property path: {path!r}")
    return parts


def _reset(path: list[str | int], old: Any, new: Any) -> bool:
    """PropertyPath.reset for keys and indices: True when the path was followed (and `new` reset in place)."""
    key, rest = path[0], path[1:]
    if isinstance(key, int):
        if not isinstance(old, list) or not isinstance(new, list):
            return not isinstance(old, list) and not isinstance(new, list)
        if key >= len(old) or key >= len(new):
            return not rest and key >= len(old) and key >= len(new)
        if not rest:
            new[key] = copy.deepcopy(old[key])
            return True
        return _reset(rest, old[key], new[key])
    if not rest:
        if isinstance(old, dict) and key in old:
            if not isinstance(new, dict):
                return False
            new[key] = copy.deepcopy(old[key])
        elif isinstance(new, dict):
            new.pop(key, None)
        return True
    if not isinstance(old, dict) or not isinstance(new, dict):
        return not isinstance(old, dict) and not isinstance(new, dict)
    if key in old and key not in new:
        return False
    if key not in old and key not in new:
        return True
    return _reset(rest, old.get(key), new[key])


def apply_ignore_changes(old_inputs: dict[str, Any], new_inputs: dict[str, Any],
                         paths: tuple[str, ...] | list[str]) -> dict[str, Any]:
    """The new inputs the engine diffs and sends to the provider: `new_inputs` with every ignored path reset."""
    if not paths:
        return new_inputs
    result = copy.deepcopy(new_inputs)
    for path in paths:
        trial = copy.deepcopy(result)
        if _reset(parse_path(path), old_inputs, trial):
            result = trial
    return result
