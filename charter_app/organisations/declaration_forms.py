"""Forms for a signatory's quality marks and carbon reduction plan: links are https only,
dates are real days typed as day, month and year, and every length is checked here before the
database sees it."""

from datetime import date, datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField
from wtforms.validators import ValidationError

from charter_app.forms import column_length
from charter_app.forms import text_field as text
from charter_app.organisations.declaration_models import CarbonReductionPlan, QualityMark
from charter_app.timeutil import london_date, utcnow

EARLIEST_YEAR, LATEST_YEAR = 1980, 2100


def https_link(value: str | None, label: str, limit: int) -> str | None:
    """The link as stored: https:// added when no scheme was typed; ValidationError for an
    http:// (or any other) link, spaces, or a host without a dot."""
    if not value:
        return None
    if "://" not in value:
        value = "https://" + value
    if not value.lower().startswith("https://"):
        raise ValidationError(f"Enter a {label} that starts with https://")
    host = value.split("://", 1)[1].split("/", 1)[0]
    if any(character.isspace() for character in value) or "." not in host \
            or host.startswith(".") or host.endswith("."):
        raise ValidationError(f"Enter a {label} in the correct format, like "
                              "https://www.example.co.uk/page")
    if len(value) > limit:
        raise ValidationError(f"The {label} must be {limit} characters or fewer, "
                              "including https://")
    return value


class DayMonthYearField(DateField):
    """A GOV.UK date input (day, month, year). A request that leaves out some or all of the
    three boxes is treated as blank boxes, not a crash; a date that does not exist, or one
    outside sensible years, is an error in the GOV.UK words."""

    def __init__(self, label, *, required_message: str | None = None, **kwargs):
        super().__init__(label, format="%d %m %Y", widget=GovDateInput(), **kwargs)
        self.required_message = required_message

    def process_formdata(self, valuelist):
        parts = [str(part).strip()[:10] for part in valuelist][:3]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        self.data = None
        if not any(parts):
            return
        if not all(parts):
            raise ValueError(f"{self.label.text} must include a day, month and year")
        try:
            day = datetime.strptime(" ".join(parts), "%d %m %Y").date()
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date") from None
        if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
            raise ValueError(f"{self.label.text} must be a year between {EARLIEST_YEAR} and "
                             f"{LATEST_YEAR}")
        self.data = day

    def pre_validate(self, form):
        if self.data is None and not self.process_errors and self.required_message:
            raise ValidationError(self.required_message)


class QualityMarkForm(FlaskForm):
    name = text("Name of the quality mark or standard", "Enter the name of the quality mark",
                column_length(QualityMark.name),
                hint="For example, ISO 9001, Investors in People or Social Enterprise Mark")
    certificate_number = text("Certificate number (optional)",
                              max_length=column_length(QualityMark.certificate_number))
    url = text("Link to the certificate or register entry (optional)",
               max_length=column_length(QualityMark.url),
               hint="A link that starts with https://, where a buyer can check it")
    expires_on = DayMonthYearField("Expiry date (optional)",
                                   description="For example, 31 3 2027. Leave it blank if the "
                                               "mark does not expire.")

    def validate_url(self, field):
        field.data = https_link(field.data, "link", column_length(QualityMark.url))

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if valid and not (self.certificate_number.data or self.url.data):
            self.certificate_number.errors = [
                "Enter a certificate number or a link, so a buyer can check the mark"]
            return False
        return valid


class CarbonPlanForm(FlaskForm):
    url = text("Link to your carbon reduction plan", "Enter the link to your carbon reduction "
               "plan", column_length(CarbonReductionPlan.url),
               hint="Where it is published, starting with https://")
    published_on = DayMonthYearField("Date published", required_message="Enter the date your "
                                     "plan was published",
                                     description="For example, 1 4 2026")
    review_on = DayMonthYearField("Date of its next review", required_message="Enter the date "
                                  "of the plan's next review",
                                  description="The date it is next reviewed or stops applying. "
                                              "After this date the plan is shown as expired.")

    def validate_url(self, field):
        field.data = https_link(field.data, "link", column_length(CarbonReductionPlan.url))

    def validate_published_on(self, field):
        if field.data and field.data > london_date(utcnow()):
            raise ValidationError("Date published must be today or in the past")

    def validate_review_on(self, field):
        published: date | None = self.published_on.data
        if field.data and published and field.data <= published:
            raise ValidationError("Date of its next review must be after the date published")
