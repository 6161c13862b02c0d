"""A fake `pulumi` executable for `dbaas up` tests: it logs every call (argv and working directory)
and answers as a scenario says, with the texts the real CLI prints, on the stream it prints them to.
Each printed line names its source in pulumi/pulumi (read at v3.259.0, the newest tag in the stored
snapshot; the pin is 3.272.0). Errors and warnings go to stderr through the CLI's diagnostic sink
(sdk/go/common/util/cmdutil/diag.go:89 `diag.DefaultSink(os.Stderr, os.Stderr, ...)`; exit.go:106-117
prints "error: <message>" and exits 255); data (`--json`) goes to stdout."""

from __future__ import annotations

import json
import stat
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

SCRIPT = r'''
import fcntl, json, os, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
SCENARIO = json.load(open(os.path.join(HERE, "scenario.json")))
STATE_DIR = os.path.join(HERE, "state")
args = sys.argv[1:]


def locked(update):
    """Read-modify-write the shared state (calls per stack, stacks running now) under a file lock."""
    with open(os.path.join(STATE_DIR, "lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = os.path.join(STATE_DIR, "state.json")
        state = json.load(open(path)) if os.path.exists(path) else {"running": 0, "max_running": 0, "started": 0, "calls": {}}
        result = update(state)
        with open(path, "w") as out:
            json.dump(state, out)
        return result


def log_call(state):
    with open(os.path.join(STATE_DIR, "log.jsonl"), "a") as log:
        log.write(json.dumps({"argv": args, "cwd": os.getcwd(),
                              "fallback": os.environ.get("PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER")}) + "\n")


def stack():
    return args[args.index("--stack") + 1]


def count_call(state):
    key = " ".join(args[:1]) + " " + stack()
    state["calls"][key] = state["calls"].get(key, 0) + 1
    return state["calls"][key]


def fail(text):
    sys.stderr.write(text + "\n")  # cmdutil/exit.go:106-117: Diag().Errorf to stderr, exit 255
    sys.exit(255)


def upgrade_warning():
    # pkg/cmd/pulumi/pulumi.go:688, 913-935: the version check's message, through Diag().Warningf (to stderr)
    if SCENARIO["upgrade_warning"]:
        sys.stderr.write("warning: A new version of Pulumi is available. To upgrade from version '3.272.0' to "
                         "'3.273.0', visit https://pulumi.com/docs/install/ for manual instructions and release notes.\n")


locked(log_call)
if args[:2] == ["stack", "ls"]:
    upgrade_warning()
    if SCENARIO["ls_error"]:
        fail("error: " + SCENARIO["ls_error"])
    # pkg/cmd/pulumi/stack/stack_list.go:272 ui.FprintJSON (ui/json.go:54, two-space indent) of stackSummaryJSON
    print(json.dumps([{"name": name, "current": False} for name in SCENARIO["stacks"]], indent=2))
elif args[:2] == ["stack", "init"]:
    if args[2] in SCENARIO["created_meanwhile"]:
        # backenderr.go:85 "stack '%v' already exists" with the diy backend's FullyQualifiedName
        # (pkg/backend/diy/backend.go:190-195, 881-882): organization/<project>/<stack>
        fail("error: stack 'organization/dbaas-tenant/%s' already exists" % args[2])
    if args[2] in SCENARIO["init_fail"]:
        fail("error: " + SCENARIO["init_fail"][args[2]])
    print("Created stack '%s'" % args[2])  # pkg/cmd/pulumi/stack/io.go:442
elif args[:3] == ["stack", "output", "--json"]:
    upgrade_warning()
    name = stack()
    if name in SCENARIO["output_fail"]:
        fail("error: " + SCENARIO["output_fail"][name])
    # stack_output.go:147-161, 224-230: secrets already "[secret]" (display/json.go:67), ui.FprintJSON
    print(json.dumps(SCENARIO["outputs"].get(name, {}), indent=2))
elif args[:3] == ["config", "set", "--secret"]:
    # pkg/cmd/pulumi/config/config.go:817-825: the value is read from stdin when it is not a terminal; the CLI
    # prints nothing on success. The fake keeps only the value's length, never the value.
    value = sys.stdin.read()
    locked(lambda state: state.setdefault("config", []).append([args[3], stack(), len(value)]))
elif args[0] == "preview":
    name = stack()
    print("Previewing update (%s):" % name)  # pkg/backend/apply.go:58-65 ActionLabel; diy/backend.go:1329
    if name in SCENARIO["fail"]:
        fail("error: " + SCENARIO["fail"][name])
    print("Resources:\n    5 unchanged")  # pkg/backend/display/diff.go:278, 323
elif args[0] in ("up", "destroy"):
    name = stack()
    call = locked(count_call)
    print("%s (%s):" % ("Updating" if args[0] == "up" else "Destroying", name))  # pkg/backend/diy/backend.go:1329
    if call <= SCENARIO["conflicts"].get(name, 0):
        # Pulumi Cloud's 409, "[%d] %s" (sdk/go/common/apitype/errors.go:73; pkg/backend/httpstate/backend.go)
        fail("error: [409] Conflict: Another update is currently in progress.\nTo learn more about possible "
             "reasons and resolution, visit https://www.pulumi.com/docs/support/troubleshooting/common-issues/update-conflicts/")
    if SCENARIO["locked"].get(name, 0) >= call:
        # the self-managed backend's lock file of another process (pkg/backend/diy/lock.go:87)
        fail("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or "
             "delete the lock file with `pulumi cancel`.\n  s3://state/.pulumi/locks/x.json: created by ci@host (pid 7) at 2026-11-30T01:00:00Z")
    if args[0] == "destroy" and name in SCENARIO["protected"]:
        # the engine's deleteProtectedError (pkg/resource/deploy/step.go:620)
        urn = "urn:pulumi:%s::dbaas-tenant::dbaas:tenant:TenantEnvironment$kubernetes:core/v1:Namespace::ns" % name
        fail("error: resource \"%s\" cannot be deleted\nbecause it is protected. To unprotect the resource, either "
             "remove the `protect` flag from the resource in your Pulumi program and run `pulumi up`, or use the "
             "command:\n`pulumi state unprotect '%s'`" % (urn, urn))
    if name in SCENARIO["fail"]:
        fail("error: " + SCENARIO["fail"][name])
    if "." in name and args[0] == "up":
        def begin(state):
            state["running"] += 1
            state["started"] += 1
            state["max_running"] = max(state["max_running"], state["running"])
        locked(begin)
        deadline = time.monotonic() + SCENARIO["barrier_timeout"]
        while time.monotonic() < deadline and locked(lambda state: state["started"]) < SCENARIO["barrier"]:
            time.sleep(0.02)
        locked(lambda state: state.__setitem__("running", state["running"] - 1))
    print("Resources:\n    5 unchanged")  # pkg/backend/display/diff.go:278, 323
else:
    fail("error: unknown command %r" % args)
'''


