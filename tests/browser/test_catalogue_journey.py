"""The measure catalogue in Chromium: an administrator uploads a CSV file of proxy values, reads
the preview, confirms, and sees the audit log; on a desktop with JavaScript (the confirmation
goes through htmx) and on a 320px phone without it (a plain POST and a result page)."""

import re
from decimal import Decimal

from playwright.sync_api import expect
from sqlalchemy import select

from charter_app.extensions import db
from charter_app.pledges.models import Measure, ProxyValue
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in

HEADER = "measure code,financial year,value,source,edition\n"
SOURCE = "National TOMs 2027 (licensed and imported by Business Durham)"


def csv_file(text: str) -> dict:
    return {"name": "proxy-values-2027.csv", "mimeType": "text/csv", "buffer": text.encode()}


def value_of(app, code: str, year: int) -> Decimal | None:
    with app.app_context():
        value = db.session.scalar(select(ProxyValue.value).join(Measure).where(
            Measure.code == code, ProxyValue.financial_year == year))
        db.session.remove()
        return value


def test_an_administrator_imports_proxy_values_and_reads_the_audit_log(app, browsing, build):
    admin = build.admin("catalogue@businessdurham.example")
    page = browsing.open()
    sign_in(browsing, page, admin.email, "administrator")
    browsing.visit(page, "/staff/", "staff home")
    page.get_by_role("link", name="Measure catalogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Measure catalogue")
    browsing.check(page, "catalogue")

    page.get_by_role("link", name="Change CDP-JOB-05").click()
    browsing.check(page, "measure")
    page.get_by_label("Default deadweight (%)").fill("250")
    click_button(page, "Save the measure")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Default deadweight (%) must be 100 or less")
    browsing.check(page, "measure with an error")
    page.get_by_label("Default deadweight (%)").fill("25")
    click_button(page, "Save the measure")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("CDP-JOB-05 is saved")

    browsing.visit(page, "/staff/catalogue/import", "upload")
    page.get_by_label("Upload a CSV file").set_input_files(csv_file(
        HEADER + f"CDP-JOB-05,2027-28,-2,{SOURCE},\nCDP-NOPE-01,2027,3,{SOURCE},\n"))
    click_button(page, "Upload and check")
    expect(page.locator(".govuk-error-summary")).to_contain_text("2 rows have errors")
    expect(page.locator("main")).to_contain_text("No measure has the code ‘CDP-NOPE-01’")
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    browsing.check(page, "preview with errors")

    page.get_by_role("link", name="Upload a corrected file").click()
    page.get_by_label("Upload a CSV file").set_input_files(csv_file(
        HEADER + f"CDP-JOB-05,2027-28,18.25,{SOURCE},National TOMs 2027\n"
        + f"CDP-ENV-02,2027-28,0.0512,{SOURCE},National TOMs 2027\n"))
    click_button(page, "Upload and check")
    expect(page.locator("#import-counts")).to_have_text(
        "2 rows: 2 new, 0 changed, 0 unchanged, 0 errors.")
    browsing.check(page, "preview")
    assert value_of(app, "CDP-JOB-05", 2027) is None  # the preview wrote nothing

    click_button(page, "Import 2 values")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proxy values imported")
    browsing.check(page, "imported")
    assert value_of(app, "CDP-JOB-05", 2027) == Decimal("18.25")

    page.get_by_role("link", name="See the changes this import made").click()
    expect(page.locator(".app-catalogue-change")).to_have_count(2)
    expect(page.locator("main")).to_contain_text("catalogue@businessdurham.example")
    browsing.check(page, "changes of the import")
    page.get_by_role("link", name="Show every change").click()
    expect(page.locator(".app-catalogue-change")).to_have_count(3)
    # Newest first: the import's two values, then the measure's deadweight.
    expect(page.locator(".app-catalogue-change").first).to_contain_text("proxy value for 2027-28")
    expect(page.locator(".app-catalogue-change").last).to_contain_text("Default deadweight (%)")
    browsing.check(page, "audit log")


def test_the_import_works_on_a_phone_without_javascript(app, browsing, build):
    admin = build.admin("phone.admin@businessdurham.example")
    page = browsing.open(javascript=False, viewport=PHONE)
    sign_in(browsing, page, admin.email, "administrator")
    browsing.visit(page, "/staff/catalogue", "catalogue on a phone")
    assert horizontal_overflow(page) == 0

    browsing.visit(page, "/staff/catalogue/measures/CDP-JOB-05/values/2026",
                   "one year's value on a phone")
    assert horizontal_overflow(page) == 0

    browsing.visit(page, "/staff/catalogue/import", "upload on a phone")
    page.get_by_label("Upload a CSV file").set_input_files(csv_file(
        HEADER + f"CDP-JOB-05,2026-27,17.48,{SOURCE},National TOMs 2026\n"
        + f"CDP-JOB-06,2027,112.5,{SOURCE} https://example.org/a/very/long/address/that/wraps,\n"))
    click_button(page, "Upload and check")
    expect(page.locator("#import-counts")).to_have_text(
        "2 rows: 1 new, 1 changed, 0 unchanged, 0 errors.")
    browsing.check(page, "preview on a phone")
    assert horizontal_overflow(page) == 0

    page.get_by_label("Reason for the changes").fill("The licensed values for 2026 arrived")
    click_button(page, "Import 2 values")
    expect(page.get_by_role("heading", level=1)).to_have_text("Proxy values imported")
    browsing.check(page, "imported on a phone")
    assert value_of(app, "CDP-JOB-06", 2027) == Decimal("112.5")

    page.get_by_role("link", name="See the changes this import made").click()
    expect(page.locator("main")).to_contain_text("The licensed values for 2026 arrived")
    browsing.check(page, "audit log on a phone")
    assert horizontal_overflow(page) == 0
