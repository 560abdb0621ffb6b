"""The bid-ready social value statement (issue 10, item 5): its figures equal a recount by hand
from the raw entries; each one made is a frozen snapshot at an unguessable link that says
whether it is current, superseded, or out of date; only members make and see the live one; the
quality marks and carbon reduction plan it shows are checked on the way in."""

import io
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from charter_app import demo
from charter_app.badges.models import BadgeAward, BadgeKind
from charter_app.extensions import db
from charter_app.organisations.declaration_models import CarbonReductionPlan, QualityMark
from charter_app.organisations.models import Organisation
from charter_app.reporting import totals
from charter_app.reporting.models import QuarterlyReport
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports import statement as statement_module
from charter_app.reports.statement import build_snapshot, generate_statement
from charter_app.reports.statement_models import SocialValueStatement
from tests.builders import PASSWORD
from tests.conftest import counting_statements, csrf_token_from, log_in, submit_form
from tests.test_concurrency import HttpSession, _all_at_once
from tests.test_dashboard import NOW, freeze_today, two_years_of_reports

PENNY = Decimal("0.01")


@pytest.fixture
def signatory(build, monkeypatch):
    today = freeze_today(monkeypatch)
    monkeypatch.setattr(statement_module, "utcnow", lambda: NOW)
    return two_years_of_reports(build, today)


def _text(html: str) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([,.:;])", r"\1", text)


def _signed_in(app, email):
    client = app.test_client()
    log_in(client, email, PASSWORD)
    return client


def _recount(organisation_id: int, first: FinancialQuarter, last: FinancialQuarter) -> dict:
    """Gross, net, checked and unchecked by theme and by measure, with the proxy values used,
    from every entry of each report's counted revision, added up in plain Python."""
    sums = {"theme": defaultdict(lambda: [Decimal(0)] * 3),
            "measure": defaultdict(lambda: [Decimal(0)] * 3)}
    proxies = defaultdict(set)
    for report in db.session.scalars(select(QuarterlyReport).where(
            QuarterlyReport.organisation_id == organisation_id)):
        if report.submitted_revision is None or not first <= report.financial_quarter <= last:
            continue
        for entry in report.submitted_revision.entries:
            gross, net = Decimal(entry.gross or 0), Decimal(entry.net or 0)
            checked = gross if report.status == "checked" else Decimal(0)
            for group, key in (("theme", entry.measure.theme), ("measure", entry.measure.code),
                               ("theme", None)):
                row = sums[group][key]
                sums[group][key] = [row[0] + gross, row[1] + net, row[2] + checked]
            proxies[entry.measure.code].add((report.financial_year, entry.proxy_source,
                                             entry.proxy_edition))

    def money(values):
        return {"gross": f"{values[0].quantize(PENNY)}", "net": f"{values[1].quantize(PENNY)}",
                "checked_gross": f"{values[2].quantize(PENNY)}",
                "unchecked_gross": f"{(values[0] - values[2]).quantize(PENNY)}"}

    return {"total": money(sums["theme"][None]),
            # Themes with no value are left out (the statement lists every theme, at £0.00).
            "by_theme": {key: money(values) for key, values in sums["theme"].items()
                         if key and values[0]},
            "by_measure": {key: money(values) for key, values in sums["measure"].items()},
            "proxies": {code: found for code, found in proxies.items()}}


def _as_recounted(value: dict) -> dict:
    figures = ("gross", "net", "checked_gross", "unchecked_gross")
    return {"total": value["total"],
            "by_theme": {row["theme"]: {key: row[key] for key in figures}
                         for row in value["by_theme"] if Decimal(row["gross"])},
            "by_measure": {row["code"]: {key: row[key] for key in figures}
                           for row in value["by_measure"]},
            "proxies": {row["code"]: {(int(proxy["financial_year"][:4]), proxy["source"],
                                       proxy["edition"]) for proxy in row["proxies"]}
                        for row in value["by_measure"]}}


# --- the figures --------------------------------------------------------------------------------


def test_the_figures_equal_a_recount_by_hand_and_the_published_ones(app, signatory):
    organisation = db.session.get(Organisation, signatory.organisation_id)
    with counting_statements(app) as statements:
        snapshot = build_snapshot(organisation, NOW)
    quarters = totals.last_complete_quarters(NOW.date(), 4)
    value = snapshot["social_value"]
    assert value["quarters"] == ["2025-26 Q3", "2025-26 Q4", "2026-27 Q1", "2026-27 Q2"]
    assert (value["from"], value["to"]) == ("2025-10-01", "2026-09-30")
    assert _as_recounted(value) == _recount(organisation.id, quarters[0], quarters[-1])
    # The same totals as the signatory publishes on its profile (test_public_social_value).
    assert value["total"] == {"gross": "10496.30", "net": "10195.20",
                              "checked_gross": "9816.30", "unchecked_gross": "680.00"}
    assert [row["theme"] for row in value["by_theme"]] == [
        "jobs", "growth", "social", "environment", "innovation"]
    # Each proxy value names its source and edition, as frozen on the entries.
    assert all(proxy["source"] and proxy["edition"]
               for row in value["by_measure"] for proxy in row["proxies"])
    assert len(statements) <= 20, statements  # bounded: no statement per quarter or entry


