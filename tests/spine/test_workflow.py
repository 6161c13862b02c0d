"""The pull-request workflow: linted by zizmor (offline audits, the default persona), and its preview
job gets what a real preview needs (tools/deploy/preview_command.py, README "CI secrets")."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import PROJECT_DIR

WORKFLOW = PROJECT_DIR / ".github" / "workflows" / "pull-request.yml"
MAIN_WORKFLOW = PROJECT_DIR / ".github" / "workflows" / "main.yml"
ZIZMOR = Path(sys.executable).parent / "zizmor"


def test_zizmor_finds_nothing_in_the_workflows():
    result = subprocess.run([str(ZIZMOR), "--offline", "--format", "json", str(WORKFLOW), str(MAIN_WORKFLOW)],
                            capture_output=True, text=True, check=False, timeout=120)
    findings = json.loads(result.stdout)
    assert [(f["ident"], f["locations"][0]["concrete"]["location"]["start_point"]["row"] + 1) for f in findings] == []
    assert result.returncode == 0


def test_every_action_is_pinned_to_a_commit_with_its_release_in_a_comment():
    text = WORKFLOW.read_text(encoding="utf-8") + MAIN_WORKFLOW.read_text(encoding="utf-8")
    uses = [line.split("uses:", 1)[1].strip() for line in text.splitlines() if "uses:" in line]
    assert uses and all(len(u.split("@", 1)[1].split()[0]) == 40 and "# v" in u for u in uses), uses


def test_the_preview_job_previews_through_dbaas_preview_with_secrets_for_platform_stacks_only():
    preview = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["preview"]
    [step] = [s for s in preview["steps"] if "run" in s and "preview" in s["run"]]
    assert step["run"] == '.venv/bin/dbaas preview "$STACK"'
    assert step["env"] == {
        "STACK": "${{ matrix.stack }}",
        "PULUMI_ACCESS_TOKEN": "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        "DBAAS_AEROSPIKE_FEATURE_KEY": "${{ !contains(matrix.stack, '.') && secrets.AEROSPIKE_FEATURE_KEY || '' }}",
        "DBAAS_KUBECONFIG": "${{ matrix.stack == 'lagos' && secrets.LAGOS_KUBECONFIG || '' }}",
    }
    assert preview["environment"] == "preview"
    assert preview["if"].startswith("github.event.pull_request.head.repo.full_name == github.repository")


def test_the_kubeconfig_goes_to_the_adopt_mode_platform_stacks_and_only_those():
    from declarations.regions import KNOWN_REGIONS
    from declarations.stack_config import load_stack_file

    adopting = sorted(r for r in KNOWN_REGIONS if load_stack_file(PROJECT_DIR, r).config.cluster_mode == "adopt")
    assert adopting == ["lagos"]


def test_pull_requests_restore_mains_offline_caches_and_only_main_saves_them():
    """Cache entries are keyed by what they are made from, so a pull request's touched stacks miss and go
    through the protocol; a pull request never writes an entry another run could read."""
    pull_request = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    main_jobs = yaml.safe_load(MAIN_WORKFLOW.read_text(encoding="utf-8"))["jobs"]
    uses = {job: [s.get("uses", "").split("@")[0] for s in spec["steps"]] for job, spec in pull_request.items()}
    assert not any("actions/cache/save" in u or u == "actions/cache" for steps in uses.values() for u in steps)
    for job in ("policy", "cross-stack", "diff"):
        steps = pull_request[job]["steps"]
        [restore] = [s for s in steps if s.get("uses", "").startswith("actions/cache/restore@")]
        dbaas = next(i for i, s in enumerate(steps) if ".venv/bin/dbaas" in s.get("run", ""))
        assert steps.index(restore) < dbaas, job
        assert restore["with"] == {"path": "~/.cache/dbaas",
                                   "key": "dbaas-offline-${{ github.event.pull_request.base.sha }}",
                                   "restore-keys": "dbaas-offline-"}
    [save] = [s for s in main_jobs["offline-cache"]["steps"] if s.get("uses", "").startswith("actions/cache/save@")]
    assert save["with"] == {"path": "~/.cache/dbaas", "key": "dbaas-offline-${{ github.sha }}"}
    assert any(s.get("run") == ".venv/bin/dbaas policy --all" for s in main_jobs["offline-cache"]["steps"])
