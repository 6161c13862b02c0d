"""Output paths (issue 22, item 9): `--json`, `--markdown` and `schema --output` write through a
symlink to its final target and refuse anything that is not a regular file or a new name, so a
FIFO, a device node or a socket is never turned into a regular file (this replaced /dev/full)."""

from __future__ import annotations

import json
import os
import socket
import stat

import pytest

from dbaas.cli import main
from tools.cli_io import UsageError, open_output


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_symlink_is_written_through_and_stays_a_symlink(tmp_path, capsys):
    real = tmp_path / "out" / "schema.json"
    real.parent.mkdir()
    real.write_text("old\n")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    code, out, err = run(capsys, "schema", "--output", str(link))
    assert (code, out, err) == (0, f"wrote {link}\n", "")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert json.loads(real.read_text())["title"] == "dbaas tenant declaration"
    assert stat.S_IMODE(real.stat().st_mode) == 0o644
    assert sorted(p.name for p in real.parent.iterdir()) == ["schema.json"]  # no temporary file left


def test_a_dangling_symlink_creates_its_target(tmp_path, capsys):
    link = tmp_path / "link.json"
    link.symlink_to(tmp_path / "new.json")
    assert run(capsys, "schema", "--output", str(link))[0] == 0
    assert link.is_symlink() and json.loads((tmp_path / "new.json").read_text())["type"] == "object"


def test_a_fifo_is_refused_and_stays_a_fifo(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert run(capsys, "schema", "--output", str(fifo)) == (
        2, "", f"dbaas schema: --output {fifo}: not a regular file (a FIFO); write to a regular file or a new name\n")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_symlink_to_a_device_is_refused_and_neither_is_replaced(tmp_path, capsys):
    link = tmp_path / "full"
    link.symlink_to("/dev/null")
    before = os.stat("/dev/null")
    assert run(capsys, "schema", "--output", str(link)) == (
        2, "", f"dbaas schema: --output {link} (-> /dev/null): not a regular file (a character device); "
               "write to a regular file or a new name\n")
    assert link.is_symlink() and os.readlink(link) == "/dev/null"
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_socket_is_refused(tmp_path):
    path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        with pytest.raises(UsageError, match=r"^--json .*: not a regular file \(a socket\)"):
            with open_output(str(path), "--json") as out:
                out.write("{}")
    assert stat.S_ISSOCK(path.lstat().st_mode)


@pytest.mark.parametrize("argv", [
    ("diff", "lagos", "--base", "HEAD", "--json", "{fifo}"),
    ("diff", "lagos", "--base", "HEAD", "--markdown", "{fifo}"),
    ("policy", "lagos", "--json", "{fifo}"),
    ("plan", "lagos", "--json", "{fifo}"),
])
def test_every_output_option_refuses_a_fifo_before_any_work(tmp_path, capsys, argv):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, out, err = run(capsys, *(a.format(fifo=fifo) for a in argv))
    option = argv[-2]
    assert (code, out, err) == (2, "", f"dbaas {argv[0]}: {option} {fifo}: not a regular file (a FIFO); "
                                       "write to a regular file or a new name\n")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_an_existing_regular_file_is_replaced_whole(tmp_path):
    target = tmp_path / "report.md"
    target.write_text("previous report\n")
    with open_output(str(target), "--markdown") as out:
        out.write("new report\n")
    assert target.read_text() == "new report\n" and not target.is_symlink()
    assert [p.name for p in tmp_path.iterdir()] == ["report.md"]
