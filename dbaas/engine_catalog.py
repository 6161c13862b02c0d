"""Engines a tenant may ask for, with the versions the platform supports and can restore."""

from __future__ import annotations

from enum import Enum


class EngineName(str, Enum):
    yugabyte = "yugabyte"
    vitess = "vitess"
    scylla = "scylla"
    dragonfly = "dragonfly"
    aerospike = "aerospike"
    mongodb = "mongodb"


SUPPORTED_VERSIONS: dict[EngineName, tuple[str, ...]] = {
    EngineName.yugabyte: ("2.20", "2024.1", "2024.2"),
    EngineName.vitess: ("19.0", "20.0", "21.0"),
    EngineName.scylla: ("6.1", "6.2"),
    EngineName.dragonfly: ("1.24", "1.25"),
    EngineName.aerospike: ("7.1", "7.2"),
    EngineName.mongodb: ("6.0", "7.0", "8.0"),
}
