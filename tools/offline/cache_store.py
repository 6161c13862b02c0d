"""Where the offline tools remember what they computed, and how: one JSON file per key.

Three things are remembered, each by a hash of everything it is made from: the platform stack's plan
(tools/offline/platform_cache.py), each tenant stack's plan (tools/offline/tenant_plan_cache.py) and each
stack's policy diagnostics (tools/policy/result_cache.py). A value is JSON, never pickle (a cache file is
data, never code), written atomically (a temporary file, then a rename), so a reader sees a whole entry or
none; an entry that cannot be read, does not parse, or names another format or key is treated as absent.

Where: `$DBAAS_CACHE_DIR`, else `$XDG_CACHE_HOME/dbaas`, else `~/.cache/dbaas`, one folder per kind.
`DBAAS_CACHE=off` turns every kind off; each kind also has its own switch. What the code is (`code_digest`) is
part of every key.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from declarations.vendored_artifacts import PROVENANCE_FILE, vendored_artifacts

OFF = ("off", "0", "no", "false")
DEFAULT_MAX_MB = 1024
"""Per kind: a 1,000-tenant region's tenant plans take about 130 MB per revision of the code, so a folder keeps
the last several revisions and no more (`DBAAS_CACHE_MAX_MB`)."""
_pruned: set[str] = set()
CODE_ROOT = Path(__file__).resolve().parent.parent.parent
"""The repository whose code the running interpreter imports."""
CODE_DIRS = ("declarations", "components", "policies", "stacks", "tenant_project", "tools")
"""Everything the platform program and the engine rules can import or read."""
SDK_DISTRIBUTIONS = ("pulumi", "pulumi-aws", "pulumi-kubernetes", "pulumi-random", "pulumi-policy", "pydantic", "protobuf",
                     "kubernetes-validate")
_code_digest: str | None = None


def code_digest() -> str:
    """Hash of every file under CODE_DIRS and the root program files (names and contents), the
    Python version and the SDK versions: once per process (a few milliseconds)."""
    global _code_digest
    if _code_digest is None:
        digest = hashlib.sha256(f"python {sys.version}\0".encode())
        for name in SDK_DISTRIBUTIONS:
            try:
                digest.update(f"{name}=={metadata.version(name)}\0".encode())
            except metadata.PackageNotFoundError:
                digest.update(f"{name} absent\0".encode())
        for path in _code_files():
            digest.update(path.relative_to(CODE_ROOT).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        _code_digest = digest.hexdigest()
    return _code_digest


def _code_files() -> list[Path]:
    files = [CODE_ROOT / name for name in ("__main__.py", "Pulumi.yaml") if (CODE_ROOT / name).is_file()]
    for folder in CODE_DIRS:
        for root, dirs, names in os.walk(CODE_ROOT / folder):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
            files.extend(Path(root) / n for n in sorted(names) if not n.endswith((".pyc", ".pyo")))
    # The vendored installs the platform applies object by object (vendor/, components/vendored_objects.py), and
    # the strict schemas the objects are validated against (vendor/schemas; a tenant plan's entry keeps its
    # validation result). The vendored CRD files themselves are read only to derive those schemas.
    files.append(PROVENANCE_FILE)
    files.extend(CODE_ROOT / path for artifact in vendored_artifacts() if artifact.installed_by != "chart"
                 for path in artifact.install_paths)
    for root, dirs, names in os.walk(CODE_ROOT / "vendor" / "schemas"):
        dirs.sort()
        files.extend(Path(root) / n for n in sorted(names))
    return files


def cache_root() -> Path:
    explicit = os.environ.get("DBAAS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dbaas"


class CacheMismatch(RuntimeError):
    """Verify mode found a remembered value that differs from a fresh computation: a key that misses an input.
    Never expected; loud on purpose."""


def mode(switch: str) -> str:
    """`off`, `verify` (compute everything, compare with what is remembered) or `on`, for this kind."""
    if not enabled(switch):
        return "off"
    return "verify" if os.environ.get(switch, "").lower() == "verify" else "on"


def enabled(switch: str) -> bool:
    """On unless `DBAAS_CACHE` or this kind's own switch (an environment variable) says off."""
    return all(os.environ.get(name, "on").lower() not in OFF for name in ("DBAAS_CACHE", switch))


def lookup(switch: str, folder: str, key: str, format_version: int) -> dict[str, Any] | None:
    """The entry, unless this kind is switched off or the entry is absent."""
    return read(folder, key, format_version) if enabled(switch) else None


def read(folder: str, key: str, format_version: int) -> dict[str, Any] | None:
    path = cache_root() / folder / f"{key}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        os.utime(path)  # recently used: pruned last
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != format_version or data.get("key") != key:
        return None
    return data


def write(folder: str, key: str, format_version: int, value: dict[str, Any],
          survives: Callable[[dict[str, Any]], bool] | None = None) -> bool:
    """Store `value` under `key`; False when it could not be written (a full disk or a read-only home
    makes the run slower next time, never wrong), or when `survives`, given the value read back from its JSON
    text, says the round trip changed it (a value JSON cannot hold is not remembered)."""
    try:
        text = json.dumps({"format": format_version, "key": key, **value}, ensure_ascii=False)
        if survives is not None and not survives(json.loads(text)):
            return False
        target = cache_root() / folder
        target.mkdir(parents=True, exist_ok=True)
        if folder not in _pruned:
            _pruned.add(folder)
            prune(target, max_bytes())
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", dir=target)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, target / f"{key}.json")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        return True
    except (OSError, TypeError, ValueError, KeyError):
        return False


def max_bytes() -> int:
    try:
        return max(0, int(os.environ.get("DBAAS_CACHE_MAX_MB", DEFAULT_MAX_MB))) * 1024 * 1024
    except ValueError:
        return DEFAULT_MAX_MB * 1024 * 1024


def prune(folder: Path, budget: int) -> None:
    """Remove the least recently used entries until the folder holds at most `budget` bytes (once per process and
    kind, before its first write)."""
    try:
        entries = [(e.stat().st_mtime, e.stat().st_size, Path(e.path)) for e in os.scandir(folder)
                   if e.is_file() and e.name.endswith(".json")]
    except OSError:
        return
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= budget:
            break
        try:
            path.unlink()
            total -= size
        except OSError:
            continue
