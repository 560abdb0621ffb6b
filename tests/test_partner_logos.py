"""Partners' logos: uploaded by staff through the shared image pipeline, shown on the partner's
page and in the list, replaced and removed without leaving files behind."""

import io
import re

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from charter_app import images
from charter_app.extensions import db
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in
from tests.test_partners import _page


@pytest.fixture
def staff_client(app, build):
    client = app.test_client()
    log_in(client, build.staff("pat.editor@businessdurham.example").email, PASSWORD)
    return client


def _logo(size=(900, 300), fmt="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(out, fmt)
    return out.getvalue()


def _upload(client, partner_id, content: bytes, name="logo.png"):
    page = client.get(f"/staff/hub/partners/{partner_id}").text
    boundary, body = encode_multipart(MultiDict({
        "csrf_token": csrf_token_from(page),
        "logo": FileStorage(io.BytesIO(content), filename=name)}))
    return client.post(f"/staff/hub/partners/{partner_id}/logo", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def _stored(app) -> set[str]:
    return {path.name for path in images.upload_dir().glob("*")} if images.upload_dir().exists() \
        else set()


def test_a_logo_is_shown_at_phone_and_desktop_sizes_on_the_partner_pages(app_ctx, client,
                                                                          staff_client, build):
    partner = _page(build.partner("Durham County Council"))
    before = _stored(app_ctx)
    response = _upload(staff_client, partner.id, _logo(), "council logo.JPG")  # a PNG, misnamed
    assert response.status_code == 302
    new_files = _stored(app_ctx) - before
    assert sorted(int(name.split("-")[1].split(".")[0]) for name in new_files) == [160, 320, 640]

    page = client.get("/partners/durham-county-council").text
    image = re.search(r'<img class="app-partner-logo" src="([^"]+)" srcset="([^"]+)"[^>]*'
                      r'alt="Durham County Council logo">', page)
    assert image, "no logo on the partner's page"
    assert image[2].count("w,") == 2  # three widths in the srcset
    served = client.get(image[1])
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(served.data)).width == 160
    index = client.get("/partners").text
    assert 'class="app-partner-logo app-partner-logo--small"' in index and 'alt=""' in index


def test_replacing_and_removing_a_logo_deletes_its_files(app_ctx, staff_client, build):
    partner = _page(build.partner("Believe Housing"), slug="believe-housing")
    before = _stored(app_ctx)
    assert _upload(staff_client, partner.id, _logo()).status_code == 302
    first = _stored(app_ctx) - before
    assert _upload(staff_client, partner.id, _logo((200, 100), "WEBP"), "x.webp") \
        .status_code == 302
    second = _stored(app_ctx) - before
    assert not first & second and len(second) == 2  # 160 and its own 200: never upscaled
    page = staff_client.get(f"/staff/hub/partners/{partner.id}").text
    response = staff_client.post(f"/staff/hub/partners/{partner.id}/logo/remove",
                                 data={"csrf_token": csrf_token_from(page)})
    assert response.status_code == 302
    assert _stored(app_ctx) == before
    db.session.refresh(partner)
    assert partner.logo_stem is None


@pytest.mark.parametrize("content, name, message", [
    (b"not an image at all", "logo.png", "must be a PNG, JPEG or WebP image"),
    (b"GIF89a" + b"\0" * 40, "logo.gif", "must be a PNG, JPEG or WebP image"),
    (b"", "logo.png", "empty"),
])
def test_a_file_that_is_not_a_logo_is_refused_with_a_message(app_ctx, staff_client, build,
                                                              content, name, message):
    partner = _page(build.partner("Durham University"), slug="durham-university")
    before = _stored(app_ctx)
    response = _upload(staff_client, partner.id, content, name)
    assert response.status_code == 400
    assert "There is a problem" in response.text and message in response.text
    # The page editor beside it still shows the saved page, nothing lost.
    assert "Highways **repairs**" in response.text
    assert _stored(app_ctx) == before


def test_only_staff_upload_logos_and_a_csrf_token_is_needed(app, build, staff_client):
    partner = _page(build.partner("Durham County Council"))
    member = app.test_client()
    log_in(member, build.user().email, PASSWORD)
    token = csrf_token_from(member.get("/account").text)
    refused = member.post(f"/staff/hub/partners/{partner.id}/logo",
                          data={"csrf_token": token, "logo": (io.BytesIO(_logo()), "l.png")})
    assert refused.status_code == 403
    assert staff_client.post(f"/staff/hub/partners/{partner.id}/logo",
                             data={"logo": (io.BytesIO(_logo()), "l.png")}).status_code == 400
