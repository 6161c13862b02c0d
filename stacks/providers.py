"""The providers every stack of a region declares alike, so the platform stack and each tenant stack
reach the same account and region with the same default tags. No resource may fall back to a default
provider: the stack files disable them, so a missing `provider` fails loudly instead of deploying to
whatever the ambient credentials point at."""

from __future__ import annotations

import pulumi_aws as aws
import pulumi_random as random


def regional_aws_provider(region: str, pop_name: str, aws_region: str, aws_account_id: str) -> aws.Provider:
    """The region's AWS provider; the platform stack and every tenant stack each have one, alike."""
    return aws.Provider(
        f"aws-{region}",
        region=aws_region,
        allowed_account_ids=[aws_account_id],
        default_tags={"tags": {"dbaas:region": region, "dbaas:pop": pop_name, "managed-by": "pulumi"}},
    )


def regional_random_provider(region: str) -> random.Provider:
    """pulumi_random (generated passwords) must be explicit too: default providers are disabled."""
    return random.Provider(f"random-{region}")
