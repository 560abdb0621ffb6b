"""Administrators manage the measure catalogue: measures, one year's proxy value, the CSV import
with its preview and all-or-nothing confirmation, the reason rule, and the audit log."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from charter_app.extensions import db
from charter_app.pledges.models import Measure, ProxyValue
from charter_app.reporting import catalogue_import as imports
from charter_app.reporting.catalogue_models import CatalogueImport
from charter_app.reporting.models import (
    CatalogueChange,
    QuarterlyReport,
    ReportEntry,
    ReportRevision,
)
from charter_app.timeutil import utcnow
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in

HEADER = "measure code,financial year,value,source,edition\n"
SOURCE = "National TOMs 2027 (licensed)"


@pytest.fixture
def admin_client(app, build):
    admin = build.admin("catalogue.admin@businessdurham.example")
    client = app.test_client()
    log_in(client, admin.email, PASSWORD)
    client.admin = admin
    return client


def token(client, page: str = "/staff/catalogue/import") -> str:
    return csrf_token_from(client.get(page).get_data(as_text=True))


BOUNDARY = "catalogue-test-boundary"


def upload(client, content: bytes | str, filename: str = "values.csv", **kwargs):
    """POST the file as a browser does. The body is written out here: the test client's own
    encoder spools a large file to a temporary file it never closes."""
    if isinstance(content, str):
        content = content.encode()
    body = (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token(client)}\r\n--{BOUNDARY}\r\nContent-Disposition: form-data; "
            f"name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
            ).encode() + content + f"\r\n--{BOUNDARY}--\r\n".encode()
    return client.post("/staff/catalogue/import", data=body,
                       content_type=f"multipart/form-data; boundary={BOUNDARY}", **kwargs)


def preview_url(response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"]


def confirm(client, url: str, reason: str = "", *, version: str | None = None, **kwargs):
    page = client.get(url).get_data(as_text=True)
    if version is None:
        version = re.search(r'name="version" type="hidden" value="([^"]*)"', page)[1]
    return client.post(f"{url}/confirm", data={
        "csrf_token": csrf_token_from(page), "version": version, "reason": reason}, **kwargs)


def proxy(code: str, year: int) -> ProxyValue | None:
    db.session.expire_all()
    return db.session.scalar(select(ProxyValue).join(Measure).where(
        Measure.code == code, ProxyValue.financial_year == year))


def changes() -> list[CatalogueChange]:
    db.session.expire_all()
    return list(db.session.scalars(select(CatalogueChange).order_by(CatalogueChange.id)))


def submitted_entry(build, code: str, year: int, value: str) -> ReportEntry:
    """A report entry submitted with the year's value frozen in it, as reporting writes it."""
    organisation = build.organisation(build.user(), status="approved")
    report = QuarterlyReport(organisation_id=organisation.id, financial_year=year, quarter=2,
                             status="submitted", first_submitted_at=utcnow())
    revision = ReportRevision(number=1, submitted_at=utcnow())
    report.revisions.append(revision)
    entry = ReportEntry(measure_id=build.measure(code).id, quantity=Decimal(3),
                        description="Three local people", proxy_value=Decimal(value),
                        proxy_source="Example source", proxy_edition="Light 2026",
                        gross=Decimal(value) * 3, net=Decimal(value) * 3)
    revision.entries.append(entry)
    db.session.add(report)
    db.session.commit()
    return entry


# --- the list and a measure ----------------------------------------------------------------------


def test_the_catalogue_lists_measures_by_theme_with_their_values(admin_client):
    page = admin_client.get("/staff/catalogue").get_data(as_text=True)
    assert page.index("Jobs") < page.index("CDP-JOB-01") < page.index("Growth")
    assert "NT1, National TOMs (Light set, 2026)" in page
    assert "2026-27: £44,992.42" in page and "(example)" in page
    assert "£0.047" in page  # four places where the value has them


