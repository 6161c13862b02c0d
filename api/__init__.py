"""The provisioning API: self-service tenant changes that become reviewed branches.

The API never touches the cloud. A request becomes a validated tenant file committed on a
`provision/<id>-<change>` branch, with the offline plan diff of that change; review and
`pulumi up` take it from there.
"""
