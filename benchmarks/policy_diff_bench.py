"""Time `dbaas policy` and `dbaas diff` for N tenants, with a one-tenant change and a component change.

Usage: python benchmarks/policy_diff_bench.py [--diff-only] 10 100 1000
`--diff-only` times only the one-tenant change's diff (no region plan, no policy run).
Builds a temporary git repository with N generated lagos tenants (copies of the shipped
`acme` shape with unique ids), then times the offline policy run and both diff modes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tools.offline.diff_command import run_diff  # noqa: E402
from tools.offline.plan import build_plan  # noqa: E402
from tools.policy.runner import evaluate_plan  # noqa: E402

PARTS = ("declarations", "components", "policies", "stacks", "tools", "api", "dbaas", "tenant_project")
FILES = ("Pulumi.yaml", "Pulumi.lagos.yaml", "Pulumi.frankfurt.yaml", "__main__.py")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def make_repo(root: Path, tenants: int) -> Path:
    project = root / "project"
    for part in PARTS:
        shutil.copytree(PROJECT / part, project / part, ignore=shutil.ignore_patterns("__pycache__"))
    for name in FILES:
        shutil.copyfile(PROJECT / name, project / name)
    template = (PROJECT / "tenants" / "lagos" / "acme.yaml").read_text(encoding="utf-8")
    (project / "tenants" / "lagos").mkdir(parents=True)
    (project / "tenants" / "frankfurt").mkdir(parents=True)
    for i in range(tenants):
        tid = f"bench-{i:04d}"
        text = template.replace("id: acme", f"id: {tid}").replace("org: acme", f"org: org-{i:04d}")
        (project / "tenants" / "lagos" / f"{tid}.yaml").write_text(text, encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "-c", "user.name=b", "-c", "user.email=b@example.net", "commit", "-q", "-m", "base")
    return project


def timed(label: str, fn) -> float:
    start = time.perf_counter()
    fn()
    took = time.perf_counter() - start
    print(f"  {label:<40} {took:8.2f} s", flush=True)
    return took


def bench(tenants: int, diff_only: bool = False) -> None:
    print(f"{tenants} tenants")
    with tempfile.TemporaryDirectory() as tmp:
        project = make_repo(Path(tmp), tenants)
        if diff_only:
            one = project / "tenants" / "lagos" / "bench-0000.yaml"
            one.write_text(one.read_text(encoding="utf-8").replace("storage_gb: 100", "storage_gb: 120"), encoding="utf-8")
            for run in range(3):
                timed(f"diff: one-tenant change (run {run + 1})", lambda: run_diff("lagos", project, "HEAD"))
            return
        plan = build_plan("lagos", project, project / "tenants")
        print(f"  {'plan resources':<40} {len(plan.registrations):8d}")
        timed("policy: build plan + evaluate", lambda: evaluate_plan(
            build_plan("lagos", project, project / "tenants"), project / "tenants"))
        timed("policy: evaluate only", lambda: evaluate_plan(plan, project / "tenants"))
        one = project / "tenants" / "lagos" / "bench-0000.yaml"
        one.write_text(one.read_text(encoding="utf-8").replace("storage_gb: 100", "storage_gb: 120"), encoding="utf-8")
        timed("diff: one-tenant change", lambda: run_diff("lagos", project, "HEAD"))
        git(project.parent, "checkout", "-q", "--", ".")
        bucket = project / "components" / "storage" / "encrypted_bucket.py"
        bucket.write_text(bucket.read_text(encoding="utf-8").replace("ABORT_MULTIPART_DAYS = 7", "ABORT_MULTIPART_DAYS = 3"),
                          encoding="utf-8")
        timed("diff: component change (both sides full)", lambda: run_diff("lagos", project, "HEAD"))


if __name__ == "__main__":
    only = "--diff-only" in sys.argv
    for n in [int(a) for a in sys.argv[1:] if a != "--diff-only"] or [10, 100]:
        bench(n, only)
