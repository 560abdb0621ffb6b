"""Open Badges 3.0 through the web: a member downloads an award's signed credential (a JWT, or
baked in its PNG); a verifier checks it with the key its `kid` URL publishes and finds it on the
revocation list once withdrawn; anyone uploads a badge image to /badges/verify and gets the
award's own answer, or a clear refusal. Real RSA signatures, real PNG and SVG files."""

import base64
import io
import json
import os
import stat
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from PIL import Image

from charter_app.badges import awards, baking
from charter_app.badges.credential_views import signed_credential
from charter_app.badges.credentials import InvalidCredential, is_revoked, verify_credential
from charter_app.badges.models import BadgeKind
from charter_app.badges.signing import generate_key_pem
from charter_app.cli import charter
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus
from charter_app.timeutil import utcnow
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in, submit_form

PRODUCTION_SECRET = "production-test-secret"  # noqa: S105 - a test value


def _signatory(build):
    owner = build.user()
    organisation = build.organisation(owner, status=ApplicationStatus.APPROVED,
                                      contact_email="hello@wear-valley.example")
    awards.refresh(organisation.id, utcnow() - timedelta(minutes=5))
    db.session.commit()
    signatory = next(award for award in awards.current_awards(organisation.id)
                     if award.kind == BadgeKind.SIGNATORY)
    return organisation, owner, signatory


def _lapse(organisation):
    organisation.status = ApplicationStatus.LAPSED
    awards.refresh(organisation.id, utcnow())
    db.session.commit()


def _credential_url(organisation, award, extension: str) -> str:
    return f"/organisations/{organisation.id}/badges/{award.public_id}/credential.{extension}"


def _member_client(app, user):
    client = app.test_client()
    log_in(client, user.email, PASSWORD)
    return client


def _part(token: str, index: int) -> dict:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _tampered(token: str) -> str:
    """The same token with the credential's name changed and the old signature kept."""
    header, _, signature = token.split(".")
    claims = _part(token, 1)
    claims["name"] = claims["name"].replace("Charter Signatory", "Gold level")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{body}.{signature}"


