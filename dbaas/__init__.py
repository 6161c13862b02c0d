"""dbaas: the `dbaas` command line, the top floor of the layout. It only parses arguments and
fronts the floors below: tools/ (offline plan, diff, policy, stacks, up, control-plane commands)
and api/ (`dbaas serve`)."""
