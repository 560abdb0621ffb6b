"""The export of every submitted entry: CSV for staff and JSON through the staff API, with exact
figures, the checked flag, and cells a spreadsheet never runs as formulas."""

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from charter_app.extensions import db
from charter_app.reporting import export, services, totals
from charter_app.reporting.models import ReportStatus
from charter_app.reporting.quarters import FinancialQuarter
from tests.builders import PASSWORD
from tests.conftest import counting_statements, log_in

APPROVED = datetime(2026, 5, 10, 9, tzinfo=UTC)  # 2026-27 Q1
Q1, Q2 = FinancialQuarter(2026, 1), FinancialQuarter(2026, 2)


@pytest.fixture
def signatory(build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved", approved_at=APPROVED,
                                      name="Wear Valley Widgets Ltd", company_number="01234567")
    return organisation, owner


@pytest.fixture
def staff_client(app, build):
    client = app.test_client()
    log_in(client, build.staff().email, PASSWORD)
    return client


def _rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def _report_with(build, organisation, owner, quarter, **entry_fields):
    report = services.start_report(organisation, quarter, owner, today=quarter.ends_on)
    services.save_entry(report, services.EntryInput(
        measure_id=build.measure(entry_fields.pop("code", "CDP-JOB-03")).id,
        quantity=Decimal(entry_fields.pop("quantity", "10")),
        description=entry_fields.pop("description", "Apprentice weeks"), **entry_fields), owner)
    services.submit_report(report, owner)
    db.session.commit()
    return report


def test_one_row_per_counted_entry_with_exact_figures(build, signatory, staff_client):
    organisation, owner = signatory
    checked = _report_with(build, organisation, owner, Q1, quantity="10", location="DH1 3HE",
                           deadweight=Decimal("25"), deflator_reason="Some anyway")
    _report_with(build, organisation, owner, Q2, code="CDP-GRO-02", quantity="2500")
    checked.status = ReportStatus.CHECKED
    services.start_correction(checked, owner)  # a correction under way is not exported
    db.session.commit()
    build.report(organisation, FinancialQuarter(2026, 3), actor=owner, submit=False)

    response = staff_client.get("/staff/reports/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert re.fullmatch(r'attachment; filename=county-durham-pound-report-entries-'
                        r'\d{4}-\d{2}-\d{2}\.csv', response.headers["Content-Disposition"])
    assert response.headers["Cache-Control"] == "no-store"
    rows = _rows(response)
    assert list(rows[0]) == export.COLUMNS
    assert len(rows) == 2
    first, second = rows
    assert {key: first[key] for key in (
        "organisation", "org_id", "financial_year", "quarter", "revision", "measure_code",
        "national_toms_code", "area", "quantity", "unit", "proxy_value", "gross",
        "deadweight", "attribution", "displacement", "net", "checked")} == {
        "organisation": "Wear Valley Widgets Ltd", "org_id": "GB-COH-01234567",
        "financial_year": "2026-27", "quarter": "1", "revision": "1",
        "measure_code": "CDP-JOB-03", "national_toms_code": "NT10", "area": "Durham",
        "quantity": "10", "unit": "weeks", "proxy_value": "309.73", "gross": "3097.30",
        "deadweight": "25", "attribution": "0", "displacement": "0", "net": "2322.975",
        "checked": "yes"}
    assert first["proxy_source"] and first["national_toms_edition"]
    # Reported but not valued: no proxy value for the year, so no figures, and not checked.
    assert (second["measure_code"], second["proxy_value"], second["gross"], second["net"],
            second["checked"]) == ("CDP-GRO-02", "", "", "", "no")
    # The exact figures add up to the published totals.
    figures = totals.grand_total()
    assert sum(Decimal(row["gross"] or 0) for row in rows) == figures.gross
    assert sum(Decimal(row["net"] or 0) for row in rows) == figures.net


def test_the_quarter_range_narrows_the_export(build, signatory, staff_client):
    organisation, owner = signatory
    build.report(organisation, Q1, actor=owner)
    build.report(organisation, Q2, actor=owner)

    def quarters(query: str) -> list[str]:
        response = staff_client.get(f"/staff/reports/export.csv{query}")
        assert response.status_code == 200, query
        return [row["quarter"] for row in _rows(response)]

    assert quarters("") == ["1", "2"]
    assert quarters("?from=2026-27-q2") == ["2"]
    assert quarters("?to=2026-27-q1") == ["1"]
    assert quarters("?from=2026-27&to=2026-27") == ["1", "2"]
    assert quarters("?from=2027-28") == []
    for bad in ("2026-28", "2026-27-q5", "x", "\x00"):
        assert staff_client.get("/staff/reports/export.csv",
                                query_string={"from": bad}).status_code == 400


