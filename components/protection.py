"""Resource options for things that hold data.

Protected resources cannot be deleted by `pulumi up` or `destroy` until someone runs
`pulumi state unprotect`, and retain_on_delete keeps the cloud object even then: removing a
tenant from its declaration becomes a visible, reviewed step, never a silent delete.
"""

from __future__ import annotations

import pulumi


def stateful(opts: pulumi.ResourceOptions, protected: bool) -> pulumi.ResourceOptions:
    """Merge protect + retain_on_delete into `opts` when the owner asked for deletion protection."""
    if not protected:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(protect=True, retain_on_delete=True))


def retained_after_decommission(opts: pulumi.ResourceOptions, protected: bool) -> pulumi.ResourceOptions:
    """A decommissioned tenant's bucket and key: no longer protected, so the tenant can leave the
    stack, but still retained, because its backups must outlive it for their data class's
    retention (the bucket's lifecycle and Object Lock govern them) and need the key to be read."""
    if not protected:
        return opts
    return pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True))


def backup_store(opts: pulumi.ResourceOptions, protected: bool) -> pulumi.ResourceOptions:
    """A tenant's backup bucket and the key that reads it: retained on delete for every tenant,
    protected or not, decommissioned or not, and `protect`ed while the tenant's protection holds.

    Decommissioning writes a final backup into the bucket just before the tenant's stack is
    destroyed, and the README promises that backups outlive the tenant for their retention; without
    retainOnDelete an unprotected tenant's destroy would delete both right after (issue 22, item 10).
    The bucket is emptied and removed by hand once the retention has passed (force_destroy is off)."""
    retained = pulumi.ResourceOptions(protect=True, retain_on_delete=True) if protected else \
        pulumi.ResourceOptions(retain_on_delete=True)
    return pulumi.ResourceOptions.merge(opts, retained)