def _plain_png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (30, 90, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


def _upload(client, content: bytes, filename: str):
    return submit_form(client, "/badges/verify",
                       {"file": (io.BytesIO(content), filename)},
                       content_type="multipart/form-data")


# --- the credential and the documents a verifier fetches ----------------------------------------


def test_the_downloaded_credential_verifies_with_the_key_at_its_kid_url(app, build):
    organisation, owner, award = _signatory(build)
    member = _member_client(app, owner)
    response = member.get(_credential_url(organisation, award, "jwt"))
    assert response.status_code == 200
    assert response.mimetype == "application/jwt"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="charter-signatory-{award.public_id}.jwt"')
    token = response.get_data(as_text=True)

    visitor = app.test_client()  # a verifier: nobody signed in
    kid_url = _part(token, 0)["kid"]
    assert kid_url.startswith("http://localhost/badges/issuer/keys/")
    published = visitor.get(urlsplit(kid_url).path)
    assert published.status_code == 200 and published.mimetype == "application/json"
    assert published.headers["Access-Control-Allow-Origin"] == "*"
    jwk = published.json
    assert set(jwk) == {"kty", "n", "e", "kid", "alg", "use"}  # no private member
    assert jwk in visitor.get("/badges/issuer/keys.json").json["keys"]

    payload = verify_credential(token, {"keys": [jwk]})
    assert payload["id"] == award.credential_id
    assert payload["credentialSubject"]["achievement"]["id"] == (
        "http://localhost/badges/achievements/signatory")
    with pytest.raises(InvalidCredential):
        verify_credential(_tampered(token), {"keys": [jwk]})
    assert visitor.get("/badges/issuer/keys/not-a-key.json").status_code == 404


def test_the_issuer_and_achievements_are_published_where_the_credential_says(app, build):
    organisation, owner, award = _signatory(build)
    token = _member_client(app, owner).get(_credential_url(organisation, award, "jwt")).text
    payload = _part(token, 1)
    visitor = app.test_client()
    issuer = visitor.get(urlsplit(payload["issuer"]["id"]).path)
    assert issuer.status_code == 200 and issuer.mimetype == "application/json"
    assert issuer.json["id"] == payload["issuer"]["id"] == payload["iss"]
    assert issuer.json["type"] == ["Profile"] and "@context" in issuer.json
    achievement_id = payload["credentialSubject"]["achievement"]["id"]
    achievement = visitor.get(urlsplit(achievement_id).path).json
    assert achievement["id"] == achievement_id and achievement["type"] == ["Achievement"]
    assert achievement["creator"]["id"] == issuer.json["id"]
    for key in ("reported", "bronze", "silver", "gold"):
        assert visitor.get(f"/badges/achievements/{key}").status_code == 200
    assert visitor.get("/badges/achievements/platinum").status_code == 404


def test_a_revoked_award_is_on_the_list_its_credential_names(app, build):
    organisation, owner, award = _signatory(build)
    member = _member_client(app, owner)
    token = member.get(_credential_url(organisation, award, "jwt")).text
    payload = verify_credential(token, app.test_client().get("/badges/issuer/keys.json").json)
    list_path = urlsplit(payload["credentialStatus"]["id"]).path
    visitor = app.test_client()
    assert is_revoked(payload, visitor.get(list_path).json) is False

    _lapse(organisation)
    listed = visitor.get(list_path)
    assert listed.status_code == 200 and listed.headers["Access-Control-Allow-Origin"] == "*"
    assert is_revoked(payload, listed.json) is True
    entry = next(entry for entry in listed.json["revokedCredentials"]
                 if entry["id"] == award.credential_id)
    assert "lapsed" in entry["revocationReason"]
    # A withdrawn badge is not signed afresh.
    assert member.get(_credential_url(organisation, award, "jwt")).status_code == 404


def test_an_award_ended_early_is_listed_with_the_reason_it_ended(app, build):
    organisation, _, award = _signatory(build)
    level = next(award for award in awards.current_awards(organisation.id)
                 if award.kind == BadgeKind.LEVEL)
    # What the nightly re-check does when a level's evidence ages out (badges/awards.py).
    level.valid_until = utcnow()
    level.ended_reason = "The evidence for the Bronze level was no longer all within the last."
    level.current_key = None
    db.session.commit()
    listed = app.test_client().get("/badges/revocations").json
    assert listed["revokedCredentials"] == [
        {"id": level.credential_id, "revoked": True, "revocationReason": level.ended_reason}]
    assert award.credential_id not in json.dumps(listed)


def test_only_the_organisations_members_may_download_its_credentials(app, build):
    organisation, _, award = _signatory(build)
    other, other_owner, other_award = _signatory(build)
    outsider = _member_client(app, other_owner)
    for extension in ("jwt", "png"):
        assert outsider.get(_credential_url(organisation, award, extension)).status_code == 404
        # Its own award, through another organisation's address: no.
        assert outsider.get(_credential_url(organisation, other_award,
                                            extension)).status_code == 404
        visitor = app.test_client().get(_credential_url(organisation, award, extension))
        assert visitor.status_code == 302 and urlsplit(visitor.location).path == "/login"


def test_the_credential_png_carries_the_signed_credential(app, build):
    organisation, owner, award = _signatory(build)
    response = _member_client(app, owner).get(_credential_url(organisation, award, "png"))
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "attachment" in response.headers["Content-Disposition"]
    png = response.get_data()
    Image.open(io.BytesIO(png)).verify()  # still a whole, valid PNG
    token = baking.unbake_png(png, "openbadgecredential")
    jwks = app.test_client().get("/badges/issuer/keys.json").json
    assert verify_credential(token, jwks)["id"] == award.credential_id
    # The Open Badges 2.0 assertion travels with it, for older badge software.
    assertion = json.loads(baking.unbake_png(png, "openbadges"))
    assert assertion["id"] == f"http://localhost/badges/{award.public_id}.json"


def test_badge_links_on_the_members_page_and_the_public_pages(app, build):
    organisation, owner, award = _signatory(build)
    page = _member_client(app, owner).get(f"/organisations/{organisation.id}/badges").text
    assert _credential_url(organisation, award, "jwt") in page
    assert _credential_url(organisation, award, "png") in page
    visitor = app.test_client()
    assert 'href="/badges/verify"' in visitor.get("/badges").text
    assert 'href="/badges/verify"' in visitor.get(f"/badges/{award.public_id}").text


# --- checking a badge image by uploading it ----------------------------------------------------


def test_an_uploaded_badge_image_gets_the_awards_own_answer(app, build):
    organisation, owner, award = _signatory(build)
    visitor = app.test_client()
    svg = visitor.get(f"/badges/{award.public_id}.svg").get_data()
    png = visitor.get(f"/badges/{award.public_id}.png").get_data()
    credential_png = _member_client(app, owner).get(
        _credential_url(organisation, award, "png")).get_data()
    images = {"badge.svg": svg, "badge.png": png, "credential.png": credential_png}
    for name, content in images.items():
        response = _upload(visitor, content, name)
        assert response.status_code == 200, name
        page = response.text
        assert "We found this badge in the image you uploaded" in page, name
        assert f"Charter Signatory: {organisation.name}" in page
        assert '<h2 class="govuk-panel__title">Valid</h2>' in page, name

    _lapse(organisation)
    for name, content in images.items():
        page = _upload(visitor, content, name).text
        assert "We found this badge in the image you uploaded" in page, name
        assert "Revoked" in page and "lapsed" in page, name
        assert "govuk-panel__title" not in page, name


def test_an_expired_credential_still_finds_its_award_which_says_expired(app, build):
    organisation, _, _ = _signatory(build)
    level = next(award for award in awards.current_awards(organisation.id)
                 if award.kind == BadgeKind.LEVEL)
    level.valid_until = utcnow() - timedelta(minutes=1)
    level.ended_reason = "Replaced by the Silver level."
    db.session.commit()
    with app.test_request_context():
        token = signed_credential(level)  # what a holder downloaded before it ended
    jwks = app.test_client().get("/badges/issuer/keys.json").json
    with pytest.raises(InvalidCredential, match="expired"):
        verify_credential(token, jwks)
    baked = baking.bake_png(_plain_png(), "openbadgecredential", token)
    page = _upload(app.test_client(), baked, "old.png").text
    assert "We found this badge in the image you uploaded" in page
    assert "Expired" in page and "Replaced by the Silver level." in page


def test_uploads_are_rate_limited(app):
    visitor = app.test_client()
    answers = [_upload(visitor, b"not an image", "x.png").status_code for _ in range(31)]
    assert answers[:30] == [200] * 30 and answers[30] == 429


def _refusal(response) -> str:
    assert response.status_code in (200, 413)
    page = response.text
    assert "<title>Error: " in page and 'href="#file"' in page
    assert "We found this badge" not in page
    return page


def test_a_tampered_credential_is_refused(app, build):
    organisation, owner, award = _signatory(build)
    png = _member_client(app, owner).get(_credential_url(organisation, award, "png")).get_data()
    token = baking.unbake_png(png, "openbadgecredential")
    forged = baking.bake_png(png, "openbadgecredential", _tampered(token))
    page = _refusal(_upload(app.test_client(), forged, "badge.png"))
    assert "its signature does not verify" in page


def test_a_credential_signed_with_another_key_is_refused(app, build, tmp_path, monkeypatch):
    organisation, owner, award = _signatory(build)
    png = _member_client(app, owner).get(_credential_url(organisation, award, "png")).get_data()
    other_key = tmp_path / "other.pem"
    other_key.write_bytes(generate_key_pem(bits=2048))
    with monkeypatch.context() as patched, app.test_request_context():
        patched.setitem(app.config, "BADGE_SIGNING_KEY_FILE", str(other_key))
        foreign = signed_credential(award)
    forged = baking.bake_png(png, "openbadgecredential", foreign)
    page = _refusal(_upload(app.test_client(), forged, "badge.png"))
    assert "its signature does not verify" in page


def test_images_without_our_badge_are_refused_clearly(app, build):
    visitor = app.test_client()
    plain = _plain_png()
    assert "has no badge data in it" in _refusal(_upload(visitor, plain, "photo.png"))
    elsewhere = baking.bake_png(plain, "openbadges", json.dumps(
        {"id": "https://badges.elsewhere.example/badges/abc.json", "type": "Assertion"}))
    assert "was not issued by the County Durham Pound Charter" in _refusal(
        _upload(visitor, elsewhere, "other.png"))
    unknown = baking.bake_png(plain, "openbadges", "http://localhost/badges/no-such-award.json")
    assert "was not issued by" in _refusal(_upload(visitor, unknown, "unknown.png"))
    not_an_image = b"%PDF-1.7\n" + os.urandom(200)
    assert "must be a PNG or SVG image" in _refusal(_upload(visitor, not_an_image, "x.png"))
    damaged = _plain_png()[:-20]
    assert "damaged or unsafe to read" in _refusal(_upload(visitor, damaged, "cut.png"))
    entities = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">'
                b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg">'
                b"<text>&b;</text></svg>")
    assert "damaged or unsafe to read" in _refusal(_upload(visitor, entities, "bomb.svg"))
    nothing = submit_form(visitor, "/badges/verify", {}, content_type="multipart/form-data")
    assert "Select a badge image to upload" in _refusal(nothing)