def test_staff_home_links_to_the_catalogue_for_administrators_only(app, build, admin_client):
    assert "/staff/catalogue" in admin_client.get("/staff/").get_data(as_text=True)
    officer = build.staff()
    client = app.test_client()
    log_in(client, officer.email, PASSWORD)
    assert "/staff/catalogue" not in client.get("/staff/").get_data(as_text=True)


def measure_form(client, code: str = "CDP-JOB-05", **changes) -> dict:
    page = client.get(f"/staff/catalogue/measures/{code}").get_data(as_text=True)
    fields = dict(re.findall(r'<input[^>]*name="([a-z_]+)"[^>]*value="([^"]*)"', page))
    fields["guidance"] = re.search(r'<textarea[^>]*name="guidance"[^>]*>([^<]*)<',
                                   page)[1].strip()
    fields["csrf_token"] = csrf_token_from(page)
    if 'name="active" type="checkbox" value="y" checked' not in page:
        fields.pop("active", None)
    return {**fields, **changes}


def test_editing_a_measure_records_only_what_changed(app, admin_client):
    data = measure_form(admin_client, default_deadweight="25", default_attribution="12.5",
                        name="Staff volunteering hours in local schools")
    response = admin_client.post("/staff/catalogue/measures/CDP-JOB-05", data=data)
    assert response.status_code == 302
    with app.app_context():
        measure = db.session.scalar(select(Measure).where(Measure.code == "CDP-JOB-05"))
        assert measure.default_deadweight == Decimal(25)
        assert measure.default_attribution == Decimal("12.5")
        [change] = changes()
        assert change.subject == "measure" and change.measure_code == "CDP-JOB-05"
        assert change.after == {"name": "Staff volunteering hours in local schools",
                                "default_deadweight": "25", "default_attribution": "12.5"}
        assert change.before["default_deadweight"] == "0"
        assert change.actor_id == admin_client.admin.id
    # The same form again changes nothing and records nothing.
    again = admin_client.post("/staff/catalogue/measures/CDP-JOB-05",
                              data=measure_form(admin_client), follow_redirects=True)
    assert "Nothing has changed" in again.get_data(as_text=True)
    with app.app_context():
        assert len(changes()) == 1


def test_a_measure_can_be_made_inactive(app, admin_client):
    data = measure_form(admin_client)
    data.pop("active", None)
    assert admin_client.post("/staff/catalogue/measures/CDP-JOB-05", data=data).status_code == 302
    with app.app_context():
        assert changes()[0].after == {"active": "no"}


@pytest.mark.parametrize(("field", "value", "message"), [
    ("default_deadweight", "150", "Default deadweight (%) must be 100 or less"),
    ("default_attribution", "-5", "Default attribution (%) must be at least 0"),
    ("default_displacement", "lots", "Default displacement (%) must be a number"),
    ("default_deadweight", "12.345", "must have no more than 2 decimal places"),
    ("default_deadweight", "", "Enter the default deadweight (%)"),
    ("plausible_max", "0", "Plausible maximum must be more than 0"),
    ("plausible_max", "1e999", "Plausible maximum must be"),
    ("name", "x" * 201, "Name must be 200 characters or fewer"),
    ("name", "", "Enter the measure’s name"),
    ("unit", "u" * 61, "Unit must be 60 characters or fewer"),
    ("guidance", "g" * 2001, "Guidance must be 2000 characters or fewer"),
])
def test_bad_measure_input_is_refused_beside_the_field(app, admin_client, field, value,
                                                       message):
    response = admin_client.post("/staff/catalogue/measures/CDP-JOB-05",
                                 data=measure_form(admin_client, **{field: value}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page.replace("&#39;", "'")
    assert f'id="{field}-error"' in page  # beside the field, not only in the summary
    assert "<title>Error:" in page
    with app.app_context():
        assert changes() == []


def test_an_edit_made_meanwhile_is_a_conflict_not_an_overwrite(app, admin_client):
    stale = measure_form(admin_client, name="Mine")
    first = measure_form(admin_client, name="Theirs")
    assert admin_client.post("/staff/catalogue/measures/CDP-JOB-05", data=first).status_code == 302
    response = admin_client.post("/staff/catalogue/measures/CDP-JOB-05", data=stale)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this while you were editing it" in page
    assert 'value="Mine"' in page  # what they typed is kept
    with app.app_context():
        assert db.session.scalar(select(Measure.name).where(Measure.code == "CDP-JOB-05")) == \
            "Theirs"
        assert len(changes()) == 1


def test_an_unknown_measure_is_not_found(admin_client):
    assert admin_client.get("/staff/catalogue/measures/NOPE").status_code == 404
    assert admin_client.get("/staff/catalogue/measures/CDP-JOB-01/values/1990").status_code == 404


# --- one year's proxy value ----------------------------------------------------------------------


def value_form(client, path: str, **changes) -> dict:
    page = client.get(path).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="([^"]*)"', page)[1]
    return {"csrf_token": csrf_token_from(page), "version": version, "value": "20",
            "source": "Council guidance 2026", "edition": "", "reason": "", **changes}


