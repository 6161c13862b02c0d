"""Where a tenant service's database instance listens, and which Secret holds its credentials.

The only place the Kafka backbone learns about engine instances: it asks components/engines
(`connection_info`), adding the ports CDC needs beyond an engine's client port.
"""

from __future__ import annotations

from components.engines.connection import ConnectionInfo, connection_info
from declarations.engine_catalog import EngineName
from declarations.naming import tenant_namespace
from declarations.tenant_model import Service

InstanceEndpoint = ConnectionInfo

VITESS_VTGATE_GRPC_PORT = 15991
"""Debezium's Vitess connector reads the VStream API over vtgate's gRPC port, not MySQL's 3306."""
YUGABYTE_MASTER_RPC_PORT = 7100
"""The gRPC CDC connector (YugabyteDB 2.20) talks to the masters as well as to YSQL."""


def instance_endpoint(tenant_id: str, service: Service) -> InstanceEndpoint:
    return connection_info(tenant_namespace(tenant_id), service)


def extra_cdc_ports(engine: EngineName, grpc_cdc: bool) -> tuple[int, ...]:
    """Ports Connect must reach besides the client port (which the engines' policy already admits)."""
    if engine is EngineName.vitess:
        return (VITESS_VTGATE_GRPC_PORT,)
    if engine is EngineName.yugabyte and grpc_cdc:
        return (YUGABYTE_MASTER_RPC_PORT,)
    return ()
