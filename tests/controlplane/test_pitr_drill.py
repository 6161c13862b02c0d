"""`dbaas drill controlplane-pitr`: the command lines come from the plan exactly as CloudNativePG builds them,
and the drill really restores to a point in time with barman-cloud against S3 on loopback."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from components.controlplane_db.manifests import ClusterSettings, Recovery, bootstrap
from dbaas.cli import main
from tools.drills import barman_cloud_args as barman
from tools.drills.controlplane_backup_plan import controlplane_backup_plan, resources_of_region
from tools.drills.controlplane_pitr import TOOLS, find_tools, run_drill, tools_dir
from tools.offline.mocks import stable_id

ROOT = Path(__file__).resolve().parents[2]
BUCKET = "dbaas-p-lagos-pg-backups-0792d38a"
DEST = f"s3://{BUCKET}/controlplane-pg"
KEY = f"arn:aws:kms:af-south-1:111122223333:key/{stable_id('aws:kms/key:Key', 'platform-lagos-key')}"
ENDPOINT = "http://127.0.0.1:9000"


@pytest.fixture(scope="module")
def lagos():
    return controlplane_backup_plan(*resources_of_region(ROOT, "lagos"), "offline plan of lagos")


def test_the_plan_gives_cluster_server_bucket_and_identity(lagos):
    assert (lagos.cluster_name, lagos.namespace, lagos.server_name) == ("controlplane-pg", "dbaas-controlplane",
                                                                        "controlplane-pg")
    assert (lagos.store.destination_path, lagos.store.bucket) == (DEST, BUCKET)
    assert (lagos.schedule, lagos.aws_region, lagos.object_lock_days) == ("0 0 2 * * *", "af-south-1", 30)
    assert (lagos.service_account, lagos.role_arn) == (
        "controlplane-pg", "arn:aws:iam::111122223333:role/dbaas-lagos-controlplane-pg")


def test_wal_archive_and_backup_arguments_are_the_ones_cnpg_builds(lagos):
    """barman-cloud v0.5.1 pkg/archiver/command.go:30-86 and pkg/backup/backup.go:50-129 for the lagos spec:
    wal {gzip, aws:kms, archiveAdditionalCommandArgs}, data {gzip, aws:kms, jobs 2, additionalCommandArgs}."""
    store = lagos.store.with_endpoint(ENDPOINT)
    assert barman.check_wal_archive_argv(store, "controlplane-pg") == [
        "barman-cloud-check-wal-archive", "--endpoint-url", ENDPOINT, "--cloud-provider", "aws-s3", DEST,
        "controlplane-pg"]
    assert barman.wal_archive_argv(store, "controlplane-pg", "%p") == [
        "barman-cloud-wal-archive", "--gzip", "-e", "aws:kms", f"--sse-kms-key-id={KEY}", "--endpoint-url", ENDPOINT,
        "--cloud-provider", "aws-s3", DEST, "controlplane-pg", "%p"]
    assert barman.backup_argv(store, "backup-20261207020000", "controlplane-pg") == [
        "barman-cloud-backup", "--user", "postgres", "--name", "backup-20261207020000", "--gzip", "--encryption",
        "aws:kms", "--jobs", "2", f"--sse-kms-key-id={KEY}", "--endpoint-url", ENDPOINT, "--cloud-provider", "aws-s3",
        DEST, "controlplane-pg"]
    # On the cluster there is no endpointURL: boto3 finds the regional endpoint, and the option is absent.
    assert barman.wal_archive_argv(lagos.store, "controlplane-pg", "%p")[5:7] == ["--cloud-provider", "aws-s3"]


def test_recovery_arguments_are_the_ones_cnpg_builds_from_the_recovery_spec(lagos):
    """The drill restores through the external cluster the platform declares for a recovery
    (manifests.bootstrap), with cloudnative-pg v1.29.2 restore.go:431-452 and 631-653."""
    settings = ClusterSettings(name="controlplane-pg-2", namespace="dbaas-controlplane", image="i", instances=3,
                               storage_class="s", storage_size="20Gi", bucket_name=BUCKET, backup_retention_days=30,
                               migrator_secret="m", app_secret="a", recorder_secret="r",
                               recovery=Recovery("controlplane-pg", "2026-12-07T10:15:00Z"))
    external = bootstrap(settings)["externalClusters"][0]["barmanObjectStore"]
    declared = barman.ObjectStore.from_spec(external, "externalClusters[0]").with_endpoint(ENDPOINT)
    store = lagos.recovery_store.with_endpoint(ENDPOINT)
    assert store == declared
    assert barman.backup_list_argv(store, "controlplane-pg") == [
        "barman-cloud-backup-list", "--format", "json", "--endpoint-url", ENDPOINT, "--cloud-provider", "aws-s3",
        DEST, "controlplane-pg"]
    assert barman.restore_argv(store, "controlplane-pg", "20261207T020000", "/pgdata") == [
        "barman-cloud-restore", "--endpoint-url", ENDPOINT, DEST, "controlplane-pg", "20261207T020000",
        "--cloud-provider", "aws-s3", "/pgdata"]
    assert barman.check_first_wal_argv(store, "controlplane-pg", "000000010000000000000002", "/tmp/x") == [
        "barman-cloud-wal-restore", "--endpoint-url", ENDPOINT, "--cloud-provider", "aws-s3", DEST, "controlplane-pg",
        "000000010000000000000002", "/tmp/x"]
    assert barman.recovery_settings(store, "controlplane-pg", "2026-12-07T10:15:00Z") == {
        "archive_command": "false",
        "recovery_target_action": "promote",
        "restore_command": f"barman-cloud-wal-restore --endpoint-url {ENDPOINT} {DEST} controlplane-pg "
                           "--cloud-provider aws-s3 %f %p",
        "recovery_target_inclusive": "true",
        "recovery_target_time": "2026-12-07 10:15:00.000000+00:00",
    }


def test_additional_arguments_never_repeat_an_option():
    """barman-cloud v0.5.1 pkg/api/config.go:482-497: an extra argument whose key is already there is dropped."""
    store = barman.ObjectStore.from_spec({
        "destinationPath": DEST, "s3Credentials": {"inheritFromIAMRole": True},
        "wal": {"compression": "gzip", "archiveAdditionalCommandArgs": ["--gzip", "-e=AES256", "--read-timeout=60"]},
    }, "spec")
    assert barman.wal_archive_argv(store, "c", "%p")[1:3] == ["--gzip", "-e=AES256"]
    assert barman.wal_archive_argv(store, "c", "%p")[3] == "--read-timeout=60"


@pytest.mark.parametrize(("rfc3339", "postgres"), [
    ("2026-12-07T10:15:00Z", "2026-12-07 10:15:00.000000+00:00"),
    ("2026-12-07T10:15:00.123456Z", "2026-12-07 10:15:00.123456+00:00"),
    ("2026-12-07T12:15:00+02:00", "2026-12-07 12:15:00.000000+02:00"),
])
def test_target_time_is_written_as_cnpg_writes_it(rfc3339, postgres):
    """machinery v0.5.0 pkg/postgres/time/time.go:43-66 (ConvertToPostgresFormat)."""
    assert barman.postgres_target_time(rfc3339) == postgres


def test_the_barman_cloud_tools_are_this_environments_own():
    assert tools_dir() == Path(sys.prefix) / "bin"
    assert find_tools(tools_dir()) == {name: str(Path(sys.prefix) / "bin" / name) for name in TOOLS}


def test_the_drill_restores_exactly_the_rows_before_the_target(lagos):
    result = run_drill(lagos)
    assert result.ok, result
    assert result.rows_expected == result.rows_found == 500
    assert result.rows_after_target_found == 0
    assert result.seconds < 120
    line = json.loads(result.json_line())
    assert list(line) == ["ok", "target_time", "rows_expected", "rows_found", "seconds"]
    assert line["target_time"].endswith("Z")


def test_usage_errors_exit_2_with_one_line(tmp_path, capsys):
    assert main(["drill", "controlplane-pitr", "--plan", str(tmp_path / "none.json")]) == 2
    assert capsys.readouterr().err == f"dbaas drill: --plan {tmp_path / 'none.json'}: cannot read: No such file or directory\n"
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"steps": [], "config": {}}))
    assert main(["drill", "controlplane-pitr", "--plan", str(plan), "--json"]) == 2
    assert capsys.readouterr().err == f"dbaas drill: {plan}: expected one Cluster, found 0\n"


def test_a_plan_file_with_snapshot_backups_is_refused(tmp_path, capsys, lagos):
    from tools.offline.plan import build_plan

    document = json.loads(build_plan("lagos", ROOT, only_tenants=frozenset()).to_json_text())
    for step in document["steps"]:
        if step["newState"]["type"].endswith(":ScheduledBackup"):
            step["newState"]["inputs"]["spec"]["method"] = "volumeSnapshot"
            urn = step["urn"]
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(document))
    assert main(["drill", "controlplane-pitr", "--plan", str(plan)]) == 2
    assert capsys.readouterr().err == (f"dbaas drill: {plan}: {urn}: spec.method: 'volumeSnapshot', "
                                       "the drill runs barmanObjectStore backups\n")


def test_missing_tools_fail_the_drill_with_exit_1(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("tools.drills.controlplane_pitr.tools_dir", lambda: tmp_path)
    assert main(["drill", "controlplane-pitr", "--json"]) == 1
    out, err = capsys.readouterr()
    assert json.loads(out) == {"ok": False, "target_time": None, "rows_expected": 0, "rows_found": 0,
                               "seconds": json.loads(out)["seconds"]}
    assert err.startswith("dbaas drill controlplane-pitr: barman-cloud-wal-archive, barman-cloud-check-wal-archive, ")
    assert err.endswith(f"not in {tmp_path}: run `make install` (barman[cloud] is a dependency)\n")


def test_the_readme_runbook_is_what_the_drill_runs(lagos):
    """Every command of the runbook in components/controlplane_db/README.md, rebuilt from the plan."""
    readme = (ROOT / "components/controlplane_db/README.md").read_text(encoding="utf-8")
    runbook = readme.split("The runbook it runs, for lagos", 1)[1].split("`tests/controlplane/test_pitr_drill.py`")[0]

    def shown(argv: list[str]) -> str:
        return (" ".join(argv).replace(f"--endpoint-url {ENDPOINT}", "<endpoint>").replace(KEY, "<key>")
                .replace("backup-20261207020000", "backup-<YYYYmmddHHMMSS>"))

    store, recovery = lagos.store.with_endpoint(ENDPOINT), lagos.recovery_store.with_endpoint(ENDPOINT)
    server = lagos.server_name
    commands = [
        shown(barman.check_wal_archive_argv(store, lagos.cluster_name)),
        f"archive_command = '{shown(barman.wal_archive_argv(store, lagos.cluster_name, '%p'))}'",
        shown(barman.backup_argv(store, "backup-20261207020000", lagos.cluster_name)),
        shown(barman.backup_list_argv(recovery, server)),
        shown(barman.check_first_wal_argv(recovery, server, "<begin_wal>", "<tmp>")),
        shown(barman.restore_argv(recovery, server, "<backup_id>", "<new PGDATA>")),
        f"restore_command = '{shown(barman.recovery_settings(recovery, server, '2026-12-07T10:15:00Z')['restore_command'].split())}'",
    ]
    assert [c for c in commands if f"`{c}`" not in runbook] == []
