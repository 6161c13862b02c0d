"""Issue 15, tenant files: each class of bad input found by trying the tools as a new user and
as an attacker is a located problem (exit 1), never an exception, never another meaning."""

import os
import socket
from pathlib import Path

import pytest

from dbaas.cli import main
from declarations.errors import InputError
from declarations.tenant_loader import load_tenant_tree
from tests.spine.tenant_files import valid_text, write


def problems_of(tree: Path) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_tenant_tree(tree)
    return [str(p) for p in exc.value.problems]


def errors_for(tmp_path: Path, text: str | bytes) -> list[str]:
    tree = tmp_path / "tenants"
    path = write(tree, "lagos", "test-a", "")
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return problems_of(tree)


def validate(capsys, *args: str) -> tuple[int, str]:
    code = main(["validate", *args])
    return code, capsys.readouterr().out


F = "tenants/lagos/test-a.yaml"


def test_merge_keys_are_refused(tmp_path):
    text = valid_text().replace("    backups:", "    <<: {cdc: true}\n    backups:")
    assert errors_for(tmp_path, text) == [
        f"{F}:16:5: services[0]: merge keys ('<<') are not allowed in declarations; write the keys out"]


@pytest.mark.parametrize("raw, expected", [
    (b"id: test-a\nname: Te\x00st\n", "2:9: (document): control character U+0000 is not allowed; is this a text file?"),
    (b"id: test-a\x07\n", "1:11: (document): control character U+0007 is not allowed; is this a text file?"),
    (b"\x1b[2J PNG\r\n\x1a\n", "1:1: (document): control character U+001B is not allowed; is this a text file?"),
    (b"\x1b[2J\x89PNG\r\n\x1a\n", "1:5: (document): file is not valid UTF-8"),
])
def test_control_characters_and_binary_content(tmp_path, raw, expected):
    assert errors_for(tmp_path, raw) == [f"{F}:{expected}"]


def test_escaped_control_characters_in_free_text(tmp_path):
    text = valid_text().replace("name: Test Tenant", 'name: "Test\\aTenant"')
    assert errors_for(tmp_path, text) == [f"{F}:3:7: name: control character U+0007 is not allowed"]


def test_deep_nesting_is_refused_before_the_composer_recurses(tmp_path):
    text = valid_text() + "extra: " + "[" * 5000 + "]" * 5000 + "\n"
    assert errors_for(tmp_path, text) == [f"{F}:17:39: (document): invalid YAML: nested deeper than 32 levels"]


def test_several_thousand_digit_integer(tmp_path):
    text = valid_text().replace("storage_gb: 100", "storage_gb: " + "9" * 5000)
    assert errors_for(tmp_path, text) == [
        f"{F}:15:17: services[0].storage_gb: integer 99999999999999999999... is out of range (at most 9223372036854775807)"]


@pytest.mark.parametrize("typed, yaml11", [("010", "8"), ("1:20", "80"), ("0x10", "16"), ("0o3", "'0o3'"),
                                           ("0b11", "3"), ("1_0", "10"), ("+3", "3")])
def test_yaml11_integer_forms_are_refused(tmp_path, typed, yaml11):
    text = valid_text().replace("storage_gb: 100", f"storage_gb: {typed}")
    got = errors_for(tmp_path, text)
    if typed == "0o3":  # not an integer in YAML 1.1 at all: a string, refused by the integer field
        assert got == [f"{F}:15:17: services[0].storage_gb: Input should be a valid integer"]
        return
    assert got == [f"{F}:15:17: services[0].storage_gb: {typed!r} is not a plain decimal integer (YAML 1.1 reads it "
                   f"as {yaml11}); write integers in decimal digits, or quote it for a string"]


@pytest.mark.parametrize("typed, message", [
    ("true", "Input should be a valid integer"),
    ("3.0", "Input should be a valid integer"),
    ('"3"', "Input should be a valid integer"),
    ("yes", "'yes' is true in YAML 1.1 but a string in YAML 1.2; write true or false, or quote it for a string"),
])
def test_integer_fields_take_integers_only(tmp_path, typed, message):
    text = valid_text().replace("replicas: 3", f"replicas: {typed}")
    assert errors_for(tmp_path, text) == [f"{F}:14:15: services[0].replicas: {message}"]


def test_boolean_fields_take_true_or_false_only(tmp_path):
    text = valid_text().replace("data_classes:", "deletion_protection: 1\ndata_classes:")
    assert errors_for(tmp_path, text) == [f"{F}:8:22: deletion_protection: Input should be a valid boolean"]


def test_dates_are_refused_where_yaml_versions_disagree(tmp_path):
    text = valid_text().replace("name: Test Tenant", "name: 2024-01-01")
    assert errors_for(tmp_path, text) == [
        f"{F}:3:7: name: '2024-01-01' is a date (2024-01-01) in YAML 1.1 but a string in YAML 1.2; quote it"]


@pytest.mark.parametrize("value, shown", [
    ("!vault {path: secret/acme}", "!vault"),
    ("!!python/object/apply:os.system [echo]", "!!python/object/apply:os.system"),
    ("!!seq [test-admins]", "!!seq"),
    ("!!str test-admins", "!!str"),
])
def test_tags_are_refused_on_collections_and_scalars(tmp_path, value, shown):
    text = valid_text().replace("owners: [test-admins]", f"owners: {value}")
    assert errors_for(tmp_path, text) == [
        f"{F}:7:9: owners: tags such as {shown!r} are not allowed in declarations; write a plain value"]


