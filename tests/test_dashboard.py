"""A signatory's dashboard: progress against this pledge year's targets, social value by quarter
and by theme as SVG charts with tables, and which reports are due, overdue or submitted."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from charter_app.extensions import db
from charter_app.organisations.models import Organisation
from charter_app.pledges import services as pledge_services
from charter_app.pledges.models import Measure, ProxyValue
from charter_app.reporting import dashboard as dashboard_module
from charter_app.reporting import public as public_module
from charter_app.reporting.dashboard import dashboard_for, percentage
from charter_app.reporting.models import QuarterlyReport, ReportStatus
from charter_app.reporting.quarters import FinancialQuarter, ReportState
from tests.builders import PASSWORD
from tests.conftest import counting_statements, log_in

TODAY = date(2026, 11, 22)  # 2026-27 Q3
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
# Proxy values for 2025-26, for tests only: the catalogue ships values for 2026-27 alone.
PROXIES_2025 = {"CDP-JOB-03": "300.00", "CDP-SOC-02": "17.00", "CDP-ENV-01": "240.00"}
# Quarters before the one running today, with what was reported in each and what became of it.
# None: never reported (so missing by now); "draft": started, not submitted.
REPORTS = {
    6: ({"CDP-JOB-03": "10", "CDP-SOC-02": "50"}, ReportStatus.CHECKED),
    5: ({"CDP-JOB-03": "12", "CDP-ENV-01": "1.5"}, ReportStatus.SUBMITTED),
    4: None,
    3: ({"CDP-SOC-02": "40"}, ReportStatus.QUERIED),
    2: ({"CDP-JOB-03": "30", "CDP-SOC-02": "30"}, ReportStatus.CHECKED),
    1: ({"CDP-JOB-03": "5"}, "draft"),
}
FIRST_YEAR_TARGETS = {"CDP-JOB-03": "52", "CDP-SOC-02": "200"}
SECOND_YEAR_TARGETS = {"CDP-JOB-03": "20", "CDP-SOC-02": "100", "CDP-GRO-01": "10"}


def quarters_back(quarter: FinancialQuarter, count: int) -> FinancialQuarter:
    for _ in range(count):
        quarter = (FinancialQuarter(quarter.year - 1, 4) if quarter.number == 1
                   else FinancialQuarter(quarter.year, quarter.number - 1))
    return quarter


@dataclass
class TwoYears:
    organisation_id: int
    slug: str
    owner_email: str
    quarters: dict[int, FinancialQuarter]  # quarters back from today's -> the quarter


def two_years_of_reports(build, today: date, name: str = "Consett Apprenticeships Ltd",
                         ) -> TwoYears:
    """A signatory approved early in the quarter six before today's, in its second pledge year,
    with the reports of REPORTS (SOC-02 carrying a 25% deadweight by default, so its net
    differs from its gross)."""
    current = FinancialQuarter.containing(today)
    quarters = {back: quarters_back(current, back) for back in range(7)}
    approved_on = quarters[6].starts_on + timedelta(days=9)
    for code, value in PROXIES_2025.items():
        measure = build.measure(code)
        for year in {quarter.year for quarter in quarters.values()}:
            if not any(proxy.financial_year == year for proxy in measure.proxy_values):
                measure.proxy_values.append(ProxyValue(
                    financial_year=year, value=Decimal(value), source="Test value",
                    edition="Test"))
    build.measure("CDP-SOC-02").default_deadweight = Decimal(25)
    db.session.commit()

    owner = build.user()
    organisation = build.organisation(
        owner, status="approved", name=name, pledges=FIRST_YEAR_TARGETS,
        approved_at=datetime(approved_on.year, approved_on.month, approved_on.day, 9,
                             tzinfo=UTC))
    second_year = pledge_services.add_years(approved_on, 1) + timedelta(days=1)
    pledge_services.set_pledges(
        organisation, {build.measure(code).id: Decimal(target)
                       for code, target in SECOND_YEAR_TARGETS.items()}, today=second_year)
    db.session.commit()
    for back, plan in REPORTS.items():
        if plan is None:
            continue
        entries, outcome = plan
        report = build.report(organisation, quarters[back], entries=entries,
                              submit=outcome != "draft", actor=owner)
        if outcome in (ReportStatus.CHECKED, ReportStatus.QUERIED):
            report.status = outcome
            db.session.commit()
    return TwoYears(organisation.id, organisation.slug, owner.email, quarters)


def freeze_today(monkeypatch) -> date:
    """The dashboard and the public figures see TODAY as today."""
    for module in (dashboard_module, public_module):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)
    return TODAY


@pytest.fixture
def fixed_today(monkeypatch):
    return freeze_today(monkeypatch)


@pytest.fixture
def signatory(build, fixed_today):
    return two_years_of_reports(build, fixed_today)


def _organisation(signatory) -> Organisation:
    return db.session.get(Organisation, signatory.organisation_id)


def _money(amount: str) -> Decimal:
    return Decimal(amount)


# --- the figures -------------------------------------------------------------------------------


def test_progress_is_against_this_pledge_years_targets(signatory):
    board = dashboard_for(_organisation(signatory), TODAY)
    assert board.period.number == 2
    assert (board.period.starts_on, board.period.ends_on) == (date(2026, 4, 10),
                                                              date(2027, 4, 9))
    assert [quarter.label for quarter in board.period_quarters] == [
        "2026-27 Q1", "2026-27 Q2", "2026-27 Q3", "2026-27 Q4"]
    themes = {theme.theme: theme for theme in board.themes}
    assert list(themes) == ["jobs", "growth", "social"]  # the usual order; nothing else this year

    [apprenticeships] = themes["jobs"].measures
    assert (apprenticeships.reported, apprenticeships.target) == (Decimal(30), Decimal(20))
    assert apprenticeships.percentage == 150 and apprenticeships.reached
    assert themes["jobs"].percentage == 100  # exceeding a target counts as 100 in the average
    assert themes["jobs"].figures.gross == themes["jobs"].figures.net == _money("9291.90")

    [volunteering] = themes["social"].measures
    assert (volunteering.reported, volunteering.percentage) == (Decimal(30), 30)
    assert themes["social"].figures.gross == _money("524.40")  # 30 hours x £17.48
    assert themes["social"].figures.net == _money("393.30")  # after 25% deadweight

    [advice] = themes["growth"].measures
    assert (advice.reported, advice.percentage, themes["growth"].targets_reached) == (0, 0, 0)
    assert board.period_total.gross == _money("9816.30")
    assert board.period_total.net == _money("9685.20")


def test_value_by_quarter_and_by_theme_cover_the_quarters_since_approval(signatory):
    board = dashboard_for(_organisation(signatory), TODAY)
    by_quarter = {label: (figures.gross, figures.net) for label, figures in board.quarter_rows}
    # Seven quarters: none before approval in 2025-26 Q1, and the running one "so far".
    assert by_quarter == {
        "2025-26 Q1": (_money("3850"), _money("3637.50")),  # 10 x £300 + 50 x £17
        "2025-26 Q2": (_money("3960"), _money("3960")),  # 12 x £300 + 1.5 x £240
        "2025-26 Q3": (0, 0),  # missing
        "2025-26 Q4": (_money("680"), _money("510")),
        "2026-27 Q1": (_money("9816.30"), _money("9685.20")),
        "2026-27 Q2": (0, 0),  # a draft does not count
        "2026-27 Q3 (so far)": (0, 0),
    }
    by_theme = {label: (figures.gross, figures.net) for label, figures in board.theme_rows}
    assert by_theme == {
        "Jobs": (_money("15891.90"), _money("15891.90")),
        "Growth": (0, 0),
        "Social": (_money("2054.40"), _money("1540.80")),
        "Environment": (_money("360"), _money("360")),
        "Innovation": (0, 0),
    }
    assert board.chart_span == "2025-26 Q1 to 2026-27 Q3"


def test_the_reports_to_do_come_most_urgent_first_and_the_submitted_latest_first(signatory):
    board = dashboard_for(_organisation(signatory), TODAY)
    assert [(item.quarter.label, item.state, item.started) for item in board.to_do] == [
        ("2025-26 Q3", ReportState.MISSING, False),
        ("2026-27 Q2", ReportState.LATE, True),
        ("2026-27 Q3", ReportState.OPEN, False),
    ]
    assert [item.quarter.label for item in board.overdue] == ["2025-26 Q3", "2026-27 Q2"]
    assert [(item.quarter.label, item.check_status) for item in board.submitted] == [
        ("2026-27 Q1", "checked"), ("2025-26 Q4", "queried"), ("2025-26 Q2", "submitted"),
        ("2025-26 Q1", "checked")]
    assert board.submitted[0].url == (
        f"/organisations/{signatory.organisation_id}/reports/2026-27/q1")


def test_a_correction_under_way_is_shown_and_the_old_figures_still_count(build, signatory):
    from charter_app.reporting import services

    organisation = _organisation(signatory)
    report = services.find_report(organisation, FinancialQuarter(2026, 1))
    services.start_correction(report, None)
    db.session.commit()
    board = dashboard_for(organisation, TODAY)
    assert board.submitted[0].correction_under_way
    assert board.period_total.gross == _money("9816.30")


@pytest.mark.parametrize(("reported", "target", "expected"), [
    ("0", "10", 0), ("9.96", "10", 99), ("10", "10", 100), ("15", "10", 150),
    ("1", "3", 33), ("0", "0", 0), ("2", "0", 100),
])
def test_percentages_round_down_so_a_target_is_never_reached_early(reported, target, expected):
    assert percentage(Decimal(reported), Decimal(target)) == expected


def test_a_themes_progress_counts_each_target_up_to_100(build):
    from charter_app.reporting.dashboard import MeasureProgress, ThemeProgress
    from charter_app.reporting.totals import Figures

    measure = build.measure("CDP-JOB-03")
    theme = ThemeProgress("jobs", Figures(), (
        MeasureProgress(measure, Decimal(20), Decimal(30)),  # 150%
        MeasureProgress(measure, Decimal(100), Decimal(30)),  # 30%
        MeasureProgress(measure, Decimal(3), Decimal(1)),  # 33%
    ))
    assert (theme.percentage, theme.targets_reached) == (54, 1)  # (100 + 30 + 33) // 3


# --- the page ----------------------------------------------------------------------------------


def _signed_in(app, email):
    client = app.test_client()
    log_in(client, email, PASSWORD)
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_shows_progress_charts_tables_and_reports(app, signatory):
    client = _signed_in(app, signatory.owner_email)
    response = client.get(f"/organisations/{signatory.organisation_id}/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = _text(html)
    assert "30 of 20 weeks: 150% (target exceeded)" in text
    assert "30 of 100 hours: 30%" in text
    assert "Theme progress: 100% , 1 of 1 target reached" in text
    assert "Theme progress: 30% , 0 of 1 target reached" in text
    assert "2 reports are overdue" in text
    assert "Overdue: missing" in text and "Overdue: late" in text and "Checked" in text
    assert f'href="/organisations/{signatory.organisation_id}/reports/2025-26/q3"' in html
    assert "Queried" in text and "Draft started" in text

    charts = re.findall(r"<svg class=\"app-chart\".*?</svg>", html, re.DOTALL)
    assert len(charts) == 2
    for chart in charts:
        assert 'role="img"' in chart
        labelled_by = re.search(r'aria-labelledby="([^"]+)"', chart)[1].split()
        for element_id in labelled_by:
            assert re.search(rf'<(title|desc) id="{element_id}">[^<]+</\1>', chart)
        assert "style=" not in chart  # the Content Security Policy forbids inline styles
    quarter_chart, theme_chart = charts
    assert "<title id=\"value-by-quarter-title\">Social value by quarter, 2025-26 Q1 to " \
           "2026-27 Q3</title>" in quarter_chart
    assert "The most gross value was in 2026-27 Q1: £9,816.30 gross, £9,685.20 net" in \
           quarter_chart
    # The chart's whole-pound labels match the table's pennies, gross and net side by side.
    assert "£9,816</text>" in quarter_chart and "£9,685</text>" in quarter_chart
    assert "£15,892</text>" in theme_chart and "£1,541</text>" in theme_chart
    tables = re.findall(r"<details class=\"govuk-details\">.*?</details>", html, re.DOTALL)
    assert len(tables) == 2
    assert "Show the figures as a table" in tables[0]
    assert re.search(r"2026-27 Q1</th>\s*<td[^>]*>£9,816.30</td>\s*<td[^>]*>£9,685.20</td>",
                     tables[0])
    assert re.search(r"Social</th>\s*<td[^>]*>£2,054.40</td>\s*<td[^>]*>£1,540.80</td>",
                     tables[1])
    assert "style=" not in html


def test_another_organisations_member_gets_404(app, build, signatory):
    outsider = build.user()
    build.organisation(build.user(), status="approved")
    build.member(db.session.scalars(select(Organisation).where(
        Organisation.id != signatory.organisation_id)).first(), outsider)
    client = _signed_in(app, outsider.email)
    assert client.get(f"/organisations/{signatory.organisation_id}/dashboard").status_code == 404
    staff = _signed_in(app, build.staff().email)
    assert staff.get(f"/organisations/{signatory.organisation_id}/dashboard").status_code == 404


def test_a_plain_member_sees_the_dashboard_too(app, build, signatory):
    colleague = build.user()
    build.member(_organisation(signatory), colleague)
    client = _signed_in(app, colleague.email)
    assert client.get(f"/organisations/{signatory.organisation_id}/dashboard").status_code == 200


def test_a_signatory_lands_on_its_dashboard_and_an_applicant_on_its_application(app, build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved")
    client = _signed_in(app, owner.email)
    assert client.get("/apply").headers["Location"] == (
        f"/organisations/{organisation.id}/dashboard")
    account = client.get("/account").get_data(as_text=True)
    assert f'href="/organisations/{organisation.id}/dashboard"' in account

    applicant = build.user()
    draft = build.organisation(applicant)
    client = _signed_in(app, applicant.email)
    assert client.get("/apply").headers["Location"] == f"/organisations/{draft.id}/application"
    # Before approval there is no dashboard: back to the application.
    response = client.get(f"/organisations/{draft.id}/dashboard")
    assert response.headers["Location"] == f"/organisations/{draft.id}/application"


def test_a_new_signatory_with_nothing_reported_gets_a_calm_dashboard(app, build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved")
    client = _signed_in(app, owner.email)
    text = _text(client.get(f"/organisations/{organisation.id}/dashboard").get_data(
        as_text=True))
    assert "0 of 52 weeks: 0%" in text
    assert "No social value was reported for these quarters" in text
    assert "Open until" in text


def _statements(app, client, url):
    client.get(url)  # warm up: templates compiled, connection pooled
    with counting_statements(app) as statements:
        assert client.get(url).status_code == 200
    return statements


def test_the_statement_count_does_not_grow_with_the_number_of_reports(app, build, fixed_today):
    few = two_years_of_reports(build, fixed_today, name="Few Reports Ltd")
    small = _statements(app, _signed_in(app, few.owner_email),
                        f"/organisations/{few.organisation_id}/dashboard")

    many = two_years_of_reports(build, fixed_today, name="Many Reports Ltd")
    organisation = db.session.get(Organisation, many.organisation_id)
    codes = [code for code in db.session.scalars(select(Measure.code).where(Measure.active))]
    for back in (4, 0):  # the missing quarter and the running one, with every measure
        build.report(organisation, many.quarters[back],
                     entries={code: "1" for code in codes}, today=TODAY)
    assert db.session.scalar(select(db.func.count(QuarterlyReport.id)).where(
        QuarterlyReport.organisation_id == many.organisation_id)) == 7
    large = _statements(app, _signed_in(app, many.owner_email),
                        f"/organisations/{many.organisation_id}/dashboard")
    assert len(small) == len(large), "\n---\n".join(large)
    # 14 for the dashboard, and 6 for its badges panel (the awards held, and the evidence in
    # five queries: standing, reports, themes, events attended, annual updates).
    assert len(large) <= 20, "\n---\n".join(large)


def test_a_lapsed_signatory_still_lands_on_its_dashboard_and_is_told_why(app, build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved")
    organisation.status = "lapsed"
    db.session.commit()
    client = _signed_in(app, owner.email)
    assert client.get("/apply").headers["Location"] == (
        f"/organisations/{organisation.id}/dashboard")
    text = _text(client.get(f"/organisations/{organisation.id}/dashboard").get_data(
        as_text=True))
    assert "Your Charter signature has lapsed" in text
    assert "Save this choice" in text  # a lapsed signatory still reports, and may publish


def test_the_dashboards_links_are_the_addresses_the_report_pages_answer_at(app):
    from flask import url_for

    from charter_app.reporting.dashboard import report_path, reports_path
    from charter_app.reporting.quarters import FinancialQuarter

    quarter = FinancialQuarter(2026, 2)
    with app.test_request_context():
        assert report_path(7, quarter) == url_for(
            "reporting.report", organisation_id=7, financial_year="2026-27", number=2)
        assert reports_path(7) == url_for("reporting.reports", organisation_id=7)


def test_the_dashboard_says_when_the_annual_update_is_due_and_when_it_is_overdue(app, signatory):
    organisation = _organisation(signatory)
    assert dashboard_for(organisation, TODAY).annual_update == (date(2027, 4, 10),
                                                               "not yet open")
    late = dashboard_for(organisation, date(2027, 4, 20))
    assert late.annual_update.state == "overdue"
    assert late.annual_update_lapses_on == date(2027, 6, 10)

    client = _signed_in(app, signatory.owner_email)
    page = _text(client.get(f"/organisations/{organisation.id}/dashboard").get_data(as_text=True))
    assert "Your next annual pledge update is due on 10 April 2027" in page
    assert "you can send it from 11 March 2027" in page


def test_a_theme_reported_without_a_proxy_value_says_why_it_shows_no_pounds(app, build,
                                                                             fixed_today):
    owner = build.user()
    organisation = build.organisation(
        owner, status="approved", approved_at=datetime(2026, 5, 10, 9, tzinfo=UTC),
        pledges={"CDP-GRO-02": "300000"})  # spend with local suppliers: no proxy value
    build.report(organisation, FinancialQuarter(2026, 1), entries={"CDP-GRO-02": "25000"},
                 actor=owner)
    page = _text(_signed_in(app, owner.email).get(
        f"/organisations/{organisation.id}/dashboard").get_data(as_text=True))
    assert "£25,000 of £300,000: 8%" in page
    assert "is not valued in pounds: its measures have no proxy value for the year yet" in page
