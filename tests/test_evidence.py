"""Evidence files on report entries: the content decides what is accepted, images are re-encoded
without their metadata, files live outside static/ under random names, and only the
organisation's members and staff may download them, as attachments."""

import io
import re
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from charter_app.extensions import db
from charter_app.reporting import evidence
from charter_app.reporting.models import EvidenceFile
from tests.conftest import csrf_token_from
from tests.test_reporting_pages import (
    entry_url,
    post,
    quarter_url,
    save_entry,
    signed_in,
    start,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes(size=(40, 30), colour=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Snoop Camera Co"  # Make
    exif[0x0131] = "Secret Editor 1.0"  # Software
    exif[0x9286] = "private comment"  # UserComment (Exif IFD, kept by Pillow as a tag)
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 200)).save(out, "JPEG", exif=exif.tobytes(),
                                                     comment=b"hidden comment")
    return out.getvalue()


@pytest.fixture
def signatory(build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved")
    return organisation, owner


@pytest.fixture
def drafting(app, build, signatory):
    """A member's client with a saved entry in this quarter's draft report."""
    organisation, owner = signatory
    client = signed_in(app, owner)
    start(client, organisation)
    assert save_entry(client, organisation, build).status_code == 302
    return client


def upload(client, organisation, build, content: bytes, name: str, **kwargs):
    # The body is encoded here, in memory: werkzeug's test client would spool a big one to a
    # temporary file it never closes.
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    boundary, body = encode_multipart(MultiDict({
        "csrf_token": token, "file": FileStorage(io.BytesIO(content), filename=name)}))
    return client.post(entry_url(organisation, build, tail="/evidence"), data=body,
                       content_type=f"multipart/form-data; boundary={boundary}", **kwargs)


def stored_files() -> list[EvidenceFile]:
    return list(db.session.scalars(select(EvidenceFile).order_by(EvidenceFile.id)))


def download_url(organisation, file):
    return f"/organisations/{organisation.id}/evidence/{file.id}"


def test_a_png_is_re_encoded_stored_outside_static_and_downloaded_as_an_attachment(
        app, build, signatory, drafting):
    organisation, _ = signatory
    response = upload(drafting, organisation, build, png_bytes(), "Our café photo.png")
    assert response.status_code == 302 and response.headers["Location"].endswith("#evidence")
    [file] = stored_files()
    assert re.fullmatch(r"[0-9a-f]{32}", file.stored_name)
    path = Path(app.config["EVIDENCE_DIR"]) / file.stored_name
    assert path.is_file() and "static" not in path.parts
    assert (file.content_type, file.original_name) == ("image/png", "Our café photo.png")

    download = drafting.get(download_url(organisation, file))
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "image/png"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"] == (
        "attachment; filename=\"Our cafe photo.png\"; filename*=UTF-8''Our%20caf%C3%A9%20photo.png")
    assert download.headers["Cache-Control"] == "no-store"
    assert Image.open(io.BytesIO(download.data)).size == (40, 30)
    page = drafting.get(entry_url(organisation, build)).get_data(as_text=True)
    assert "Our café photo.png" in page


def test_exif_and_comments_are_stripped_from_a_jpeg(build, signatory, drafting):
    organisation, _ = signatory
    original = jpeg_with_exif()
    assert b"Snoop Camera Co" in original and Image.open(io.BytesIO(original)).getexif()
    upload(drafting, organisation, build, original, "site visit.jpeg")
    [file] = stored_files()
    data = drafting.get(download_url(organisation, file)).data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and file.original_name == "site visit.jpg"
    assert not image.getexif() and "exif" not in image.info and "comment" not in image.info
    assert b"Snoop Camera Co" not in data and b"hidden comment" not in data


def test_a_pdf_is_stored_as_uploaded(build, signatory, drafting):
    organisation, _ = signatory
    upload(drafting, organisation, build, PDF_BYTES, "timesheet.PDF")
    [file] = stored_files()
    download = drafting.get(download_url(organisation, file))
    assert download.data == PDF_BYTES and download.headers["Content-Type"] == "application/pdf"
    assert file.original_name == "timesheet.pdf"


def test_the_content_decides_not_the_name(build, signatory, drafting):
    organisation, _ = signatory
    # A PNG named .pdf is kept as the PNG it is, and its name says so.
    upload(drafting, organisation, build, png_bytes(), "report.pdf")
    # A PDF named .png is kept as a PDF.
    upload(drafting, organisation, build, PDF_BYTES, "photo.png")
    assert [(file.content_type, file.original_name) for file in stored_files()] == [
        ("image/png", "report.png"), ("application/pdf", "photo.pdf")]


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (5, 5)).save(out, "GIF")
    return out.getvalue()


