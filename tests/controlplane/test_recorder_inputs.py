"""What `dbaas record-apply` and the recorder's entry points store (issue 22, items 4 and 11), against
a real PostgreSQL and, for "the tenant file at that commit", a real git repository.

Before: outputs were filtered by secret-looking snake_case names, so camelCase names, PEM keys and
credentials in URIs were stored, and the platform's kubeconfig and Aerospike feature key landed in
platform_applies; `--error` text with a password reached the record and the audit trail; `host` was
free text; `--time` took the far future and `--actor` a newline."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from declarations.controlplane_schema.roles import RECORDER
from tools.controlplane.apply_records import (ApplyRecord, ApplyResult, StackName, record_platform_apply,
                                              record_tenant_apply)
from tools.controlplane.recorded_outputs import OutputsRefused
from tools.controlplane.tenant_scope import platform_transaction
from declarations.tenant_loader import load_tenant_file
from dbaas.cli import main
from tests.conftest import PROJECT_DIR, TENANTS_DIR
from tests.controlplane.test_record_apply import COMMIT_1, CONTRACT, KUDI, record, tenant_rows, tenants, write  # noqa: F401

PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n"
LEDGER = CONTRACT["services"]["ledger"]


def succeeded(capsys, db, tenants, tmp_path, outputs: dict) -> tuple[int, str, str]:  # noqa: F811
    path = write(tmp_path, "out.json", json.dumps(outputs, indent=2))
    code, out, err = record(capsys, db, tenants, "--stack", "lagos.kudi-pay", "--commit", COMMIT_1, "--result", "succeeded",
                            "--outputs", str(path), "--time", "2026-01-31T12:00:00Z")
    return code, out.replace(str(tmp_path) + "/", ""), err


def stored_outputs(db) -> list[dict]:
    return [row[0] for row in tenant_rows(db, KUDI, "SELECT outputs FROM dbaas.stack_applies")]


@pytest.mark.parametrize("extra, expected", [
    ({"adminPassword": "hunter2"}, "out.json:14:3: adminPassword: holds a value under a secret's name; secrets never go "
                                   "into a record (print outputs without --show-secrets)"),
    ({"tls": {"key": PEM}}, "out.json:15:12: tls.key: holds a PEM block; secrets never go into a record (print outputs "
                            "without --show-secrets, export secrets as Pulumi secrets)"),
    ({"dashboard": "https://admin:hunter2@grafana.example.net/"},
     "out.json:14:16: dashboard: holds credentials in a URI; secrets never go into a record (print outputs without "
     "--show-secrets, export secrets as Pulumi secrets)"),
])
def test_secrets_under_any_name_are_refused_and_nothing_is_stored(capsys, db, tenants, tmp_path, extra, expected):  # noqa: F811
    code, out, err = succeeded(capsys, db, tenants, tmp_path, {**CONTRACT, **extra})
    assert (code, out, err) == (1, expected + "\n", "")
    assert "hunter2" not in out and "MIIEv" not in out
    assert stored_outputs(db) == []


def test_only_the_contracts_fields_are_stored(capsys, db, tenants, tmp_path):  # noqa: F811
    outputs = {**CONTRACT, "namespace": "t-kudi-pay", "debug": {"ledgerRootUser": "root"}, "apiToken": "[secret]"}
    code, out, err = succeeded(capsys, db, tenants, tmp_path, outputs)
    assert (code, err) == (0, "")
    assert stored_outputs(db) == [CONTRACT]


@pytest.mark.parametrize("services, location, message", [
    ({**CONTRACT["services"], "payments": {**LEDGER, "host": "payments.t-kudi-pay.svc"}}, "services.payments",
     "service 'payments' is not declared in tenants/lagos/kudi-pay.yaml at the applied commit; a record holds only "
     "declared services"),
    ({"ledger": {**LEDGER, "engine": "mongodb"}}, "services.ledger.engine",
     "engine 'mongodb', but the tenant file declares 'vitess' for service 'ledger'"),
    ({"ledger": {**LEDGER, "host": "admin:pw@ledger.t-kudi-pay.svc"}}, "services.ledger.host",
     "Value error, should match pattern"),
    ({"ledger": {**LEDGER, "credentials_secret": "Ledger Credentials/../x"}}, "services.ledger.credentials_secret",
     "Value error, should match pattern"),
])
def test_a_service_the_file_does_not_declare_or_a_host_that_is_not_a_dns_name_is_refused(
        capsys, db, tenants, tmp_path, services, location, message):  # noqa: F811
    code, out, err = succeeded(capsys, db, tenants, tmp_path, {**CONTRACT, "services": services})
    assert (code, err) == (1, "")
    assert out.count("\n") == 1 and f": {location}: {message}" in out, out
    assert "pw@" not in out and "u:p@" not in out
    assert stored_outputs(db) == []


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=ci", "-c", "user.email=ci@example.net", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


def test_the_tenant_file_is_read_at_the_applied_commit(capsys, db, tmp_path, monkeypatch):
    """Without --tenants-dir the declaration comes from git at --commit, not from the working tree."""
    repo = tmp_path / "repo"
    shutil.copytree(TENANTS_DIR, repo / "tenants")
    shutil.copyfile(PROJECT_DIR / "Pulumi.yaml", repo / "Pulumi.yaml")
    kudi = repo / "tenants" / "lagos" / "kudi-pay.yaml"
    full = kudi.read_text()
    kudi.write_text(full[:full.index("  - name: wallets")])  # only `ledger`
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "kudi-pay: ledger only")
    ledger_only = _git(repo, "rev-parse", "HEAD")
    kudi.write_text(full)  # the working tree declares wallets too, but that is not what was applied
    monkeypatch.chdir(repo)
    wallets = {**LEDGER, "engine": "mongodb", "host": "wallets-mongodb-rs0.t-kudi-pay.svc.cluster.local", "port": 27017}
    outputs = write(tmp_path, "out.json", json.dumps({**CONTRACT, "services": {**CONTRACT["services"], "wallets": wallets}}))
    argv = ["record-apply", "--database-url", db.dsn(RECORDER), "--actor", "ci", "--stack", "lagos.kudi-pay",
            "--result", "succeeded", "--outputs", str(outputs)]
    assert main([*argv, "--commit", ledger_only]) == 1
    assert "services.wallets: service 'wallets' is not declared in tenants/lagos/kudi-pay.yaml at the applied commit" \
        in capsys.readouterr().out
    _git(repo, "commit", "-q", "-am", "kudi-pay: wallets")
    assert main([*argv, "--commit", _git(repo, "rev-parse", "HEAD")]) == 0
    assert sorted(stored_outputs(db)[0]["services"]) == ["ledger", "wallets"]
    assert main([*argv, "--commit", "9" * 40]) == 1
    assert capsys.readouterr().out.endswith(f"(git):1:1: --commit: {'9' * 40} is not a commit of {repo}: fetch it, or "
                                            "pass --tenants-dir with the tenants tree at that commit\n")


def test_platform_records_keep_only_declared_non_secret_outputs(capsys, db, tenants, tmp_path):  # noqa: F811
    """The recorder's own entry point, as `dbaas up --database-url` calls it with what Pulumi returned."""
    outputs = {"contractVersion": 1, "region": "lagos", "kubeconfig": "apiVersion: v1\nusers: [{user: {token: abc}}]",
               "aerospikeFeatureKey": "feature-key-plaintext", "debugDump": "x",
               "kafka": {"bootstrap": "dbaas-kafka-bootstrap.kafka.svc:9093", "adminPassword": "pw"}}
    applied = ApplyRecord(StackName.parse("lagos"), COMMIT_1, ApplyResult.succeeded, None, outputs,
                          datetime.now(timezone.utc), "ci/platform")
    with db.connect(RECORDER) as conn:
        assert record_platform_apply(conn, applied).inserted
        with platform_transaction(conn):
            assert conn.execute("SELECT outputs FROM dbaas.platform_applies").fetchone()[0] == {
                "contractVersion": 1, "region": "lagos", "kafka": {"bootstrap": "dbaas-kafka-bootstrap.kafka.svc:9093"}}
    # the command refuses the file outright: it was printed with --show-secrets
    path = write(tmp_path, "platform.json", json.dumps(outputs, indent=2))
    code, out, _ = record(capsys, db, tenants, "--stack", "lagos", "--commit", "3" * 40, "--result", "succeeded",
                          "--outputs", str(path))
    assert code == 1 and "kubeconfig: holds a value under a secret's name" in out and "abc" not in out


