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
