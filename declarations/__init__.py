"""Declarations, the ground floor: what a tenant, a stack and a region declare (models, loaders
with located errors, catalogs, naming, pins, the control-plane schema) and the rules on them
(transition and restore guards). Imports nothing from the floors above."""
