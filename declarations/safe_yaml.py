"""Safe YAML loading that remembers where every value came from.

Tenant files arrive in pull requests from people outside the platform team, so the loader
is strict: safe types only, one mapping document, no duplicate keys, no anchors or aliases
(which also rules out alias bombs), no tags or merge keys, no control characters, a nesting
cap and a size cap. Scalars that YAML 1.1 (PyYAML) and YAML 1.2 (most editors and other
tools) read differently are refused instead of guessed (`plain_scalars.py`). Every value keeps
its line and column so that validation errors can point at the offending node.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from declarations.errors import InputError, Problem
from declarations.plain_scalars import AmbiguousScalar, plain_scalar

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


_YAML_TAG_PREFIX = "tag:yaml.org,2002:"

MAX_DEPTH = 32
"""Declarations nest four levels deep; deeper input is a mistake or an attack on the recursive composer."""

_NON_PRINTABLE = re.compile("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010FFFF]")
"""Characters YAML does not allow in a stream (YAML 1.1, 5.1 'Character Set'), e.g. NUL, BEL, ESC."""


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses aliases and deep nesting while composing, before anything is
    expanded, and remembers which nodes carried an explicit tag."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self.depth = 0
        self.explicit_tags: dict[int, str] = {}

    def compose_node(self, parent, index):  # type: ignore[override]
        event = self.peek_event()
        if self.check_event(AliasEvent):
            raise yaml.MarkedYAMLError(
                None, None, "anchors and aliases are not allowed in declarations", event.start_mark
            )
        if self.depth >= MAX_DEPTH:
            raise yaml.MarkedYAMLError(None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark)
        self.depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        tag = getattr(event, "tag", None)
        if tag is not None:
            self.explicit_tags[id(node)] = tag
        return node


def _mark(node: Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def _position(text: str, index: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def load_text(text: str, path: str) -> LocatedDocument:
    """Parse one YAML document from `text`; raise InputError with a located problem."""
    if len(text.encode("utf-8", errors="replace")) > MAX_BYTES:
        raise InputError([Problem(path, 1, 1, "(document)", f"file is larger than {MAX_BYTES} bytes")])
    bad = _NON_PRINTABLE.search(text)
    if bad:
        line, col = _position(text, bad.start())
        raise InputError([Problem(path, line, col, "(document)",
                                  f"control character U+{ord(bad.group()):04X} is not allowed; is this a text file?")])
    loader: _StrictLoader | None = None
    try:
        loader = _StrictLoader(text)
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
        if loader is not None:
            loader.dispose()
    if root is None:
        raise InputError([Problem(path, 1, 1, "(document)", "file is empty; expected a mapping")])
    if not isinstance(root, MappingNode):
        line, col = _mark(root)
        raise InputError([Problem(path, line, col, "(document)", "expected a mapping at the top level")])
    doc = LocatedDocument(path=path, data=None)
    problems: list[Problem] = []
    doc.data = _Builder(doc, problems, loader.explicit_tags).build(root, ())
    if problems:
        raise InputError(problems)
    return doc


@dataclass
class _Builder:
    """Plain data from composed nodes; every refusal is a problem located at its node."""

    doc: LocatedDocument
    problems: list[Problem]
    explicit_tags: dict[int, str]

    def refuse(self, node: Node, loc: Loc, message: str) -> None:
        line, col = _mark(node)
        self.problems.append(Problem(self.doc.path, line, col, format_loc(loc), message))

    def build(self, node: Node, loc: Loc) -> Any:
        self.doc.value_marks[loc] = _mark(node)
        tag = self.explicit_tags.get(id(node))
        if tag is not None:
            shown = "!!" + tag.removeprefix(_YAML_TAG_PREFIX) if tag.startswith(_YAML_TAG_PREFIX) else tag
            self.refuse(node, loc, f"tags such as {shown!r} are not allowed in declarations; write a plain value")
            return None
        if isinstance(node, MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, SequenceNode):
            return [self.build(item, loc + (i,)) for i, item in enumerate(node.value)]
        try:
            return plain_scalar(node)
        except AmbiguousScalar as exc:
            self.refuse(node, loc, str(exc))
            return None

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or id(key_node) in self.explicit_tags:
                self.refuse(key_node, loc, "mapping keys must be plain scalars")
                continue
            try:
                key = plain_scalar(key_node)
            except AmbiguousScalar as exc:
                self.refuse(key_node, loc, str(exc))
                continue
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                key = str(key_node.value)
            child = loc + (key,)
            if key in result:
                first = self.doc.key_marks[child][0]
                self.refuse(key_node, child, f"duplicate key (first defined on line {first})")
                continue
            self.doc.key_marks[child] = _mark(key_node)
            result[key] = self.build(value_node, child)
        return result


def file_kind(mode: int) -> str:
    """What a non-regular directory entry is, in words for a message."""
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "not a regular file"


def read_declaration_bytes(path: Path, shown: str) -> bytes:
    """The bytes of a regular file, at most MAX_BYTES; FIFOs and devices are refused without
    blocking on them (opened non-blocking, checked with fstat before any read)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise InputError([Problem(shown, 1, 1, "(file)", f"cannot read file: {exc.strerror}")]) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise InputError([Problem(shown, 1, 1, "(file)", f"is {file_kind(mode)}, not a regular file")])
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, MAX_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        raise InputError([Problem(shown, 1, 1, "(file)", f"cannot read file: {exc.strerror}")]) from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > MAX_BYTES:
        raise InputError([Problem(shown, 1, 1, "(document)", f"file is larger than {MAX_BYTES} bytes")])
    return raw


def load_file(path: Path, display_path: str | None = None) -> LocatedDocument:
    """Read and parse a declaration file; unreadable or non-UTF-8 files are located problems too."""
    shown = display_path or str(path)
    raw = read_declaration_bytes(path, shown)
    return load_bytes(raw, shown)


def load_bytes(raw: bytes, shown: str) -> LocatedDocument:
    """Parse declaration bytes: UTF-8 (a BOM is allowed), then `load_text`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[:exc.start].decode("utf-8")
        line, col = _position(before, len(before))
        raise InputError([Problem(shown, line, col, "(document)", "file is not valid UTF-8")]) from None
    return load_text(text, shown)
