"""The fakes cannot lie: every line that prints (to stdout or stderr) sits under a comment naming the upstream file
and line it copies, and each fake names the upstream tool and tag in its header."""

from __future__ import annotations

import re

import pytest

from tests.fakes import COMMANDS, FAKES_DIR

CITATION = re.compile(r"#.*\b[\w./-]+\.(go|py):\d+")
PRINTS = re.compile(r"^\s*(?:[*\w\"'|)( ]+\)\s*)?(printf|echo)\b")
RECORDS = re.compile(r">>?\s*\"\$FAKE_\w+\"")
"""Writing the fake's own state file is not printing."""
HEADERS = {
    "aws": "aws/aws-cli tag 2.22.35",
    "cqlsh": "scylladb/scylla-cqlsh tag v6.0.23-scylla",
    "sctool": "scylladb/scylla-manager tag v3.4.0",
    "sleep": "coreutils",
}


def comment_above(lines: list[str], index: int) -> list[str]:
    """The comment block right above the run of printing lines that `lines[index]` belongs to."""
    i = index - 1
    while i >= 0 and PRINTS.search(lines[i]):
        i -= 1
    block = []
    while i >= 0 and lines[i].lstrip().startswith("#"):
        block.append(lines[i])
        i -= 1
    return block


@pytest.mark.parametrize("name", COMMANDS)
def test_every_printed_line_cites_its_upstream_source(name):
    lines = (FAKES_DIR / name).read_text().splitlines()
    assert HEADERS[name] in "\n".join(lines[:6])
    uncited = []
    for number, line in enumerate(lines, 1):
        if not PRINTS.search(line) or RECORDS.search(line):
            continue
        if not any(CITATION.search(c) for c in comment_above(lines, number - 1)):
            uncited.append(f"{name}:{number}: {line.strip()}")
    assert uncited == []


def test_the_citation_check_catches_an_uncited_line(tmp_path):
    """The rule above is not vacuous: a printf with no source comment above it is reported."""
    lines = ["case x in", "  a)", "    # prints what sctool prints", "    printf 'hello\\n' ;;", "esac"]
    assert PRINTS.search(lines[3]) and not RECORDS.search(lines[3])
    assert not any(CITATION.search(c) for c in comment_above(lines, 3))
    assert CITATION.search("# v3/pkg/managerclient/model.go:1009 (Status)")
