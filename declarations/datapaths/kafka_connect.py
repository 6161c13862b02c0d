"""Kafka Connect (Strimzi, shared by the region): the audit archive S3 sink and the Debezium CDC sources."""

from declarations.datapaths.model import (
    Actor, BucketOperation, Encryption, Identity, ServiceAccountFrom, Source,
)

STRIMZI = "strimzi/strimzi-kafka-operator"

AUDIT_ARCHIVE = Actor(
    name="kafka-connect-s3-sink", engine="kafka",
    instance_type="kubernetes:kafka.strimzi.io/v1beta2:KafkaConnector",
    # Connect workers run as `<connect>-connect` (Strimzi KafkaConnectResources.serviceAccountName), hold the
    # platform role through IRSA and assume the tenant role with the tenant id as external id
    # (AwsAssumeRoleCredentialsProvider: sts.role.arn, sts.role.external.id in the connector config).
    process="S3SinkConnector task (audit archive)", pod="dbaas-connect-connect-N", namespace="kafka",
    pod_labels={"strimzi.io/cluster": "dbaas-connect", "strimzi.io/kind": "KafkaConnect"},
    service_account=ServiceAccountFrom(kind="template", template="dbaas-connect-connect",
                                       annotations_from="connect_template",
                                       source=Source(STRIMZI, "0.47.0",
                                                     "api/src/main/java/io/strimzi/api/kafka/model/connect/KafkaConnectResources.java")),
    identity=Identity.assume_role,
    only_where=("spec.class", "io.confluent.connect.s3.S3SinkConnector"),
    bucket_operations=(BucketOperation("audit archive write", ("s3:PutObject", "s3:ListBucket"), ("kms:GenerateDataKey",),
                                       list_prefix=""),),
    # Keys are `<topics.dir>/<topic>/<partition path>/...` (confluentinc/kafka-connect-storage-cloud
    # TopicPartitionWriter, FileUtils.fileKeyToCommit); at start the task checks that the bucket exists
    # (S3Storage.bucketExists: HeadBucket, which S3 authorises as s3:ListBucket with no prefix).
    key_prefix="{plan}", key_prefix_path="spec.config.topics\\.dir",
    encryption=Encryption(kind="plan", algorithm_path="spec.config.s3\\.ssea\\.name",
                          key_path="spec.config.s3\\.sse\\.kms\\.key\\.id"),
)

ACTORS = (AUDIT_ARCHIVE,)
