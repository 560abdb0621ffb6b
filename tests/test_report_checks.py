"""Staff checks of quarterly reports: the list and its filters, one report's page, marking it
checked, querying it (emailed), a correction answering the query, and refusals that say why."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.reporting import checks, services, totals
from charter_app.reporting.models import (
    EvidenceFile,
    QuarterlyReport,
    ReportCheck,
    ReportStatus,
)
from charter_app.reporting.quarters import FinancialQuarter
from tests.builders import PASSWORD
from tests.conftest import besides_badge_emails, csrf_token_from, link_path, log_in, submit_form

APPROVED = datetime(2026, 5, 10, 9, tzinfo=UTC)  # 2026-27 Q1
Q1, Q2, Q3 = (FinancialQuarter(2026, number) for number in (1, 2, 3))


@pytest.fixture
def signatory(build):
    owner = build.user("owner@wearvalley.example")
    organisation = build.organisation(owner, status="approved", approved_at=APPROVED,
                                      name="Wear Valley Widgets Ltd")
    build.member(organisation, build.user("colleague@wearvalley.example"))
    return organisation, owner


@pytest.fixture
def staff_client(app, build):
    staff = build.staff("jo.bell@businessdurham.example")
    client = app.test_client()
    log_in(client, staff.email, PASSWORD)
    return client, staff


def _reload(report_id: int) -> QuarterlyReport:
    db.session.expire_all()
    return db.session.get(QuarterlyReport, report_id)


def _check(client, report: QuarterlyReport, revision_id: int | None = None):
    page = client.get(f"/staff/reports/{report.id}")
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(f"/staff/reports/{report.id}/check", data={
        "csrf_token": token,
        "revision_id": revision_id or report.submitted_revision_id,
    })


def _correct(build, report, owner, quantity: str, note: str = "Two more weeks"):
    services.start_correction(report, owner)
    services.save_entry(report, services.EntryInput(
        measure_id=build.measure("CDP-JOB-03").id, quantity=Decimal(quantity),
        description="Apprentice weeks"), owner)
    services.submit_report(report, owner, change_note=note)
    db.session.commit()


# --- the list -------------------------------------------------------------------------------


def test_the_list_shows_submitted_reports_newest_first_with_gross_and_net(
        build, signatory, staff_client):
    organisation, owner = signatory
    older = build.report(organisation, Q1, entries={"CDP-JOB-03": "10"}, actor=owner)
    newer = build.report(organisation, Q2, entries={"CDP-JOB-03": "1"}, actor=owner)
    build.report(organisation, Q3, actor=owner, submit=False)  # a draft: not for staff yet
    client, _staff = staff_client
    html = client.get("/staff/reports").get_data(as_text=True)
    assert "2 reports" in html
    assert html.index(f"/staff/reports/{newer.id}") < html.index(f"/staff/reports/{older.id}")
    assert "£3,097.30" in html and "£309.73" in html
    assert "Waiting to be checked" in html


def test_filters_by_quarter_status_correction_and_name(build, signatory, staff_client):
    organisation, owner = signatory
    other = build.organisation(build.user(), status="approved", approved_at=APPROVED,
                               name="Consett Cakes CIC")
    q1 = build.report(organisation, Q1, actor=owner)
    q2 = build.report(organisation, Q2, actor=owner)
    cakes = build.report(other, Q1)
    q2.status = ReportStatus.CHECKED
    services.start_correction(q1, owner)
    db.session.commit()

    def listed(**args):
        page = checks.submitted_reports(checks.ReportFilter.from_args(args))
        return {row.report.id for row in page.rows}

    assert listed() == {q1.id, q2.id, cakes.id}
    assert listed(period="2026-27-q1") == {q1.id, cakes.id}
    assert listed(period="2026-27") == {q1.id, q2.id, cakes.id}
    assert listed(period="2025-26") == set()
    assert listed(status="checked") == {q2.id}
    assert listed(status="submitted") == {q1.id, cakes.id}
    assert listed(status="correcting") == {q1.id}
    assert listed(q="cakes") == {cakes.id}
    assert listed(q="wear widgets") == {q1.id, q2.id}
    assert listed(q="100%_") == set()  # LIKE wildcards are searched for, not obeyed
    # Values not offered are ignored, never an error.
    assert listed(period="2026-28-q9", status="nonsense", page="x") == {q1.id, q2.id, cakes.id}

    client, _staff = staff_client
    html = client.get("/staff/reports?status=correcting").get_data(as_text=True)
    assert "1 report found" in html and "Correction under way" in html
    assert '<option value="2026-27-q1">2026-27 Q1</option>' in html


def test_the_list_pages_through_many_reports(build, staff_client):
    reports = [build.report(build.organisation(status="approved", approved_at=APPROVED))
               for _ in range(3)]
    first = checks.submitted_reports(checks.ReportFilter(), per_page=2)
    second = checks.submitted_reports(checks.ReportFilter(page=2), per_page=2)
    assert (first.total, first.pages, len(first.rows), len(second.rows)) == (3, 2, 2, 1)
    assert {row.report.id for row in first.rows + second.rows} == {r.id for r in reports}
    beyond = checks.submitted_reports(checks.ReportFilter(page=99), per_page=2)
    assert beyond.page == 2


# --- one report -----------------------------------------------------------------------------


def test_the_report_page_shows_entries_evidence_revisions_and_checks(
        build, signatory, staff_client):
    organisation, owner = signatory
    report = services.start_report(organisation, Q1, owner, today=Q1.ends_on)
    entry = services.save_entry(report, services.EntryInput(
        measure_id=build.measure("CDP-JOB-03").id, quantity=Decimal("10"),
        description="Two apprentices", location="DH1 3HE", deadweight=Decimal(25),
        deflator_reason="Some would have been trained anyway",
        evidence_url="https://example.org/apprentices"), owner)
    entry.evidence_files.append(EvidenceFile(
        stored_name="a" * 32, original_name="timesheets.pdf", content_type="application/pdf",
        size_bytes=2048, sha256="0" * 64))
    services.submit_report(report, owner)
    db.session.commit()
    _correct(build, report, owner, "12")
    client, _staff = staff_client
    html = client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    for expected in ("Wear Valley Widgets Ltd", "2026-27 Q1 social value report",
                     "Weeks of apprenticeship", "CDP-JOB-03", "NT10", "Apprentice weeks",
                     "Deadweight 0%", "£309.73 per unit (weeks)", "Revision 2 (counts now)",
                     "Two more weeks", "CDP-JOB-03, quantity: 10 → 12", "Revision 1",
                     "Gross £3,716.76, net £3,716.76", "Nobody has checked"):
        assert expected in html, expected
    # The first revision's entry is gone from the counted revision, but its history stays,
    # and the correction's copy keeps the evidence file.
    assert "timesheets.pdf" in html
    evidence = report.submitted_revision.entries[0].evidence_files[0]
    assert f'/organisations/{organisation.id}/evidence/{evidence.id}' in html
    assert "https://example.org/apprentices" in html
    assert client.get("/staff/reports/999999").status_code == 404
    draft = build.report(organisation, Q2, actor=owner, submit=False)
    assert client.get(f"/staff/reports/{draft.id}").status_code == 404


def test_an_evidence_link_that_is_not_a_web_address_is_shown_not_linked(
        build, signatory, staff_client):
    organisation, owner = signatory
    report = services.start_report(organisation, Q1, owner, today=Q1.ends_on)
    services.save_entry(report, services.EntryInput(
        measure_id=build.measure("CDP-JOB-03").id, quantity=Decimal("1"),
        description="x", evidence_url="javascript:alert(1)"), owner)
    services.submit_report(report, owner)
    db.session.commit()
    client, _staff = staff_client
    html = client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    assert "javascript:alert(1)" in html
    assert 'href="javascript:' not in html


# --- checking -------------------------------------------------------------------------------


def test_staff_mark_a_report_checked_and_the_totals_say_so(build, signatory, staff_client):
    organisation, owner = signatory
    report = build.report(organisation, Q1, entries={"CDP-JOB-03": "10"}, actor=owner)
    client, staff = staff_client
    response = _check(client, report)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/reports"
    assert "is marked as checked" in client.get("/staff/reports").get_data(as_text=True)
    report = _reload(report.id)
    assert report.status == ReportStatus.CHECKED
    [check] = report.checks
    assert (check.outcome, check.actor_id, check.revision_id, check.message) == (
        "checked", staff.id, report.submitted_revision_id, None)
    figures = totals.grand_total(organisation_id=organisation.id)
    assert figures.checked_gross == figures.gross == Decimal("3097.30")
    html = client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    assert "Checked revision 1" in html and staff.email in html
    assert "as checked</button>" not in html  # no second check offered


def test_checking_twice_says_it_was_already_checked(build, signatory, staff_client):
    organisation, owner = signatory
    report = build.report(organisation, Q1, actor=owner)
    client, _staff = staff_client
    page = client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    token = csrf_token_from(page)
    data = {"csrf_token": token, "revision_id": report.submitted_revision_id}
    assert client.post(f"/staff/reports/{report.id}/check", data=data).status_code == 302
    again = client.post(f"/staff/reports/{report.id}/check", data=data)
    assert again.status_code == 302
    assert again.headers["Location"] == f"/staff/reports/{report.id}"
    followed = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "already marked as checked" in followed
    assert db.session.scalar(select(func.count()).select_from(ReportCheck)) == 1


def test_checking_a_revision_a_correction_replaced_is_refused_clearly(
        build, signatory, staff_client):
    organisation, owner = signatory
    report = build.report(organisation, Q1, entries={"CDP-JOB-03": "10"}, actor=owner)
    client, _staff = staff_client
    page = client.get(f"/staff/reports/{report.id}").get_data(as_text=True)
    token, read_revision = csrf_token_from(page), report.submitted_revision_id
    _correct(build, report, owner, "12")  # submitted while staff were reading
    response = client.post(f"/staff/reports/{report.id}/check",
                           data={"csrf_token": token, "revision_id": read_revision})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "submitted a correction while you were reading: revision 2 now counts" in html
    assert _reload(report.id).status == ReportStatus.SUBMITTED
    assert db.session.scalar(select(func.count()).select_from(ReportCheck)) == 0
    # A made-up or missing revision id is refused the same way, never a 500.
    for bad in ("", "abc", "99999999999999999999"):
        response = client.post(f"/staff/reports/{report.id}/check",
                               data={"csrf_token": token, "revision_id": bad})
        assert response.status_code == 302


def test_a_check_needs_a_csrf_token_and_staff(app, build, signatory, staff_client):
    organisation, owner = signatory
    report = build.report(organisation, Q1, actor=owner)
    client, _staff = staff_client
    response = client.post(f"/staff/reports/{report.id}/check",
                           data={"revision_id": report.submitted_revision_id})
    assert response.status_code == 400
    member = app.test_client()
    log_in(member, owner.email, PASSWORD)
    token = csrf_token_from(member.get("/account").get_data(as_text=True))
    for method, url in (("GET", "/staff/reports"), ("GET", f"/staff/reports/{report.id}"),
                        ("POST", f"/staff/reports/{report.id}/check"),
                        ("GET", f"/staff/reports/{report.id}/query"),
                        ("POST", f"/staff/reports/{report.id}/query"),
                        ("GET", "/staff/reports/export.csv")):
        response = member.open(url, method=method, data={
            "csrf_token": token, "revision_id": report.submitted_revision_id,
            "message": "x"})
        assert response.status_code == 403, (method, url)
    anonymous = app.test_client().get(f"/staff/reports/{report.id}")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/login")
    assert _reload(report.id).status == ReportStatus.SUBMITTED


# --- querying -------------------------------------------------------------------------------


def test_a_query_emails_every_member_and_a_correction_answers_it(
        build, signatory, staff_client, smtp):
    organisation, owner = signatory
    report = build.report(organisation, Q1, entries={"CDP-JOB-03": "10"}, actor=owner)
    client, staff = staff_client
    url = f"/staff/reports/{report.id}/query"
    empty = submit_form(client, url, {"message": "  ",
                                      "revision_id": report.submitted_revision_id})
    assert empty.status_code == 200
    assert "Enter your question for the organisation" in empty.get_data(as_text=True)
    response = submit_form(client, url, {
        "message": "The timesheets show 8 weeks, not 10.\nWhich is right?",
        "revision_id": report.submitted_revision_id})
    assert response.status_code == 302
    assert "sent to 2 people" in client.get("/staff/reports").get_data(as_text=True)
    report = _reload(report.id)
    assert report.status == ReportStatus.QUERIED
    [check] = report.checks
    assert (check.outcome, check.actor_id) == ("queried", staff.id)
    assert check.message == "The timesheets show 8 weeks, not 10.\nWhich is right?"

    messages = smtp.wait_for(2, besides_badges=True)
    assert sorted(message["To"] for message in messages) == [
        "colleague@wearvalley.example", "owner@wearvalley.example"]
    text = smtp.text(messages[0])
    assert "The timesheets show 8 weeks, not 10." in text
    assert "2026-27 Q1" in messages[0]["Subject"]
    [link] = smtp.links(messages[0])
    assert link_path(link) == f"/organisations/{organisation.id}/reports/2026-27/q1"
    assert totals.grand_total(organisation_id=organisation.id).checked_gross == 0

    # The organisation answers by correcting: the report waits to be checked again.
    _correct(build, report, owner, "8", note="Eight weeks, as the timesheets say")
    report = _reload(report.id)
    assert report.status == ReportStatus.SUBMITTED
    assert _check(client, report).status_code == 302
    report = _reload(report.id)
    assert report.status == ReportStatus.CHECKED
    assert [(c.outcome, c.revision.number) for c in report.checks] == [
        ("queried", 1), ("checked", 2)]
    # Checking emails nothing about the report (its badges may change: that is their email).
    assert len(besides_badge_emails(smtp.messages)) == 2


def test_a_query_for_a_replaced_revision_keeps_what_was_typed(build, signatory, staff_client):
    organisation, owner = signatory
    report = build.report(organisation, Q1, entries={"CDP-JOB-03": "10"}, actor=owner)
    client, _staff = staff_client
    url = f"/staff/reports/{report.id}/query"
    page = client.get(url).get_data(as_text=True)
    token, read_revision = csrf_token_from(page), report.submitted_revision_id
    _correct(build, report, owner, "12")
    response = client.post(url, data={"csrf_token": token, "revision_id": read_revision,
                                      "message": "Where are the timesheets?"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "revision 2 now counts" in html
    assert "Where are the timesheets?" in html
    assert f'value="{_reload(report.id).submitted_revision_id}"' in html
    assert _reload(report.id).status == ReportStatus.SUBMITTED
    # Sent again, now about the revision that counts, it goes through.
    response = client.post(url, data={"csrf_token": token, "message": "Where are they?",
                                      "revision_id": _reload(report.id).submitted_revision_id})
    assert response.status_code == 302
    assert _reload(report.id).status == ReportStatus.QUERIED


def test_querying_twice_is_refused_and_sends_nothing_more(build, signatory, staff_client):
    organisation, owner = signatory
    report = build.report(organisation, Q1, actor=owner)
    client, _staff = staff_client
    url = f"/staff/reports/{report.id}/query"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    data = {"csrf_token": token, "revision_id": report.submitted_revision_id,
            "message": "Which quarter is this?"}
    assert client.post(url, data=data).status_code == 302
    again = client.post(url, data=data)
    assert again.status_code == 409
    assert "already queried" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(ReportCheck)) == 1


def test_services_refuse_a_query_without_a_message(build, signatory):
    organisation, owner = signatory
    report = build.report(organisation, Q1, actor=owner)
    with pytest.raises(ValueError, match="message"):
        checks.query_report(report, report.submitted_revision_id, build.staff(), " ")


def test_the_staff_home_links_to_the_reports(staff_client):
    client, _staff = staff_client
    assert 'href="/staff/reports"' in client.get("/staff/").get_data(as_text=True)


# --- at the same moment ----------------------------------------------------------------------


def test_many_staff_deciding_at_once_decide_once(app, build, signatory, live_server):
    """Over real HTTP, each request in its own thread and database connection."""
    from charter_app.notifications.models import OutboxMessage
    from tests.test_concurrency import HttpSession, _all_at_once

    organisation, owner = signatory
    to_check = build.report(organisation, Q1, actor=owner)
    to_query = build.report(organisation, Q2, actor=owner)
    session = HttpSession(live_server)
    session.sign_in(build.staff().email)
    _status, _location, html = session.request("GET", f"/staff/reports/{to_check.id}")
    token = csrf_token_from(html)

    def post(report, action, **fields):
        # Read here, not in the threads, which have no application context.
        url, form = f"/staff/reports/{report.id}/{action}", {
            "csrf_token": token, "revision_id": report.submitted_revision_id, **fields}
        return lambda: session.request("POST", url, form)[0]

    checked = _all_at_once(post(to_check, "check"), 12)
    queried = _all_at_once(post(to_query, "query", message="Which weeks?"), 12)
    assert set(checked) == {302}
    assert sorted(queried) == [302] + [409] * 11
    db.session.expire_all()
    outcomes = sorted((check.report_id, check.outcome) for check in db.session.scalars(
        select(ReportCheck)))
    assert outcomes == [(to_check.id, "checked"), (to_query.id, "queried")]
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.template == "report_queried")) == 2  # 2 members


def test_the_list_costs_the_same_statements_for_one_report_or_many(app, build, staff_client):
    from tests.conftest import counting_statements

    client, _staff = staff_client

    def statements_for_list() -> int:
        with counting_statements(app) as statements:
            assert client.get("/staff/reports").status_code == 200
        return len(statements)

    build.report(build.organisation(status="approved", approved_at=APPROVED))
    one = statements_for_list()
    for _ in range(4):
        build.report(build.organisation(status="approved", approved_at=APPROVED),
                     entries={"CDP-JOB-03": "1", "CDP-JOB-01": "1"})
    assert statements_for_list() == one
