"""Staff read any organisation's badge history: every award, when and why it ended."""

from flask import Blueprint, abort, render_template

from charter_app.access import staff_required
from charter_app.badges.awards import history_of
from charter_app.extensions import db
from charter_app.organisations.models import Organisation
from charter_app.timeutil import utcnow

bp = Blueprint("badges_staff", __name__, url_prefix="/staff")


@bp.route("/organisations/<int:organisation_id>/badges")
@staff_required
def history(organisation_id: int):
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return render_template("badges/staff_history.html", title=f"Badges: {organisation.name}",
                           organisation=organisation, history=history_of(organisation_id),
                           now=utcnow())
