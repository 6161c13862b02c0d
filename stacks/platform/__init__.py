"""The platform stack of a region (project dbaas-platform, stack `<region>`): providers, PoP
cluster, operators, Kafka, observability, control-plane database. It reads no tenant file; its
outputs are the contract in stacks/platform_contract.py."""
