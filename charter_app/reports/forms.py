"""Staff forms for the collective report."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount
from wtforms import TextAreaField
from wtforms.validators import Length

from charter_app.forms import clean_text
from charter_app.reports.models import (
    CHANGE_NOTE_MAX_LENGTH,
    COMMENTARY_MAX_LENGTH,
    HIGHLIGHTS_MAX_LENGTH,
)


class DraftForm(FlaskForm):
    commentary = TextAreaField(
        "Commentary", description="A short word from the partnership on this quarter.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[Length(max=COMMENTARY_MAX_LENGTH, message=f"Commentary must be "
                                                              f"{COMMENTARY_MAX_LENGTH:,} "
                                                              f"characters or fewer")])
    highlights = TextAreaField(
        "Case-study highlights", description="One per line: what a signatory delivered, where.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[Length(max=HIGHLIGHTS_MAX_LENGTH, message=f"Highlights must be "
                                                              f"{HIGHLIGHTS_MAX_LENGTH:,} "
                                                              f"characters or fewer")])
    change_note = TextAreaField(
        "What this correction changes", description="Shown with the new version. Needed for "
                                                     "a correction, not for a first version.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[Length(max=CHANGE_NOTE_MAX_LENGTH, message=f"The note must be "
                                                                f"{CHANGE_NOTE_MAX_LENGTH} "
                                                                f"characters or fewer")])


class PublishForm(FlaskForm):
    """Only its CSRF token: publishing takes no input."""
