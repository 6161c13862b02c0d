"""`dbaas preview STACK`: CI's real `pulumi preview` of one affected stack, or why there is none.

A pull request that onboards a tenant affects a stack that does not exist yet. `pulumi preview
--stack S` of a missing stack fails when not interactive: RequireStack offers to create it only in
a terminal (pulumi/pulumi v3.259.0 pkg/cmd/pulumi/stack/io.go:120-160). So the stack's project is
listed first (`pulumi stack ls --json`, stdout apart from the CLI's warnings on stderr); a stack that
is not listed is reported as new, which its first `dbaas up` creates (`stack init`, then every
resource a create, as the offline plan in the `diff` job shows), and nothing is previewed.

A platform stack file holds no secret (README "Running it for real"): before its preview, the
secrets come from the CI's secret store through the environment and are set on the runner's
checkout with `pulumi config set --secret KEY --stack S`, value on stdin (read when stdin is not a
terminal, pkg/cmd/pulumi/config/config.go:817-825), encrypted by the stack's own secrets provider.
Nothing is committed; the value never appears on a command line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from declarations.naming import split_stack_name
from declarations.stack_config import load_stack_file
from tools.cli_io import UsageError
from tools.deploy.pulumi_cli import CLI_ENVIRONMENT, PLATFORM_DIR, TENANT_DIR, find_pulumi, stack_names

PLATFORM_SECRETS_ENV = {"aerospikeFeatureKey": "DBAAS_AEROSPIKE_FEATURE_KEY", "kubeconfig": "DBAAS_KUBECONFIG"}
"""Stack config secret -> the environment variable CI fills from its secret store."""


def secrets_needed(project_dir: Path, stack: str) -> dict[str, str]:
    """The platform stack's secrets a preview needs: the Aerospike key always, the kubeconfig in adopt mode."""
    config = load_stack_file(project_dir, stack).config
    needed = {"aerospikeFeatureKey": PLATFORM_SECRETS_ENV["aerospikeFeatureKey"]}
    if config.cluster_mode == "adopt":
        needed["kubeconfig"] = PLATFORM_SECRETS_ENV["kubeconfig"]
    return needed


def cmd_preview(args: argparse.Namespace) -> int:
    from tools.cli_io import EXIT_INVALID, EXIT_OK, find_project_dir

    project_dir = find_project_dir()
    stack = args.stack
    _region, tenant_id = split_stack_name(stack)
    platform = tenant_id is None
    cwd = project_dir / (PLATFORM_DIR if platform else TENANT_DIR)
    needed = secrets_needed(project_dir, stack) if platform else {}
    missing = [env for env in needed.values() if not os.environ.get(env)]
    if missing:
        raise UsageError(f"{stack}: the preview needs {', '.join(missing)} from the CI's secret store (README "
                         "\"CI secrets\")")
    binary = find_pulumi(args.pulumi)
    env = {**os.environ, **CLI_ENVIRONMENT}
    listed = subprocess.run([binary, "stack", "ls", "--json"], cwd=cwd, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True, errors="replace", env=env, check=False)
    try:
        if listed.returncode != 0:
            lines = listed.stderr.strip().splitlines()
            raise ValueError(lines[-1] if lines else f"exit {listed.returncode}")
        existing = stack_names(listed.stdout)
    except ValueError as exc:
        print(f"dbaas preview: cannot list the stacks (`pulumi stack ls --json` in {cwd.relative_to(project_dir)}): {exc}",
              file=sys.stderr)
        return EXIT_INVALID
    if stack not in existing:
        print(f"new stack {stack}: it does not exist yet, so there is nothing to preview; `dbaas up` creates it "
              f"(`pulumi stack init`, then `pulumi up`): {_creates(project_dir, stack)}")
        return EXIT_OK
    for key, variable in needed.items():
        result = subprocess.run([binary, "config", "set", "--secret", key, "--stack", stack], cwd=cwd,
                                input=os.environ[variable], capture_output=True, text=True, errors="replace",
                                env=env, check=False)
        if result.returncode != 0:
            print(f"dbaas preview: `pulumi config set --secret {key} --stack {stack}` failed: "
                  f"{(result.stderr.strip().splitlines() or ['exit ' + str(result.returncode)])[-1]}", file=sys.stderr)
            return EXIT_INVALID
    policies = "policies" if platform else "../policies"
    sys.stdout.flush()
    preview = subprocess.run([binary, "preview", "--stack", stack, "--policy-pack", policies, "--non-interactive"],
                             cwd=cwd, stdin=subprocess.DEVNULL, env=env, check=False)
    return EXIT_OK if preview.returncode == 0 else EXIT_INVALID


def _creates(project_dir: Path, stack: str) -> str:
    """What the first `up` of a new stack does: every resource of its offline plan is a create (a new tenant
    stack is planned alone, against the platform's planned outputs: `dbaas plan <region>.<id>`)."""
    from tools.offline.plan import build_plan

    plan = build_plan(stack, project_dir)
    own = [r for r in plan.registrations if r.urn.startswith(f"urn:pulumi:{stack}::")]
    return f"{len(own)} resources to create (offline plan; the diff job lists them)"


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("preview", help="CI: `pulumi preview` of one stack with the policy pack if it exists, "
                                              "else report it as new (platform secrets from the environment)")
    p.add_argument("stack", metavar="STACK", type=_stack, help="<region> (platform) or <region>.<tenant-id>")
    p.add_argument("--pulumi", metavar="PATH", help="the Pulumi CLI (default: $PULUMI, else `pulumi` on PATH)")
    p.set_defaults(func=cmd_preview)


def _stack(text: str) -> str:
    from declarations.regions import KNOWN_REGIONS

    region, _tenant = split_stack_name(text)
    if region not in KNOWN_REGIONS:
        raise argparse.ArgumentTypeError(f"{text!r}: unknown region {region!r} (known: {', '.join(KNOWN_REGIONS)})")
    return text
