from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from charter_app.forms import clean_text, column_length
from charter_app.forms import text_field as text
from charter_app.organisations import eligibility
from charter_app.organisations.commitments import COMMITMENTS
from charter_app.organisations.models import Organisation


def _first_filled(values: list[str]) -> str:
    return next((value for value in values if value), "")


class RevealedNumberField(StringField):
    """A company or charity number asked under each legal-form radio that needs it.

    The page repeats the box, with the same name, under each of those radios (the GOV.UK
    conditional reveal has one box per radio), so the browser sends one value per box. The form
    keeps them all in `copies` and later takes the one under the chosen radio.
    """

    def process_formdata(self, valuelist):
        self.copies = [clean_text(value) or "" for value in valuelist]
        super().process_formdata([_first_filled(self.copies)] if valuelist else valuelist)


def _number_field(label: str, hint: str) -> RevealedNumberField:
    return RevealedNumberField(
        label, description=hint, widget=GovTextInput(), filters=[clean_text],
        validators=[Length(max=10, message=f"{label} must be 10 characters or fewer")])


def description_field(where_shown: str) -> TextAreaField:
    """The organisation's public description, on the application and on the profile form."""
    return TextAreaField(
        "Describe your organisation",
        description=f"What it does and who for, in a few sentences. {where_shown}",
        widget=GovCharacterCount(),
        filters=[clean_text],
        validators=[
            DataRequired(message="Describe your organisation"),
            Length(max=1000, message="Description must be 1000 characters or fewer"),
        ],
    )


