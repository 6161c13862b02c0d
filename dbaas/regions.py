"""The regions the platform runs in. A region is a tenants/<region>/ folder and a stack."""

from __future__ import annotations

KNOWN_REGIONS: tuple[str, ...] = ("lagos", "frankfurt")
"""Adding a PoP: add its name here, a Pulumi.<region>.yaml, and a tenants/<region>/ folder."""
