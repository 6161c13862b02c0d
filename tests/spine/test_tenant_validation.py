"""Each class of tenant-file error gets one located message: PATH:LINE:COL: field: message."""

from pathlib import Path

import pytest

from declarations.errors import InputError
from declarations.tenant_loader import load_tenant_tree
from tests.spine.tenant_files import valid_text, write


def errors_for(tmp_path: Path, text: str, name: str = "test-a", region: str = "lagos") -> list[str]:
    tree = tmp_path / "tenants"
    write(tree, region, name, text)
    with pytest.raises(InputError) as exc:
        load_tenant_tree(tree)
    return [str(p) for p in exc.value.problems]


def test_valid_file_loads(tmp_path):
    tree = tmp_path / "tenants"
    write(tree, "lagos", "test-a", valid_text())
    [tenant] = load_tenant_tree(tree)
    assert (tenant.id, tenant.plan.value, tenant.deletion_protection, tenant.services[0].replicas) == ("test-a", "standard", True, 3)


@pytest.mark.parametrize(
    "old, new, expected",
    [
        ("id: test-a", "id: Test_A", "tenants/lagos/test-a.yaml:2:5: id: String should match pattern '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"),
        ("plan: standard", "plan: platinum", "tenants/lagos/test-a.yaml:5:7: plan: Input should be 'starter', 'standard' or 'enterprise'"),
        ('version: "2.20"', 'version: "9.9"', "tenants/lagos/test-a.yaml:12:14: services[0].version: yugabyte '9.9' is not supported; choose one of 2.20, 2024.1, 2024.2"),
        ("engine: yugabyte", "engine: oracle", "tenants/lagos/test-a.yaml:11:13: services[0].engine: Input should be 'yugabyte', 'vitess', 'scylla', 'dragonfly', 'aerospike' or 'mongodb'"),
        ("replicas: 3", "replicas: 2", "tenants/lagos/test-a.yaml:14:15: services[0].replicas: a clustered topology needs at least 3 replicas, not 2"),
        ('"0 2 * * *"', '"every night"', "tenants/lagos/test-a.yaml:16:25: services[0].backups.schedule: 'every night' is not a five-field cron expression such as '0 2 * * *'"),
        ("owners: [test-admins]", "owners: []", "tenants/lagos/test-a.yaml:7:9: owners: List should have at least 1 item after validation, not 0"),
        ("owners: [test-admins]", "owners: [a, a]", "tenants/lagos/test-a.yaml:7:9: owners: 'a' is listed twice"),
        ("data_classes: [operational]", "data_classes: [secret]", "tenants/lagos/test-a.yaml:8:16: data_classes[0]: Input should be 'financial', 'operational', 'analytics' or 'logs'"),
        ("org: testorg\n", "", "tenants/lagos/test-a.yaml:2:1: org: required field is missing"),
        ("storage_gb: 100", "storage_gb: lots", "tenants/lagos/test-a.yaml:15:17: services[0].storage_gb: Input should be a valid integer"),
    ],
)
def test_field_errors_point_at_the_node(tmp_path, old, new, expected):
    text = valid_text()
    assert old in text
    assert errors_for(tmp_path, text.replace(old, new, 1)) == [expected]


@pytest.mark.parametrize(
    "plan, topology, replicas, storage, retention, expected",
    [
        ("starter", "clustered", 3, 10, 7, [
            "services[0].topology: plan starter allows single, not clustered",
            "services[0].replicas: plan starter allows at most 1 replicas",
        ]),
        ("starter", "single", 1, 60, 7, ["services[0].storage_gb: plan starter allows at most 50 GB per service"]),
        ("starter", "single", 1, 10, 8, ["services[0].backups.retention_days: plan starter keeps backups at most 7 days"]),
        ("standard", "clustered", 6, 10, 7, ["services[0].replicas: plan standard allows at most 5 replicas"]),
    ],
)
def test_plan_catalog_limits(tmp_path, plan, topology, replicas, storage, retention, expected):
    text = (
        valid_text(plan=plan, topology=topology, replicas=replicas)
        .replace("storage_gb: 100", f"storage_gb: {storage}")
        .replace("retention_days: 7", f"retention_days: {retention}")
    )
    got = errors_for(tmp_path, text)
    assert [g.split(": ", 1)[1] for g in got] == expected
    # each plan error points at the offending service field, not at the top of the file
    assert all(not g.startswith("tenants/lagos/test-a.yaml:1:") for g in got)


def test_plan_service_count_and_duplicate_service_names(tmp_path):
    base = valid_text(plan="starter", topology="single", replicas=1).replace("storage_gb: 100", "storage_gb: 10")
    service = base.split("services:\n", 1)[1]
    text = base + service + service
    got = errors_for(tmp_path, text)
    assert [g.split(": ", 1)[1] for g in got] == [
        "services: plan starter allows at most 2 services, not 3",
        "services[1].name: service name 'orders' is used twice in this tenant",
        "services[2].name: service name 'orders' is used twice in this tenant",
    ]
    assert got[1].startswith("tenants/lagos/test-a.yaml:17:11:")


