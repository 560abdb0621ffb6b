"""The collective progress report in the browser: staff draft, preview and publish a quarter's
report; a visitor reads it, its charts and their tables. At 1280 px and 320 px, every page
checked by axe."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from charter_app.organisations.models import ApplicationStatus
from charter_app.reporting.quarters import FinancialQuarter
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in

WIDE = {"width": 1280, "height": 800}


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["desktop", "phone"])
def test_staff_publish_a_quarter_and_a_visitor_reads_it(browsing, build, viewport):
    quarter = FinancialQuarter(2026, 1)
    for jobs, area in (("12", "Durham"), ("4", "Easington")):
        organisation = build.organisation(status=ApplicationStatus.APPROVED, area=area,
                                          approved_at=datetime(2026, 4, 20, 9, tzinfo=UTC))
        build.report(organisation, quarter, entries={"CDP-JOB-03": jobs})
    staff = build.staff()

    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, staff.email, "staff")
    browsing.visit(page, "/staff/collective-reports", "quarters")
    page.get_by_role("link", name="2026-27 Q1").click()
    page.wait_for_load_state()
    browsing.check(page, "the quarter")
    page.get_by_label("Commentary").fill("Two signatories reported jobs this quarter.")
    click_button(page, "Start the draft")
    browsing.check(page, "the preview")
    expect(page.locator("#preview")).to_contain_text("Social value by theme")
    click_button(page, "Publish version 1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Progress report 2026-27 Q1")
    browsing.check(page, "published")

    visitor = browsing.open(viewport=viewport)
    browsing.visit(visitor, "/reports", "the list")
    visitor.get_by_role("link", name="Progress report 2026-27 Q1").click()
    visitor.wait_for_load_state()
    browsing.check(visitor, "the report")
    assert horizontal_overflow(visitor) == 0
    expect(visitor.get_by_role("img", name="Social value by theme, 2026-27 Q1")).to_be_visible()
    expect(visitor.locator("#commentary")).to_be_visible()
    expect(visitor.get_by_role("table", name="Social value by area")).to_contain_text("Easington")


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["desktop", "phone"])
def test_a_visitor_reads_the_map_of_local_needs_and_its_table(browsing, build, viewport,
                                                              tmp_path):
    from charter_app.extensions import db
    from charter_app.reports.local_needs_boundaries import import_boundaries
    from charter_app.reports.local_needs_import import import_local_needs
    from tests.test_area_map import SHIPPED_BOUNDARIES
    from tests.test_local_needs import SHIPPED, _report_with_locations

    # Test fixture: made-up ZZ9 postcodes placed in three real County Durham areas, so that
    # value lands on the shipped map (no postcode lookup is shipped).
    lookup = tmp_path / "postcodes.csv"
    lookup.write_text("pcds,lsoa11cd\nZZ9 1AA,E01020590\nZZ9 1AB,E01020591\n"
                      "ZZ9 2AA,E01020700\n", encoding="utf-8")
    import_local_needs(SHIPPED, lookup, edition="IoD2019", source="IoD 2019 (test)", by="test")
    import_boundaries(SHIPPED_BOUNDARIES, edition="IoD2019", source="ONS BSC (test)", by="test")
    db.session.commit()
    _report_with_locations(build, {"CDP-JOB-03": "ZZ9 1AA", "CDP-JOB-01": "ZZ9 2AA",
                                   "CDP-JOB-05": "ZZ91AB", "CDP-SOC-02": None})

    staff = browsing.open(viewport=viewport)
    sign_in(browsing, staff, build.staff().email, "staff")
    browsing.visit(staff, "/staff/collective-reports/2026-27/q1", "the quarter")
    staff.get_by_label("Commentary").fill("Where the value went.")
    click_button(staff, "Start the draft")
    click_button(staff, "Publish version 1")
    expect(staff.get_by_role("heading", level=1)).to_have_text("Progress report 2026-27 Q1")

    visitor = browsing.open(viewport=viewport)
    browsing.visit(visitor, "/reports/2026-27/q1", "the report with its map")
    assert horizontal_overflow(visitor) == 0
    the_map = visitor.get_by_role(
        "img", name="Value delivered by deprivation of small area, 2026-27 Q1")
    expect(the_map).to_be_visible()
    the_map.scroll_into_view_if_needed()
    visitor.screenshot(path=str(browsing.folder / f"map-{viewport['width']}.png"))
    assert visitor.locator(".app-map__area").count() == 324
    assert visitor.locator(".app-map__marker").count() == 3
    table = visitor.get_by_role("table", name="Social value by small area")
    expect(table).to_contain_text("County Durham 015A")
    assert table.locator("tbody tr").count() == 3
