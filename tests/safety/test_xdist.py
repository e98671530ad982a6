"""Under pytest-xdist the controller sends nothing itself; what the workers sent and put back
still reaches the summary and report.json."""

from __future__ import annotations

from pathlib import Path

from safety_runs import behind_proxy, regconform
from test_allow_list import GIVEN_COURSES, GIVEN_TRACK_IDS, TENANT_ID, subset_profile

from regconform.target.probe import PROBE_BODY


def test_two_workers_report_every_request_and_every_restore(tmp_path: Path) -> None:
    """report.json counts exactly the PUTs the server saw (the probe's apart, sent once by the
    command before the workers start; and the repeats of those two workers' requests that met
    at one path and were answered 409, sent again alone), and each given record is reported put
    back once."""
    with behind_proxy() as proxy:
        profile = subset_profile(tmp_path / "profile.toml", proxy.url)
        run = regconform(
            *("run", "--profile", profile, "--max-examples", "5", "--", "-n", "2"),
            report_dir=tmp_path / "reports",
        )
        puts = [seen for seen in proxy.requests if seen.method == "PUT"]
    probed = [seen for seen in puts if seen.body == PROBE_BODY]
    assert run.code == 0, run.explain()
    report = run.report()
    again = report["sent_again_alone_after_409"] + report["retried_after_429"]
    assert report["requests_sent"] + again == len(puts) - len(probed) > 100
    assert report["probe_requests"] == len(probed) == 3  # two records and the track
    assert f"requests: {len(puts) - 3 - again} sent (+3 probe) to " in run.stdout
    restored = report["restored"]
    assert sorted(r["record"] for r in restored) == sorted(
        [
            *(f"course registration {TENANT_ID}/{rid}" for rid in GIVEN_COURSES),
            *(f"track registration {rid}" for rid in GIVEN_TRACK_IDS),
        ]
    )
    assert all(r["done"] for r in restored), restored
