"""The project owns its pinned artifacts: every CRD it validates against or installs is vendored from the
pinned release with its provenance, every custom resource group in both regions' plans is installed by
the platform stack from that release, and the vitess-operator install is a reviewed, rendered manifest
whose every object is a resource of the plan."""

from __future__ import annotations

import hashlib
import io
import json
import re
from contextlib import redirect_stdout
from pathlib import Path

import pytest

import stacks.platform.program  # noqa: F401 (every area's pin table registers its pins on import)
from components.pop.storage_classes import CEPH_NAMESPACE
from declarations.chart_pins import CRD_TYPE, HELM_RELEASE_TYPE, all_pins, crd_groups_installed_by
from declarations.engine_catalog import ENGINE_SPECS, EngineName
from declarations.kubernetes_types import is_patch_type, kubernetes_type
from declarations.vendored_artifacts import PROJECT_DIR as VENDOR_ROOT, SCHEMA_DIR, artifact_for_group, vendored_artifacts
from tools.kubernetes.validation import crd_schema_dir, kubernetes_objects, validate_object
from tools.vendoring import refresh, vitess_operator
from tests.conftest import PROJECT_DIR, one, resources

def _read(path: str) -> bytes:
    return (PROJECT_DIR / path).read_bytes()


def _pin_of_group(group: str):
    [pin] = [p for p in all_pins() if group in p.crd_groups]
    return pin


def test_every_vendored_file_is_the_upstream_file_its_provenance_names():
    assert VENDOR_ROOT == PROJECT_DIR
    for artifact in vendored_artifacts():
        assert artifact.repository.startswith("https://github.com/"), artifact.name
        for file in artifact.files:
            assert file.path == f"vendor/{artifact.name}/{file.source_path}"
            assert hashlib.sha256(_read(file.path)).hexdigest() == file.sha256, file.path


def test_the_schemas_are_the_strict_schemas_of_the_vendored_crds():
    derived = refresh.derived_schemas(vendored_artifacts(), _read)
    on_disk = {p.relative_to(SCHEMA_DIR).as_posix(): p for p in SCHEMA_DIR.glob("*/*.json")}
    assert set(derived) == set(on_disk)
    for name, schema in derived.items():
        assert on_disk[name].read_text() == refresh.schema_text(schema), name
    # Strictness as the API server prunes: undeclared fields refused, preserved nodes left open, CEL rules kept.
    cluster = json.loads((SCHEMA_DIR / "planetscale.com/vitesscluster_v2.json").read_text())
    assert cluster["properties"]["spec"]["additionalProperties"] is False
    ybuniverse = json.loads((SCHEMA_DIR / "operator.yugabyte.io/ybuniverse_v1alpha1.json").read_text())
    assert "masterDeviceInfo" in ybuniverse["properties"]["spec"]["properties"]
    assert (SCHEMA_DIR / "operator.yugabyte.io/backupschedule_v1alpha1.json").is_file()


def test_every_operator_pin_is_the_release_its_vendored_crds_come_from():
    """All operator groups, not three: each group's pin (chart or vendored install) has the version its vendored
    artifact records, and the upstream tag is that version's."""
    groups = {g for p in all_pins() for g in p.crd_groups}
    vendored_groups = {g for a in vendored_artifacts() for g in a.crd_groups}
    assert vendored_groups <= groups
    for artifact in vendored_artifacts():
        for group in artifact.crd_groups:
            pin = _pin_of_group(group)
            assert pin.version == artifact.version, (group, pin.version, artifact.version)
        if artifact.name != "opentelemetry-operator" and artifact.name != "cloudnative-pg":
            # the tag names the pinned version (charts whose CRDs come from their appVersion's operator tag aside)
            assert artifact.version.lstrip("v") in artifact.tag, (artifact.name, artifact.tag)
    assert {a.name: a.tag for a in vendored_artifacts() if a.name in ("yugaware", "vitess-operator", "psmdb-operator",
                                                                       "aerospike-kubernetes-operator")} == {
        "yugaware": "2025.1.4.0-b103", "vitess-operator": "v2.17.0", "psmdb-operator": "psmdb-operator-1.21.3",
        "aerospike-kubernetes-operator": "v4.5.0"}


