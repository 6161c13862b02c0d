"""`dbaas up REGION` against a fake `pulumi` (tests/up/fake_pulumi.py): the commands it runs and in
which order, the parallelism bound, conflict retries, failure isolation, progress and exit codes."""

from __future__ import annotations

import re
from pathlib import Path


from dbaas.cli import main
from tests.up.fake_pulumi import FakePulumi, Scenario, install

PROJECT_DIR = Path(__file__).resolve().parents[2]
SECRETS = "awskms://alias/dbaas-pulumi-secrets?region=af-south-1"
LS = ("tenant_project", ["stack", "ls", "--json"])
PLATFORM_UP = (".", ["up", "--yes", "--stack", "lagos", "--policy-pack", "policies"])


def init(stack: str) -> tuple[str, list[str]]:
    return ("tenant_project", ["stack", "init", stack, "--secrets-provider", SECRETS])


def up(stack: str) -> tuple[str, list[str]]:
    return ("tenant_project", ["up", "--yes", "--stack", stack, "--policy-pack", "../policies"])


def run(tmp_path: Path, scenario: Scenario, *options: str) -> tuple[int, FakePulumi]:
    fake = install(tmp_path / "fake", scenario)
    return main(["up", "lagos", "--pulumi", str(fake.path), "--retry-delay", "0", *options]), fake


def calls(fake: FakePulumi, project: Path = PROJECT_DIR) -> list[tuple[str, list[str]]]:
    return [(str(Path(cwd).relative_to(project)), argv) for cwd, argv in fake.calls()]


def by_stack(sequence: list[tuple[str, list[str]]]) -> dict[str, list[tuple[str, list[str]]]]:
    grouped: dict[str, list[tuple[str, list[str]]]] = {}
    for call in sequence:
        argv = call[1]
        stack = argv[argv.index("--stack") + 1] if "--stack" in argv else argv[2] if argv[:2] == ["stack", "init"] else "-"
        grouped.setdefault(stack, []).append(call)
    return grouped


def plain(output: str) -> list[str]:
    """Progress and summary lines with their seconds blanked (they vary; nothing asserts durations)."""
    return [re.sub(r"\d+\.\ds", "Ns", re.sub(r"^\[\s*\d+\.\ds\] ", "", line)) for line in output.splitlines()]


def test_platform_first_then_every_tenant_stack_missing_ones_created(tmp_path, capsys):
    status, fake = run(tmp_path, Scenario(stacks=["lagos", "organization/dbaas-tenant/lagos.acme", "frankfurt.bergbahn"]))
    assert status == 0
    sequence = calls(fake)
    assert sequence[:2] == [LS, PLATFORM_UP]
    # tenant stacks have no committed stack file: the CLI takes the secrets manager from their state
    assert fake.environment("fallback") == {"true"}
    assert by_stack(sequence[2:]) == {
        "lagos.acme": [up("lagos.acme")],  # listed (fully qualified): no init
        "lagos.kudi-pay": [init("lagos.kudi-pay"), up("lagos.kudi-pay")],
        "lagos.naija-stream": [init("lagos.naija-stream"), up("lagos.naija-stream")],
    }
    lines = plain(capsys.readouterr().out)
    assert lines[:2] == ["start     lagos: up", "succeeded lagos: up (Ns)"]
    assert sorted(lines[2:8]) == sorted([
        "start     lagos.acme: up", "succeeded lagos.acme: up (Ns)",
        "start     lagos.kudi-pay: stack init, up", "succeeded lagos.kudi-pay: stack init, up (Ns)",
        "start     lagos.naija-stream: stack init, up", "succeeded lagos.naija-stream: stack init, up (Ns)",
    ])
    assert lines[8:] == [
        "summary: 4 stack(s) in Ns: 4 succeeded, 0 destroyed, 0 failed, 0 not run, 0 kept",
        "  succeeded lagos               up",
        "  succeeded lagos.acme          up",
        "  succeeded lagos.kudi-pay      stack init, up",
        "  succeeded lagos.naija-stream  stack init, up",
    ]


