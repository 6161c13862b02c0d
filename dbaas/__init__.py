"""dbaas: the `dbaas` command line, the top floor of the layout. It only parses arguments and
fronts the floors below: tools/ (offline plan, diff, policy, stacks, up, control-plane commands)
and api/ (`dbaas serve`)."""

import sys

# Keep the project's bytecode (in __pycache__/, git-ignored) although the environment sets
# PYTHONDONTWRITEBYTECODE=1: otherwise every `dbaas` process compiles again the few hundred project
# modules it imports, ~0.1 s of a one-tenant plan's ~1.3 s. Here, before dbaas/cli.py and everything it
# imports: both `dbaas` and `python -m dbaas.cli` import this package first. Only the command line does
# this; the floors below never change how the interpreter caches.
sys.dont_write_bytecode = False
