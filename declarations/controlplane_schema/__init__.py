"""The control-plane database as declared: SQL migrations and the roles that own and use them.
components/controlplane_db deploys it; tools/controlplane runs and queries it."""
