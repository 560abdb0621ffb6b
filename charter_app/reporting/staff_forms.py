"""Staff forms for checking reports. Each carries the id of the revision the page showed, so a
decision is about what the member of staff read (see checks._locked_counted)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from charter_app.forms import clean_text
from charter_app.reporting.checks import MESSAGE_MAX_LENGTH


def _revision_id(value):
    """A database id, or None for anything else (the view then refuses the form)."""
    if isinstance(value, int):
        return value
    text = (value or "").strip() if isinstance(value, str) else ""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 9 else None


class CheckForm(FlaskForm):
    revision_id = HiddenField(filters=[_revision_id])


class QueryForm(FlaskForm):
    revision_id = HiddenField(filters=[_revision_id])
    message = TextAreaField(
        "What do you want to ask the organisation?",
        description="Everyone in the organisation gets this by email with a link to the "
                    "report. They answer by correcting the report, so say what to check or "
                    "change.",
        widget=GovCharacterCount(),
        filters=[clean_text],
        validators=[
            DataRequired(message="Enter your question for the organisation"),
            Length(max=MESSAGE_MAX_LENGTH,
                   message=f"Question must be {MESSAGE_MAX_LENGTH} characters or fewer"),
        ],
    )
