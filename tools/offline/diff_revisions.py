"""Materialise the desired state at a git revision, and decide how much of it must be rendered.

When only tenant files changed, both sides are rendered from tenants trees that hold just the
changed tenants (ids are unique, so their resources do not depend on other tenants): the cost
follows the size of the change, not the size of the region.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from declarations.errors import InputError, Problem
from tools.offline.diff import PlanSnapshot

PLAN_NEUTRAL_PREFIXES = ("docs/", "tests/", "benchmarks/", ".github/", "policies/")
"""Paths that cannot change the desired state (policies change results, which are always
evaluated from the working tree)."""
PLAN_NEUTRAL_FILES = ("README.md", "BENCHMARKS.md", "tenants/schema.json", "Makefile", ".gitignore")


def _revision_problem(revision: str, message: str) -> InputError:
    return InputError([Problem("(git)", 1, 1, "--base", f"{revision}: {message}")])


def git(repo: Path, *args: str, binary: bool = False) -> str | bytes:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(result.stderr.decode(errors="replace").strip() or f"git {args[0]} failed")
    return result.stdout if binary else result.stdout.decode()


@dataclass(frozen=True)
class Checkout:
    """Where the project sits inside its git repository."""

    root: Path
    prefix: str
    """The project directory relative to the repository root, '' or ending in '/'."""

    @classmethod
    def of(cls, project_dir: Path) -> "Checkout":
        try:
            root = Path(str(git(project_dir, "rev-parse", "--show-toplevel")).strip())
        except RuntimeError:
            raise InputError([Problem(str(project_dir), 1, 1, "(git)", "dbaas diff needs a git checkout of the project")]) from None
        rel = project_dir.resolve().relative_to(root.resolve()).as_posix()
        return cls(root, "" if rel == "." else rel + "/")

    def resolve(self, revision: str) -> str:
        from tools.cli_io import check_revision

        check_revision(revision, "--base")
        try:
            return str(git(self.root, "rev-parse", "--verify", "--quiet", "--end-of-options",
                           f"{revision}^{{commit}}")).strip()
        except RuntimeError:
            raise _revision_problem(revision, "not a commit in this repository") from None

    def changed_paths(self, commit: str) -> list[str]:
        """Project-relative paths that differ between `commit` and the working tree, untracked included."""
        scope = self.prefix or "."
        tracked = str(git(self.root, "diff", "--name-only", "--no-renames", "--end-of-options", commit, "--", scope)).splitlines()
        untracked = str(git(self.root, "ls-files", "--others", "--exclude-standard", "--", scope)).splitlines()
        return sorted({p[len(self.prefix):] for p in tracked + untracked if p.startswith(self.prefix)})

    def earlier_service_names(self, commit: str, tenant_path: str) -> set[str]:
        """Service names declared in any revision of one tenant file up to `commit`: their backups may still
        be in the tenant bucket under `<engine>/<name>` (the lifecycle guards refuse reusing such a name)."""
        path = self.prefix + tenant_path
        names: set[str] = set()
        for rev in str(git(self.root, "log", "--format=%H", "--end-of-options", commit, "--", path)).split():
            try:
                document = yaml.safe_load(str(git(self.root, "show", "--end-of-options", f"{rev}:{path}")))
            except (RuntimeError, yaml.YAMLError):
                continue  # deleted in that revision, or not valid YAML then: it declared nothing usable
            services = document.get("services") if isinstance(document, dict) else None
            names.update(s["name"] for s in services or [] if isinstance(s, dict) and isinstance(s.get("name"), str))
        return names

    def export(self, commit: str, dest: Path, paths: list[str] | None = None) -> None:
        """Write the project at `commit` (or only `paths` of it that exist there) under `dest`."""
        if paths is None:
            specs = [self.prefix or "."]
        else:
            listed = str(git(self.root, "ls-tree", "-r", "--name-only", "--end-of-options", commit, "--",
                             *[self.prefix + p for p in paths])).splitlines() if paths else []
            specs = listed
            if not specs:
                dest.mkdir(parents=True, exist_ok=True)
                return
        # archive takes no `--` here: after --end-of-options it would be read as a pathspec
        data = git(self.root, "archive", "--format=tar", "--end-of-options", commit, *specs, binary=True)
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            for member in archive.getmembers():
                if self.prefix:
                    member.name = member.name[len(self.prefix):] if member.name.startswith(self.prefix) else ""
                if member.name:
                    archive.extract(member, dest, filter="data")


@dataclass(frozen=True)
class ChangeScope:
    """How the diff renders: only `tenant_files`, or both sides in full for `reasons`."""

    tenant_files: tuple[str, ...]
    reasons: tuple[str, ...]

    @property
    def tenants_only(self) -> bool:
        return not self.reasons

    @property
    def tenant_ids(self) -> tuple[str, ...]:
        return tuple(sorted({PurePosixPath(p).stem for p in self.tenant_files}))


def classify(changed: list[str], tenants_rel: str = "tenants") -> ChangeScope:
    tenant_files: list[str] = []
    reasons: list[str] = []
    for path in changed:
        parts = PurePosixPath(path).parts
        if path in PLAN_NEUTRAL_FILES or path.startswith(PLAN_NEUTRAL_PREFIXES):
            continue
        if path.startswith(tenants_rel + "/"):
            if len(parts) == len(PurePosixPath(tenants_rel).parts) + 2 and path.endswith((".yaml", ".yml")):
                tenant_files.append(path)
                continue
        reasons.append(f"{path} changed")
    return ChangeScope(tuple(tenant_files), tuple(reasons))


def build_failure(output: str) -> str:
    """The reason another revision's plan failed, in one line: its last problems, or of a
    traceback (an old revision may predate the offline runner) only the exception line."""
    lines = [line for line in output.strip().splitlines() if line.strip()]
    if any(line.startswith("Traceback (most recent call last)") for line in lines):
        return lines[-1].strip()
    return " | ".join(lines[-5:]) or "no output"


def plan_in_tree(project_dir: Path, stack: str, tenants_dir: Path, label: str) -> PlanSnapshot:
    """Build a plan with the code of another tree, in a child interpreter so that tree's modules,
    not this process's, run; its `dbaas plan --json` output is the stable interface."""
    if not (project_dir / "dbaas" / "cli.py").is_file():
        raise _revision_problem(label, "it predates `dbaas plan` (no dbaas/cli.py at that revision); "
                                       "compare with a later revision")
    out = project_dir / ".dbaas-diff-plan.json"
    env = {**os.environ, "PYTHONPATH": str(project_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "dbaas.cli", "plan", stack, "--tenants-dir", str(tenants_dir), "--json", str(out)],
        cwd=project_dir, env=env, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0 or not out.is_file():
        raise _revision_problem(label, "its desired state does not build: " + build_failure(result.stdout + result.stderr))
    return PlanSnapshot.from_preview_json(stack, json.loads(out.read_text(encoding="utf-8")))
