"""Staff answer messages from the public under /staff/messages: the list (new first, by topic and
status), one message with its replies, "mark handled" and "reply by email"."""

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from charter_app.access import staff_required
from charter_app.contact import services
from charter_app.contact.forms import MarkHandledForm, ReplyForm
from charter_app.contact.models import (
    MESSAGE_MAX_LENGTH,
    TOPIC_LABELS,
    ContactMessage,
    MessageStatus,
)
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.timeutil import format_london

bp = Blueprint("contact_staff", __name__, url_prefix="/staff/messages")

PER_PAGE = 50
STATUS_LABELS = {MessageStatus.NEW: "New", MessageStatus.HANDLED: "Handled"}
REPLY_KEY = re.compile(r"[0-9a-f]{32}")
DEFAULT_SUBJECT = "Your message to the County Durham Pound Charter"


@bp.route("")
@staff_required
def index():
    query = services.MessageQuery.from_args(request.args)
    return render_template("contact/staff/messages.html", title="Messages from the public",
                           query=query, page=services.find_messages(query, PER_PAGE),
                           topics=TOPIC_LABELS, statuses=STATUS_LABELS)


def _message(message_id: int) -> ContactMessage:
    message = db.session.get(ContactMessage, message_id)
    if message is None:
        abort(404)
    return message


def _message_page(message: ContactMessage, form: ReplyForm):
    return render_template("contact/staff/message.html", title=f"Message from {message.name}",
                           message=message, form=form, message_max_length=MESSAGE_MAX_LENGTH)


@bp.route("/<int:message_id>")
@staff_required
def message(message_id: int):
    form = ReplyForm(subject=DEFAULT_SUBJECT, form_key=services.new_reply_key())
    return _message_page(_message(message_id), form)


@bp.route("/<int:message_id>/handled", methods=["POST"])
@staff_required
def mark_handled(message_id: int):
    _message(message_id)
    if not MarkHandledForm().validate_on_submit():
        abort(400)
    try:
        services.mark_handled(message_id, by=current_user)
    except StateChangeRefused:
        # Another member of staff first (or a double click): say who and when, never a 500.
        db.session.rollback()
        message = _message(message_id)
        who = message.handled_by.email if message.handled_by else "Someone"
        flash(f"{who} already marked this message handled on "
              f"{format_london(message.handled_at)}. Nothing has changed.", "info")
    else:
        flash("The message is marked handled.", "success")
    return redirect(url_for("contact_staff.message", message_id=message_id))


@bp.route("/<int:message_id>/reply", methods=["POST"])
@staff_required
def reply(message_id: int):
    message = _message(message_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _message_page(message, form)
    if not REPLY_KEY.fullmatch(form.form_key.data or ""):
        form.form_key.data = services.new_reply_key()  # a form we did not serve: a fresh key
    sent = services.send_reply(message, subject=form.subject.data, body=form.body.data,
                               by=current_user, form_key=form.form_key.data)
    if sent is None:
        flash("This reply was already sent. Nothing more was sent.", "info")
    else:
        flash(f"Your reply is on its way to {message.email}. Mark the message handled when "
              "nothing more is needed.", "success")
    return redirect(url_for("contact_staff.message", message_id=message_id))
