"""Guards on `restore_from`, per engine: refused with the exact located message, or allowed.

The new service is `services[1]`: its `name` is on line 16, engine 17, version 18, storage_gb 21 and
`restore_from` 23, with `service` on 24, `backup` on 25 and `point_in_time` on 26 when given.
"""

from __future__ import annotations

import pytest

from declarations.errors import InputError
from tests.lifecycle.helpers import ENGINES, VERSIONS, lines, review, service_text, tenant_text

PATH = "tenants/lagos/shop.yaml"
CLONE = ("yugabyte", "dragonfly", "mongodb")
"""Engines whose restore can take `backup: latest`; aerospike restores named backups only (engine_catalog)."""
RESTORABLE = CLONE + ("aerospike",)
NAMED = "2026-11-20T02:00:21Z"


def _restore(service: str = "orders", backup: str = "latest", point_in_time: str | None = None) -> str:
    text = f"    restore_from:\n      service: {service}\n      backup: \"{backup}\"\n"
    return text + (f"      point_in_time: \"{point_in_time}\"\n" if point_in_time else "")


def _restored(tmp_path, engine, source_kwargs=None, target_kwargs=None, base_services=None, earlier=None, **restore):
    if engine not in CLONE:
        restore.setdefault("backup", NAMED)
    source = service_text(engine, **(source_kwargs or {}))
    target = service_text(engine, name="orders-restored", extra=_restore(**restore), **(target_kwargs or {}))
    base = tenant_text(source if base_services is None else base_services)
    return review(tmp_path, base, tenant_text(source + target), earlier)


@pytest.mark.parametrize("engine", RESTORABLE)
def test_clone_of_a_deployed_service_with_backups_is_allowed(tmp_path, engine):
    result = _restored(tmp_path, engine)
    assert (result.refused, result.attention) == ([], [])


@pytest.mark.parametrize("engine", RESTORABLE)
def test_source_must_be_deployed(tmp_path, engine):
    result = _restored(tmp_path, engine, base_services="")
    assert lines(result.refused) == [
        f"{PATH}:24:16: services[1].restore_from.service: 'orders' is not a deployed service of this tenant; restore "
        "only from a service of the same tenant that is already deployed (its backups are in this tenant's bucket "
        "under its key)"]


@pytest.mark.parametrize("engine", RESTORABLE)
def test_source_must_be_the_same_engine(tmp_path, engine):
    other = next(e for e in ENGINES if e != engine)
    source = service_text(other)
    target = service_text(engine, name="orders-restored", extra=_restore(backup=NAMED))
    result = review(tmp_path, tenant_text(source), tenant_text(source + target))
    assert lines(result.refused) == [
        f"{PATH}:24:16: services[1].restore_from.service: 'orders' is a {other} service; a {engine} service can only "
        f"restore from {engine} backups: use engine: {other}"]


@pytest.mark.parametrize("engine", RESTORABLE)
def test_source_must_have_backups(tmp_path, engine):
    result = _restored(tmp_path, engine, source_kwargs={"retention_days": None})
    assert lines(result.refused) == [  # one line earlier: the source has no backups line
        f"{PATH}:23:16: services[1].restore_from.service: 'orders' has no backups: block, so there is nothing to "
        "restore; add backups to 'orders', let a backup run, then add this service"]


@pytest.mark.parametrize("engine", RESTORABLE)
def test_target_version_and_storage_are_at_least_the_sources(tmp_path, engine):
    old, new = VERSIONS[engine]
    result = _restored(tmp_path, engine, source_kwargs={"version": new},
                       target_kwargs={"version": old, "storage_gb": 50})
    assert lines(result.refused) == [
        f"{PATH}:18:14: services[1].version: {old} is older than the source's {new}; a backup restores only into the "
        f"same or a newer version: use version {new!r}",
        f"{PATH}:21:17: services[1].storage_gb: 50 GB is less than the source's 100 GB; the restored data may not "
        "fit: use storage_gb: 100 or more"]


@pytest.mark.parametrize("engine", RESTORABLE)
def test_newer_and_bigger_target_is_allowed(tmp_path, engine):
    old, new = VERSIONS[engine]
    result = _restored(tmp_path, engine, target_kwargs={"version": new, "storage_gb": 200})
    assert (result.refused, result.attention) == ([], [])


