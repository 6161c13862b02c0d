"""A revision the user types never reaches git as an option (issue 22, item 11).

`git diff --output=FILE` writes FILE: before the guard, `dbaas up --affected-since=--output=X`
created a file in the repository. Every command that passes a revision to git refuses one that
starts with `-` (exit 2, one line), and puts `--end-of-options` before revisions as well."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbaas.cli import main
from tools.cli_io import UsageError
from tools.deploy.affected_stacks import affected_between
from tools.offline.diff_revisions import Checkout
from tests.up.test_decommissioned_stacks import repo  # noqa: F401 (fixture: a real git history of the project)


def _files(project: Path) -> set[str]:
    return {str(p.relative_to(project)) for p in project.rglob("*") if ".git" not in p.parts}


@pytest.mark.parametrize("argv, option", [
    (["up", "lagos", "--dry-run", "--affected-since=--output=X"], "--affected-since"),
    (["up", "lagos", "--dry-run", "--affected-since=-pX"], "--affected-since"),
    (["diff", "lagos", "--base=--output=X"], "--base"),
])
def test_a_revision_that_looks_like_an_option_is_a_usage_error_and_git_writes_nothing(repo, capsys, argv, option):  # noqa: F811
    project = Path(repo["project"])
    before = _files(project)
    assert main(argv) == 2
    out, err = capsys.readouterr()
    revision = argv[-1].split("=", 1)[1]
    assert (out, err) == ("", f"dbaas {argv[0]}: {option} {revision!r}: a git revision cannot start with '-'\n")
    assert _files(project) == before


@pytest.mark.parametrize("base, head", [("--output=X", "HEAD"), ("HEAD", "--output=Y"), ("HEAD\n", "HEAD")])
def test_the_library_entry_points_refuse_them_too(repo, base, head):  # noqa: F811
    project = Path(repo["project"])
    before = _files(project)
    with pytest.raises(UsageError, match=r"^--affected ") as refused:
        affected_between(project, base, head, option="--affected")
    assert "\n" not in str(refused.value).replace("\\n", "")
    with pytest.raises(UsageError, match=r"^--base '--output=X': a git revision cannot start with '-'$"):
        Checkout.of(project).resolve("--output=X")
    assert _files(project) == before


def test_an_ordinary_revision_still_works(repo):  # noqa: F811
    stacks, changed = affected_between(Path(repo["project"]), repo["deployed"], "HEAD", option="--affected")
    assert changed == ["tenants/lagos/kudi-pay.yaml", "tenants/lagos/naija-stream.yaml"]
    assert stacks == []


@pytest.mark.parametrize("organization", ["acme\nrm -rf ~", "acme corp", "-x", "acme\u202e"])
def test_an_organization_printed_into_the_runbook_is_one_plain_word(capsys, organization):
    """`dbaas stacks --migration-plan` prints shell commands and comments naming the organization: a
    newline would start a command of its own (issue 22, item 11: free-text CLI fields)."""
    with pytest.raises(SystemExit) as exc:
        main(["stacks", "--migration-plan", "lagos", f"--organization={organization}"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"dbaas stacks: error: argument --organization: {organization!r} is not an organization name: letters, "
        "digits, '.', '_' and '-', starting with a letter or digit, at most 100")
