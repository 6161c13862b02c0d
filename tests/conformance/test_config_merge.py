"""The CLI's config merge, applied offline (declarations/project_config.py): what `pulumi preview` refuses
before the program runs, `dbaas validate` and `dbaas plan` refuse too, located in the stack file."""

import shutil
from pathlib import Path

import pytest

from declarations.errors import InputError
from declarations.project_config import is_ciphertext, load_project_config
from declarations.stack_config import MODE_SECRET_KEYS, PROJECT, StackConfig, load_stack_file
from tests.conftest import PROJECT_DIR

# A real ciphertext shape (v1:<12-byte nonce>:<ciphertext>, base64), as `pulumi config set --secret` writes it.
CIPHERTEXT = "v1:AAECAwQFBgcICQoL:c2VjcmV0LWJ5dGVzLWhlcmU="


def project_with(tmp_path: Path, stack: str, edit=lambda t: t, project_edit=lambda t: t) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(project_edit((PROJECT_DIR / "Pulumi.yaml").read_text()))
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(edit((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text()))
    return tmp_path


def problems(project: Path, stack: str) -> list[str]:
    with pytest.raises(InputError) as exc:
        load_stack_file(project, stack)
    return [str(p) for p in exc.value.problems]


def at_value(project: Path, key: str, name: str = "Pulumi.frankfurt.yaml") -> str:
    """Where the value of `key` starts."""
    for i, line in enumerate((project / name).read_text().splitlines(), 1):
        if f"{key}:" in line:
            return f"{name}:{i}:{line.index(key + ':') + len(key) + 3}"
    raise AssertionError(key)


def at(project: Path, name: str, needle: str) -> str:
    for i, line in enumerate((project / name).read_text().splitlines(), 1):
        if needle in line:
            return f"{name}:{i}:{line.index(needle) + 1}"
    raise AssertionError(needle)


def test_every_key_without_a_default_is_set_by_both_shipped_stacks():
    """The verified failure: lagos lacked acmeEmail, acmeDnsZoneId, controlPlaneDbStorageClass."""
    project = load_project_config(PROJECT_DIR)
    required = project.required_keys()
    assert required == [f"{PROJECT}:{k}" for k in (
        "aerospikeFeatureKey", "awsAccountId", "awsRegion", "kubernetesVersion", "popName", "region")]
    for stack in ("lagos", "frankfurt"):
        text = (PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text()
        loaded = load_stack_file(PROJECT_DIR, stack)
        for key in required:
            declared_secret = project.declared(key).secret
            assert (f"  {key}:" in text) != declared_secret, (stack, key)  # secrets are never committed
            assert key in loaded.pulumi_config


def test_no_secret_value_is_committed_and_unset_secrets_are_secret_offline(lagos_plan):
    for stack in ("lagos", "frankfurt"):
        assert "secure:" not in (PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text()
    assert lagos_plan.stack_file.unset_secrets == [f"{PROJECT}:aerospikeFeatureKey", f"{PROJECT}:kubeconfig"]
    config = lagos_plan.to_preview_json()["config"]
    assert config[f"{PROJECT}:kubeconfig"] == config[f"{PROJECT}:aerospikeFeatureKey"] == "[secret]"


def test_project_declarations_match_the_typed_model():
    """Every StackConfig field is declared with the same default; every declaration is a field or a secret."""
    project = load_project_config(PROJECT_DIR)
    fields = {f.alias: f for f in StackConfig.model_fields.values()}
    for key, declaration in project.declarations.items():
        name = key.partition(":")[2]
        if declaration.secret:
            continue
        assert name in fields, key
        field = fields[name]
        if declaration.required:
            assert field.is_required(), key
        else:
            expected = field.default if field.default is not None else ""
            assert str(declaration.default) == str(expected), key
    declared = {k.partition(":")[2] for k in project.declarations}
    assert set(fields) <= declared
    assert not set(MODE_SECRET_KEYS) & declared  # a declared secret would be required on every stack


def test_missing_required_key_in_the_clis_words(tmp_path):
    project = project_with(tmp_path, "frankfurt", lambda t: t.replace("  dbaas-platform:awsAccountId: \"444455556666\"\n", ""))
    assert problems(project, "frankfurt") == [
        f"{at(project, 'Pulumi.frankfurt.yaml', 'config:')}: config: Stack 'frankfurt' is missing configuration value "
        "'dbaas-platform:awsAccountId' (declared in Pulumi.yaml without a default)"]


def test_a_new_key_declared_without_default_is_missing_on_every_stack(tmp_path):
    """The class of the first verified failure: a mode-specific key declared without a default."""
    declare = lambda t: t + "  dbaas-platform:grafanaAdminGroup:\n    type: string\n"  # noqa: E731
    for stack in ("lagos", "frankfurt"):
        project = project_with(tmp_path / stack, stack, project_edit=declare) if (tmp_path / stack).mkdir() is None else None
        [problem] = problems(project, stack)
        assert problem.endswith(f"Stack '{stack}' is missing configuration value 'dbaas-platform:grafanaAdminGroup' "
                                "(declared in Pulumi.yaml without a default)")


@pytest.mark.parametrize("value, accepted", [("7", True), ('"7"', True), ("true", False), ("7.0", False), ("seven", False)])
def test_integer_type_as_the_cli_checks_it(tmp_path, value, accepted):
    """ValidateConfigValue on the stack value's text: Atoi must parse it."""
    project = project_with(tmp_path, "frankfurt", lambda t: t + f"  dbaas-platform:kafkaBrokerReplicas: {value}\n")
    if accepted:
        assert load_stack_file(project, "frankfurt").config.kafka_broker_replicas == 7
    else:
        assert problems(project, "frankfurt") == [
            f"{at_value(project, 'kafkaBrokerReplicas')}: config.dbaas-platform:kafkaBrokerReplicas: "
            "Stack 'frankfurt' with configuration key 'dbaas-platform:kafkaBrokerReplicas' must be of type 'integer'"]


def test_undeclared_key_with_did_you_mean(tmp_path):
    project = project_with(tmp_path, "frankfurt", lambda t: t + "  dbaas-platform:kafkaBrokerReplica: 5\n")
    assert problems(project, "frankfurt") == [
        f"{at(project, 'Pulumi.frankfurt.yaml', 'dbaas-platform:kafkaBrokerReplica:')}: config.dbaas-platform:kafkaBrokerReplica: "
        "config key 'kafkaBrokerReplica' is not declared in Pulumi.yaml; did you mean 'kafkaBrokerReplicas'?"]


def test_declared_secret_in_clear_text(tmp_path):
    project = project_with(tmp_path, "frankfurt", lambda t: t + "  dbaas-platform:aerospikeFeatureKey: feature-key-1\n")
    assert problems(project, "frankfurt") == [
        f"{at(project, 'Pulumi.frankfurt.yaml', 'feature-key-1')}: config.dbaas-platform:aerospikeFeatureKey: "
        "Stack 'frankfurt' with configuration key 'dbaas-platform:aerospikeFeatureKey' must be encrypted as it's secret "
        "(pulumi config set --secret)"]


def test_committed_ciphertext_needs_its_encryptedkey(tmp_path):
    secret = f"  dbaas-platform:aerospikeFeatureKey:\n    secure: {CIPHERTEXT}\n"
    project = project_with(tmp_path, "frankfurt", lambda t: t + secret)
    assert problems(project, "frankfurt") == [
        f"{at(project, 'Pulumi.frankfurt.yaml', 'awskms')}: secretsprovider: the stack file holds secure values but no 'encryptedkey': the Pulumi CLI "
        "cannot decrypt them. Commit no secret values, or commit the 'encryptedkey' that `pulumi config set --secret` "
        "wrote with them"]
    with_key = project_with(tmp_path, "frankfurt", lambda t: "encryptedkey: AQICAHg7lg2X\n" + t + secret)
    assert load_stack_file(with_key, "frankfurt").secret_keys == ["dbaas-platform:aerospikeFeatureKey"]


def test_placeholder_ciphertexts_are_refused(tmp_path):
    """The committed placeholders were `v1:<base64>`: the CLI's crypter needs v1:<nonce>:<ciphertext>."""
    assert is_ciphertext(CIPHERTEXT)
    assert not is_ciphertext("v1:bG9zMS1rdWJlY29uZmlnLWNpcGhlcnRleHQtcGxhY2Vob2xkZXI=")
    bad = "encryptedkey: AQICAHg7lg2X\n"
    project = project_with(tmp_path, "frankfurt", lambda t: bad + t + "  dbaas-platform:aerospikeFeatureKey:\n    secure: v1:bm9wZQ==\n")
    assert problems(project, "frankfurt") == [
        f"{at(project, 'Pulumi.frankfurt.yaml', 'v1:bm9wZQ==')}: config.dbaas-platform:aerospikeFeatureKey.secure: not a "
        "ciphertext the Pulumi CLI can decrypt (v1:<nonce>:<ciphertext>); set it with `pulumi config set --secret`"]


def test_project_file_may_not_give_a_secret_a_default(tmp_path):
    project = project_with(tmp_path, "frankfurt", project_edit=lambda t: t.replace(
        "    secret: true\n", "    secret: true\n    default: none\n"))
    [problem] = problems(project, "frankfurt")
    assert problem.startswith(f"{at(project, 'Pulumi.yaml', 'none')}: config.dbaas-platform:aerospikeFeatureKey.default: "
                              "a secret cannot have a default")


def test_keys_of_another_mode_are_refused(tmp_path):
    project = project_with(tmp_path, "frankfurt", lambda t: t + "  dbaas-platform:oidcIssuer: oidc.fra1.example.net\n"
                           "  dbaas-platform:vaultRole: eso\n")
    assert problems(project, "frankfurt") == [
        f"{at(project, 'Pulumi.frankfurt.yaml', 'dbaas-platform:oidcIssuer')}: config.dbaas-platform:oidcIssuer: only used "
        "when clusterMode is adopt (this stack's clusterMode is create); remove it",
        f"{at(project, 'Pulumi.frankfurt.yaml', 'dbaas-platform:vaultRole')}: config.dbaas-platform:vaultRole: only used "
        "when secretStore is vault (this stack's secretStore is aws-secrets-manager); remove it"]


def test_residency_a_typo_cannot_move_lagos_data_to_frankfurt(tmp_path):
    project = project_with(tmp_path, "lagos", lambda t: t.replace("awsRegion: af-south-1", "awsRegion: eu-central-1"))
    assert problems(project, "lagos") == [
        f"{at(project, 'Pulumi.lagos.yaml', 'eu-central-1')}: config.dbaas-platform:awsRegion: 'eu-central-1' is outside "
        "lagos's data residency: its buckets, keys and roles must live in af-south-1"]


def test_dbaas_validate_and_plan_report_config_errors(tmp_path, capsys):
    from dbaas.cli import main

    project = project_with(tmp_path, "lagos", lambda t: t.replace("  dbaas-platform:popName: los1\n", ""))
    shutil.copytree(PROJECT_DIR / "tenants", project / "tenants")
    expected = (f"{at(project, 'Pulumi.lagos.yaml', 'config:')}: config: Stack 'lagos' is missing configuration value "
                "'dbaas-platform:popName' (declared in Pulumi.yaml without a default)")
    import os
    cwd = os.getcwd()
    os.chdir(project)
    try:
        assert main(["plan", "lagos", "--tenants-dir", str(project / "tenants")]) == 1
        assert expected in capsys.readouterr().out
    finally:
        os.chdir(cwd)


def test_kafka_heap_must_leave_the_page_cache_its_half(tmp_path):
    """Pulumi.yaml: broker memory is at least twice the heap; 6g of heap does not fit 8Gi."""
    project = project_with(tmp_path, "frankfurt", lambda t: t + "  dbaas-platform:kafkaBrokerHeap: 6g\n")
    assert problems(project, "frankfurt") == [
        f"{at(project, 'Pulumi.frankfurt.yaml', 'config:')}: "
        "config.dbaas-platform:kafkaBrokerMemory: must be at least twice kafkaBrokerHeap (6g) to leave room for the "
        "page cache"]


def test_tenant_project_declares_no_key_every_tenant_stack_would_miss(tmp_path):
    """Tenant stacks have no stack file: the CLI's merge would find a key without default missing on all of them."""
    from stacks.stack_names import TENANT_PROJECT_DIR, tenant_stack_config

    assert tenant_stack_config() == {"pulumi:disable-default-providers": '["*"]'}
    text = (TENANT_PROJECT_DIR / "Pulumi.yaml").read_text()
    (tmp_path / "Pulumi.yaml").write_text(text.replace("config:\n", "config:\n  dbaas-tenant:tier:\n    type: string\n", 1))
    with pytest.raises(InputError) as exc:
        tenant_stack_config(tmp_path)
    assert [str(p) for p in exc.value.problems] == [
        f"{at(tmp_path, 'Pulumi.yaml', 'dbaas-tenant:tier').replace('Pulumi.yaml', 'tenant_project/Pulumi.yaml')}: "
        "config.dbaas-tenant:tier: every tenant stack is missing configuration value 'dbaas-tenant:tier': tenant "
        "stacks have no stack file, so a key needs a default"]