@pytest.mark.parametrize("region", ["lagos", "frankfurt"])
def test_every_custom_resource_group_in_the_plans_is_installed_by_the_platform_from_its_pinned_release(region, request):
    plan = request.getfixturevalue(f"{region}_plan")
    platform = [r for r in plan.registrations if r.urn.startswith(f"urn:pulumi:{region}::")]
    installed = {g for r in platform for g in crd_groups_installed_by(r.type, r.inputs)}
    used = {(t.group, t.version, t.kind) for r in plan.registrations if r.custom
            and (t := kubernetes_type(r.type)) is not None and t.is_custom and r.type != CRD_TYPE}
    assert {g for g, _, _ in used} >= {"operator.yugabyte.io", "psmdb.percona.com", "scylla.scylladb.com",
                                        "kafka.strimzi.io", "monitoring.coreos.com", "postgresql.cnpg.io"}
    assert {g for g, _, _ in used} >= ({"planetscale.com", "dragonflydb.io"} if region == "lagos" else {"asdb.aerospike.com"})
    for group, version, kind in sorted(used):
        assert group in installed, f"{region}: nothing in the platform stack installs {group}"
        artifact = artifact_for_group(group)
        assert artifact is not None, f"{group} is not vendored"
        assert _pin_of_group(group).version == artifact.version
        patch = is_patch_type(f"kubernetes:{group}/{version}:{kind}")  # validated as the object it patches
        assert patch or (SCHEMA_DIR / f"{group}/{kind.lower()}_{version}.json").is_file(), (group, kind, version)


def test_yugabyte_crds_are_applied_by_the_platform_before_the_chart(lagos_plan):
    crds = [r for r in resources(lagos_plan, CRD_TYPE) if r.inputs["spec"]["group"] == "operator.yugabyte.io"]
    assert sorted(r.inputs["spec"]["names"]["kind"] for r in crds) == [
        "Backup", "BackupSchedule", "Release", "RestoreJob", "StorageConfig", "SupportBundle", "YBUniverse"]
    release = one(lagos_plan, HELM_RELEASE_TYPE, name="engines-yugaware")
    assert (release.inputs["chart"], release.inputs["version"]) == ("yugaware", "2025.1.4")
    assert crd_groups_installed_by(release.type, release.inputs) == ()  # the chart ships no CRDs
    assert {r.urn for r in crds} <= set(release.dependencies)
    [spec] = [s for s in ENGINE_SPECS[EngineName.yugabyte].charts]
    assert spec.crds is not None and spec.crds.artifact == "yugaware"


def test_vitess_operator_install_is_the_rendered_upstream_deploy_with_the_reviewed_fixes():
    [artifact] = [a for a in vendored_artifacts() if a.name == "vitess-operator"]
    by_source = {f.source_path: f.path for f in artifact.files}
    text = vitess_operator.render(lambda p: _read(by_source[p]).decode(), artifact.tag)
    assert (PROJECT_DIR / artifact.rendered).read_text() == text
    assert "example" not in re.findall(r"namespace: (\S+)", text)
    upstream = _read("vendor/vitess-operator/deploy/role_binding.yaml").decode()
    assert "namespace: example" in upstream and "namespace: default" in upstream  # what the fixes are for


