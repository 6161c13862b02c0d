"""Pulumi values that component args (frozen pydantic models) may hold.

`pulumi.Input[str]` has forward references pydantic cannot resolve, so args spell the union out.
"""

from typing import Union

import pulumi

StrInput = Union[str, pulumi.Output]
"""A plain string or a Pulumi output of one (an ARN, or an issuer a created cluster computes)."""
