"""Credentials in free text: found by their shape, not by a list of known values.

A recorded apply's `--error` is whatever Pulumi printed, and Pulumi prints provider errors that may
quote a connection string, a request header or a key file. Before such text is stored (the apply's
`error`, its audit event) every credential in it is replaced by `[secret]`, and a stack output that
holds one is refused. Each pattern below is a class of credential:

- a URI with user-info (`scheme://user:password@host`, `scheme://token@host`): the user-info goes;
- a `key=value` / `key: value` / `"key": "value"` pair, or a `--key value` flag, whose key names a
  secret (password, passwd, pwd, passphrase, secret, token, api key, access key, private key,
  credential(s), in any case and inside camelCase or snake_case names): the value goes;
- an HTTP `Authorization` scheme with its credentials (`Bearer ...`, `Basic ...`);
- a PEM block (`-----BEGIN ...-----` to its END line, or to the end of the text when cut off);
- a JSON Web Token (three base64url parts, the first two starting `eyJ`, i.e. `{"`);
- an AWS access key id (AKIA/ASIA/ABIA/ACCA and 16 characters, the documented IAM identifier prefixes
  for access keys) and a 40-character AWS secret access key (base64 alphabet, mixed case and digits,
  which a lowercase hex commit id never is);
- provider tokens that announce themselves by prefix (GitHub `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_`/
  `github_pat_`, Slack `xox?-`).
"""

from __future__ import annotations

import re
import unicodedata

REDACTED = "[secret]"
_FLAGS = re.IGNORECASE

_SECRET_WORD = r"(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|credentials?)"
_KEY = rf"[A-Za-z0-9_.-]*{_SECRET_WORD}[A-Za-z0-9_.-]*"

PATTERNS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("a PEM block", re.compile(r"-----BEGIN [A-Z0-9 ]+-----.*?(?:-----END [A-Z0-9 ]+-----|\Z)", re.DOTALL),
     f"{REDACTED} (PEM block)"),
    ("credentials in a URI", re.compile(r"\b([a-z][a-z0-9+.-]*://)[^\s/?#]*@", _FLAGS), rf"\1{REDACTED}@"),
    ("an Authorization header's credentials", re.compile(r"\b(bearer|basic|digest)(\s+)[A-Za-z0-9._~+/=:-]{6,}", _FLAGS),
     rf"\1\2{REDACTED}"),
    ("a JSON Web Token", re.compile(r"\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*"), REDACTED),
    ("a secret's value", re.compile(rf"""(["']?\b{_KEY}["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^\s,;&"']+)""", _FLAGS),
     rf"\1{REDACTED}"),
    ("a secret's value", re.compile(rf"(--{_KEY}\s+)(?!-)(\S+)", _FLAGS), rf"\1{REDACTED}"),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"), REDACTED),
    ("an AWS secret access key",
     re.compile(r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])(?=[A-Za-z0-9/+]{0,39}[0-9])"
                r"[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"), REDACTED),
    ("a provider token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,}|xox[abposr]-[A-Za-z0-9-]{10,})"),
     REDACTED),
)


def redact_credentials(text: str) -> str:
    """`text` with every credential of the classes above replaced by [secret]."""
    for _kind, pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def credential_kinds(text: str) -> list[str]:
    """Which classes of credential `text` holds (empty when none), for a refusal that never echoes it."""
    kinds: list[str] = []
    for kind, pattern, replacement in PATTERNS:
        if pattern.search(text) and pattern.sub(replacement, text) != text and kind not in kinds:
            kinds.append(kind)
    return kinds


_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")


def control_characters(text: str, allowed: str = "") -> list[str]:
    """The control, format (bidi overrides, zero-width) and line/paragraph separator characters in
    `text`, each written as `U+` and its code point in hex, except those in `allowed`: what a one-line field must
    not contain."""
    found = []
    for ch in text:
        if ch not in allowed and unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            code = f"U+{ord(ch):04X}"
            if code not in found:
                found.append(code)
    return found


def plain_text(text: str) -> str:
    """Multi-line tool output as text to store: terminal escape sequences (Pulumi colours its
    output) removed, tabs and newlines kept, every other control or format character dropped."""
    text = _ANSI_ESCAPE.sub("", text.replace("\r\n", "\n"))
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp"))