def test_an_administrator_changes_one_years_value(app, admin_client):
    path = "/staff/catalogue/measures/CDP-JOB-05/values/2026"
    response = admin_client.post(path, data=value_form(admin_client, path, value="18.25"))
    assert response.status_code == 302
    with app.app_context():
        value = proxy("CDP-JOB-05", 2026)
        assert value.value == Decimal("18.25") and not value.is_example
        [change] = changes()
        assert (change.subject, change.financial_year) == ("proxy_value", 2026)
        assert change.before["value"] == "17.48" and change.after["value"] == "18.25"
        assert change.after["is_example"] == "no"


def test_a_value_for_a_new_year(app, admin_client):
    path = "/staff/catalogue/measures/CDP-JOB-05/values/new"
    data = value_form(admin_client, path, financial_year="2027-28", value="19.1234",
                      edition="National TOMs 2027")
    assert admin_client.post(path, data=data).status_code == 302
    with app.app_context():
        assert proxy("CDP-JOB-05", 2027).value == Decimal("19.1234")
        [change] = changes()
        assert change.before == {} and change.after["edition"] == "National TOMs 2027"
    # The same year again is refused beside the year, pointing at the existing value.
    again = admin_client.post(path, data=value_form(admin_client, path, financial_year="2027"))
    assert "already has a value for 2027-28" in again.get_data(as_text=True)


@pytest.mark.parametrize(("changes_", "message"), [
    ({"value": "-1"}, "Proxy value (£ per unit) must be at least 0"),
    ({"value": "1.23456"}, "must have no more than 4 decimal places"),
    ({"value": "twelve"}, "must be a number"),
    ({"source": ""}, "Enter the source of the value"),
    ({"source": "s" * 501}, "Source must be 500 characters or fewer"),
    ({"edition": "e" * 61}, "Edition (optional) must be 60 characters or fewer"),
    ({"reason": "r" * 1001}, "Reason must be 1000 characters or fewer"),
])
def test_bad_value_input_is_refused(app, admin_client, changes_, message):
    path = "/staff/catalogue/measures/CDP-JOB-05/values/2026"
    response = admin_client.post(path, data=value_form(admin_client, path, **changes_))
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert changes() == []


def test_changing_a_value_submitted_entries_used_needs_a_reason(app, build, admin_client):
    entry_id = submitted_entry(build, "CDP-JOB-05", 2026, "17.48").id
    path = "/staff/catalogue/measures/CDP-JOB-05/values/2026"
    assert "1 submitted report entry used this value" in admin_client.get(path).get_data(
        as_text=True)
    refused = admin_client.post(path, data=value_form(admin_client, path, value="18"))
    assert "Give a reason: 1 submitted report entry used the 2026-27 value" in \
        refused.get_data(as_text=True)
    with app.app_context():
        assert proxy("CDP-JOB-05", 2026).value == Decimal("17.48")
        assert changes() == []
    data = value_form(admin_client, path, value="18", reason="Re-based for 2026")
    assert admin_client.post(path, data=data).status_code == 302
    with app.app_context():
        assert proxy("CDP-JOB-05", 2026).value == Decimal(18)
        assert changes()[0].reason == "Re-based for 2026"
        entry = db.session.get(ReportEntry, entry_id)
        assert (entry.proxy_value, entry.proxy_source, entry.proxy_edition, entry.gross) == (
            Decimal("17.48"), "Example source", "Light 2026", Decimal("52.44"))


