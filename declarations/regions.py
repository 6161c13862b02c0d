"""The regions the platform runs in. A region is a tenants/<region>/ folder and a stack."""

from __future__ import annotations

KNOWN_REGIONS: tuple[str, ...] = ("lagos", "frankfurt")
"""Adding a PoP: add its name here, a Pulumi.<region>.yaml, and a tenants/<region>/ folder."""

RESIDENCY_AWS_REGIONS: dict[str, tuple[str, ...]] = {
    "lagos": ("af-south-1",),       # Cape Town: the nearest AWS region; data stays on the continent
    "frankfurt": ("eu-central-1",),  # Frankfurt: data stays in Germany (EU)
}
"""The AWS regions a platform region may keep tenant data in (buckets, keys, roles). A typo in a
stack file must not move a region's data to another jurisdiction."""
