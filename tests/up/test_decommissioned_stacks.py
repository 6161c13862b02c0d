"""`dbaas up` destroys a tenant stack only when its tenant file is gone and the base revision marked
the tenant decommissioned; the destroy's retained resources are reported; a protected resource
stops the destroy and keeps the stack. Run in a real git repository holding a copy of the project."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from dbaas.cli import main
from tests.up.fake_pulumi import Scenario, install
from tests.up.test_up_runs import LS, PLATFORM_UP, calls, plain, up

PROJECT_DIR = Path(__file__).resolve().parents[2]
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.lagos.yaml", "Pulumi.frankfurt.yaml")
STACKS = ["lagos", "lagos.acme", "lagos.kudi-pay", "lagos.naija-stream", "lagos.ghost"]
MARKER = "decommission: {requested_by: alice}\n"
KUDI_RETAINED = [  # README: the bucket, the key and the topics outlive the tenant. Not listed: the retained final
    # PerconaServerMongoDBBackup, which lives in the tenant's namespace and goes with it.
    "      stays in AWS/Kubernetes (retainOnDelete):",
    "        aws:kms/key:Key kudi-pay.key",
    "        aws:s3/bucket:Bucket kudi-pay.backups",
    "        kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic dbaas.cdc.mongodb.kudi-pay.wallets-topic",
    "        kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic dbaas.cdc.vitess.kudi-pay.ledger-topic",
    "        kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic kudi-pay.topic-alerts",
    "        kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic kudi-pay.topic-audit",
    "        kubernetes:kafka.strimzi.io/v1beta2:KafkaTopic kudi-pay.topic-metrics",
]


def destroy(stack: str) -> tuple[str, list[str]]:
    return ("tenant_project", ["destroy", "--yes", "--stack", stack, "--remove"])


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=ci", "-c", "user.email=ci@example.net", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> dict[str, str]:
    """A project whose history is: deployed; kudi-pay marked decommissioned; kudi-pay's and
    naija-stream's files removed (naija-stream never marked). Returns the commits by name."""
    project = tmp_path / "repo"
    shutil.copytree(PROJECT_DIR / "tenants", project / "tenants")
    (project / "tenant_project").mkdir()
    shutil.copyfile(PROJECT_DIR / "tenant_project" / "Pulumi.yaml", project / "tenant_project" / "Pulumi.yaml")
    for name in PROJECT_FILES:
        shutil.copyfile(PROJECT_DIR / name, project / name)
    _git(project, "init", "-q", "-b", "main")
    _git(project, "add", ".")
    _git(project, "commit", "-q", "-m", "deployed")
    kudi = project / "tenants" / "lagos" / "kudi-pay.yaml"
    kudi.write_text(kudi.read_text() + MARKER)
    _git(project, "commit", "-q", "-am", "kudi-pay: decommission")
    kudi.unlink()
    (project / "tenants" / "lagos" / "naija-stream.yaml").unlink()
    _git(project, "commit", "-q", "-am", "remove kudi-pay and naija-stream")
    monkeypatch.chdir(project)
    return {"deployed": _git(project, "rev-parse", "HEAD~2"), "marked": _git(project, "rev-parse", "HEAD~1"),
            "project": str(project)}


def run(tmp_path: Path, scenario: Scenario, *options: str):
    fake = install(tmp_path / "fake", scenario)
    return main(["up", "lagos", "--pulumi", str(fake.path), "--retry-delay", "0", *options]), fake


def test_only_the_stack_whose_removed_file_was_marked_is_destroyed(tmp_path, repo, capsys):
    status, fake = run(tmp_path, Scenario(stacks=STACKS))
    assert status == 0
    project = Path(repo["project"])
    sequence = calls(fake, project)
    assert sequence[:2] == [LS, PLATFORM_UP]
    assert sorted(sequence[2:]) == sorted([up("lagos.acme"), destroy("lagos.kudi-pay")])
    lines = plain(capsys.readouterr().out)
    summary = lines[lines.index("summary: 5 stack(s) in Ns: 2 succeeded, 1 destroyed, 0 failed, 0 not run, 2 kept"):]
    marked = repo["marked"][:12]
    assert summary[1:] == [
        "  succeeded lagos               up",
        "  succeeded lagos.acme          up",
        "  destroyed lagos.kudi-pay      destroy",
        *KUDI_RETAINED,
        "  kept      lagos.ghost         no tenant file and no tenants/lagos/ghost.yaml in git history "
        "to show it was decommissioned",
        f"  kept      lagos.naija-stream  no tenant file, and {marked}:tenants/lagos/naija-stream.yaml has no "
        "top-level `decommission:` (never destroyed without a deployed decommission)",
    ]


