"""The bid-ready social value statement: a member's live view and the button that freezes one
(from the dashboard), and the frozen statement at its unguessable address, for anyone who holds
the link (a buyer reading a tender response), with whether it is still current."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from charter_app.access import get_membership_for, login_required, public
from charter_app.organisations import declarations
from charter_app.pdf import pdf_response
from charter_app.reports import statement as statements
from charter_app.reports.statement_models import SocialValueStatement
from charter_app.timeutil import format_london, london_date, utcnow

bp = Blueprint("statements", __name__)

LIVE = "/organisations/<int:organisation_id>/statement"
NOINDEX = "noindex, nofollow"


def _badge_and_qr(snapshot: dict) -> tuple[str | None, str | None]:
    """The verification link of the badge the statement leads with, and its QR code."""
    if not snapshot["badges"]:
        return None, None
    badge = snapshot["badges"][0]
    link = url_for("badges.award", award_id=badge["public_id"], _external=True)
    return link, statements.qr_svg(link, f"QR code of the verification link for the "
                                         f"{badge['name']} badge")


def statement_context(snapshot: dict, generated_at) -> dict:
    badge_url, qr = _badge_and_qr(snapshot)
    return dict(s=statements.for_display(snapshot), generated_at=generated_at,
                badge_url=badge_url, qr=qr, today=london_date(utcnow()))


def _member_signatory(organisation_id: int):
    """A member's organisation once approved (404 for anyone who is not a member)."""
    organisation = get_membership_for(organisation_id).organisation
    if organisation.approved_at is None:
        abort(404)
    return organisation


@bp.route(LIVE)
@login_required
def live(organisation_id: int):
    organisation = _member_signatory(organisation_id)
    now = utcnow()
    return render_template(
        "reports/statement_live.html", title="Social value statement for bids",
        organisation=organisation, can_generate=organisation.is_listed,
        earlier=statements.statements_of(organisation.id), form=FlaskForm(),
        has_declarations=bool(declarations.quality_marks(organisation.id)
                              or declarations.carbon_plan(organisation.id)),
        **statement_context(statements.build_snapshot(organisation, now), now))


@bp.route(LIVE, methods=["POST"])
@login_required
def generate(organisation_id: int):
    organisation = _member_signatory(organisation_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        made = statements.generate_statement(organisation, current_user)
    except statements.StatementRefused:
        flash(f"Your Charter signature is {organisation.status}, so you cannot make a "
              "statement for bids now.", "info")
        return redirect(url_for("statements.live", organisation_id=organisation.id))
    flash("Your statement is ready. Share this page's address, or download the PDF, with your "
          "tender response. Anyone with the link can read it.", "success")
    return redirect(url_for("statements.shared", public_id=made.public_id))


def _statement_or_404(public_id: str) -> SocialValueStatement:
    found = statements.statement_by_public_id(public_id)
    if found is None:
        abort(404)
    return found


@bp.route("/statements/<public_id>")
@public
def shared(public_id: str):
    found = _statement_or_404(public_id)
    response = render_template(
        "reports/statement_shared.html",
        title=f"Social value statement: {found.snapshot['organisation']['name']}",
        statement=found, changes=statements.changes_since(found),
        **statement_context(found.snapshot, found.generated_at))
    return response, 200, {"X-Robots-Tag": NOINDEX, "Referrer-Policy": "no-referrer"}


@bp.route("/statements/<public_id>.pdf")
@public
def shared_pdf(public_id: str):
    """The frozen statement as a PDF to attach to a tender response; it names the address
    where a buyer checks whether it is still current."""
    found = _statement_or_404(public_id)
    name = found.snapshot["organisation"]["name"]
    title = f"Social value statement: {name}"
    response = pdf_response(
        "reports/statement_pdf.html", f"social-value-statement-{name}-"
        f"{found.generated_at:%Y-%m-%d}", document_title=title,
        document_author=name, document_footer=f"{title}, made on "
        f"{format_london(found.generated_at, with_time=False)}",
        shared_url=url_for("statements.shared", public_id=found.public_id, _external=True),
        **statement_context(found.snapshot, found.generated_at))
    response.headers["X-Robots-Tag"] = NOINDEX
    return response