def test_a_declared_platform_value_holding_a_credential_is_refused(db):
    applied = ApplyRecord(StackName.parse("lagos"), COMMIT_1, ApplyResult.succeeded, None,
                          {"oidcIssuer": "https://user:pw@oidc.example.net/id"}, datetime.now(timezone.utc), "ci")
    with db.connect(RECORDER) as conn, pytest.raises(OutputsRefused, match=r"^oidcIssuer: holds credentials in a URI"):
        record_platform_apply(conn, applied)


ERROR = ("\x1b[31merror:\x1b[0m update failed: dial postgresql://admin:hunter2@ledger.t-kudi-pay.svc:3306/x\n"
         "  config: host=db user=app password='s3cr3t value' sslmode=require\n"
         "  request header Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl\n"
         "  aws: AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
         f"  key file: {PEM}"
         "  github: ghp_0123456789abcdefghijklmnopqrstuvwxyzAB\n"
         "  adminPassword: hunter2")
STORED_ERROR = ("error: update failed: dial postgresql://[secret]@ledger.t-kudi-pay.svc:3306/x\n"
                "  config: host=db user=app password=[secret] sslmode=require\n"
                "  request header Authorization: Bearer [secret]\n"
                "  aws: [secret] / [secret]\n"
                "  key file: [secret] (PEM block)\n"
                "  github: [secret]\n"
                "  adminPassword: [secret]")


