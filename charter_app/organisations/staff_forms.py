from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from charter_app.forms import clean_text


class RejectForm(FlaskForm):
    reason = TextAreaField(
        "Why can this application not be approved?",
        description="The organisation sees this in an email and on its application, so say what "
                    "they need to change.",
        widget=GovCharacterCount(),
        filters=[clean_text],
        validators=[
            DataRequired(message="Enter the reason for rejecting the application"),
            Length(max=2000, message="Reason must be 2000 characters or fewer"),
        ],
    )


class ApproveForm(FlaskForm):
    """Carries only the CSRF token: approving needs no other input."""
