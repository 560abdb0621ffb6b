"""Forms for filing a quarterly report: an entry for one measure, and the submission.

Every message goes beside its field, and what was typed comes back as it was typed. Lengths are
the database's own (forms.column_length), checked before the database sees them.
"""

import re
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextArea, GovTextInput
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation

from charter_app.forms import clean_text, column_length, text_field
from charter_app.pledges.models import Measure
from charter_app.reporting.calculations import DEFLATOR_BANDS, Deflators
from charter_app.reporting.models import ReportEntry
from charter_app.reporting.services import DEFLATOR_NAMES, EntryInput, default_deflators

DESCRIPTION_LENGTH = column_length(ReportEntry.description)
LOCATION_LENGTH = column_length(ReportEntry.location)
EVIDENCE_URL_LENGTH = column_length(ReportEntry.evidence_url)
REASON_LENGTH = column_length(ReportEntry.deflator_reason)
CHANGE_NOTE_LENGTH = 1000
OTHER = "other"
BANDS = [f"{band}" for band in DEFLATOR_BANDS]
# Plain words for each deflator, shown beside its question (issue 6).
DEFLATOR_HELP = {
    "deadweight": ("Deadweight", "How much would have happened anyway, without you."),
    "attribution": ("Attribution", "How much of the result is owed to others, such as "
                    "partners or funders."),
    "displacement": ("Displacement", "How much was just moved from elsewhere, rather than "
                     "added to County Durham."),
}
_NUMBER = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")


