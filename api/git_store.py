"""Git plumbing on the server's repository: read trees and blobs, write commits and refs.

Nothing here touches the working tree, the repository's own index or the base branch. A
commit is built in a throw-away index file, and refs move only through `git update-ref --stdin`
transactions with expected old values, so a crash leaves at worst unreferenced objects and
two writers can never both win.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ZERO_OID = "0" * 40


class GitError(RuntimeError):
    """A git command failed; `stderr` says why."""

    def __init__(self, args: list[str], stderr: str):
        super().__init__(f"git {' '.join(args[:2])}: {stderr.strip()}")
        self.stderr = stderr


class RefConflict(GitError):
    """A ref was not at the expected value: someone else changed it first."""


@dataclass(frozen=True)
class TreeEntry:
    path: str
    oid: str


@dataclass(frozen=True)
class Author:
    name: str
    email: str


@dataclass(frozen=True)
class WrittenCommit:
    commit: str
    blob: str
    """The object id of the written file, which the API also uses as its ETag."""


@dataclass(frozen=True)
class RefUpdate:
    """Move `ref` to `new`; `old` is the value it must still have (ZERO_OID: must not exist)."""

    ref: str
    new: str
    old: str


class GitRepository:
    def __init__(self, path: Path):
        self.path = path.resolve()
        self._env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
        self._env.update(GIT_TERMINAL_PROMPT="0", GIT_CONFIG_NOSYSTEM="1", LC_ALL="C")
        try:
            self.git_dir = Path(self._run(["rev-parse", "--absolute-git-dir"]).decode().strip())
        except (GitError, OSError):
            raise GitError(["rev-parse"], f"{self.path} is not a git repository") from None

    def _run(self, args: list[str], stdin: bytes | None = None, env: dict[str, str] | None = None) -> bytes:
        proc = subprocess.run(
            ["git", "-C", str(self.path), *args],
            input=stdin,
            capture_output=True,
            env={**self._env, **(env or {})},
            check=False,
        )
        if proc.returncode != 0:
            raise GitError(args, proc.stderr.decode("utf-8", errors="replace"))
        return proc.stdout

    def resolve(self, ref: str) -> str | None:
        """The commit a ref points at, or None if it does not exist."""
        try:
            return self._run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"]).decode().strip() or None
        except GitError:
            return None

    def ls_tree(self, commit: str, prefix: str) -> list[TreeEntry]:
        """Every blob under `prefix` in `commit`."""
        out = self._run(["ls-tree", "-r", "-z", "--full-tree", commit, "--", prefix])
        entries = []
        for record in out.split(b"\0"):
            if not record:
                continue
            meta, _, path = record.partition(b"\t")
            _mode, kind, oid = meta.decode().split(" ")
            if kind == "blob":
                entries.append(TreeEntry(path.decode("utf-8", errors="surrogateescape"), oid))
        return entries

    def read_blobs(self, oids: list[str]) -> dict[str, bytes]:
        """Contents of many blobs in one `git cat-file --batch` call."""
        if not oids:
            return {}
        out = self._run(["cat-file", "--batch"], stdin="".join(f"{o}\n" for o in oids).encode())
        blobs: dict[str, bytes] = {}
        stream = io.BytesIO(out)
        for _ in oids:
            header = stream.readline().decode().split()
            if len(header) != 3:
                raise GitError(["cat-file", "--batch"], f"missing object: {' '.join(header)}")
            oid, _kind, size = header
            blobs[oid] = stream.read(int(size))
            stream.read(1)
        return blobs

    def write_commit(self, base: str, path: str, content: bytes, author: Author, committer: Author, message: str) -> WrittenCommit:
        """A commit on top of `base` whose tree differs only in `path`; no ref is moved."""
        blob = self._run(["hash-object", "-w", "--stdin"], stdin=content).decode().strip()
        with tempfile.TemporaryDirectory(prefix="dbaas-api-index-") as tmp:
            index_env = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
            self._run(["read-tree", base], env=index_env)
            self._run(["update-index", "--add", "--cacheinfo", f"100644,{blob},{path}"], env=index_env)
            tree = self._run(["write-tree"], env=index_env).decode().strip()
        identity = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": committer.name,
            "GIT_COMMITTER_EMAIL": committer.email,
        }
        commit = self._run(["commit-tree", tree, "-p", base, "-F", "-"], stdin=message.encode(), env=identity)
        return WrittenCommit(commit=commit.decode().strip(), blob=blob)

    def update_refs(self, updates: list[RefUpdate]) -> None:
        """Apply all updates atomically, or none of them (RefConflict if one ref moved)."""
        lines = ["start"]
        lines += [f"update {u.ref} {u.new} {u.old}" for u in updates]
        lines += ["prepare", "commit"]
        try:
            self._run(["update-ref", "--stdin"], stdin=("\n".join(lines) + "\n").encode())
        except GitError as exc:
            if "cannot lock ref" in exc.stderr and ("but expected" in exc.stderr or "already exists" in exc.stderr
                                                    or "unable to resolve" in exc.stderr):
                raise RefConflict(["update-ref", "--stdin"], exc.stderr) from None
            raise

    def refs(self, prefix: str, fmt: str, no_merged: str | None = None) -> list[list[str]]:
        """`git for-each-ref` rows, fields separated by %00 in `fmt`."""
        args = ["for-each-ref", f"--format={fmt}"]
        if no_merged:
            args.append(f"--no-merged={no_merged}")
        out = self._run([*args, prefix]).decode("utf-8", errors="replace")
        return [line.split("\0") for line in out.splitlines() if line]

    def last_commit_touching(self, rev: str, path: str) -> str | None:
        """The newest commit reachable from `rev` that changed `path` (None if none did)."""
        return self._run(["log", "-1", "--format=%H", rev, "--", path]).decode().strip() or None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether `descendant` contains `ancestor`; False as well when either is not in this repository."""
        try:
            self._run(["merge-base", "--is-ancestor", ancestor, descendant])
        except GitError:
            return False
        return True

    def tree_oid(self, commit: str, path: str) -> str | None:
        try:
            return self._run(["rev-parse", "--verify", "--quiet", f"{commit}:{path}"]).decode().strip() or None
        except GitError:
            return None

    def export(self, commit: str, paths: list[str], target: Path) -> None:
        """Materialise `paths` of `commit` into `target` with `git archive` (no checkout)."""
        archive = self._run(["archive", "--format=tar", commit, "--", *paths])
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
