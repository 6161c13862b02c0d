"""`dbaas diff STACK --base REV`: the desired state at REV against the working tree, with
destructive steps flagged, removal safety, and policy results for the new state."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Callable

from tools.cli_io import STDOUT, Progress, UsageError, check_output, check_stack, to_stdout, write_output
from declarations.errors import InputError, Problem
from tools.offline.diff_render import DiffReport, render_markdown, render_text, to_json
from tools.offline.diff_review import review_plans
from tools.offline.diff_revisions import Checkout, classify, plan_in_tree
from tools.offline.plan import build_plan
from tools.policy.runner import PackConfig, load_pack_config
from declarations.tenant_loader import load_tenant_tree, validate_files


def run_diff(stack: str, project_dir: Path, revision: str, tenants_rel: str = "tenants",
             pack_config: PackConfig | None = None, progress: Callable[[str], None] | None = None) -> DiffReport:
    say = progress or (lambda _message: None)
    checkout = Checkout.of(project_dir)
    commit = checkout.resolve(revision)
    scope = classify(checkout.changed_paths(commit), tenants_rel)
    head_tree = project_dir / tenants_rel
    with TemporaryDirectory(prefix="dbaas-diff-") as tmp_name:
        tmp = Path(tmp_name)
        if scope.tenants_only:
            base_tree, subset = tmp / "base" / tenants_rel, tmp / "head" / tenants_rel
            checkout.export(commit, tmp / "base", list(scope.tenant_files))
            present = [project_dir / p for p in scope.tenant_files if (project_dir / p).is_file()]
            problems = validate_files(present, head_tree)
            if problems:
                raise InputError(problems)
            for path in present:
                target = subset / path.relative_to(head_tree)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)
            for tree in (base_tree, subset):
                tree.mkdir(parents=True, exist_ok=True)
            say(f"rendering {stack} at {revision} ({len(scope.tenant_ids)} changed tenant(s))")
            base_plan = build_plan(stack, project_dir, base_tree, check_schemas=False)
            say(f"rendering {stack} in the working tree")
            head_plan = build_plan(stack, project_dir, subset)
            head_tenants = load_tenant_tree(subset)
            head_files = subset
        else:
            base_dir = tmp / "base"
            checkout.export(commit, base_dir)
            base_tree = base_dir / tenants_rel
            say(f"rendering {stack} at {revision} in full")
            base_plan = plan_in_tree(base_dir, stack, base_tree, revision)
            say(f"rendering {stack} in the working tree in full")
            head_plan = build_plan(stack, project_dir, head_tree, progress=say)
            head_tenants = load_tenant_tree(head_tree)
            head_files = head_tree
        base_tenants = load_tenant_tree(base_tree)
        say("evaluating policies and comparing")
        return review_plans(
            stack, f"{revision} ({commit[:12]})", base_plan, head_plan, base_tenants, head_tenants, base_tree,
            head_files, project_dir,
            lambda t: checkout.earlier_service_names(commit, f"{tenants_rel}/{t.data_region}/{t.id}.yaml"),
            pack_config, rendered_tenants=scope.tenant_ids if scope.tenants_only else None,
            full_render_reasons=scope.reasons)


def cmd_diff(args: argparse.Namespace) -> int:
    from tools.cli_io import EXIT_INVALID, EXIT_OK, find_project_dir

    project_dir = find_project_dir()
    tenants_rel = "tenants"
    if args.tenants_dir:
        try:
            tenants_rel = Path(args.tenants_dir).resolve().relative_to(project_dir).as_posix()
        except ValueError:
            raise InputError([Problem(args.tenants_dir, 1, 1, "--tenants-dir",
                                      "must be inside the project, so the same path can be read at the base revision")]) from None
    check_stack(project_dir, args.stack)
    check_output(args.json, "--json")
    check_output(args.markdown, "--markdown")
    if args.json == args.markdown == STDOUT:
        raise UsageError("--json and --markdown cannot both go to standard output")
    config = load_pack_config(Path(args.config)) if args.config else None
    progress = Progress()
    try:
        report = run_diff(args.stack, project_dir, args.base, tenants_rel, config, progress=progress)
    finally:
        progress.done()
    (sys.stderr if to_stdout(args.json, args.markdown) else sys.stdout).write(render_text(report))
    if args.json:
        write_output(args.json, json.dumps(to_json(report), indent=2, sort_keys=True) + "\n", "--json")
    if args.markdown:
        write_output(args.markdown, render_markdown(report), "--markdown")
    # Retained and decommissioned deletes are not destroyed data; only `destructive` fails the gate.
    # The exit code says what the text says: a blocked removal or a mandatory violation in the new
    # state fails, as `dbaas policy` and CrossGuard (`pulumi preview --policy-pack`) would.
    if report.blocking or not report.policy.passed or (args.fail_on_destroy and report.diff.destructive):
        return EXIT_INVALID
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("diff", help="compare the desired state at a git revision with the working tree")
    p.add_argument("stack", metavar="STACK", help="stack name, e.g. lagos")
    p.add_argument("--base", required=True, metavar="REV", help="git revision to compare against, e.g. origin/main")
    p.add_argument("--tenants-dir", help="tenants tree inside the project (default: ./tenants)")
    p.add_argument("--json", metavar="FILE", help="write the diff as JSON here ('-': standard output)")
    p.add_argument("--markdown", metavar="FILE", help="write a pull-request comment here ('-': standard output)")
    p.add_argument("--config", metavar="FILE", help="policy pack config (JSON or YAML)")
    p.add_argument("--fail-on-destroy", action="store_true", help="exit 1 when a bucket, key, namespace, engine "
                                                                  "instance, volume or Kafka topic would be deleted or replaced")
    p.set_defaults(func=cmd_diff)
