"""The collective report's figures (charter_app/reports/figures.py): recomputed independently,
in plain Python from the raw entries, on the demo data, they agree to the penny; quarter
boundaries follow the UK financial year in UK time; the statements are bounded."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from charter_app import demo
from charter_app.events.models import Event, Registration
from charter_app.extensions import db
from charter_app.organisations.models import LISTED_STATUSES, ApplicationStatus, Organisation
from charter_app.reporting.models import QuarterlyReport, ReportEntry
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports.figures import (
    UNALLOCATED,
    as_snapshot,
    previous_quarter,
    report_figures,
)
from charter_app.reports.local_needs import BAND_KEYS, band_for
from charter_app.reports.local_needs_models import DeprivationArea, PostcodeArea
from charter_app.timeutil import LONDON, london_date, utcnow
from tests.conftest import counting_statements

PENNY = Decimal("0.01")


def _by_hand(first: FinancialQuarter, last: FinancialQuarter) -> dict[str, dict]:
    """Gross, net and checked gross by theme, measure and area, from every entry of every
    report's counted revision, added up in Python."""
    sums = {group: defaultdict(lambda: [Decimal(0)] * 3) for group in ("theme", "measure", "area")}
    for report in db.session.scalars(select(QuarterlyReport)):
        if report.submitted_revision is None or not first <= report.financial_quarter <= last:
            continue
        for entry in report.submitted_revision.entries:
            gross, net = Decimal(entry.gross or 0), Decimal(entry.net or 0)
            checked = gross if report.status == "checked" else Decimal(0)
            for group, key in (("theme", entry.measure.theme), ("measure", entry.measure.code),
                               ("area", entry.area or UNALLOCATED), ("theme", None),
                               ("measure", None), ("area", None)):
                row = sums[group][key]
                sums[group][key] = [row[0] + gross, row[1] + net, row[2] + checked]
    return {group: {("total" if key is None else key): {
        "gross": f"{values[0].quantize(PENNY)}", "net": f"{values[1].quantize(PENNY)}",
        "checked_gross": f"{values[2].quantize(PENNY)}"} for key, values in rows.items()}
        for group, rows in sums.items()}


def _by_band_by_hand(first: FinancialQuarter, last: FinancialQuarter) -> dict[str, dict]:
    """Gross, net and checked gross by local-need band, each entry's typed location looked up
    in Python in the postcode and decile tables."""
    areas = {row.postcode: row.area_code for row in db.session.scalars(select(PostcodeArea))}
    deciles = {row.code: row.decile for row in db.session.scalars(select(DeprivationArea))}
    sums = {key: [Decimal(0)] * 3 for key in (*BAND_KEYS, UNALLOCATED, "total")}
    for report in db.session.scalars(select(QuarterlyReport)):
        if report.submitted_revision is None or not first <= report.financial_quarter <= last:
            continue
        for entry in report.submitted_revision.entries:
            gross, net = Decimal(entry.gross or 0), Decimal(entry.net or 0)
            checked = gross if report.status == "checked" else Decimal(0)
            area = areas.get("".join((entry.location or "").split()).upper())
            band = band_for(deciles[area]) if area in deciles else UNALLOCATED
            for key in (band, "total"):
                sums[key] = [sums[key][0] + gross, sums[key][1] + net, sums[key][2] + checked]
    return {key: {"gross": f"{values[0].quantize(PENNY)}", "net": f"{values[1].quantize(PENNY)}",
                  "checked_gross": f"{values[2].quantize(PENNY)}"}
            for key, values in sums.items()}


def _busiest_quarter() -> FinancialQuarter:
    counts = defaultdict(int)
    for report in db.session.scalars(select(QuarterlyReport).where(
            QuarterlyReport.submitted_revision_id.is_not(None))):
        counts[report.financial_quarter] += 1
    return max(counts, key=counts.get)


