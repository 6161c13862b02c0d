"""What `dbaas up` reads from the Pulumi CLI's output: `stack ls --json` and the conflict texts."""

from __future__ import annotations

import pytest

from tools.deploy.pulumi_cli import is_conflict, stack_names

# The shape of stackSummaryJSON (pkg/cmd/pulumi/stack/stack_list.go), from a Pulumi Cloud backend.
LS_JSON = """[
    {"name": "lagos.acme", "current": false, "lastUpdate": "2026-11-29T10:00:00.000Z", "updateInProgress": false,
     "resourceCount": 61, "url": "https://app.pulumi.com/dbaas/dbaas-tenant/lagos.acme"},
    {"name": "other-org/dbaas-tenant/lagos.kudi-pay", "current": true, "updateInProgress": true},
    {"name": "organization/dbaas-tenant/frankfurt.bergbahn", "current": false}
]"""


def test_stack_names_are_the_last_segment_of_each_name():
    assert stack_names(LS_JSON) == {"lagos.acme", "lagos.kudi-pay", "frankfurt.bergbahn"}
    assert stack_names("[]") == set()


@pytest.mark.parametrize(("output", "message"), [
    ("warning: A new version of Pulumi is available.", "`pulumi stack ls --json` printed no JSON: Expecting value: line 1 column 1 (char 0)"),
    ('{"name": "lagos.acme"}', "`pulumi stack ls --json` printed something other than a list of {\"name\": ...} objects"),
    ('[{"current": true}]', "`pulumi stack ls --json` printed something other than a list of {\"name\": ...} objects"),
])
def test_anything_else_is_refused_with_what_was_wrong(output, message):
    with pytest.raises(ValueError) as caught:
        stack_names(output)
    assert str(caught.value) == message


def test_only_the_two_concurrent_update_errors_are_conflicts():
    assert is_conflict("Updating (lagos):\nerror: [409] Conflict: Another update is currently in progress.\n"
                       "To learn more about possible reasons and resolution, visit https://www.pulumi.com/docs/support/"
                       "troubleshooting/common-issues/update-conflicts/")
    assert is_conflict("error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end "
                       "or delete the lock file with `pulumi cancel`.")
    assert not is_conflict("error: [409] Conflict: stack 'lagos.acme' already exists")
    assert not is_conflict("error: update failed")


@pytest.mark.parametrize(("output", "meanwhile"), [
    # the self-managed backend names a project-scoped stack organization/<project>/<stack>
    # (pulumi/pulumi v3.259.0 pkg/backend/diy/backend.go:190-195, 881-882)
    ("error: stack 'organization/dbaas-tenant/lagos.kudi-pay' already exists", True),
    # Pulumi Cloud names it <owner>/<project>/<stack> (pkg/backend/httpstate/backend.go:1329-1330)
    ("error: stack 'dbaas-cloud/dbaas-tenant/lagos.kudi-pay' already exists", True),
    ("error: stack 'lagos.kudi-pay' already exists", True),  # a legacy, unscoped diy stack
    ("error: stack 'organization/dbaas-tenant/lagos.acme' already exists", False),  # another stack
    ("error: stack 'organization/dbaas-tenant/xlagos.kudi-pay' already exists", False),
    ("error: a stack named organization/dbaas-tenant/lagos.kudi-pay already exists", False),  # a rename's message
])
def test_stack_init_already_exists_is_matched_in_the_names_the_backends_print(output, meanwhile):
    from tools.deploy.pulumi_cli import created_meanwhile, tenant_init

    assert created_meanwhile(tenant_init("lagos.kudi-pay", "awskms://alias/x"), output) is meanwhile