class OrganisationDetailsForm(FlaskForm):
    name = text("Organisation name", "Enter your organisation's name",
                column_length(Organisation.name),
                hint="As registered, if it is registered")
    legal_form = RadioField(
        "What kind of organisation is it?",
        widget=GovRadioInput(),
        choices=[(value, label) for value, label, _sector, _needs in eligibility.LEGAL_FORMS],
        validators=[InputRequired(message="Select what kind of organisation it is")],
        # Checked by validate_legal_form instead, which gives the GOV.UK message.
        validate_choice=False,
    )
    size_band = RadioField(
        "How many people work for it?",
        widget=GovRadioInput(),
        description="Count staff and regular volunteers, full-time or part-time.",
        choices=list(eligibility.SIZE_LABELS.items()),
        validators=[InputRequired(message="Select how many people work for it")],
        validate_choice=False,
    )
    company_number = _number_field("Company number",
                                   "8 characters, like 01234567 or SC123456")
    charity_number = _number_field("Charity number",
                                   "Registered with the Charity Commission for England and "
                                   "Wales, like 1234567")
    address_line_1 = text("Address line 1", "Enter address line 1, typically the building and "
                          "street", column_length(Organisation.address_line_1))
    address_line_2 = text("Address line 2 (optional)",
                          max_length=column_length(Organisation.address_line_2))
    town = text("Town or city", "Enter town or city", column_length(Organisation.town))
    postcode = text("Postcode", "Enter your organisation's postcode", 10)
    website = text("Website (optional)", max_length=column_length(Organisation.website),
                   hint="For example, www.example.co.uk")
    description = description_field("This is shown in the public directory.")

    NUMBER_KINDS = {"company": "company_number", "charity": "charity_number"}

    def number_reveals(self) -> list[tuple[str, str]]:
        """(legal form, number field name) for each radio that reveals a number box."""
        return [(value, self.NUMBER_KINDS[needs])
                for value, _label, _sector, needs in eligibility.LEGAL_FORMS if needs]

    def validate(self, extra_validators=None):
        self._take_numbers_under_chosen_form()
        return super().validate(extra_validators)

    def _take_numbers_under_chosen_form(self) -> None:
        """Keep the number typed under the chosen radio or, when that box is empty, one typed
        under another radio asking for the same number (someone who switched from "Private
        limited company" to "Public limited company"). A number the chosen legal form does not
        ask for is dropped: with JavaScript its box is hidden, so it could not be checked."""
        chosen = self.legal_form.data if eligibility.is_legal_form(self.legal_form.data) else None
        if chosen is None:
            return
        for needs, name in self.NUMBER_KINDS.items():
            field = getattr(self, name)
            copies = getattr(field, "copies", None)
            if eligibility.number_needed(chosen) != needs:
                field.data = ""
                continue
            if copies and len(copies) > 1:
                boxes = [value for value, kind in self.number_reveals() if kind == name]
                index = boxes.index(chosen)
                under_chosen = copies[index] if index < len(copies) else ""
                field.data = under_chosen or _first_filled(copies)

    def validate_legal_form(self, field):
        if not eligibility.is_legal_form(field.data):
            raise ValidationError("Select what kind of organisation it is")

    def validate_size_band(self, field):
        if field.data not in eligibility.SIZE_LABELS:
            raise ValidationError("Select how many people work for it")

    def validate_company_number(self, field):
        if field.data:
            field.data = eligibility.normalise_company_number(field.data)
            if not eligibility.COMPANY_NUMBER.match(field.data):
                raise ValidationError(
                    "Enter a company number in the correct format, like 01234567 or SC123456"
                )
        elif self.legal_form.data and eligibility.number_needed(self.legal_form.data) == "company":
            raise ValidationError("Enter your company number")

    def validate_charity_number(self, field):
        if field.data:
            field.data = eligibility.normalise_charity_number(field.data)
            if not eligibility.CHARITY_NUMBER.match(field.data):
                raise ValidationError(
                    "Enter a charity number in the correct format: 6 or 7 digits, like 1234567"
                )
        elif self.legal_form.data and eligibility.number_needed(self.legal_form.data) == "charity":
            raise ValidationError("Enter your charity number")

    def validate_postcode(self, field):
        if field.data:
            postcode = eligibility.normalise_postcode(field.data)
            if postcode is None:
                raise ValidationError("Enter a full UK postcode, like DH1 5UQ")
            field.data = postcode

    def validate_website(self, field):
        if not field.data:
            return
        value = field.data
        if not value.lower().startswith(("http://", "https://")):
            value = "https://" + value
        host = value.split("://", 1)[1].split("/", 1)[0]
        if any(character.isspace() for character in value) or "." not in host \
                or host.startswith("."):
            raise ValidationError("Enter a website address in the correct format, like "
                                  "www.example.co.uk")
        # Checked again: the https:// added above counts towards what the database can hold.
        limit = column_length(Organisation.website)
        if len(value) > limit:
            raise ValidationError(f"Website must be {limit} characters or fewer, "
                                  "including https://")
        field.data = value


class CommitmentsForm(FlaskForm):
    commitments = SelectMultipleField(
        "The six commitments",
        widget=GovCheckboxesInput(),
        choices=[(key, title) for key, title, _text in COMMITMENTS],
        validate_choice=True,
    )

    def validate_commitments(self, field):
        missing = [title for key, title, _t in COMMITMENTS if key not in (field.data or [])]
        if len(missing) == len(COMMITMENTS):
            raise ValidationError("Agree to the six commitments to sign the Charter")
        if missing:
            raise ValidationError(
                "Agree to all six commitments to sign the Charter. Not yet agreed: "
                + ", ".join(missing)
            )


class SignatoryForm(FlaskForm):
    signatory_name = text("Full name", "Enter the full name of the person signing",
                          column_length(Organisation.signatory_name))
    signatory_role = text("Job title or role", "Enter the role of the person signing",
                          column_length(Organisation.signatory_role),
                          hint="For example, Managing Director or Chair of Trustees")
    authorised = BooleanField(
        "I am authorised to sign the Charter on behalf of this organisation",
        widget=GovCheckboxInput(),
        validators=[InputRequired(message="Confirm you are authorised to sign for the "
                                          "organisation")],
    )