@pytest.mark.parametrize("engine", ENGINES)
def test_what_each_engine_can_restore_is_checked_by_the_model(tmp_path, engine):
    """point_in_time: mongodb only; backup: latest: not aerospike; scylla and vitess: no restore yet."""
    text = tenant_text(service_text(engine) + service_text(
        engine, name="orders-restored", extra=_restore(backup=NAMED, point_in_time="2026-11-20T10:15:00Z")))
    if engine == "mongodb":
        assert review(tmp_path, text, text).refused == []
        return
    with pytest.raises(InputError) as caught:
        review(tmp_path, text, text)
    expected = {
        "scylla": "restore_from: scylla cannot restore into a new service yet: Scylla Manager's API is one per "
                  "region and has no per-tenant authorisation, so no tenant-namespace Job may drive it; a platform "
                  "operator restores with `sctool restore` (engines README)",
        "vitess": "restore_from: vitess cannot restore into a new service yet: vttablet restores only from its own "
                  "backup storage root, and a backup holds the source keyspace's database (vt_<keyspace>), so a new "
                  "service cannot start from another service's backups",
    }.get(engine, f"restore_from.point_in_time: {engine} cannot restore to a point in time through its operator "
                  "(engines that can: mongodb); remove point_in_time to restore a backup")
    field, message = expected.split(": ", 1)
    line = {"restore_from": "24:7"}.get(field, "26:22")
    assert [str(p) for p in caught.value.problems] == [f"{PATH}:{line}: services[1].{field}: {message}"]


def test_aerospike_cannot_clone_latest(tmp_path):
    text = tenant_text(service_text("aerospike") + service_text("aerospike", name="copy",
                                                                extra=_restore(backup="latest")))
    with pytest.raises(InputError) as caught:
        review(tmp_path, text, text)
    assert [str(p) for p in caught.value.problems] == [
        f"{PATH}:25:15: services[1].restore_from.backup: aerospike cannot clone the latest state: a clone needs the "
        "path of the source's latest backup, which only the backup service knows at run time; name it with backup: "
        "<path> (GET /v1/backups/full on the source's backup service)"]


def test_point_in_time_needs_a_named_base_backup(tmp_path):
    text = tenant_text(service_text("mongodb") + service_text(
        "mongodb", name="copy", extra=_restore(backup="latest", point_in_time="2026-11-20T10:15:00Z")))
    with pytest.raises(InputError) as caught:
        review(tmp_path, text, text)
    assert [str(p) for p in caught.value.problems] == [
        f"{PATH}:25:15: services[1].restore_from.backup: a point-in-time restore replays the log from a base backup "
        "taken before that time; name it with backup: <id> instead of 'latest'"]


@pytest.mark.parametrize("when", ["2026-10-29T11:59:59Z", "2026-11-29T12:00:01Z"])
def test_point_in_time_must_be_inside_the_sources_retention(tmp_path, when):
    result = _restored(tmp_path, "mongodb", point_in_time=when, backup=NAMED)
    assert lines(result.refused) == [
        f"{PATH}:26:22: services[1].restore_from.point_in_time: {when} is outside the source's retained window "
        "2026-10-30T12:00:00Z .. 2026-11-29T12:00:00Z (retention_days: 30); choose a time inside it"]


@pytest.mark.parametrize("engine", RESTORABLE)
def test_restore_from_cannot_be_added_to_an_existing_service(tmp_path, engine):
    base = tenant_text(service_text(engine) + service_text(engine, name="copy"))
    head = tenant_text(service_text(engine) + service_text(engine, name="copy", extra=_restore(backup=NAMED)))
    result = review(tmp_path, base, head)
    assert lines(result.refused) == [
        f"{PATH}:23:5: services[1].restore_from: adding restore_from to an existing service would create a new "
        "restore object that restores over the live data of 'copy'; a restore always creates a NEW service: add a "
        "service with a new name and this restore_from, and leave this one as it is"]


@pytest.mark.parametrize("engine", RESTORABLE)
def test_restore_from_cannot_be_edited_but_may_be_dropped(tmp_path, engine):
    source = service_text(engine) + service_text(engine, name="other")
    deployed = tenant_text(source + service_text(engine, name="copy", extra=_restore(backup=NAMED)))
    edited = tenant_text(source + service_text(engine, name="copy", extra=_restore(service="other", backup=NAMED)))
    assert [p.field for p in review(tmp_path / "edit", deployed, edited).refused] == ["services[2].restore_from"]
    dropped = tenant_text(source + service_text(engine, name="copy"))
    assert review(tmp_path / "drop", deployed, dropped).refused == []


@pytest.mark.parametrize("engine", RESTORABLE)
def test_new_service_may_not_reuse_a_name_with_backups(tmp_path, engine):
    base = tenant_text(service_text(engine))
    head = tenant_text(service_text(engine) + service_text(engine, name="legacy"))
    result = review(tmp_path, base, head, earlier={"orders", "legacy"})
    assert lines(result.refused) == [
        f"{PATH}:16:11: services[1].name: a service named 'legacy' existed in this tenant before, and its backups may "
        f"still be kept under '{engine}/legacy' in the tenant bucket; choose a new name (to get its data back, "
        "restore_from a service that still exists)"]
