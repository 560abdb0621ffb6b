from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovTextInput,
)
from wtforms import BooleanField, Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from charter_app.organisations import eligibility
from charter_app.organisations.models import Organisation
from charter_app.organisations.services import COMMITMENTS, clean_text


def column_length(column) -> int:
    """The length the database allows a column, so a form checks it before the database does."""
    return column.property.columns[0].type.length


def text(label, required_message=None, max_length=120, hint=None, **kwargs):
    # Optional fields get no Optional(): it would stop the in-form checks that make a number
    # required for some legal forms.
    validators = [DataRequired(message=required_message)] if required_message else []
    validators.append(
        Length(max=max_length, message=f"{label} must be {max_length} characters or fewer")
    )
    return StringField(label, description=hint, widget=GovTextInput(), validators=validators,
                       filters=[clean_text], **kwargs)


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
    company_number = text("Company number", max_length=10,
                          hint="8 characters, like 01234567 or SC123456. Needed for companies, "
                               "LLPs and CICs.")
    charity_number = text("Charity number", max_length=10,
                          hint="Registered with the Charity Commission for England and Wales, "
                               "like 1234567. Needed for charities and CIOs.")
    address_line_1 = text("Address line 1", "Enter address line 1, typically the building and "
                          "street", column_length(Organisation.address_line_1))
    address_line_2 = text("Address line 2 (optional)",
                          max_length=column_length(Organisation.address_line_2))
    town = text("Town or city", "Enter town or city", column_length(Organisation.town))
    postcode = text("Postcode", "Enter your organisation's postcode", 10)
    website = text("Website (optional)", max_length=column_length(Organisation.website),
                   hint="For example, www.example.co.uk")
    description = TextAreaField(
        "Describe your organisation",
        description="What it does and who for, in a few sentences. This is shown in the public "
                    "directory.",
        widget=GovCharacterCount(),
        filters=[clean_text],
        validators=[
            DataRequired(message="Describe your organisation"),
            Length(max=1000, message="Description must be 1000 characters or fewer"),
        ],
    )

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


class TargetField(Field):
    """A 12-month target: blank means 'not pledged'; otherwise a positive decimal."""

    widget = GovTextInput()

    def __init__(self, label, measure, **kwargs):
        super().__init__(label, **kwargs)
        self.measure = measure
        self.decimal: Decimal | None = None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, Decimal):
            return format(self.data.normalize(), "f")
        return self.data or ""

    def process_formdata(self, valuelist):
        self.data = valuelist[0].strip().replace(",", "") if valuelist else ""

    def pre_validate(self, form):
        raw = self.data if isinstance(self.data, str) else (
            "" if self.data is None else str(self.data))
        if not raw:
            self.decimal = None
            return
        if len(raw) > 20:
            raise ValidationError(f"Target for {self.measure.name} must be a shorter number")
        try:
            value = Decimal(raw)
        except InvalidOperation as error:
            raise ValidationError(
                f"Target for {self.measure.name} must be a number, like 12 or 12.5"
            ) from error
        if not value.is_finite():
            raise ValidationError(f"Target for {self.measure.name} must be a number")
        if value <= 0:
            raise ValidationError(f"Target for {self.measure.name} must be more than 0")
        if value.as_tuple().exponent < -2:
            raise ValidationError(
                f"Target for {self.measure.name} must have no more than 2 decimal places")
        if value > self.measure.plausible_max:
            raise ValidationError(
                f"Target for {self.measure.name} must be {self.measure.plausible_max:,.0f} "
                f"{self.measure.unit} or less: check the unit")
        self.decimal = value


def pledges_form_for(measures, pledged: dict[int, Decimal], formdata=None):
    """A form with one target field per measure, named by measure code."""

    class PledgesForm(FlaskForm):
        def target_fields(self):
            return [field for field in self if isinstance(field, TargetField)]

        def validate(self, extra_validators=None):
            valid = super().validate(extra_validators)
            if valid and not any(field.decimal is not None for field in self.target_fields()):
                first = self.target_fields()[0]
                first.errors = list(first.errors) + [
                    "Pledge at least one measure: enter a 12-month target for it"
                ]
                return False
            return valid

    for measure in measures:
        setattr(
            PledgesForm,
            f"target_{measure.code.replace('-', '_')}",
            TargetField(
                measure.name,
                measure,
                description=f"{measure.guidance} Unit: {measure.unit}.",
                default=pledged.get(measure.id),
            ),
        )
    return PledgesForm(formdata=formdata) if formdata is not None else PledgesForm()
