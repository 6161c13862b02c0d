"""`dbaas diff` against real temporary git repositories holding a copy of the project."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dbaas.cli import main
from declarations.errors import InputError
from tools.offline.diff import PlanSnapshot, ResourceState, diff_plans
from tools.offline.diff_command import run_diff
from tools.offline.diff_render import render_markdown, to_json
from tests.conftest import PROJECT_DIR

PROJECT_PARTS = ("api", "components", "dbaas", "policies", "stacks", "tenant_project", "tenants")
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.lagos.yaml", "Pulumi.frankfurt.yaml", "__main__.py")
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose `project/` subdirectory is a copy of this project, committed once."""
    project = tmp_path / "repo" / "project"
    for part in PROJECT_PARTS:
        if (PROJECT_DIR / part).is_dir():
            shutil.copytree(PROJECT_DIR / part, project / part, ignore=IGNORE)
    for name in PROJECT_FILES:
        shutil.copyfile(PROJECT_DIR / name, project / name)
    _git(tmp_path / "repo", "init", "-q", "-b", "main")
    _git(tmp_path / "repo", "add", ".")
    _git(tmp_path / "repo", "-c", "user.name=t", "-c", "user.email=t@example.net", "commit", "-q", "-m", "base")
    return project


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_one_tenant_change_renders_only_that_tenant(repo: Path):
    _edit(repo / "tenants" / "lagos" / "naija-stream.yaml", "plan: starter", "plan: standard")
    report = run_diff("lagos", repo, "HEAD")
    assert report.rendered_tenants == ("naija-stream",)
    assert report.full_render_reasons == ()
    quota = next(c for c in report.diff.changes if c.urn.endswith("::naija-stream.quota"))
    assert quota.op == "update"
    assert {(p.path, p.old, p.new) for p in quota.changes} >= {
        ("spec.hard['requests.cpu']", "4", "24"), ("metadata.labels['dbaas.io/plan']", "starter", "standard")}
    assert all("::acme" not in c.urn and "::kudi-pay" not in c.urn for c in report.diff.changes)
    assert report.diff.destructive == []


def test_removing_a_tenant_is_flagged_destructive_and_fails_with_fail_on_destroy(repo: Path, tmp_path: Path,
                                                                                monkeypatch, capsys):
    (repo / "tenants" / "lagos" / "naija-stream.yaml").unlink()
    monkeypatch.chdir(repo)
    markdown = tmp_path / "comment.md"
    assert main(["diff", "lagos", "--base", "HEAD", "--markdown", str(markdown), "--fail-on-destroy"]) == 1
    lines = capsys.readouterr().out.splitlines()
    destructive = {next(t for t in line.split() if t.startswith("urn:")).rsplit("::", 1)[-1] for line in lines
                   if line.startswith("!!! DELETE")}
    assert "naija-stream.namespace" in destructive
    # issue 22, item 10: the bucket and the key outlive even an unprotected tenant (retainOnDelete)
    assert {"naija-stream.backups", "naija-stream.key"}.isdisjoint(destructive)
    retained = {next(t for t in line.split() if t.startswith("urn:")).rsplit("::", 1)[-1] for line in lines
                if "RETAINED" in line and "urn:" in line}
    assert retained >= {"naija-stream.backups", "naija-stream.key"}
    comment = markdown.read_text(encoding="utf-8")
    assert "> [!CAUTION]" in comment and "**DELETE namespace urn:pulumi:lagos.naija-stream::dbaas-tenant::" in comment


def test_component_change_renders_fully_and_says_why(repo: Path):
    """The base side is built by a child interpreter from the base revision's own code; the head
    side by this process (whose code is /work/main's, unchanged, so both sides agree here)."""
    _edit(repo / "components" / "storage" / "encrypted_bucket.py", "ABORT_MULTIPART_DAYS = 7", "ABORT_MULTIPART_DAYS = 3")
    report = run_diff("lagos", repo, "HEAD")
    assert report.rendered_tenants is None
    assert report.full_render_reasons == ("components/storage/encrypted_bucket.py changed",)
    assert report.diff.changes == [] and report.diff.summary.same > 300
    assert "Rendered both sides fully because components/storage/encrypted_bucket.py changed." in render_markdown(report)


def test_unknown_revision_is_a_clear_error(repo: Path):
    with pytest.raises(InputError) as caught:
        run_diff("lagos", repo, "no-such-branch")
    assert str(caught.value) == "(git):1:1: --base: no-such-branch: not a commit in this repository"