def test_the_figures_agree_to_the_penny_with_a_recount_by_hand_on_the_demo_data(app, app_ctx):
    demo.seed()
    db.session.commit()
    # Fictional local-needs data (tests/fixtures/local_needs) with some of the demo's typed
    # postcodes placed in its three areas, so every band the fixture has gets value.
    fixtures = Path(__file__).parent / "fixtures" / "local_needs"
    assert app.test_cli_runner().invoke(args=[
        "charter", "import-local-needs", "--edition", "IoD2019", "--source", "test fixture",
        "--deciles", str(fixtures / "deciles.csv"),
        "--postcodes", str(fixtures / "postcodes.csv")]).exit_code == 0
    typed = sorted({"".join(location.split()).upper() for location in db.session.scalars(
        select(ReportEntry.location)) if location and any(c.isdigit() for c in location)})
    db.session.add_all(PostcodeArea(edition="IoD2019", postcode=postcode,
                                    area_code=f"E0199990{1 + n % 3}")
                       for n, postcode in enumerate(typed[::2]))
    db.session.commit()
    quarter = _busiest_quarter()
    snapshot = as_snapshot(report_figures(quarter))
    year = FinancialQuarter(quarter.year, 1)
    assert snapshot["by_band"]["quarter_figures"] == _by_band_by_hand(quarter, quarter)
    assert snapshot["by_band"]["year_to_date"] == _by_band_by_hand(year, quarter)
    assert all(Decimal(snapshot["by_band"]["year_to_date"][band]["gross"]) > 0
               for band in ("severe", "high", "low", UNALLOCATED))
    assert snapshot["by_band"]["quarter_figures"]["total"] == snapshot["quarter_figures"][
        "theme"]["total"]
    assert snapshot["quarter_figures"] == _by_hand(quarter, quarter)
    assert snapshot["year_to_date"] == _by_hand(FinancialQuarter(quarter.year, 1), quarter)
    before = previous_quarter(quarter)
    assert snapshot["previous_quarter"] == _by_hand(before, before)
    assert Decimal(snapshot["quarter_figures"]["theme"]["total"]["gross"]) > 0

    ends = datetime.combine(quarter.ends_on + timedelta(days=1), datetime.min.time(),
                            tzinfo=LONDON)
    organisations = db.session.scalars(select(Organisation)).all()
    assert snapshot["signatories"] == sum(
        o.status in LISTED_STATUSES and o.approved_at is not None and o.approved_at < ends
        for o in organisations)
    assert snapshot["new_signatories"] == sum(
        o.status in LISTED_STATUSES and o.approved_at is not None
        and quarter.starts_on <= london_date(o.approved_at) <= quarter.ends_on
        for o in organisations)
    assert snapshot["reports_received"] == sum(
        r.financial_quarter == quarter and r.submitted_revision_id is not None
        for r in db.session.scalars(select(QuarterlyReport)))
    attended = {r.organisation_id for r in db.session.scalars(select(Registration))
                if r.checked_in_at and r.organisation_id
                and db.session.get(Event, r.event_id).status == "published"
                and quarter.starts_on <= london_date(db.session.get(Event, r.event_id).starts_at)
                <= quarter.ends_on
                and db.session.get(Organisation, r.organisation_id).status in LISTED_STATUSES}
    assert snapshot["organisations_at_events"] == len(attended)
    total = snapshot["quarter_figures"]["theme"]["total"]
    expected_share = Decimal(total["checked_gross"]) / Decimal(total["gross"])
    assert abs(Decimal(snapshot["checked_share"]) - expected_share) < Decimal("0.0001")


def test_a_signatory_approved_late_on_31_march_uk_time_is_new_in_that_quarter(build, app_ctx):
    # 31 March 2027, 23:30 in London (BST: 22:30 UTC) is still Q4 of 2026-27; 1 April 00:10 in
    # London (23:10 UTC on 31 March) is Q1 of 2027-28.
    late = build.organisation(status=ApplicationStatus.APPROVED,
                              approved_at=datetime(2027, 3, 31, 22, 30, tzinfo=UTC))
    early = build.organisation(status=ApplicationStatus.APPROVED,
                               approved_at=datetime(2027, 3, 31, 23, 10, tzinfo=UTC))
    q4, q1 = FinancialQuarter(2026, 4), FinancialQuarter(2027, 1)
    assert (report_figures(q4).new_signatories, report_figures(q4).signatories) == (1, 1)
    assert (report_figures(q1).new_signatories, report_figures(q1).signatories) == (1, 2)
    assert previous_quarter(q1) == q4 and previous_quarter(FinancialQuarter(2027, 2)) == q1
    assert late.id != early.id


def test_a_quarter_with_no_reports_has_zero_totals_and_no_checked_share(app_ctx):
    figures = report_figures(FinancialQuarter(2030, 2))
    snapshot = as_snapshot(figures)
    assert snapshot["quarter_figures"]["theme"] == {
        "total": {"gross": "0.00", "net": "0.00", "checked_gross": "0.00"}}
    assert snapshot["checked_share"] is None and snapshot["targets"] == []


def test_the_statements_do_not_grow_with_the_number_of_signatories(app, build, app_ctx):
    quarter = FinancialQuarter.containing(london_date(utcnow()))

    def count() -> int:
        with counting_statements(app) as statements:
            report_figures(quarter)
        return len(statements)

    for _ in range(2):
        organisation = build.organisation(status=ApplicationStatus.APPROVED)
        build.report(organisation)
    few = count()
    for _ in range(12):
        organisation = build.organisation(status=ApplicationStatus.APPROVED)
        build.report(organisation)
    assert count() == few <= 20
