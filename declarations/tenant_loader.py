"""Load tenant files from `tenants/<region>/<id>.yaml` into validated Tenant models.

All problems in all files are collected, so one `dbaas validate` run shows everything a pull
request got wrong, each located at file, line and column.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import stat
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from declarations.errors import InputError, Problem
from declarations.regions import KNOWN_REGIONS
from declarations.safe_yaml import LocatedDocument, Loc, file_kind, load_bytes, load_file, read_declaration_bytes
from declarations.tenant_model import PlanLimitError, Tenant, split_field_prefix

TENANT_SUFFIX = ".yaml"


def locate_in_trees(problem: Problem, trees: list[Path]) -> Problem:
    """A problem about `tenants/<region>/<id>.yaml` at 1:1, moved to the line and column of its
    field in the first of `trees` (tenants folders) that holds that file and still parses."""
    relative = Path(problem.path).parts[1:]
    for tree in trees:
        path = tree.joinpath(*relative)
        if not relative or not path.is_file() or path.is_symlink():
            continue
        try:
            doc = load_file(path, problem.path)
        except InputError:
            continue
        line, col = doc.mark_for(parse_field(problem.field), prefer_key=True)
        return dataclasses.replace(problem, line=line, col=col)
    return problem


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
            full_loc = loc + parse_field(field) if field else loc
            if err["type"] == "extra_forbidden":
                text = _unknown_field_message(doc, loc, model)
                problems.append(doc.problem(full_loc, text, prefer_key=True))
            elif err["type"] == "missing":
                problems.append(doc.problem(full_loc, "required field is missing"))
            else:
                problems.append(doc.problem(full_loc, text))
    return problems


def parse_field(field: str) -> Loc:
    """'services[1].backups' -> ('services', 1, 'backups')."""
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


_PARSED: dict[tuple[str, str, bytes], tuple[LocatedDocument, Tenant]] = {}
"""Valid tenant files parsed in this process, by where they sit and their bytes: a diff loads the same tree three
times (each side's plan, each side's review), a base tree mostly the same files; parsing one costs about 6 ms, so
1,000 tenants cost seconds per load. Tenant is frozen, and the document is only read, so sharing them is safe."""
_PARSED_MAX = 20_000


def load_tenant_file(path: Path, tenants_dir: Path) -> Tenant:
    """Load one file and check it sits where its id and data_region say it should."""
    shown = _display(path, tenants_dir)
    if path.is_symlink():
        raise InputError([_entry_problem(path, tenants_dir, SYMLINK_MESSAGE)])
    raw = read_declaration_bytes(path, shown)
    key = (shown, f"{path.parent.name}/{path.stem}", raw)
    parsed = _PARSED.get(key)
    if parsed is None:
        doc = load_bytes(raw, shown)
        parsed = (doc, parse_tenant(doc))
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.clear()
        _PARSED[key] = parsed
    doc, tenant = parsed
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


TREE_EXCEPTIONS = ("schema.json",)
"""Regular files at the top of tenants/ that are not tenant files (the exported JSON Schema)."""
PLACEMENT = "tenant files live in tenants/<region>/<id>.yaml"
SYMLINK_MESSAGE = "is a symbolic link; tenant files must be regular files (links are not followed)"


def _display(path: Path, tenants_dir: Path) -> str:
    """`tenants/<region>/<name>` for an entry of the tree; the entry itself is never resolved,
    so a symbolic link is shown as itself, not as its target."""
    try:
        return str((path.parent.resolve() / path.name).relative_to(tenants_dir.resolve().parent))
    except (ValueError, OSError, RuntimeError):
        return str(path)


def _entry_problem(path: Path, tenants_dir: Path, message: str) -> Problem:
    return Problem(_display(path, tenants_dir), 1, 1, "(file)", message)


def _listing(folder: Path, tenants_dir: Path) -> tuple[list[os.DirEntry[str]], list[Problem]]:
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda e: e.name), []
    except OSError as exc:
        return [], [Problem(_display(folder, tenants_dir), 1, 1, "(tree)", f"cannot list folder: {exc.strerror}")]


def _mode(entry: os.DirEntry[str]) -> int:
    try:
        return entry.stat(follow_symlinks=False).st_mode
    except OSError:
        return 0


def tree_root_problems(tenants_dir: Path) -> list[Problem]:
    """The tree itself must be a readable folder; otherwise nothing, uniqueness included, is checked."""
    if not tenants_dir.exists():
        return [Problem(str(tenants_dir), 1, 1, "(tree)", "tenants directory does not exist")]
    if not tenants_dir.is_dir():
        return [Problem(str(tenants_dir), 1, 1, "(tree)", "tenants directory is not a directory")]
    return []


def tenant_files(tenants_dir: Path) -> tuple[list[Path], list[Problem]]:
    """Every tenant file in the tree, plus a problem for every other entry: a tenant file that
    is not where the tools read it would silently not be deployed. The only entries allowed
    besides region folders of `<id>.yaml` files are TREE_EXCEPTIONS."""
    problems = tree_root_problems(tenants_dir)
    if problems:
        return [], problems
    entries, problems = _listing(tenants_dir, tenants_dir)
    files: list[Path] = []
    for entry in entries:
        path, mode = Path(entry.path), _mode(entry)
        if stat.S_ISREG(mode) and entry.name in TREE_EXCEPTIONS:
            continue
        if stat.S_ISDIR(mode):
            found, more = _region_files(path, tenants_dir)
            files.extend(found)
            problems.extend(more)
        elif stat.S_ISLNK(mode):
            problems.append(_entry_problem(path, tenants_dir, f"{SYMLINK_MESSAGE}; {PLACEMENT}"))
        elif stat.S_ISREG(mode):
            problems.append(_entry_problem(path, tenants_dir, PLACEMENT))
        else:
            problems.append(_entry_problem(path, tenants_dir, f"is {file_kind(mode)}; {PLACEMENT}"))
    return files, problems


def _region_files(folder: Path, tenants_dir: Path) -> tuple[list[Path], list[Problem]]:
    known = folder.name in KNOWN_REGIONS
    unknown_region = f"folder {folder.name!r} is not a known region ({', '.join(KNOWN_REGIONS)})"
    entries, problems = _listing(folder, tenants_dir)
    if not known and not entries and not problems:
        problems.append(Problem(_display(folder, tenants_dir), 1, 1, "(tree)", unknown_region))
    files: list[Path] = []
    for entry in entries:
        path, mode = Path(entry.path), _mode(entry)
        suffix = path.suffix
        if stat.S_ISLNK(mode):
            message = SYMLINK_MESSAGE
        elif stat.S_ISDIR(mode):
            message = f"is a folder; {PLACEMENT} (subfolders are not read)"
        elif not stat.S_ISREG(mode):
            message = f"is {file_kind(mode)}; tenant files must be regular files"
        elif suffix == TENANT_SUFFIX:
            if known:
                files.append(path)
                continue
            message = unknown_region
        elif suffix == ".yml":
            message = "tenant files end in .yaml, not .yml"
        elif suffix.lower() in (".yaml", ".yml"):
            message = f"tenant files end in .yaml (lower case), not {suffix}"
        else:
            message = f"not a tenant file; {PLACEMENT}"
        problems.append(_entry_problem(path, tenants_dir, message))
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
    root = tree_root_problems(tenants_dir)
    if root:
        return problems + [Problem(r.path, r.line, r.col, r.field, f"{r.message}; ids cannot be checked for uniqueness")
                           for r in root]
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


def load_one_tenant(tenants_dir: Path, region: str, tenant_id: str) -> Tenant | None:
    """One tenant's file, validated, for a tenant stack (`<region>.<tenant-id>`); None if the
    region has no such file.

    A tenant stack reads only its own declaration, so its cost does not grow with the region.
    What the tree as a whole must satisfy is checked as cheaply as it can be: the tree's layout
    (a listing, no file read) and the id's uniqueness across regions, by file names, because
    every file's id must equal its name (load_tenant_file). `dbaas validate` still checks every
    file of the tree.
    """
    files, problems = tenant_files(tenants_dir)
    if problems:
        raise InputError(problems)
    path = tenants_dir / region / f"{tenant_id}{TENANT_SUFFIX}"
    named = sorted(f for f in files if f.stem == tenant_id)
    if path not in named:
        return None
    tenant = load_tenant_file(path, tenants_dir)
    others = [f for f in named if f != path]
    if others:
        first = min(named, key=lambda f: _display(f, tenants_dir))
        later = path if first != path else others[0]
        raise InputError([Problem(_display(later, tenants_dir), 1, 1, "id",
                                  f"tenant id {tenant_id!r} is already used by {_display(first, tenants_dir)}")])
    return tenant
