"""A signatory with two years of reports signs in to its dashboard, reads its charts and their
tables, and publishes its social value; a visitor sees it on the public profile.

At 1280 px and at 320 px; every page checked by axe and screenshotted to test-artifacts/. The
desktop dashboard is also saved, small, as readme-dashboard.png there, and with
--update-snapshots as docs/dashboard.png, the README's picture.
"""

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from charter_app.timeutil import london_date, utcnow
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in
from tests.test_dashboard import two_years_of_reports

WIDE = {"width": 1280, "height": 800}
README_SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "dashboard.png"
README_SCREENSHOT_LIMIT = 300 * 1024


def _save_for_readme(page, folder: Path, update: bool) -> None:
    """The dashboard from its top to the charts' table toggles, as a small palette PNG."""
    toggle = page.locator("details.govuk-details").last.bounding_box()
    height = int(toggle["y"] + toggle["height"] + 30)
    png = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": WIDE["width"],
                                                "height": height})
    image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=64)
    saved = folder / "readme-dashboard.png"
    image.save(saved, optimize=True)
    assert saved.stat().st_size < README_SCREENSHOT_LIMIT
    if update:
        README_SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(saved, README_SCREENSHOT)


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["desktop", "phone"])
def test_a_signatory_reads_its_dashboard_and_publishes_its_social_value(browsing, build, request,
                                                                         viewport):
    signatory = two_years_of_reports(build, london_date(utcnow()))
    dashboard_path = f"/organisations/{signatory.organisation_id}/dashboard"

    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, signatory.owner_email, "owner")
    # A signatory lands on its dashboard.
    expect(page).to_have_url(browsing.base_url + dashboard_path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your dashboard")
    browsing.check(page, "dashboard")
    assert horizontal_overflow(page) == 0

    main = page.locator("main")
    expect(main).to_contain_text("30 of 20 weeks: 150% (target exceeded)")
    expect(main).to_contain_text("30 of 100 hours: 30%")
    expect(main).to_contain_text("Overdue: missing")
    quarter_chart = page.get_by_role("img", name="Social value by quarter")
    expect(quarter_chart).to_be_visible()
    width = quarter_chart.bounding_box()["width"]
    assert width <= viewport["width"]
    if viewport is WIDE:
        _save_for_readme(page, browsing.folder,
                         update=request.config.getoption("--update-snapshots"))

    # The chart's figures as a table, opened from the keyboard.
    toggle = page.locator("summary", has_text="Show the figures as a table").first
    toggle.focus()
    page.keyboard.press("Enter")
    table = page.get_by_role("table", name="Social value by quarter")
    expect(table).to_be_visible()
    expect(table).to_contain_text("Gross")
    expect(table).to_contain_text("Net")
    browsing.check(page, "dashboard with the table open")
    assert horizontal_overflow(page) == 0

    # Publish: off by default.
    choice = page.get_by_label("Show our reported social value on our public profile")
    expect(choice).not_to_be_checked()
    choice.check()
    click_button(page, "Save this choice")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Your public profile now shows the social value you have reported")
    expect(page.get_by_label("Show our reported social value on our public profile")
           ).to_be_checked()
    browsing.check(page, "published")

    visitor = browsing.open(viewport=viewport)
    browsing.visit(visitor, f"/signatories/{signatory.slug}", "public profile with figures")
    section = visitor.locator("main")
    expect(section.get_by_role("heading", name="Social value reported")).to_be_visible()
    expect(section).to_contain_text("reported these figures itself")
    expect(visitor.get_by_role("table", name="Social value by theme")).to_contain_text("Total")
    expect(visitor.get_by_role("table", name="Social value by financial year")).to_contain_text(
        "Gross checked by staff")
    assert horizontal_overflow(visitor) == 0
