"""Staff operate the outbox under /staff/outbox: every message, queued, sent or failed, found by
status, recipient and kind; one message as it is sent (headers, both bodies); a retry for a
failed one."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from charter_app.access import staff_required
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.notifications import operations
from charter_app.notifications.models import OutboxMessage, OutboxStatus

bp = Blueprint("outbox_staff", __name__, url_prefix="/staff/outbox")

PER_PAGE = 50
STATUS_LABELS = {OutboxStatus.QUEUED: "Queued", OutboxStatus.SENT: "Sent",
                 OutboxStatus.FAILED: "Failed"}
REFUSALS = {OutboxStatus.QUEUED: "is already queued to be sent again",
            OutboxStatus.SENT: "has already been sent"}


class RetryForm(FlaskForm):
    """Only the CSRF token."""


@bp.route("")
@staff_required
def index():
    query = operations.OutboxQuery.from_args(request.args)
    page = operations.find_messages(query, PER_PAGE)
    return render_template("notifications/staff/outbox.html", title="Outbox", query=query,
                           page=page, labels=STATUS_LABELS, counts=operations.count_by_status(),
                           kinds=operations.kinds_present())


def _message(message_id: int) -> OutboxMessage:
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return message


@bp.route("/<int:message_id>")
@staff_required
def message(message_id: int):
    message = _message(message_id)
    return render_template("notifications/staff/message.html", title=f"Email {message.id}",
                           message=message, headers=operations.headers(message),
                           labels=STATUS_LABELS, form=RetryForm())


@bp.route("/<int:message_id>/retry", methods=["POST"])
@staff_required
def retry(message_id: int):
    message = _message(message_id)
    recipient = message.recipient
    if not RetryForm().validate_on_submit():
        abort(400)
    try:
        operations.retry(message.id, by=current_user)
    except StateChangeRefused as refusal:
        # A double click, or another member of staff first: say what it is now, never a 500.
        db.session.rollback()
        flash(f"The email to {recipient} {REFUSALS.get(refusal.current, 'cannot be retried')}."
              " Nothing has changed.", "info")
    else:
        flash(f"The email to {recipient} is queued and will be sent again within a minute.",
              "success")
    return redirect(url_for("outbox_staff.message", message_id=message_id))
