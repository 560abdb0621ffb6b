"""The public contact form, "Send us your ideas" (/contact): it works without JavaScript, keeps
everything typed when it is refused, and says why in the GOV.UK error summary."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from charter_app.access import public
from charter_app.contact import services
from charter_app.contact.forms import ContactForm
from charter_app.contact.models import MESSAGE_MAX_LENGTH

bp = Blueprint("contact", __name__)

SEND_AGAIN = "then send your message again"
SPAM_REFUSALS = {
    "honeypot": "We could not send your message because a hidden field meant for automated "
                f"programs was filled in. Leave it empty, {SEND_AGAIN}",
    "too-quick": "That was quicker than a person usually types. Wait a few seconds, "
                 f"{SEND_AGAIN}",
    "missing": f"We could not check when you opened this form. Wait a few seconds, {SEND_AGAIN}",
    "forged": f"We could not check when you opened this form. Wait a few seconds, {SEND_AGAIN}",
    "expired": f"This form was open for a long time. Wait a few seconds, {SEND_AGAIN}",
}


def _window_words(window) -> tuple[str, str]:
    """('hour', 'an hour') for the usual window; ('90 minutes', '90 minutes') for another."""
    minutes = int(window.total_seconds() // 60)
    return ("hour", "an hour") if minutes == 60 else (f"{minutes} minutes",) * 2


def _form_page(form: ContactForm, status: int = 200):
    # A refused form keeps what was typed, but never the honeypot's content.
    form.website.data = ""
    form.form_stamp.data = services.stamp_to_keep(form.form_stamp.data)
    return render_template("contact/form.html", title="Send us your ideas", form=form,
                           message_max_length=MESSAGE_MAX_LENGTH), status


@bp.route("/contact", methods=["GET", "POST"])
@public
def send():
    form = ContactForm()
    if not form.validate_on_submit():
        return _form_page(form)
    details = services.MessageInput(name=form.name.data, email=form.email.data,
                                    organisation=form.organisation.data, topic=form.topic.data,
                                    body=form.message.data)
    try:
        services.receive_message(details, client_address=request.remote_addr or "",
                                 honeypot=form.website.data, stamp=form.form_stamp.data)
    except services.SpamRefused as refusal:
        form.message.errors.append(SPAM_REFUSALS[refusal.reason])
        return _form_page(form, 400)
    except services.TooManyMessages as limit:
        mailbox = current_app.config["CONTACT_STAFF_EMAIL"]
        window, wait = _window_words(limit.window)
        if limit.per == "email":
            form.email.errors.append(
                f"This email address has sent {limit.limit} messages in the last {window}. "
                f"Wait {wait}, then send yours again, or email {mailbox}")
        else:
            form.message.errors.append(
                f"{limit.limit} messages have been sent from your connection in the last "
                f"{window}. Wait {wait}, then send yours again, or email {mailbox}")
        return _form_page(form, 429)
    return redirect(url_for("contact.sent"))


@bp.route("/contact/sent")
@public
def sent():
    return render_template("contact/sent.html", title="We have your message")
