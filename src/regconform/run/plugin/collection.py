"""Once the suites are collected: the run's config and results are built (once, in the stash),
each test's requirement ids become user properties, and every hypothesis test is configured."""

from __future__ import annotations

import pytest

from regconform.catalogue.contracts import load_contracts
from regconform.catalogue.requirements import Requirement, load_catalogue, require_known
from regconform.errors import ConfigError
from regconform.harness.session import CONFIG_KEY, RESULTS_KEY
from regconform.judging.results import RunResults
from regconform.run.plugin.preflight import check_once
from regconform.run.plugin.prepared import prepare, run_config_of
from regconform.run.plugin.seeding import configure_tests
from regconform.run.plugin.workers import write_suite_map


def suite_items(items: list[pytest.Item]) -> list[pytest.Item]:
    return [item for item in items if item.get_closest_marker("suite")]


def judging(items: list[pytest.Item], wanted: set[str]) -> list[pytest.Item]:
    """The tests whose requirement markers cite one of `wanted`."""
    return [
        item
        for item in items
        if any(wanted.intersection(m.args) for m in item.iter_markers("requirement"))
    ]


def keep_only_requirements(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--regconform-requirement ID`: deselect every suite test judging none of the ids given
    (the others show `skipped`, not selected). An id not in the catalogue is a usage error."""
    wanted = set(config.getoption("regconform_requirement") or ())
    if not wanted:
        return
    require_known(sorted(wanted))
    kept = set(map(id, judging(suite_items(items), wanted)))
    dropped = [item for item in suite_items(items) if id(item) not in kept]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        gone = set(map(id, dropped))
        items[:] = [item for item in items if id(item) not in gone]


def last_ones_last(items: list[pytest.Item]) -> None:
    """Tests marked `last` after every other, each group in its own order: under --concurrency
    the widest test (the most requests an example) then runs while the other workers' tests
    are ending, and its requests fill the slots they leave."""
    items.sort(key=lambda item: item.get_closest_marker("last") is not None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    chosen = suite_items(items)
    if not chosen:
        return
    if not hasattr(config, "workerinput"):
        check_once(config)  # done at session start, unless the suites activated the plugin later
    try:
        run_config = run_config_of(config)
        catalogue = load_catalogue()
        keep_only_requirements(config, items)
        last_ones_last(items)
        chosen = suite_items(items)
        load_contracts()
        run_config = prepare(config, run_config)  # the token, then the probe: before any test
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[CONFIG_KEY] = run_config
    config.stash[RESULTS_KEY] = RunResults(catalogue, run_config.failing_level, run_config.baseline)
    for item in chosen:
        mark_requirements(item, catalogue)
    configure_tests(chosen, run_config)
    write_suite_map(config, chosen)  # an xdist worker, one per suite: for the controller


def mark_requirements(item: pytest.Item, catalogue: dict[str, Requirement]) -> None:
    for marker in item.iter_markers("requirement"):
        for rid in marker.args:
            if rid not in catalogue:
                raise pytest.UsageError(f"{item.nodeid} cites unknown requirement {rid}")
            item.user_properties.append(("requirement", rid))
