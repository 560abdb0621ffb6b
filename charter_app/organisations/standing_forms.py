"""Forms for a signatory's standing: withdrawing (its owners), suspending and lifting (staff)."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from charter_app.forms import clean_text

# Reasons are kept in a Text column and go into emails: long enough to explain, short enough to
# read.
REASON_LENGTH = 2000


def _length(what: str) -> Length:
    return Length(max=REASON_LENGTH, message=f"{what} must be {REASON_LENGTH} characters or fewer")


class WithdrawForm(FlaskForm):
    reason = TextAreaField(
        "Why are you withdrawing? (optional)",
        description="Business Durham reads this. It is not published.",
        widget=GovCharacterCount(),
        filters=[clean_text],
        validators=[_length("Reason")],
    )


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        "Why are you suspending this signatory?",
        description="Every member of the organisation receives this in an email, so say what "
                    "they need to do for the suspension to be lifted. It is not published.",
        widget=GovCharacterCount(),
        filters=[clean_text],
        validators=[
            DataRequired(message="Enter the reason for suspending the signatory"),
            _length("Reason"),
        ],
    )
    # Sent by the confirmation page's button: the first submit shows what will happen, the
    # second does it.
    confirmed = HiddenField()


class LiftSuspensionForm(FlaskForm):
    note = TextAreaField(
        "A note to the organisation (optional)",
        description="Sent to every member of the organisation with the news.",
        widget=GovCharacterCount(),
        filters=[clean_text],
        validators=[_length("Note")],
    )
