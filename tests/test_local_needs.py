"""Value by local need: the band rule at its edges, the import command on files laid out as they
are published (refusing a bad decile without changing anything, replacing on a second run), the
County Durham deciles the repository ships, and entries landing in their band in the report."""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus
from charter_app.reporting import services as reporting
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports import presenting
from charter_app.reports.figures import as_snapshot, report_figures
from charter_app.reports.local_needs import band_for, decile_for_postcode
from charter_app.reports.local_needs_models import DeprivationArea, LocalNeedsImport, PostcodeArea

FIXTURES = Path(__file__).parent / "fixtures" / "local_needs"
DECILES, POSTCODES = FIXTURES / "deciles.csv", FIXTURES / "postcodes.csv"
SHIPPED = (Path(__file__).parent.parent / "charter_app" / "reports" / "data"
           / "iod2019_county_durham_lsoa_deciles.csv")
SOURCE = "Test fixture: fictional areas laid out as the MHCLG IoD 2019 File 1 and the ONS lookup"
QUARTER = FinancialQuarter(2026, 1)


@pytest.mark.parametrize(("decile", "band"), [(1, "severe"), (2, "high"), (3, "high"),
                                               (4, "mild"), (6, "mild"), (7, "low"),
                                               (10, "low")])
def test_each_decile_falls_in_the_local_needs_analysis_band(decile, band):
    assert band_for(decile) == band


@pytest.mark.parametrize("decile", [0, 11, -1])
def test_a_decile_outside_1_to_10_is_refused(decile):
    with pytest.raises(ValueError, match="from 1 to 10"):
        band_for(decile)


def _import(app, *extra: str, deciles: Path = DECILES, edition: str = "IoD2019"):
    return app.test_cli_runner().invoke(args=[
        "charter", "import-local-needs", "--deciles", str(deciles), "--source", SOURCE,
        "--edition", edition, "--by", "admin@businessdurham.example", *extra])


def _table(model) -> list[tuple]:
    columns = model.__table__.columns
    return [tuple(row) for row in db.session.execute(
        select(*columns).order_by(*model.__table__.primary_key.columns))]


def test_the_import_keeps_county_durham_rows_and_records_its_source(app, app_ctx):
    result = _import(app, "--postcodes", str(POSTCODES))
    assert result.exit_code == 0, result.output
    assert ("Imported IoD2019 for County Durham: 3 small areas (by decile 1: 1, 3: 1, 7: 1) "
            "and 3 postcodes.") in result.output
    # Darlington's area and postcode are left out.
    assert [(row[1], row[3], row[4]) for row in _table(DeprivationArea)] == [
        ("E01999901", 1, "LSOA2011"), ("E01999902", 3, "LSOA2011"),
        ("E01999903", 7, "LSOA2011")]
    assert [row[1:] for row in _table(PostcodeArea)] == [
        ("ZZ91AA", "E01999901"), ("ZZ91AB", "E01999902"), ("ZZ92AA", "E01999903")]
    assert decile_for_postcode("zz9 1ab", "IoD2019") == 3
    assert decile_for_postcode("ZZ8 1AA", "IoD2019") is None
    imports = db.session.scalars(select(LocalNeedsImport).order_by(LocalNeedsImport.id)).all()
    assert [(i.kind, i.edition, i.filename, i.rows, i.source, i.imported_by) for i in imports] \
        == [("deciles", "IoD2019", "deciles.csv", 3, SOURCE, "admin@businessdurham.example"),
            ("postcodes", "IoD2019", "postcodes.csv", 3, SOURCE,
             "admin@businessdurham.example")]
    assert imports[0].sha256 == hashlib.sha256(DECILES.read_bytes()).hexdigest()
    assert imports[1].sha256 == hashlib.sha256(POSTCODES.read_bytes()).hexdigest()


def test_a_bad_decile_is_refused_with_its_line_and_nothing_changes(app, app_ctx, tmp_path):
    assert _import(app, "--postcodes", str(POSTCODES)).exit_code == 0
    before = (_table(DeprivationArea), _table(PostcodeArea), _table(LocalNeedsImport))
    bad = tmp_path / "deciles.csv"
    bad.write_text(DECILES.read_text().replace('"7,530",3', '"7,530",11'))
    result = _import(app, "--postcodes", str(POSTCODES), deciles=bad)
    assert result.exit_code != 0
    assert ("deciles.csv line 3: the decile of E01999902 is '11', not a whole number from 1 "
            "to 10. Nothing was imported.") in result.output
    db.session.expire_all()
    assert (_table(DeprivationArea), _table(PostcodeArea), _table(LocalNeedsImport)) == before


def test_a_file_without_a_decile_column_or_for_the_wrong_census_is_refused(app, app_ctx,
                                                                           tmp_path):
    headless = tmp_path / "no-decile.csv"
    headless.write_text(DECILES.read_text().replace("Index of Multiple Deprivation (IMD) Decile",
                                                    "Something else"))
    result = _import(app, deciles=headless)
    assert result.exit_code != 0 and "has no IMD decile column" in result.output
    result = _import(app, edition="IoD2025")
    assert result.exit_code != 0
    assert "is for 2011 LSOAs but IoD2025 uses 2021 LSOAs" in result.output
    assert db.session.scalar(select(func.count()).select_from(DeprivationArea)) == 0


