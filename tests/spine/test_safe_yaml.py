"""The loader refuses unsafe or ambiguous YAML with a located message, quickly."""

import pytest

from declarations.errors import InputError
from declarations.safe_yaml import MAX_BYTES, load_file, load_text


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_text(text, "t.yaml")
    return [str(p) for p in exc.value.problems]


def test_duplicate_keys_are_errors_at_the_second_key():
    assert problems("id: a\nname: x\nid: b\n") == ["t.yaml:3:1: id: duplicate key (first defined on line 1)"]


def test_duplicate_keys_nested():
    text = "services:\n  - name: a\n    engine: x\n    name: b\n"
    assert problems(text) == ["t.yaml:4:5: services[0].name: duplicate key (first defined on line 2)"]


def test_alias_bomb_is_refused_before_expansion():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(9)
    )
    # Refused while composing, at the first alias, before anything is expanded.
    assert problems(bomb) == ["t.yaml:2:8: (document): invalid YAML: anchors and aliases are not allowed in declarations"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "t.yaml:1:1: (document): file is empty; expected a mapping"),
        ("# only a comment\n", "t.yaml:1:1: (document): file is empty; expected a mapping"),
        ("- a\n- b\n", "t.yaml:1:1: (document): expected a mapping at the top level"),
        ("just a string\n", "t.yaml:1:1: (document): expected a mapping at the top level"),
        ("a: 1\n---\nb: 2\n", "t.yaml:2:1: (document): several YAML documents in one file; put one declaration per file"),
        ("a: [1, 2\n", "t.yaml:2:1: (document): invalid YAML: expected ',' or ']', but got '<stream end>'"),
        ("a: !!python/object:os.system x\n", "t.yaml:1:4: a: tags such as '!!python/object:os.system' are not allowed in declarations; write a plain value"),
    ],
)
def test_unsafe_or_malformed_documents(text, expected):
    assert problems(text) == [expected]


def test_values_keep_their_positions():
    doc = load_text("id: acme\nservices:\n  - name: orders\n    replicas: 3\n", "t.yaml")
    assert doc.data == {"id": "acme", "services": [{"name": "orders", "replicas": 3}]}
    assert doc.value_marks[("services", 0, "replicas")] == (4, 15)
    assert doc.key_marks[("services", 0, "replicas")] == (4, 5)


def test_oversized_and_non_utf8_files(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * MAX_BYTES)
    binary = tmp_path / "bin.yaml"
    binary.write_bytes(b"id: \xff\xfe\n")
    # The invalid byte is located (line 1, column 5), not just the file.
    for path, where, message in ((big, "1:1", f"file is larger than {MAX_BYTES} bytes"), (binary, "1:5", "file is not valid UTF-8")):
        with pytest.raises(InputError) as exc:
            load_file(path, path.name)
        assert [str(p) for p in exc.value.problems] == [f"{path.name}:{where}: (document): {message}"]
