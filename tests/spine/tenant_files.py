"""Helpers that write tenant files into a temporary tree."""

from __future__ import annotations

from pathlib import Path

VALID = """\
# yaml-language-server: $schema=../schema.json
id: {id}
name: Test Tenant
org: testorg
plan: {plan}
data_region: {region}
owners: [test-admins]
data_classes: [operational]
services:
  - name: orders
    engine: yugabyte
    version: "2.20"
    topology: {topology}
    replicas: {replicas}
    storage_gb: 100
    backups: {{schedule: "0 2 * * *", retention_days: 7}}
"""


def valid_text(id="test-a", plan="standard", region="lagos", topology="clustered", replicas=3) -> str:
    return VALID.format(id=id, plan=plan, region=region, topology=topology, replicas=replicas)


def write(tree: Path, region: str, name: str, text: str) -> Path:
    path = tree / region / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
