"""The shared constrained types (declarations/field_types.py): one rule, one message, in the stack file and in component args."""

import pytest
from pydantic import ValidationError

from components.controlplane_db.args import ControlPlaneDatabaseArgs
from components.observability.args import AlertRouting
from tests.spine.test_stack_config import broken, pos

VALID_DB_ARGS = dict(region="lagos", aws_account_id="111122223333", oidc_issuer="oidc.example.net",
                     kubernetes_version="1.33", platform_key_arn="arn:aws:kms:af-south-1:111122223333:key/k",
                     storage_class="dbaas-retained", storage_size="20Gi", backup_retention_days=30,
                     tools_image="ghcr.io/dbaas-platform/dbaas-tools:0.1.0")


def test_a_bad_kubernetes_version_in_the_stack_file_is_located_and_explained(tmp_path):
    [problem] = broken(tmp_path, 'kubernetesVersion: "1.33"', 'kubernetesVersion: "1.33.2"')
    where = pos(tmp_path, '"1.33.2"')  # the value, with its opening quote
    assert problem == (
        f"Pulumi.lagos.yaml:{where}: config.dbaas-platform:kubernetesVersion: "
        "should match pattern '^1\\.\\d{2}$': a Kubernetes minor version without the patch, e.g. 1.33")


def test_the_same_type_gives_the_same_message_in_component_args():
    with pytest.raises(ValidationError) as exc:
        ControlPlaneDatabaseArgs(**{**VALID_DB_ARGS, "kubernetes_version": "1.33.2", "aws_account_id": "1111"})
    assert [(e["loc"], str(e["ctx"]["error"])) for e in exc.value.errors()] == [
        (("aws_account_id",), "should match pattern '^\\d{12}$': the 12-digit AWS account id, e.g. 111122223333"),
        (("kubernetes_version",),
         "should match pattern '^1\\.\\d{2}$': a Kubernetes minor version without the patch, e.g. 1.33"),
    ]


def test_the_whole_value_must_match_even_before_a_trailing_newline():
    """Python's `$` matches before a final newline; the types match the whole value, as pydantic's pattern did."""
    with pytest.raises(ValidationError):
        ControlPlaneDatabaseArgs(**{**VALID_DB_ARGS, "kubernetes_version": "1.33\n"})
    assert ControlPlaneDatabaseArgs(**VALID_DB_ARGS).storage_size == "20Gi"


def test_a_webhook_url_with_credentials_is_refused_without_echoing_them():
    with pytest.raises(ValidationError) as exc:
        AlertRouting(default_webhook_url="https://user:hunter2@hooks.example.net/x",
                     critical_webhook_url="http://alert-router.monitoring.svc:8080/page")
    [error] = exc.value.errors()
    assert error["loc"] == ("default_webhook_url",)
    assert str(error["ctx"]["error"]) == (
        "should match pattern '^https?://[^@\\s?#]+$': an http(s) URL without user-info, query or fragment (it is "
        "rendered into the plan in clear text; authenticate the receiver another way), "
        "e.g. http://alert-router.monitoring.svc:8080/alerts")
    assert "hunter2" not in str(exc.value.errors(include_input=False))
