"""Stack outputs as a record may hold them: plain values only, never a secret.

`pulumi stack output --json` prints every secret value as the string "[secret]" unless it is
given --show-secrets (pulumi/pulumi pkg/cmd/pulumi/stack/stack_output.go: the outputs pass
through `display.MassageSecrets(..., showSecrets)` before they are serialised). Those values are
dropped here. A serialised secret envelope (the signature key of
pulumi/pulumi sdk/go/common/resource/sig/sig.go, as `pulumi stack export` writes it), a plain
value under a name that only a secret has (in snake_case, kebab-case or camelCase), and a value
that holds a credential (tools/controlplane/credentials.py: a PEM block, a URI with user-info, a
token...) are refused: they mean the outputs were printed with --show-secrets or taken from a state
file, and a record must never hold a secret. The record then keeps only the declared contract
(tools/controlplane/recorded_outputs.py); this check is what tells the pipeline it leaks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from declarations.errors import InputError, Problem
from declarations.safe_yaml import Loc, LocatedDocument, format_loc, load_file
from tools.controlplane.credentials import credential_kinds

MASKED_SECRET = "[secret]"
SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
SECRET_NAMES = re.compile(r"^(.*_)?(password|passwd|passphrase|pwd|private_key|secret_key|secret_access_key|"
                          r"api_key|apikey|access_key|feature_key|license_key|client_secret|token|kubeconfig|"
                          r"credentials|connection_string|dsn)$")
"""Output names (as snake_case words) that only a secret value has; `credentials_secret` and
`ca_secret`, a Secret's *name*, are fine. `aerospikeFeatureKey` and `kubeconfig` are the platform
contract's secrets (stacks/platform_contract.py SECRET_OUTPUTS)."""
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def secret_name(key: str) -> bool:
    """Whether an output name is one only a secret has: `adminPassword`, `db-password`, `API_TOKEN`."""
    words = _CAMEL_BOUNDARY.sub("_", key).lower().replace("-", "_").replace(".", "_")
    return SECRET_NAMES.match(words) is not None


@dataclass(frozen=True)
class PlainOutputs:
    values: dict[str, Any]
    stripped: tuple[str, ...]
    """Paths of the "[secret]" values that were dropped."""
    document: LocatedDocument
    """Where each value was in the file, for located errors about the contract."""


def load_plain_outputs(path: Path) -> PlainOutputs:
    """Read a `pulumi stack output --json` file (located errors), keeping only plain values."""
    doc = load_file(path)
    if not isinstance(doc.data, dict):
        raise InputError([doc.problem((), "stack outputs must be a JSON object, as `pulumi stack output --json` prints them")])
    problems: list[Problem] = []
    stripped: list[str] = []
    values = _plain(doc.data, (), doc, problems, stripped)
    if problems:
        raise InputError(problems)
    return PlainOutputs(values, tuple(stripped), doc)


def _plain(value: Any, loc: Loc, doc: LocatedDocument, problems: list[Problem], stripped: list[str]) -> Any:
    if isinstance(value, dict):
        if SECRET_SIGNATURE_KEY in value:
            problems.append(doc.problem(loc, "a serialised Pulumi secret: record the output of `pulumi stack output "
                                             "--json` without --show-secrets"))
            return None
        kept = {}
        for key, item in value.items():
            where = (*loc, str(key))
            if item == MASKED_SECRET:
                stripped.append(format_loc(where))
                continue
            if secret_name(str(key)) and item is not None and not isinstance(item, (dict, list)):
                problems.append(doc.problem(where, "holds a value under a secret's name; secrets never go into a "
                                                   "record (print outputs without --show-secrets)", prefer_key=True))
                continue
            kept[str(key)] = _plain(item, where, doc, problems, stripped)
        return kept
    if isinstance(value, list):
        kept_items = []
        for index, item in enumerate(value):
            if item == MASKED_SECRET:
                stripped.append(format_loc((*loc, index)))
                continue
            kept_items.append(_plain(item, (*loc, index), doc, problems, stripped))
        return kept_items
    if isinstance(value, str):
        kinds = credential_kinds(value)
        if kinds:
            problems.append(doc.problem(loc, f"holds {' and '.join(kinds)}; secrets never go into a record (print "
                                             "outputs without --show-secrets, export secrets as Pulumi secrets)"))
            return None
        return value
    if value is None or isinstance(value, (int, float, bool)):
        return value
    problems.append(doc.problem(loc, f"not a JSON value ({type(value).__name__})"))
    return None
