"""Guards on `restore_from`, per engine: refused with the exact located message, or allowed.

The new service is `services[1]`: its `name` is on line 16, engine 17, version 18, storage_gb 21 and
`restore_from` 23, with `service` on 24, `backup` on 25 and `point_in_time` on 26 when given.
"""

from __future__ import annotations

import pytest

from declarations.errors import InputError
from tests.lifecycle.helpers import ENGINES, VERSIONS, lines, review, service_text, tenant_text

PATH = "tenants/lagos/shop.yaml"
RESTORABLE = ENGINES
"""Every engine restores a named backup and clones (`backup: latest`) since issue 14 (engine_catalog RESTORE_WAYS)."""
NAMED = {
    "yugabyte": "orders-yugabyte-nightly",                                 # a Backup object of the source
    "vitess": "2026-11-20.020000.zone1-0000000101",                        # a backup directory under <keyspace>/-
    "scylla": "sm_20261120020000UTC",                                      # a Scylla Manager snapshot tag
    "dragonfly": "2026-11-20T02:00:00",                                    # a snapshot's --dbfilename timestamp
    "aerospike": "t-shop-orders-aerospike-backup-full/backup/1732060800000/data/orders",  # a backup's data path
    "mongodb": "2026-11-20T02:00:21Z",                                     # a PBM backup name
}
"""A well-formed named backup per engine."""


def _restore(service: str = "orders", backup: str = "latest", point_in_time: str | None = None) -> str:
    text = f"    restore_from:\n      service: {service}\n      backup: \"{backup}\"\n"
    return text + (f"      point_in_time: \"{point_in_time}\"\n" if point_in_time else "")


def _restored(tmp_path, engine, source_kwargs=None, target_kwargs=None, base_services=None, earlier=None, **restore):
    source = service_text(engine, **(source_kwargs or {}))
    target = service_text(engine, name="orders-restored", extra=_restore(**restore), **(target_kwargs or {}))
    base = tenant_text(source if base_services is None else base_services)
    return review(tmp_path, base, tenant_text(source + target), earlier)


@pytest.mark.parametrize("engine", RESTORABLE)
def test_clone_of_a_deployed_service_with_backups_is_allowed(tmp_path, engine):
    result = _restored(tmp_path, engine)
    assert (result.refused, result.attention) == ([], [])


@pytest.mark.parametrize("engine", RESTORABLE)
def test_restore_of_a_named_backup_is_allowed(tmp_path, engine):
    result = _restored(tmp_path, engine, backup=NAMED[engine])
    assert (result.refused, result.attention) == ([], [])


@pytest.mark.parametrize(("engine", "form"), [
    ("scylla", "a Scylla Manager snapshot tag, e.g. sm_20261120020000UTC"),
    ("vitess", "a Vitess backup name, e.g. 2026-11-20.020000.zone1-0000000101"),
    ("dragonfly", "a snapshot's timestamp, e.g. 2026-11-20T02:00:00"),
])
def test_a_named_backup_must_have_the_engines_form(tmp_path, engine, form):
    """The restore Job would only fail an apply later; the model refuses the id at once."""
    text = tenant_text(service_text(engine) + service_text(engine, name="copy", extra=_restore(backup="nightly-1")))
    with pytest.raises(InputError) as caught:
        review(tmp_path, text, text)
    assert [str(p) for p in caught.value.problems] == [
        f"{PATH}:25:15: services[1].restore_from.backup: 'nightly-1' is not a {engine} backup; name {form}, or "
        "'latest'"]


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
    target = service_text(engine, name="orders-restored", extra=_restore(backup=NAMED[engine]))
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


NEWER_VERSION_RESTORES = tuple(e for e in RESTORABLE if e != "mongodb")
"""Engines whose backups restore into the same or a newer version; MongoDB's only into the same major.minor."""
PBM_SAME_VERSION = (
    "Percona Backup for MongoDB restores a backup only into the MongoDB major.minor it was taken from "
    "(percona-backup-mongodb v2.11.0 pbm/restore/physical.go:2616, logical.go:843)")


