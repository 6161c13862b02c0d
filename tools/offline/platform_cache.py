"""The platform stack's offline plan, remembered by a hash of everything it is made from.

A tenant stack is planned against its region's platform plan (the StackReference's outputs,
the CRDs the platform installs, the physical names it owns). Planning the platform again for
every one-tenant plan, diff or API request cost more than the tenant itself. The platform
program reads no tenant file, so its plan is a function of: the code of the repository, the
stack's merged config, and the installed SDKs. That is the key; the value is written once,
atomically, as JSON (not pickle: a cache file is data, never code).

The value also holds the pinned charts the platform's Helm releases install (declarations/chart_pins.py):
the areas' chart tables declare them on import, and the engine rules and the CRD groups a tenant stack
may rely on read them. A hit declares them again from the entry, so a tenant stack planned on a hit
imports neither the platform's component tree nor what it needs (psycopg).

Where: `$DBAAS_CACHE_DIR`, else `$XDG_CACHE_HOME/dbaas`, else `~/.cache/dbaas`, in
`platform-plans/`. `DBAAS_PLATFORM_CACHE=off` plans the platform every time (the benchmarks'
"cold" figures). A file that cannot be read or does not parse is treated as absent.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from tools.offline.mocks import StackOutputs
from tools.offline.runtime import Registration
from declarations.chart_pins import HELM_RELEASE_TYPE, PinnedChart, chart_pin
from declarations.stack_config import StackFile
from declarations.vendored_artifacts import PROVENANCE_FILE, vendored_artifacts

FORMAT = 3
"""Bump when what is stored, or how it is read back, changes."""
CODE_ROOT = Path(__file__).resolve().parent.parent.parent
"""The repository whose code the running interpreter imports."""
CODE_DIRS = ("declarations", "components", "policies", "stacks", "tenant_project", "tools")
"""Everything the platform program and the engine rules can import or read."""
SDK_DISTRIBUTIONS = ("pulumi", "pulumi-aws", "pulumi-kubernetes", "pulumi-random", "pulumi-policy", "pydantic", "protobuf")
_code_digest: str | None = None


def cache_dir() -> Path:
    explicit = os.environ.get("DBAAS_CACHE_DIR")
    if explicit:
        return Path(explicit) / "platform-plans"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "dbaas" / "platform-plans"


def enabled() -> bool:
    return os.environ.get("DBAAS_PLATFORM_CACHE", "on").lower() not in ("off", "0", "no", "false")


def code_digest() -> str:
    """Hash of every file under CODE_DIRS and the root program files (names and contents), the
    Python version and the SDK versions: once per process (a few milliseconds)."""
    global _code_digest
    if _code_digest is None:
        digest = hashlib.sha256(f"format {FORMAT}\0python {sys.version}\0".encode())
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
    # The vendored installs the platform applies object by object (vendor/, components/vendored_objects.py); the
    # other vendored files (CRDs validated against) do not change the plan and are not read for it.
    files.append(PROVENANCE_FILE)
    files.extend(CODE_ROOT / path for artifact in vendored_artifacts() if artifact.installed_by != "chart"
                 for path in artifact.install_paths)
    return files


def key_for(stack_file: StackFile) -> str:
    """The platform plan's inputs: the code, the stack's name and merged config (secrets are
    offline placeholders there), which keys are secret, and the default account."""
    inputs = {
        "code": code_digest(),
        "stack": stack_file.stack,
        "config": stack_file.pulumi_config,
        "secret_keys": sorted(stack_file.secret_keys),
        "account": stack_file.config.aws_account_id,
        "default_providers_disabled": stack_file.default_providers_disabled,
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()


def load(key: str) -> tuple[list[Registration], StackOutputs] | None:
    if not enabled():
        return None
    try:
        data = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or data.get("key") != key:
            return None
        registrations = [_registration(r) for r in data["registrations"]]
        outputs = StackOutputs(values=data["outputs"], secret_names=frozenset(data["secret_outputs"]))
        pins = [_pin_fields(p) for p in data["pins"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for fields in pins:  # as the chart table that defines the pin would on import (same code: same pin)
        if chart_pin(fields["chart"], fields["version"]) is None:
            PinnedChart(**fields)
    return registrations, outputs


def release_pins(registrations: list[Registration]) -> list[PinnedChart]:
    """The pinned charts the Helm releases among `registrations` install, once each, in plan order."""
    pins: dict[tuple[str, str], PinnedChart] = {}
    for reg in registrations:
        pin = chart_pin(reg.inputs.get("chart"), reg.inputs.get("version")) if reg.type == HELM_RELEASE_TYPE else None
        if pin is not None:
            pins.setdefault((pin.chart, pin.version), pin)
    return list(pins.values())


def _pin_json(pin: PinnedChart) -> dict[str, Any]:
    return {"chart": pin.chart, "version": pin.version, "repository": pin.repository,
            "crd_groups": list(pin.crd_groups), "why_source": pin.why_source}


def _pin_fields(data: dict[str, Any]) -> dict[str, Any]:
    """A stored pin's fields, checked (a wrong type makes the entry absent, not a wrong pin)."""
    chart, version, repository, crd_groups, why = (data[k] for k in ("chart", "version", "repository", "crd_groups",
                                                                      "why_source"))
    if not (isinstance(crd_groups, list) and all(isinstance(s, str) for s in (chart, version, why, *crd_groups))
            and (repository is None or isinstance(repository, str))):
        raise TypeError("not a pinned chart")
    return {"chart": chart, "version": version, "repository": repository, "crd_groups": tuple(crd_groups),
            "why_source": why}


def store(key: str, registrations: list[Registration], outputs: StackOutputs) -> None:
    """Write atomically (temporary file, then rename); a plan that does not survive the JSON
    round trip unchanged is not stored."""
    if not enabled():
        return
    data = {
        "format": FORMAT,
        "key": key,
        "registrations": [_registration_json(r) for r in registrations],
        "outputs": outputs.values,
        "secret_outputs": sorted(outputs.secret_names),
        "pins": [_pin_json(pin) for pin in release_pins(registrations)],
    }
    try:
        text = json.dumps(data, ensure_ascii=False)  # key order kept: readers see the same dicts
        back = json.loads(text)
        if back["outputs"] != outputs.values or [_registration(r) for r in back["registrations"]] != registrations:
            return
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key}.", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(tmp, folder / f"{key}.json")
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    except (OSError, TypeError, ValueError):
        return


def _registration_json(reg: Registration) -> dict[str, Any]:
    return {
        "urn": reg.urn, "type": reg.type, "name": reg.name, "custom": reg.custom, "parent": reg.parent,
        "provider": reg.provider, "inputs": reg.inputs, "protect": reg.protect,
        "retain_on_delete": reg.retain_on_delete, "dependencies": list(reg.dependencies),
        "property_dependencies": {k: list(v) for k, v in reg.property_dependencies.items()},
    }


def _registration(data: dict[str, Any]) -> Registration:
    return Registration(
        urn=data["urn"], type=data["type"], name=data["name"], custom=data["custom"], parent=data["parent"],
        provider=data["provider"], inputs=data["inputs"], protect=data["protect"],
        retain_on_delete=data["retain_on_delete"], dependencies=tuple(data["dependencies"]),
        property_dependencies={k: tuple(v) for k, v in data["property_dependencies"].items()},
    )
