"""`dbaas serve` as a user starts it: a subprocess on a free port, answering health checks."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx

from tests.api.conftest import JWT_SECRET
from tests.controlplane.conftest import db, pg_server, template_db  # noqa: F401 (fixtures)


def test_dbaas_serve_starts_on_the_repository(repo):
    env = {**os.environ, "DBAAS_API_JWT_SECRET": JWT_SECRET}
    proc = subprocess.Popen([sys.executable, "-m", "dbaas.cli", "serve", "--repo", str(repo), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        match = re.fullmatch(r"dbaas serve: listening on (http://127\.0\.0\.1:\d+) for (.+)\n", line)
        assert match, line
        assert match.group(2) == str(repo.resolve())
        health = httpx.get(f"{match.group(1)}/healthz", timeout=30)
        assert health.status_code == 200 and health.json()["base_branch"] == "main"
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert JWT_SECRET not in stderr


def test_dbaas_serve_without_a_key_says_which_variable_to_set(repo):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DBAAS_API_")}
    result = subprocess.run([sys.executable, "-m", "dbaas.cli", "serve", "--repo", str(repo)],
                            capture_output=True, text=True, env=env, timeout=60)

    assert result.returncode == 1
    assert result.stderr == ("dbaas serve: set DBAAS_API_JWT_SECRET (HS256, development) "
                             "or DBAAS_API_JWKS (RS256, production)\n")


def test_dbaas_serve_reports_where_statuses_come_from(repo, db):  # noqa: F811 (db: imported fixture)
    env = {**os.environ, "DBAAS_API_JWT_SECRET": JWT_SECRET, "DBAAS_API_DATABASE_URL": db.dsn("dbaas_app")}
    proc = subprocess.Popen([sys.executable, "-m", "dbaas.cli", "serve", "--repo", str(repo), "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().startswith("dbaas serve: listening on http://127.0.0.1:")
        assert proc.stdout.readline() == "dbaas serve: statuses from the control-plane database\n"
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


def test_dbaas_serve_refuses_a_database_login_other_than_the_app_role_and_never_prints_a_password(repo, db):  # noqa: F811
    env = {**os.environ, "DBAAS_API_JWT_SECRET": JWT_SECRET}
    owner = subprocess.run([sys.executable, "-m", "dbaas.cli", "serve", "--repo", str(repo), "--port", "0",
                            "--database-url", db.dsn("postgres")], capture_output=True, text=True, env=env, timeout=60)
    assert (owner.returncode, owner.stdout) == (1, "")
    assert owner.stderr == ("dbaas serve: the control-plane database is unavailable: connected as 'postgres': connect as "
                            "'dbaas_app', the application role that row-level security applies to\n")
    url = f"postgresql://dbaas_app:Pa55-w0rd-xyz@127.0.0.1:{db.server.port}/{db.name}"
    wrong = subprocess.run([sys.executable, "-m", "dbaas.cli", "serve", "--repo", str(repo), "--port", "0"],
                           capture_output=True, text=True, env={**env, "DBAAS_API_DATABASE_URL": url}, timeout=60)
    assert wrong.returncode == 1
    assert wrong.stderr.startswith("dbaas serve: the control-plane database is unavailable: cannot connect: ")
    assert "Pa55-w0rd-xyz" not in wrong.stderr + wrong.stdout
