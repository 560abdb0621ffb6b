"""The contact form, and the staff reply form. Every length the database limits is checked here,
so a refused form comes back with its message beside the field and nothing typed is lost."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from charter_app.contact.models import (
    MESSAGE_MAX_LENGTH,
    NAME_MAX_LENGTH,
    ORGANISATION_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    TOPIC_LABELS,
)
from charter_app.forms import ChoiceRadios, clean_text, email_field, text_field


def _long_text(label: str, required_message: str, what: str, hint: str | None = None):
    return TextAreaField(
        label, description=hint, widget=GovCharacterCount(), filters=[clean_text],
        validators=[DataRequired(message=required_message),
                    Length(max=MESSAGE_MAX_LENGTH,
                           message=f"{what} must be {MESSAGE_MAX_LENGTH:,} characters or fewer")])


class ContactForm(FlaskForm):
    name = text_field("Your name", "Enter your name", NAME_MAX_LENGTH)
    email = email_field(hint="We only use it to answer your message.")
    organisation = text_field("Organisation (optional)", max_length=ORGANISATION_MAX_LENGTH,
                              hint="The business, charity or group you work for, if any.")
    topic = ChoiceRadios("What is your message about?", "Select what your message is about",
                         choices=[(topic.value, label) for topic, label in TOPIC_LABELS.items()])
    message = _long_text("Your message", "Enter your message", "Your message")
    # The honeypot: hidden from sight and from the keyboard (see the template); people leave
    # it empty, form-filling scripts tend not to. Not limited: whatever is in it is refused.
    website = StringField("Leave this field empty")
    # When the form was served, signed (services.form_stamp).
    form_stamp = HiddenField()


class ReplyForm(FlaskForm):
    subject = text_field("Subject", "Enter the subject", SUBJECT_MAX_LENGTH)
    body = _long_text("Your reply", "Enter your reply", "Your reply",
                      hint="Sent from Business Durham; answers come back to the team mailbox.")
    # One key per reply form shown: sending the same form twice sends one reply.
    form_key = HiddenField()


class MarkHandledForm(FlaskForm):
    """Only the CSRF token."""
