"""Load tenant files from `tenants/<region>/<id>.yaml` into validated Tenant models.

All problems in all files are collected, so one `dbaas validate` run shows everything a pull
request got wrong, each located at file, line and column.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from dbaas.errors import InputError, Problem
from dbaas.regions import KNOWN_REGIONS
from dbaas.safe_yaml import LocatedDocument, Loc, load_file
from dbaas.tenant_model import PlanLimitError, Tenant, split_field_prefix

TENANT_SUFFIX = ".yaml"


def located_validation_problems(doc: LocatedDocument, exc: ValidationError, model: type[BaseModel]) -> list[Problem]:
    """Turn pydantic errors into problems that point at the offending YAML node."""
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc: Loc = tuple(err["loc"])
        original = (err.get("ctx") or {}).get("error")
        if isinstance(original, PlanLimitError):
            messages = original.errors
        elif err["type"] == "value_error":
            messages = [str(original) if original else err["msg"]]
        else:
            messages = [err["msg"]]
        for message in messages:
            field, text = split_field_prefix(message)
            full_loc = loc + _parse_field(field) if field else loc
            if err["type"] == "extra_forbidden":
                text = _unknown_field_message(doc, loc, model)
                problems.append(doc.problem(full_loc, text, prefer_key=True))
            elif err["type"] == "missing":
                problems.append(doc.problem(full_loc, "required field is missing"))
            else:
                problems.append(doc.problem(full_loc, text))
    return problems


def _parse_field(field: str) -> Loc:
    parts: list[str | int] = []
    for name, index in re.findall(r"([a-z_]+)|\[(\d+)\]", field):
        parts.append(int(index) if index else name)
    return tuple(parts)


def _unknown_field_message(doc: LocatedDocument, loc: Loc, model: type[BaseModel]) -> str:
    name = str(loc[-1])
    allowed = _allowed_fields(model, loc[:-1])
    hint = difflib.get_close_matches(name, allowed, n=1)
    suffix = f"; did you mean '{hint[0]}'?" if hint else (f"; allowed: {', '.join(allowed)}" if allowed else "")
    return f"unknown field '{name}'{suffix}"


def _allowed_fields(model: type[BaseModel], loc: Loc) -> list[str]:
    """Walk the model along `loc` to list the field names allowed at that level."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return []
        current = _inner_model(field.annotation)
    return sorted(getattr(current, "model_fields", {}).keys())


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def parse_tenant(doc: LocatedDocument) -> Tenant:
    try:
        return Tenant.model_validate(doc.data)
    except ValidationError as exc:
        raise InputError(located_validation_problems(doc, exc, Tenant)) from None


def load_tenant_file(path: Path, tenants_dir: Path) -> Tenant:
    """Load one file and check it sits where its id and data_region say it should."""
    shown = _display(path, tenants_dir)
    doc = load_file(path, shown)
    tenant = parse_tenant(doc)
    problems = []
    if path.stem != tenant.id:
        problems.append(doc.problem(("id",), f"id {tenant.id!r} must equal the file name {path.stem!r}"))
    folder = path.parent.name
    if folder != tenant.data_region:
        problems.append(
            doc.problem(("data_region",), f"data_region {tenant.data_region!r} must equal the folder {folder!r}")
        )
    if problems:
        raise InputError(problems)
    return tenant


def _display(path: Path, tenants_dir: Path) -> str:
    try:
        return str(path.resolve().relative_to(tenants_dir.resolve().parent))
    except ValueError:
        return str(path)


def tenant_files(tenants_dir: Path) -> tuple[list[Path], list[Problem]]:
    """Every tenant file in the tree, plus problems for files that are in the wrong place."""
    files: list[Path] = []
    problems: list[Problem] = []
    if not tenants_dir.is_dir():
        return [], [Problem(str(tenants_dir), 1, 1, "(tree)", "tenants directory does not exist")]
    for entry in sorted(tenants_dir.iterdir()):
        if entry.is_dir():
            if entry.name.startswith("."):
                continue
            for f in sorted(entry.iterdir()):
                if f.suffix in (".yaml", ".yml") and f.is_file():
                    if f.suffix == ".yml":
                        problems.append(Problem(_display(f, tenants_dir), 1, 1, "(file)", "tenant files end in .yaml, not .yml"))
                        continue
                    if entry.name not in KNOWN_REGIONS:
                        problems.append(
                            Problem(_display(f, tenants_dir), 1, 1, "(file)",
                                    f"folder {entry.name!r} is not a known region ({', '.join(KNOWN_REGIONS)})")
                        )
                        continue
                    files.append(f)
        elif entry.suffix in (".yaml", ".yml"):
            problems.append(
                Problem(_display(entry, tenants_dir), 1, 1, "(file)", "tenant files live in tenants/<region>/<id>.yaml")
            )
    return files, problems


def load_tenant_tree(tenants_dir: Path, region: str | None = None) -> list[Tenant]:
    """Load and validate the whole tree (ids are unique across all regions), then filter by region.

    The whole tree is always validated, because uniqueness is a property of the tree, not of a
    region; a region's stack then receives only its own tenants.
    """
    files, problems = tenant_files(tenants_dir)
    tenants: list[Tenant] = []
    first_seen: dict[str, str] = {}
    for f in files:
        try:
            tenant = load_tenant_file(f, tenants_dir)
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        shown = _display(f, tenants_dir)
        if tenant.id in first_seen:
            problems.append(Problem(shown, 1, 1, "id", f"tenant id {tenant.id!r} is already used by {first_seen[tenant.id]}"))
            continue
        first_seen[tenant.id] = shown
        tenants.append(tenant)
    if problems:
        raise InputError(problems)
    tenants.sort(key=lambda t: t.id)
    if region is not None:
        return [t for t in tenants if t.data_region == region]
    return tenants


def validate_files(paths: list[Path], tenants_dir: Path) -> list[Problem]:
    """Validate some files, plus id uniqueness against the rest of the tree."""
    problems: list[Problem] = []
    loaded: dict[Path, Tenant] = {}
    for p in paths:
        try:
            loaded[p.resolve()] = load_tenant_file(p, tenants_dir)
        except InputError as exc:
            problems.extend(exc.problems)
    others, _ = tenant_files(tenants_dir)
    paths_by_id: dict[str, list[Path]] = {}
    for path, tenant in loaded.items():
        paths_by_id.setdefault(tenant.id, []).append(path)
    for other in others:
        if other.resolve() in loaded:
            continue
        for path in paths_by_id.get(other.stem, []):
            problems.append(
                Problem(_display(path, tenants_dir), 1, 1, "id",
                        f"tenant id {other.stem!r} is already used by {_display(other, tenants_dir)}")
            )
    return problems
