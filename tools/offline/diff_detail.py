"""What a reviewer reads in a diff beyond the URNs: property paths, list items by name, masked secrets.

- Paths: `spec.hard['requests.cpu']`, `rules[0].verbs[2]`, and for lists of named things
  `groups[name='tenant-slo'].rules[alert='SloBurnFast'].expr`, so removing one alert rule shows
  one removed rule, not every later rule shifted by one position.
- Creates: every input leaf, as `pulumi preview --diff` prints a create.
- Secrets: values the program wrapped as secrets arrive as `[secret]` already; a Kubernetes
  Secret's `data` and `stringData` are masked as well, because the Kubernetes provider marks them
  secret by itself (pulumi/pulumi-kubernetes#803, #1577), so a real preview never shows them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

SECRET = "[secret]"
NATURAL_KEYS = ("name", "alert", "record", "Sid", "id", "key")
"""Fields that name a list item, in order of preference: Kubernetes containers, ports, volumes,
env and rule groups (`name`), Prometheus rules (`alert`, `record`), IAM statements (`Sid`),
S3 lifecycle rules (`id`)."""
SECRET_PATHS: dict[str, tuple[str, ...]] = {"kubernetes:core/v1:Secret": ("data", "stringData")}


def maybe_document(value: Any) -> Any:
    """Policy documents travel as JSON text; diff them as structures so paths reach statements."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _plain_key(key: Any) -> bool:
    return isinstance(key, str) and key.replace("_", "").isalnum()


def child_path(path: str, key: Any) -> str:
    if _plain_key(key):
        return f"{path}.{key}" if path else str(key)
    return f"{path}[{key!r}]"


def natural_key(*lists: list[Any]) -> str | None:
    """The field naming every item of these lists uniquely, if there is one."""
    items = [item for values in lists for item in values]
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in NATURAL_KEYS:
        if all(isinstance(item.get(key), (str, int)) and not isinstance(item.get(key), bool) for item in items) and \
                all(len({item[key] for item in values}) == len(values) for values in lists):
            return key
    return None


def keyed_path(path: str, key: str, value: Any) -> str:
    return f"{path}[{key}={value!r}]"


def leaves(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every scalar (or empty collection) under `value`, with the diff's paths."""
    value = maybe_document(value)
    if isinstance(value, dict) and value:
        for key in sorted(value, key=str):
            yield from leaves(value[key], child_path(path, key))
    elif isinstance(value, list) and value:
        key = natural_key(value)
        for i, item in enumerate(value):
            yield from leaves(item, keyed_path(path, key, item[key]) if key else f"{path}[{i}]")
    else:
        yield path, value


def masked(type_: str, path: str, value: Any) -> Any:
    """The value as a reviewer may see it: secrets of a Kubernetes Secret are masked."""
    for secret in SECRET_PATHS.get(type_, ()):
        if path == secret or path.startswith((secret + ".", secret + "[")):
            return SECRET
    return value