def test_a_value_changed_meanwhile_is_a_conflict(app, admin_client):
    path = "/staff/catalogue/measures/CDP-JOB-05/values/2026"
    stale = value_form(admin_client, path, value="30")
    assert admin_client.post(path, data=value_form(admin_client, path)).status_code == 302
    response = admin_client.post(path, data=stale)
    assert response.status_code == 409
    assert "Someone else changed this" in response.get_data(as_text=True)
    with app.app_context():
        assert proxy("CDP-JOB-05", 2026).value == Decimal(20)


# --- the CSV import ----------------------------------------------------------------------------


def test_a_good_file_previews_new_changed_and_unchanged_rows_then_imports(app, admin_client):
    first = preview_url(upload(admin_client, HEADER
                               + f"CDP-JOB-01,2027-28,45000,{SOURCE},National TOMs 2027\n"
                               + f"CDP-JOB-05,2027,17.90,{SOURCE},National TOMs 2027\n"))
    assert confirm(admin_client, first).status_code == 303
    with app.app_context():
        assert len(changes()) == 2

    content = (HEADER
               + f"CDP-JOB-01,2027-28,45000.00,{SOURCE},National TOMs 2027\n"  # unchanged
               + f"cdp-job-05,2027-28,18.0525,{SOURCE},National TOMs 2027\n"  # changed
               + f'CDP-ENV-02,2027-28,"£0.05","{SOURCE}, miles",\n'  # new
               + f"CDP-JOB-01,2026-27,44992.42,{SOURCE},\n")  # the example, now imported
    url = preview_url(upload(admin_client, content))
    page = admin_client.get(url).get_data(as_text=True)
    assert "4 rows: 1 new, 2 changed, 1 unchanged, 0 errors" in page
    assert "£17.9 to <strong>£18.0525</strong>" in page
    assert "Changes the source" in page
    assert "Import 3 values" in page
    # The preview wrote nothing.
    with app.app_context():
        assert len(changes()) == 2
        assert proxy("CDP-ENV-02", 2027) is None
        assert proxy("CDP-JOB-05", 2027).value == Decimal("17.90")

    response = confirm(admin_client, url, follow_redirects=True)
    result = response.get_data(as_text=True)
    assert "Proxy values imported" in result and "1 new, 2 changed, 1 unchanged" in result
    with app.app_context():
        assert proxy("CDP-ENV-02", 2027).value == Decimal("0.05")
        assert proxy("CDP-ENV-02", 2027).edition is None
        assert proxy("CDP-JOB-05", 2027).value == Decimal("18.0525")
        example = proxy("CDP-JOB-01", 2026)
        assert example.value == Decimal("44992.42") and example.is_example is False
        assert example.source == SOURCE
        batch = [change for change in changes() if change.batch == url.rsplit("/", 1)[1]]
        assert len(batch) == 3
        assert {change.subject for change in batch} == {"proxy_value"}
        assert all(change.actor_id == admin_client.admin.id for change in batch)
        new = next(change for change in batch if change.measure_code == "CDP-ENV-02")
        assert new.before == {} and new.after == {
            "value": "0.05", "source": f"{SOURCE}, miles", "is_example": "no"}

    # Confirming twice (a double click) imports nothing more.
    again = confirm(admin_client, url, version="anything", follow_redirects=True)
    assert "imported already" in again.get_data(as_text=True)
    with app.app_context():
        assert len(changes()) == 5


