"""Baselines: loading, what a waiver does to a verdict, and the exit codes of `regconform run`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from report_runs import BROKEN, Run, drops_one_field, regconform_run

from regconform.catalogue.requirements import Level, load_catalogue
from regconform.errors import ConfigError
from regconform.judging.results import RequirementResult
from regconform.judging.verdicts import NonConformance, Tally, Verdicts
from regconform.reference import ServerSettings, running_server
from regconform.settings.baseline import Waiver, load_baseline
from regconform.target.exchange import Exchange, SentRequest
from runner import pytest_run, regconform

TODAY = dt.date(2026, 1, 15)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("b.toml", '[CR-020]\nreason = "ticket 12"\nexpires = 2026-01-14\n[CR-021]\nreason = "x"'),
        ("b.yaml", "CR-020: {reason: ticket 12, expires: 2026-01-14}\nCR-021: {reason: x}\n"),
        ("b.yml", "CR-020:\n  reason: ticket 12\n  expires: '2026-01-14'\nCR-021:\n  reason: x\n"),
    ],
)
def test_baseline_loads_from_toml_or_yaml_and_marks_expiry(
    tmp_path: Path, name: str, text: str
) -> None:
    """Both formats give the same waivers; an entry past its date is expired, not waived."""
    baseline = load_baseline(write(tmp_path, name, text), load_catalogue(), TODAY)
    assert baseline.waivers == {
        "CR-020": Waiver("ticket 12", dt.date(2026, 1, 14), expired=True),
        "CR-021": Waiver("x"),
    }
    assert baseline.waived == {"CR-021"}


def test_baseline_entry_is_still_waived_on_its_expiry_date(tmp_path: Path) -> None:
    """`expires` is the last day the deviation is accepted."""
    path = write(tmp_path, "b.toml", '[CR-020]\nreason = "r"\nexpires = 2026-01-15\n')
    assert load_baseline(path, load_catalogue(), TODAY).waived == {"CR-020"}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("b.toml", '[CR-999]\nreason = "r"', "unknown requirement CR-999"),
        ("b.toml", '[GEN-007]\nreason = "r"', "about regconform, not the server"),
        ("b.toml", "[CR-020]\nexpires = 2026-01-01", "needs a `reason`"),
        ("b.toml", '[CR-020]\nreason = "r"\nwhy = "x"', "takes only `reason` and `expires`"),
        ("b.toml", '[CR-020]\nreason = "r"\nexpires = "soon"', "must be a date YYYY-MM-DD"),
        ("b.toml", '[CR-020]\nreason = "r"\nexpires = 20260101', "must be a date YYYY-MM-DD"),
        ("b.toml", "CR-020 = ", "not valid TOML"),
        ("b.yaml", "- CR-020", "must map requirement ids"),
        ("b.yaml", "CR-020: [", "not valid YAML"),
    ],
)
def test_bad_baseline_is_a_one_line_config_error(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    """Every mistake in a baseline file is one ConfigError line naming it."""
    with pytest.raises(ConfigError, match=message.replace("`", ".").replace("[", r"\[")) as info:
        load_baseline(write(tmp_path, name, text), load_catalogue(), TODAY)
    assert "\n" not in str(info.value)


def test_missing_baseline_file_is_a_config_error(tmp_path: Path) -> None:
    """A baseline path that does not exist says so."""
    with pytest.raises(ConfigError, match="does not exist"):
        load_baseline(tmp_path / "nope.toml", load_catalogue())


@pytest.mark.parametrize(
    ("waived", "raises"), [(frozenset(), True), (frozenset({"CR-036"}), False)]
)
def test_judge_raises_only_for_unwaived_failing_violations(
    waived: frozenset[str], raises: bool
) -> None:
    """A violation of a waived MUST requirement is tallied, and does not raise."""
    from regconform.judging.checks import course as cr

    verdicts = Verdicts(load_catalogue(), Level.MUST, waived)
    check = cr.update_is_applied.bind(sent={"name": "Ada"})
    exchange = Exchange(
        SentRequest("PUT", "http://x/courseRegistrations/a/b", {}, b"{}"),
        200,
        {"content-type": "application/json"},
        b'{"id": "b"}',
    )
    if raises:
        with pytest.raises(NonConformance, match="CR-036"):
            verdicts.judge(exchange, check)
    else:
        verdicts.judge(exchange, check)
    assert verdicts.tallies["CR-036"].violated == 1


@pytest.mark.parametrize(
    ("tally", "waiver", "verdict"),
    [
        (Tally(3, 1), None, "fail"),
        (Tally(3, 1), Waiver("r"), "known deviation"),
        (Tally(3, 1), Waiver("r", dt.date(2000, 1, 1), expired=True), "fail"),
        (Tally(3, 0), Waiver("r"), "fixed"),
        (Tally(3, 0), Waiver("r", dt.date(2000, 1, 1), expired=True), "fixed"),
        (Tally(0, 0), Waiver("r"), "not run"),
        (Tally(3, 0), None, "pass"),
    ],
)
def test_waiver_decides_the_verdict(tally: Tally, waiver: Waiver | None, verdict: str) -> None:
    """Violated and waived: known deviation; expired: fail; checked and clean: fixed."""
    result = RequirementResult(load_catalogue()["CR-020"], tally=tally, waiver=waiver)
    assert result.verdict(Level.MUST) == verdict


# ---- through `regconform run` ---------------------------------------------------------------

FUTURE, PAST = "2999-12-31", "2000-01-01"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("broken", "expires", "code", "verdict", "says"),
    [
        pytest.param(True, None, 1, "fail", " FAIL  ", id="no-baseline-fails"),
        pytest.param(
            True, FUTURE, 0, "known deviation", "known deviation(s), not failing", id="listed"
        ),
        pytest.param(True, PAST, 1, "fail", "EXPIRED, failing as usual: ", id="expired"),
        pytest.param(False, FUTURE, 0, "fixed", "remove from the baseline: ", id="fixed"),
    ],
)
def test_baseline_decides_verdict_and_exit_code_of_a_run(
    tmp_path: Path, broken: bool, expires: str | None, code: int, verdict: str, says: str
) -> None:
    """fail (1) -> known deviation (0) -> expired (1, says so) -> fixed on a good server (0)."""
    args = ["--suite", "course_registrations"]
    if expires is not None:
        entry = f'[{BROKEN}]\nreason = "vendor ticket 42"\nexpires = {expires}\n'
        args += ["--baseline", str(write(tmp_path, "baseline.toml", entry))]
    settings = ServerSettings(wrap=drops_one_field if broken else None)
    with running_server(settings) as base_url:
        run: Run = regconform_run(base_url, tmp_path / "reports", *args)
    assert run.code == code, run.explain()
    assert any(says in line and BROKEN in line for line in run.stdout.splitlines()), run.explain()
    entry_record = run.record["requirements"][BROKEN]
    assert entry_record["verdict"] == verdict
    assert run.record["counts"].get(verdict) == 1
    if expires == PAST:
        assert entry_record["baseline"]["expired"] is True
        assert "EXPIRED" in entry_record["note"]


UNUSED = "http://127.0.0.1:9"  # nothing is sent: the baseline is refused first


def test_run_with_a_bad_baseline_exits_4_in_one_line(tmp_path: Path) -> None:
    """An unknown id in the baseline stops `regconform run` before anything is sent."""
    path = write(tmp_path, "baseline.toml", '[CR-999]\nreason = "r"\n')
    done = regconform("run", "--base-url", UNUSED, "--baseline", path, token="x", timeout=120)
    assert done.code == 4
    assert (
        done.stderr.strip()
        == f"regconform: error: baseline {path} lists unknown requirement CR-999"
    )


def test_pytest_option_rejects_a_bad_baseline_as_a_usage_error(tmp_path: Path) -> None:
    """`pytest suites --regconform-baseline` reads the same file and fails the same way."""
    path = write(tmp_path, "baseline.yaml", "CR-999: {reason: r}\n")
    done = pytest_run(
        *("suites", "--regconform-base-url", UNUSED, "--regconform-baseline", path),
        token="x",
        timeout=120,
    )
    assert done.code == 4, done.explain()
    assert "lists unknown requirement CR-999" in done.stderr
