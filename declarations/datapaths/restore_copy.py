"""The restore copy Job (components/engines/backup_copy.py): Dragonfly and Vitess clones and named restores."""

from declarations.datapaths.model import Actor, Binary, BucketOperation, Encryption, Identity, ServiceAccountFrom, Source

AWS_CLI = "docker.io/amazon/aws-cli"

RESTORE_COPY = Actor(
    name="restore-copy", engine="*", instance_type="kubernetes:batch/v1:Job",
    # `aws s3 ls` the source's prefix, `aws s3 cp` the chosen backup (an S3-side CopyObject: GetObject on the
    # source, PutObject on the target) to where the new instance looks, as the Job's serviceAccountName.
    process="aws s3 ls / aws s3 cp (restore copy Job)", pod="<instance>-restore-N", namespace="tenant",
    pod_labels={}, pod_labels_path="spec.template.metadata.labels",
    only_where=("spec.template.spec.containers[].image", AWS_CLI),
    service_account=ServiceAccountFrom(kind="field", path="spec.template.spec.serviceAccountName"),
    identity=Identity.irsa,
    # `aws s3 ls s3://$BUCKET/<source prefix>/` sends that prefix; `cp` reads under it and writes under the
    # target's (components/engines/backup_copy.py copy_backup_script, BaseEngine.source_prefix).
    bucket_operations=(BucketOperation("clone read", ("s3:GetObject", "s3:ListBucket"), ("kms:Decrypt",),
                                       prefix="{engine}/{source}"),  # the Job exists only for a restore
                       BucketOperation("restore copy write", ("s3:PutObject",), ("kms:GenerateDataKey",))),
    # `aws s3 cp` sends SSE headers only with --sse/--sse-kms-key-id, which the copy script does not pass: the
    # copy gets the bucket's default encryption (the tenant key).
    encryption=Encryption(kind="fixed", algorithm=None,
                          source=Source("aws/aws-cli", "2.22.35", "awscli/customizations/s3/subcommands.py")),
    binaries=(Binary("aws", "spec.template.spec.containers[].image"),),
)

ACTORS = (RESTORE_COPY,)
