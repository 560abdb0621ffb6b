"""The map of local needs: importing small areas' boundaries (a good file, files refused with a
clear reason and nothing changed, the source kept, the County Durham file the repository ships),
and the report page's map: one shape per area in its band, a circle where value was delivered,
a title and description, the same figures in the table, frozen with the report; pages without
boundaries, and reports published before the map, still render."""

import csv
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.reports.local_needs_models import AreaBoundary, LocalNeedsImport
from tests.conftest import log_in, submit_form
from tests.test_collective_reports import PAGE, PASSWORD, PUBLIC
from tests.test_local_needs import POSTCODES, SHIPPED, _import, _report_with_locations

FIXTURES = Path(__file__).parent / "fixtures" / "local_needs"
BOUNDARIES = FIXTURES / "boundaries.geojson"  # made-up squares for the fictional areas
SHIPPED_BOUNDARIES = SHIPPED.parent / "lsoa2011_county_durham_boundaries.geojson"
SOURCE = "Test fixture: made-up squares laid out as the ONS LSOA boundaries GeoJSON"


def _import_boundaries(app, path: Path = BOUNDARIES, edition: str = "IoD2019",
                       source: str = SOURCE):
    return app.test_cli_runner().invoke(args=[
        "charter", "import-boundaries", "--file", str(path), "--source", source,
        "--edition", edition, "--by", "admin@businessdurham.example"])


def _boundaries() -> dict[str, list]:
    return {row.code: json.loads(row.shape) for row in db.session.scalars(select(AreaBoundary))}


def test_the_import_keeps_county_durham_areas_and_records_its_source(app, app_ctx):
    assert _import(app).exit_code == 0
    result = _import_boundaries(app)
    assert result.exit_code == 0, result.output
    assert "Imported the boundaries of 3 County Durham small areas for IoD2019." in result.output
    shapes = _boundaries()
    assert sorted(shapes) == ["E01999901", "E01999902", "E01999903"]  # not Darlington's
    assert len(shapes["E01999903"]) == 2  # a MultiPolygon keeps both parts
    recorded = db.session.scalars(select(LocalNeedsImport)
                                  .where(LocalNeedsImport.kind == "boundaries")).one()
    assert (recorded.source, recorded.edition, recorded.rows, recorded.filename) == (
        SOURCE, "IoD2019", 3, "boundaries.geojson")
    assert recorded.imported_by == "admin@businessdurham.example"
    assert recorded.imported_at is not None and len(recorded.sha256) == 64

    again = _import_boundaries(app)  # importing again replaces, never doubles
    assert again.exit_code == 0
    assert len(_boundaries()) == 3


