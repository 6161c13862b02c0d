"""`dbaas`: the platform's command line, the top floor: it fronts the tools and the API. Exit codes: 0 ok, 1 invalid input or failed check, 2 usage."""

from __future__ import annotations

import argparse
import gc
import sys
from pathlib import Path
from importlib import import_module

from tools.cli_io import EXIT_INVALID, EXIT_OK, EXIT_USAGE, Progress, find_project_dir, UsageError, check_output, check_stack, open_output, positive_int, to_stdout, write_output
from declarations.errors import InputError
from tools.offline.engine_rules import EngineRefusal
from declarations.naming import split_stack_name

def _tenants_dir(args: argparse.Namespace) -> Path:
    return Path(args.tenants_dir) if args.tenants_dir else find_project_dir() / "tenants"


def cmd_validate(args: argparse.Namespace) -> int:
    from declarations.tenant_loader import load_tenant_tree, validate_files

    tenants_dir = _tenants_dir(args)
    if args.files:
        problems = validate_files([Path(f) for f in args.files], tenants_dir)
        count = len(args.files)
    else:
        try:
            count = len(load_tenant_tree(tenants_dir))
            problems = []
        except InputError as exc:
            problems = exc.problems
    for problem in sorted(problems):
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return EXIT_INVALID
    print(f"ok: {count} tenant file(s) valid")
    if args.files:
        return EXIT_OK
    return _validate_rendered_objects(tenants_dir)


def _validate_rendered_objects(tenants_dir: Path) -> int:
    """The whole tree: plan every region (platform and tenant stacks) so that what the files render is checked
    too: the engine rules, and every Kubernetes object against the strict core and vendored CRD schemas and the
    CRDs' CEL rules (tools/offline/plan.py build_plan). Refusals name the stack, the URN and the field."""
    from tools.cli_io import known_stacks
    from tools.offline.plan import build_plan

    project_dir = find_project_dir()
    regions = [s for s in known_stacks(project_dir) if "." not in s]
    stacks = 0
    for region in regions:
        plan = build_plan(region, project_dir, tenants_dir)  # EngineRefusal/SchemaRefusal: printed by main, exit 1
        stacks += len({r.urn.split("::", 1)[0] for r in plan.registrations})
    print(f"ok: every Kubernetes object of {stacks} stack(s) in {len(regions)} region(s) validates "
          "(strict schemas, CRD CEL rules)")
    return EXIT_OK


def cmd_plan(args: argparse.Namespace) -> int:
    from tools.offline.plan import build_plan

    project_dir = find_project_dir()
    check_stack(project_dir, split_stack_name(args.stack)[0])  # a tenant stack `<region>.<id>` needs its region's
    check_output(args.json, "--json")
    progress = Progress()
    try:
        plan = build_plan(args.stack, project_dir, Path(args.tenants_dir) if args.tenants_dir else None,
                          workers=args.workers, progress=progress)
    except InputError as exc:
        for problem in exc.problems:
            print(problem)
        return EXIT_INVALID
    finally:
        progress.done()
    if args.json:
        with open_output(args.json, "--json") as out:
            plan.write_json_to(out)
    human = sys.stderr if to_stdout(args.json) else sys.stdout
    human.write(plan.summary())
    if args.json and not to_stdout(args.json):
        print(f"\nPlan JSON written to {args.json}")
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from declarations import tenant_schema

    target = args.output or str(find_project_dir() / "tenants" / "schema.json")
    write_output(target, tenant_schema.render(), "--output")
    if not to_stdout(target):
        print(f"wrote {target}")
    return EXIT_OK


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dbaas-platform")
    except PackageNotFoundError:
        return "unknown (not installed; run make install)"


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dbaas", description="dbaas-platform tooling")
    parser.add_argument("--version", action="version", version=f"dbaas {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="validate tenant files (PATH:LINE:COL: field: message per problem); without "
                                        "FILE also plan every region and validate every rendered Kubernetes object")
    p.add_argument("--tenants-dir", help="tenants tree (default: ./tenants of the project)")
    p.add_argument("files", nargs="*", metavar="FILE", help="tenant files to check (default: the whole tree)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("plan", help="offline plan of a stack, shaped like `pulumi preview --json`")
    p.add_argument("stack", metavar="STACK", help="stack name: a region's (lagos: its platform and every tenant "
                                                  "stack) or one tenant stack (lagos.acme)")
    p.add_argument("--tenants-dir", help="tenants tree (default: ./tenants of the project)")
    p.add_argument("--json", metavar="FILE", help="write the preview-shaped JSON here ('-': standard output)")
    p.add_argument("--workers", type=positive_int, metavar="N",
                   help="plan tenants in N processes (default: one per core once a region has 48+ tenants); "
                        "the output is identical for any N")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("schema", help="export the tenant file JSON Schema (default: tenants/schema.json)")
    p.add_argument("--output", metavar="FILE", help="where to write ('-': standard output)")
    p.set_defaults(func=cmd_schema)

    chosen = next((a for a in (argv or []) if not a.startswith("-")), None)
    for command, module in EXTRA_COMMANDS.items():
        if chosen is None or chosen == command or chosen not in (*EXTRA_COMMANDS, *BUILTIN_COMMANDS):
            import_module(module).register(sub)
    return parser


BUILTIN_COMMANDS = ("validate", "plan", "schema")
EXTRA_COMMANDS: dict[str, str] = {
    "serve": "api.serve_command",
    "policy": "tools.policy.runner",
    "diff": "tools.offline.diff_command",
    "migrate": "tools.controlplane.cli",
    "record-apply": "tools.controlplane.record_apply_command",
    "stacks": "tools.deploy.affected_stacks",
    "up": "tools.deploy.up_command",
    "drill": "tools.drills.controlplane_pitr",
    "preview": "tools.deploy.preview_command",
    "datapaths": "tools.datapaths.command",
    "pins": "tools.vendoring.pins",
}
"""Subcommand -> the module whose `register` adds it. Only the module of the command being run is
imported (all of them for --help or an unknown command), so `dbaas plan` does not pay for the API's,
the database's or the diff's imports."""


def main(argv: list[str] | None = None) -> int:
    if argv is None:  # run as the program (the `dbaas` script, `python -m dbaas.cli`): the process ends on return
        code = main(sys.argv[1:])
        # At exit the interpreter's last garbage collections walk every object still alive (Pulumi's and
        # pydantic's type graphs, the plan): ~0.2 s of a one-tenant plan's ~1.2 s, for memory the OS takes
        # back anyway. Frozen objects are left out of them; a caller of main([...]) (the tests) is unaffected.
        gc.freeze()
        return code
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputError as exc:
        for problem in exc.problems:
            print(problem)
        return EXIT_INVALID
    except EngineRefusal as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID
    except UsageError as exc:
        print(f"dbaas {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - the contract is: never a traceback
        print(f"dbaas {args.command}: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
