"""Open Badges 3.0 in public: the issuer Profile, each Achievement, the issuer's public keys and
the revocation list; a member's download of an award as a signed credential (VC-JWT, or baked
into the PNG); and checking any badge image by uploading it.

Media types: the documents are JSON (application/json). The credential's JOSE header says
`typ: "JWT"` (OB 3.0, "JSON Web Token Proof Format"), whose media type is application/jwt
(RFC 7519, section 10.3.1); application/vc+jwt belongs to the W3C VC-JOSE-COSE format, whose
header says `typ: "vc+jwt"`, which these credentials do not.
"""

import json

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput
from sqlalchemy import or_, select
from werkzeug.datastructures import FileStorage

from charter_app.access import get_membership_for, login_required, public
from charter_app.badges import baking, credentials, documents, images, signing, verification
from charter_app.badges.models import AwardState, BadgeAward, is_public_id
from charter_app.badges.views import CLASS_KEYS, SHORT_CACHE, art_for
from charter_app.extensions import db, limiter
from charter_app.timeutil import utcnow
from charter_app.urls import external_url

bp = Blueprint("badge_credentials", __name__)

JSON_MEDIA = "application/json"
JWT_MEDIA = "application/jwt"
CREDENTIAL = "/organisations/<int:organisation_id>/badges/<award_id>/credential"
# The public documents a verifier fetches: on a missing key they answer in JSON, not HTML.
JSON_ENDPOINTS = {"badge_credentials.keys", "badge_credentials.key"}
# Each upload is read and parsed (up to 2 MB): enough for a person checking a few badges.
VERIFY_RATE_LIMIT = "30 per minute"


class VerifyForm(FlaskForm):
    file = FileField("Upload a badge image", widget=GovFileInput(),
                     description="A PNG or SVG badge image, 2 MB or smaller.")


def _json(document: dict, status: int = 200) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False, indent=2), status=status,
                        mimetype=JSON_MEDIA)
    response.headers["Cache-Control"] = SHORT_CACHE if status == 200 else "no-store"
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers fetch from anywhere
    return response


@bp.errorhandler(signing.SigningKeyMissing)
def signing_key_missing(error):
    """No key, no credentials: say why (the message names the setting), never a 500."""
    current_app.logger.error("badge signing key missing: %s", error)
    if request.endpoint in JSON_ENDPOINTS:
        return _json({"error": "The issuer's signing key is not available.",
                      "detail": str(error)}, 503)
    return render_template("errors/error.html", heading="Badge credentials are not available",
                           detail=str(error),
                           advice="Badge pages and images still work. Try again later.",
                           status=503), 503


# --- the issuer's public documents --------------------------------------------------------------


def _issuer(*, standalone: bool) -> dict:
    return credentials.issuer_profile(
        external_url("badge_credentials.issuer"), documents.ISSUER_NAME,
        external_url("pages.home"), documents.issuer_email(), current_app.config["BASE_URL"],
        standalone=standalone)


@bp.route("/badges/issuer")
@public
def issuer():
    return _json(_issuer(standalone=True))


@bp.route("/badges/achievements/<any(" + ",".join(CLASS_KEYS) + "):key>")
@public
def achievement(key: str):
    name, description, criteria = documents.describe(key)
    return _json(credentials.achievement_document(
        external_url("badge_credentials.achievement", key=key), name, description, criteria,
        external_url("badges.rules"), external_url("badges.class_image", key=key),
        _issuer(standalone=False), standalone=True))


@bp.route("/badges/issuer/keys.json")
@public
def keys():
    return _json(signing.public_jwks())


@bp.route("/badges/issuer/keys/<kid>.json")
@public
def key(kid: str):
    """One published key, where a credential's `kid` points."""
    for jwk in signing.public_jwks()["keys"]:
        if jwk["kid"] == kid:
            return _json(jwk)
    abort(404)


def revoked_credentials() -> list[tuple[str, str]]:
    """(credential id, reason) of every award revoked, or ended before its time: a credential
    signed before it ended may carry no expiry date of its own, so the list must say so."""
    rows = db.session.execute(
        select(BadgeAward.credential_id, BadgeAward.revoked_at, BadgeAward.revocation_reason,
               BadgeAward.ended_reason)
        .where(or_(BadgeAward.revoked_at.is_not(None), BadgeAward.ended_reason.is_not(None)))
        .order_by(BadgeAward.id))
    return [(credential_id, (revocation_reason or "Revoked.") if revoked_at else ended_reason)
            for credential_id, revoked_at, revocation_reason, ended_reason in rows]


