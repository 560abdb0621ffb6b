"""Static files under content-hashed names: pages link them, the app serves them with a year's
immutable cache, an edit changes the address, and no name reaches outside static/."""

import hashlib
import re
import shutil
from pathlib import Path

import pytest
from flask import url_for

from charter_app import pdf
from charter_app.static_assets import HASHED_NAME, ContentDigests
from tests.builders import PASSWORD
from tests.conftest import log_in

STATIC = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
STATIC_LINK = re.compile(r'(?:href|src|data-govuk-frontend)="(/static/[^"]+)"')
# nginx's rule, as the README gives it: any 12 lowercase hex digits before the last extension.
NGINX_RULE = re.compile(r"^/static/(.+)\.[0-9a-f]{12}\.([A-Za-z0-9]+)$")


def digest_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def nginx_file(url: str) -> str:
    """The file nginx sends for a static URL."""
    return NGINX_RULE.sub(r"\1.\2", url).removeprefix("/static/")


@pytest.fixture
def own_static(app, tmp_path, monkeypatch):
    """The app serving a copy of static/ that a test may edit."""
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    monkeypatch.setattr(app, "static_folder", str(folder))
    return folder


def static_url(app, filename: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=filename)


def test_every_static_link_on_a_page_carries_the_files_content_hash(client):
    html = client.get("/").get_data(as_text=True)

    links = set(STATIC_LINK.findall(html))
    assert {nginx_file(link) for link in links} >= {
        "css/app.css", "js/app.js", "js/htmx.min.js", "govuk/govuk-frontend.min.js",
        "images/favicon.svg"}
    for link in links:
        assert NGINX_RULE.match(link), f"{link} has no content hash"
        file = STATIC / nginx_file(link)
        assert link.endswith(f".{digest_of(file)}{file.suffix}")


def test_a_hashed_address_is_served_for_a_year_even_to_a_signed_in_person(client, build):
    build.user("reader@example.org")
    log_in(client, "reader@example.org", PASSWORD)
    html = client.get("/account").get_data(as_text=True)
    stylesheet = next(link for link in STATIC_LINK.findall(html) if "css/app." in link)

    response = client.get(stylesheet)

    assert response.status_code == 200
    assert response.get_data() == (STATIC / "css/app.css").read_bytes()
    assert response.headers["Cache-Control"] == IMMUTABLE
    assert response.mimetype == "text/css"
    # A response caches keep for a year must carry nobody's session.
    assert "Set-Cookie" not in response.headers
    assert client.get("/account").status_code == 200, "the session survives static requests"


def test_the_plain_address_still_works_and_is_revalidated(client):
    response = client.get("/static/js/app.js")

    assert response.status_code == 200
    assert response.get_data() == (STATIC / "js/app.js").read_bytes()
    assert response.headers["Cache-Control"] == "no-cache"
    again = client.get("/static/js/app.js", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_an_edit_changes_the_address_and_the_old_one_is_no_longer_kept(app, client, own_static):
    before = static_url(app, "css/app.css")
    (own_static / "css/app.css").write_text("body { color: #0b0c0c; }\n")

    after = static_url(app, "css/app.css")

    assert after != before
    assert after == f"/static/css/app.{digest_of(own_static / 'css/app.css')}.css"
    assert static_url(app, "js/app.js") == f"/static/js/app.{digest_of(STATIC / 'js/app.js')}.js"
    fresh = client.get(after)
    assert fresh.get_data(as_text=True) == "body { color: #0b0c0c; }\n"
    assert fresh.headers["Cache-Control"] == IMMUTABLE
    # A page rendered before the deploy: the current file, as nginx sends it, but revalidated,
    # so no cache keeps the old address pointing at the new content for a year.
    stale = client.get(before)
    assert stale.get_data(as_text=True) == "body { color: #0b0c0c; }\n"
    assert stale.headers["Cache-Control"] == "no-cache"


def test_any_hash_serves_the_current_file_as_nginx_does(client):
    response = client.get("/static/css/app.000000000000.css")

    assert response.status_code == 200
    assert response.get_data() == (STATIC / "css/app.css").read_bytes()
    assert "immutable" not in response.headers["Cache-Control"]


def test_a_missing_file_keeps_its_plain_name_and_answers_404(app, client):
    assert static_url(app, "css/missing.css") == "/static/css/missing.css"
    assert static_url(app, "VENDORED") == "/static/VENDORED"  # no extension: no hash
    assert client.get("/static/css/missing.css").status_code == 404
    assert client.get("/static/css/missing.000000000000.css").status_code == 404


@pytest.mark.parametrize("path", [
    "/static/../config.py",
    "/static/..%2fconfig.py",
    "/static/%2e%2e/config.py",
    "/static/css/..%2f..%2fconfig.000000000000.py",
    "/static/..%2f..%2fetc/passwd",
    "/static/%2fetc/passwd",
])
def test_no_static_address_reaches_outside_the_folder(client, path):
    response = client.get(path, follow_redirects=True)  # // is merged by a redirect first
    assert response.status_code == 404
    assert b"SECRET_KEY" not in response.get_data()


def test_a_name_outside_the_folder_is_never_hashed(app):
    # Hashing would read the file and put a fingerprint of it in a page.
    assert static_url(app, "../config.py") == "/static/../config.py"


def test_pdfs_fetch_static_files_by_hashed_name_too(app_ctx):
    assert pdf.static_file(f"static:///css/pdf.{digest_of(STATIC / 'css/pdf.css')}.css") == (
        STATIC / "css/pdf.css").resolve()
    assert pdf.static_file("static:///css/pdf.css") == (STATIC / "css/pdf.css").resolve()
    with pytest.raises(ValueError, match="No such static file"):
        pdf.static_file("static:///../config.000000000000.py")


def test_in_production_a_digest_is_computed_once_per_process(tmp_path):
    # Only a deploy changes the files there, and it restarts the workers.
    stylesheet = tmp_path / "app.css"
    stylesheet.write_text("a { color: red; }")
    watching, once = ContentDigests(follow_edits=True), ContentDigests(follow_edits=False)
    first = once.digest(str(stylesheet))
    assert watching.digest(str(stylesheet)) == first == digest_of(stylesheet)

    stylesheet.write_text("a { color: blue; }")

    assert once.digest(str(stylesheet)) == first
    assert watching.digest(str(stylesheet)) == digest_of(stylesheet) != first
    assert once.digest(str(tmp_path / "missing.css")) is None


def test_the_hashed_name_goes_before_the_last_extension(app):
    name = static_url(app, "govuk/govuk-frontend.min.js")
    digest = digest_of(STATIC / "govuk/govuk-frontend.min.js")
    assert name == f"/static/govuk/govuk-frontend.min.{digest}.js"
    assert HASHED_NAME.match(name.removeprefix("/static/"))["digest"] == digest
