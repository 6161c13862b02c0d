"""`dbaas policy lagos` and `dbaas diff` (one-tenant change, component change) for N tenants, before and after.

Usage: python benchmarks/policy_diff_bench.py [--runs 3] [--cache cold|warm|both] [--before REV] [--after REV] [--only WHAT[,WHAT]] [N ...]

For each side (`--after`, default HEAD, and `--before REV` if given) it exports the revision with `git archive`
into its own temporary git repository, replaces the shipped tenants with N copies of the side's `acme` tenant
(unique ids; frankfurt left empty), commits that as the base, and runs the whole CLI there in fresh processes
(`PYTHONPATH` and the working directory are that repository, so the code measured is the side's own):
- `plan`: `dbaas plan lagos --json F`; it also counts the resources whose inputs hold the bucket lifecycle rule
  `abortIncompleteMultipartUpload.daysAfterInitiation: 7`, which the component change must update;
- `policy`: `dbaas policy lagos` (exit 0 or 1: a mandatory violation is a result, not a failure of the run);
- `tenant-diff`: tenant bench-0000's storage 100 -> 120 GB in the working tree, `dbaas diff lagos --base HEAD`;
  the script asserts that there are changes and that every one belongs to bench-0000;
- `component-diff`: a commit that changes `ABORT_MULTIPART_DAYS` 7 -> 3 in components/storage/encrypted_bucket.py,
  then `dbaas diff lagos --base HEAD~1`; the script asserts exactly as many updates as the plan counted, and no
  create, replace or delete, before it prints a time. The commit is dropped again (`git reset --hard HEAD~1`).
Each side has its own cache directory (tools/offline/cache_store.py), in one of two states (`--cache`):
- `cold`: before every timed command the cache holds the platform plan only (as after any earlier one-tenant
  plan of the same code): every tenant stack is planned and every stack goes through the analyzer protocol;
- `warm`: before every timed command, the cache as a `dbaas plan lagos` and `dbaas policy lagos` of the base
  commit left it (CI restoring main's cache, a developer who planned before): unchanged stacks come back from
  it, and what a change touches is planned and evaluated again (a component change: every stack on the new
  side).
The sides alternate run by run, so both see the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from benchmarks.runs import Run, export, load, run_process, short, summary  # noqa: E402

WHAT = ("plan", "policy", "tenant-diff", "component-diff")
COMPONENT = Path("components/storage/encrypted_bucket.py")
OLD_RULE, NEW_RULE = "ABORT_MULTIPART_DAYS = 7", "ABORT_MULTIPART_DAYS = 3"
CHANGED_TENANT = "bench-0000"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=bench", "-c", "user.email=bench@example.net", *args],
                          check=True, capture_output=True, text=True).stdout


def make_repo(revision: str, root: Path, tenants: int) -> Path:
    """REVISION exported into its own git repository with N lagos tenants, committed as the base."""
    repo = export(revision, root)
    template = (repo / "tenants" / "lagos" / "acme.yaml").read_text(encoding="utf-8")
    for region in ("lagos", "frankfurt"):
        shutil.rmtree(repo / "tenants" / region)
        (repo / "tenants" / region).mkdir()
    for i in range(tenants):
        tid = f"bench-{i:04d}"
        text = template.replace("id: acme", f"id: {tid}").replace("org: acme", f"org: org-{i:04d}")
        (repo / "tenants" / "lagos" / f"{tid}.yaml").write_text(text, encoding="utf-8")
    if OLD_RULE not in (repo / COMPONENT).read_text(encoding="utf-8"):
        raise SystemExit(f"{revision}: {COMPONENT} has no `{OLD_RULE}`: the component change cannot be made")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


class Side:
    def __init__(self, label: str, repo: Path, cache: Path, cold_snapshot: Path | None = None):
        """`cold_snapshot`: a cache folder copied over `cache` before every command (cold mode)."""
        self.label, self.repo, self.cache, self.cold_snapshot = label, repo, cache, cold_snapshot
        self.env = {**os.environ, "PYTHONPATH": str(repo), "DBAAS_CACHE_DIR": str(cache)}
        self.runs: dict[str, list[Run]] = {w: [] for w in WHAT}
        self.rule_holders: int | None = None
        self.notes: dict[str, str] = {}

    def cli(self, *args: str, ok: tuple[int, ...] = (0,)) -> Run:
        if self.cold_snapshot is not None:
            shutil.rmtree(self.cache, ignore_errors=True)
            shutil.copytree(self.cold_snapshot, self.cache)
        return run_process([sys.executable, "-m", "dbaas.cli", *args], self.repo, self.env, ok)

    def plan(self, out: Path) -> None:
        self.runs["plan"].append(self.cli("plan", "lagos", "--json", str(out)))
        steps = json.loads(out.read_text())["steps"]
        holders = sum(1 for s in steps if "\"daysAfterInitiation\": 7" in json.dumps(s))
        if self.rule_holders not in (None, holders):
            raise SystemExit(f"{self.label}: {holders} resources hold the lifecycle rule, {self.rule_holders} before")
        self.rule_holders = holders
        self.notes["plan"] = f"{len(steps)} resources"

    def policy(self) -> None:
        run = self.cli("policy", "lagos", ok=(0, 1))
        self.runs["policy"].append(run)
        self.notes["policy"] = run.stdout.strip().splitlines()[-1][:100] if run.stdout.strip() else ""

    def diff(self, base: str, out: Path) -> tuple[Run, dict]:
        run = self.cli("diff", "lagos", "--base", base, "--json", str(out), ok=(0, 1))
        return run, json.loads(out.read_text())

    def tenant_diff(self, out: Path) -> None:
        path = self.repo / "tenants" / "lagos" / f"{CHANGED_TENANT}.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace("storage_gb: 100", "storage_gb: 120"), encoding="utf-8")
        try:
            run, report = self.diff("HEAD", out)
        finally:
            git(self.repo, "checkout", "-q", "--", ".")
        changed = [c["urn"] for c in report["changes"]]
        strangers = [u for u in changed if CHANGED_TENANT not in u]
        if not changed or strangers:
            raise SystemExit(f"{self.label}: the one-tenant diff shows {len(changed)} changes, "
                             f"{len(strangers)} outside {CHANGED_TENANT} (first: {strangers[:1]})")
        self.runs["tenant-diff"].append(run)
        self.notes["tenant-diff"] = f"{report['summary']}, rendered tenants {report['renderedTenants']}"

    def component_diff(self, out: Path) -> None:
        component = self.repo / COMPONENT
        component.write_text(component.read_text(encoding="utf-8").replace(OLD_RULE, NEW_RULE), encoding="utf-8")
        git(self.repo, "commit", "-q", "-am", "component change: abort incomplete uploads after 3 days")
        try:
            run, report = self.diff("HEAD~1", out)
        finally:
            git(self.repo, "reset", "-q", "--hard", "HEAD~1")
        s = report["summary"]
        if self.rule_holders is None:
            raise SystemExit("component-diff needs the plan measurement (it counts the resources to update)")
        if s["update"] != self.rule_holders or s["create"] or s["replace"] or s["delete"]:
            raise SystemExit(f"{self.label}: the component diff shows {s}; expected {self.rule_holders} updates only")
        self.runs["component-diff"].append(run)
        self.notes["component-diff"] = f"{s['update']} updates (asserted), fullRenderReasons {report['fullRenderReasons']}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--before", metavar="REV")
    parser.add_argument("--after", metavar="REV", default="HEAD")
    parser.add_argument("--only", type=lambda v: v.split(","), default=list(WHAT), metavar="WHAT[,WHAT]",
                        help=f"measure only these, comma-separated, of {', '.join(WHAT)} (component-diff needs plan)")
    parser.add_argument("--cache", choices=("cold", "warm", "both"), default="both",
                        help="the cache state before each command (see above)")
    parser.add_argument("sizes", nargs="*", type=int)
    args = parser.parse_args()
    unknown = sorted(set(args.only) - set(WHAT))
    if unknown:
        parser.error(f"--only: unknown {', '.join(unknown)}; choose from {', '.join(WHAT)}")
    if "component-diff" in args.only and "plan" not in args.only:
        parser.error("component-diff needs plan (it counts the resources the change must update)")
    print(f"machine: {os.cpu_count()} cores; load average {load():.2f}; {args.runs} runs per measurement and side")
    for n in args.sizes or [100]:
        with tempfile.TemporaryDirectory() as tmp:
            revisions = {f"after ({short(args.after)})": args.after}
            if args.before:
                revisions[f"before ({short(args.before)})"] = args.before
            out = Path(tmp) / "out.json"
            sides = []
            for i, (label, rev) in enumerate(revisions.items()):
                repo, snapshot = make_repo(rev, Path(tmp) / f"side{i}", n), Path(tmp) / f"platform-only{i}"
                # The platform plan cached, as after any earlier one-tenant plan of this code: the cold state.
                Side(label, repo, snapshot).cli("plan", f"lagos.{CHANGED_TENANT}", "--json", str(out))
                shutil.rmtree(snapshot / "tenant-plans", ignore_errors=True)
                shutil.rmtree(snapshot / "policy-results", ignore_errors=True)
                if args.cache in ("cold", "both"):
                    sides.append(Side(f"{label} cold", repo, Path(tmp) / f"cold{i}", snapshot))
                if args.cache in ("warm", "both"):
                    # The base commit planned and evaluated once; that state is restored before every command, so a
                    # later run never finds what an earlier run's change left (the component change is the same
                    # commit each run: its head side would come back from the cache).
                    based = Path(tmp) / f"base-warm{i}"
                    warming = Side(label, repo, based)
                    shutil.copytree(snapshot, based)
                    warming.cli("plan", "lagos", "--json", str(out))
                    warming.cli("policy", "lagos", ok=(0, 1))
                    sides.append(Side(f"{label} warm", repo, Path(tmp) / f"warm{i}", based))
            for _ in range(args.runs):
                for side in sides:
                    for what in args.only:
                        getattr(side, what.replace("-", "_"))(*(() if what == "policy" else (out,)))
            print(f"{n} tenants in lagos", flush=True)
            for what in args.only:
                for side in sides:
                    print(summary(f"{what}, {side.label}", side.runs[what]) + f"  [{side.notes.get(what, '')}]", flush=True)


if __name__ == "__main__":
    main()
