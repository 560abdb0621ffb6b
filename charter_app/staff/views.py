"""The staff home: where each domain's staff pages start. The pages themselves live in their
domain, under the same /staff prefix."""

from flask import Blueprint, render_template

from charter_app.access import staff_required
from charter_app.contact.services import count_new as count_new_messages
from charter_app.notifications.operations import count_failed
from charter_app.organisations.review import count_by_status
from charter_app.privacy.erasure import ownerless_organisations

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/")
@staff_required
def home():
    return render_template("staff/home.html", title="Staff", counts=count_by_status(),
                           failed_emails=count_failed(), new_messages=count_new_messages(),
                           ownerless=ownerless_organisations())
