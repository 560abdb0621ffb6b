"""Badges in public: the rules, each award's verification page, its images (baked with the
Open Badges 2.0 assertion), its hosted assertion, the badge classes and the issuer; and a
signatory's own badges page with the snippet to embed them."""

import json
from datetime import datetime

from flask import Blueprint, Response, abort, render_template, url_for
from markupsafe import escape
from sqlalchemy import select

from charter_app.access import get_membership_for, login_required, public
from charter_app.badges import baking, documents, images
from charter_app.badges import rules as badge_rules
from charter_app.badges.awards import history_of
from charter_app.badges.models import AwardState, BadgeAward, BadgeKind, is_public_id
from charter_app.badges.progress import progress_of
from charter_app.extensions import db
from charter_app.timeutil import utcnow

bp = Blueprint("badges", __name__)

CLASS_KEYS = (BadgeKind.SIGNATORY.value, BadgeKind.REPORTED.value, *badge_rules.LEVEL_KEYS)
LD_JSON = "application/ld+json"
# Images and documents change when an award does: browsers and proxies may keep them briefly.
SHORT_CACHE = "public, max-age=300"


def _award_or_404(award_id: str) -> BadgeAward:
    if not is_public_id(award_id):
        abort(404)
    award = db.session.scalar(select(BadgeAward).where(BadgeAward.public_id == award_id))
    if award is None:
        abort(404)
    return award


def art_for(award: BadgeAward, now: datetime | None = None) -> images.BadgeArt:
    heading = "Charter Signatory" if award.kind == BadgeKind.SIGNATORY else award.name
    return images.BadgeArt(heading=heading, organisation=award.organisation.name,
                           level=award.level, year=award.year_label,
                           state=award.state(now).value)


def _json(document: dict, status: int = 200) -> Response:
    response = Response(json.dumps(document, ensure_ascii=False, indent=2), status=status,
                        mimetype=LD_JSON)
    response.headers["Cache-Control"] = SHORT_CACHE
    response.headers["Access-Control-Allow-Origin"] = "*"  # verifiers fetch from anywhere
    return response


@bp.route("/badges")
@public
def rules():
    return render_template("badges/rules.html", title="Badges and how they are earned",
                           levels=badge_rules.LEVELS, rules=badge_rules)


@bp.route("/badges/<award_id>")
@public
def award(award_id: str):
    found = _award_or_404(award_id)
    now = utcnow()
    return render_template(
        "badges/award.html", title=f"{found.name}: {found.organisation.name}", award=found,
        state=found.state(now), criteria=documents.describe(documents.class_key(found))[2],
        organisation=found.organisation)


def _assertion_text(award: BadgeAward) -> str:
    return json.dumps(documents.assertion_v2(award, utcnow()), ensure_ascii=False)


@bp.route("/badges/<award_id>.svg")
@public
def award_svg(award_id: str):
    found = _award_or_404(award_id)
    verify = url_for("badges.award", award_id=found.public_id, _external=True)
    svg = images.badge_svg(art_for(found), verify_url=verify)
    baked = baking.bake_svg(svg, _assertion_text(found),
                            url_for("badges.assertion", award_id=found.public_id,
                                    _external=True))
    response = Response(baked, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = SHORT_CACHE
    return response


@bp.route("/badges/<award_id>.png")
@public
def award_png(award_id: str):
    found = _award_or_404(award_id)
    png = baking.bake_png(images.badge_png(art_for(found)), "openbadges",
                          _assertion_text(found))
    response = Response(png, mimetype="image/png")
    response.headers["Cache-Control"] = SHORT_CACHE
    return response


@bp.route("/badges/<award_id>.json")
@public
def assertion(award_id: str):
    """The Open Badges 2.0 hosted assertion; 410 Gone, with the reason, once revoked."""
    found = _award_or_404(award_id)
    now = utcnow()
    document = documents.assertion_v2(found, now)
    return _json(document, 410 if found.state(now) == AwardState.REVOKED else 200)


@bp.route("/badges/classes/<any(" + ",".join(CLASS_KEYS) + "):key>.json")
@public
def badge_class(key: str):
    return _json(documents.badge_class_v2(key))


@bp.route("/badges/classes/<any(" + ",".join(CLASS_KEYS) + "):key>.svg")
@public
def class_image(key: str):
    name = documents.describe(key)[0]
    art = images.BadgeArt(heading=name, organisation="County Durham Pound Charter",
                          level=key if key in badge_rules.LEVEL_KEYS else None, year="")
    response = Response(images.badge_svg(art), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/badges/issuer.json")
@public
def issuer_v2():
    return _json(documents.issuer_profile_v2())


# --- a signatory's own badges -----------------------------------------------------------------


def embed_snippets(award: BadgeAward) -> dict[str, str]:
    verify = url_for("badges.award", award_id=award.public_id, _external=True)
    image = url_for("badges.award_svg", award_id=award.public_id, _external=True)
    alt = f"{award.name}, County Durham Pound Charter: {award.organisation.name}. Check it is " \
          f"still valid."
    markdown_alt = alt.replace("[", "(").replace("]", ")")
    return {
        "html": f'<a href="{escape(verify)}"><img src="{escape(image)}" alt="{escape(alt)}" '
                f'width="240" height="140"></a>',
        "markdown": f"[![{markdown_alt}]({image})]({verify})",
    }


@bp.route("/organisations/<int:organisation_id>/badges")
@login_required
def mine(organisation_id: int):
    organisation = get_membership_for(organisation_id).organisation
    now = utcnow()
    progress = progress_of(organisation.id, now)
    return render_template(
        "badges/mine.html", title="Your badges", organisation=organisation,
        held=progress.held, progress=progress, history=history_of(organisation.id), now=now,
        snippets={award.id: embed_snippets(award) for award in progress.held})
