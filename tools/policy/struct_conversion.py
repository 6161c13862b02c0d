"""One protobuf-to-dict conversion per resource, where pulumi_policy's servicer makes one per policy.

pulumi_policy 1.21.0's servicer converts a resource's properties with `json_format.MessageToDict` inside its
loop over policies: in `Analyze` once per resource policy (policy.py line 997), in `AnalyzeStack` once per
stack policy and resource (line 1049), and the provider's properties once per policy again
(`_get_provider_resource`, line 1410). With 28 policies that is about 50 conversions of the same bytes per
resource, 40% of a stack's evaluation. The conversion is a pure function of the message, and nothing downstream
mutates its result: `deserialize_properties` builds new dicts and lists and keeps only immutable leaves
(deserialize.py `_deserialize_property`), and the proxies build their own containers from those, reading them
only (proxy.py `_proxy_helper`). So, while the in-process analyzer serves `Analyze` and `AnalyzeStack` for one
stack, the servicer's `json_format` answers a message it has converted before from a memo keyed by the message's
type and deterministic bytes, and its `deserialize_properties` (without secret proxies, as Analyze and
AnalyzeStack call it) a dict it has deserialized before. The proxies handed to each policy are still built
afresh per policy (a policy may write through one), and everything else the servicer does is unchanged; `DBAAS_POLICY_CONVERSION=each` turns the memo off
(tests/policies/test_policy_equivalence.py holds both equal, and equal to the pack in its own process).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

from google.protobuf import json_format
from pulumi_policy import policy as servicer_module
from pulumi_policy.deserialize import deserialize_properties as original_deserialize_properties

_active = threading.local()


def _message_to_dict(message: Any, *args: Any, **kwargs: Any) -> Any:
    memo = getattr(_active, "memo", None)
    if memo is None or args or kwargs:
        return json_format.MessageToDict(message, *args, **kwargs)
    key = (message.DESCRIPTOR.full_name, message.SerializeToString(deterministic=True))
    found = memo.get(key)
    if found is None:
        found = memo[key] = json_format.MessageToDict(message)
        memo[("converted", id(found))] = found
    return found


def _deserialize_properties(props: Any, proxy_secrets: bool = False) -> Any:
    """The servicer's next step on the converted dict (deserialize.py `deserialize_properties`), remembered for a
    dict this memo converted (held by the memo, so its id is not reused while the memo lives)."""
    memo = getattr(_active, "memo", None)
    if memo is None or proxy_secrets or memo.get(("converted", id(props))) is not props:
        return original_deserialize_properties(props, proxy_secrets)
    key = ("deserialized", id(props))
    found = memo.get(key)
    if found is None:
        found = memo[key] = original_deserialize_properties(props)
    return found


_SHIM = SimpleNamespace(**{name: getattr(json_format, name) for name in dir(json_format) if not name.startswith("__")})
_SHIM.MessageToDict = _message_to_dict


def enabled() -> bool:
    return os.environ.get("DBAAS_POLICY_CONVERSION", "once").lower() != "each"


@contextmanager
def converting_once(memo: dict) -> Iterator[None]:
    """While inside, this thread's servicer calls answer repeated conversions from `memo` (one per stack)."""
    if not enabled():
        yield
        return
    if servicer_module.json_format is not _SHIM:  # both delegate unchanged outside this context
        servicer_module.json_format = _SHIM
        servicer_module.deserialize_properties = _deserialize_properties
    previous = getattr(_active, "memo", None)
    _active.memo = memo
    try:
        yield
    finally:
        _active.memo = previous
