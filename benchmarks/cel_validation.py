"""What the CRDs' CEL rules add to validating every Kubernetes object of a shipped plan.

Run: `python benchmarks/cel_validation.py [STACK] [--rounds 5]`. Builds the offline plan once,
compiles every schema's rules once (as the validator caches them), then times `validate_object`
over all Kubernetes objects of the plan with and without the CEL rules, and the CEL rules alone
on the custom resources; prints the median of the rounds for each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.kubernetes.validation import cel_validator, is_core_api, kubernetes_objects, validate_object  # noqa: E402
from tests.conftest import shipped_plan  # noqa: E402


def _median_seconds(works: list, rounds: int) -> list[float]:
    """Median per work item; the items alternate within each round, so load drift hits them alike."""
    samples: list[list[float]] = [[] for _ in works]
    for _ in range(rounds):
        for work, times in zip(works, samples):
            started = time.perf_counter()
            work()
            times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in samples]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("stack", nargs="?", default="lagos")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    objects = [obj for _, obj in kubernetes_objects(shipped_plan(args.stack).registrations)]
    custom = [o for o in objects if not is_core_api(o.get("apiVersion", ""))]
    started = time.perf_counter()
    validators = {(o["apiVersion"], o["kind"]): cel_validator(o["apiVersion"], o["kind"]) for o in custom}
    compile_time = time.perf_counter() - started
    rules = sum(len(v.rules) for v in validators.values())
    for obj in objects:  # warm every cache (kubernetes-validate schemas, jsonschema validators)
        validate_object(obj)
    without, with_cel, cel_only = _median_seconds([
        lambda: [validate_object(o, cel=False) for o in objects],
        lambda: [validate_object(o) for o in objects],
        lambda: [validators[(o["apiVersion"], o["kind"])].problems(o) for o in custom],
    ], args.rounds)
    print(f"{args.stack}: {len(objects)} objects, {len(custom)} custom resources of {len(validators)} kinds "
          f"carrying {rules} rules (compiled once in {compile_time * 1000:.0f} ms)")
    print(f"validate all objects without CEL: {without * 1000:.0f} ms")
    print(f"validate all objects with CEL:    {with_cel * 1000:.0f} ms")
    print(f"CEL rules alone on the custom resources: {cel_only * 1000:.1f} ms "
          f"({cel_only / len(custom) * 1e6:.0f} us per custom resource)")


if __name__ == "__main__":
    main()
