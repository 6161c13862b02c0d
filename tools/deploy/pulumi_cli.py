"""The Pulumi CLI as `dbaas up` drives it: where the binary is, the commands, what its output means.

Why the CLI directly rather than the Automation API: the Automation API runs the same `pulumi`
binary as a subprocess for every operation (sdk/python/lib/pulumi/automation/_cmd.py in
pulumi/pulumi), so it adds a layer without removing the CLI dependency, and its inline programs
would run the tenant program in this process. The commands here are the ones an operator would type,
and `--dry-run` prints exactly them.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from declarations.errors import InputError, Problem
from declarations.safe_yaml import load_file
from tools.cli_io import UsageError

PLATFORM_DIR = "."
TENANT_DIR = "tenant_project"

CONFLICT_MARKERS = (
    # Pulumi Cloud (httpstate) answers a second update of a locked stack with HTTP 409; the CLI
    # prints the service's error as apitype.ErrorResponse formats it, "[%d] %s"
    # (sdk/go/common/apitype/errors.go; pkg/backend/httpstate/backend.go wraps it in
    # backenderr.ConflictingUpdateError). The Automation API matches this same text
    # (sdk/go/auto/errors.go IsConcurrentUpdateError, sdk/python/lib/pulumi/automation/errors.py).
    "[409] Conflict: Another update is currently in progress.",
    # The self-managed (diy) backend finds another process's lock file
    # (pkg/backend/diy/lock.go checkForLock).
    "the stack is currently locked by",
)


def _already_exists(stack: str) -> "re.Pattern[str]":
    """`stack init` of a stack another run created after our `stack ls`: backenderr.StackAlreadyExistsError,
    "stack '%v' already exists" (pulumi/pulumi v3.259.0 pkg/backend/backenderr/backenderr.go:79-85). The name
    it prints is the backend's qualified one: Pulumi Cloud passes `stackID.String()`, "<owner>/<project>/<stack>"
    (pkg/backend/httpstate/backend.go:1329-1330, client/api.go:145-147); the self-managed backend passes
    `FullyQualifiedName()`, "organization/<project>/<stack>" for a project-scoped stack and the bare name only
    for a legacy unscoped one (pkg/backend/diy/backend.go:190-195, 881-882). Only this stack's name matches."""
    return re.compile(rf"stack '(?:[^'/]+/[^'/]+/)?{re.escape(stack)}' already exists")


def created_meanwhile(command: "Command", output: str) -> bool:
    """Did `stack init` fail only because the stack exists now? Then the stack is there, as wanted."""
    return command.verb == "stack init" and _already_exists(command.argv[3]).search(output) is not None


CLI_ENVIRONMENT = {"PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER": "true"}
"""Set for every command `dbaas up` runs. A tenant stack has no committed stack file (the tenant file
is its only declaration), so a fresh checkout has no `secretsprovider`/`encryptedkey` for it; without
this the CLI would make a new default secrets manager for the stack, with it the CLI uses the one in
the stack's state (the region's awskms key, set by `stack init`) and writes the stack file back
(pkg/cmd/pulumi/stack/secrets.go GetSecretsManager, FallbackToState; sdk/go/common/env/env.go;
CLI 3.134.0 and later)."""


def is_conflict(output: str) -> bool:
    """Did the CLI refuse because another update of the same stack is running? Only this is retried."""
    return any(marker in output for marker in CONFLICT_MARKERS)


@dataclass(frozen=True)
class Command:
    """One CLI invocation: `argv[0]` is `pulumi`, replaced by the real binary when it runs."""

    cwd: str
    argv: tuple[str, ...]

    def __str__(self) -> str:
        line = shlex.join(self.argv)
        return line if self.cwd == PLATFORM_DIR else f"(cd {self.cwd} && {line})"

    @property
    def verb(self) -> str:
        """`up`, `destroy`, `stack init`: what the progress lines call it."""
        return " ".join(self.argv[1:3]) if self.argv[1] == "stack" else self.argv[1]


def platform_up(region: str) -> Command:
    return Command(PLATFORM_DIR, ("pulumi", "up", "--yes", "--stack", region, "--policy-pack", "policies"))


