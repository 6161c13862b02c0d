"""Safe YAML loading that remembers where every value came from.

Tenant files arrive in pull requests from people outside the platform team, so the loader
is strict: safe types only, one mapping document, no duplicate keys, no anchors or aliases
(which also rules out alias bombs), and a size cap. Every value keeps its line and column so
that validation errors can point at the offending node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dbaas.errors import InputError, Problem

MAX_BYTES = 256 * 1024
"""Declarations are small; anything bigger is a mistake or an attack."""

Loc = tuple[str | int, ...]


@dataclass
class LocatedDocument:
    """Plain Python data plus the (line, col) of every value and mapping key, 1-based."""

    path: str
    data: Any
    value_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    key_marks: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def mark_for(self, loc: Loc, prefer_key: bool = False) -> tuple[int, int]:
        """The position of the deepest node on `loc` that exists in the document."""
        for end in range(len(loc), -1, -1):
            prefix = tuple(loc[:end])
            if prefer_key and prefix in self.key_marks:
                return self.key_marks[prefix]
            if prefix in self.value_marks:
                return self.value_marks[prefix]
        return (1, 1)

    def problem(self, loc: Loc, message: str, prefer_key: bool = False) -> Problem:
        line, col = self.mark_for(loc, prefer_key)
        return Problem(self.path, line, col, format_loc(loc), message)


def format_loc(loc: Loc) -> str:
    """('services', 0, 'engine') -> 'services[0].engine'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases while composing, before anything is expanded."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                None, None, "anchors and aliases are not allowed in declarations", event.start_mark
            )
        return super().compose_node(parent, index)


def _mark(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def load_text(text: str, path: str) -> LocatedDocument:
    """Parse one YAML document from `text`; raise InputError with a located problem."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise InputError([Problem(path, 1, 1, "(document)", f"file is larger than {MAX_BYTES} bytes")])
    loader = _StrictLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.composer.ComposerError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = "several YAML documents in one file; put one declaration per file" if "single document" in str(exc.context) else str(exc.problem)
        raise InputError([Problem(path, line, col, "(document)", message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InputError([Problem(path, line, col, "(document)", f"invalid YAML: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(path, 1, 1, "(document)", f"invalid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if root is None:
        raise InputError([Problem(path, 1, 1, "(document)", "file is empty; expected a mapping")])
    if not isinstance(root, MappingNode):
        line, col = _mark(root)
        raise InputError([Problem(path, line, col, "(document)", "expected a mapping at the top level")])
    doc = LocatedDocument(path=path, data=None)
    problems: list[Problem] = []
    constructor = yaml.SafeLoader("")
    doc.data = _build(root, (), doc, problems, constructor)
    if problems:
        raise InputError(problems)
    return doc


def _build(node: Node, loc: Loc, doc: LocatedDocument, problems: list[Problem], constructor) -> Any:
    doc.value_marks[loc] = _mark(node)
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                line, col = _mark(key_node)
                problems.append(Problem(doc.path, line, col, format_loc(loc), "mapping keys must be plain scalars"))
                continue
            key = constructor.construct_object(key_node)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = str(key_node.value)
            child = loc + (key,)
            if key in result:
                line, col = _mark(key_node)
                first = doc.key_marks[child][0]
                problems.append(Problem(doc.path, line, col, format_loc(child), f"duplicate key (first defined on line {first})"))
                continue
            doc.key_marks[child] = _mark(key_node)
            result[key] = _build(value_node, child, doc, problems, constructor)
        return result
    if isinstance(node, SequenceNode):
        return [_build(item, loc + (i,), doc, problems, constructor) for i, item in enumerate(node.value)]
    try:
        return constructor.construct_object(node)
    except yaml.constructor.ConstructorError as exc:
        line, col = _mark(node)
        problems.append(Problem(doc.path, line, col, format_loc(loc), str(exc.problem)))
        return None


def load_file(path: Path, display_path: str | None = None) -> LocatedDocument:
    """Read and parse a declaration file; unreadable or non-UTF-8 files are located problems too."""
    shown = display_path or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError([Problem(shown, 1, 1, "(file)", f"cannot read file: {exc.strerror}")]) from None
    if len(raw) > MAX_BYTES:
        raise InputError([Problem(shown, 1, 1, "(document)", f"file is larger than {MAX_BYTES} bytes")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError([Problem(shown, 1, 1, "(document)", "file is not valid UTF-8")]) from None
    return load_text(text, shown)
