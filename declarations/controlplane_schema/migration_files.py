"""Migration files on disk: `NNNN_<name>.up.sql` with a matching `.down.sql`.

The checksum covers both halves, so editing either part of an applied migration is refused.
The digest of the whole set names the Kubernetes Job that applies it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_FILE = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.(?P<direction>up|down)\.sql$")


class MigrationFileError(ValueError):
    """The migrations directory is not a well-formed, gap-free sequence of up/down pairs."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    up_sql: str
    down_sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(f"{self.up_sql}\0{self.down_sql}".encode()).hexdigest()

    @property
    def label(self) -> str:
        return f"{self.version:04d}_{self.name}"


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """All migrations, ordered; versions must be 1..N without gaps, each with both halves."""
    if not directory.is_dir():
        raise MigrationFileError(f"{directory}: migrations directory not found")
    halves: dict[tuple[int, str], dict[str, str]] = {}
    for path in sorted(directory.glob("*.sql")):
        match = _FILE.match(path.name)
        if not match:
            raise MigrationFileError(f"{path.name}: expected NNNN_<name>.up.sql or NNNN_<name>.down.sql")
        key = (int(match["version"]), match["name"])
        halves.setdefault(key, {})[match["direction"]] = path.read_text(encoding="utf-8")
    migrations = []
    for (version, name), parts in sorted(halves.items()):
        missing = {"up", "down"} - parts.keys()
        if missing:
            raise MigrationFileError(f"{version:04d}_{name}: missing the .{missing.pop()}.sql half")
        migrations.append(Migration(version, name, parts["up"], parts["down"]))
    versions = [m.version for m in migrations]
    if versions != list(range(1, len(versions) + 1)):
        raise MigrationFileError(f"migration versions must run 1..N without gaps or duplicates, found {versions}")
    return migrations


def migrations_digest(migrations: list[Migration]) -> str:
    """SHA-256 over every migration's label and checksum: changes whenever any file changes."""
    h = hashlib.sha256()
    for m in migrations:
        h.update(f"{m.label}\0{m.checksum}\n".encode())
    return h.hexdigest()
