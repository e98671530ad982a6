"""Plans: how many examples each generated test draws.

`full` (the default) draws what the suites ask for: `--max-examples` (25), less where a test
says `@pytest.mark.examples(n)`. `quick` is for a per-commit gate against a rate-limited API:
one example per test, which is enough for every MUST requirement to be exercised at least once
(`tests/engine/test_plans.py` checks that against the reference server) in about 80 requests,
~21 s at 4 requests per second. A quick run proves less: one drawn body per rule, not 25.
"""

from __future__ import annotations

import pytest

QUICK_EXAMPLES = 1  # per test; a test may ask for more with quick_examples(n)
# Rules per sequence of a state machine under `quick`: its first step (an update, read back)
# and two more, enough to meet each read-back requirement once (tests/engine/test_plans.py).
QUICK_STEPS = 3


def examples_for(plan: str, item: pytest.Item, max_examples: int) -> int:
    """The examples `item` draws under `plan`, `max_examples` being the run's setting. A test
    drawing n requests an example (`per_example(n)`, sent together) draws 1/n of the examples,
    rounded up: about as many requests as one a request."""
    cap = item.get_closest_marker("examples")
    limit = min(cap.args[0], max_examples) if cap else max_examples
    per = item.get_closest_marker("per_example")
    limit = -(-limit // per.args[0]) if per else limit
    if plan == "quick":
        wanted = item.get_closest_marker("quick_examples")
        return min(limit, wanted.args[0] if wanted else QUICK_EXAMPLES)
    return limit


def steps_for(plan: str, steps: int) -> int:
    """The rules a state machine's sequence runs under `plan`, `steps` being the test's own."""
    return min(steps, QUICK_STEPS) if plan == "quick" else steps
