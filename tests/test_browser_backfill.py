"""An operator's backfill through the Airflow UI, in a real browser.

Headless Chromium (Debian's package, driven by Playwright with executable_path: no browser
download) logs in to the UI of the real components as `operator`, opens clout_nightly,
submits a three-night backfill through Trigger → Backfill with the dialog's defaults, and
sees the runs succeed. The grid is saved as test-output/browser/clout_nightly_grid.png.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.conftest import REPO, airflow_stack, generate_network

CHROMIUM = Path("/usr/bin/chromium")
# Chromium as root on a closed network (stack.md): no sandbox, no background traffic.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIRST, LAST = date(2026, 1, 1), date(2026, 1, 3)
OUTPUT = REPO / "test-output" / "browser"
TIMEOUT_S = 900


@pytest.mark.slow
@pytest.mark.timeout(TIMEOUT_S + 300)
def test_a_backfill_from_the_ui_dialog_runs_every_night(
    tmp_path: Path, metadata_database_url: str | None
) -> None:
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium); "
        ".ci/run does"
    )
    from playwright.sync_api import sync_playwright

    data_root = tmp_path / "data"
    generate_network(data_root, users=300, days=3, seed=9)
    stack = airflow_stack(tmp_path, data_root, metadata_database_url)
    OUTPUT.mkdir(parents=True, exist_ok=True)
    with stack:
        stack.wait_for_dag()
        stack.api("PATCH", "dags/clout_nightly", {"is_paused": False})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(f"{stack.url}/auth/login", wait_until="networkidle")
            page.fill("input[name=username]", "operator")
            page.fill("input[name=password]", stack.password())
            page.keyboard.press("Enter")
            page.wait_for_url(lambda url: "/auth/login" not in url, timeout=60_000)

            page.goto(f"{stack.url}/dags/clout_nightly", wait_until="commit")
            page.get_by_role("button", name="Trigger Dag").click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_text("Backfill", exact=True).click()
            # From and To are date pickers: each opens a popover with a date and a time
            # field. Everything else keeps the dialog's defaults.
            for position, day in enumerate((FIRST, LAST)):
                dialog.get_by_test_id("datetime-input").nth(position).click()
                popover = page.locator(
                    "[data-scope='popover'][data-part='content'][data-state='open']"
                )
                popover.get_by_placeholder("YYYY/MM/DD").fill(day.strftime("%Y/%m/%d"))
                popover.get_by_placeholder("HH:mm").fill("00:00")
                page.keyboard.press("Escape")
                popover.wait_for(state="hidden")
            page.screenshot(path=str(OUTPUT / "backfill_dialog.png"))
            dialog.get_by_role("button", name="Run Backfill").click()

            deadline = time.monotonic() + TIMEOUT_S
            while True:
                runs = stack.api("GET", "dags/clout_nightly/dagRuns?limit=50")["dag_runs"]
                nights = {
                    run["data_interval_start"][:10]: run["state"]
                    for run in runs
                    if run["run_type"] == "backfill"
                }
                if len(nights) == 3 and set(nights.values()) <= {"success", "failed"}:
                    break
                assert time.monotonic() < deadline, f"backfill still at {nights}"
                time.sleep(10)
            assert nights == {str(FIRST + timedelta(days=n)): "success" for n in range(3)}, nights
            page.goto(f"{stack.url}/dags/clout_nightly", wait_until="commit")
            page.get_by_text("publish").first.wait_for(timeout=60_000)
            page.wait_for_timeout(2000)
            page.screenshot(path=str(OUTPUT / "clout_nightly_grid.png"))
            browser.close()
    assert (OUTPUT / "clout_nightly_grid.png").stat().st_size > 10_000
