"""`dbaas diff` runs the CRDs' transition rules with the base revision's object as `oldSelf`."""

from __future__ import annotations

import json
from pathlib import Path

from dbaas.cli import main
from tests.diff.test_diff import _edit, repo  # noqa: F401  (the fixture)

UNIVERSE = ("urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment$dbaas:engines:YugabyteInstance"
            "$kubernetes:operator.yugabyte.io/v1alpha1:YBUniverse::acme.orders.ybuniverse")


def test_an_update_the_api_server_refuses_blocks_the_diff(repo: Path, tmp_path: Path, monkeypatch, capsys):  # noqa: F811
    # clustered (3 replicas, replicationFactor 3) -> single (replicationFactor 1): YBUniverse refuses the change
    _edit(repo / "tenants" / "lagos" / "acme.yaml", "    topology: clustered\n    replicas: 3\n    storage_gb: 100",
          "    topology: single\n    replicas: 1\n    storage_gb: 100")
    monkeypatch.chdir(repo)
    out = tmp_path / "diff.json"
    assert main(["diff", "lagos", "--base", "HEAD", "--json", str(out)]) == 1
    refused = [line for line in capsys.readouterr().out.splitlines() if line.startswith("update refused")]
    assert refused == [f"update refused by the API server: {UNIVERSE}: spec.replicationFactor: "
                       'Invalid value: "integer": Replication Factor is cannot be changed']
    assert json.loads(out.read_text())["crdTransitionProblems"] == [
        {"urn": UNIVERSE, "path": "spec.replicationFactor", "message": 'Invalid value: "integer": Replication Factor is cannot be changed',
         "crd": "operator.yugabyte.io/ybuniverse_v1alpha1", "rule": "self == oldSelf"}]


def test_an_allowed_update_of_the_same_object_passes(repo: Path, monkeypatch, capsys):  # noqa: F811
    _edit(repo / "tenants" / "lagos" / "acme.yaml", "    replicas: 3\n    storage_gb: 100", "    replicas: 5\n    storage_gb: 100")
    monkeypatch.chdir(repo)
    assert main(["diff", "lagos", "--base", "HEAD"]) == 0
    text = capsys.readouterr().out
    assert "spec.numNodes: 3 -> 5" in text and "update refused" not in text