def test_a_failed_platform_stack_stops_before_any_tenant_stack(tmp_path, capsys):
    status, fake = run(tmp_path, Scenario(stacks=["lagos"], fail={"lagos": "preview failed: 1 policy violation"}))
    assert status == 1
    assert calls(fake) == [LS, PLATFORM_UP]
    lines = plain(capsys.readouterr().out)
    assert lines[:5] == ["start     lagos: up", "failed    lagos: up exited 255 (Ns)",
                         "    | Updating (lagos):", "    | error: preview failed: 1 policy violation",
                         "summary: 4 stack(s) in Ns: 0 succeeded, 0 destroyed, 1 failed, 3 not run, 0 kept"]
    assert lines[5:] == ["  failed    lagos               up exited 255",
                         "  not run   lagos.acme          platform stack lagos failed",
                         "  not run   lagos.kudi-pay      platform stack lagos failed",
                         "  not run   lagos.naija-stream  platform stack lagos failed"]


def test_a_stack_created_by_another_run_after_the_listing_is_used_not_failed(tmp_path, capsys):
    status, fake = run(tmp_path, Scenario(stacks=["lagos", "lagos.acme", "lagos.naija-stream"],
                                          created_meanwhile=["lagos.kudi-pay"]))
    assert status == 0
    assert by_stack(calls(fake)[2:])["lagos.kudi-pay"] == [init("lagos.kudi-pay"), up("lagos.kudi-pay")]
    lines = plain(capsys.readouterr().out)
    assert "exists    lagos.kudi-pay: created by another run since the listing; going on" in lines
    assert "  succeeded lagos.kudi-pay      stack init, up" in lines


def test_a_failed_stack_init_for_another_reason_fails_the_stack(tmp_path, capsys):
    # "already exists" naming another stack, or any other error, is a failure: the up is not run
    message = "getting secrets manager: awskms: AccessDeniedException; stack 'lagos.acme' already exists"
    status, fake = run(tmp_path, Scenario(stacks=["lagos", "lagos.acme", "lagos.naija-stream"],
                                          init_fail={"lagos.kudi-pay": message}))
    assert status == 1
    assert by_stack(calls(fake)[2:])["lagos.kudi-pay"] == [init("lagos.kudi-pay")]
    lines = plain(capsys.readouterr().out)
    assert "  failed    lagos.kudi-pay      stack init exited 255" in lines


def test_one_failed_tenant_stack_stops_no_other_and_is_not_retried(tmp_path, capsys):
    status, fake = run(tmp_path, Scenario(stacks=["lagos", "lagos.acme", "lagos.kudi-pay", "lagos.naija-stream"],
                                          fail={"lagos.kudi-pay": "creating vitess:Keyspace ledger: quota exceeded"}))
    assert status == 1
    assert by_stack(calls(fake)[2:]) == {stack: [up(stack)] for stack in ("lagos.acme", "lagos.kudi-pay", "lagos.naija-stream")}
    lines = plain(capsys.readouterr().out)
    assert lines[-4:] == ["  succeeded lagos               up", "  succeeded lagos.acme          up",
                          "  failed    lagos.kudi-pay      up exited 255", "  succeeded lagos.naija-stream  up"]
    assert "summary: 4 stack(s) in Ns: 3 succeeded, 0 destroyed, 1 failed, 0 not run, 0 kept" in lines


def test_concurrent_update_conflicts_are_retried_up_to_the_bound(tmp_path, capsys):
    existing = ["lagos", "lagos.acme", "lagos.kudi-pay", "lagos.naija-stream"]
    status, fake = run(tmp_path, Scenario(stacks=existing, conflicts={"lagos": 2, "lagos.naija-stream": 9},
                                          locked={"lagos.acme": 1}), "--retries", "3")
    assert status == 1
    grouped = by_stack(calls(fake)[1:])
    assert grouped["lagos"] == [PLATFORM_UP] * 3  # two 409s, then the up
    assert grouped["lagos.acme"] == [up("lagos.acme")] * 2  # the diy backend's lock once
    assert grouped["lagos.kudi-pay"] == [up("lagos.kudi-pay")]
    assert grouped["lagos.naija-stream"] == [up("lagos.naija-stream")] * 3  # the bound
    lines = plain(capsys.readouterr().out)
    assert lines[:4] == [
        "start     lagos: up",
        "retry     lagos: up: another update of the stack is in progress (try 1 of 3); next try in 0s",
        "retry     lagos: up: another update of the stack is in progress (try 2 of 3); next try in 0s",
        "succeeded lagos: up (Ns)",
    ]
    assert "retry     lagos.acme: up: another update of the stack is in progress (try 1 of 3); next try in 0s" in lines
    assert lines[-1] == "  failed    lagos.naija-stream  up: another update still in progress after 3 tries"


