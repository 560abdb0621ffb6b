"""Forms for registering for an event. The attendee's details are checked by the registration
service (one set of rules for pages, CLI and jobs); its refusals are shown beside their field."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovTextInput
from wtforms import EmailField, TextAreaField
from wtforms.validators import Length

from charter_app.events import registrations
from charter_app.events.forms import ChoiceRadios
from charter_app.forms import clean_text, column_length, strip_spaces, text_field
from charter_app.organisations.models import Organisation

ORGANISATION_NAME_MAX_LENGTH = column_length(Organisation.name)
NEEDS_HINT = ("For example step-free access, a hearing loop or a vegetarian lunch. Kept until "
              "30 days after the event, then deleted.")


class RegisterForm(FlaskForm):
    organisation = ChoiceRadios("Which organisation is this place for?",
                                "Select the organisation this place is for", coerce=str)
    organisation_name = text_field(
        "Your organisation's name", "Enter your organisation's name",
        ORGANISATION_NAME_MAX_LENGTH,
        hint="The business or voluntary organisation the attendee comes from.")
    name = text_field("Attendee's full name", max_length=registrations.NAME_MAX_LENGTH)
    email = EmailField(
        "Attendee's email address", widget=GovTextInput(), filters=[strip_spaces],
        description="We send the confirmation and calendar file here.")
    needs = TextAreaField(
        "Accessibility or dietary needs (optional)", description=NEEDS_HINT,
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[Length(max=registrations.NEEDS_MAX_LENGTH,
                           message=f"Needs must be {registrations.NEEDS_MAX_LENGTH} "
                                   "characters or fewer")])

    def show_refusal(self, field: str, message: str) -> bool:
        """Put the service's message beside its field; False when it names no field here."""
        if field in ("name", "email", "needs"):
            getattr(self, field).errors = [message]
            return True
        return False