@pytest.mark.parametrize("engine", NEWER_VERSION_RESTORES)
def test_target_version_and_storage_are_at_least_the_sources(tmp_path, engine):
    old, new = VERSIONS[engine]
    result = _restored(tmp_path, engine, source_kwargs={"version": new},
                       target_kwargs={"version": old, "storage_gb": 50})
    assert lines(result.refused) == [
        f"{PATH}:18:14: services[1].version: {old} is older than the source's {new}; a backup restores only into the "
        f"same or a newer version: use version {new!r}",
        f"{PATH}:21:17: services[1].storage_gb: 50 GB is less than the source's 100 GB; the restored data may not "
        "fit: use storage_gb: 100 or more"]


@pytest.mark.parametrize("engine", NEWER_VERSION_RESTORES)
def test_newer_and_bigger_target_is_allowed(tmp_path, engine):
    old, new = VERSIONS[engine]
    result = _restored(tmp_path, engine, target_kwargs={"version": new, "storage_gb": 200})
    assert (result.refused, result.attention) == ([], [])


@pytest.mark.parametrize(("source", "target"), [("7.0", "8.0"), ("8.0", "7.0")])
def test_mongodb_restores_only_into_the_sources_major_minor(tmp_path, source, target):
    """PBM refuses a physical restore into another major.minor (and a logical one too), so a restore into a newer
    version would fail on the cluster after the apply: the model refuses it, naming the version line."""
    result = _restored(tmp_path, "mongodb", source_kwargs={"version": source},
                       target_kwargs={"version": target, "storage_gb": 200})
    assert lines(result.refused) == [
        f"{PATH}:18:14: services[1].version: {target} is not the source's {source}; {PBM_SAME_VERSION}: use version "
        f"{source!r}, and upgrade the restored service afterwards"]


def test_mongodb_restore_into_the_sources_version_and_more_storage_is_allowed(tmp_path):
    result = _restored(tmp_path, "mongodb", source_kwargs={"version": "8.0"},
                       target_kwargs={"version": "8.0", "storage_gb": 200}, backup=NAMED["mongodb"],
                       point_in_time=None)
    assert (result.refused, result.attention) == ([], [])


@pytest.mark.parametrize("engine", ENGINES)
def test_what_each_engine_can_restore_is_checked_by_the_model(tmp_path, engine):
    """point_in_time: mongodb only (every engine restores named backups and clones)."""
    text = tenant_text(service_text(engine) + service_text(
        engine, name="orders-restored", extra=_restore(backup=NAMED[engine], point_in_time="2026-11-20T10:15:00Z")))
    if engine == "mongodb":
        assert review(tmp_path, text, text).refused == []
        return
    with pytest.raises(InputError) as caught:
        review(tmp_path, text, text)
    assert [str(p) for p in caught.value.problems] == [
        f"{PATH}:26:22: services[1].restore_from.point_in_time: {engine} cannot restore to a point in time through "
        "its operator (engines that can: mongodb); remove point_in_time to restore a backup"]


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
    result = _restored(tmp_path, "mongodb", point_in_time=when, backup=NAMED["mongodb"])
    assert lines(result.refused) == [
        f"{PATH}:26:22: services[1].restore_from.point_in_time: {when} is outside the source's retained window "
        "2026-10-30T12:00:00Z .. 2026-11-29T12:00:00Z (retention_days: 30); choose a time inside it"]


@pytest.mark.parametrize("engine", RESTORABLE)
def test_restore_from_cannot_be_added_to_an_existing_service(tmp_path, engine):
    base = tenant_text(service_text(engine) + service_text(engine, name="copy"))
    head = tenant_text(service_text(engine) + service_text(engine, name="copy", extra=_restore(backup=NAMED[engine])))
    result = review(tmp_path, base, head)
    assert lines(result.refused) == [
        f"{PATH}:23:5: services[1].restore_from: adding restore_from to an existing service would create a new "
        "restore object that restores over the live data of 'copy'; a restore always creates a NEW service: add a "
        "service with a new name and this restore_from, and leave this one as it is"]


