"""`dbaas datapaths REGION [--plan FILE] [--json]`: every backup and restore path of a region's plan, hop by hop.

Exit 0 when every required path is allowed and every cross-tenant path denied, 1 otherwise, 2 on a usage error."""

from __future__ import annotations

import argparse
import json
import sys

from tools.cli_io import EXIT_INVALID, EXIT_OK, UsageError, check_stack, find_project_dir
from tools.datapaths.evaluate import DataPath, Evaluator
from tools.datapaths.plan_view import PlanError, PlanView, load_plan_file


def region_plan(region: str, plan_file: str | None) -> PlanView:
    project_dir = find_project_dir()
    if "." in region:
        raise UsageError(f"{region}: a region (lagos, frankfurt), not a tenant stack")
    check_stack(project_dir, region)
    if plan_file:
        try:
            return load_plan_file(plan_file)
        except PlanError as exc:
            raise UsageError(str(exc)) from None
    from tools.offline.plan import build_plan
    return PlanView.from_json(build_plan(region, project_dir).to_preview_json())


def evaluate(view: PlanView) -> list[DataPath]:
    return Evaluator(view, find_project_dir()).run()


def report(paths: list[DataPath]) -> dict:
    return {"paths": [p.as_json() for p in paths], "broken": sum(p.broken for p in paths),
            "leaks": sum(p.leak for p in paths)}


def human_line(path: DataPath) -> str:
    hop = path.failing()
    label = "BROKEN" if path.broken else "LEAK"
    return (f"{label} {path.tenant} {path.service} {path.actor}: {path.operation} -> {path.target}: "
            f"{hop.kind}: {hop.why}" if hop else f"{label} {path.tenant} {path.service} {path.actor}: {path.operation}")


def cmd_datapaths(args: argparse.Namespace) -> int:
    view = region_plan(args.region, args.plan)
    paths = evaluate(view)
    result = report(paths)
    if args.json:
        json.dump(result, sys.stdout, indent=1, sort_keys=False)
        sys.stdout.write("\n")
    else:
        for path in paths:
            if path.broken or path.leak:
                print(human_line(path))
        required = [p for p in paths if p.required]
        print(f"{len(required)} required path(s), {result['broken']} broken; "
              f"{len(paths) - len(required)} cross-tenant path(s) checked, {result['leaks']} leaking")
    return EXIT_INVALID if result["broken"] or result["leaks"] else EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("datapaths", help="prove every backup/restore data path of a region's plan, actor by actor "
                                         "(iam, network, tls, credentials, image); exit 1 on a broken path or a leak")
    p.add_argument("region", metavar="REGION", help="region (platform stack name): lagos, frankfurt")
    p.add_argument("--plan", metavar="FILE", help="a plan JSON as `dbaas plan REGION --json FILE` writes it "
                                                  "(default: plan the region offline now)")
    p.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    p.set_defaults(func=cmd_datapaths)