def test_total_storage_against_quota(tmp_path):
    text = valid_text(plan="standard", topology="clustered", replicas=5).replace("storage_gb: 100", "storage_gb: 500")
    service = text.split("services:\n", 1)[1]
    text = text + service.replace("name: orders", "name: orders2")
    got = errors_for(tmp_path, text)
    assert [g.split(": ", 1)[1] for g in got] == [
        "services: total storage 5000 GB (storage_gb x replicas) exceeds the plan's quota of 4096 GB"
    ]


def test_unknown_fields_list_what_is_allowed(tmp_path):
    [got] = errors_for(tmp_path, valid_text().replace("name: Test Tenant\n", "name: Test Tenant\nzzz: 1\n"))
    prefix = "tenants/lagos/test-a.yaml:4:1: zzz: unknown field 'zzz'; allowed: "
    assert got.startswith(prefix)
    allowed = set(got[len(prefix):].split(", "))
    assert {"id", "name", "org", "plan", "data_region", "owners", "deletion_protection", "data_classes", "services"} <= allowed


def test_typo_in_a_top_level_field(tmp_path):
    assert errors_for(tmp_path, valid_text().replace("name: Test Tenant", "nmae: Test Tenant")) == [
        "tenants/lagos/test-a.yaml:2:1: name: required field is missing",
        "tenants/lagos/test-a.yaml:3:1: nmae: unknown field 'nmae'; did you mean 'name'?",
    ]


def test_typo_in_a_service_field(tmp_path):
    assert errors_for(tmp_path, valid_text().replace("    replicas: 3", "    replcas: 3")) == [
        "tenants/lagos/test-a.yaml:10:5: services[0].replicas: required field is missing",
        "tenants/lagos/test-a.yaml:14:5: services[0].replcas: unknown field 'replcas'; did you mean 'replicas'?",
    ]


def test_id_must_equal_file_name_and_region_the_folder(tmp_path):
    got = errors_for(tmp_path, valid_text(id="test-b", region="frankfurt"), name="test-a", region="lagos")
    assert got == [
        "tenants/lagos/test-a.yaml:2:5: id: id 'test-b' must equal the file name 'test-a'",
        "tenants/lagos/test-a.yaml:6:14: data_region: data_region 'frankfurt' must equal the folder 'lagos'",
    ]


def test_unknown_region(tmp_path):
    got = errors_for(tmp_path, valid_text(region="atlantis"))
    assert got == ["tenants/lagos/test-a.yaml:6:14: data_region: unknown region 'atlantis'; known regions: lagos, frankfurt"]


def test_tenant_id_used_twice_across_regions(tmp_path):
    tree = tmp_path / "tenants"
    write(tree, "frankfurt", "test-a", valid_text(region="frankfurt"))
    write(tree, "lagos", "test-a", valid_text(region="lagos"))
    with pytest.raises(InputError) as exc:
        load_tenant_tree(tree)
    assert [str(p) for p in exc.value.problems] == [
        "tenants/lagos/test-a.yaml:1:1: id: tenant id 'test-a' is already used by tenants/frankfurt/test-a.yaml"
    ]


def test_misplaced_files(tmp_path):
    tree = tmp_path / "tenants"
    write(tree, "lagos", "test-a", valid_text())
    (tree / "stray.yaml").write_text("id: x\n")
    (tree / "lagos" / "test-b.yml").write_text(valid_text(id="test-b"))
    write(tree, "mars", "test-c", valid_text(id="test-c"))
    with pytest.raises(InputError) as exc:
        load_tenant_tree(tree)
    assert [str(p) for p in exc.value.problems] == [
        "tenants/lagos/test-b.yml:1:1: (file): tenant files end in .yaml, not .yml",
        "tenants/mars/test-c.yaml:1:1: (file): folder 'mars' is not a known region (lagos, frankfurt)",
        "tenants/stray.yaml:1:1: (file): tenant files live in tenants/<region>/<id>.yaml",
    ]


def test_all_files_are_reported_together(tmp_path):
    tree = tmp_path / "tenants"
    write(tree, "lagos", "test-a", valid_text().replace("plan: standard", "plan: gold"))
    write(tree, "lagos", "test-b", valid_text(id="test-b").replace("org: testorg", "org: X"))
    with pytest.raises(InputError) as exc:
        load_tenant_tree(tree)
    assert [p.path for p in exc.value.problems] == ["tenants/lagos/test-a.yaml", "tenants/lagos/test-b.yaml"]


def test_region_filter_returns_only_that_region(tmp_path):
    tree = tmp_path / "tenants"
    write(tree, "lagos", "test-a", valid_text())
    write(tree, "frankfurt", "test-b", valid_text(id="test-b", region="frankfurt"))
    assert [t.id for t in load_tenant_tree(tree, region="lagos")] == ["test-a"]
    assert [t.id for t in load_tenant_tree(tree, region="frankfurt")] == ["test-b"]
