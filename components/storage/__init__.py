"""S3 buckets and KMS keys shared by tenant and platform components."""
