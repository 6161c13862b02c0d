"""Database engines: regional operators, and one instance per tenant service.

`connection_info(namespace, service)` tells clients (and the Kafka area's Debezium connectors)
how to reach an instance; see README.md in this folder.
"""

from components.engines.connection import ConnectionInfo, connection_info

__all__ = ["ConnectionInfo", "connection_info"]
