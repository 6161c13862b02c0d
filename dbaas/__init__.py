"""dbaas: the platform's own tooling: declarations (tenant and stack models), the offline
plan runner, and the `dbaas` command line."""