@pytest.mark.parametrize("cron", ["0 0 30 2 *", "0 0 31 4,6,9,11 *"])
def test_cron_that_never_fires(tmp_path, cron):
    text = valid_text().replace('"0 2 * * *"', f'"{cron}"')
    assert errors_for(tmp_path, text) == [
        f"{F}:16:25: services[0].backups.schedule: '{cron}' never fires (no such day in those months); "
        "choose days that every listed month has"]


def test_cron_on_29_february_fires_in_leap_years(tmp_path):
    tree = tmp_path / "tenants"
    write(tree, "lagos", "test-a", valid_text().replace('"0 2 * * *"', '"0 0 29 2 *"'))
    assert [t.services[0].backups.schedule for t in load_tenant_tree(tree)] == ["0 0 29 2 *"]


def test_every_misplaced_entry_is_a_located_problem(tmp_path):
    tree = tmp_path / "tenants"
    write(tree, "lagos", "test-a", valid_text())
    (tree / "schema.json").write_text("{}")  # the documented exception
    (tree / "lagos" / "acme.YAML").write_text(valid_text(id="acme"))
    write(tree / "lagos", "sub", "test-b", valid_text(id="test-b"))
    (tree / "lagos" / "test-c.yaml").mkdir()
    (tree / "lagos" / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    (tree / "lagos" / "loop.yaml").symlink_to(tree / "lagos" / "loop.yaml")
    secret = tmp_path / "outside.yaml"
    secret.write_text("id: do-not-show-me\n")
    (tree / "lagos" / "outside.yaml").symlink_to(secret)
    os.mkfifo(tree / "lagos" / "pipe.yaml")
    (tree / "lagos" / "notes.txt").write_text("hi")
    (tree / "README.md").write_text("hi")
    (tree / "frankfurt").symlink_to(tree / "lagos")
    (tree / "atlantis").mkdir()
    link = "is a symbolic link; tenant files must be regular files (links are not followed)"
    assert problems_of(tree) == [
        "tenants/README.md:1:1: (file): tenant files live in tenants/<region>/<id>.yaml",
        "tenants/atlantis:1:1: (tree): folder 'atlantis' is not a known region (lagos, frankfurt)",
        f"tenants/frankfurt:1:1: (file): {link}; tenant files live in tenants/<region>/<id>.yaml",
        "tenants/lagos/acme.YAML:1:1: (file): tenant files end in .yaml (lower case), not .YAML",
        f"tenants/lagos/dangling.yaml:1:1: (file): {link}",
        f"tenants/lagos/loop.yaml:1:1: (file): {link}",
        "tenants/lagos/notes.txt:1:1: (file): not a tenant file; tenant files live in tenants/<region>/<id>.yaml",
        f"tenants/lagos/outside.yaml:1:1: (file): {link}",
        "tenants/lagos/pipe.yaml:1:1: (file): is a named pipe (FIFO); tenant files must be regular files",
        "tenants/lagos/sub:1:1: (file): is a folder; tenant files live in tenants/<region>/<id>.yaml (subfolders are not read)",
        "tenants/lagos/test-c.yaml:1:1: (file): is a folder; tenant files live in tenants/<region>/<id>.yaml (subfolders are not read)",
    ]


def test_named_fifo_and_symlink_are_refused_without_blocking(tmp_path, capsys):
    tree = tmp_path / "tenants"
    write(tree, "lagos", "test-a", valid_text())
    fifo = tree / "lagos" / "test-b.yaml"
    os.mkfifo(fifo)
    link = tree / "lagos" / "test-c.yaml"
    link.symlink_to(tree / "lagos" / "test-a.yaml")
    sock_path = tree / "lagos" / "test-d.yaml"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        code, out = validate(capsys, "--tenants-dir", str(tree), str(fifo), str(link), str(sock_path))
    assert (code, out.splitlines()) == (1, [
        "tenants/lagos/test-b.yaml:1:1: (file): is a named pipe (FIFO), not a regular file",
        "tenants/lagos/test-c.yaml:1:1: (file): is a symbolic link; tenant files must be regular files (links are not followed)",
        "tenants/lagos/test-d.yaml:1:1: (file): cannot read file: No such device or address",
    ])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_unreadable_folder(tmp_path):
    tree = tmp_path / "tenants"
    write(tree, "lagos", "test-a", valid_text())
    (tree / "lagos").chmod(0)
    try:
        assert problems_of(tree) == ["tenants/lagos:1:1: (tree): cannot list folder: Permission denied"]
    finally:
        (tree / "lagos").chmod(0o755)


def test_unreadable_folder_even_for_root(tmp_path, monkeypatch):
    """Root reads every folder, so the permission error is injected where the tree is listed."""
    tree = tmp_path / "tenants"
    write(tree, "lagos", "test-a", valid_text())
    real_scandir = os.scandir

    def scandir(path):
        if Path(path).name == "lagos":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert problems_of(tree) == ["tenants/lagos:1:1: (tree): cannot list folder: Permission denied"]


def test_validate_file_against_a_missing_tree_is_not_ok(tmp_path, capsys):
    tree = tmp_path / "tenants"
    path = write(tree, "lagos", "test-a", valid_text())
    code, out = validate(capsys, "--tenants-dir", "/nonexistent", str(path))
    assert (code, out) == (1, "/nonexistent:1:1: (tree): tenants directory does not exist; "
                              "ids cannot be checked for uniqueness\n")