def _state(urn: str, type_: str, inputs: dict, protect: bool = True) -> ResourceState:
    return ResourceState(urn, type_, inputs, protect, protect, "urn:aws", "")


def test_renaming_a_bucket_is_a_destructive_replace_and_secrets_stay_hidden():
    base = PlanSnapshot("lagos", (_state("urn:b", "aws:s3/bucket:Bucket", {"bucket": "old"}),
                                  _state("urn:p", "pulumi:providers:kubernetes", {"kubeconfig": "[secret]"}, False)))
    head = PlanSnapshot("lagos", (_state("urn:b", "aws:s3/bucket:Bucket", {"bucket": "new"}),
                                  _state("urn:p", "pulumi:providers:kubernetes", {"kubeconfig": "[secret]"}, False)))
    diff = diff_plans(base, head)
    assert [(c.urn, c.op, c.replace_because, c.stateful) for c in diff.changes] == [
        ("urn:b", "replace", ("bucket",), "bucket")]
    assert diff.summary.replace == 1 and diff.summary.same == 1


def test_refused_transition_fails_the_diff_with_its_location_and_attention_is_listed(repo: Path, tmp_path: Path,
                                                                                      monkeypatch, capsys):
    """kudi-pay: ledger's storage shrinks (refused, exit 1); wallets goes 7.0 -> 8.0 (needs attention)."""
    path = repo / "tenants" / "lagos" / "kudi-pay.yaml"
    _edit(path, "    storage_gb: 500\n", "    storage_gb: 400\n")
    _edit(path, 'version: "7.0"', 'version: "8.0"')
    monkeypatch.chdir(repo)
    markdown = tmp_path / "comment.md"
    assert main(["diff", "lagos", "--base", "HEAD", "--markdown", str(markdown)]) == 1
    out = capsys.readouterr().out
    refused = ("tenants/lagos/kudi-pay.yaml:16:17: services[0].storage_gb: 500 -> 400 GB shrinks the data volumes, "
               "which Kubernetes refuses for a PersistentVolumeClaim (and some operators silently ignore); keep "
               "storage_gb at 500 or more, or create a smaller new service and move the data into it logically "
               "(dump and load)")
    upgrade = ("tenants/lagos/kudi-pay.yaml:21:14: services[1].version: mongodb 7.0 -> 8.0: rolling in-place upgrade "
               "by the operator; take a backup first (`operations: [{id: <new id>, action: backup}]` in an earlier "
               "change) and check client compatibility")
    assert f"refused: {refused}" in out.splitlines()
    assert out.splitlines()[out.splitlines().index("Needs attention (1):") + 1] == f"  {upgrade}"
    comment = markdown.read_text(encoding="utf-8")
    assert ("> [!NOTE]\n> **Needs attention** (allowed, risky):\n> - `tenants/lagos/kudi-pay.yaml:21:14` "
            "services[1].version: mongodb 7.0 -> 8.0: rolling in-place upgrade") in comment
    assert "> - `tenants/lagos/kudi-pay.yaml:16:17` services[0].storage_gb: 500 -> 400 GB shrinks" in comment


def test_a_new_service_may_not_take_a_name_from_the_tenant_files_history(repo: Path):
    """naija-stream (unprotected) drops `cache` in one commit; adding a `cache` back later would write into, and
    restore from, the old one's backups under dragonfly/cache."""
    path = repo / "tenants" / "lagos" / "naija-stream.yaml"
    original = path.read_text(encoding="utf-8")
    cache = original[original.index("  - name: cache\n"):]
    path.write_text(original.replace(cache, ""), encoding="utf-8")
    _git(repo.parent, "-c", "user.name=t", "-c", "user.email=t@example.net", "commit", "-qam", "drop cache")
    path.write_text(original, encoding="utf-8")

    report = run_diff("lagos", repo, "HEAD")

    line = original[:original.index("  - name: cache\n")].count("\n") + 1
    assert [str(p) for p in report.transition_problems] == [
        f"tenants/lagos/naija-stream.yaml:{line}:11: services[1].name: a service named 'cache' existed in this tenant "
        "before, and its backups may still be kept under 'dragonfly/cache' in the tenant bucket; choose a new name "
        "(to get its data back, restore_from a service that still exists)"]
    assert report.blocking
    assert to_json(report)["transitionProblems"] == [str(p) for p in report.transition_problems]
