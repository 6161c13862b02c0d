"""Moving a one-stack region into tenant stacks: the `pulumi state move` rules (tools/deploy/state_move.py,
from pulumi/pulumi pkg/cmd/pulumi/state/state_move.go and its tests) and the runbook
`dbaas stacks --migration-plan REGION` prints, proved on the shipped regions."""

from __future__ import annotations

import dataclasses
import io
import shlex
from contextlib import redirect_stderr, redirect_stdout
from functools import lru_cache

import pytest

from dbaas.cli import main
from tools.deploy.migration_plan import compare, shell_words
from tools.offline.plan import build_plan, registrations_by_stack, tenant_owner_index
from tools.offline.runtime import Registration
from tools.deploy.state_move import plan_state_move
from tests.stacks.helpers import PROJECT_DIR, one_program_region


def reg(urn: str, type_: str, parent: str = "", provider: str = "", deps: tuple[str, ...] = ()) -> Registration:
    return Registration(urn=urn, type=type_, name=urn.rsplit("::", 1)[1], custom=bool(provider) or
                        type_.startswith("pulumi:providers:"), parent=parent, provider=provider, inputs={},
                        protect=False, retain_on_delete=False, dependencies=deps)


SRC = "urn:pulumi:src::proj::"
ROOT = reg(SRC + "pulumi:pulumi:Stack::proj-src", "pulumi:pulumi:Stack")
PARENT = reg(SRC + "my:index:Parent::parent", "my:index:Parent", ROOT.urn)
PROVIDER = reg(SRC + "my:index:Parent$pulumi:providers:pkg::prov", "pulumi:providers:pkg", PARENT.urn)
COMPONENT = reg(SRC + "my:index:Parent$my:index:Comp::comp", "my:index:Comp", PARENT.urn)
CHILD = reg(SRC + "my:index:Parent$my:index:Comp$pkg:index:Thing::child", "pkg:index:Thing", COMPONENT.urn,
            PROVIDER.urn + "::id-1", deps=(PARENT.urn,))
SOURCE = [ROOT, PARENT, PROVIDER, COMPONENT, CHILD]


def test_a_resource_whose_parent_stays_is_reparented_to_the_root_and_its_urn_loses_the_parent_type():
    """state_move_test.go TestMoveRewritesQualifiedTypeWhenReparentingToRoot, across projects."""
    move = plan_state_move(SOURCE, [COMPONENT.urn, CHILD.urn], "dst", "other")
    assert {u: (m.urn, m.parent, m.provider) for u, m in move.moved.items()} == {
        COMPONENT.urn: ("urn:pulumi:dst::other::my:index:Comp::comp",
                        "urn:pulumi:dst::other::pulumi:pulumi:Stack::other-dst", ""),
        CHILD.urn: ("urn:pulumi:dst::other::my:index:Comp$pkg:index:Thing::child",
                    "urn:pulumi:dst::other::my:index:Comp::comp", "urn:pulumi:dst::other::pulumi:providers:pkg::prov"),
    }
    # The provider is copied, re-parented to the root Stack like any resource whose parent stays behind.
    assert {u: (c.urn, c.parent) for u, c in move.copied_providers.items()} == {
        PROVIDER.urn: ("urn:pulumi:dst::other::pulumi:providers:pkg::prov",
                       "urn:pulumi:dst::other::pulumi:pulumi:Stack::other-dst")}
    assert move.broken_in_dest == ((CHILD.urn, PARENT.urn),)
    assert move.broken_in_source == ()
    assert sorted(move.destination()) == ["urn:pulumi:dst::other::my:index:Comp$pkg:index:Thing::child",
                                          "urn:pulumi:dst::other::my:index:Comp::comp",
                                          "urn:pulumi:dst::other::pulumi:providers:pkg::prov",
                                          "urn:pulumi:dst::other::pulumi:pulumi:Stack::other-dst"]


def test_a_moved_parent_keeps_its_children_urns_apart_from_stack_and_project():
    move = plan_state_move(SOURCE, [PARENT.urn, COMPONENT.urn, CHILD.urn], "dst", "proj")
    assert move.moved[CHILD.urn].urn == "urn:pulumi:dst::proj::my:index:Parent$my:index:Comp$pkg:index:Thing::child"
    assert move.broken_in_dest == ()
    # The provider is a child of the moved parent in the source, but never moved: it is copied under it.
    assert move.copied_providers[PROVIDER.urn].urn == "urn:pulumi:dst::proj::my:index:Parent$pulumi:providers:pkg::prov"


