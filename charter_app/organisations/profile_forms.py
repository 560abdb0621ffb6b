"""Forms for a signatory's own profile pages: the public profile, and a legal change request."""

import re

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovRadioInput, GovTextInput
from wtforms import EmailField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from charter_app.forms import clean_text, column_length, strip_spaces
from charter_app.forms import text_field as text
from charter_app.organisations import eligibility
from charter_app.organisations.forms import OrganisationDetailsForm, description_field
from charter_app.organisations.models import Organisation

# A UK number once spaces, dashes, brackets and an optional "(0)" are gone: 0 or +44, then 9 or
# 10 digits not starting with 0 (so 01xx, 02x, 03xx, 07xxx, 08xx).
UK_PHONE = re.compile(r"^(?:\+44|0)[1-9]\d{8,9}\Z", re.ASCII)
PHONE_SEPARATORS = re.compile(r"[\s\-().]")


def tidy_phone(raw: str) -> str:
    """One space between groups, as the person wrote them; no other spacing."""
    return " ".join(raw.replace("(0)", " ").split())


class PublicProfileForm(FlaskForm):
    description = description_field("This is shown in the public directory as soon as you save.")
    website = text("Website (optional)", max_length=column_length(Organisation.website),
                   hint="For example, www.example.co.uk")
    contact_email = EmailField(
        "Public email address (optional)",
        description="Shown on your public profile, so a buyer can contact you. Use a shared "
                    "address, like sales@example.co.uk, rather than a person's.",
        widget=GovTextInput(),
        filters=[strip_spaces, clean_text],
        validators=[
            Optional(),
            Length(max=column_length(Organisation.contact_email),
                   message="Email address must be 254 characters or fewer"),
            Email(message="Enter an email address in the correct format, like "
                          "sales@example.co.uk", check_deliverability=False),
        ],
    )
    contact_phone = text("Public phone number (optional)", max_length=30,
                         hint="A UK number, like 0191 123 4567 or 07700 900123. Shown on your "
                              "public profile.")

    # The same check, and the same https:// added, as on the application.
    validate_website = OrganisationDetailsForm.validate_website

    def validate_contact_phone(self, field):
        if not field.data:
            return
        digits = PHONE_SEPARATORS.sub("", field.data.replace("(0)", ""))
        if not UK_PHONE.match(digits):
            raise ValidationError("Enter a UK phone number, like 0191 123 4567 or "
                                  "+44 7700 900123")
        field.data = tidy_phone(field.data)
        limit = column_length(Organisation.contact_phone)
        if len(field.data) > limit:
            raise ValidationError(f"Phone number must be {limit} characters or fewer")


class LegalDetailsForm(FlaskForm):
    name = text("Legal name", "Enter your organisation's legal name",
                column_length(Organisation.name), hint="As registered, if it is registered")
    legal_form = RadioField(
        "What kind of organisation is it?",
        widget=GovRadioInput(),
        choices=[(value, label) for value, label, _sector, _needs in eligibility.LEGAL_FORMS],
        validators=[InputRequired(message="Select what kind of organisation it is")],
        validate_choice=False,
    )
    company_number = text("Company number", max_length=10,
                          hint="8 characters, like 01234567 or SC123456. Needed for companies, "
                               "LLPs and CICs.")
    charity_number = text("Charity number", max_length=10,
                          hint="Registered with the Charity Commission for England and Wales, "
                               "like 1234567. Needed for charities and CIOs.")

    # The same rules as on the application, so a change cannot bring in what it would refuse.
    validate_legal_form = OrganisationDetailsForm.validate_legal_form
    validate_company_number = OrganisationDetailsForm.validate_company_number
    validate_charity_number = OrganisationDetailsForm.validate_charity_number


class RejectChangeForm(FlaskForm):
    """Staff: why a change to a signatory's legal details cannot be made."""

    reason = TextAreaField(
        "Why can this change not be made?",
        description="The organisation sees this in an email, so say what they need to do.",
        widget=GovCharacterCount(),
        filters=[clean_text],
        validators=[
            DataRequired(message="Enter the reason for rejecting the change"),
            Length(max=2000, message="Reason must be 2000 characters or fewer"),
        ],
    )