BAD_FILES = [
    ("wrong header", "code,year,value,source,edition\nCDP-JOB-01,2027,1,s,\n",
     "The first row must name the columns"),
    ("missing column", "measure code,financial year,value\nCDP-JOB-01,2027,1\n",
     "The ‘source’ column is missing"),
    ("empty", "", "The file is empty"),
    ("blank lines", "\n\n  \n", "The file is empty"),
    ("header only", HEADER, "no values under it"),
    ("not UTF-8", HEADER.encode() + "CDP-JOB-01,2027,1,Café,\n".encode("cp1252"),
     "saved as UTF-8"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "saved as UTF-8"),
    ("too big", HEADER + "CDP-JOB-01,2027,1,s,\n" * 60_000, "1 MB or smaller"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES,
                         ids=[case[0] for case in BAD_FILES])
def test_a_file_that_cannot_be_used_is_refused_beside_the_field(app, admin_client, name,
                                                                 content, message):
    response = upload(admin_client, content)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'id="file-error"' in page and "<title>Error:" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CatalogueImport)) == 0


def test_no_file_chosen(admin_client):
    response = admin_client.post("/staff/catalogue/import",
                                 data={"csrf_token": token(admin_client)})
    assert "Select a CSV file" in response.get_data(as_text=True)


BAD_ROWS = [
    ("unknown code", "CDP-XXX-99,2027,1,s,", "No measure has the code ‘CDP-XXX-99’"),
    ("long code", "C" * 21 + ",2027,1,s,", "Measure code must be 20 characters or fewer"),
    ("no code", ",2027,1,s,", "Enter the measure code"),
    ("bad value", "CDP-JOB-01,2027,lots,s,", "Value must be a number of pounds"),
    ("negative", "CDP-JOB-01,2027,-3,s,", "Value must be 0 or more"),
    ("too many places", "CDP-JOB-01,2027,1.23456,s,", "no more than 4 decimal places"),
    ("too large", "CDP-JOB-01,2027,10000000000,s,", "less than £10,000,000,000"),
    ("no value", "CDP-JOB-01,2027,,s,", "Enter the value in pounds per unit"),
    ("exponent", "CDP-JOB-01,2027,1e3,s,", "Value must be a number of pounds"),
    ("bad year", "CDP-JOB-01,2027-29,1,s,", "Financial year must be like 2026-27"),
    ("year out of range", "CDP-JOB-01,1999,1,s,", "Financial year must be between 2000-01"),
    ("no year", "CDP-JOB-01,,1,s,", "Enter the financial year"),
    ("no source", "CDP-JOB-01,2027,1,,", "Enter the source of the value"),
    ("long source", "CDP-JOB-01,2027,1," + "s" * 501 + ",",
     "Source must be 500 characters or fewer"),
    ("long edition", "CDP-JOB-01,2027,1,s," + "e" * 61, "Edition must be 60 characters"),
    ("extra cells", "CDP-JOB-01,2027,1,s,e,surprise", "more cells than the 5 columns"),
]


@pytest.mark.parametrize(("name", "row", "message"), BAD_ROWS, ids=[case[0] for case in BAD_ROWS])
def test_a_bad_row_is_an_error_with_its_reason_and_nothing_can_be_confirmed(
        app, admin_client, name, row, message):
    content = HEADER + f"CDP-JOB-05,2027,18,{SOURCE},\n" + row + "\n"
    url = preview_url(upload(admin_client, content))
    page = admin_client.get(url).get_data(as_text=True)
    assert "1 row has errors" in page
    assert '<a href="#line-3">Line 3: ' in page and message in page
    assert "Upload a corrected file" in page and "Import 1 value" not in page
    # Even a forged confirmation writes nothing.
    with app.app_context():
        version = imports.preview(imports.import_by_key(url.rsplit("/", 1)[1])).version
    response = confirm(admin_client, url, version=version, follow_redirects=True)
    assert "Correct the rows with errors" in response.get_data(as_text=True)
    with app.app_context():
        assert changes() == [] and proxy("CDP-JOB-05", 2027) is None


