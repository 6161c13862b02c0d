"""A tenant stack (project dbaas-tenant in tenant_project/, stack `<region>.<tenant-id>`): one
tenant's namespace, bucket, key and databases, built on the platform's contract read through a
StackReference."""
