"""State machines of the stateful suite: their steps kept, a failing sequence cut to its shortest.

A machine's rules draw what a step needs and hand it to `step`, which keeps it (so the sequence
can be replayed without drawing) and sends each request through `sent` (so every failure lists
the sequence's requests, in order, as curl lines: Failure.sequence).

Hypothesis shrinks a failing sequence first (not under --no-shrink), but not all the way: every
replay re-sends it, and a sequence of course updates holds a thousand choices or more (see run).
Then `shortest` drops its steps one at a time, replaying each shorter sequence, for as long as
it still fails: what is reported is a sequence no step of which can be left out.

A server keeps state between sequences, so a replay may fail at another step, or not at all
(the statuses it set are already there): hypothesis then calls the test flaky. The first
failing sequence is kept as it happened, so such a failure is still reported, from it.

A machine's examples are split into lanes (`run_lanes`), each over its own share of the
profile's records, with its own seed and score: sequences of one lane never touch another's
records, so under --concurrency the lanes run at once, each judged exactly as alone. The lanes
depend on the profile and the examples only, never on --concurrency: a sequential run sends the
same requests (lane after lane), and its verdicts are the same.
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from hypothesis import Phase
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


class Halted(BaseException):
    """Another lane's run was interrupted (Ctrl-C): this one stops at its next step."""


@dataclass(frozen=True)
class Step:
    """One step of a sequence: the machine's method and what was drawn for it."""

    action: str
    args: tuple[Any, ...]


class SequenceMachine(RuleBasedStateMachine):
    """A machine whose steps are kept and whose requests are listed in every failure."""

    def __init__(self, verdicts: Verdicts, halt: threading.Event | None = None) -> None:
        super().__init__()
        self.verdicts = verdicts
        self.halt = halt  # set when the run is interrupted while lanes run at once
        self.steps: list[Step] = []
        self.failure: NonConformance | None = None  # what this sequence broke, if it did
        verdicts.sequence = []  # a new sequence: its requests so far

    def step(self, action: str, *args: Any) -> None:
        """Run the method `action` with what a rule drew for it, and keep the step."""
        if self.halt is not None and self.halt.is_set():
            raise Halted
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


def run(factory: MachineFactory, settings: Settings, seed: int, cut: bool = True) -> None:
    """Run the machine as a test: `settings` and `seed` decide the sequences. A failure raises
    the NonConformance of its shortest sequence, replayed last (so the failure every report
    shows is that sequence's); with `cut` false, that of its sequence as it failed (nothing
    replayed: a failure no report will show)."""
    if not cut:
        settings = Settings(settings, phases=[p for p in settings.phases if p != Phase.shrink])
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
        if not cut:
            raise
        steps = shortest(factory, made[0].steps, failure)
        raise replay(factory, steps) or failure from None
    except Flaky:  # the server's state made a replay differ: report the first failure
        failed = first[0] if first else made[0]
        if failed.failure is None:
            raise
        if not cut:
            raise failed.failure from None
        steps = shortest(factory, failed.steps, failed.failure)
        raise replay(factory, steps) or failed.failure from None


@contextmanager
def _one_parse_at_a_time() -> Iterator[None]:
    """`ast.parse` behind a lock while lanes run on threads. Hypothesis parses a lambda's source
    to describe a strategy when it first validates it (in the lanes: their strategies are new),
    and CPython 3.11 keeps the AST builder's recursion depth per interpreter, not per thread:
    two threads parsing at once fail with "SystemError: AST constructor recursion depth
    mismatch" (seen here on 3.11.7, 1 run in 2; python/cpython#106905)."""
    parse, lock = ast.parse, threading.Lock()

    def parse_alone(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return parse(*args, **kwargs)

    ast.parse = parse_alone
    try:
        yield
    finally:
        ast.parse = parse


@dataclass(frozen=True)
class Lane:
    """One share of a machine's examples: the records its sequences may touch, its own score
    keeper (the test's `Verdicts` absorbs it), and its own seed."""

    number: int
    ids: tuple[str, ...]
    examples: int
    verdicts: Verdicts
    halt: threading.Event = field(default_factory=threading.Event, compare=False)  # shared


def shares(ids: Sequence[str], examples: int) -> list[tuple[tuple[str, ...], int]]:
    """(records, examples) of each lane: records dealt round in profile order, one lane per
    record at most. Hypothesis's first example of every run is its simplest (a sequence of one
    step): each lane has that one, and the test's other examples, the random ones, are dealt
    among the lanes, at least one each (so one example is one lane over every record)."""
    drawn = examples - 1
    count = max(1, min(drawn, len(ids)))
    return [
        (tuple(ids[number::count]), 1 + drawn // count + (number < drawn % count))
        for number in range(count)
    ]


def run_lanes(
    make: Callable[[Lane], SequenceMachine],
    ids: Sequence[str],
    settings: Settings,
    seed: int,
    verdicts: Verdicts,
    concurrency: int,
) -> None:
    """Run the machine `make` builds over `ids` in lanes (see the module docstring): at once
    when `concurrency` > 1, else one after the other. Every lane runs to its end; their scores
    are added to `verdicts`, and the first lane's failure (by lane number) is raised."""
    halt = threading.Event()  # set on Ctrl-C: every lane stops at its next step
    lanes = [
        Lane(number, share, examples, verdicts.lane(), halt)
        for number, (share, examples) in enumerate(shares(ids, settings.max_examples))
    ]

    failed: list[int] = []  # the lanes that failed so far

    def one(lane: Lane) -> BaseException | None:
        lane_settings = Settings(settings, max_examples=lane.examples)
        # Only the first failing lane's failure is reported: a lane starting after one before
        # it failed (one after the other, that is) does not cut its failing sequence short.
        cut = not any(number < lane.number for number in failed)
        try:  # lane 0 keeps the test's seed: a one-lane machine draws what it always drew
            run(lambda: make(lane), lane_settings, seed + lane.number, cut)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # a failure, a throttled or broken target: kept, in turn
            failed.append(lane.number)
            return exc
        return None

    with _shrinks_at_most(MAX_SHRINKS):  # set once for all lanes (each run sets it again)
        if concurrency <= 1 or len(lanes) == 1:
            outcomes = [one(lane) for lane in lanes]
        else:
            with (
                _one_parse_at_a_time(),
                ThreadPoolExecutor(len(lanes), thread_name_prefix="regconform-lane") as pool,
            ):
                futures = [pool.submit(one, lane) for lane in lanes]
                try:
                    outcomes = [future.result() for future in futures]
                except KeyboardInterrupt:
                    halt.set()
                    raise
    for lane in reversed(lanes):  # the first lane's failing example is the one kept
        verdicts.absorb(lane.verdicts)
    for outcome in outcomes:
        if outcome is not None:
            raise outcome
