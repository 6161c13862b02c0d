"""Kafka event backbone: the regional Strimzi cluster (backbone.py `EventBackbone`) and each tenant's
topics, user and CDC (tenant_streams.py `TenantStreams`).

Nothing is imported here: a tenant stack imports its side only, not the regional cluster."""