def tenant_init(stack: str, secrets_provider: str) -> Command:
    """A new tenant stack encrypts its secrets with its region's provider, as the platform stack does."""
    return Command(TENANT_DIR, ("pulumi", "stack", "init", stack, "--secrets-provider", secrets_provider))


def tenant_up(stack: str) -> Command:
    return Command(TENANT_DIR, ("pulumi", "up", "--yes", "--stack", stack, "--policy-pack", "../policies"))


def tenant_destroy(stack: str) -> Command:
    """Destroy, then remove the stack and its config file. `--remove` removes only after a destroy
    without error, so a protected resource (which fails the destroy) keeps the stack
    (pkg/cmd/pulumi/operations/destroy.go); retained resources leave the state, not the cloud."""
    return Command(TENANT_DIR, ("pulumi", "destroy", "--yes", "--stack", stack, "--remove"))


def stack_ls() -> Command:
    """The tenant project's stacks (`stack ls` lists the current project's stacks by default)."""
    return Command(TENANT_DIR, ("pulumi", "stack", "ls", "--json"))


def stack_output(stack: str) -> Command:
    """A stack's outputs after its `up`, as JSON on stdout (ui.FprintJSON, pulumi/pulumi v3.259.0
    pkg/cmd/pulumi/stack/stack_output.go:224-230, pkg/cmd/pulumi/ui/json.go:54), every secret printed as
    "[secret]" unless --show-secrets is given (display.MassageSecrets, stack_output.go:147-161;
    pkg/backend/display/json.go:67). Run from the stack's own project directory."""
    return Command(PLATFORM_DIR if "." not in stack else TENANT_DIR,
                   ("pulumi", "stack", "output", "--json", "--stack", stack))


def stack_names(ls_json: str) -> set[str]:
    """Stack names from `pulumi stack ls --json`: a JSON array of objects with `name` (plus
    `current`, `lastUpdate`, `updateInProgress`, `resourceCount`, `url`; stackSummaryJSON in
    pkg/cmd/pulumi/stack/stack_list.go). A name is `owner/project/stack` when the backend does not
    elide them (pkg/backend/httpstate/stack.go, pkg/backend/diy/backend.go String()), so the stack is
    the last segment. ValueError if the output is not that shape."""
    try:
        entries = json.loads(ls_json)
    except json.JSONDecodeError as exc:
        raise ValueError(f"`pulumi stack ls --json` printed no JSON: {exc}") from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) and isinstance(e.get("name"), str)
                                                for e in entries):
        raise ValueError("`pulumi stack ls --json` printed something other than a list of {\"name\": ...} objects")
    return {entry["name"].rsplit("/", 1)[-1] for entry in entries}


def find_pulumi(explicit: str | None) -> str:
    """The binary: `--pulumi PATH`, else `$PULUMI`, else `pulumi` on PATH; UsageError (exit 2) if none."""
    wanted = explicit or os.environ.get("PULUMI") or "pulumi"
    source = "--pulumi" if explicit else "$PULUMI" if os.environ.get("PULUMI") else "PATH"
    if os.sep in wanted or (os.altsep and os.altsep in wanted):
        found = wanted if Path(wanted).is_file() and os.access(wanted, os.X_OK) else None
    else:
        found = shutil.which(wanted)
    if found is None:
        raise UsageError(f"the Pulumi CLI was not found ({source}: {wanted!r}); install it "
                         "(https://www.pulumi.com/docs/iac/download-install/) or pass --pulumi PATH")
    return found


def region_secrets_provider(project_dir: Path, region: str) -> str:
    """The secrets provider the region's platform stack file names: its tenant stacks use it too."""
    stack_path = project_dir / f"Pulumi.{region}.yaml"
    secrets_provider = load_file(stack_path, stack_path.name).data.get("secretsprovider")
    if not secrets_provider:
        raise InputError([Problem(stack_path.name, 1, 1, "secretsprovider",
                                  "the platform stack file names no secrets provider for its tenant stacks")])
    return secrets_provider
