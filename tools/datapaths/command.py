"""`dbaas datapaths REGION [--plan FILE] [--json]`: every backup and restore path of a region's plan, hop by hop.

Exit 0 when every required path is allowed and every cross-tenant path denied, 1 otherwise, 2 on a usage error."""

from __future__ import annotations

import argparse
import gc
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
            view = load_plan_file(plan_file)
        except PlanError as exc:
            raise UsageError(str(exc)) from None
        if view.region_stack != region:
            raise UsageError(f"{plan_file}: a plan of {view.region_stack or 'no stack'}, not of {region}")
        return view
    from tools.offline.plan import build_plan
    return PlanView.from_json(build_plan(region, project_dir).to_preview_json())


def evaluate(view: PlanView) -> list[DataPath]:
    """The verdicts. A region of a thousand tenants makes a million cross-tenant paths on top of a plan of a
    hundred thousand objects: the plan is frozen out of the cyclic collector's sight (gc.freeze), and the
    collector is paused while paths (which form no cycles) are made, which otherwise costs more than the
    evaluation itself."""
    gc.freeze()
    enabled = gc.isenabled()
    gc.disable()
    try:
        return Evaluator(view, find_project_dir()).run()
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def report(paths: list[DataPath]) -> dict:
    shared: dict[int, dict] = {}  # hops shared by many cross-tenant paths are rendered once

    def hop_json(hop) -> dict:
        found = shared.get(id(hop))
        if found is None:
            found = shared[id(hop)] = hop.as_json()
        return found

    return {"paths": [{"tenant": p.tenant, "service": p.service, "engine": p.engine, "actor": p.actor,
                       "operation": p.operation, "target": p.target, "required": p.required, "allowed": p.allowed,
                       "hops": [hop_json(h) for h in p.hops]} for p in paths],
            "broken": sum(p.broken for p in paths), "leaks": sum(p.leak for p in paths)}


def write_json(paths: list[DataPath], out) -> tuple[int, int]:
    """`report(paths)` as compact JSON, streamed: a region of a thousand tenants has a million paths, most of them
    sharing their tenant's hops and strings, so each distinct string and hop list is encoded once."""
    literal: dict[str, str] = {}
    hops_json: dict[int, str] = {}

    def text(value: str) -> str:
        found = literal.get(value)
        if found is None:
            found = literal[value] = json.dumps(value)
        return found

    broken = leaks = 0
    out.write('{"paths":[')
    for index, path in enumerate(paths):
        hops = hops_json.get(id(path.hops))
        if hops is None:
            hops = hops_json[id(path.hops)] = json.dumps([h.as_json() for h in path.hops], separators=(",", ":"))
        broken += path.broken
        leaks += path.leak
        out.write(f'{"," if index else ""}{{"tenant":{text(path.tenant)},"service":{text(path.service)},'
                  f'"engine":{text(path.engine)},"actor":{text(path.actor)},"operation":{text(path.operation)},'
                  f'"target":{text(path.target)},"required":{"true" if path.required else "false"},'
                  f'"allowed":{"true" if path.allowed else "false"},"hops":{hops}}}')
    out.write(f'],"broken":{broken},"leaks":{leaks}}}\n')
    return broken, leaks


def human_line(path: DataPath) -> str:
    hop = path.failing()
    label = "BROKEN" if path.broken else "LEAK"
    return (f"{label} {path.tenant} {path.service} {path.actor}: {path.operation} -> {path.target}: "
            f"{hop.kind}: {hop.why}" if hop else f"{label} {path.tenant} {path.service} {path.actor}: {path.operation}")


def cmd_datapaths(args: argparse.Namespace) -> int:
    view = region_plan(args.region, args.plan)
    paths = evaluate(view)
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _print(args, paths)
    finally:
        if enabled:
            gc.enable()


def _print(args: argparse.Namespace, paths: list[DataPath]) -> int:
    if args.json:
        broken, leaks = write_json(paths, sys.stdout)
        failed = broken or leaks
    else:
        broken = leaks = required = 0
        for path in paths:
            required += path.required
            if path.broken or path.leak:
                broken += path.broken
                leaks += path.leak
                print(human_line(path))
        print(f"{required} required path(s), {broken} broken; "
              f"{len(paths) - required} forbidden path(s) checked (cross-tenant, platform roles outside their "
              f"engine's folder), {leaks} leaking")
        failed = broken or leaks
    return EXIT_INVALID if failed else EXIT_OK


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("datapaths", help="prove every backup/restore data path of a region's plan, actor by actor "
                                         "(iam, network, tls, credentials, image); exit 1 on a broken path or a leak")
    p.add_argument("region", metavar="REGION", help="region (platform stack name): lagos, frankfurt")
    p.add_argument("--plan", metavar="FILE", help="a plan JSON as `dbaas plan REGION --json FILE` writes it "
                                                  "(default: plan the region offline now)")
    p.add_argument("--json", action="store_true", help="print the verdicts as JSON")
    p.set_defaults(func=cmd_datapaths)
