"""What every `dbaas` command shares at its edges: usage errors, output files, stack names, progress.

A wrong output path or stack name is a usage error (exit 2, one line on stderr), found before a
long run starts, not an exception after it. Output files are written whole or not at all (a
temporary file beside the final target, renamed into place; a symlink is written through, anything
but a regular file or a new name is refused); `-` means standard output. Progress goes
to stderr only when stderr is a terminal, so CI logs stay quiet.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

STDOUT = "-"


class UsageError(Exception):
    """The command line asks for something that cannot be done; exit 2 with this one-line message."""


def positive_int(text: str) -> int:
    """argparse type: an integer of at least 1 (a worker count, for example)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def check_revision(revision: str, option: str) -> str:
    """Refuse a git revision that git would read as an option (`--output=FILE` makes `git diff`
    write a file). Callers also put `--end-of-options` before every revision they pass to git
    (git v2.24.0 on, commit 51b4594b "parse-options: allow --end-of-options as a synonym for --";
    git 2.39 here honours it in rev-parse, diff, log, show, ls-tree, cat-file and archive), so this check is the clear message, not the only fence."""
    if revision.startswith("-"):
        raise UsageError(f"{option} {revision!r}: a git revision cannot start with '-'")
    if not revision or any(ch in revision for ch in "\0\n\r"):
        raise UsageError(f"{option} {revision!r}: not a git revision")
    return revision


def output_target(path: str, option: str) -> Path:
    """Where an output path really lands: the final target of a symlink chain, checked like any
    path. Only a regular file (replaced whole) or a new name in an existing folder is an output;
    a FIFO, a device node (/dev/full), a socket or a folder is refused, so writing a report never
    turns one of them into a regular file (issue 22, item 9)."""
    given = Path(path)
    target = Path(os.path.realpath(given))  # follows every link; a dangling one ends at its new name
    shown = f"{option} {path}" + (f" (-> {target})" if given.is_symlink() else "")
    folder = target.parent
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write: {exc.strerror}") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise UsageError(f"{shown}: is a directory")
    if mode is not None and not stat.S_ISREG(mode):
        raise UsageError(f"{shown}: not a regular file ({_kind(mode)}); write to a regular file or a new name")
    if not folder.is_dir():
        raise UsageError(f"{shown}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (mode is not None and not os.access(target, os.W_OK)):
        raise UsageError(f"{shown}: permission denied")
    return target


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a file"


def organization_name(text: str) -> str:
    """argparse type: a backend organization name. It is printed into a runbook of shell commands
    and comments, so only letters, digits, '.', '_' and '-' (no space, quote, newline or other
    control character that could start a line of its own)."""
    if not ORGANIZATION.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an organization name: letters, digits, '.', '_' and '-', "
                                         "starting with a letter or digit, at most 100")
    return text


ORGANIZATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


def check_output(path: str | None, option: str) -> None:
    """Refuse an output path that cannot be written, before any work is done."""
    if path is None or path == STDOUT:
        return
    output_target(path, option)


def to_stdout(*paths: str | None) -> bool:
    """True when one of the outputs is standard output (then human text goes to stderr)."""
    return any(p == STDOUT for p in paths)


@contextlib.contextmanager
def open_output(path: str, option: str) -> Iterator[TextIO]:
    """A text stream for `path` (stdout for `-`) that lands whole or not at all: a temporary file
    beside the final target (through any symlink), renamed over it. The one way every `dbaas`
    command writes an output file."""
    if path == STDOUT:
        yield sys.stdout
        sys.stdout.flush()
        return
    target = output_target(path, option)
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yield out
        os.chmod(temp_name, 0o644)
        output_target(path, option)  # still a regular file or a new name just before the rename
        os.replace(temp_name, target)
    except OSError as exc:
        raise UsageError(f"{option} {path}: cannot write: {exc.strerror}") from None
    finally:
        if os.path.exists(temp_name):
            os.unlink(temp_name)


def write_output(path: str, text: str, option: str) -> None:
    with open_output(path, option) as out:
        out.write(text)


def known_stacks(project_dir: Path) -> list[str]:
    """Stacks are the `Pulumi.<stack>.yaml` files next to `Pulumi.yaml`, as for the Pulumi CLI."""
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def check_stack(project_dir: Path, stack: str) -> None:
    stacks = known_stacks(project_dir)
    if stack not in stacks:
        raise UsageError(f"no stack {stack!r} in {project_dir} (no Pulumi.{stack}.yaml); stacks: {', '.join(stacks)}")


class Progress:
    """One self-overwriting status line on stderr, only on a terminal; silent otherwise."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.started = time.monotonic()
        self._width = 0

    def __call__(self, message: str) -> None:
        if not self.enabled:
            return
        line = f"[{time.monotonic() - self.started:5.1f}s] {message}"
        self.stream.write("\r" + line.ljust(self._width))
        self.stream.flush()
        self._width = len(line)

    def done(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0


EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def find_project_dir(start: Path | None = None) -> Path:
    """The nearest directory upwards that holds Pulumi.yaml (like the Pulumi CLI does)."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    from stacks.stack_names import PROJECT_ROOT

    return PROJECT_ROOT
