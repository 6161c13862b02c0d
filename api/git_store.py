"""Git plumbing on the server's repository: read trees and blobs, write commits and refs.

Nothing here touches the working tree, the repository's own index or the base branch. A
commit is built in a throw-away index file, and refs move only through `git update-ref --stdin`
transactions with expected old values, so a crash leaves at worst unreferenced objects and
two writers can never both win.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import tarfile
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from api.git_refs import CannotTell, RefFiles

ZERO_OID = "0" * 40
_FULL_OID = re.compile(r"^[0-9a-f]{40}$")
_IN_PROCESS_REFS = ("refs/heads/", "refs/dbaas/")
"""Refs that only ever point at commits (git refuses a non-commit on a branch; the API writes
commits to its tracking refs), so their file value is what `rev-parse REF^{commit}` answers."""


_ONE_BY_ONE = 4
"""Up to this many unknown ancestry answers are asked one `merge-base` each; more take one for-each-ref."""


class BoundedMemo:
    """A bounded, thread-safe least-recently-used map for answers that never change for their key
    (here: keyed by git object ids, which are immutable; api/plan_diff.py: plans keyed by content)."""

    def __init__(self, size: int):
        self._size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


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
        self._ref_files = RefFiles(self.git_dir)
        self._trees = BoundedMemo(256)
        self._blobs = BoundedMemo(8192)
        self._ancestry = BoundedMemo(8192)
        self._trailers = BoundedMemo(8192)
        """Answers about one commit's message or history: trailers, last commit touching a path."""

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
        """The commit a ref points at, or None if it does not exist. Branches and the API's
        tracking refs are read from the ref files (api/git_refs.py); anything else asks git."""
        if ref.startswith(_IN_PROCESS_REFS):
            with contextlib.suppress(CannotTell):  # a layout the files cannot answer: git does, below
                return self._ref_files.resolve(ref)
        try:
            return self._run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"]).decode().strip() or None
        except GitError:
            return None

    def ref_values(self, prefix: str) -> dict[str, str]:
        """refname -> object id of every ref under `prefix` (a folder ending in `/`)."""
        if prefix.startswith(_IN_PROCESS_REFS):
            with contextlib.suppress(CannotTell):  # a layout the files cannot answer: git does, below
                return self._ref_files.under(prefix)
        return dict((name, oid) for name, oid in self.refs(prefix, "%(refname)%00%(objectname)"))

    def ls_tree(self, commit: str, prefix: str) -> list[TreeEntry]:
        """Every blob under `prefix` in `commit` (remembered per commit id: a commit's tree never changes)."""
        key = (commit, prefix) if _FULL_OID.match(commit) else None
        cached = self._trees.get(key) if key else None
        if cached is not None:
            return list(cached)
        entries = self._ls_tree(commit, prefix)
        if key:
            self._trees.put(key, tuple(entries))
        return entries

    def _ls_tree(self, commit: str, prefix: str) -> list[TreeEntry]:
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
        """Contents of many blobs: the ones read before from memory, the others in one
        `git cat-file --batch` call."""
        blobs: dict[str, bytes] = {}
        missing = []
        for oid in oids:
            cached = self._blobs.get(oid)
            if cached is None:
                missing.append(oid)
            else:
                blobs[oid] = cached
        for oid, content in self._read_blobs(missing).items():
            self._blobs.put(oid, content)
            blobs[oid] = content
        return blobs

    def _read_blobs(self, oids: list[str]) -> dict[str, bytes]:
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
        """The newest commit reachable from `rev` that changed `path` (None if none did);
        remembered when `rev` is a commit id, whose history never changes."""
        key = ("last", rev, path) if _FULL_OID.match(rev) else None
        cached = self._trailers.get(key) if key else None
        if cached is not None:
            return cached or None
        found = self._run(["log", "-1", "--format=%H", rev, "--", path]).decode().strip()
        if key:
            self._trailers.put(key, found)
        return found or None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether `descendant` contains `ancestor`; False as well when either is not in this
        repository. Remembered for commit ids: history below a commit never changes."""
        key = (ancestor, descendant) if _FULL_OID.match(ancestor) and _FULL_OID.match(descendant) else None
        cached = self._ancestry.get(key) if key else None
        if cached is not None:
            return cached
        try:
            self._run(["merge-base", "--is-ancestor", ancestor, descendant])
            answer = True
        except GitError as exc:
            if exc.stderr.strip():  # an error (unknown object), not the answer "no": not remembered
                return False
            answer = False
        if key:
            self._ancestry.put(key, answer)
        return answer

    def merged_into(self, base: str, tips: dict[str, str], prefix: str) -> dict[str, bool]:
        """refname -> whether its tip (`tips`, all under `prefix`) is contained in `base`. Answers
        remembered for these commit ids are reused; when many are new (the base moved), one
        `git for-each-ref --no-merged` answers all of them instead of a process per ref."""
        answers = {name: self._ancestry.get((oid, base)) for name, oid in tips.items()}
        unknown = [name for name, answer in answers.items() if answer is None]
        if len(unknown) > _ONE_BY_ONE:
            unmerged = {(row[0], row[1]) for row in self.refs(prefix, "%(refname)%00%(objectname)", no_merged=base)}
            for name in unknown:
                answers[name] = (name, tips[name]) not in unmerged
                self._ancestry.put((tips[name], base), answers[name])
        else:
            for name in unknown:
                answers[name] = self.is_ancestor(tips[name], base)
        return answers

    def commit_trailer(self, commit: str, key: str) -> str:
        """The values of trailer `key` in a commit's message, comma-separated, as git parses
        trailers (`%(trailers:key=...)`); remembered per commit id."""
        cached = self._trailers.get((commit, key))
        if cached is not None:
            return cached
        out = self._run(["log", "-1", f"--format=%(trailers:key={key},valueonly,separator=%x2C)", commit, "--"])
        value = out.decode("utf-8", errors="replace").strip()
        if _FULL_OID.match(commit):
            self._trailers.put((commit, key), value)
        return value

    def path_history(self, rev: str, pathspec: str) -> list[tuple[str, str, bytes]]:
        """(commit, path, content) of every revision reachable from `rev` that changed a file matching
        `pathspec` (a git glob pathspec), newest first, side branches included (`--full-history`: a revision
        merged and later overwritten still counts); a commit that deleted the file is left out. One `git log`
        and one `git cat-file --batch` (which reads `<commit>:<path>` names) whatever the history's length."""
        out = self._run(["log", "--full-history", "--format=%x00%H", "--name-only", "--no-renames", rev, "--", pathspec])
        changed: list[tuple[str, str]] = []
        for chunk in out.decode("utf-8", errors="surrogateescape").split("\0")[1:]:
            commit, *paths = [line for line in chunk.splitlines() if line]
            changed.extend((commit, path) for path in paths)
        if not changed:
            return []
        batch = self._run(["cat-file", "--batch"], stdin="".join(f"{c}:{p}\n" for c, p in changed).encode())
        stream = io.BytesIO(batch)
        found = []
        for commit, path in changed:
            header = stream.readline().decode(errors="replace").split()
            if len(header) != 3:  # "<name> missing": the commit deleted the file
                continue
            content = stream.read(int(header[2]))
            stream.read(1)
            found.append((commit, path, content))
        return found

    def read_at(self, names: list[tuple[str, str]]) -> dict[tuple[str, str], bytes | None]:
        """Contents of `path` at `commit` for each (commit, path), None where the commit or the file is missing;
        those not remembered are read with one `git cat-file --batch` (remembered per commit id)."""
        found: dict[tuple[str, str], bytes | None] = {}
        missing = []
        for commit, path in dict.fromkeys(names):
            cached = self._blobs.get(("at", commit, path)) if _FULL_OID.match(commit) else None
            if cached is None:
                missing.append((commit, path))
            else:
                found[(commit, path)] = cached or None
        if missing:
            batch = self._run(["cat-file", "--batch"], stdin="".join(f"{c}:{p}\n" for c, p in missing).encode())
            stream = io.BytesIO(batch)
            for commit, path in missing:
                header = stream.readline().decode(errors="replace").split()
                content = b""
                if len(header) == 3 and header[1] == "blob":
                    content = stream.read(int(header[2]))
                    stream.read(1)
                elif len(header) == 3:  # not a blob (a tree at that path): skip its bytes
                    stream.read(int(header[2]) + 1)
                found[(commit, path)] = content or None
                if _FULL_OID.match(commit):
                    self._blobs.put(("at", commit, path), content)
        return found

    def tree_oid(self, commit: str, path: str) -> str | None:
        """The object id at `path` in `commit`, None if absent (remembered per commit id, like ls_tree)."""
        key = ("oid", commit, path) if _FULL_OID.match(commit) else None
        cached = self._blobs.get(key) if key else None
        if cached is not None:
            return cached or None
        try:
            oid = self._run(["rev-parse", "--verify", "--quiet", f"{commit}:{path}"]).decode().strip()
        except GitError:
            oid = ""
        if key:
            self._blobs.put(key, oid)
        return oid or None

    def export(self, commit: str, paths: list[str], target: Path) -> None:
        """Materialise `paths` of `commit` into `target` with `git archive` (no checkout)."""
        archive = self._run(["archive", "--format=tar", commit, "--", *paths])
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