def test_the_base_revision_given_decides_and_only_what_changed_since_runs(tmp_path, repo, capsys):
    # Since `deployed`, only the two tenant files changed: no platform stack, no acme; and at
    # `deployed` kudi-pay was not marked, so nothing is destroyed.
    status, fake = run(tmp_path, Scenario(stacks=STACKS), "--affected-since", repo["deployed"])
    assert status == 0
    assert calls(fake, Path(repo["project"])) == [LS]
    lines = plain(capsys.readouterr().out)
    deployed = repo["deployed"][:12]
    assert lines == [
        f"skipped   lagos: platform stack not affected since {repo['deployed']}",
        "summary: 2 stack(s) in Ns: 0 succeeded, 0 destroyed, 0 failed, 0 not run, 2 kept",
        f"  kept      lagos.kudi-pay      no tenant file, and {deployed}:tenants/lagos/kudi-pay.yaml has no top-level "
        "`decommission:` (never destroyed without a deployed decommission)",
        f"  kept      lagos.naija-stream  no tenant file, and {deployed}:tenants/lagos/naija-stream.yaml has no top-level "
        "`decommission:` (never destroyed without a deployed decommission)",
    ]
    status, fake = run(tmp_path / "marked", Scenario(stacks=STACKS), "--affected-since", repo["marked"])
    assert status == 0
    assert calls(fake, Path(repo["project"])) == [LS, destroy("lagos.kudi-pay")]


def test_a_protected_resource_stops_the_destroy_and_keeps_the_stack(tmp_path, repo, capsys):
    status, fake = run(tmp_path, Scenario(stacks=STACKS, protected=["lagos.kudi-pay"]), "--tenant", "kudi-pay")
    assert status == 1
    assert calls(fake, Path(repo["project"])) == [LS, PLATFORM_UP, destroy("lagos.kudi-pay")]  # no stack rm
    lines = plain(capsys.readouterr().out)
    assert "failed    lagos.kudi-pay: destroy refused by protected resources; the stack is kept (Ns)" in lines
    assert lines[-1] == "  failed    lagos.kudi-pay  destroy refused by protected resources; the stack is kept"


def test_the_dry_run_prints_the_destroy_and_what_it_leaves(repo, capsys):
    existing = Path(repo["project"]) / ".." / "stacks.txt"
    existing.write_text("\n".join(STACKS) + "\n")
    assert main(["up", "lagos", "--dry-run", "--existing", str(existing)]) == 0
    marked = repo["marked"][:12]
    assert capsys.readouterr().out.splitlines() == [
        "# 1. platform stack lagos (tenant stacks read its outputs)",
        "pulumi up --yes --stack lagos --policy-pack policies",
        "# 2. 1 tenant stack(s), up to 4 at a time; one failing stops no other",
        "(cd tenant_project && pulumi up --yes --stack lagos.acme --policy-pack ../policies)",
        "# 3. 1 decommissioned tenant stack(s), destroyed and removed (in the same pool as step 2; a protected "
        "resource stops the destroy and keeps the stack)",
        "(cd tenant_project && pulumi destroy --yes --stack lagos.kudi-pay --remove)",
        *("#" + line for line in KUDI_RETAINED),
        "# kept lagos.ghost: no tenant file and no tenants/lagos/ghost.yaml in git history to show it was decommissioned",
        f"# kept lagos.naija-stream: no tenant file, and {marked}:tenants/lagos/naija-stream.yaml has no top-level "
        "`decommission:` (never destroyed without a deployed decommission)",
    ]


def test_a_file_removed_only_in_the_working_tree_is_judged_by_head(tmp_path, repo, capsys):
    (Path(repo["project"]) / "tenants" / "lagos" / "acme.yaml").unlink()  # acme is not marked at HEAD
    status, fake = run(tmp_path, Scenario(stacks=STACKS), "--tenant", "acme")
    assert status == 0
    assert calls(fake, Path(repo["project"])) == [LS, PLATFORM_UP]
    assert plain(capsys.readouterr().out)[-1].startswith("  kept      lagos.acme  no tenant file, and ")


def test_an_unprotected_tenants_destroy_leaves_its_bucket_and_key(repo, capsys):
    """naija-stream has no deletion protection; decommissioned and removed, its destroy still leaves
    the bucket holding its final backups and the key that reads them (issue 22, item 10)."""
    project = Path(repo["project"])
    naija = project / "tenants" / "lagos" / "naija-stream.yaml"
    _git(project, "checkout", repo["deployed"], "--", "tenants/lagos/naija-stream.yaml")
    naija.write_text(naija.read_text() + MARKER)
    _git(project, "commit", "-q", "-am", "naija-stream: decommission")
    naija.unlink()
    _git(project, "commit", "-q", "-am", "remove naija-stream")
    existing = project / ".." / "stacks.txt"
    existing.write_text("\n".join(STACKS) + "\n")
    assert main(["up", "lagos", "--dry-run", "--existing", str(existing), "--tenant", "naija-stream"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[lines.index("(cd tenant_project && pulumi destroy --yes --stack lagos.naija-stream --remove)") + 1:] == [
        "#      stays in AWS/Kubernetes (retainOnDelete):",
        "#        aws:kms/key:Key naija-stream.key",
        "#        aws:s3/bucket:Bucket naija-stream.backups",
    ]
