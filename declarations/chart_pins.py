"""A Helm chart pinned by repository and exact version: plain data, shared by every area's
chart table (components/helm.py installs them)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PinnedChart:
    chart: str
    """Chart name in `repository`, or a full `oci://` reference when `repository` is None."""
    version: str
    repository: str | None
    crd_groups: tuple[str, ...] = ()
    """API groups whose CRDs the chart installs: custom resources of these groups must wait for
    the release (the offline engine rules check it, tools/offline/engine_rules.py)."""

    def __post_init__(self) -> None:
        _PINS[(self.chart, self.version)] = self


@dataclass(frozen=True)
class PinnedKustomization:
    """An operator installed from a kustomization in this repository that pins an upstream release
    tag (for operators that publish no chart repository), applied with kustomize.v2.Directory."""

    directory: str
    """Relative to the project directory, as the Pulumi program runs there."""
    version: str
    crd_groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _PINS[("kustomize", self.directory)] = self


_PINS: dict[tuple[str, str], "PinnedChart | PinnedKustomization"] = {}
"""Every pin, by (chart, version), so a planned Helm release can be traced back to its CRD groups."""


KUSTOMIZE_DIRECTORY_TYPE = "kubernetes:kustomize/v2:Directory"
HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"


def crd_groups_installed_by(type_token: str, inputs: dict) -> tuple[str, ...]:
    """The CRD API groups a planned Helm release or kustomization installs (by its pin)."""
    if type_token == HELM_RELEASE_TYPE:
        pin = _PINS.get((inputs.get("chart"), inputs.get("version")))
    elif type_token == KUSTOMIZE_DIRECTORY_TYPE:
        pin = _PINS.get(("kustomize", inputs.get("directory")))
    else:
        return ()
    return pin.crd_groups if pin else ()