def test_providers_cannot_be_named_and_unknown_urns_are_refused():
    with pytest.raises(ValueError, match=r"cannot move providers \(they are copied\): " + PROVIDER.urn.replace("$", r"\$")):
        plan_state_move(SOURCE, [PROVIDER.urn], "dst", "proj")
    with pytest.raises(ValueError, match="not in the source stack: urn:pulumi:src::proj::x::y"):
        plan_state_move(SOURCE, ["urn:pulumi:src::proj::x::y"], "dst", "proj")


@lru_cache(maxsize=None)
def new_plan(region: str) -> tuple[Registration, ...]:
    return tuple(build_plan(region, PROJECT_DIR).registrations)


@pytest.mark.parametrize("region", ["lagos", "frankfurt"])
def test_moving_each_tenant_leaves_nothing_to_create_or_delete(region):
    """Every tenant resource of the region stack, moved by the rules of `pulumi state move`, is
    in its tenant stack's plan with the same type, parent and provider; every resource of the
    tenant stack's plan arrives by the move; the region stack keeps exactly the platform's plan."""
    old, new = list(one_program_region(region)), list(new_plan(region))
    owners = tenant_owner_index(old)
    new_by_stack = registrations_by_stack(new)
    migrations, platform_size, problems = compare(region, old, new)
    assert problems == []
    assert sorted(m.tenant for m in migrations) == sorted(set(owners.values())) and len(migrations) == 3
    for migration in migrations:
        stack = f"{region}.{migration.tenant}"
        declared = {r.urn: r for r in new_by_stack[stack]}
        tenant_urns = [r.urn for r in old if owners.get(r.urn) == migration.tenant]
        assert list(migration.move.source_urns) == tenant_urns
        for urn in tenant_urns:
            moved = migration.move.moved[urn]
            assert moved.urn == urn.replace(f"urn:pulumi:{region}::dbaas-platform::", f"urn:pulumi:{stack}::dbaas-tenant::")
            assert declared[moved.urn].type == moved.type
        assert set(migration.move.destination()) == set(declared)
        assert migration.move.broken_in_source == ()  # no platform resource depends on a tenant's
    assert platform_size == len(new_by_stack[region])


def test_the_kubernetes_provider_copy_lands_on_the_urn_the_tenant_program_declares():
    """In the region stack the provider is a child of the PoP component; the move re-parents the
    copy to the root Stack, which is where the tenant program declares its own `k8s-los1`."""
    old, new = list(one_program_region("lagos")), list(new_plan("lagos"))
    migrations, _, _ = compare("lagos", old, new)
    acme = next(m for m in migrations if m.tenant == "acme")
    copies = {old_urn.split("::", 2)[2].rsplit("::", 1)[0]: c.urn for old_urn, c in acme.move.copied_providers.items()}
    assert copies == {
        "dbaas:pop:PopCluster$pulumi:providers:kubernetes": "urn:pulumi:lagos.acme::dbaas-tenant::pulumi:providers:kubernetes::k8s-los1",
        "pulumi:providers:aws": "urn:pulumi:lagos.acme::dbaas-tenant::pulumi:providers:aws::aws-lagos",
        "pulumi:providers:random": "urn:pulumi:lagos.acme::dbaas-tenant::pulumi:providers:random::random-lagos",
    }
    assert acme.provider_input_changes == ()
    assert len(acme.move.broken_in_dest) > 0 and all(d.startswith("urn:pulumi:lagos::") for _, d in acme.move.broken_in_dest)


