"""The offline caches' store (tools/offline/cache_store.py): whole entries or none, and bounded in size."""

from __future__ import annotations

import os

from tools.offline import cache_store


def test_a_kinds_folder_is_pruned_to_its_budget_least_recently_used_first(tmp_path, monkeypatch):
    monkeypatch.setenv("DBAAS_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(cache_store, "_pruned", set())
    folder = tmp_path / "tenant-plans"
    for i, name in enumerate(["old", "used", "new"]):
        assert cache_store.write("tenant-plans", name, 1, {"payload": "x" * 400_000})
        os.utime(folder / f"{name}.json", (1_000_000 + i, 1_000_000 + i))
    assert cache_store.read("tenant-plans", "used", 1)["payload"] == "x" * 400_000  # read: most recently used
    monkeypatch.setattr(cache_store, "_pruned", set())
    monkeypatch.setenv("DBAAS_CACHE_MAX_MB", "1")  # room for two entries of 0.4 MB
    assert cache_store.write("tenant-plans", "newest", 1, {"payload": "y"})
    assert sorted(p.name for p in folder.iterdir()) == ["new.json", "newest.json", "used.json"]
    monkeypatch.setattr(cache_store, "_pruned", set())
    monkeypatch.setenv("DBAAS_CACHE_MAX_MB", "0")  # pruned before the write: only the new entry stays
    assert cache_store.write("tenant-plans", "only", 1, {"payload": "z"})
    assert sorted(p.name for p in folder.iterdir()) == ["only.json"]


def test_an_entry_of_another_format_or_key_or_torn_is_absent(tmp_path, monkeypatch):
    monkeypatch.setenv("DBAAS_CACHE_DIR", str(tmp_path))
    assert cache_store.write("policy-results", "k", 2, {"v": 1})
    assert cache_store.read("policy-results", "k", 2) == {"format": 2, "key": "k", "v": 1}
    assert cache_store.read("policy-results", "k", 3) is None
    (tmp_path / "policy-results" / "k2.json").write_text('{"format": 2, "key": "k", "v": 1}')
    assert cache_store.read("policy-results", "k2", 2) is None
    (tmp_path / "policy-results" / "k3.json").write_text('{"format": 2, "key": "k3", "v": [')
    assert cache_store.read("policy-results", "k3", 2) is None