def _square(code: str, west: float = -1.6, south: float = 54.75, key: str = "LSOA11CD") -> dict:
    ring = [[west, south], [west + 0.05, south], [west + 0.05, south + 0.03],
            [west, south + 0.03], [west, south]]
    return {"type": "Feature", "properties": {key: code},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _collection(*features: dict) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


UNCLOSED = _square("E01999901")
UNCLOSED["geometry"]["coordinates"][0].pop()
UNCLOSED["geometry"]["coordinates"][0].append([-1.58, 54.76])


@pytest.mark.parametrize(("text", "message"), [
    ("LSOA11CD,geometry\n", "is not GeoJSON"),
    (json.dumps({"type": "Feature"}), "is not a GeoJSON FeatureCollection"),
    (_collection(_square("E01999901", key="LSOA21CD")),
     "has LSOA21CD, but IoD2019 needs 2011 LSOAs (LSOA11CD)"),
    (_collection(_square("E01999901", west=427000, south=542000)),
     "download the GeoJSON in WGS84 (not British National Grid"),
    (_collection(UNCLOSED), "has a ring that is not closed"),
    (_collection(_square("E01999901"), _square("E01999901")), "has E01999901 twice"),
    (_collection(_square("E01999904")), "has no boundary for County Durham's IoD2019 areas"),
])
def test_a_bad_file_is_refused_with_its_reason_and_nothing_changes(app, app_ctx, tmp_path, text,
                                                                    message):
    assert _import(app).exit_code == 0
    assert _import_boundaries(app).exit_code == 0
    before = _boundaries()
    bad = tmp_path / "bad.geojson"
    bad.write_text(text, encoding="utf-8")
    result = _import_boundaries(app, bad)
    assert result.exit_code == 1
    assert message in result.output and "Nothing was imported" in result.output
    assert _boundaries() == before
    assert db.session.scalar(select(func.count()).select_from(LocalNeedsImport)
                             .where(LocalNeedsImport.kind == "boundaries")) == 1


def test_boundaries_before_their_deciles_are_refused(app, app_ctx):
    result = _import_boundaries(app)
    assert result.exit_code == 1
    assert "Import the IoD2019 deciles first" in result.output
    assert _boundaries() == {}


def test_the_shipped_boundaries_cover_every_county_durham_area_and_are_small(app, app_ctx):
    assert SHIPPED_BOUNDARIES.stat().st_size < 250_000
    assert _import(app, deciles=SHIPPED).exit_code == 0
    result = _import_boundaries(app, SHIPPED_BOUNDARIES,
                                source="ONS LSOA (Dec 2011) BSC EW V3, OGL v3")
    assert result.exit_code == 0, result.output
    assert "Imported the boundaries of 324 County Durham small areas" in result.output
    assert "have no boundary" not in result.output


# --- the report page --------------------------------------------------------------------------


def _publish(app, build) -> str:
    staff = app.test_client()
    log_in(staff, build.staff("jo.bell@businessdurham.example").email, PASSWORD)
    submit_form(staff, PAGE, {"commentary": "Where the value went."})
    assert submit_form(staff, f"{PAGE}/publish", {}, page=PAGE).status_code == 302
    return app.test_client().get(PUBLIC).text


def _svg(page: str) -> str:
    found = re.search(r'<svg class="app-map".*?</svg>', page, re.S)
    assert found, "no map on the page"
    return found.group(0)


def _table_rows(page: str) -> dict[str, list[str]]:
    table = re.search(r'<table[^>]*id="area-map-figures".*?</table>', page, re.S).group(0)
    rows = {}
    for code, row in re.findall(r'<tr class="govuk-table__row" data-code="(\w+)">(.*?)</tr>',
                                table, re.S):
        rows[code] = [" ".join(re.sub(r"<[^>]+>", "", cell).split())
                      for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
    return rows


def test_the_report_maps_each_area_in_its_band_with_value_marked_and_tabled(app, build):
    assert _import(app, "--postcodes", str(POSTCODES)).exit_code == 0
    assert _import_boundaries(app).exit_code == 0
    gross = _report_with_locations(build, {"CDP-JOB-03": "ZZ9 1AA", "CDP-JOB-01": "zz92aa",
                                           "CDP-JOB-05": None})
    page = _publish(app, build)
    svg = _svg(page)

    assert 'role="img" aria-labelledby="area-map-title area-map-description"' in svg
    assert '<title id="area-map-title">Value delivered by deprivation of small area, ' \
           '2026-27 Q1</title>' in svg
    description = re.search(r'<desc id="area-map-description">(.*?)</desc>', svg).group(1)
    assert "3 small areas" in description and "1 severe, 1 high, 0 mild, 1 low" in description
    assert "the 2 areas where value was delivered" in description

    bands = {code: band for band, code in re.findall(
        r'class="app-map__area app-map__area--(\w+)" data-code="(\w+)"', svg)}
    assert bands == {"E01999901": "severe", "E01999902": "high", "E01999903": "low"}
    assert svg.count("<path ") == 3  # one shape per area, both parts of a MultiPolygon in it
    markers = re.findall(r'<circle class="app-map__marker" data-code="(\w+)"', svg)
    assert sorted(markers) == ["E01999901", "E01999903"]  # none where nothing was delivered

    rows = _table_rows(page)
    published = app.test_client().get(f"{PUBLIC}.json").json["figures"]["by_small_area"]
    assert published["edition"] == "IoD2019"
    assert set(rows) == set(published["quarter_figures"]) == {"E01999901", "E01999903"}
    for code, figures in published["quarter_figures"].items():
        assert rows[code][2:4] == [f"£{Decimal(figures['gross']):,.2f}",
                                   f"£{Decimal(figures['net']):,.2f}"]
    assert rows["E01999901"][:2] == ["Fictional Durham 001A (E01999901)", "Severe (decile 1)"]
    assert published["quarter_figures"]["E01999901"]["gross"] == f"{gross['ZZ9 1AA']:.2f}"
    assert published["quarter_figures"]["E01999903"]["decile"] == 7
    # The CSV carries the same figures, one line per small area and period.
    csv_lines = list(csv.reader(io.StringIO(app.test_client().get(f"{PUBLIC}.csv").text)))
    by_area = {(line[1], line[3]): line for line in csv_lines if line[2] == "small_area"}
    assert {code for _period, code in by_area} == {"E01999901", "E01999903"}
    severe = by_area[("this quarter", "E01999901")]
    assert severe[4:7] == ["E01999901 (decile 1)",
                           published["quarter_figures"]["E01999901"]["gross"],
                           published["quarter_figures"]["E01999901"]["net"]]


def test_the_published_map_figures_stay_when_new_data_arrives(app, build, tmp_path):
    assert _import(app, "--postcodes", str(POSTCODES)).exit_code == 0
    assert _import_boundaries(app).exit_code == 0
    _report_with_locations(build, {"CDP-JOB-03": "ZZ9 1AA"})
    _publish(app, build)
    before = app.test_client().get(f"{PUBLIC}.json").json["figures"]["by_small_area"]
    # The postcode now lies in another area, and more value arrives: the report stays.
    moved = tmp_path / "postcodes.csv"
    moved.write_text(POSTCODES.read_text().replace("ZZ9 1AA,ZZ9  1AA,ZZ9 1AA,198001,,0,"
                                                   "E00999901,E01999901",
                                                   "ZZ9 1AA,ZZ9  1AA,ZZ9 1AA,198001,,0,"
                                                   "E00999901,E01999902"))
    assert _import(app, "--postcodes", str(moved)).exit_code == 0
    _report_with_locations(build, {"CDP-JOB-01": "ZZ9 1AA"})
    assert app.test_client().get(f"{PUBLIC}.json").json["figures"]["by_small_area"] == before
    page = app.test_client().get(PUBLIC).text
    assert re.findall(r'<circle class="app-map__marker" data-code="(\w+)"',
                      _svg(page)) == ["E01999901"]


def test_without_boundaries_the_page_says_so_and_shows_the_table(app, build):
    assert _import(app, "--postcodes", str(POSTCODES)).exit_code == 0
    _report_with_locations(build, {"CDP-JOB-03": "ZZ9 1AB"})
    page = _publish(app, build)
    assert 'class="app-map"' not in page
    assert "boundaries have not been imported, so there is no map" in page
    assert list(_table_rows(page)) == ["E01999902"]


def test_a_report_published_before_the_map_still_renders(app, build):
    assert _import(app, "--postcodes", str(POSTCODES)).exit_code == 0
    assert _import_boundaries(app).exit_code == 0
    _report_with_locations(build, {"CDP-JOB-03": "ZZ9 1AA"})
    _publish(app, build)
    from charter_app.reports.models import CollectiveReport

    with app.app_context():
        report = db.session.scalars(select(CollectiveReport)).one()
        older = dict(report.snapshot)
        del older["by_small_area"]
        report.snapshot = older
        db.session.commit()
    response = app.test_client().get(PUBLIC)
    assert response.status_code == 200
    assert "published before value was kept by small area, so it has no map" in response.text
    assert 'class="app-map"' not in response.text
    with app.app_context():  # and before bands, too: no local-needs section at all
        report = db.session.scalars(select(CollectiveReport)).one()
        report.snapshot = {key: value for key, value in older.items() if key != "by_band"}
        db.session.commit()
    response = app.test_client().get(PUBLIC)
    assert response.status_code == 200 and "Map of local needs" not in response.text
    api = app.test_client().get("/api/v1/reports/2026-27/q1")
    assert api.status_code == 200


def test_a_published_map_is_laid_out_once_and_again_after_a_new_import(app, build, monkeypatch,
                                                                       tmp_path):
    from charter_app.reports import area_map

    assert _import(app, "--postcodes", str(POSTCODES)).exit_code == 0
    assert _import_boundaries(app).exit_code == 0
    _report_with_locations(build, {"CDP-JOB-03": "ZZ9 1AA"})
    first = _svg(_publish(app, build))
    laid_out = []
    original = area_map.map_section
    monkeypatch.setattr(area_map, "map_section",
                        lambda *args, **kwargs: laid_out.append(1) or original(*args, **kwargs))
    for _ in range(3):
        assert _svg(app.test_client().get(PUBLIC).text) == first
    assert laid_out == []  # the publishing request laid it out; later visitors reuse it
    # Boundaries imported again (a corrected file): every node sees the new import and redraws.
    moved = json.loads(BOUNDARIES.read_text())
    for feature in moved["features"]:
        for polygon in (feature["geometry"]["coordinates"]
                        if feature["geometry"]["type"] == "MultiPolygon"
                        else [feature["geometry"]["coordinates"]]):
            for ring in polygon:
                for point in ring:
                    point[0] += 0.01
    corrected = tmp_path / "moved.geojson"
    corrected.write_text(json.dumps(moved))
    assert _import_boundaries(app, corrected).exit_code == 0
    redrawn = _svg(app.test_client().get(PUBLIC).text)
    assert laid_out == [1]
    assert re.findall(r'data-code="(\w+)"', redrawn) == re.findall(r'data-code="(\w+)"', first)