def test_importing_an_edition_again_replaces_it(app, app_ctx, tmp_path):
    assert _import(app, "--postcodes", str(POSTCODES)).exit_code == 0
    newer = tmp_path / "deciles-corrected.csv"
    newer.write_text(DECILES.read_text().replace('"22,918",7', '"22,918",6'))
    result = _import(app, deciles=newer)
    assert result.exit_code == 0, result.output
    assert "every entry stays unallocated until one is imported" in result.output
    assert [(row[1], row[3]) for row in _table(DeprivationArea)] == [
        ("E01999901", 1), ("E01999902", 3), ("E01999903", 6)]
    assert _table(PostcodeArea) == []  # the old lookup went with the edition it belonged to
    kinds = db.session.scalars(select(LocalNeedsImport.kind).order_by(LocalNeedsImport.id))
    assert list(kinds) == ["deciles", "postcodes", "deciles"]


def test_the_shipped_county_durham_deciles_load_through_the_command(app, app_ctx):
    result = _import(app, deciles=SHIPPED)
    assert result.exit_code == 0, result.output
    assert "324 small areas" in result.output  # every County Durham LSOA of the 2011 census
    deciles = dict(db.session.execute(
        select(DeprivationArea.decile, func.count()).group_by(DeprivationArea.decile)).all())
    assert set(deciles) == set(range(1, 11)) and sum(deciles.values()) == 324
    assert (SHIPPED.parent / "SOURCE.md").read_text().count("Open Government Licence") >= 1


def _report_with_locations(build, locations: dict[str, str | None]):
    organisation = build.organisation(status=ApplicationStatus.APPROVED,
                                      approved_at=datetime(2026, 4, 20, 9, tzinfo=UTC))
    report = reporting.start_report(organisation, QUARTER, None, today=QUARTER.ends_on)
    for code, location in locations.items():
        reporting.save_entry(report, reporting.EntryInput(
            measure_id=build.measure(code).id, quantity=Decimal("3"),
            description=f"What we did for {code}", location=location), None)
    reporting.submit_report(report, None)
    db.session.commit()
    return {entry.location: Decimal(entry.gross) for entry in report.submitted_revision.entries}


def test_an_entry_lands_in_the_band_of_its_postcode_and_the_rest_is_unallocated(app, build):
    assert _import(app, "--postcodes", str(POSTCODES)).exit_code == 0
    gross = _report_with_locations(build, {"CDP-JOB-03": "zz91aa", "CDP-JOB-01": "ZZ9 2AA",
                                           "CDP-JOB-05": "Seaham", "CDP-SOC-02": None})
    assert all(value > 0 for value in gross.values())
    snapshot = as_snapshot(report_figures(QUARTER))
    quarter = snapshot["by_band"]["quarter_figures"]
    assert quarter["severe"]["gross"] == f"{gross['zz91aa']:.2f}"
    assert quarter["low"]["gross"] == f"{gross['ZZ9 2AA']:.2f}"
    assert quarter["high"]["gross"] == quarter["mild"]["gross"] == "0.00"
    assert quarter["unallocated"]["gross"] == f"{gross['Seaham'] + gross[None]:.2f}"
    assert quarter["total"] == snapshot["quarter_figures"]["theme"]["total"]
    assert snapshot["by_band"]["year_to_date"]["severe"] == quarter["severe"]
    assert snapshot["by_band"]["data"]["edition"] == "IoD2019"
    assert snapshot["by_band"]["data"]["postcodes"]["source"] == SOURCE

    rows = {row.key: row for row in presenting.band_rows(snapshot)}
    assert list(rows) == ["severe", "high", "mild", "low", "unallocated"]
    assert (rows["high"].label, rows["high"].deciles) == ("High", "deciles 2 to 3")
    csv_bands = [line for line in presenting.csv_rows(snapshot) if line[2] == "band"]
    assert len(csv_bands) == 10 and csv_bands[0][3:6] == ["severe", "Severe",
                                                          quarter["severe"]["gross"]]


def test_before_any_import_all_value_is_unallocated(build, app_ctx):
    gross = _report_with_locations(build, {"CDP-JOB-03": "ZZ9 1AA"})
    snapshot = as_snapshot(report_figures(QUARTER))
    assert snapshot["by_band"]["data"] is None
    assert snapshot["by_band"]["quarter_figures"]["unallocated"]["gross"] == \
        f"{gross['ZZ9 1AA']:.2f}"
    assert snapshot["by_band"]["quarter_figures"]["severe"]["gross"] == "0.00"


def test_the_report_page_shows_value_by_local_need_in_words(app, build):
    from tests.conftest import log_in, submit_form
    from tests.test_collective_reports import PAGE, PASSWORD

    assert _import(app, "--postcodes", str(POSTCODES)).exit_code == 0
    gross = _report_with_locations(build, {"CDP-JOB-03": "ZZ9 1AB", "CDP-JOB-05": None})
    staff = app.test_client()
    log_in(staff, build.staff("jo.bell@businessdurham.example").email, PASSWORD)
    submit_form(staff, PAGE, {"commentary": "Bands."})
    page = staff.get(PAGE).text
    assert "By local need" in page
    assert ("deprivation is <strong>severe</strong> in decile 1, <strong>high</strong> in "
            "deciles 2 to 3, <strong>mild</strong> in deciles 4 to 6 and <strong>low</strong> "
            "in deciles 7 to 10.") in page
    assert f"£{gross[None]:,.2f} of this quarter's gross value" in page
    assert SOURCE in page and "imported 20" in page