def test_vitess_operator_objects_are_resources_of_the_platform_plan(lagos_plan):
    platform = [r for r in lagos_plan.registrations if r.urn.startswith("urn:pulumi:lagos::")]
    [deployment] = [r for r in platform if r.type == "kubernetes:apps/v1:Deployment"
                    and r.inputs["metadata"]["name"] == "vitess-operator"]
    [container] = deployment.inputs["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "planetscale/vitess-operator:v2.17.0"
    assert container["args"] == ["--logtostderr", "-v=4", "--default_vitess_service_account=tenant-workload"]
    assert {"name": "WATCH_NAMESPACE", "value": ""} in container["env"]
    assert deployment.inputs["metadata"]["namespace"] == "vitess-operator"
    [binding] = [r for r in platform if r.type == "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
                 and r.inputs["metadata"]["name"] == "vitess-operator"]
    assert binding.inputs["subjects"] == [{"kind": "ServiceAccount", "name": "vitess-operator", "namespace": "vitess-operator"}]
    assert binding.inputs["roleRef"] == {"kind": "ClusterRole", "name": "vitess-operator", "apiGroup": "rbac.authorization.k8s.io"}
    crds = sorted(r.inputs["spec"]["names"]["kind"] for r in resources(lagos_plan, CRD_TYPE)
                  if r.inputs["spec"]["group"] == "planetscale.com")
    assert crds == ["EtcdLockserver", "VitessBackup", "VitessBackupSchedule", "VitessBackupStorage", "VitessCell",
                    "VitessCluster", "VitessKeyspace", "VitessShard"]
    # The Deployment waits for its RBAC, PriorityClasses and CRDs; everything waits for the namespace.
    namespace = one(lagos_plan, "kubernetes:core/v1:Namespace", name="engines-vitess-operator-namespace")
    assert namespace.urn in deployment.dependencies and binding.urn in deployment.dependencies
    assert not [r for r in platform if r.type == "kubernetes:kustomize/v2:Directory"]


@pytest.mark.parametrize("region", ["lagos", "frankfurt"])
def test_no_object_lands_in_a_namespace_or_names_a_subject_the_plan_does_not_create(region, request):
    """The namespaces of every namespaced object and of every RBAC ServiceAccount subject exist in the plan (or are
    the cluster's own), and every ServiceAccount subject of the platform's bindings is created by the plan."""
    plan = request.getfixturevalue(f"{region}_plan")
    namespaces = {r.inputs["metadata"]["name"] for r in resources(plan, "kubernetes:core/v1:Namespace")}
    cluster_namespaces = {"kube-system", "default", CEPH_NAMESPACE}  # the adopted cluster's storage (lagos)
    accounts = {(o["metadata"].get("namespace"), o["metadata"]["name"]) for _, o in kubernetes_objects(plan.registrations)
                if o.get("kind") == "ServiceAccount"}
    for urn, obj in kubernetes_objects(plan.registrations):
        ns = obj.get("metadata", {}).get("namespace")
        assert ns is None or ns in namespaces | cluster_namespaces, (urn, ns)
        if obj.get("kind") in ("ClusterRoleBinding", "RoleBinding") and urn.startswith(f"urn:pulumi:{region}::"):
            for subject in obj.get("subjects", []):
                if subject["kind"] == "ServiceAccount":
                    assert subject["namespace"] in namespaces, (urn, subject)
                    if "vitess" in urn:
                        assert (subject["namespace"], subject["name"]) in accounts, (urn, subject)


def test_fast_validation_agrees_with_the_python_validator_on_every_object(lagos_plan, frankfurt_plan):
    for plan in (lagos_plan, frankfurt_plan):
        for urn, obj in kubernetes_objects(plan.registrations):
            assert validate_object(obj) == validate_object(obj, fast=False), urn
    broken = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "datum": {}}
    assert validate_object(broken) == validate_object(broken, fast=False) != []


def _pins_json() -> list[dict]:
    from dbaas.cli import main

    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["pins", "lagos", "--json"]) == 0
    return json.loads(out.getvalue())


