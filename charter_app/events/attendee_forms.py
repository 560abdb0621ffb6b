"""Forms for staff at the door and on the registrations page: a walk-in, cancelling on an
attendee's behalf. Lengths the database limits are checked here first."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovTextInput
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from charter_app.events import checkin, registrations
from charter_app.forms import clean_text, strip_spaces, text_field


class WalkInForm(FlaskForm):
    name = text_field("Full name", "Enter the attendee's full name",
                      max_length=registrations.NAME_MAX_LENGTH)
    email = EmailField(
        "Email address", widget=GovTextInput(), filters=[strip_spaces],
        validators=[InputRequired(message="Enter the attendee's email address"),
                    Length(max=registrations.EMAIL_MAX_LENGTH,
                           message="Email address must be "
                                   f"{registrations.EMAIL_MAX_LENGTH} characters or fewer")])
    # Rendered as a select of the organisations already registered (see the template).
    organisation_id = StringField("Organisation already registered", filters=[clean_text])
    organisation_name = text_field(
        "Or the organisation's name", max_length=checkin.ORGANISATION_NAME_MAX_LENGTH,
        hint="If it is not in the list. A new organisation is started as a draft application "
             "to sign the Charter.")

    def chosen_organisation_id(self) -> int | None:
        value = (self.organisation_id.data or "").strip()
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        chosen = (self.organisation_id.data or "").strip()
        if chosen and self.chosen_organisation_id() is None:
            self.organisation_id.errors = [
                "Choose an organisation from the list, or type its name"]
            return False
        if not chosen and not self.organisation_name.data and not self.organisation_name.errors:
            self.organisation_name.errors = [
                "Choose the attendee's organisation from the list, or type its name"]
            return False
        return valid

    def show_refusal(self, refusal: registrations.RegistrationRefused) -> None:
        field = getattr(self, refusal.field, None) if refusal.field != "event" else None
        (field or self.name).errors = [refusal.message]


class CancelRegistrationForm(FlaskForm):
    reason = TextAreaField(
        "Why is it cancelled? (optional)",
        description="Kept with the registration for staff, and in the registrations CSV. The "
                    "attendee is emailed that their registration is cancelled.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[Length(max=checkin.CANCELLATION_REASON_MAX_LENGTH,
                           message="The reason must be "
                                   f"{checkin.CANCELLATION_REASON_MAX_LENGTH} characters or "
                                   "fewer")])