def test_the_recount_agrees_on_the_demo_data(app, app_ctx):
    demo.seed()
    db.session.commit()
    organisation = db.session.scalar(select(Organisation).where(
        Organisation.slug == "teesdale-timber-frames"))
    now = datetime.now(UTC)
    snapshot = build_snapshot(organisation, now)
    quarters = totals.last_complete_quarters(now.date(), 4)
    recount = _recount(organisation.id, quarters[0], quarters[-1])
    assert _as_recounted(snapshot["social_value"]) == recount
    assert Decimal(recount["total"]["gross"]) > 0
    # The demo gives the signatory login's organisation marks, a plan and a statement.
    made = db.session.scalar(select(SocialValueStatement).where(
        SocialValueStatement.organisation_id == organisation.id))
    assert made.is_current and made.snapshot["quality_marks"]
    assert made.snapshot["carbon_reduction_plan"]["url"].startswith("https://")


# --- snapshots: current, superseded, changed ----------------------------------------------------


def test_a_statement_is_frozen_and_says_when_it_is_superseded_or_out_of_date(
        app, build, signatory):
    owner = db.session.scalar(select(Organisation).where(
        Organisation.id == signatory.organisation_id)).memberships[0].user
    member = _signed_in(app, signatory.owner_email)
    page = member.get(f"/organisations/{signatory.organisation_id}/statement")
    assert page.status_code == 200
    response = member.post(f"/organisations/{signatory.organisation_id}/statement",
                           data={"csrf_token": csrf_token_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    first_id = response.headers["Location"].rsplit("/", 1)[1]
    first = db.session.scalar(select(SocialValueStatement).where(
        SocialValueStatement.public_id == first_id))
    assert len(first_id) >= 22 and first.generated_by_id == owner.id
    assert first.snapshot["social_value"]["total"]["gross"] == "10496.30"

    visitor = app.test_client()
    shared = visitor.get(f"/statements/{first_id}")
    text = _text(shared.get_data(as_text=True))
    assert shared.status_code == 200
    assert "noindex" in shared.headers["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in shared.get_data(as_text=True)
    assert "current statement" in text and "Nothing in it has changed" in text
    assert "£10,496.30" in text and "£10,195.20" in text

    # New figures arrive (a report for the running quarter's predecessor is corrected here by
    # adding one): the snapshot stays as it was and says the figures changed.
    organisation = db.session.get(Organisation, signatory.organisation_id)
    db.session.add(QualityMark(organisation_id=organisation.id, name="ISO 14001",
                               certificate_number="E-77"))
    build.report(organisation, signatory.quarters[4], entries={"CDP-JOB-03": "1"}, actor=owner)
    text = _text(visitor.get(f"/statements/{first_id}").get_data(as_text=True))
    assert "£10,496.30" in text
    assert "these have changed: its reported social value, its quality marks" in text

    second = generate_statement(organisation, owner)
    db.session.commit()
    text = _text(visitor.get(f"/statements/{first_id}").get_data(as_text=True))
    assert "superseded" in text and f"/statements/{second.public_id}" in visitor.get(
        f"/statements/{first_id}").get_data(as_text=True)
    assert "£10,796.30" in _text(visitor.get(f"/statements/{second.public_id}").get_data(
        as_text=True))
    db.session.refresh(first)
    assert first.superseded_by_id == second.id and second.is_current


@pytest.mark.parametrize("public_id", ["x" * 22, "short", "a" * 40, "%00" * 8])
def test_unknown_statement_addresses_are_404(client, public_id):
    assert client.get(f"/statements/{public_id}").status_code == 404
    assert client.get(f"/statements/{public_id}.pdf").status_code == 404


def test_the_pdf_carries_the_frozen_statement_and_where_to_check_it(app, build, signatory):
    organisation = db.session.get(Organisation, signatory.organisation_id)
    made = generate_statement(organisation, organisation.memberships[0].user)
    db.session.commit()
    visitor = app.test_client()
    assert f'href="/statements/{made.public_id}.pdf"' in visitor.get(
        f"/statements/{made.public_id}").get_data(as_text=True)

    build.report(organisation, signatory.quarters[4], entries={"CDP-JOB-03": "1"})
    response = visitor.get(f"/statements/{made.public_id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "noindex" in response.headers["X-Robots-Tag"]
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="social-value-statement-[a-z0-9-]+\.pdf"',
                        disposition)
    reader = PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    text = re.sub(r"\s+", " ", text)
    assert organisation.name in text
    assert "£10,496.30" in text and "£10,195.20" in text  # as frozen, not as now
    assert f"/statements/{made.public_id}" in text.replace(" ", "")
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_statements_made_at_once_leave_exactly_one_current(app, build, live_server):
    owner = build.user()
    organisation = build.organisation(owner, status="approved")
    session = HttpSession(live_server)
    session.sign_in(owner.email)
    page = f"/organisations/{organisation.id}/statement"
    _status, _location, html = session.request("GET", page)
    token = csrf_token_from(html)
    statuses = _all_at_once(lambda: session.request("POST", page, {"csrf_token": token})[0],
                            count=8)
    assert statuses == [302] * 8
    db.session.expire_all()
    made = db.session.scalars(select(SocialValueStatement).where(
        SocialValueStatement.organisation_id == organisation.id)
        .order_by(SocialValueStatement.id)).all()
    assert len(made) == 8
    assert [statement.is_current for statement in made] == [False] * 7 + [True]
    # Each supersedes the one before it: a chain, never two pointing at one.
    assert [statement.superseded_by_id for statement in made[:-1]] == [
        statement.id for statement in made[1:]]


# --- who may see what ---------------------------------------------------------------------------


def test_only_members_make_or_see_the_live_statement_even_of_private_figures(app, build,
                                                                               signatory):
    organisation = db.session.get(Organisation, signatory.organisation_id)
    assert organisation.publishes_social_value is False  # its figures are private
    live = f"/organisations/{organisation.id}/statement"
    other = build.user()
    build.organisation(other, status="approved")
    stranger = _signed_in(app, other.email)
    assert stranger.get(live).status_code == 404
    token = csrf_token_from(stranger.get("/account").get_data(as_text=True))
    assert stranger.post(live, data={"csrf_token": token}).status_code == 404
    staff = _signed_in(app, build.staff().email)
    assert staff.get(live).status_code == 404
    visitor = app.test_client()
    assert visitor.get(live).status_code == 302
    assert "/login" in visitor.get(live).headers["Location"]
    assert db.session.scalar(select(SocialValueStatement.id)) is None
    # The figures stay off the public profile; a statement the member makes is readable by
    # whoever holds its link (what a buyer needs), and only then.
    member = _signed_in(app, signatory.owner_email)
    assert "£10,496.30" in _text(member.get(live).get_data(as_text=True))
    assert "10,496.30" not in visitor.get(f"/signatories/{signatory.slug}").get_data(
        as_text=True)


def test_a_withdrawn_signatory_cannot_make_a_statement(app, build):
    owner = build.user()
    organisation = build.organisation(owner, status="withdrawn",
                                      approved_at=datetime.now(UTC) - timedelta(days=90))
    client = _signed_in(app, owner.email)
    response = submit_form(client, f"/organisations/{organisation.id}/statement", {},
                           page="/account")
    assert response.status_code == 302
    assert db.session.scalar(select(SocialValueStatement.id)) is None


# --- the statement's other sections -------------------------------------------------------------


def test_marks_plan_badge_and_qr_code_with_expired_ones_marked(app, build, signatory):
    organisation = db.session.get(Organisation, signatory.organisation_id)
    db.session.add_all([
        QualityMark(organisation_id=organisation.id, name="ISO 9001", certificate_number="Q-1",
                    expires_on=date(2027, 6, 30)),
        QualityMark(organisation_id=organisation.id, name="Investors in People",
                    url="https://www.investorsinpeople.example/check/1",
                    expires_on=date(2026, 1, 31)),
        CarbonReductionPlan(organisation_id=organisation.id, url="https://example.org/crp.pdf",
                            published_on=date(2025, 4, 1), review_on=date(2026, 4, 1)),
        BadgeAward(organisation_id=organisation.id, kind=BadgeKind.SIGNATORY,
                   current_key=f"signatory:{organisation.id}", year_label="2025",
                   valid_from=NOW - timedelta(days=400))])
    db.session.commit()
    member = _signed_in(app, signatory.owner_email)
    html = member.get(f"/organisations/{organisation.id}/statement").get_data(as_text=True)
    text = _text(html)
    assert "ISO 9001, certificate Q-1: Expires 30 June 2027" in text
    assert "Investors in People: Expired on 31 January 2026" in text
    assert "published 1 April 2025" in text and "Review overdue, expired on 1 April 2026" in text
    # The badge it leads with (a level, else Reported, else Charter Signatory) and its QR code.
    awards = db.session.scalars(select(BadgeAward).where(
        BadgeAward.organisation_id == organisation.id)).all()
    assert any(f"/badges/{award.public_id}" in html for award in awards)
    assert "<svg" in html and "QR code of the verification link for the" in html
    assert "style=" not in html.split("app-qr", 1)[1].split("</svg>", 1)[0]


def test_the_dashboard_links_to_the_statement(app, signatory):
    member = _signed_in(app, signatory.owner_email)
    html = member.get(f"/organisations/{signatory.organisation_id}/dashboard").get_data(
        as_text=True)
    assert "Social value statement for bids" in html
    assert f"/organisations/{signatory.organisation_id}/statement" in html


# --- the quality marks and carbon reduction plan on the profile ---------------------------------


def _approved_member(app, build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved")
    return _signed_in(app, owner.email), organisation


def test_a_member_adds_changes_and_removes_a_quality_mark(app, build):
    client, organisation = _approved_member(app, build)
    base = f"/organisations/{organisation.id}/quality-marks"
    response = submit_form(client, f"{base}/new", {
        "name": "ISO 9001", "certificate_number": "Q-123", "url": "www.example.org/cert",
        "expires_on": ["31", "3", "2027"]})
    assert response.status_code == 302
    mark = db.session.scalar(select(QualityMark))
    assert (mark.url, mark.expires_on) == ("https://www.example.org/cert", date(2027, 3, 31))
    response = submit_form(client, f"{base}/{mark.id}", {
        "name": "ISO 9001:2015", "certificate_number": "Q-123", "url": "",
        "expires_on": ["", "", ""]})
    assert response.status_code == 302
    db.session.refresh(mark)
    assert (mark.name, mark.url, mark.expires_on) == ("ISO 9001:2015", None, None)
    assert submit_form(client, f"{base}/{mark.id}/remove", {}).status_code == 302
    assert db.session.scalar(select(QualityMark.id)) is None


@pytest.mark.parametrize(("data", "message"), [
    ({"name": ""}, "Enter the name of the quality mark"),
    ({"name": "x" * 121}, "must be 120 characters or fewer"),
    ({"certificate_number": "9" * 61}, "must be 60 characters or fewer"),
    ({"url": "http://example.org/cert"}, "starts with https://"),
    ({"url": "https://example"}, "in the correct format"),
    ({"url": "https://example.org/" + "a" * 290}, "300 characters or fewer"),
    ({"certificate_number": "", "url": ""}, "Enter a certificate number or a link"),
    ({"expires_on": ["31", "2", "2027"]}, "must be a real date"),
    ({"expires_on": ["1", "", "2027"]}, "must include a day, month and year"),
    ({"expires_on": ["1", "1", "3027"]}, "must be a year between"),
    ({"expires_on": None}, None),  # no date boxes at all: blank, not a crash
])
def test_quality_mark_bad_input_is_refused_in_plain_words(app, build, data, message):
    client, organisation = _approved_member(app, build)
    form = {"name": "ISO 9001", "certificate_number": "Q-1", "url": "",
            "expires_on": ["1", "1", "2027"], **data}
    form = {key: value for key, value in form.items() if value is not None}
    response = submit_form(client, f"/organisations/{organisation.id}/quality-marks/new", form)
    if message is None:
        assert response.status_code == 302
        return
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert "Error:" in response.get_data(as_text=True)
    assert db.session.scalar(select(QualityMark.id)) is None


@pytest.mark.parametrize(("data", "message"), [
    ({"url": ""}, "Enter the link to your carbon reduction plan"),
    ({"url": "http://example.org/crp"}, "starts with https://"),
    ({"published_on": ["", "", ""]}, "Enter the date your plan was published"),
    ({"published_on": ["1", "1", "2099"]}, "must be today or in the past"),
    ({"review_on": ["1", "4", "2025"]}, "must be after the date published"),
])
def test_carbon_plan_bad_input_is_refused(app, build, data, message):
    client, organisation = _approved_member(app, build)
    form = {"url": "https://example.org/crp.pdf", "published_on": ["1", "4", "2025"],
            "review_on": ["1", "4", "2026"], **data}
    response = submit_form(client, f"/organisations/{organisation.id}/carbon-reduction-plan",
                           form)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(CarbonReductionPlan.id)) is None


def test_a_carbon_plan_is_saved_and_another_organisation_cannot_reach_it(app, build):
    client, organisation = _approved_member(app, build)
    page = f"/organisations/{organisation.id}/carbon-reduction-plan"
    assert submit_form(client, page, {"url": "https://example.org/crp.pdf",
                                      "published_on": ["1", "4", "2025"],
                                      "review_on": ["1", "4", "2026"]}).status_code == 302
    plan = db.session.scalar(select(CarbonReductionPlan))
    assert (plan.published_on, plan.review_on) == (date(2025, 4, 1), date(2026, 4, 1))
    stranger, _other = _approved_member(app, build)
    assert stranger.get(page).status_code == 404
    assert stranger.get(f"/organisations/{organisation.id}/quality-marks").status_code == 404
