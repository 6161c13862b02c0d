"""Pinned third-party installs: Helm charts by repository and exact version, and installs vendored in
this repository (vendor/, with provenance) that the platform applies object by object. Plain data,
shared by every area's pin table (components/helm.py installs charts, components/vendored_objects.py
the vendored ones)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PinnedChart:
    chart: str
    """Chart name in `repository`, or a full `oci://` reference when `repository` is None."""
    version: str
    repository: str | None
    crd_groups: tuple[str, ...] = ()
    """API groups whose CRDs the chart installs: custom resources of these groups must wait for
    the release (the offline engine rules check it, tools/offline/engine_rules.py)."""
    why_source: str = ""
    """Why this source keeps the pinned version (said where it is not the chart's own repository)."""

    def __post_init__(self) -> None:
        _PINS[(self.chart, self.version)] = self

    @property
    def name(self) -> str:
        """The chart's name, also for an OCI reference (its last path segment)."""
        return self.chart.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class PinnedManifest:
    """A third-party install vendored in vendor/<artifact>/ at a pinned tag (vendor/provenance.json): CRDs a
    chart does not ship, or an operator that publishes no chart. The platform applies each object itself,
    so every object is a resource of the plan and passes the same checks as ours."""

    artifact: str
    """The artifact's name in vendor/provenance.json."""
    version: str
    crd_groups: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _PINS[("vendored", self.artifact)] = self


_PINS: dict[tuple[str, str], "PinnedChart | PinnedManifest"] = {}
"""Every pin, by (chart, version) or ("vendored", artifact), so a planned Helm release can be traced back to its
CRD groups and `dbaas pins` can list them all."""


HELM_RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
CRD_TYPE = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"


def all_pins() -> tuple["PinnedChart | PinnedManifest", ...]:
    return tuple(_PINS.values())


def chart_pin(chart: Any, version: Any) -> PinnedChart | None:
    """The pinned chart a Helm release installs, by its `chart` and `version` inputs (None: not pinned)."""
    pin = _PINS.get((chart, version))
    return pin if isinstance(pin, PinnedChart) else None


def crd_groups_installed_by(type_token: str, inputs: dict[str, Any]) -> tuple[str, ...]:
    """The CRD API groups a planned resource installs: a Helm release by its pin, a CustomResourceDefinition
    by its `spec.group`."""
    if type_token == HELM_RELEASE_TYPE:
        pin = _PINS.get((inputs.get("chart"), inputs.get("version")))
        return pin.crd_groups if pin else ()
    if type_token == CRD_TYPE:
        spec = inputs.get("spec")
        group = spec.get("group") if isinstance(spec, dict) else getattr(spec, "group", None)
        return (group,) if isinstance(group, str) else ()
    return ()
