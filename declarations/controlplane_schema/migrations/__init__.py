"""The control-plane schema as numbered SQL files: `NNNN_<name>.up.sql` and `.down.sql`.

They run as `dbaas_owner` (the runner switches role), so every object belongs to the owner
role and never to the role that happened to connect.
"""