def test_duplicate_rows_are_errors(admin_client):
    content = (HEADER + f"CDP-JOB-05,2027,18,{SOURCE},\n" + f"CDP-JOB-06,2027,100,{SOURCE},\n"
               + f"cdp-job-05,2027-28,19,{SOURCE},\n")
    page = admin_client.get(preview_url(upload(admin_client, content))).get_data(as_text=True)
    assert "Line 4: Duplicate: line 2 already gives this measure’s value for this year" in page


def test_a_header_may_come_in_any_order_with_a_byte_order_mark(app, admin_client):
    content = "\ufeffSource,Value,Measure_Code,Financial Year\n" + f"{SOURCE},18,CDP-JOB-05,2027\n"
    page = admin_client.get(preview_url(upload(admin_client, content))).get_data(as_text=True)
    assert "1 row: 1 new, 0 changed, 0 unchanged, 0 errors" in page


@pytest.mark.parametrize(("text", "year"), [("2026-27", 2026), ("2026", 2026), (" 2099-00", None),
                                            ("2026-28", None), ("26-27", None),
                                            ("2026/27", None), ("٢٠٢٦", None)])
def test_financial_years(text, year):
    if year is None:
        with pytest.raises(ValueError, match="Financial year must be"):
            imports.parse_year(text)
    else:
        assert imports.parse_year(text) == year


def test_a_failure_while_importing_writes_nothing(app, admin_client, monkeypatch):
    content = (HEADER + f"CDP-JOB-05,2027,18,{SOURCE},\n" + f"CDP-JOB-06,2027,100,{SOURCE},\n")
    url = preview_url(upload(admin_client, content))
    written = []
    real_write = imports.write_proxy_value

    def fail_on_the_second_row(*args, **kwargs):
        if written:
            raise IntegrityError("INSERT", {}, Exception("taken meanwhile"))
        written.append(real_write(*args, **kwargs))
        db.session.flush()
        return written[-1]

    monkeypatch.setattr(imports, "write_proxy_value", fail_on_the_second_row)
    response = confirm(admin_client, url)
    assert response.status_code == 409
    assert "Nothing you sent was saved" in response.get_data(as_text=True)
    with app.app_context():
        assert changes() == [] and proxy("CDP-JOB-05", 2027) is None
        assert not imports.import_by_key(url.rsplit("/", 1)[1]).is_applied


def test_a_catalogue_changed_since_the_preview_is_not_overwritten(app, admin_client):
    url = preview_url(upload(admin_client, HEADER + f"CDP-JOB-05,2026,18,{SOURCE},\n"))
    page = admin_client.get(url).get_data(as_text=True)
    seen = re.search(r'name="version" type="hidden" value="([^"]*)"', page)[1]
    # Another administrator changes the same value from the measure page meanwhile.
    path = "/staff/catalogue/measures/CDP-JOB-05/values/2026"
    assert admin_client.post(path, data=value_form(admin_client, path, value="19")).status_code \
        == 302
    response = confirm(admin_client, url, version=seen, follow_redirects=True)
    assert "The catalogue changed after you opened this preview" in response.get_data(
        as_text=True)
    with app.app_context():
        assert proxy("CDP-JOB-05", 2026).value == Decimal(19)
        assert len(changes()) == 1


