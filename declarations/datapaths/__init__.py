"""The runtime actor model (issue 20): one module per engine, the shared types in model.py.

`ACTORS` is every actor; tools/datapaths evaluates each against a plan."""

from declarations.datapaths import (
    aerospike, controlplane_pg, dragonfly, kafka_connect, mongodb, restore_copy, scylla, vitess, yugabyte,
)
from declarations.datapaths.model import Actor

ACTORS: tuple[Actor, ...] = (
    *mongodb.ACTORS, *yugabyte.ACTORS, *vitess.ACTORS, *scylla.ACTORS, *dragonfly.ACTORS, *aerospike.ACTORS,
    *restore_copy.ACTORS, *kafka_connect.ACTORS, *controlplane_pg.ACTORS,
)