def test_error_text_is_stored_and_audited_without_credentials(capsys, db, tenants):  # noqa: F811
    code, out, err = record(capsys, db, tenants, "--stack", "lagos.kudi-pay", "--commit", COMMIT_1, "--result", "failed",
                            "--error", ERROR)
    assert (code, err) == (0, "")
    assert tenant_rows(db, KUDI, "SELECT error FROM dbaas.stack_applies") == [(STORED_ERROR,)]
    assert tenant_rows(db, KUDI, "SELECT detail FROM dbaas.audit_events WHERE action = 'stack.apply_failed'") == [
        ({"result": "failed", "error": STORED_ERROR},)]


def test_the_library_redacts_and_cuts_to_the_contract_for_every_caller(db):
    tenant = load_tenant_file(TENANTS_DIR / "lagos" / "kudi-pay.yaml", TENANTS_DIR)
    failed = ApplyRecord(StackName.parse("lagos.kudi-pay"), COMMIT_1, ApplyResult.failed, "password=hunter2 " + "x" * 5000,
                         {"kubeconfig": "plain"}, datetime.now(timezone.utc), "dbaas up")
    with db.connect(RECORDER) as conn:
        stored = record_tenant_apply(conn, tenant, failed).stored
    assert stored.outputs == {} and "hunter2" not in stored.error and len(stored.error) == 4000
    with db.connect(RECORDER) as conn, pytest.raises(OutputsRefused, match="no tenant outputs for 'kudi-pay'"):
        record_tenant_apply(conn, tenant, ApplyRecord(StackName.parse("lagos.kudi-pay"), "2" * 40, ApplyResult.succeeded,
                                                      None, {"kubeconfig": "plain"}, datetime.now(timezone.utc), "up"))


@pytest.mark.parametrize("argv, message", [
    (("--time", "2999-01-01T00:00:00Z"), "argument --time: 2999-01-01T00:00:00+00:00 is in the future (more than 5 "
                                         "minutes of clock skew ahead of now); record the time the apply finished"),
    (("--actor", "ci\nstack.apply_succeeded lagos.acme"),
     "argument --actor: 'ci\\nstack.apply_succeeded lagos.acme': the actor must be one line of text; it holds control "
     "or format characters (U+000A)"),
    (("--actor", "ci\u202eylppa"), "argument --actor: 'ci\\u202eylppa': the actor must be one line of text; it holds "
                                   "control or format characters (U+202E)"),
    (("--actor", "x" * 201), "argument --actor: '" + "x" * 201 + "': the actor must have 1 to 200 characters, not 201"),
])
def test_future_times_and_multi_line_actors_are_usage_errors(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(["record-apply", "--stack", "lagos", "--commit", COMMIT_1, "--result", "failed", "--error", "x", *argv])
    assert exc.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == f"dbaas record-apply: error: {message}"


def test_a_small_clock_skew_is_accepted(capsys, db, tenants):  # noqa: F811
    soon = (datetime.now(timezone.utc) + timedelta(minutes=4)).isoformat()
    assert record(capsys, db, tenants, "--stack", "lagos", "--commit", COMMIT_1, "--result", "failed", "--error", "x",
                  "--time", soon)[0] == 0


def test_an_actor_from_the_environment_is_checked_too(capsys, db, tenants, monkeypatch):  # noqa: F811
    monkeypatch.setenv("DBAAS_ACTOR", "ci\r\nforged")
    code = main(["record-apply", "--database-url", db.dsn(RECORDER), "--tenants-dir", str(tenants), "--stack", "lagos",
                 "--commit", COMMIT_1, "--result", "failed", "--error", "x"])
    assert (code, capsys.readouterr().err) == (2, "dbaas record-apply: $DBAAS_ACTOR or $USER: the actor must be one line "
                                                  "of text; it holds control or format characters (U+000D, U+000A)\n")