@pytest.mark.parametrize("engine", RESTORABLE)
def test_restore_from_cannot_be_edited(tmp_path, engine):
    source = service_text(engine) + service_text(engine, name="other")
    deployed = tenant_text(source + service_text(engine, name="copy", extra=_restore(backup=NAMED[engine])))
    edited = tenant_text(source + service_text(engine, name="copy",
                                               extra=_restore(service="other", backup=NAMED[engine])))
    assert [p.field for p in review(tmp_path / "edit", deployed, edited).refused] == ["services[2].restore_from"]


@pytest.mark.parametrize("engine", [e for e in RESTORABLE if e != "vitess"])
def test_restore_from_may_be_dropped_after_the_restore(tmp_path, engine):
    source = service_text(engine) + service_text(engine, name="other")
    deployed = tenant_text(source + service_text(engine, name="copy", extra=_restore(backup=NAMED[engine])))
    dropped = tenant_text(source + service_text(engine, name="copy"))
    assert review(tmp_path, deployed, dropped).refused == []


def test_vitess_keeps_restore_from_because_it_names_the_database(tmp_path):
    """A restored Vitess keyspace serves the source's database (databaseName: vt_orders); dropping the marker
    would point the tablets at vt_copy, which is empty."""
    source = service_text("vitess")
    deployed = tenant_text(source + service_text("vitess", name="copy", extra=_restore()))
    result = review(tmp_path, deployed, tenant_text(source + service_text("vitess", name="copy")))
    assert lines(result.refused) == [
        f"{PATH}:16:5: services[1].restore_from: removing restore_from from a vitess service: a restored keyspace "
        "keeps serving its source's MySQL database, vt_<source keyspace>, named by restore_from; without it the "
        "platform would point 'copy' at an empty database; keep restore_from as it is"]


def test_vitess_cannot_restore_from_a_restored_service(tmp_path):
    origin = service_text("vitess")
    restored = service_text("vitess", name="copy", extra=_restore())
    base = tenant_text(origin + restored)
    head = tenant_text(origin + restored + service_text("vitess", name="copy2", extra=_restore(service="copy")))
    result = review(tmp_path, base, head)
    assert lines(result.refused) == [
        f"{PATH}:34:16: services[2].restore_from.service: 'copy' was itself restored from 'orders': a restored "
        "keyspace keeps serving its source's MySQL database, vt_<source keyspace>, named by restore_from, and a "
        "restore names one level only; restore from 'orders' instead, or move the data of 'copy' logically"]


@pytest.mark.parametrize("engine", [e for e in RESTORABLE if e != "vitess"])
def test_other_engines_restore_from_a_restored_service(tmp_path, engine):
    origin = service_text(engine)
    restored = service_text(engine, name="copy", extra=_restore())
    base = tenant_text(origin + restored)
    head = tenant_text(origin + restored + service_text(engine, name="copy2", extra=_restore(service="copy")))
    assert review(tmp_path, base, head).refused == []


@pytest.mark.parametrize("engine", RESTORABLE)
def test_new_service_may_not_reuse_a_name_with_backups(tmp_path, engine):
    base = tenant_text(service_text(engine))
    head = tenant_text(service_text(engine) + service_text(engine, name="legacy"))
    result = review(tmp_path, base, head, earlier={"orders", "legacy"})
    assert lines(result.refused) == [
        f"{PATH}:16:11: services[1].name: a service named 'legacy' existed in this tenant before, and its backups may "
        f"still be kept under '{engine}/legacy' in the tenant bucket; choose a new name (to get its data back, "
        "restore_from a service that still exists)"]