def test_importing_over_values_submitted_entries_used_needs_a_reason(app, build, admin_client):
    entry_id = submitted_entry(build, "CDP-JOB-01", 2026, "44992.42").id
    content = (HEADER + f"CDP-JOB-01,2026-27,46000,{SOURCE},National TOMs 2026\n"
               + f"CDP-JOB-05,2027,18,{SOURCE},\n")
    url = preview_url(upload(admin_client, content))
    page = admin_client.get(url).get_data(as_text=True)
    assert "Submitted reports used the values on line 2" in page
    assert "1 submitted entry used the current value" in page

    refused = confirm(admin_client, url)
    assert refused.status_code == 200
    assert "Give a reason for changing values that submitted reports used (lines 2)" in \
        refused.get_data(as_text=True)
    with app.app_context():
        assert changes() == [] and proxy("CDP-JOB-01", 2026).value == Decimal("44992.42")

    assert confirm(admin_client, url, reason="The licensed 2026 values arrived").status_code == 303
    with app.app_context():
        assert proxy("CDP-JOB-01", 2026).value == Decimal(46000)
        assert {change.reason for change in changes()} == {"The licensed 2026 values arrived"}
        entry = db.session.get(ReportEntry, entry_id)
        assert (entry.proxy_value, entry.proxy_source, entry.proxy_edition) == (
            Decimal("44992.42"), "Example source", "Light 2026")
        assert (entry.gross, entry.net) == (Decimal("134977.26"), Decimal("134977.26"))


def test_only_submitted_entries_count_for_the_reason_rule(app, build, admin_client):
    entry = submitted_entry(build, "CDP-JOB-01", 2026, "44992.42")
    with app.app_context():
        db.session.get(ReportRevision, entry.revision_id).submitted_at = None  # a draft
        db.session.commit()
    url = preview_url(upload(admin_client, HEADER + f"CDP-JOB-01,2026,46000,{SOURCE},\n"))
    assert confirm(admin_client, url).status_code == 303


