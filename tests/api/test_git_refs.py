"""Refs read from their files (api/git_refs.py) answer what git answers: loose, packed, loose over
packed, symbolic, absent, and in a linked worktree."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.git_refs import CannotTell, RefFiles
from api.git_store import GitRepository
from tests.api.conftest import git


@pytest.fixture
def repo(tmp_path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    git(path, "init", "-q", "-b", "main")
    (path / "a.txt").write_text("one\n")
    git(path, "add", "a.txt")
    git(path, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-m", "one")
    return path


def _commit(repo: Path, text: str) -> str:
    (repo / "a.txt").write_text(text)
    git(repo, "-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-am", text)
    return git(repo, "rev-parse", "HEAD").strip()


def _for_each_ref(repo: Path, prefix: str) -> dict[str, str]:
    rows = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", prefix).split("\n")
    return dict(row.split(" ") for row in rows if row)


def test_loose_packed_shadowed_symbolic_and_absent(repo):
    first = git(repo, "rev-parse", "HEAD").strip()
    git(repo, "update-ref", "refs/dbaas/tenants/acme", first)
    git(repo, "pack-refs", "--all")
    second = _commit(repo, "two")
    git(repo, "update-ref", "refs/dbaas/tenants/kudi", second)
    git(repo, "symbolic-ref", "refs/dbaas/alias", "refs/heads/main")
    refs = RefFiles(Path(git(repo, "rev-parse", "--absolute-git-dir").strip()))

    assert (repo / ".git" / "packed-refs").read_text().count("refs/heads/main") == 1  # packed, then loose again
    assert refs.resolve("refs/heads/main") == second == git(repo, "rev-parse", "main").strip()
    assert refs.resolve("refs/dbaas/tenants/acme") == first  # packed only
    assert refs.resolve("refs/dbaas/alias") == second
    assert refs.resolve("refs/dbaas/tenants/nobody") is None
    assert refs.under("refs/dbaas/tenants/") == _for_each_ref(repo, "refs/dbaas/tenants/") == {
        "refs/dbaas/tenants/acme": first, "refs/dbaas/tenants/kudi": second}
    git(repo, "update-ref", "-d", "refs/dbaas/tenants/acme")
    assert refs.resolve("refs/dbaas/tenants/acme") is None
    assert refs.under("refs/dbaas/tenants/") == {"refs/dbaas/tenants/kudi": second}
    with pytest.raises(CannotTell):
        refs.resolve("HEAD")


def test_a_linked_worktree_reads_the_shared_refs(repo, tmp_path):
    git(repo, "worktree", "add", "-q", "-b", "side", str(tmp_path / "side"))
    side = GitRepository(tmp_path / "side")
    assert side.git_dir != GitRepository(repo).git_dir
    head = _commit(tmp_path / "side", "on side")
    assert side.resolve("refs/heads/side") == head
    assert side.resolve("refs/heads/main") == git(repo, "rev-parse", "main").strip()


def test_the_repository_sees_every_new_commit(repo):
    store = GitRepository(repo)
    seen = [store.resolve("refs/heads/main")]
    for i in range(3):
        seen.append(_commit(repo, f"change {i}"))
        assert store.resolve("refs/heads/main") == seen[-1]
        assert [e.path for e in store.ls_tree(seen[-1], "a.txt")] == ["a.txt"]
        blob = store.ls_tree(seen[-1], "a.txt")[0].oid
        assert store.read_blobs([blob]) == {blob: f"change {i}".encode()}
    assert store.is_ancestor(seen[0], seen[-1]) and not store.is_ancestor(seen[-1], seen[0])



def test_the_servers_connections_are_nodelay():
    """asyncio turns Nagle off only on sockets that say they are TCP; the API's listening socket's
    connections do, so a response's body does not wait ~40 ms for a delayed ACK (api/server.py)."""
    import asyncio
    import socket

    from api.server import listening_socket

    seen = []

    async def main() -> None:
        accepted = asyncio.Event()

        def on_connection(_reader, writer) -> None:
            seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()
            accepted.set()

        listener = listening_socket("127.0.0.1", 0)
        server = await asyncio.start_server(on_connection, sock=listener)
        _reader, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        await asyncio.wait_for(accepted.wait(), 30)
        writer.close()
        server.close()
        await server.wait_closed()

    loop = asyncio.new_event_loop()  # not asyncio.run: it leaves the thread without a current loop,
    try:                              # which the Pulumi runtime of later tests in this process needs
        loop.run_until_complete(main())
    finally:
        loop.close()
    assert seen == [1]
    plain = socket.create_server(("127.0.0.1", 0))  # what it replaced: connections say proto 0
    assert plain.proto == 0
    plain.close()
