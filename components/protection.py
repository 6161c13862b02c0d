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