def test_a_renamed_resource_or_a_changed_provider_input_is_reported():
    old, new = list(one_program_region("lagos")), list(new_plan("lagos"))
    bucket = "urn:pulumi:lagos.acme::dbaas-tenant::dbaas:tenant:TenantEnvironment$aws:s3/bucket:Bucket::acme.backups"
    aws = "urn:pulumi:lagos.acme::dbaas-tenant::pulumi:providers:aws::aws-lagos"
    changed = []
    for r in new:
        if r.urn == bucket:
            r = dataclasses.replace(r, urn=bucket + "-v2", name="acme.backups-v2")
        elif r.urn == aws:
            r = dataclasses.replace(r, inputs={**r.inputs, "region": "eu-west-1"})
        changed.append(r)
    _, _, problems = compare("lagos", old, changed)
    assert problems == [
        f"{bucket}-v2: the program declares it but it is not in tenant stack lagos.acme after the move: "
        "pulumi up would create it",
        f"{bucket}: it is in tenant stack lagos.acme after the move but the program does not declare it: "
        "pulumi up would delete it",
        f"{aws}: provider input region is 'af-south-1' in the region stack but 'eu-west-1' in the tenant program: "
        "pulumi up would update the provider",
    ]


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_the_runbook_names_every_tenant_urn_quoted_for_the_shell(monkeypatch):
    monkeypatch.chdir(PROJECT_DIR)
    code, out, err = _run("stacks", "--migration-plan", "lagos", "--organization", "acme-corp")
    assert (code, err) == (0, "")
    old = list(one_program_region("lagos"))
    owners = tenant_owner_index(old)
    commands = shell_words(out)
    assert commands[0] == ["pulumi", "stack", "export", "--stack", "acme-corp/dbaas-platform/lagos",
                           "--file", "lagos.before-tenant-stacks.json"]
    for i, tenant in enumerate(["acme", "kudi-pay", "naija-stream"]):
        init, move = commands[1 + 2 * i], commands[2 + 2 * i]
        assert init == ["(cd", "tenant_project", "&&", "pulumi", "stack", "init", f"acme-corp/dbaas-tenant/lagos.{tenant}",
                        "--secrets-provider", "awskms://alias/dbaas-pulumi-secrets?region=af-south-1)"]
        urns = [r.urn for r in old if owners.get(r.urn) == tenant]
        assert move[:11] == ["(cd", "tenant_project", "&&", "pulumi", "state", "move", "--source",
                             "acme-corp/dbaas-platform/lagos", "--dest", f"acme-corp/dbaas-tenant/lagos.{tenant}", "--yes"]
        named = move[11:-1] + [move[-1].removesuffix(")")]
        assert len(named) == len(urns) and set(named) == set(urns)  # one pass over the snapshot: order is free
    assert commands[7:9] == [
        ["pulumi", "preview", "--stack", "acme-corp/dbaas-platform/lagos", "--policy-pack", "policies", "--json"],
        ["pulumi", "up", "--stack", "acme-corp/dbaas-platform/lagos", "--policy-pack", "policies", "--yes"]]
    assert len(commands) == 12
    # A URN holds `$` (the parent type separator): unquoted, the shell would expand it.
    assert "'urn:pulumi:lagos::dbaas-platform::dbaas:tenant:TenantEnvironment$aws:s3/bucket:Bucket::acme.backups'" in out
    assert shlex.quote("urn:pulumi:lagos::dbaas-platform::dbaas:tenant:TenantEnvironment::acme") in out
    assert "# 2. tenant acme: 64 resources -> acme-corp/dbaas-tenant/lagos.acme\n" in out
    assert ("#    check: the export of acme-corp/dbaas-tenant/lagos.acme holds 68 resources (Stack, 3 providers, 64 moved); "
            "none of acme's URNs remain in acme-corp/dbaas-platform/lagos\n") in out


def test_an_unknown_region_is_a_usage_error(monkeypatch):
    monkeypatch.chdir(PROJECT_DIR)
    code, out, err = _run("stacks", "--migration-plan", "paris")
    assert (code, out) == (2, "")
    assert err == f"dbaas stacks: no stack 'paris' in {PROJECT_DIR} (no Pulumi.paris.yaml); stacks: frankfurt, lagos\n"


def test_a_platform_resource_the_platform_program_no_longer_declares_refuses_the_runbook(monkeypatch):
    """The region stack keeps every non-tenant resource: one the platform program dropped would be
    deleted by the platform's up, so no runbook is printed."""
    import tools.deploy.migration_plan as migration_module

    dropped = "urn:pulumi:lagos::dbaas-platform::pulumi:providers:random::random-lagos"
    real = migration_module.build_plan

    def build(stack, project_dir, tenants_dir=None, **kwargs):
        plan = real(stack, project_dir, tenants_dir, **kwargs)
        return dataclasses.replace(plan, registrations=[r for r in plan.registrations if r.urn != dropped])

    monkeypatch.setattr(migration_module, "build_plan", build)
    monkeypatch.chdir(PROJECT_DIR)
    code, out, err = _run("stacks", "--migration-plan", "lagos")
    assert (code, out) == (1, "")
    assert err == (f"migration-plan lagos: {dropped}: it is in stack lagos after the moves but the program does not "
                   "declare it: pulumi up would delete it\n"
                   "migration-plan lagos: 1 problem(s): the moves would not leave the stacks as their programs "
                   "declare them; no runbook printed\n")
