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
    the release (the offline engine rules check it, dbaas/offline/engine_rules.py)."""

    def __post_init__(self) -> None:
        _PINS[(self.chart, self.version)] = self


_PINS: dict[tuple[str, str], PinnedChart] = {}
"""Every pin, by (chart, version), so a planned Helm release can be traced back to its CRD groups."""


def crd_groups_of(chart: str, version: str) -> tuple[str, ...]:
    pin = _PINS.get((chart, version))
    return pin.crd_groups if pin else ()
