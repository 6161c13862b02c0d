"""Fake commands for the tests that run the platform's shell scripts (restore copies, sctool restores).

Each fake prints only what the upstream tool prints, every printed line with its upstream source (repository, tag,
file and line) beside it in the fake; tests/fakes/test_fakes_cite_upstream.py holds them to that. A test puts this
folder first on PATH and gives a fake its state through the FAKE_* variables its header documents."""

from __future__ import annotations

import os
from pathlib import Path

FAKES_DIR = Path(__file__).resolve().parent
COMMANDS = ("aws", "cqlsh", "sctool", "sleep")


def fake_path() -> str:
    """PATH with the fakes first (`sleep` returns at once, so polling loops run in milliseconds)."""
    return f"{FAKES_DIR}{os.pathsep}{os.environ['PATH']}"
