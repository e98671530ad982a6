"""How a test's trouble becomes its outcome, in a few lines a person reads.

- CutShort (budget used up, still throttled): the test is skipped; what it had not judged yet
  is `not run`, saying why.
- TargetBrokeDown (no usable answer): the test fails with one line, after what its earlier
  answers broke; an open breaker ends the session (every further test could only say the same).
- NonConformance: one block per broken requirement (rule, curl line, the answer in brief) and
  one command re-running just that test with the same seed; no traceback into regconform and
  no hypothesis reprs (`-v` shows everything).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TypeVar

import pytest

from regconform.catalogue.requirements import load_catalogue
from regconform.harness.session import CONFIG_KEY, VERDICTS_KEY
from regconform.judging.failure import Failure
from regconform.judging.results import INTERNAL_ERROR, NOT_RUN, TRANSPORT_FAILURE
from regconform.judging.verdicts import NonConformance, describe

_E = TypeVar("_E", bound=BaseException)
RERUN_OPTION = "regconform_rerun"  # how `regconform run` re-runs a test, set by the CLI


class TargetBrokeDown(BaseException):
    """A request of the test got no usable answer. Not an Exception: hypothesis neither shrinks
    nor replays it, since a broken target is no property of the drawn example."""

    def __init__(self, message: str, stop: str | None) -> None:
        super().__init__(message)
        self.stop = stop  # why the whole session should stop, once the breaker is open


class CutShort(BaseException):
    """The run may send no more for this test (budget used up, still throttled)."""


class OwnBug(BaseException):
    """regconform itself went wrong (a request the allow-list refused, unsent): exit 3, never
    a verdict on the target. Not an Exception, so hypothesis does not shrink it."""


class TargetGuard:
    """Pytest hooks turning a suite test's trouble into its outcome (see the module)."""

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Generator[None, None, None]:
        try:
            return (yield)
        except CutShort as exc:
            item.user_properties.append((NOT_RUN, str(exc)))
            raise pytest.skip.Exception(str(exc)) from None
        except OwnBug as exc:
            _internal(item, exc)
            raise pytest.fail.Exception(str(exc), pytrace=False) from None
        except TargetBrokeDown as exc:
            item.user_properties.append((NOT_RUN, f"{TRANSPORT_FAILURE}{exc}"))
            if exc.stop:
                item.session.shouldfail = exc.stop
            verdicts = item.stash.get(VERDICTS_KEY, None)
            before = [describe(f) for f in verdicts.pending] if verdicts else []
            message = "\n\n".join([*before, f"then: {exc}"] if before else [str(exc)])
            raise pytest.fail.Exception(message, pytrace=False) from None
        except NonConformance as exc:
            if item.config.get_verbosity() > 0:
                raise
            raise pytest.fail.Exception(compact(exc.failures, item), pytrace=False) from None
        except BaseExceptionGroup as group:  # hypothesis found several distinct failures
            nonconformances, others = group.split(NonConformance)
            if others is not None:
                _internal(item, others)
                raise
            assert nonconformances is not None
            failures = [f for e in _leaves(nonconformances) for f in e.failures]
            if item.config.get_verbosity() > 0:
                raise
            raise pytest.fail.Exception(compact(failures, item), pytrace=False) from None
        except Exception as exc:  # a bug of ours, never a verdict on the target
            _internal(item, exc)
            raise


def _leaves(group: BaseExceptionGroup[_E]) -> list[_E]:
    found: list[_E] = []
    for exc in group.exceptions:
        found += _leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc]
    return found


def _internal(item: pytest.Item, exc: BaseException) -> None:
    """Mark the test's report: the run then exits 3 (internal error), whatever else it saw.
    A group (hypothesis found several failures) is named by the errors in it."""
    errors = _leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc]
    said = "; ".join(f"{type(e).__name__}: {e}" for e in errors)
    item.user_properties.append((INTERNAL_ERROR, said[:300]))


def compact(failures: list[Failure], item: pytest.Item) -> str:
    """One block per broken requirement, then the command that re-runs this test."""
    catalogue = load_catalogue()
    lines: list[str] = []
    for failure in _one_per_requirement(failures):
        lines += failure.block(catalogue[failure.requirement].statement)
    lines.append(f"re-run: {rerun_command(item)}")
    return "\n".join(lines)


def _one_per_requirement(failures: list[Failure]) -> list[Failure]:
    first: dict[str, Failure] = {}
    for failure in failures:
        first.setdefault(failure.requirement, failure)
    return list(first.values())


def rerun_command(item: pytest.Item) -> str:
    """The command re-running just this test with the run's seed and target."""
    name = getattr(item, "originalname", item.name)
    given = item.config.getoption(RERUN_OPTION, None)
    if given:
        return f"{given} -- -k {name}"
    run_config = item.config.stash.get(CONFIG_KEY, None)
    seed = run_config.seed if run_config else 0
    return f"pytest '{item.nodeid}' --regconform-seed {seed} " + " ".join(
        f"{flag} {value}"
        for flag, value in (
            ("--regconform-profile", item.config.getoption("regconform_profile", None)),
            ("--regconform-base-url", item.config.getoption("regconform_base_url", None)),
        )
        if value
    )
