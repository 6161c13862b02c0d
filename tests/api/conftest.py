"""Fixtures for the provisioning API: a real git repository and the real server on loopback."""

from __future__ import annotations

import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt
import pytest
import uvicorn

from api.app import create_app
from api.server import listening_socket, server_config
from api.settings import ApiSettings

PROJECT_DIR = Path(__file__).resolve().parents[2]
REPO_FILES = ("tenants", "Pulumi.yaml", "Pulumi.lagos.yaml", "Pulumi.frankfurt.yaml")
JWT_SECRET = secrets.token_urlsafe(48)
"""Generated per test run and never printed."""


def git(repo: Path, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "Seed", "GIT_AUTHOR_EMAIL": "seed@example.net", "GIT_COMMITTER_NAME": "Seed",
           "GIT_COMMITTER_EMAIL": "seed@example.net", "PATH": "/usr/bin:/bin", "HOME": str(repo)}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def make_repo(target: Path) -> Path:
    """A fresh repository holding the project's tenants and stack files, committed on main."""
    target.mkdir(parents=True)
    for name in REPO_FILES:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy2(source, target / name)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "--", *REPO_FILES)
    git(target, "commit", "-q", "-m", "seed")
    return target


def token(sub: str = "alice", org: str = "acme", roles: tuple[str, ...] = ("platform-admin",), *,
          lifetime: int = 600, secret: str = JWT_SECRET, **claims: object) -> str:
    payload = {"sub": sub, "org": org, "roles": roles if isinstance(roles, str) else list(roles), "aud": "dbaas-api", "iss": "dbaas",
               "exp": int(time.time()) + lifetime, **claims}
    return jwt.encode(payload, secret, algorithm="HS256")


def auth(**kwargs: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(**kwargs)}"}


@dataclass
class RunningServer:
    url: str
    repo: Path
    app: object

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)


def start_server(settings: ApiSettings) -> tuple[RunningServer, uvicorn.Server, threading.Thread]:
    app = create_app(settings)
    sock = listening_socket("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(server_config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    return RunningServer(f"http://127.0.0.1:{port}", settings.repo, app), server, thread


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


@pytest.fixture
def api_server(repo: Path) -> Iterator[RunningServer]:
    settings = ApiSettings(repo=repo, jwt_secret=JWT_SECRET, rate_limit_per_minute=100_000, rate_limit_burst=10_000)
    running, server, thread = start_server(settings)
    yield running
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def client(api_server: RunningServer) -> Iterator[httpx.Client]:
    with api_server.client() as c:
        yield c


NEW_TENANT = {
    "id": "lagos-fresh",
    "name": "Lagos Fresh Foods",
    "org": "fresh",
    "plan": "starter",
    "data_region": "lagos",
    "owners": ["fresh-admins"],
    "data_classes": ["operational"],
    "services": [
        {"name": "orders", "engine": "mongodb", "version": "7.0", "topology": "single", "replicas": 1,
         "storage_gb": 20, "backups": {"schedule": "0 2 * * *", "retention_days": 7}},
    ],
}