def test_confirming_with_htmx_moves_the_page_to_the_result(app, admin_client):
    url = preview_url(upload(admin_client, HEADER + f"CDP-JOB-05,2027,18,{SOURCE},\n"))
    page = admin_client.get(url).get_data(as_text=True)
    assert 'hx-indicator="#import-progress"' in page and "Importing 1 value…" in page
    response = confirm(admin_client, url, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response.headers["HX-Redirect"] == url


def test_old_unconfirmed_imports_are_cleared_away(app, admin_client):
    preview_url(upload(admin_client, HEADER + f"CDP-JOB-05,2027,18,{SOURCE},\n"))
    with app.app_context():
        old = db.session.scalar(select(CatalogueImport))
        old.created_at = utcnow() - timedelta(days=8)
        db.session.commit()
    preview_url(upload(admin_client, HEADER + f"CDP-JOB-05,2027,18,{SOURCE},\n"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CatalogueImport)) == 1


def test_an_unknown_import_is_not_found(admin_client):
    assert admin_client.get("/staff/catalogue/imports/" + "0" * 32).status_code == 404
    assert admin_client.get("/staff/catalogue/imports/short").status_code == 404


# --- the audit log -------------------------------------------------------------------------------


def test_the_audit_log_lists_changes_newest_first_in_pages(app, admin_client):
    with app.app_context():
        start = utcnow() - timedelta(days=1)
        for number in range(55):
            db.session.add(CatalogueChange(
                subject="proxy_value", measure_code="CDP-JOB-05", financial_year=2026,
                before={"value": str(number)}, after={"value": str(number + 1)},
                reason=f"Reason {number}", actor_id=admin_client.admin.id,
                created_at=start + timedelta(minutes=number)))
        db.session.commit()
    page = admin_client.get("/staff/catalogue/changes").get_data(as_text=True)
    assert "55 changes, page 1 of 2" in page
    assert page.index("Reason 54") < page.index("Reason 53")
    assert "Reason 4<" not in page
    assert "<strong>Proxy value (£ per unit)</strong>: 54 to 55" in page
    assert "catalogue.admin@businessdurham.example" in page
    assert "CDP-JOB-05: " in page and "proxy value for 2026-27" in page
    second = admin_client.get("/staff/catalogue/changes?page=2").get_data(as_text=True)
    assert "Reason 4<" in second and "Reason 54" not in second
    assert admin_client.get("/staff/catalogue/changes?page=abc").status_code == 200
    assert admin_client.get("/staff/catalogue/changes?page=99999999999").status_code == 200


# --- who may -------------------------------------------------------------------------------------


CATALOGUE_PAGES = ["/staff/catalogue", "/staff/catalogue/measures/CDP-JOB-01",
                   "/staff/catalogue/measures/CDP-JOB-01/values/2026",
                   "/staff/catalogue/measures/CDP-JOB-01/values/new",
                   "/staff/catalogue/import", "/staff/catalogue/changes"]


@pytest.mark.parametrize("who", ["staff", "signatory"])
def test_staff_who_are_not_administrators_and_signatories_are_refused(app, build, admin_client,
                                                                      who):
    url = preview_url(upload(admin_client, HEADER + f"CDP-JOB-05,2027,18,{SOURCE},\n"))
    user = build.staff() if who == "staff" else build.user()
    if who == "signatory":
        build.organisation(user, status="approved")
    client = app.test_client()
    log_in(client, user.email, PASSWORD)
    csrf = csrf_token_from(client.get("/account").get_data(as_text=True))
    for page in [*CATALOGUE_PAGES, url]:
        assert client.get(page).status_code == 403, page
    for page in [*CATALOGUE_PAGES[1:5], f"{url}/confirm"]:
        assert client.post(page, data={"csrf_token": csrf}).status_code == 403, page
    with app.app_context():
        assert changes() == []


def test_every_catalogue_form_needs_its_csrf_token(app, admin_client):
    url = preview_url(upload(admin_client, HEADER + f"CDP-JOB-05,2027,18,{SOURCE},\n"))
    for page in ["/staff/catalogue/measures/CDP-JOB-05",
                 "/staff/catalogue/measures/CDP-JOB-05/values/2026",
                 "/staff/catalogue/import", f"{url}/confirm"]:
        assert admin_client.post(page, data={"value": "1", "version": "x"}).status_code == 400
    with app.app_context():
        assert changes() == [] and proxy("CDP-JOB-05", 2027) is None


# --- at the same time ----------------------------------------------------------------------------


def test_ten_confirmations_at_once_import_once(app, build, live_server):
    from tests.test_concurrency import HttpSession, _all_at_once

    admin = build.admin()
    session = HttpSession(live_server)
    session.sign_in(admin.email)
    pending = imports.start_import("values.csv", (HEADER + f"CDP-JOB-05,2027,18,{SOURCE},\n"
                                                  + f"CDP-JOB-06,2027,99,{SOURCE},\n").encode(),
                                   admin)
    db.session.commit()
    page = f"/staff/catalogue/imports/{pending.key}"
    status, _location, html = session.request("GET", page)
    assert status == 200
    form = {"csrf_token": csrf_token_from(html), "reason": "",
            "version": re.search(r'name="version" type="hidden" value="([^"]*)"', html)[1]}

    statuses = _all_at_once(lambda: session.request("POST", f"{page}/confirm", form)[0], 10)

    assert set(statuses) == {303}, statuses
    assert len(changes()) == 2
    assert proxy("CDP-JOB-06", 2027).value == Decimal(99)


def test_ten_edits_of_one_value_at_once_save_one(app, build, live_server):
    from tests.test_concurrency import HttpSession, _all_at_once

    admin = build.admin()
    session = HttpSession(live_server)
    session.sign_in(admin.email)
    path = "/staff/catalogue/measures/CDP-JOB-05/values/2026"
    status, _location, html = session.request("GET", path)
    assert status == 200
    form = {"csrf_token": csrf_token_from(html), "value": "21", "source": "Guidance",
            "edition": "", "reason": "",
            "version": re.search(r'name="version" type="hidden" value="([^"]*)"', html)[1]}

    statuses = _all_at_once(lambda: session.request("POST", path, form)[0], 10)

    # One saves; the others were looking at the value it replaced, and are told so.
    assert sorted(statuses) == [302] + [409] * 9, statuses
    assert len(changes()) == 1