def test_no_more_tenant_stacks_run_at_once_than_parallel(tmp_path, capsys):
    # Each tenant up waits until 3 have started (or 2 s passed): with --parallel 2 only two can
    # have started, so they overlap (max 2) and time out; without the bound three would overlap.
    scenario = Scenario(stacks=["lagos", "lagos.acme", "lagos.kudi-pay", "lagos.naija-stream"], barrier=3, barrier_timeout=2)
    status, fake = run(tmp_path, scenario, "--parallel", "2")
    assert status == 0
    assert fake.max_running() == 2
    status, fake = run(tmp_path / "again", scenario, "--parallel", "3")
    assert status == 0
    assert fake.max_running() == 3


def test_a_missing_cli_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    assert main(["up", "lagos", "--pulumi", str(tmp_path / "nowhere" / "pulumi")]) == 2
    assert capsys.readouterr().err == (
        f"dbaas up: the Pulumi CLI was not found (--pulumi: '{tmp_path / 'nowhere' / 'pulumi'}'); install it "
        "(https://www.pulumi.com/docs/iac/download-install/) or pass --pulumi PATH\n")
    monkeypatch.delenv("PULUMI", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert main(["up", "lagos"]) == 2
    assert capsys.readouterr().err.startswith("dbaas up: the Pulumi CLI was not found (PATH: 'pulumi'); ")


def test_the_cli_comes_from_PULUMI_when_not_passed(tmp_path, capsys, monkeypatch):
    fake = install(tmp_path / "fake", Scenario(stacks=["lagos", "lagos.acme", "lagos.kudi-pay", "lagos.naija-stream"]))
    monkeypatch.setenv("PULUMI", str(fake.path))
    assert main(["up", "lagos", "--tenant", "acme"]) == 0
    assert calls(fake) == [LS, PLATFORM_UP, up("lagos.acme")]


def test_a_failed_stack_listing_runs_nothing(tmp_path, capsys):
    status, fake = run(tmp_path, Scenario(ls_error="getting user info: 401 Unauthorized: No credentials provided"))
    assert status == 1
    assert calls(fake) == [LS]
    assert capsys.readouterr().err == ("dbaas up: cannot list the tenant stacks (`pulumi stack ls --json` in "
                                       "tenant_project): error: getting user info: 401 Unauthorized: No credentials provided\n")


def test_existing_is_for_the_dry_run_only(tmp_path, capsys):
    listing = tmp_path / "stacks.txt"
    listing.write_text("lagos.acme\n")
    assert main(["up", "lagos", "--existing", str(listing)]) == 2
    assert capsys.readouterr().err == "dbaas up: --existing is for --dry-run only; a real run reads `pulumi stack ls --json`\n"


def test_a_cli_that_cannot_start_fails_its_stack_not_the_run(tmp_path):
    from io import StringIO

    from tools.deploy.pulumi_cli import tenant_up
    from tools.deploy.stack_runner import StackRunner
    from tools.deploy.up_selection import Selection, StackJob

    broken = tmp_path / "pulumi"
    broken.write_text("not a program")  # no execute bit
    out = StringIO()
    outcomes = StackRunner(str(broken), PROJECT_DIR, out).run(
        Selection("lagos", None, [StackJob("lagos.acme", (tenant_up("lagos.acme"),))]), parallel=1)
    assert [(o.stack, o.status, o.detail) for o in outcomes] == [("lagos.acme", "failed", "up exited 127")]
    assert plain(out.getvalue())[-1] == f"    | cannot run {broken}: Permission denied"


def test_the_stack_listing_is_read_from_stdout_while_the_cli_warns_on_stderr(tmp_path, capsys):
    # The CLI's upgrade notice goes to stderr (pulumi/pulumi pkg/cmd/pulumi/pulumi.go:688 through
    # cmdutil.Diag(), sdk/go/common/util/cmdutil/diag.go:89); mixed into stdout it is not JSON.
    status, fake = run(tmp_path, Scenario(stacks=["lagos", "lagos.acme", "lagos.kudi-pay", "lagos.naija-stream"],
                                          upgrade_warning=True))
    assert status == 0
    assert calls(fake)[:2] == [LS, PLATFORM_UP]
    assert [argv[0] for _, argv in calls(fake)[2:]] == ["up", "up", "up"]  # every tenant stack listed: no init