def test_dbaas_pins_accounts_for_every_chart_manifest_and_crd_set(lagos_plan):
    entries = {(e["name"], e["kind"]): e for e in _pins_json()}
    yugaware_crds = entries[("yugaware", "crds")]
    assert yugaware_crds["version"] == "2025.1.4" and yugaware_crds["crd_groups"] == ["operator.yugabyte.io"]
    assert yugaware_crds["source"] == "https://github.com/yugabyte/charts@2025.1.4.0-b103"
    assert len(yugaware_crds["installed_by"]) == 7 and all(
        u.startswith("dbaas:engines:EngineOperators$kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition::")
        for u in yugaware_crds["installed_by"])
    [crd_file] = yugaware_crds["crd_files"]
    assert crd_file == {
        "path": "vendor/yugaware/crds/concatenated_crd.yaml",
        "sha256": hashlib.sha256(_read("vendor/yugaware/crds/concatenated_crd.yaml")).hexdigest(),
        "source": "https://github.com/yugabyte/charts/blob/2025.1.4.0-b103/crds/concatenated_crd.yaml"}
    assert (entries[("yugaware", "chart")]["crd_groups"], entries[("yugaware", "chart")]["crd_files"]) == ([], [])
    thanos = entries[("thanos", "chart")]
    assert thanos["source"] == "oci://registry-1.docker.io/bitnamicharts/thanos" and "six months" in thanos["why_source"]
    assert entries[("vitess-operator", "manifest")]["version"] == "v2.17.0"
    assert len(entries[("vitess-operator", "manifest")]["crd_files"]) == 8
    assert entries[("psmdb-operator", "chart")]["installed_by"] == [
        "dbaas:engines:EngineOperators$kubernetes:helm.sh/v3:Release::engines-psmdb-operator"]
    # Every custom resource group of the plan is in some entry's crd_groups, with an installer.
    covered = {g for e in entries.values() if e["installed_by"] for g in e["crd_groups"]}
    used = {t.group for r in lagos_plan.registrations if (t := kubernetes_type(r.type)) and t.is_custom and r.custom}
    assert used <= covered


def test_nothing_reads_a_folder_beside_the_repository():
    """Every schema and vendored file the project reads is inside its own checkout: the validator's schema folder,
    and every path the provenance names, resolve below the repository root (a user's clone has nothing beside it)."""
    root = PROJECT_DIR.resolve()
    assert crd_schema_dir().resolve().is_relative_to(root)
    paths = [f["path"] for artifact in json.loads((PROJECT_DIR / "vendor/provenance.json").read_text())["artifacts"]
             for f in artifact["files"]]
    assert paths and all((PROJECT_DIR / p).resolve().is_relative_to(root / "vendor") for p in paths)
    # and no module looks for the old reference folder or its environment override
    offenders = [str(path.relative_to(PROJECT_DIR)) for path in PROJECT_DIR.rglob("*.py")
                 if not {".venv", "tests", "vendor"} & set(path.relative_to(PROJECT_DIR).parts)
                 and ("crd-schemas" in (text := path.read_text()) or "DBAAS_CRD_SCHEMAS" in text)]
    assert offenders == []


def test_a_plan_with_an_object_the_api_server_would_refuse_is_refused_with_its_urn_and_field(monkeypatch, capsys):
    from dbaas.cli import main

    # MongoDB's image goes into the custom resource as it is (the Vitess one is suffixed for xtrabackup first)
    monkeypatch.setitem(ENGINE_SPECS[EngineName.mongodb].images, "7.0", 7)
    assert main(["plan", "lagos.kudi-pay"]) == 1
    err = capsys.readouterr().err
    assert "stack lagos.kudi-pay: the Kubernetes API server would refuse these objects:" in err
    assert re.search(r"urn:pulumi:lagos\.kudi-pay::dbaas-tenant::\S+PerconaServerMongoDB::\S+: spec\.image: "
                     r"7 is not of type 'string'", err), err


def test_the_pinned_vitess_versions_are_the_operators_and_the_old_ones_are_refused_with_the_reason(tmp_path: Path):
    from declarations.engine_catalog import SUPPORTED_VERSIONS
    from declarations.tenant_loader import validate_files

    assert SUPPORTED_VERSIONS[EngineName.vitess] == ("23.0", "24.0")
    assert ENGINE_SPECS[EngineName.vitess].images == {"23.0": "vitess/lite:v23.0.3", "24.0": "vitess/lite:v24.0.0"}
    tenants = tmp_path / "tenants"
    (tenants / "lagos").mkdir(parents=True)
    source = (PROJECT_DIR / "tenants/lagos/kudi-pay.yaml").read_text().replace('version: "24.0"', 'version: "21.0"')
    (tenants / "lagos/kudi-pay.yaml").write_text(source)
    [problem] = validate_files([tenants / "lagos/kudi-pay.yaml"], tenants)
    assert "vitess '21.0' is not supported any more: the pinned vitess-operator v2.17.0 is built against Vitess 24" in str(problem)
    assert str(problem).endswith("choose one of 23.0, 24.0")
