"""`dbaas serve` as a user starts it: a subprocess on a free port, answering health checks."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import httpx

from tests.api.conftest import JWT_SECRET


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
