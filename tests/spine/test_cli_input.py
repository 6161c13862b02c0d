"""Issue 15, the command line: wrong paths, ports, stacks and counts are one-line usage errors
(exit 2), `-` is standard output, and progress shows on a terminal only."""

from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.api.conftest import JWT_SECRET, make_repo
from tests.conftest import PROJECT_DIR
from tests.spine.test_cli import dbaas


def empty_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tenants"
    (tree / "lagos").mkdir(parents=True)
    return tree


@pytest.mark.parametrize("args, message", [
    (("plan", "lagos", "--json", "/nonexistent/x.json"), "dbaas plan: --json /nonexistent/x.json: folder /nonexistent does not exist"),
    (("policy", "lagos", "--json", "/nonexistent/x.json"), "dbaas policy: --json /nonexistent/x.json: folder /nonexistent does not exist"),
    (("diff", "lagos", "--base", "HEAD", "--markdown", "/nonexistent/x.md"),
     "dbaas diff: --markdown /nonexistent/x.md: folder /nonexistent does not exist"),
    (("diff", "lagos", "--base", "HEAD", "--json", "/"), "dbaas diff: --json /: is a directory"),
    (("schema", "--output", "/nonexistent/schema.json"), "dbaas schema: --output /nonexistent/schema.json: folder /nonexistent does not exist"),
    (("plan", "nowhere"), f"dbaas plan: no stack 'nowhere' in {PROJECT_DIR} (no Pulumi.nowhere.yaml); stacks: frankfurt, lagos"),
    (("diff", "nowhere", "--base", "HEAD"), f"dbaas diff: no stack 'nowhere' in {PROJECT_DIR} (no Pulumi.nowhere.yaml); stacks: frankfurt, lagos"),
])
def test_unusable_outputs_and_stacks_are_usage_errors(args, message):
    result = dbaas(*args)
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message + "\n")


@pytest.mark.parametrize("args, message", [
    (("plan", "lagos", "--workers", "0"), "dbaas plan: error: argument --workers: must be at least 1, not 0"),
    (("serve", "--repo", ".", "--port", "99999"), "dbaas serve: error: argument --port: 99999 is not a port number (0-65535)"),
    (("serve", "--repo", ".", "--port", "http"), "dbaas serve: error: argument --port: 'http' is not a port number (0-65535)"),
])
def test_bad_numbers_are_refused_by_the_parser(args, message):
    result = dbaas(*args)
    assert (result.returncode, result.stderr.splitlines()[-1]) == (2, message)


def test_version():
    result = dbaas("--version")
    assert (result.returncode, result.stdout) == (0, "dbaas 0.1.0\n")


def test_port_in_use_is_an_environment_error(tmp_path):
    repo = make_repo(tmp_path / "repo")
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {**os.environ, "DBAAS_API_JWT_SECRET": JWT_SECRET}
        result = subprocess.run([sys.executable, "-m", "dbaas.cli", "serve", "--repo", str(repo), "--port", str(port)],
                                cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout, result.stderr) == (
        2, "", f"dbaas serve: cannot listen on 127.0.0.1:{port}: Address already in use\n")


def test_dash_is_standard_output(tmp_path):
    schema = dbaas("schema", "--output", "-")
    assert (schema.returncode, json.loads(schema.stdout)["title"]) == (0, "dbaas tenant declaration")

    plan = dbaas("plan", "lagos", "--tenants-dir", str(empty_tree(tmp_path)), "--json", "-")
    assert plan.returncode == 0, plan.stderr
    document = json.loads(plan.stdout)  # only JSON on stdout; the summary went to stderr
    assert document["changeSummary"]["create"] == sum(s["op"] == "create" for s in document["steps"]) > 0
    assert "Plan JSON written" not in plan.stderr and "resources" in plan.stderr.lower()


def test_diff_against_the_first_commit_has_no_traceback():
    first = subprocess.run(["git", "-C", str(PROJECT_DIR), "rev-list", "--max-parents=0", "HEAD"],
                           capture_output=True, text=True, check=True).stdout.split()[0]
    result = dbaas("diff", "lagos", "--base", first)
    assert result.returncode == 1
    assert (result.stdout, result.stderr) == (
        f"(git):1:1: --base: {first}: it predates `dbaas plan` (no dbaas/cli.py at that revision); "
        "compare with a later revision\n", "")


def test_a_base_that_fails_to_build_shows_the_exception_line_not_the_traceback():
    from tools.offline.diff_revisions import build_failure

    output = ("Traceback (most recent call last):\n  File \"/x/dbaas/cli.py\", line 3, in <module>\n"
              "    import nothing\nModuleNotFoundError: No module named 'nothing'\n")
    assert build_failure(output) == "ModuleNotFoundError: No module named 'nothing'"
    assert build_failure("a.yaml:1:1: id: bad\nb.yaml:2:1: id: bad\n") == "a.yaml:1:1: id: bad | b.yaml:2:1: id: bad"


def _run_on_a_terminal(args: list[str], cwd: Path) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; return the exit code and what the terminal showed."""
    main, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_")}
    process = subprocess.Popen([sys.executable, "-m", "dbaas.cli", *args], cwd=cwd, env=env,
                               stdout=subprocess.DEVNULL, stderr=secondary)
    os.close(secondary)
    shown = b""
    while True:
        ready, _, _ = select.select([main], [], [], 120)
        if not ready:
            break
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    code = process.wait(timeout=120)
    os.close(main)
    return code, shown.decode(errors="replace")


def test_progress_on_a_terminal_only(tmp_path):
    tree = str(empty_tree(tmp_path))
    code, shown = _run_on_a_terminal(["plan", "lagos", "--tenants-dir", tree], PROJECT_DIR)
    assert code == 0
    assert "planning lagos: 0 tenant stack(s) remembered, 0 to run in 1 process(es)" in shown and "\r" in shown

    quiet = dbaas("plan", "lagos", "--tenants-dir", tree)  # stderr is a pipe, as in CI
    assert (quiet.returncode, quiet.stderr) == (0, "")
