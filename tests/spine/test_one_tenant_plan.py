"""A one-tenant plan (`dbaas plan lagos.<id>`) costs that tenant: its own file, and the platform
plan remembered by a hash of its inputs (tools/offline/platform_cache.py)."""

from __future__ import annotations

import json

import pytest

from dbaas.cli import main
from declarations.errors import InputError
from tools.offline import cache_store, platform_cache
from tools.offline.plan import build_plan
from declarations.stack_config import load_stack_file
from tests.conftest import PROJECT_DIR
from tests.spine.tenant_files import valid_text, write


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("DBAAS_CACHE_DIR", str(folder))
    monkeypatch.setenv("DBAAS_CACHE", "on")  # this file tests the cache itself (conftest turns it off under monkeypatch)
    monkeypatch.delenv("DBAAS_PLATFORM_CACHE", raising=False)
    return folder / "platform-plans"


def test_the_cli_plans_one_tenant_stack(tmp_path, cache, capsys):
    out = tmp_path / "acme.json"
    assert main(["plan", "lagos.acme", "--json", str(out)]) == 0
    assert out.read_text() == build_plan("lagos.acme", PROJECT_DIR).to_json_text()
    assert "Offline plan of stack lagos.acme: " in capsys.readouterr().out
    assert main(["plan", "atlantis.acme"]) == 2
    assert capsys.readouterr().err.startswith("dbaas plan: no stack 'atlantis' in ")


def test_a_tenant_stack_reads_only_its_own_file(tenants_copy, cache):
    (tenants_copy / "lagos" / "kudi-pay.yaml").write_text("id: kudi-pay\nplan: [\n")
    one = build_plan("lagos.acme", PROJECT_DIR, tenants_copy)
    assert {r.urn.split("::")[0] for r in one.registrations} == {"urn:pulumi:lagos.acme"}
    with pytest.raises(InputError) as region:
        build_plan("lagos", PROJECT_DIR, tenants_copy)
    assert [p.path for p in region.value.problems] == ["tenants/lagos/kudi-pay.yaml"]


def test_a_tenant_stack_still_refuses_an_id_used_in_another_region(tenants_copy, cache):
    write(tenants_copy, "frankfurt", "acme", valid_text(id="acme", region="frankfurt"))
    with pytest.raises(InputError) as exc:
        build_plan("lagos.acme", PROJECT_DIR, tenants_copy)
    assert [str(p) for p in exc.value.problems] == [
        "tenants/lagos/acme.yaml:1:1: id: tenant id 'acme' is already used by tenants/frankfurt/acme.yaml"]
    (tenants_copy / "notes.txt").write_text("x")
    with pytest.raises(InputError) as layout:
        build_plan("lagos.acme", PROJECT_DIR, tenants_copy)
    assert [str(p) for p in layout.value.problems] == [
        "tenants/notes.txt:1:1: (file): tenant files live in tenants/<region>/<id>.yaml"]


def test_the_cached_platform_plan_gives_byte_identical_plans(cache, monkeypatch):
    stack_file = load_stack_file(PROJECT_DIR, "lagos")
    key = platform_cache.key_for(stack_file)
    first = build_plan("lagos", PROJECT_DIR, only_tenants=frozenset({"acme"})).to_json_text()
    assert sorted(p.name for p in cache.iterdir()) == [f"{key}.json"]
    stored = json.loads((cache / f"{key}.json").read_text())
    assert (stored["format"], stored["key"]) == (platform_cache.FORMAT, key)
    assert build_plan("lagos", PROJECT_DIR, only_tenants=frozenset({"acme"})).to_json_text() == first
    (cache / f"{key}.json").write_text('{"format": 2, "key": "' + key + '", "registrations": [')  # torn: ignored
    assert build_plan("lagos", PROJECT_DIR, only_tenants=frozenset({"acme"})).to_json_text() == first
    monkeypatch.setenv("DBAAS_PLATFORM_CACHE", "off")
    assert build_plan("lagos", PROJECT_DIR, only_tenants=frozenset({"acme"})).to_json_text() == first


def test_the_cache_key_follows_config_and_code(cache, monkeypatch):
    lagos, frankfurt = load_stack_file(PROJECT_DIR, "lagos"), load_stack_file(PROJECT_DIR, "frankfurt")
    assert platform_cache.key_for(lagos) != platform_cache.key_for(frankfurt)
    before = platform_cache.key_for(lagos)
    changed = lagos.model_copy(update={"pulumi_config": lagos.pulumi_config | {"dbaas-platform:storageClass": "x"}})
    assert platform_cache.key_for(changed) != before
    monkeypatch.setattr(cache_store, "_code_digest", "another revision of the code")
    assert platform_cache.key_for(load_stack_file(PROJECT_DIR, "lagos")) != before


