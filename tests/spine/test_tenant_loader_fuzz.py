"""Property-based fuzzing of the tenant loader (issue 15): for generated YAML text and raw bytes,
`dbaas validate` ends in 0 or 1 and the loader raises nothing but located problems; every file it
accepts means exactly what was written and round-trips through the model and the API's writer."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, note, settings
from hypothesis import strategies as st

from api.tenant_file import parse_tenant_bytes, render_tenant
from dbaas.cli import main
from declarations.errors import InputError
from declarations.safe_yaml import load_file
from declarations.tenant_loader import load_tenant_file
from tests.spine.tenant_files import valid_text

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TRICKY_SCALARS = [
    "010", "1:20", "0x10", "0b11", "1_000", "+3", "-0", "3.0", "1e3", ".inf", ".nan", "yes", "No", "on", "~", "null",
    "true", "2024-01-01", "<<", "=", "9" * 30, "'010'", '"\\x00"', '"\\ud800"', "!vault x", "!!int 3", "&a 3", "*a",
    "[", "{", "{a: 1}", "[1, [2, [3]]]", "|\n  text", ">-\n  folded", "é", "日本", '"\\u2028"', "- item", "? key",
    "0 0 30 2 *", "'0 0 30 2 *'", "'*/7 * * * *'", "!!python/object/apply:os.system [ls]", "\t3", "3 # comment",
]

line_edits = st.tuples(st.integers(min_value=0, max_value=20), st.sampled_from(TRICKY_SCALARS) | st.text(max_size=12))


@st.composite
def mutated_tenant_text(draw) -> str:
    """The valid test tenant with some values replaced, lines dropped or junk lines inserted."""
    lines = valid_text().splitlines()
    for index, token in draw(st.lists(line_edits, max_size=4)):
        i = index % len(lines)
        action = draw(st.sampled_from(["value", "drop", "insert", "key"]))
        if action == "value" and ":" in lines[i]:
            lines[i] = lines[i].split(":", 1)[0] + ": " + token
        elif action == "drop":
            del lines[i]
        elif action == "insert":
            lines.insert(i, token)
        else:
            lines[i] = token + lines[i][len(lines[i]) - len(lines[i].lstrip()):]
        if not lines:
            break
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\r\n"]))


names = st.from_regex(r"[a-z][a-z0-9]{2,10}", fullmatch=True)
service_dicts = st.fixed_dictionaries(
    {"name": names, "engine": st.just("yugabyte"), "version": st.sampled_from(["2.20", "2024.1"]),
     "topology": st.just("clustered"), "replicas": st.integers(3, 5), "storage_gb": st.integers(1, 100)},
    optional={"backups": st.fixed_dictionaries({"schedule": st.sampled_from(["0 2 * * *", "0 */6 * * *", "0 0 29 2 *"]),
                                                 "retention_days": st.integers(1, 35)}),
              "cdc": st.booleans()},
)
tenant_dicts = st.fixed_dictionaries(
    {"id": st.just("test-a"), "name": st.text(min_size=1, max_size=30), "org": st.just("testorg"),
     "plan": st.just("standard"), "data_region": st.just("lagos"),
     "owners": st.lists(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:@/-]{0,10}", fullmatch=True), min_size=1, max_size=3,
                        unique=True),
     "data_classes": st.lists(st.sampled_from(["financial", "operational", "analytics", "logs"]), min_size=1, unique=True),
     "services": st.lists(service_dicts, max_size=2, unique_by=lambda s: s["name"])},
    optional={"deletion_protection": st.booleans()},
)


@st.composite
def dumped_tenants(draw) -> str:
    """Model-shaped data written by PyYAML in random styles: mostly valid files, to exercise acceptance."""
    return yaml.safe_dump(draw(tenant_dicts), default_flow_style=draw(st.sampled_from([False, True, None])),
                          allow_unicode=draw(st.booleans()), sort_keys=draw(st.booleans()))


def check(raw: bytes) -> None:
    """The properties, for one file's bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tenants"
        path = tree / "lagos" / "test-a.yaml"
        path.parent.mkdir(parents=True)
        path.write_bytes(raw)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["validate", "--tenants-dir", str(tree)])
        note(out.getvalue() + err.getvalue())
        assert code in (0, 1), err.getvalue()
        try:
            tenant = load_tenant_file(path, tree)
        except InputError as exc:
            assert code == 1
            assert exc.problems and all(p.path == "tenants/lagos/test-a.yaml" and p.line >= 1 and p.col >= 1 and p.field
                                        for p in exc.problems)
            return
        assert code == 0
        written = load_file(path).data
        # Unchanged in meaning: the model holds exactly the values written, no coercion.
        assert tenant.model_dump(mode="json", exclude_unset=True) == written
        # And it survives the API's writer and the loader again.
        assert parse_tenant_bytes(render_tenant(tenant), "tenants/lagos/test-a.yaml") == tenant


@FUZZ
@given(st.binary(max_size=600))
@example(b"id: test-a\x00")
@example(b"\xef\xbb\xbfid: test-a\n")
@example(b"a: " + b"[" * 3000)
def test_raw_bytes(raw):
    check(raw)


@FUZZ
@given(st.text(max_size=400))
def test_arbitrary_text(text):
    check(text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(mutated_tenant_text())
@example(valid_text())
def test_mutated_tenant_files(text):
    check(text.encode("utf-8", errors="surrogatepass"))


@FUZZ
@given(dumped_tenants())
def test_model_shaped_files(text):
    check(text.encode("utf-8", errors="surrogatepass"))