@bp.route("/badges/revocations")
@public
def revocation_list():
    return _json(credentials.revocation_list(
        external_url("badge_credentials.revocation_list"),
        external_url("badge_credentials.issuer"), revoked_credentials()))


# --- a member's download ------------------------------------------------------------------------


def _held_award(organisation_id: int, award_id: str) -> BadgeAward:
    """One of the organisation's valid awards, for its members; 404 for anyone else."""
    organisation = get_membership_for(organisation_id).organisation
    if not is_public_id(award_id):
        abort(404)
    award = db.session.scalar(select(BadgeAward).where(
        BadgeAward.public_id == award_id, BadgeAward.organisation_id == organisation.id))
    # A withdrawn or expired badge is not signed afresh: its page says what became of it.
    if award is None or award.state() != AwardState.VALID:
        abort(404)
    return award


def signed_credential(award: BadgeAward) -> str:
    """The award's OpenBadgeCredential as a VC-JWT, signed with the current key."""
    document = credentials.credential_document(documents.credential_facts(award))
    return credentials.sign_credential(document, signing.signing_keys(),
                                       current_app.config["BASE_URL"])


def _attachment(body: bytes, mimetype: str, award: BadgeAward, extension: str) -> Response:
    # The public id is URL-safe base64: letters, digits, "-" and "_", safe in a filename.
    filename = f"charter-{documents.class_key(award)}-{award.public_id}.{extension}"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route(CREDENTIAL + ".jwt")
@login_required
def credential_jwt(organisation_id: int, award_id: str):
    award = _held_award(organisation_id, award_id)
    return _attachment(signed_credential(award).encode("ascii"), JWT_MEDIA, award, "jwt")


@bp.route(CREDENTIAL + ".png")
@login_required
def credential_png(organisation_id: int, award_id: str):
    """The award's PNG with both the OB 2.0 assertion and, first, the OB 3.0 credential."""
    award = _held_award(organisation_id, award_id)
    assertion = json.dumps(documents.assertion_v2(award, utcnow()), ensure_ascii=False)
    png = baking.bake_png(images.badge_png(art_for(award)), baking.OPENBADGES_KEYWORD,
                          assertion)
    png = baking.bake_png(png, baking.OPENBADGE_CREDENTIAL_KEYWORD, signed_credential(award))
    return _attachment(png, "image/png", award, "png")


# --- checking a badge image ---------------------------------------------------------------------


def _verify_page(form: VerifyForm, status: int = 200):
    return render_template("badges/verify.html", title="Check a badge image", form=form), status


@bp.route("/badges/verify", methods=["GET", "POST"])
@public
@limiter.limit(VERIFY_RATE_LIMIT, methods=["POST"])
def verify():
    form = VerifyForm()
    if form.validate_on_submit():
        upload = form.file.data
        if not isinstance(upload, FileStorage) or not upload.filename:
            form.file.errors = ["Select a badge image to upload"]
        else:
            # One byte past the limit is enough to know the file is too big.
            data = upload.stream.read(verification.MAX_UPLOAD_BYTES + 1)
            try:
                award = verification.award_in_image(data)
            except verification.VerificationRefused as refusal:
                form.file.errors = [str(refusal)]
            else:
                now = utcnow()
                return render_template(
                    "badges/award.html", title=f"{award.name}: {award.organisation.name}",
                    award=award, state=award.state(now), organisation=award.organisation,
                    criteria=documents.describe(documents.class_key(award))[2],
                    found_in_upload=True)
    return _verify_page(form)


@bp.errorhandler(413)
def upload_too_large(error):
    """A body over MAX_CONTENT_LENGTH is refused before the view runs: say so on the form."""
    if request.endpoint != "badge_credentials.verify":
        return error
    form = VerifyForm(formdata=None)  # the body is never read: it is what was too large
    form.file.errors = [verification.TOO_LARGE]
    return _verify_page(form, 413)