def _large_upload(client, content: bytes):
    """A browser's multipart body, built here: Werkzeug's test client would spool a body this
    big to a temporary file it never closes."""
    token = csrf_token_from(client.get("/badges/verify").text)
    boundary = "badge-boundary-7d1e"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            f"{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
    body += content + f"\r\n--{boundary}--\r\n".encode()
    return client.post("/badges/verify", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def test_a_file_over_2_mb_is_refused_with_a_message(app, monkeypatch):
    visitor = app.test_client()
    too_big = baking.PNG_SIGNATURE + b"\0" * (2 * 1024 * 1024)
    assert "must be 2 MB or smaller" in _refusal(_large_upload(visitor, too_big))
    # A body over MAX_CONTENT_LENGTH is refused before the view runs: still the form, and why.
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 4096)
    response = _upload(visitor, baking.PNG_SIGNATURE + b"\0" * 8192, "huge.png")
    assert response.status_code == 413
    assert "must be 2 MB or smaller" in _refusal(response)


def test_an_upload_without_the_forms_csrf_token_is_refused(app, build):
    _, _, award = _signatory(build)
    visitor = app.test_client()
    assert visitor.get("/badges/verify").status_code == 200
    png = visitor.get(f"/badges/{award.public_id}.png").get_data()
    response = visitor.post("/badges/verify", data={"file": (io.BytesIO(png), "badge.png")},
                            content_type="multipart/form-data")
    assert response.status_code == 400
    assert "We found this badge" not in response.text


