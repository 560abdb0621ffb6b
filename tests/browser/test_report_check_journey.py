"""Staff check quarterly reports in Chromium: filter the list, open a report, query it (the
organisation is emailed), then check another; on a desktop and on a 320px phone.

Every page reached is checked by `browsing.check`/`browsing.visit` (axe WCAG 2.2 AA, one h1,
title, no console errors) and screenshotted to test-artifacts/<test>/.
"""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from charter_app.extensions import db
from charter_app.reporting import services
from charter_app.reporting.models import EvidenceFile, QuarterlyReport, ReportStatus
from charter_app.reporting.quarters import FinancialQuarter
from tests.browser.conftest import horizontal_overflow
from tests.browser.test_journeys import PHONE, click_button, sign_in

APPROVED = datetime(2026, 5, 10, 9, tzinfo=UTC)  # 2026-27 Q1
Q1, Q2 = FinancialQuarter(2026, 1), FinancialQuarter(2026, 2)


def _reports(build):
    owner = build.user("owner@wearvalley.example")
    widgets = build.organisation(owner, status="approved", approved_at=APPROVED,
                                 name="Wear Valley Widgets Ltd",
                                 pledges={"CDP-JOB-03": "52", "CDP-SOC-02": "200"})
    report = services.start_report(widgets, Q2, owner, today=Q2.ends_on)
    entry = services.save_entry(report, services.EntryInput(
        measure_id=build.measure("CDP-JOB-03").id, quantity=Decimal("10"),
        description="Two apprentices on level 3 joinery", location="DH1 3HE",
        deadweight=Decimal(25), deflator_reason="One would have been taken on anyway",
        evidence_url="https://example.org/apprentices"), owner)
    entry.evidence_files.append(EvidenceFile(
        stored_name="b" * 32, original_name="timesheets.pdf", content_type="application/pdf",
        size_bytes=20480, sha256="0" * 64))
    services.save_entry(report, services.EntryInput(
        measure_id=build.measure("CDP-SOC-02").id, quantity=Decimal("40"),
        description="Volunteering at Crook food bank"), owner)
    services.submit_report(report, owner)
    db.session.commit()
    cakes = build.organisation(build.user(), status="approved", approved_at=APPROVED,
                               name="Consett Cakes CIC")
    other = build.report(cakes, Q1, entries={"CDP-JOB-03": "4"})
    build.report(widgets, Q1, entries={"CDP-JOB-03": "2"}, actor=owner)
    return report, other


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_staff_filter_open_and_query_a_report_then_check_another(browsing, build, smtp,
                                                                 viewport):
    queried, other = _reports(build)
    page = browsing.open(viewport=viewport)
    sign_in(browsing, page, build.staff().email, "staff")
    browsing.visit(page, "/staff/", "staff home")
    page.get_by_role("link", name="Quarterly reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quarterly reports")
    browsing.check(page, "all reports")
    expect(page.locator("#results-count")).to_have_text("3 reports")

    page.get_by_label("Quarter", exact=True).select_option("2026-27-q2")
    page.get_by_label("Organisation name").fill("widgets")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#results-count")).to_have_text("1 report found")
    browsing.check(page, "filtered reports")
    if viewport:
        assert horizontal_overflow(page) == 0

    page.get_by_role("link", name=re.compile("Wear Valley Widgets Ltd")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2026-27 Q2 social value report")
    main = page.locator("main")
    expect(main).to_contain_text("Two apprentices on level 3 joinery")
    expect(main).to_contain_text("One would have been taken on anyway")
    expect(page.get_by_role("link", name="timesheets.pdf")).to_be_visible()
    browsing.check(page, "one report")
    if viewport:
        assert horizontal_overflow(page) == 0

    page.get_by_role("link", name="Query this report").click()
    browsing.check(page, "query form")
    click_button(page, "Send the question")
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Enter your question for the organisation")
    browsing.check(page, "query form with an error", status=200)
    page.get_by_label("What do you want to ask the organisation?").fill(
        "The timesheets show 8 weeks, not 10. Which is right?")
    click_button(page, "Send the question")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("is sent to 1 person")
    browsing.check(page, "query sent")
    [message] = smtp.wait_for(1, besides_badges=True)
    assert "The timesheets show 8 weeks" in smtp.text(message)

    page.get_by_label("Status", exact=True).select_option("submitted")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator("#results-count")).to_have_text("2 reports found")
    page.get_by_role("link", name=re.compile("Consett Cakes CIC")).click()
    browsing.check(page, "another report")
    click_button(page, "Mark revision 1 as checked")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Consett Cakes CIC's 2026-27 Q1 report is marked as checked.")
    browsing.check(page, "checked")

    db.session.expire_all()
    assert db.session.get(QuarterlyReport, queried.id).status == ReportStatus.QUERIED
    assert db.session.get(QuarterlyReport, other.id).status == ReportStatus.CHECKED
