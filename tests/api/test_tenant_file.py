"""The rendered tenant file: deterministic, in the shipped layout, and loaded back unchanged."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from api.tenant_file import parse_tenant_bytes, render_tenant
from declarations.tenant_loader import load_tenant_tree
from declarations.tenant_model import BIDI_CONTROLS, Decommission, Tenant
from tests.api.conftest import PROJECT_DIR

SHIPPED = PROJECT_DIR / "tenants"


def test_shipped_tenants_render_to_their_exact_bytes():
    tenants = load_tenant_tree(SHIPPED)

    assert len(tenants) >= 6
    for tenant in tenants:
        path = SHIPPED / tenant.data_region / f"{tenant.id}.yaml"
        assert render_tenant(tenant) == path.read_bytes(), path


def test_decommission_marker_is_rendered_last_and_loads_back():
    acme = next(t for t in load_tenant_tree(SHIPPED) if t.id == "acme")
    marked = Tenant.model_validate({**acme.model_dump(), "decommission": Decommission(requested_by="olu").model_dump()})

    raw = render_tenant(marked)

    assert raw.endswith(b"\ndecommission: {requested_by: olu, final_backup: true}\n")
    assert parse_tenant_bytes(raw, "tenants/lagos/acme.yaml") == marked


# What the model admits (declarations/tenant_model.py printable, OwnerGroup): no control, separator or bidirectional
# control character in a name; no cluster-wide `system:` owner.
VALID_NAMES = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters=BIDI_CONTROLS),
                      min_size=1, max_size=120)
VALID_OWNERS = st.from_regex(r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,20}$", fullmatch=True).filter(
    lambda owner: not owner.lower().startswith("system:"))


@settings(max_examples=150, deadline=None)
@given(name=VALID_NAMES, owner=VALID_OWNERS)
def test_any_valid_name_and_owner_round_trips(name, owner):
    tenant = Tenant(id="fuzz", name=name, org="fuzz", plan="starter", data_region="lagos", owners=[owner],
                    data_classes=["logs"])

    raw = render_tenant(tenant)

    assert parse_tenant_bytes(raw, "tenants/lagos/fuzz.yaml") == tenant
    assert render_tenant(parse_tenant_bytes(raw, "tenants/lagos/fuzz.yaml")) == raw


def test_unknown_path_is_reported_as_a_located_problem(tmp_path: Path):
    from declarations.errors import InputError
    import pytest

    with pytest.raises(InputError) as exc:
        parse_tenant_bytes(b"\xff\xfe", "tenants/lagos/bad.yaml")
    assert str(exc.value.problems[0]) == "tenants/lagos/bad.yaml:1:1: (document): file is not valid UTF-8"


def test_restore_from_and_operations_render_as_flow_maps_and_load_back():
    kudi = next(t for t in load_tenant_tree(SHIPPED) if t.id == "kudi-pay")
    services = [s.model_dump() for s in kudi.services]
    services[1]["operations"] = [{"id": "pre-upgrade", "action": "backup"}]
    services.append({**services[1], "name": "wallets-pitr", "operations": [],
                     "restore_from": {"service": "wallets", "backup": "2026-11-20T02:00:21Z",
                                      "point_in_time": "2026-11-20T10:15:00Z"}})
    tenant = Tenant.model_validate({**kudi.model_dump(), "services": services})

    raw = render_tenant(tenant)

    assert b"    operations: [{id: pre-upgrade, action: backup}]\n" in raw
    assert raw.endswith(b'    restore_from: {service: wallets, backup: "2026-11-20T02:00:21Z", '
                        b'point_in_time: "2026-11-20T10:15:00Z"}\n')
    assert parse_tenant_bytes(raw, "tenants/lagos/kudi-pay.yaml") == tenant
