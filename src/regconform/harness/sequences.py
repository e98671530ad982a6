"""State machines of the stateful suite: their steps kept, a failing sequence cut to its shortest.

A machine's rules draw what a step needs and hand it to `step`, which keeps it (so the sequence
can be replayed without drawing) and sends each request through `sent` (so every failure lists
the sequence's requests, in order, as curl lines: Failure.sequence).

Hypothesis shrinks a failing sequence first, but not all the way: every replay re-sends it, and
a sequence of course updates holds a thousand choices or more (see run). Then `shortest` drops
its steps one at a time, replaying each shorter sequence, for as long as it still fails: what
is reported is a sequence no step of which can be left out.

A server keeps state between sequences, so a replay may fail at another step, or not at all
(the statuses it set are already there): hypothesis then calls the test flaky. The first
failing sequence is kept as it happened, so such a failure is still reported, from it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from hypothesis import seed as hypothesis_seed
from hypothesis import settings as Settings
from hypothesis.errors import Flaky
from hypothesis.internal.conjecture import engine
from hypothesis.stateful import RuleBasedStateMachine, run_state_machine_as_test

from regconform.judging.checks import Check
from regconform.judging.verdicts import NonConformance, Verdicts
from regconform.target.exchange import Exchange

# Simplifications hypothesis makes of a failing sequence before `shortest` takes over (it lets
# users lower MAX_SHRINKS). A count, not a time: the same seed replays the same requests.
MAX_SHRINKS = 20


@dataclass(frozen=True)
class Step:
    """One step of a sequence: the machine's method and what was drawn for it."""

    action: str
    args: tuple[Any, ...]


class SequenceMachine(RuleBasedStateMachine):
    """A machine whose steps are kept and whose requests are listed in every failure."""

    def __init__(self, verdicts: Verdicts) -> None:
        super().__init__()
        self.verdicts = verdicts
        self.steps: list[Step] = []
        self.failure: NonConformance | None = None  # what this sequence broke, if it did
        verdicts.sequence = []  # a new sequence: its requests so far

    def step(self, action: str, *args: Any) -> None:
        """Run the method `action` with what a rule drew for it, and keep the step."""
        self.steps.append(Step(action, args))
        try:
            getattr(self, action)(*args)
        except NonConformance as exc:
            self.failure = exc
            raise

    def sent(self, exchange: Exchange) -> Exchange:
        assert self.verdicts.sequence is not None
        self.verdicts.sequence.append(exchange.request.curl())
        return exchange

    def judge(self, exchange: Exchange, *checks: Check) -> None:
        self.verdicts.judge_each([(exchange, checks)])


MachineFactory = Callable[[], SequenceMachine]


def replay(factory: MachineFactory, steps: list[Step]) -> NonConformance | None:
    """Run `steps` on a new machine (the requests are sent again); what it broke, if anything."""
    machine = factory()
    try:
        for one in steps:
            machine.step(one.action, *one.args)
    except NonConformance as exc:
        return exc
    finally:
        machine.teardown()
    return None


def _broken(failure: NonConformance) -> set[str]:
    return {f.requirement for f in failure.failures}


def shortest(factory: MachineFactory, steps: list[Step], failure: NonConformance) -> list[Step]:
    """The steps without every step whose removal still breaks what `failure` broke: each left
    out in turn, from the first, until none can be (at most n² replays of n steps)."""
    broken = _broken(failure)
    kept = list(steps)
    index = 0
    while index < len(kept):
        candidate = kept[:index] + kept[index + 1 :]
        found = replay(factory, candidate) if candidate else None
        if found is not None and broken & _broken(found):
            kept = candidate  # the same index now names the next step
        else:
            index += 1
    return kept


@contextmanager
def _shrinks_at_most(count: int) -> Iterator[None]:
    saved = engine.MAX_SHRINKS
    engine.MAX_SHRINKS = count
    try:
        yield
    finally:
        engine.MAX_SHRINKS = saved


def run(factory: MachineFactory, settings: Settings, seed: int) -> None:
    """Run the machine as a test: `settings` and `seed` decide the sequences. A failure raises
    the NonConformance of its shortest sequence, replayed last (so the failure every report
    shows is that sequence's)."""
    made: list[SequenceMachine] = []
    first: list[SequenceMachine] = []  # the first machine whose sequence failed

    def make() -> SequenceMachine:
        if made and made[-1].failure is not None and not first:
            first.append(made[-1])
        made[:] = [factory()]
        return made[0]

    try:
        with _shrinks_at_most(MAX_SHRINKS):
            # Any callable making a machine will do (its docstring); the annotation says a class.
            seeded = cast(type[RuleBasedStateMachine], hypothesis_seed(seed)(make))
            run_state_machine_as_test(seeded, settings=settings)
    except NonConformance as failure:
        steps = shortest(factory, made[0].steps, failure)
        raise replay(factory, steps) or failure from None
    except Flaky:  # the server's state made a replay differ: report the first failure
        failed = first[0] if first else made[0]
        if failed.failure is None:
            raise
        steps = shortest(factory, failed.steps, failed.failure)
        raise replay(factory, steps) or failed.failure from None
