"""Forms for the catalogue pages: a measure, one year's proxy value, a CSV upload, and the
import's confirmation. Every length the database limits is checked here first."""

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovFileInput,
    GovTextInput,
)
from wtforms import BooleanField, Field, HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from charter_app.forms import clean_text, column_length, text_field
from charter_app.pledges.models import Measure, ProxyValue
from charter_app.reporting.catalogue_admin import REASON_MAX_LENGTH, SROI_BANDS
from charter_app.reporting.catalogue_import import SOURCE_MAX_LENGTH, parse_value, parse_year

GUIDANCE_MAX_LENGTH = 2000
BANDS_HINT = ("SROI practice often scores this in bands of "
              + ", ".join(f"{band}%" for band in SROI_BANDS[:-1])
              + f" or {SROI_BANDS[-1]}%. Any value from 0 to 100 is allowed.")


class DecimalText(Field):
    """A number typed as text, checked into a Decimal with messages that name the field."""

    widget = GovTextInput()

    def __init__(self, label, *, places: int, minimum: Decimal, maximum: Decimal,
                 above_minimum: bool = False, **kwargs):
        super().__init__(label, **kwargs)
        self.places, self.minimum, self.maximum = places, minimum, maximum
        self.above_minimum = above_minimum

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if isinstance(self.data, Decimal):
            return f"{self.data.normalize():f}"
        return self.data or ""

    def process_formdata(self, valuelist):
        self.data = (clean_text(valuelist[0]) or "").replace(",", "") if valuelist else ""

    def pre_validate(self, form):
        label = self.label.text
        raw = self.data if isinstance(self.data, str) else (
            "" if self.data is None else f"{self.data}")
        if not raw:
            raise StopValidation(f"Enter the {label.lower()}")
        try:
            value = Decimal(raw) if len(raw) <= 24 else None
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite():
            raise StopValidation(f"{label} must be a number, like 25 or 12.5")
        if value < self.minimum or (self.above_minimum and value == self.minimum):
            word = "more than" if self.above_minimum else "at least"
            raise StopValidation(f"{label} must be {word} {self.minimum}")
        if value > self.maximum:
            raise StopValidation(f"{label} must be {self.maximum:,f} or less")
        if value.as_tuple().exponent < -self.places:
            raise StopValidation(f"{label} must have no more than {self.places} decimal places")
        self.data = value


def percentage(label: str, meaning: str) -> DecimalText:
    return DecimalText(label, places=2, minimum=Decimal(0), maximum=Decimal(100),
                       description=f"{meaning} {BANDS_HINT}")


class MeasureForm(FlaskForm):
    name = text_field("Name", "Enter the measure’s name", column_length(Measure.name))
    unit = text_field("Unit", "Enter the unit the measure is counted in",
                      column_length(Measure.unit),
                      hint="Short, as reports and exports show it: for example FTE, hours, "
                           "tonnes CO2e or £ spent.")
    guidance = TextAreaField(
        "Guidance",
        description="Shown beside the measure when signatories report: what to count and how.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[DataRequired(message="Enter the guidance for the measure"),
                    Length(max=GUIDANCE_MAX_LENGTH,
                           message=f"Guidance must be {GUIDANCE_MAX_LENGTH} characters or fewer")])
    # Numeric(16, 2): fourteen digits before the point.
    plausible_max = DecimalText(
        "Plausible maximum", places=2, minimum=Decimal(0), above_minimum=True,
        maximum=Decimal("99999999999999.99"),
        description="The largest quantity one signatory could report in a quarter: a larger "
                    "one is refused as a likely mistake in the unit.")
    default_deadweight = percentage(
        "Default deadweight (%)", "What would have happened anyway, without the signatory.")
    default_attribution = percentage(
        "Default attribution (%)", "How much of the outcome is owed to others.")
    default_displacement = percentage(
        "Default displacement (%)", "How much was only moved from elsewhere.")
    active = BooleanField("Active: signatories can pledge and report against this measure",
                          widget=GovCheckboxInput())
    version = HiddenField()


class ProxyValueForm(FlaskForm):
    financial_year = text_field("Financial year", hint="For example, 2026-27.", max_length=7)
    value = DecimalText("Proxy value (£ per unit)", places=4, minimum=Decimal(0),
                        maximum=Decimal("9999999999.9999"),
                        description="Pounds of social value per unit, to at most 4 decimal "
                                    "places.")
    source = TextAreaField(
        "Source", description="Where the value comes from, as readers of reports will see it.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[DataRequired(message="Enter the source of the value"),
                    Length(max=SOURCE_MAX_LENGTH,
                           message=f"Source must be {SOURCE_MAX_LENGTH} characters or fewer")])
    edition = text_field("Edition (optional)", max_length=column_length(ProxyValue.edition),
                         hint="For example, National TOMs 2026.")
    reason = TextAreaField(
        "Reason for the change", widget=GovCharacterCount(), filters=[clean_text],
        validators=[Length(max=REASON_MAX_LENGTH,
                           message=f"Reason must be {REASON_MAX_LENGTH} characters or fewer")])
    version = HiddenField()

    def __init__(self, *args, new_year: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.new_year = new_year
        self.year: int | None = None
        if not new_year:
            del self.financial_year

    def validate_financial_year(self, field):
        if not field.data:
            raise ValidationError("Enter the financial year, like 2026-27")
        try:
            self.year = parse_year(field.data)
        except ValueError as error:
            raise ValidationError(str(error)) from error

    def validate_value(self, field):
        # The same rule as the CSV import.
        try:
            parse_value(f"{field.data}")
        except ValueError as error:
            raise ValidationError(str(error)) from error


class UploadForm(FlaskForm):
    file = FileField("Upload a CSV file", widget=GovFileInput(),
                     description="Columns: measure code, financial year, value, source, "
                                 "edition. At most 1 MB.")


class ConfirmImportForm(FlaskForm):
    reason = TextAreaField(
        "Reason for the changes", widget=GovCharacterCount(), filters=[clean_text],
        validators=[Length(max=REASON_MAX_LENGTH,
                           message=f"Reason must be {REASON_MAX_LENGTH} characters or fewer")])
    version = HiddenField()
