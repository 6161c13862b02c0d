"""Read a repository's refs in-process, from its files, as git itself stores them.

A read request needs the values of a few refs (the base branch, a tenant's tracking ref, a
`provision/...` branch). Running `git rev-parse` or `git for-each-ref` for each costs a process
start (milliseconds, more on a loaded machine); reading the ref files costs microseconds.

The "files" ref backend, which is git's only one before 2.45 and still its default
(git/git Documentation/gitrepository-layout.txt, refs/files-backend.c):
- a loose ref is the file `<common dir>/<refname>` holding `<oid>\\n` or `ref: <target>\\n`;
  git writes `<refname>.lock` and renames it over, so a reader sees the old or the new value;
- `packed-refs` holds `<oid> <refname>` lines (a `^<oid>` line peels the tag above, a `#` line
  is the header), also replaced by rename; a loose ref shadows its packed entry;
- in a linked worktree the git dir names the shared one in `commondir`; `HEAD` and
  `refs/bisect/`, `refs/worktree/`, `refs/rewritten/` stay per worktree.
Anything else (the reftable backend, a ref that is not under `refs/`, a file that does not hold
what git writes) makes `RefFiles` answer `None` for "cannot tell", and the caller asks git.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

_OID = re.compile(rb"^[0-9a-f]{40}$")
_PER_WORKTREE = ("refs/bisect/", "refs/worktree/", "refs/rewritten/")
_MAX_SYMREF_DEPTH = 5  # git's own limit for following symbolic refs (refs.c, SYMREF_MAXDEPTH)


class CannotTell(Exception):
    """The ref storage is not something this reader understands; ask git."""


class RefFiles:
    def __init__(self, git_dir: Path):
        self.git_dir = git_dir
        common = git_dir / "commondir"
        self.common_dir = (git_dir / common.read_text().strip()).resolve() if common.is_file() else git_dir
        self.supported = not (self.common_dir / "reftable").exists() and "refstorage" not in _config_text(self.common_dir)
        self._packed_key: tuple[int, int, int] | None = None
        self._packed: dict[str, str] = {}
        self._lock = threading.Lock()

    def resolve(self, refname: str) -> str | None:
        """The object id `refname` points at (symbolic refs followed), None when it does not
        exist; CannotTell when git must answer."""
        if not self.supported or not refname.startswith("refs/") or ".." in refname:
            raise CannotTell(refname)
        for _ in range(_MAX_SYMREF_DEPTH):
            content = self._loose(refname)
            if content is None:
                return self.packed().get(refname)
            if content.startswith(b"ref: "):
                refname = content[5:].strip().decode("utf-8", errors="strict")
                if not refname.startswith("refs/"):
                    raise CannotTell(refname)
                continue
            oid = content.strip()
            if not _OID.match(oid):
                raise CannotTell(refname)
            return oid.decode()
        raise CannotTell(refname)

    def under(self, prefix: str) -> dict[str, str]:
        """refname -> object id of every ref whose name starts with `prefix` (a folder, ending in
        `/`), loose refs shadowing packed ones; symbolic refs are left out (none are written there)."""
        if not self.supported or not prefix.startswith("refs/") or not prefix.endswith("/"):
            raise CannotTell(prefix)
        found = {name: oid for name, oid in self.packed().items() if name.startswith(prefix)}
        folder = self._dir_for(prefix) / prefix
        for root, _dirs, files in os.walk(folder):
            for file in files:
                if file.endswith(".lock"):
                    continue
                name = (Path(root) / file).relative_to(self._dir_for(prefix)).as_posix()
                try:
                    content = (Path(root) / file).read_bytes().strip()
                except FileNotFoundError:  # deleted since the listing: gone, or moved to packed-refs
                    if name not in self.packed():
                        found.pop(name, None)
                    continue
                if content.startswith(b"ref: "):
                    found.pop(name, None)
                    continue
                if not _OID.match(content):
                    raise CannotTell(name)
                found[name] = content.decode()
        return found

    def packed(self) -> dict[str, str]:
        """`packed-refs`, parsed again only when the file was replaced."""
        path = self.common_dir / "packed-refs"
        try:
            st = path.stat()
        except FileNotFoundError:
            return {}
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        with self._lock:
            if key != self._packed_key:
                refs: dict[str, str] = {}
                for line in path.read_bytes().splitlines():
                    if not line or line.startswith((b"#", b"^")):
                        continue
                    oid, _, name = line.partition(b" ")
                    if not _OID.match(oid):
                        raise CannotTell("packed-refs")
                    refs[name.decode("utf-8", errors="strict")] = oid.decode()
                self._packed, self._packed_key = refs, key
            return self._packed

    def _dir_for(self, refname: str) -> Path:
        return self.git_dir if refname.startswith(_PER_WORKTREE) else self.common_dir

    def _loose(self, refname: str) -> bytes | None:
        path = self._dir_for(refname) / refname
        try:
            return path.read_bytes()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return None


def _config_text(common_dir: Path) -> str:
    try:
        return (common_dir / "config").read_text(errors="replace")
    except OSError:
        return ""