@dataclass
class Scenario:
    stacks: list[str] = field(default_factory=list)
    """What `pulumi stack ls --json` lists."""
    fail: dict[str, str] = field(default_factory=dict)
    """stack -> error: its up (or destroy) fails with this, every time."""
    conflicts: dict[str, int] = field(default_factory=dict)
    """stack -> n: its first n ups/destroys hit Pulumi Cloud's 409 conflict."""
    locked: dict[str, int] = field(default_factory=dict)
    """stack -> n: its first n ups/destroys find the diy backend's lock."""
    protected: list[str] = field(default_factory=list)
    """stacks whose destroy fails on a protected resource."""
    ls_error: str = ""
    created_meanwhile: list[str] = field(default_factory=list)
    """stacks `stack ls` does not list but whose `stack init` finds them (another run created them)."""
    init_fail: dict[str, str] = field(default_factory=dict)
    """stack -> error: its `stack init` fails with this."""
    outputs: dict[str, dict] = field(default_factory=dict)
    """stack -> what `pulumi stack output --json` prints for it (secrets as "[secret]", as the CLI prints them)."""
    output_fail: dict[str, str] = field(default_factory=dict)
    """stack -> error: its `stack output` fails with this."""
    upgrade_warning: bool = False
    """`stack ls` and `stack output` also print the CLI's upgrade warning, on stderr."""
    barrier: int = 0
    """A tenant `up` waits until this many have started (or barrier_timeout passed): so concurrent runs overlap."""
    barrier_timeout: float = 0.0


@dataclass
class FakePulumi:
    path: Path
    state: Path

    def calls(self) -> list[tuple[str, list[str]]]:
        """(working directory relative to the project, argv) of every call, in order."""
        log = self.state / "log.jsonl"
        if not log.exists():
            return []
        return [(entry["cwd"], entry["argv"]) for entry in map(json.loads, log.read_text().splitlines())]

    def environment(self, name: str) -> set[str | None]:
        """The values the logged variable had across all calls."""
        log = self.state / "log.jsonl"
        return {entry[name] for entry in map(json.loads, log.read_text().splitlines())}

    def config_set(self) -> list[list]:
        """[key, stack, length of the value read from stdin] of every `config set --secret`."""
        state = self.state / "state.json"
        return json.loads(state.read_text()).get("config", []) if state.exists() else []

    def max_running(self) -> int:
        return json.loads((self.state / "state.json").read_text())["max_running"]


def install(directory: Path, scenario: Scenario) -> FakePulumi:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "state").mkdir()
    (directory / "scenario.json").write_text(json.dumps(asdict(scenario)))
    script = directory / "pulumi"
    script.write_text(f"#!{sys.executable}\n{SCRIPT}")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return FakePulumi(script, directory / "state")
