"""Re-fetch the vendored artifacts of `vendor/provenance.json` and derive what is built from them.

For a pin move: change the artifact's `version` and `tag` in vendor/provenance.json (and the pin in
the code), then run

    .venv/bin/python -m tools.vendoring.refresh            # fetch from GitHub, write, update sha256
    .venv/bin/python -m tools.vendoring.refresh --check    # fetch, compare with the recorded sha256, write nothing

Files come from https://raw.githubusercontent.com/<owner>/<repo>/<tag>/<path>, or from a local
clone with `--git-dir owner/repo=/path/to/repo.git` (read with `git show <tag>:<path>`). After the
files, it writes the strict JSON Schemas of every vendored CRD (vendor/schemas/, see
crd_schema.py) and the rendered vitess-operator manifest (vitess_operator.py).

The tests check the other direction offline: every vendored file matches its recorded sha256, the
schemas and the rendered manifest are what this script derives from the files, and each
artifact's version is the pin in the code.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import yaml

from declarations.vendored_artifacts import (
    PROJECT_DIR, PROVENANCE_FILE, SCHEMA_DIR, VendoredArtifact, parse_provenance,
)
from tools.vendoring import crd_schema, vitess_operator

Fetch = Callable[[VendoredArtifact, str], bytes]
KUBERNETES_VERSION_NAME = re.compile(r"^v\d+((alpha|beta)\d+)?$")
"""Versions named as Kubernetes API versions; psmdb's CRD also serves one per past release (v1-2-0, ...), which
nothing here emits."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def github_fetch(artifact: VendoredArtifact, source_path: str) -> bytes:
    owner_repo = artifact.repository.removeprefix("https://github.com/")
    url = f"https://raw.githubusercontent.com/{owner_repo}/{artifact.tag}/{source_path}"
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (fixed https host)
        return response.read()


def git_fetch(git_dirs: dict[str, str], fallback: Fetch | None) -> Fetch:
    def fetch(artifact: VendoredArtifact, source_path: str) -> bytes:
        owner_repo = artifact.repository.removeprefix("https://github.com/")
        if owner_repo not in git_dirs:
            if fallback is None:
                raise SystemExit(f"no --git-dir for {owner_repo}")
            return fallback(artifact, source_path)
        return subprocess.run(["git", f"--git-dir={git_dirs[owner_repo]}", "show", f"{artifact.tag}:{source_path}"],
                              check=True, capture_output=True).stdout
    return fetch


def crd_documents(data: bytes) -> Iterator[dict[str, Any]]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for doc in yaml.load_all(data, Loader=loader):
        if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
            yield doc


def derived_schemas(artifacts: tuple[VendoredArtifact, ...], read: Callable[[str], bytes]) -> dict[str, dict]:
    """vendor/schemas/<file> -> strict schema, for every served Kubernetes-style version of every vendored CRD."""
    out: dict[str, dict] = {}
    for artifact in artifacts:
        for file in artifact.files:
            for crd in crd_documents(read(file.path)):
                for name, schema in crd_schema.crd_schemas(crd):
                    version = name.rsplit("_", 1)[1].removesuffix(".json")
                    if KUBERNETES_VERSION_NAME.match(version):
                        out[name] = schema
    return out


def rendered_vitess(artifacts: tuple[VendoredArtifact, ...], read: Callable[[str], bytes]) -> str:
    [artifact] = [a for a in artifacts if a.name == "vitess-operator"]
    by_source = {f.source_path: f.path for f in artifact.files}
    return vitess_operator.render(lambda p: read(by_source[p]).decode(), artifact.tag)


def schema_text(schema: dict) -> str:
    return json.dumps(schema, indent=1, sort_keys=True) + "\n"


def refresh(fetch: Fetch, check_only: bool) -> list[str]:
    data = json.loads(PROVENANCE_FILE.read_text())
    artifacts = parse_provenance(data)
    problems: list[str] = []
    for raw, artifact in zip(data["artifacts"], artifacts):
        for raw_file, file in zip(raw["files"], artifact.files):
            body = fetch(artifact, file.source_path)
            digest = sha256(body)
            if check_only:
                if digest != file.sha256:
                    problems.append(f"{artifact.name} {artifact.tag} {file.source_path}: sha256 {digest}, "
                                    f"recorded {file.sha256}")
                continue
            target = PROJECT_DIR / file.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(body)
            raw_file["sha256"] = digest
    if check_only:
        return problems
    PROVENANCE_FILE.write_text(json.dumps(data, indent=2) + "\n")

    def read(path: str) -> bytes:
        return (PROJECT_DIR / path).read_bytes()
    for old in SCHEMA_DIR.glob("*/*.json"):
        old.unlink()
    for name, schema in derived_schemas(artifacts, read).items():
        target = SCHEMA_DIR / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(schema_text(schema))
    [vitess] = [a for a in artifacts if a.name == "vitess-operator"]
    (PROJECT_DIR / vitess.rendered).write_text(rendered_vitess(artifacts, read))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.vendoring.refresh", description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare upstream with the recorded sha256; write nothing")
    parser.add_argument("--git-dir", action="append", default=[], metavar="OWNER/REPO=PATH",
                        help="read that repository from a local git directory instead of GitHub")
    parser.add_argument("--offline", action="store_true", help="fail for a repository without --git-dir")
    args = parser.parse_args(argv)
    git_dirs = dict(item.split("=", 1) for item in args.git_dir)
    fetch = git_fetch(git_dirs, None if args.offline else github_fetch)
    problems = refresh(fetch, args.check)
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
