"""Plain YAML scalars read one way only: what YAML 1.1 (PyYAML) and YAML 1.2 agree on.

PyYAML implements YAML 1.1, where `010` is 8, `1:20` is 80, `0x10` is 16, `yes` is true and
`2024-01-01` is a date; YAML 1.2 (yaml-language-server in editors, Go and JavaScript tools)
reads `010` as 10 and the others as strings. A declaration must mean what its author typed in
every tool, so forms the two versions read differently are refused with the fix, not guessed.
Integers are plain decimal digits within 64 bits; booleans are true/false.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import yaml
from yaml.nodes import ScalarNode

_TAG = "tag:yaml.org,2002:"
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")
_BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
INT_LIMIT = 2**63 - 1
"""Larger integers are no sizes or counts anybody means; int64 is also what most tools read."""


class AmbiguousScalar(ValueError):
    """A plain scalar the YAML versions read differently; the message says what to write."""


def _yaml11_reading(node: ScalarNode) -> str:
    """How PyYAML would have read the scalar, for the message (never constructed from huge text)."""
    if len(node.value) > 40:
        return "a number"
    try:
        value = yaml.SafeLoader("").construct_object(node)
    except (yaml.YAMLError, ValueError):
        return "something else"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (datetime.date, datetime.datetime)):
        return f"a date ({value.isoformat()})"
    return repr(value)


def plain_scalar(node: ScalarNode) -> Any:
    """The value of a scalar without an explicit tag; AmbiguousScalar where the versions disagree."""
    if node.style is not None:
        return node.value
    tag = node.tag.removeprefix(_TAG)
    text = node.value
    if tag == "str":
        return text
    if tag == "null":
        return None
    if tag == "bool":
        if text in _BOOLEANS:
            return _BOOLEANS[text]
        raise AmbiguousScalar(f"{text!r} is {_yaml11_reading(node)} in YAML 1.1 but a string in YAML 1.2; "
                              f"write true or false, or quote it for a string")
    if tag == "int":
        if not _DECIMAL.fullmatch(text):
            raise AmbiguousScalar(f"{text!r} is not a plain decimal integer (YAML 1.1 reads it as "
                                  f"{_yaml11_reading(node)}); write integers in decimal digits, or quote it for a string")
        if len(text) > 20 or abs(int(text)) > INT_LIMIT:
            raise AmbiguousScalar(f"integer {text[:20]}{'...' if len(text) > 20 else ''} is out of range "
                                  f"(at most {INT_LIMIT})")
        return int(text)
    if tag == "float":
        if _SEXAGESIMAL.fullmatch(text) or "_" in text:
            raise AmbiguousScalar(f"{text!r} is {_yaml11_reading(node)} in YAML 1.1 but a string in YAML 1.2; "
                                  f"quote it")
        return _special_float(text) if text.lower().lstrip("+-") in (".inf", ".nan") else float(text)
    if tag == "timestamp":
        raise AmbiguousScalar(f"{text!r} is {_yaml11_reading(node)} in YAML 1.1 but a string in YAML 1.2; quote it")
    if tag == "merge":
        raise AmbiguousScalar("merge keys ('<<') are not allowed in declarations; write the keys out")
    if tag == "value":
        raise AmbiguousScalar(f"{text!r} is a YAML 1.1 value key; quote it")
    raise AmbiguousScalar(f"{text!r} has no meaning in declarations ({node.tag}); quote it")


def _special_float(text: str) -> float:
    sign = -1.0 if text.startswith("-") else 1.0
    return sign * float("inf") if text.lower().lstrip("+-") == ".inf" else float("nan")
