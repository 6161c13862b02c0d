"""Where the offline tools remember what they computed, and how: one JSON file per key.

Three things are remembered, each by a hash of everything it is made from: the platform stack's plan
(tools/offline/platform_cache.py), each tenant stack's plan (tools/offline/tenant_plan_cache.py) and each
stack's policy diagnostics (tools/policy/result_cache.py). A value is JSON, never pickle (a cache file is
data, never code), written atomically (a temporary file, then a rename), so a reader sees a whole entry or
none; an entry that cannot be read, does not parse, or names another format or key is treated as absent.

Where: `$DBAAS_CACHE_DIR`, else `$XDG_CACHE_HOME/dbaas`, else `~/.cache/dbaas`, one folder per kind.
`DBAAS_CACHE=off` turns every kind off (the benchmarks' "cold" figures); each kind also has its own switch.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

OFF = ("off", "0", "no", "false")


def cache_root() -> Path:
    explicit = os.environ.get("DBAAS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dbaas"


def enabled(switch: str) -> bool:
    """On unless `DBAAS_CACHE` or this kind's own switch (an environment variable) says off."""
    return all(os.environ.get(name, "on").lower() not in OFF for name in ("DBAAS_CACHE", switch))


def read(folder: str, key: str, format_version: int) -> dict[str, Any] | None:
    try:
        data = json.loads((cache_root() / folder / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != format_version or data.get("key") != key:
        return None
    return data


def write(folder: str, key: str, format_version: int, value: dict[str, Any]) -> bool:
    """Store `value` under `key`; False when it could not be written (a full disk or a read-only home
    makes the run slower next time, never wrong)."""
    try:
        text = json.dumps({"format": format_version, "key": key, **value}, ensure_ascii=False)
        target = cache_root() / folder
        target.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", dir=target)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, target / f"{key}.json")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return True
    except (OSError, TypeError, ValueError):
        return False
