"""The offline diff applies `ignoreChanges` as the Pulumi engine does (pulumi pkg/resource/deploy/step_generator.go
processIgnoreChanges, sdk/go/common/resource/properties_path.go Reset): the ignored property takes its old input
value, is deleted when the old inputs lack it, and a path that cannot be followed ignores nothing."""

from __future__ import annotations

import pytest

from tools.offline.diff import ABSENT, PlanSnapshot, ResourceState, diff_plans
from tools.offline.ignore_changes import apply_ignore_changes, parse_path


def test_paths_parse_as_pulumi_property_paths():
    assert parse_path("spec.replsets[0].annotations") == ["spec", "replsets", 0, "annotations"]
    assert parse_path('metadata.annotations["dbaas.io/restart"]') == ["metadata", "annotations", "dbaas.io/restart"]
    assert parse_path('["a \\"b\\""].c') == ['a "b"', "c"]
    with pytest.raises(ValueError, match=r"not a property path: 'spec\.\.x'"):
        parse_path("spec..x")
    with pytest.raises(ValueError, match=r"not a property path: 'spec\.items\[\*\]\.name' \(at character 10\)"):
        parse_path("spec.items[*].name")  # wildcards are not used here, so not guessed


OLD = {"spec": {"replsets": [{"name": "rs0", "annotations": {"dbaas.io/restart": "r1"}}], "size": 3}}


def test_an_ignored_property_keeps_its_old_value():
    new = {"spec": {"replsets": [{"name": "rs0"}], "size": 4}}
    assert apply_ignore_changes(OLD, new, ["spec.replsets[0].annotations"]) == {
        "spec": {"replsets": [{"name": "rs0", "annotations": {"dbaas.io/restart": "r1"}}], "size": 4}}
    assert new == {"spec": {"replsets": [{"name": "rs0"}], "size": 4}}, "the input is not modified"


def test_an_ignored_property_the_old_inputs_lack_is_dropped():
    new = {"spec": {"replsets": [{"name": "rs0", "annotations": {"x": "y"}}], "size": 3}}
    assert apply_ignore_changes({"spec": {"replsets": [{"name": "rs0"}]}}, new, ["spec.replsets[0].annotations"]) == {
        "spec": {"replsets": [{"name": "rs0"}], "size": 3}}


def test_a_path_that_cannot_be_followed_ignores_nothing():
    """The engine only logs "cannot ignore changes in added or removed elements of the path"."""
    new = {"spec": {"size": 3}}
    assert apply_ignore_changes(OLD, new, ["spec.replsets[0].annotations"]) == new
    assert apply_ignore_changes(OLD, {"spec": {"replsets": []}}, ["spec.replsets[0].annotations"]) == {
        "spec": {"replsets": []}}


def _state(inputs: dict, ignore: tuple[str, ...] = ()) -> PlanSnapshot:
    return PlanSnapshot("lagos", (ResourceState("urn:x", "kubernetes:v1:Thing", inputs, False, False, "", "", ignore),))


def test_the_diff_reports_no_change_for_an_ignored_property():
    head = {"spec": {"replsets": [{"name": "rs0"}], "size": 3}}
    assert diff_plans(_state(OLD), _state(head, ("spec.replsets[0].annotations",))).changes == []
    changes = diff_plans(_state(OLD), _state(head)).changes
    assert [(c.path, c.old, c.new) for c in changes[0].changes] == [
        ("spec.replsets[name='rs0'].annotations", {"dbaas.io/restart": "r1"}, ABSENT)]
