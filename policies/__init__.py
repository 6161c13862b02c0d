"""The dbaas-platform policy pack: CrossGuard rules that the offline runner shares.

`policies/` is both the Pulumi policy pack directory (`pulumi preview --policy-pack policies`)
and an importable package, so `dbaas policy` evaluates exactly the code the pack runs.
"""
