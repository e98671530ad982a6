"""Every hypothesis test of a run: the run's settings, a seed of its own, no harvested literals.

Same seed, same requests: each test function (and each state machine a test runs) is seeded
from the run seed and its name, and hypothesis is kept from mixing literals of our own modules
into generation.
"""

from __future__ import annotations

import gc
import hashlib
import os
from pathlib import Path

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.configuration import set_hypothesis_home_dir

from regconform.run.plan import examples_for, steps_for
from regconform.settings.config import RunConfig


def freeze_hypothesis_constants() -> None:
    """Same seed, same requests: stop hypothesis mixing in literals from our own modules.

    Hypothesis (6.131+) harvests string and number literals from every *local* module in
    sys.modules and feeds them into generation. The bytes sent for one seed would then depend on
    which modules happen to be loaded (a `-p` plugin, the CLI vs plain pytest) and on every
    literal in the source, so an unrelated edit would silently stale every recorded cassette.
    There is no setting for it, so its one entry point is replaced with an empty pool: a private
    one, hence the pinned hypothesis (pyproject.toml), and a loud stop if it is gone.
    """
    from hypothesis.internal.conjecture import providers

    if not hasattr(providers, "_get_local_constants"):
        raise pytest.UsageError(
            f"hypothesis {hypothesis.__version__} lacks the entry point regconform replaces to "
            "send the same requests for a seed; install the version regconform pins"
        )
    from hypothesis.internal.constants_ast import Constants

    empty = Constants()
    providers._get_local_constants = lambda: empty
    providers.CONSTANTS_CACHE.cache.clear()


def hypothesis_files_in_the_user_cache() -> None:
    """Leave nothing in the user's current folder: hypothesis keeps a cache of Unicode tables
    (its only file here: the example database is off) under `.hypothesis/` in the working
    folder by default, so it goes to the user's cache folder instead, as other tools' caches
    do. A HYPOTHESIS_STORAGE_DIRECTORY the user set still wins; an XDG_CACHE_HOME that is not
    an absolute path is ignored, as the XDG Base Directory spec says (it would name a folder in
    whatever folder the run starts from)."""
    if os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
        return
    given = Path(os.environ.get("XDG_CACHE_HOME") or ".")
    cache = given if given.is_absolute() else Path.home() / ".cache"
    set_hypothesis_home_dir(cache / "regconform" / "hypothesis")


def run_settings(run_config: RunConfig) -> settings:
    """The hypothesis settings of every generated test of the run."""
    return settings(
        max_examples=run_config.max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        print_blob=False,
        phases=(Phase.explicit, Phase.generate, *([Phase.shrink] if run_config.shrink else [])),
        suppress_health_check=list(HealthCheck),
    )


def settings_of(run_config: RunConfig, item: pytest.Item) -> settings:
    """The run's settings, with the examples the run's plan gives the test (run.plan)."""
    limit = examples_for(run_config.plan, item, run_config.max_examples)
    return settings(run_settings(run_config), max_examples=limit)


def configure_tests(items: list[pytest.Item], run_config: RunConfig) -> None:
    """Apply the run's hypothesis settings and a per-test seed to every suite test function."""
    freeze_hypothesis_constants()
    hypothesis_files_in_the_user_cache()
    configured: set[int] = set()
    for item in items:
        function = getattr(item, "obj", None)
        if function is None or not hasattr(function, "hypothesis") or id(function) in configured:
            continue  # parametrized items share one function: configure it once
        configured.add(id(function))
        # @given captured the default settings at import; the run's settings are applied here.
        settings_of(run_config, item)(function)
        hypothesis_seed(seed_for(run_config.seed, item))(function)
    spare_the_loaded_modules_from_gc()


def machine_settings(run_config: RunConfig, item: pytest.Item, steps: int) -> tuple[settings, int]:
    """The settings and the seed of a state machine the test `item` runs.

    A state machine is no function with `.hypothesis` that configure_tests could set up at
    collection: hypothesis builds its test when it runs (harness.sequences.run). So it gets the
    same settings here, with at most `steps` rules a sequence and one failure reported (the one
    whose sequence is then cut to its shortest: always, --no-shrink or not), and its seed from
    the run seed and the test's name, like every generated test.
    """
    return settings(
        settings_of(run_config, item),
        stateful_step_count=steps_for(run_config.plan, steps),
        report_multiple_bugs=False,
        # Under --no-shrink hypothesis sends no smaller copies of a failing sequence either
        # (settings_of has no shrink phase then): those cost hundreds of requests against a
        # broken server. Leaving out its steps one at a time (harness.sequences.shortest) is
        # not hypothesis's shrinking and still happens: a replay a step, and the steps are the
        # evidence.
    ), seed_for(run_config.seed, item)


def spare_the_loaded_modules_from_gc() -> None:
    """Move everything alive now (the imported libraries, contracts, strategies) out of the
    collector's reach. Hypothesis allocates heavily, so the collector runs hundreds of times a
    run, and each full pass walked every object the imports made: ~190 ms of a ~1.2 s test
    loop, in pauses up to 60 ms. A suites run is one short process, so nothing is lost."""
    gc.collect()
    gc.freeze()


def seed_for(run_seed: int, item: pytest.Item) -> int:
    """A seed per test function, stable across machines and paths: the run seed and its name."""
    name = getattr(item, "originalname", item.name)
    digest = hashlib.sha256(f"{run_seed}:{Path(item.path).name}::{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")
