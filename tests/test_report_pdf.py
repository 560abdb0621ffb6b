"""The collective report as a PDF for committee papers: a valid, tagged PDF/UA document whose
text carries the headline figures, the date and the version on numbered A4 pages; and where the
PDF library cannot load, a page saying what to install instead of an error."""

import io
import sys
from datetime import UTC, date, datetime

import pytest
from pypdf import PdfReader

from charter_app import pdf
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus
from charter_app.presentation import money
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports import publishing
from charter_app.reports.figures import report_figures

QUARTER = FinancialQuarter(2026, 1)
PUBLIC = "/reports/2026-27/q1"
A4_POINTS = (595, 842)


def _publish(build, commentary="Apprentices across the county."):
    organisation = build.organisation(status=ApplicationStatus.APPROVED,
                                      approved_at=datetime(2026, 4, 20, 9, tzinfo=UTC))
    build.report(organisation, QUARTER, entries={"CDP-JOB-03": "12"})
    staff = build.staff("jo.bell@businessdurham.example")
    report = publishing.start_draft(QUARTER, today=date(2026, 8, 3))
    publishing.save_draft(report, commentary=commentary, highlights="", change_note=None)
    publishing.publish(report, actor=staff, now=datetime(2026, 8, 3, 10, tzinfo=UTC))
    db.session.commit()
    return report


def _text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_is_a_tagged_a4_document_with_the_headline_figures(build, client):
    report = _publish(build)
    response = client.get(f"{PUBLIC}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="county-durham-pound-report-2026-27-q1-v1.pdf"')

    reader = PdfReader(io.BytesIO(response.data))
    text = _text(reader)
    gross = report_figures(QUARTER).total.gross
    assert gross > 0
    for expected in ("Progress report 2026-27 Q1", "Version 1", money(gross),
                     "Apprentices across the county.", "Social value by theme",
                     f"Page 1 of {len(reader.pages)}"):
        assert expected in text, expected
    assert report.published_at is not None
    # Tagged for screen readers (PDF/UA-1): a structure tree, marked content, a language.
    root = reader.trailer["/Root"]
    assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "en-GB"
    assert reader.metadata.title.startswith("County Durham Pound Charter progress report 2026-27")
    assert "pdfuaid" in reader.xmp_metadata.rdf_root.toxml()
    width, height = (round(float(side)) for side in reader.pages[0].mediabox.upper_right)
    assert (width, height) == A4_POINTS


def test_each_version_has_its_own_pdf_and_unpublished_quarters_have_none(build, client, app):
    _publish(build)
    first = client.get(f"{PUBLIC}/v1.pdf")
    assert first.status_code == 200
    # Laid out once: the frozen report's PDF is kept, and served again byte for byte.
    kept = list(pdf.Path(app.config["PDF_CACHE_DIR"]).glob("*.pdf"))
    assert any(path.read_bytes() == first.data for path in kept)
    assert client.get(f"{PUBLIC}/v1.pdf").data == first.data
    assert client.get(f"{PUBLIC}/v2.pdf").status_code == 404
    assert client.get("/reports/2026-27/q2.pdf").status_code == 404
    assert f'href="{PUBLIC}/v1.pdf"' in client.get(PUBLIC).text


def test_text_typed_by_staff_cannot_make_the_server_fetch_anything(build, client):
    """Commentary is escaped text; and the fetcher refuses anything but our static files."""
    _publish(build, commentary='<img src="http://169.254.169.254/latest/meta-data">')
    text = _text(PdfReader(io.BytesIO(client.get(f"{PUBLIC}.pdf").data)))
    assert '<img src="http://169.254.169.254/latest/meta-data">' in text
    with pytest.raises(ValueError, match="only the service's own static files"):
        pdf.static_file("http://169.254.169.254/latest/meta-data")
    with pytest.raises(ValueError, match="No such static file"):
        pdf.static_file("static:///../config.py")


def test_without_the_pdf_library_the_link_explains_what_to_install(build, client, monkeypatch):
    _publish(build)
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # `import weasyprint` now fails
    pdf.unavailable_reason.cache_clear()
    try:
        response = client.get(f"{PUBLIC}.pdf")
    finally:
        monkeypatch.undo()
        pdf.unavailable_reason.cache_clear()
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "The PDF cannot be made at the moment" in response.text
    assert ("apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 "
            "fonts-dejavu-core") in response.text
    assert client.get(f"{PUBLIC}.pdf").status_code == 200  # and once installed, it works
