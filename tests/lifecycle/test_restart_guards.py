"""`operations: [{id, action: restart}]`: refused where the operator cannot restart, on a service this change
creates, and (Aerospike) together with what AKO's webhook refuses it with; otherwise listed under needs attention.

`services[0]` starts on line 9 (name), `backups` is line 15, its `operations` entry (written by `extra`) line 17;
`services[1]` follows on lines 16 to 24.
"""

from __future__ import annotations

import pytest

from declarations.errors import InputError
from tests.lifecycle.helpers import ENGINES, VERSIONS, lines, review, service_text, tenant_text

PATH = "tenants/lagos/shop.yaml"
RESTART = "    operations:\n      - {id: fix-leak, action: restart}\n"
RESTARTABLE = tuple(e for e in ENGINES if e != "yugabyte")


@pytest.mark.parametrize("engine", RESTARTABLE)
def test_a_restart_is_allowed_and_needs_attention(tmp_path, engine):
    result = review(tmp_path, tenant_text(service_text(engine)), tenant_text(service_text(engine, extra=RESTART)))
    assert result.refused == []
    assert lines(result.attention) == [
        f"{PATH}:17:9: services[0].operations[0]: restart 'fix-leak': the operator restarts every {engine} pod of "
        "'orders' one at a time; clients reconnect, and a single replica is unavailable while it restarts"]


@pytest.mark.parametrize("engine", RESTARTABLE)
def test_keeping_or_dropping_a_deployed_restart_is_quiet(tmp_path, engine):
    with_entry, without = tenant_text(service_text(engine, extra=RESTART)), tenant_text(service_text(engine))
    for base, head in ((with_entry, with_entry), (with_entry, without)):
        result = review(tmp_path, base, head)
        assert (result.refused, result.attention) == ([], [])


def test_yugabyte_restart_is_refused_by_the_model_with_what_to_do(tmp_path):
    text = tenant_text(service_text("yugabyte", extra=RESTART))
    with pytest.raises(InputError) as caught:
        review(tmp_path, text, text)
    assert [str(p) for p in caught.value.problems] == [
        f"{PATH}:17:32: services[0].operations[0].action: yugabyte cannot be restarted through its operator: the "
        "YugabyteDB Anywhere operator has no restart field in YBUniverse; ask the platform team to run YBA's rolling "
        "restart of the universe (Universe > Actions > Initiate Rolling Restart, or "
        "POST /api/v1/customers/<c>/universes/<u>/upgrade/restart), and remove this entry"]


@pytest.mark.parametrize("engine", RESTARTABLE)
def test_a_restart_on_a_new_service_is_refused(tmp_path, engine):
    base = tenant_text(service_text(engine, name="other"))
    head = tenant_text(service_text(engine, name="other") + service_text(engine, extra=RESTART))
    result = review(tmp_path, base, head)
    assert lines(result.refused) == [
        f"{PATH}:24:9: services[1].operations[0]: 'orders' is created by this change, so there is nothing to "
        "restart; remove this entry, and add a restart in a later change once the service runs"]


@pytest.mark.parametrize(("change", "what"), [
    ({"replicas": 4}, "a scale-up (3 -> 4 replicas)"),
    ({"version": VERSIONS["aerospike"][1]}, "an image change (7.1 -> 7.2)"),
])
def test_aerospike_refuses_a_restart_with_a_scale_up_or_image_change(tmp_path, change, what):
    base = tenant_text(service_text("aerospike"))
    head = tenant_text(service_text("aerospike", extra=RESTART, **change))
    assert lines(review(tmp_path, base, head).refused) == [
        f"{PATH}:17:9: services[0].operations[0]: the Aerospike operator refuses an on-demand restart in the same "
        f"update as {what} (AKO webhook validateOperationUpdate); the new pods start fresh anyway: drop the restart, "
        "or restart in a change of its own"]


@pytest.mark.parametrize("engine", ("mongodb", "vitess"))
def test_other_engines_restart_alongside_a_scale_up(tmp_path, engine):
    base = tenant_text(service_text(engine))
    head = tenant_text(service_text(engine, extra=RESTART, replicas=4))
    assert review(tmp_path, base, head).refused == []
