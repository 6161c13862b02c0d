"""The third-party artifacts vendored in `vendor/`, and where each came from.

`vendor/provenance.json` is the one record: per artifact its pinned version, the upstream
repository and tag, the CRD groups it defines, and per file the upstream path, the vendored path
and its sha256. Validation reads the strict schemas derived from these files
(`vendor/schemas/`), the platform installs the files it installs itself from here, and
`tools/vendoring/refresh.py` re-fetches them from the same data for a pin move. Nothing reads a
folder outside the repository.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
VENDOR_DIR = PROJECT_DIR / "vendor"
PROVENANCE_FILE = VENDOR_DIR / "provenance.json"
SCHEMA_DIR = VENDOR_DIR / "schemas"
"""Strict JSON Schemas derived from the vendored CRDs: `<group>/<kind>_<version>.json`."""


@dataclass(frozen=True)
class VendoredFile:
    source_path: str
    """Path in the upstream repository at the artifact's tag."""
    path: str
    """Path in this repository, relative to its root."""
    sha256: str

    def read_bytes(self) -> bytes:
        return (PROJECT_DIR / self.path).read_bytes()


@dataclass(frozen=True)
class VendoredArtifact:
    name: str
    """The pin's name: a chart name (the last part of an OCI reference), or the manifest or CRD set's name."""
    version: str
    """The pinned version, exactly as the pin in the code writes it."""
    kind: str
    """`crds` (CRDs only), or `manifest` (a whole install the platform applies object by object)."""
    repository: str
    tag: str
    """The upstream tag the files were taken at."""
    crd_groups: tuple[str, ...]
    installed_by: str
    """`chart`: the Helm release of the pinned chart installs the CRDs; `manifest`/`crds`: the platform stack
    applies the vendored files itself (components/vendored_manifest.py)."""
    files: tuple[VendoredFile, ...]
    note: str = ""
    rendered: str = ""
    """For a manifest: the install as the platform applies it, derived from `files` (tools/vendoring/refresh.py)."""

    @property
    def install_paths(self) -> tuple[str, ...]:
        """What the platform applies when it installs this artifact itself: the rendered manifest, else the files."""
        return (self.rendered,) if self.rendered else tuple(f.path for f in self.files)

    def source_url(self, file: VendoredFile) -> str:
        return f"{self.repository}/blob/{self.tag}/{file.source_path}"

    def raw_url(self, file: VendoredFile) -> str:
        owner_repo = self.repository.removeprefix("https://github.com/")
        return f"https://raw.githubusercontent.com/{owner_repo}/{self.tag}/{file.source_path}"


def parse_provenance(data: dict) -> tuple[VendoredArtifact, ...]:
    return tuple(
        VendoredArtifact(
            name=a["name"], version=a["version"], kind=a["kind"], repository=a["repository"], tag=a["tag"],
            crd_groups=tuple(a["crd_groups"]), installed_by=a["installed_by"], note=a.get("note", ""),
            rendered=a.get("rendered", ""),
            files=tuple(VendoredFile(f["source_path"], f["path"], f["sha256"]) for f in a["files"]))
        for a in data["artifacts"])


@functools.lru_cache(maxsize=1)
def vendored_artifacts() -> tuple[VendoredArtifact, ...]:
    return parse_provenance(json.loads(PROVENANCE_FILE.read_text()))


def install_objects(artifact: VendoredArtifact) -> list[dict]:
    """The Kubernetes objects the platform applies for an artifact it installs itself, in file order."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [doc for path in artifact.install_paths for doc in yaml.load_all((PROJECT_DIR / path).read_bytes(), Loader=loader)
            if isinstance(doc, dict)]


def vendored_artifact(name: str) -> VendoredArtifact:
    for artifact in vendored_artifacts():
        if artifact.name == name:
            return artifact
    raise KeyError(f"{name} is not vendored (vendor/provenance.json)")


def artifact_for_group(group: str) -> VendoredArtifact | None:
    """The vendored artifact that defines the CRDs of an API group."""
    for artifact in vendored_artifacts():
        if group in artifact.crd_groups:
            return artifact
    return None
