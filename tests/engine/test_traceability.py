"""Traceability is machine-checked: every requirement is verified by something, and every
citation names a real requirement."""

from __future__ import annotations

import json
import re
import tempfile

from regconform.catalogue.requirements import load_catalogue
from regconform.judging.checks import REGISTRY
from runner import REPO, python

# Collects the requirement markers of every suite test without running any (dry run, no target);
# its one argument is the folder for the reports a dry run writes too.
COLLECTOR = """
import json, sys, pytest
found = {}
class Collector:
    def pytest_collection_finish(self, session):
        for item in session.items:
            marks = item.iter_markers("requirement")
            found[item.nodeid] = sorted({a for m in marks for a in m.args})
args = ["suites", "--collect-only", "-q", "--regconform-dry-run",
        "--regconform-base-url", "http://127.0.0.1:9"]
args += ["--regconform-report-dir", sys.argv[1]]
code = pytest.main(args, plugins=[Collector()])
print("MARKERS" + json.dumps(found))
sys.exit(code)
"""


def suite_markers() -> dict[str, list[str]]:
    with tempfile.TemporaryDirectory() as reports:  # not the repository's reports/
        done = python("-c", COLLECTOR, reports, timeout=120)
    assert done.code == 0, done.output
    line = next(x for x in done.stdout.splitlines() if x.startswith("MARKERS"))
    markers: dict[str, list[str]] = json.loads(line.removeprefix("MARKERS"))
    return markers


def test_every_server_requirement_has_a_check_and_a_suite_test() -> None:
    """Each server requirement is cited by a registered check and by at least one suite test."""
    catalogue = load_catalogue()
    server_ids = {rid for rid, r in catalogue.items() if r.kind == "server"}
    checked = {rid for check in REGISTRY.values() for rid in check.requirements}
    markers = suite_markers()
    tested = {rid for ids in markers.values() for rid in ids}
    assert server_ids - checked == set(), "requirements no check verifies"
    assert server_ids - tested == set(), "requirements no suite test cites"


def test_every_suite_test_cites_known_requirements() -> None:
    """Every suite test names at least one requirement, and only catalogue ids."""
    catalogue = load_catalogue()
    for nodeid, ids in suite_markers().items():
        assert ids, f"{nodeid} cites no requirement"
        assert set(ids) <= set(catalogue), nodeid


def test_every_client_requirement_is_cited_by_a_self_test() -> None:
    """Requirements on regconform's own behaviour are verified by a marked self-test."""
    text = "\n".join(p.read_text() for p in (REPO / "tests").rglob("test_*.py"))
    cited = set(re.findall(r'requirement\("([A-Z]+-\d{3})"', text))
    client_ids = {rid for rid, r in load_catalogue().items() if r.kind == "client"}
    assert client_ids - cited == set()


def test_the_widest_test_is_collected_last() -> None:
    """`pytest.mark.last` puts the single-violation test (the most requests an example) after
    every other suite test, the door tests of the shared suite included: under --concurrency it
    runs while the other workers' tests are ending (run.plugin.collection)."""
    order = list(suite_markers())  # in collection order
    assert order[-1].endswith("test_course_registrations.py::test_each_single_violation_is_refused")
    assert any("test_shared_rules.py" in nodeid for nodeid in order[:-1])
