"""`dbaas pins [REGION] [--json]`: every pinned chart, vendored manifest and CRD set, where it comes from,
which CRD groups it brings, which platform resource installs them, and the vendored CRD files with
their provenance (vendor/provenance.json).

`installed_by` is read from the region's planned platform stack, not declared: the URNs (from the
type on, `<type>::<name>`) of the Helm releases and CustomResourceDefinitions that install each group
(declarations/chart_pins.py crd_groups_installed_by), the same facts the offline engine rules order
custom resources by.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict, dataclass, field

from declarations.chart_pins import HELM_RELEASE_TYPE, PinnedChart, PinnedManifest, all_pins, crd_groups_installed_by
from declarations.vendored_artifacts import VendoredArtifact, vendored_artifacts
from tools.cli_io import EXIT_OK, check_stack, find_project_dir
from tools.offline.runtime import Registration


@dataclass(frozen=True)
class CrdFile:
    path: str
    sha256: str
    source: str
    """The upstream file at the pinned tag: `<repository>/blob/<tag>/<path>`."""


@dataclass
class PinEntry:
    name: str
    kind: str
    """`chart`, `manifest` (vendored, applied object by object) or `crds` (vendored CRDs a chart does not ship)."""
    version: str
    source: str
    why_source: str
    crd_groups: list[str]
    installed_by: list[str] = field(default_factory=list)
    crd_files: list[CrdFile] = field(default_factory=list)


def urn_suffix(urn: str) -> str:
    """`urn:pulumi:<stack>::<project>::<type>::<name>` -> `<type>::<name>`."""
    return urn.split("::", 2)[2]


def _artifact(name: str, version: str) -> VendoredArtifact | None:
    return next((a for a in vendored_artifacts() if a.name == name and a.version == version), None)


def pin_entries(platform: list[Registration]) -> list[PinEntry]:
    """One entry per pin (every chart table and vendored install), in name order."""
    entries = []
    for pin in all_pins():
        if isinstance(pin, PinnedChart):
            artifact = _artifact(pin.name, pin.version)
            if artifact is not None and artifact.installed_by != "chart":
                artifact = None  # the chart's CRDs are installed separately (its own entry)
            source = pin.chart if pin.repository is None else f"{pin.repository} {pin.chart}"
            entry = PinEntry(pin.name, "chart", pin.version, source, pin.why_source, sorted(pin.crd_groups))
            entry.installed_by = sorted(urn_suffix(r.urn) for r in platform if r.type == HELM_RELEASE_TYPE
                                        and (r.inputs.get("chart"), r.inputs.get("version")) == (pin.chart, pin.version))
        else:
            assert isinstance(pin, PinnedManifest)
            artifact = _artifact(pin.artifact, pin.version)
            kind = artifact.kind if artifact else "manifest"
            source = f"{artifact.repository}@{artifact.tag}" if artifact else "(not vendored)"
            entry = PinEntry(pin.artifact, kind, pin.version, source, "vendored in this repository (vendor/)",
                             sorted(pin.crd_groups))
            entry.installed_by = sorted(urn_suffix(r.urn) for r in platform
                                        if set(crd_groups_installed_by(r.type, r.inputs)) & set(pin.crd_groups)
                                        and r.type != HELM_RELEASE_TYPE)
        if artifact is not None:
            entry.crd_files = [CrdFile(f.path, f.sha256, artifact.source_url(f)) for f in artifact.files
                               if b"kind: CustomResourceDefinition" in f.read_bytes()]
        entries.append(entry)
    return sorted(entries, key=lambda e: (e.name, e.kind))


def render_text(entries: list[PinEntry]) -> str:
    lines = []
    for e in entries:
        lines.append(f"{e.name} {e.version} ({e.kind}) from {e.source}")
        if e.why_source:
            lines.append(f"  source: {e.why_source}")
        if e.crd_groups:
            lines.append(f"  crd groups: {', '.join(e.crd_groups)}")
        for urn in e.installed_by:
            lines.append(f"  installed by: {urn}")
        for f in e.crd_files:
            lines.append(f"  crd file: {f.path} sha256 {f.sha256}")
            lines.append(f"            from {f.source}")
    return "\n".join(lines) + "\n"


def cmd_pins(args: argparse.Namespace) -> int:
    # Every pin: the areas' chart tables declare theirs on import, and a cached platform plan imports none.
    import stacks.platform.program  # noqa: F401
    from tools.offline.plan import plan_platform
    from declarations.stack_config import load_stack_file

    project_dir = find_project_dir()
    check_stack(project_dir, args.region)
    platform = plan_platform(load_stack_file(project_dir, args.region))
    entries = pin_entries(platform.registrations)
    if args.json:
        json.dump([asdict(e) for e in entries], sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_text(entries))
    return EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pins", help="every pinned chart, vendored manifest and CRD set: source, CRD groups, the "
                                    "platform resource that installs them, vendored CRD files with sha256")
    p.add_argument("region", nargs="?", default="lagos", metavar="REGION",
                   help="whose platform plan names the installers (default: lagos)")
    p.add_argument("--json", action="store_true", help="JSON instead of text")
    p.set_defaults(func=cmd_pins)
