"""One tenant file per side, written and loaded as `dbaas diff` loads them, so findings carry real locations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from declarations.lifecycle.review import TransitionReview, transition_review
from declarations.tenant_loader import load_tenant_file

NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.timezone.utc)
VERSIONS = {"yugabyte": ("2.20", "2024.1"), "vitess": ("23.0", "24.0"), "scylla": ("6.1", "6.2"),
            "dragonfly": ("1.24", "1.25"), "aerospike": ("7.1", "7.2"), "mongodb": ("7.0", "8.0")}
"""Per engine, an older and the next newer supported version."""
ENGINES = tuple(VERSIONS)


def tenant_text(services: str, data_classes: str = "[operational]", plan: str = "enterprise") -> str:
    return (f"id: shop\nname: Shop\norg: shop\nplan: {plan}\ndata_region: lagos\nowners: [shop-admins]\n"
            f"data_classes: {data_classes}\nservices:" + (f"\n{services}" if services else " []\n"))


def service_text(engine: str, *, name: str = "orders", version: str | None = None, topology: str = "clustered",
                 replicas: int = 3, storage_gb: int = 100, retention_days: int | None = 30, extra: str = "") -> str:
    version = version or VERSIONS[engine][0]
    schedule = '"0 */6 * * *"'
    backups = f"    backups: {{schedule: {schedule}, retention_days: {retention_days}}}\n" if retention_days else ""
    return (f"  - name: {name}\n    engine: {engine}\n    version: \"{version}\"\n    topology: {topology}\n"
            f"    replicas: {replicas}\n    storage_gb: {storage_gb}\n{backups}{extra}")


def review(tmp_path: Path, base: str, head: str, earlier: set[str] | None = None) -> TransitionReview:
    tenants = {}
    for side, text in (("base", base), ("head", head)):
        path = tmp_path / side / "tenants" / "lagos" / "shop.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        tenants[side] = load_tenant_file(path, tmp_path / side / "tenants")
    return transition_review([tenants["base"]], [tenants["head"]], tmp_path / "head" / "tenants", NOW,
                             (lambda t: earlier) if earlier is not None else None)


def lines(problems) -> list[str]:
    return [str(p) for p in problems]
