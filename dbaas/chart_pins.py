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