@pytest.mark.parametrize("typed", [
    '=HYPERLINK("https://evil.example","Click")', "+1+2", "-2+3", "@SUM(A1:A2)",
    "\tTabbed", "\rReturned"])
def test_no_cell_is_run_as_a_formula(build, signatory, staff_client, typed):
    organisation, owner = signatory
    organisation.name = typed + " Ltd"
    db.session.commit()
    build.report(organisation, Q1, actor=owner)
    from charter_app.pledges.models import ProxyValue
    proxy = db.session.scalar(db.select(ProxyValue).where(
        ProxyValue.measure_id == build.measure("CDP-JOB-01").id,
        ProxyValue.financial_year == 2026))
    proxy.source = typed
    db.session.commit()
    _report_with(build, organisation, owner, Q2, code="CDP-JOB-01", quantity="1")
    text = staff_client.get("/staff/reports/export.csv").get_data(as_text=True)
    rows = _rows(staff_client.get("/staff/reports/export.csv"))
    assert {row["organisation"] for row in rows} == {"'" + typed + " Ltd"}
    assert rows[1]["proxy_source"] == "'" + typed
    for line in csv.reader(io.StringIO(text)):
        for cell in line:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_csv_streams_in_batches(build, signatory, staff_client, app, monkeypatch):
    organisation, owner = signatory
    for quarter in (Q1, Q2, FinancialQuarter(2026, 3)):
        build.report(organisation, quarter, actor=owner,
                     entries={"CDP-JOB-03": "1", "CDP-JOB-01": "1"})
    monkeypatch.setattr(export, "BATCH", 2)
    with counting_statements(app) as statements:
        response = staff_client.get("/staff/reports/export.csv", buffered=False)
        chunks = list(response.response)
        response.close()
    assert len(chunks) == 1 + 6  # the header, then one chunk per row
    selects = [s for s in statements if "report_entries" in s and s.lstrip().startswith(
        "SELECT")]
    assert len(selects) == 1  # one statement, read in batches


def test_the_api_gives_the_same_rows_as_json_to_staff_only(app, build, signatory,
                                                            staff_client):
    organisation, owner = signatory
    report = build.report(organisation, Q1, actor=owner,
                          entries={"CDP-JOB-03": "10", "CDP-JOB-01": "0.5"})
    report.status = ReportStatus.CHECKED
    db.session.commit()
    build.report(organisation, Q2, actor=owner)

    response = staff_client.get("/api/v1/staff/report-entries?per_page=2")
    assert response.status_code == 200 and response.is_json
    body = response.get_json()
    assert (body["page"], body["pages"], body["total"], body["per_page"]) == (1, 2, 3, 2)
    item = body["items"][0]
    assert set(item) == set(export.COLUMNS)
    assert item["gross"] == "3097.30" and isinstance(item["gross"], str)
    assert item["checked"] is True and item["quarter"] == 1
    assert item["financial_year"] == "2026-27" and item["org_id"] == "GB-COH-01234567"
    assert body["items"][1]["measure_code"] == "CDP-JOB-01"
    assert body["items"][1]["quantity"] == "0.5"
    last = staff_client.get("/api/v1/staff/report-entries?per_page=2&page=2").get_json()
    assert [entry["checked"] for entry in last["items"]] == [False]
    assert staff_client.get("/api/v1/staff/report-entries?from=2026-27-q2").get_json()[
        "total"] == 1
    bad = staff_client.get("/api/v1/staff/report-entries?to=soon")
    assert bad.status_code == 400 and bad.is_json
    odd = staff_client.get("/api/v1/staff/report-entries?per_page=x&page=-3")
    assert odd.status_code == 200 and odd.get_json()["page"] == 1

    anonymous = app.test_client().get("/api/v1/staff/report-entries")
    assert anonymous.status_code == 401 and anonymous.is_json
    assert "Sign in" in anonymous.get_json()["error"]
    member = app.test_client()
    log_in(member, owner.email, PASSWORD)
    refused = member.get("/api/v1/staff/report-entries")
    assert refused.status_code == 403 and refused.is_json


def test_exact_text_keeps_every_digit_and_at_least_two_places():
    assert export.money_text(Decimal("3097.300000")) == "3097.30"
    assert export.money_text(Decimal("0.047")) == "0.047"
    assert export.money_text(Decimal("12.345678")) == "12.345678"
    assert export.money_text(Decimal("1E+3")) == "1000.00"
    assert export.money_text(Decimal(0)) == "0.00"
    assert export.money_text(None) is None
    assert export.number_text(Decimal("25.00")) == "25"
    assert export.number_text(Decimal("250000")) == "250000"