def parse_number(text: str | None) -> Decimal | None:
    """A plain decimal number as people type it (1,200.5 or £300): None when it is not one.
    Only ASCII digits: no exponents, no infinities, no digits from other scripts."""
    if text is None:
        return None
    cleaned = text.strip().replace(",", "").replace(" ", "").removeprefix("£")
    if not _NUMBER.match(cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern only lets decimals through
        return None


def _percentage_text(value: Decimal) -> str:
    return f"{Decimal(value).normalize():f}"


class EntryForm(FlaskForm):
    """One measure's entry. The three deflators are a band (0, 25, 50, 75, 100) or "other"
    with any percentage from 0 to 100 in the `<name>_other` box."""

    quantity = StringField("Quantity", widget=GovTextInput(), filters=[clean_text])
    description = TextAreaField(
        "What did you do?", widget=GovTextArea(), filters=[clean_text],
        validators=[DataRequired(message="Describe briefly what you did"),
                    Length(max=DESCRIPTION_LENGTH, message="What you did must be "
                           f"{DESCRIPTION_LENGTH} characters or fewer")])
    location = text_field("Where in County Durham? (optional)", max_length=LOCATION_LENGTH,
                          hint="A postcode, like DH1 3HE, or an area, like Stanley.")
    evidence_url = text_field("Link to evidence (optional)", max_length=EVIDENCE_URL_LENGTH,
                              hint="A web page, photo album or document that shows the work, "
                                   "starting https://")
    deadweight = StringField("Deadweight", filters=[clean_text])
    deadweight_other = StringField("Deadweight percentage", filters=[clean_text])
    attribution = StringField("Attribution", filters=[clean_text])
    attribution_other = StringField("Attribution percentage", filters=[clean_text])
    displacement = StringField("Displacement", filters=[clean_text])
    displacement_other = StringField("Displacement percentage", filters=[clean_text])
    deflator_reason = text_field("Why did you change the suggested percentages?",
                                 max_length=REASON_LENGTH,
                                 hint="One line, needed only if you changed them.")

    def __init__(self, measure: Measure, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.measure = measure

    @classmethod
    def prefilled(cls, measure: Measure, entry: ReportEntry | None) -> "EntryForm":
        deflators = entry.deflators if entry else default_deflators(measure)
        values = {}
        for name in DEFLATOR_NAMES:
            text = _percentage_text(getattr(deflators, name))
            values[name] = text if text in BANDS else OTHER
            values[f"{name}_other"] = "" if text in BANDS else text
        if entry:
            values.update(quantity=f"{Decimal(entry.quantity).normalize():f}",
                          description=entry.description, location=entry.location or "",
                          evidence_url=entry.evidence_url or "",
                          deflator_reason=entry.deflator_reason or "")
        return cls(measure, data=values, formdata=None)

    # --- reading the numbers -------------------------------------------------------------------

    def quantity_value(self) -> Decimal | None:
        return parse_number(self.quantity.data)

    def deflator(self, name: str) -> Decimal | None:
        choice = getattr(self, name).data
        if choice in BANDS:
            return Decimal(choice)
        if choice == OTHER:
            value = parse_number(getattr(self, f"{name}_other").data)
            if value is not None and Decimal(0) <= value <= Decimal(100):
                return value
        return None

    def deflators_or_defaults(self) -> Deflators:
        """The deflators typed so far, a default standing in for any not yet valid (for the
        live value while someone is still typing)."""
        defaults = default_deflators(self.measure)
        return Deflators(*(self.deflator(name) if self.deflator(name) is not None
                           else getattr(defaults, name) for name in DEFLATOR_NAMES))

    def changed_deflators(self) -> bool:
        defaults = default_deflators(self.measure)
        return any(self.deflator(name) is not None and self.deflator(name) != getattr(
            defaults, name) for name in DEFLATOR_NAMES)

    # --- checks --------------------------------------------------------------------------------

    def validate_quantity(self, field):
        text = (field.data or "").strip()
        if not text:
            raise StopValidation("Enter a quantity, or 0 if there was none this quarter")
        if text.startswith("-"):
            raise StopValidation("Enter a quantity of 0 or more")
        value = parse_number(text)
        if value is None:
            raise StopValidation("Enter the quantity as a number, like 12 or 12.5")
        if value.as_tuple().exponent < -2:
            raise StopValidation("Enter the quantity to no more than 2 decimal places")
        if value > self.measure.plausible_max:
            raise StopValidation(f"Enter a quantity no more than "
                               f"{self.measure.plausible_max.normalize():,f}, the most this "
                               "measure allows in a quarter; if yours is right, contact "
                               "Business Durham")

    def validate_evidence_url(self, field):
        if not field.data:
            return
        parts = urlsplit(field.data)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            raise StopValidation("Enter a link starting https:// or http://, like "
                               "https://example.org/our-work")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for name in DEFLATOR_NAMES:
            label = DEFLATOR_HELP[name][0]
            choice, other = getattr(self, name), getattr(self, f"{name}_other")
            if choice.data not in (*BANDS, OTHER):
                choice.errors.append(f"Choose a percentage for {label.lower()}")
            elif choice.data == OTHER and self.deflator(name) is None:
                other.errors.append(f"Enter {label.lower()} as a percentage from 0 to 100")
            elif choice.data == OTHER and self.deflator(name).as_tuple().exponent < -2:
                other.errors.append(f"Enter {label.lower()} to no more than 2 decimal places")
        if self.changed_deflators() and not self.deflator_reason.data:
            self.deflator_reason.errors.append(
                "Say in a line why you changed the suggested percentages")
        return valid and not self.errors

    def entry_input(self) -> EntryInput:
        return EntryInput(
            measure_id=self.measure.id, quantity=self.quantity_value(),
            description=self.description.data, location=self.location.data or None,
            evidence_url=self.evidence_url.data or None,
            deadweight=self.deflator("deadweight"), attribution=self.deflator("attribution"),
            displacement=self.deflator("displacement"),
            deflator_reason=self.deflator_reason.data or None)


class SubmitForm(FlaskForm):
    """Check your answers: a correction says what it changed."""

    change_note = TextAreaField(
        "What does this correction change?", widget=GovTextArea(), filters=[clean_text],
        description="For example: we counted two more weeks of apprenticeship in August.",
        validators=[Length(max=CHANGE_NOTE_LENGTH, message="What this correction changes must "
                           f"be {CHANGE_NOTE_LENGTH} characters or fewer")])


class ConfirmForm(FlaskForm):
    """A button that changes something: only its CSRF token is checked."""
