"""The HTML report of a failing run in headless Chromium: it renders, counts, and expands."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Request, sync_playwright
from report_runs import BROKEN, Run

from regconform.report.run_record import VERDICTS

CHROMIUM = Path("/usr/bin/chromium")  # Debian's; .ci/run installs it
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium; its absence fails the test (a skipped browser test proves nothing)."""
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


def test_report_html_shows_the_counts_of_report_json_and_expands_a_failure(
    failing_run: Run, browser: Browser, tmp_path: Path
) -> None:
    """The page loads from file:// alone, counts as report.json does, and a click shows the curl."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    fetched: list[str] = []

    def note(request: Request) -> None:
        fetched.append(request.url)

    page.on("request", note)
    page.goto((failing_run.reports / "report.html").as_uri())
    counts = failing_run.record["counts"]
    assert isinstance(counts, dict) and counts.get("fail") == 1
    for verdict in VERDICTS:
        shown = page.locator(f'ul.counts li[data-verdict="{verdict}"] .n').inner_text()
        assert int(shown) == counts.get(verdict, 0), verdict
    assert page.locator(f'table.matrix a.chip.v-fail[href="#{BROKEN}"]').is_visible()

    curl = page.locator(f"tr#{BROKEN} pre.curl")
    assert not curl.is_visible()
    page.locator(f"tr#{BROKEN} details.failure > summary").click()
    assert curl.is_visible()
    assert curl.inner_text().startswith("curl -X PUT ")
    assert page.locator(f"tr#{BROKEN} pre.response").inner_text().startswith("HTTP 200 ")

    page.screenshot(path=tmp_path / "report.png", full_page=True)
    page.locator(f"tr#{BROKEN}").screenshot(path=tmp_path / "failure.png")
    assert [url for url in fetched if not url.startswith("file://")] == []