def test_a_cache_hit_in_a_fresh_process_passes_the_engine_rules(tmp_path, cache):
    """The chart tables register their CRD groups on import; a cache hit must not skip them."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "DBAAS_CACHE_DIR": str(cache.parent)}
    command = [sys.executable, "-m", "dbaas.cli", "plan", "lagos.acme", "--json", str(tmp_path / "p.json")]
    runs = [subprocess.run(command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True) for _ in range(2)]
    assert [(r.returncode, r.stderr) for r in runs] == [(0, ""), (0, "")]
    assert len(list(cache.iterdir())) == 1


PLATFORM_ONLY_MODULES = ("stacks.platform", "psycopg", "components.pop.cluster", "components.controlplane_db.component",
                         "components.observability.regional", "components.kafka.backbone", "components.engines.operators")
"""The platform's component tree and what only it needs: a tenant stack planned on a cache hit imports none."""
FRESH_TENANT_PLAN = """
import contextlib, io, json, sys
from dbaas.cli import main
from pathlib import Path
from declarations.stack_config import load_stack_file
from tools.offline.plan import plan_platform
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["plan", "lagos.acme", "--json", sys.argv[1]])
modules = sorted(sys.modules)
groups = sorted(plan_platform(load_stack_file(Path("."), "lagos")).crd_groups)  # what the tenant's engine rules read
print(json.dumps({"code": code, "modules": modules, "crd_groups": groups}))
"""


def test_a_tenant_stack_on_a_cache_hit_imports_nothing_of_the_platform(tmp_path, cache):
    """Importing the platform's components (psycopg among them) cost a one-tenant plan half its time; the
    cache entry holds what the engine rules need of them (the pins of the platform's Helm releases)."""
    import os
    import subprocess
    import sys

    expected = build_plan("lagos.acme", PROJECT_DIR).to_json_text()  # fills the cache in this process
    from tools.offline.plan import plan_platform

    crd_groups = sorted(plan_platform(load_stack_file(PROJECT_DIR, "lagos")).crd_groups)
    assert {"cert-manager.io", "kafka.strimzi.io", "postgresql.cnpg.io", "operator.yugabyte.io"} <= set(crd_groups)
    env = {**os.environ, "DBAAS_CACHE_DIR": str(cache.parent)}
    run = subprocess.run([sys.executable, "-c", FRESH_TENANT_PLAN, str(tmp_path / "p.json")], cwd=PROJECT_DIR, env=env,
                         capture_output=True, text=True)
    assert (run.returncode, run.stderr) == (0, "")
    result = json.loads(run.stdout)
    assert result["code"] == 0
    assert (tmp_path / "p.json").read_text() == expected
    assert [m for m in result["modules"] if any(m == p or m.startswith(p + ".") for p in PLATFORM_ONLY_MODULES)] == []
    assert "stacks.tenant.program" in result["modules"]  # it did plan the tenant program in that process
    assert result["crd_groups"] == crd_groups


def test_a_cache_hit_declares_the_pins_of_the_platform_releases(cache):
    """What the cache entry stores of the chart tables: every pinned chart a platform release installs, as declared."""
    from declarations.chart_pins import HELM_RELEASE_TYPE, chart_pin

    stack_file = load_stack_file(PROJECT_DIR, "lagos")
    build_plan("lagos.acme", PROJECT_DIR)
    stored = json.loads((cache / f"{platform_cache.key_for(stack_file)}.json").read_text())
    releases = [r for r in stored["registrations"] if r["type"] == HELM_RELEASE_TYPE]
    declared = {(r["inputs"]["chart"], r["inputs"]["version"]): chart_pin(r["inputs"]["chart"], r["inputs"]["version"])
                for r in releases}
    assert None not in declared.values()
    assert {(p["chart"], p["version"]): p for p in stored["pins"]} == {
        key: {"chart": pin.chart, "version": pin.version, "repository": pin.repository,
              "crd_groups": list(pin.crd_groups), "why_source": pin.why_source} for key, pin in declared.items()}
    cert_manager = next(p for p in stored["pins"] if p["chart"] == "cert-manager")
    assert cert_manager == {"chart": "cert-manager", "version": "v1.18.2", "repository": "https://charts.jetstack.io",
                            "crd_groups": ["cert-manager.io", "acme.cert-manager.io"], "why_source": ""}