def test_the_verify_page_is_a_gov_uk_file_upload(client):
    page = client.get("/badges/verify").text
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page
    assert "A PNG or SVG badge image" in page and csrf_token_from(page)


# --- without a signing key ----------------------------------------------------------------------


def test_without_a_key_in_production_credentials_answer_503_with_the_reason(
        build, another_app, monkeypatch):
    organisation, owner, award = _signatory(build)
    monkeypatch.setenv("SECRET_KEY", PRODUCTION_SECRET)
    production = another_app("production", SECRET_KEY=PRODUCTION_SECRET,
                             BADGE_SIGNING_KEY_FILE=None)
    client = production.test_client()
    for path in ("/badges/issuer/keys.json", "/badges/issuer/keys/any.json"):
        response = client.get(path)
        assert response.status_code == 503 and response.mimetype == "application/json"
        assert "set BADGE_SIGNING_KEY_FILE" in response.json["detail"]
    # The documents that need no key still answer.
    assert client.get("/badges/issuer").status_code == 200
    assert client.get("/badges/revocations").status_code == 200

    member = production.test_client()
    page = member.get("/login", base_url="https://localhost").text
    # Over HTTPS, as production's secure cookies need; Flask-WTF then checks the Referer too.
    signed_in = member.post("/login", base_url="https://localhost", data={
        "csrf_token": csrf_token_from(page), "email": owner.email, "password": PASSWORD},
        headers={"Referer": "https://localhost/login"})
    assert signed_in.status_code == 302
    download = member.get(_credential_url(organisation, award, "jwt"),
                          base_url="https://localhost")
    assert download.status_code == 503
    assert "set BADGE_SIGNING_KEY_FILE" in download.text


# --- the key command ----------------------------------------------------------------------------


def test_badge_key_new_writes_a_private_key_and_never_overwrites(tmp_path):
    path = tmp_path / "badge-key.pem"
    runner = CliRunner()
    result = runner.invoke(charter, ["badge-key", "new", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    before = path.read_bytes()
    again = runner.invoke(charter, ["badge-key", "new", str(path)])
    assert again.exit_code != 0 and "already exists" in again.output
    assert path.read_bytes() == before

