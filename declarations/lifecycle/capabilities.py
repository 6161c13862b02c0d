"""What each engine's operator can and cannot do to a running instance, with the source of each fact.

The transition guards read this table; they add what the CRD schemas cannot know. Rules the CRDs state
themselves (CEL `oldSelf` rules such as YBUniverse's immutable `replicationFactor`) are evaluated from the
schemas by the diff's conformance check and are not repeated here.
"""

from __future__ import annotations

from dataclasses import dataclass

from declarations.engine_catalog import EngineName


@dataclass(frozen=True)
class EngineLifecycle:
    storage_growth_refused: str | None
    """Why the operator cannot grow the data volumes in place, or None when it can."""
    one_version_at_a_time: str | None
    """Why upgrades must step through each supported version, or None when any newer version is reachable."""
    topology_change_refused: str | None
    """Why single <-> clustered cannot be changed in place, or None when the operator reshapes the instance."""


LIFECYCLE: dict[EngineName, EngineLifecycle] = {
    EngineName.yugabyte: EngineLifecycle(
        # YBA grows a Kubernetes universe's volumes in place when the storage class allows expansion
        # (docs.yugabyte.com yugabyte-platform/scale-deployments/edit-universe); shrinking needs a "full move".
        storage_growth_refused=None,
        one_version_at_a_time=None,
        # single -> clustered changes replicationFactor, which YBUniverse's own CEL rule forbids (schema check).
        topology_change_refused=None,
        # RestoreJob (operator.yugabyte.io/v1alpha1, the vendored CRD) has actionType, universe,
        # backup and keyspace: no restore time. YBA's PITR exists only through its REST API, not the operator.
    ),
    EngineName.vitess: EngineLifecycle(
        # vitess-operator patches the tablet PVCs when dataVolumeClaimTemplate grows (it ignores shrinks); the
        # tablets may need a restart for the filesystem (planetscale/vitess-operator#740): allowed, with attention.
        storage_growth_refused=None,
        one_version_at_a_time="Vitess supports upgrading one major release at a time (vitess.io 'Upgrading Vitess')",
        topology_change_refused=None,
    ),
    EngineName.scylla: EngineLifecycle(
        storage_growth_refused=(
            "ScyllaCluster's admission webhook forbids any change of a rack's storage "
            "('changes in storage are currently not supported', scylla-operator "
            "pkg/api/scylla/validation/cluster_validation.go)"
        ),
        one_version_at_a_time="ScyllaDB upgrades one minor release at a time (6.1 -> 6.2 -> ...)",
        topology_change_refused=None,
    ),
    EngineName.dragonfly: EngineLifecycle(
        storage_growth_refused=(
            "the Dragonfly operator writes the volume size into its StatefulSet's volumeClaimTemplates, which "
            "Kubernetes refuses to update, so the reconcile fails (dragonflydb/dragonfly-operator#472, #394)"
        ),
        one_version_at_a_time=None,
        topology_change_refused=None,
    ),
    EngineName.aerospike: EngineLifecycle(
        # Storage cannot change in place either, but a new rack revision makes AKO build the rack anew with the
        # new volumes and migrate the data (AerospikeCluster rackConfig.racks[].revision): the engine does that.
        storage_growth_refused=None,
        one_version_at_a_time=None,
        topology_change_refused=(
            "the Aerospike operator's webhook refuses changing podSpec.multiPodPerHost and a namespace's "
            "replication-factor on a running cluster (aerospike-kubernetes-operator "
            "api/v1/aerospikecluster_validating_webhook.go; docs 'Cluster configuration settings')"
        ),
    ),
    EngineName.mongodb: EngineLifecycle(
        # psmdb 1.19 resizes the replset PVCs when `enableVolumeExpansion` is set (the engine sets it).
        storage_growth_refused=None,
        one_version_at_a_time=(
            "MongoDB upgrades one major release at a time, each after setting featureCompatibilityVersion "
            "(mongodb.com 'Upgrade a Replica Set'; Percona Operator docs 'Upgrade Percona Server for MongoDB')"
        ),
        topology_change_refused=None,
    ),
}


def lifecycle(engine: EngineName) -> EngineLifecycle:
    return LIFECYCLE[engine]