def _truncated_png() -> bytes:
    data = png_bytes((300, 300))
    return data[: len(data) // 2]


def _bomb(pixels_wide: int) -> bytes:
    out = io.BytesIO()
    Image.new("1", (pixels_wide, pixels_wide)).save(out, "PNG")
    return out.getvalue()


REFUSED = [
    (b"<html><script>alert(1)</script></html>", "evil.pdf", "must be a PDF, PNG or JPEG"),
    (b"MZ\x90\x00 not a picture", "photo.jpg", "must be a PDF, PNG or JPEG"),
    (_gif(), "animation.png", "must be a PDF, PNG or JPEG"),
    (_truncated_png(), "half.png", "could not be read"),
    (_bomb(7_000), "bomb.png", "megapixels or fewer"),  # 49 megapixels: Pillow warns
    (_bomb(10_000), "bigger-bomb.png", "megapixels or fewer"),  # 100: Pillow refuses
    (b"%PDF-" + b"0" * (evidence.MAX_BYTES - 4), "big.pdf", "must be 5 MB or smaller"),
    (b"", "empty.pdf", "The selected file is empty"),
]


@pytest.mark.parametrize(("content", "name", "message"), REFUSED,
                         ids=[case[1] for case in REFUSED])
def test_files_that_are_not_what_we_accept_are_refused_plainly(build, signatory, drafting,
                                                               content, name, message):
    organisation, _ = signatory
    response = upload(drafting, organisation, build, content, name)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.count(message) >= 2 and 'href="#file"' in page and "<title>Error: " in page
    assert stored_files() == []


def test_exactly_5_mb_is_accepted(build, signatory, drafting):
    organisation, _ = signatory
    content = b"%PDF-" + b"0" * (evidence.MAX_BYTES - 5)
    assert upload(drafting, organisation, build, content, "exact.pdf").status_code == 302
    assert stored_files()[0].size_bytes == 5 * 1024 * 1024


def test_a_request_over_the_size_limit_is_a_clear_message(app, build, signatory, drafting,
                                                         monkeypatch):
    organisation, _ = signatory
    assert app.config["MAX_CONTENT_LENGTH"] > evidence.MAX_BYTES + 64 * 1024  # room for the form
    # A smaller limit for the test, so it posts kilobytes rather than megabytes.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    content = b"%PDF-" + b"0" * 8192
    response = upload(drafting, organisation, build, content, "huge.pdf", follow_redirects=True)
    assert response.status_code == 200
    assert "must be 5 MB or smaller. Nothing was uploaded" in response.get_data(as_text=True)
    assert stored_files() == []


def test_no_more_than_five_files_an_entry(build, signatory, drafting):
    organisation, _ = signatory
    for number in range(5):
        assert upload(drafting, organisation, build, PDF_BYTES, f"{number}.pdf").status_code == 302
    page = drafting.get(entry_url(organisation, build)).get_data(as_text=True)
    assert "the most it can have" in page and 'type="file"' not in page
    sixth = upload(drafting, organisation, build, PDF_BYTES, "6.pdf")
    assert "You can add up to 5 files to an entry" in sixth.get_data(as_text=True)
    assert len(stored_files()) == 5


def test_an_upload_needs_a_file_and_a_saved_entry(build, signatory, drafting):
    organisation, _ = signatory
    nothing = post(drafting, entry_url(organisation, build, tail="/evidence"), {},
                   content_type="multipart/form-data")
    assert "Select a file to upload" in nothing.get_data(as_text=True)
    unsaved = post(drafting, entry_url(organisation, build, "CDP-SOC-02", "/evidence"),
                   {"file": (io.BytesIO(PDF_BYTES), "a.pdf")},
                   content_type="multipart/form-data", follow_redirects=True)
    assert "Save the entry first" in unsaved.get_data(as_text=True)
    assert stored_files() == []


def test_a_draft_file_can_be_removed_and_its_bytes_go(app, build, signatory, drafting):
    organisation, _ = signatory
    upload(drafting, organisation, build, PDF_BYTES, "wrong.pdf")
    [file] = stored_files()
    path = Path(app.config["EVIDENCE_DIR"]) / file.stored_name
    response = post(drafting, download_url(organisation, file) + "/remove")
    assert response.status_code == 302
    db.session.expire_all()
    assert stored_files() == [] and not path.exists()


def test_submitted_evidence_stays_and_a_correction_shares_it(app, build, signatory, drafting):
    organisation, _ = signatory
    upload(drafting, organisation, build, PDF_BYTES, "kept.pdf")
    post(drafting, quarter_url(organisation, tail="/check"))
    [file] = stored_files()
    path = Path(app.config["EVIDENCE_DIR"]) / file.stored_name
    refused = post(drafting, download_url(organisation, file) + "/remove",
                   follow_redirects=True)
    assert "cannot be removed" in refused.get_data(as_text=True)
    assert len(stored_files()) == 1

    post(drafting, quarter_url(organisation, tail="/correct"))
    original, copy = stored_files()
    assert copy.stored_name == original.stored_name
    post(drafting, download_url(organisation, copy) + "/remove")
    db.session.expire_all()
    assert stored_files() == [original] and path.exists()  # the submitted revision keeps it
    assert drafting.get(download_url(organisation, original)).data == PDF_BYTES


def test_only_members_and_staff_may_download(app, build, signatory, drafting):
    organisation, _ = signatory
    upload(drafting, organisation, build, png_bytes(), "proof.png")
    [file] = stored_files()
    stranger = build.user()
    build.organisation(stranger, status="approved")
    other = signed_in(app, stranger)
    assert other.get(download_url(organisation, file)).status_code == 404
    assert post(other, download_url(organisation, file) + "/remove").status_code == 404
    assert post(other, entry_url(organisation, build, tail="/evidence"),
                {"file": (io.BytesIO(PDF_BYTES), "x.pdf")},
                content_type="multipart/form-data").status_code == 404
    # Its own organisation id in the address does not reach another organisation's file.
    own = stranger.memberships[0].organisation_id
    assert other.get(f"/organisations/{own}/evidence/{file.id}").status_code == 404
    assert len(stored_files()) == 1

    staff = signed_in(app, build.staff())
    download = staff.get(download_url(organisation, file))
    assert download.status_code == 200 and download.headers["Content-Type"] == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert post(staff, download_url(organisation, file) + "/remove").status_code == 404


def test_names_are_cleaned_for_headers_and_disks():
    assert evidence.clean_name("../../etc/passwd", evidence.PDF) == "passwd.pdf"
    assert evidence.clean_name('C:\\Users\\me\\a"b;c\r\n.jpeg', evidence.JPEG) == "a-b-c.jpg"
    assert evidence.clean_name(None, evidence.PNG) == "evidence.png"
    assert len(evidence.clean_name("x" * 500 + ".pdf", evidence.PDF)) == 120
    header = evidence.content_disposition('naïve "quote"\r\nSet-Cookie: x.pdf')
    assert "\r" not in header and "\n" not in header
    assert header.startswith('attachment; filename="naive -quote-Set-Cookie- x.pdf"')


def test_discarding_a_correction_removes_only_the_files_it_added(app, build, signatory,
                                                                 drafting):
    organisation, _ = signatory
    folder = Path(app.config["EVIDENCE_DIR"])
    upload(drafting, organisation, build, PDF_BYTES, "first.pdf")
    refused = post(drafting, quarter_url(organisation, tail="/discard"), follow_redirects=True)
    assert "never submitted keeps its draft" in refused.get_data(as_text=True)
    [first] = stored_files()
    assert (folder / first.stored_name).exists()

    post(drafting, quarter_url(organisation, tail="/check"))
    post(drafting, quarter_url(organisation, tail="/correct"))
    upload(drafting, organisation, build, PDF_BYTES, "added.pdf")
    added = stored_files()[-1].stored_name
    post(drafting, quarter_url(organisation, tail="/discard"))
    db.session.expire_all()
    assert stored_files() == [first]
    assert (folder / first.stored_name).exists() and not (folder / added).exists()


def test_removing_an_entry_removes_its_files(app, build, signatory, drafting):
    organisation, _ = signatory
    upload(drafting, organisation, build, PDF_BYTES, "gone.pdf")
    [file] = stored_files()
    path = Path(app.config["EVIDENCE_DIR"]) / file.stored_name
    post(drafting, entry_url(organisation, build, tail="/remove"))
    db.session.expire_all()
    assert stored_files() == [] and not path.exists()
