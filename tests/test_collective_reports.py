"""Staff publish the collective quarterly progress report: a draft previewed with the live
figures, published and frozen, corrected by a new version with a note; the public reads the
report, every version, and its figures as CSV and JSON."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports import publishing
from charter_app.reports.models import CollectiveReport
from tests.builders import PASSWORD
from tests.conftest import log_in, submit_form

QUARTER = FinancialQuarter(2026, 1)  # April to June 2026: its reports were due by 30 July
PAGE = "/staff/collective-reports/2026-27/q1"
PUBLIC = "/reports/2026-27/q1"


@pytest.fixture
def staff_client(app, build):
    client = app.test_client()
    log_in(client, build.staff("jo.bell@businessdurham.example").email, PASSWORD)
    return client


def _signatory_reporting(build, jobs: str):
    organisation = build.organisation(status=ApplicationStatus.APPROVED,
                                      approved_at=datetime(2026, 4, 20, 9, tzinfo=UTC))
    build.report(organisation, QUARTER, entries={"CDP-JOB-03": jobs})
    return organisation


def test_staff_preview_publish_and_the_figures_stay_frozen(build, staff_client, client):
    _signatory_reporting(build, "10")
    assert client.get(PUBLIC).status_code == 404  # nothing published yet
    assert submit_form(staff_client, PAGE, {"commentary": "A strong first quarter.",
                                            "highlights": "Apprentices in Seaham\nA new café",
                                            }).status_code == 302
    preview = staff_client.get(PAGE).text
    assert "Preview: the figures as they stand today" in preview
    assert "A strong first quarter." in preview
    response = submit_form(staff_client, f"{PAGE}/publish", {}, page=PAGE)
    assert response.status_code == 302 and response.headers["Location"] == PUBLIC

    page = client.get(PUBLIC).text
    assert "Progress report 2026-27 Q1" in page and "A strong first quarter." in page
    assert "Apprentices in Seaham" in page and "Version 1" in page
    published = client.get(f"{PUBLIC}.json").json
    gross = Decimal(published["figures"]["quarter_figures"]["theme"]["total"]["gross"])
    assert gross > 0 and published["version"] == 1

    # A report arriving later changes nothing published.
    _signatory_reporting(build, "30")
    assert client.get(f"{PUBLIC}.json").json["figures"] == published["figures"]
    assert Decimal(client.get(f"{PUBLIC}.json").json["figures"]["quarter_figures"]["theme"][
        "total"]["gross"]) == gross
    # Publishing again (a second click) does nothing and says so.
    again = submit_form(staff_client, f"{PAGE}/publish", {}, page=PAGE)
    assert again.status_code == 302
    assert db.session.query(CollectiveReport).count() == 1


def test_a_correction_is_a_new_version_with_its_note_and_the_old_one_stays(build, staff_client,
                                                                          client):
    _signatory_reporting(build, "10")
    submit_form(staff_client, PAGE, {"commentary": "First."})
    submit_form(staff_client, f"{PAGE}/publish", {}, page=PAGE)
    first = client.get(f"{PUBLIC}.json").json
    _signatory_reporting(build, "30")  # a late report: the correction counts it

    # A correction without a note is refused at publishing.
    submit_form(staff_client, PAGE, {"commentary": "Corrected.", "change_note": ""})
    refused = submit_form(staff_client, f"{PAGE}/publish", {}, page=PAGE,
                          follow_redirects=True).text
    assert "Say what this correction changes before publishing it." in refused
    submit_form(staff_client, PAGE, {"commentary": "Corrected.",
                                     "change_note": "Counts a report that arrived late."})
    submit_form(staff_client, f"{PAGE}/publish", {}, page=PAGE)

    second = client.get(f"{PUBLIC}.json").json
    assert second["version"] == 2 and second["change_note"] == "Counts a report that arrived late."
    assert Decimal(second["figures"]["quarter_figures"]["theme"]["total"]["gross"]) > Decimal(
        first["figures"]["quarter_figures"]["theme"]["total"]["gross"])
    old = client.get(f"{PUBLIC}/v1").text
    assert "A newer version of this report was published." in old and "First." in old
    assert "Counts a report that arrived late." in client.get(PUBLIC).text
    assert [report.version for report in publishing.published_reports()] == [2]


def test_a_quarter_is_drafted_only_once_its_reports_are_all_due(staff_client):
    page = staff_client.get("/staff/collective-reports/2099-01/q1")
    assert page.status_code == 404  # not a financial year
    open_quarter = staff_client.get("/staff/collective-reports/2090-91/q1").text
    assert "Its report can be drafted after that." in open_quarter
    assert "Start the draft" not in open_quarter


def test_the_csv_has_every_figure_and_nothing_a_spreadsheet_would_run(build, staff_client,
                                                                      client):
    _signatory_reporting(build, "10")
    submit_form(staff_client, PAGE, {"commentary": "=HYPERLINK(\"http://evil\")"})
    submit_form(staff_client, f"{PAGE}/publish", {}, page=PAGE)
    response = client.get(f"{PUBLIC}.csv")
    assert response.mimetype == "text/csv"
    assert 'filename="county-durham-pound-report-2026-27-q1-v1.csv"' in response.headers[
        "Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    total = next(row for row in rows if row["what"] == "social_value"
                 and row["period"] == "this quarter" and row["group"] == "theme"
                 and row["key"] == "total")
    assert total["gross"] == client.get(f"{PUBLIC}.json").json["figures"]["quarter_figures"][
        "theme"]["total"]["gross"]
    assert {row["what"] for row in rows} >= {"signatories", "social_value", "targets"}
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row.values())


@pytest.mark.parametrize("path", ["/reports/2026-28/q1", "/reports/2026-27/q5",
                                  "/reports/2026-27/q0", "/reports/nonsense/q1",
                                  "/reports/2026-27/q1/v0", "/reports/2026-27/q1.json"])
def test_addresses_that_are_not_published_reports_are_404(client, path):
    assert client.get(path).status_code == 404


def test_the_list_shows_published_reports_newest_first(build, staff_client, client):
    assert "No report has been published yet." in client.get("/reports").text
    _signatory_reporting(build, "10")
    for page in (PAGE, "/staff/collective-reports/2025-26/q4"):
        submit_form(staff_client, page, {"commentary": "Hello."})
        submit_form(staff_client, f"{page}/publish", {}, page=page)
    listing = client.get("/reports").text
    assert listing.index("Progress report 2026-27 Q1") < listing.index("Progress report 2025-26 Q4")
