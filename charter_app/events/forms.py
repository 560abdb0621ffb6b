"""Forms for the staff event pages. Times are typed as a UK date (GOV.UK date input: day, month,
year) and a time, in UK time; the event rules in services run here too, so every message sits
beside its field and nothing typed is lost."""

import re
from datetime import UTC, datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovTextInput
from wtforms import Field, TextAreaField
from wtforms.utils import unset_value
from wtforms.validators import DataRequired, Length, StopValidation

from charter_app.events import display, services
from charter_app.events.models import Eligibility, EventKind
from charter_app.forms import ChoiceRadios, clean_text, text_field
from charter_app.timeutil import LONDON, format_london, to_london

TIME = re.compile(r"(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?", re.IGNORECASE)
DATE_PARTS = ("day", "month", "year")
# Longer than any date part or time anyone types: the rest is not kept, nor shown back.
PART_MAX_LENGTH = 12


def parse_time(text: str) -> tuple[int, int] | None:
    """'14:00', '9:30', '9.30am', '2pm', '12pm' (noon), 'midday' -> (hour, minute); else None."""
    text = text.strip().lower()
    if text in {"midday", "noon"}:
        return 12, 0
    match = TIME.fullmatch(text)
    if not match:
        return None
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if minute > 59:
        return None
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif hour > 23:
        return None
    return hour, minute


def london_time(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """The UK time, as an aware datetime in UTC; ValueError naming the clock change when that
    time does not exist (clocks go forward) or happens twice (clocks go back)."""
    local = datetime(year, month, day, hour, minute, tzinfo=LONDON)  # noqa: DTZ001 - zone given
    in_utc = local.astimezone(UTC)
    if in_utc.astimezone(LONDON).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("does not exist on that day: the clocks go forward an hour at 1am")
    if local.replace(fold=1).utcoffset() != local.utcoffset():
        raise ValueError("happens twice on that day as the clocks go back at 2am: choose a "
                         "time before 1am or from 2am")
    return in_utc


class LondonDateTimeField(Field):
    """A date (day, month, year) and a time in UK time; `data` is an aware UTC datetime.

    The inputs are named `<name>-day`, `-month`, `-year` and `-time`; what was typed is kept in
    `parts` and shown back when the page is refused.
    """

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.process_errors = []
        if data is unset_value:
            data = self.default() if callable(self.default) else self.default
        self.object_data = data
        self.data = data
        self.parts = {"day": "", "month": "", "year": "", "time": ""}
        if isinstance(data, datetime):
            local = to_london(data)
            self.parts = {"day": str(local.day), "month": str(local.month),
                          "year": str(local.year), "time": f"{local:%H:%M}"}
        names = [f"{self.name}-{part}" for part in self.parts]
        if formdata is not None and any(name in formdata for name in names):
            self.parts = {part: (clean_text(formdata.get(f"{self.name}-{part}")) or "")
                          [:PART_MAX_LENGTH] for part in self.parts}
            self.raw_data = list(self.parts.values())
            self.data = None

    def _value(self):
        return self.parts

    def pre_validate(self, form):
        if self.data is not None:
            return
        label = self.label.text
        parts = self.parts
        if not any(parts.values()):
            raise StopValidation(f"Enter the {label.lower()}")
        missing = [part for part in DATE_PARTS if not parts[part]]
        if missing:
            raise StopValidation(f"{label} must include a {' and '.join(missing)}")
        if not all(parts[part].isascii() and parts[part].isdigit() for part in DATE_PARTS):
            raise StopValidation(f"{label} must be a real date, like 27 3 2027")
        day, month, year = (int(parts[part]) for part in DATE_PARTS)
        if not 2000 <= year <= 2100:
            raise StopValidation(f"{label} must have a year of four digits, like 2027")
        if not parts["time"]:
            raise StopValidation(f"{label} must include a time, like 9:30am or 14:00")
        time = parse_time(parts["time"]) if parts["time"].isascii() else None
        if time is None:
            raise StopValidation(f"Enter the time of the {label.lower()} as 9:30am or 14:00")
        try:
            datetime(year, month, day)  # noqa: DTZ001 - only checks the date is real
        except ValueError:
            raise StopValidation(f"{label} must be a real date, like 27 3 2027") from None
        try:
            self.data = london_time(year, month, day, *time)
        except ValueError as refusal:
            raise StopValidation(f"{label}: {parts['time']} on "
                                 f"{format_london(datetime(year, month, day, tzinfo=UTC), False)}"
                                 f" {refusal}") from None


class WholeNumberField(Field):
    """A whole number typed as text, with messages that name the field."""

    widget = GovTextInput()

    def __init__(self, label, *, maximum: int, **kwargs):
        super().__init__(label, **kwargs)
        self.maximum = maximum

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)

    def process_formdata(self, valuelist):
        self.data = (clean_text(valuelist[0]) or "")[:PART_MAX_LENGTH] if valuelist else ""

    def pre_validate(self, form):
        label = self.label.text
        if isinstance(self.data, int):
            return
        raw = (self.data or "").replace(",", "")
        if not raw:
            raise StopValidation(f"Enter the {label.lower()}")
        if not (raw.isascii() and raw.isdigit()):
            raise StopValidation(f"{label} must be a whole number, like 40")
        self.data = int(raw)
        if self.data < 1:
            raise StopValidation(f"{label} must be 1 or more")
        if self.data > self.maximum:
            raise StopValidation(f"{label} must be {self.maximum:,} or fewer")


class EventForm(FlaskForm):
    kind = ChoiceRadios("Kind of event", "Select the kind of event", choices=[
        (EventKind.MEET_THE_BUYER.value, display.KIND_LABELS[EventKind.MEET_THE_BUYER]),
        (EventKind.WORKSHOP.value, display.KIND_LABELS[EventKind.WORKSHOP]),
        (EventKind.WEBINAR.value, display.KIND_LABELS[EventKind.WEBINAR]),
    ])
    title = text_field("Title", "Enter the title", services.TITLE_MAX_LENGTH)
    description = TextAreaField(
        "Description", description="What happens, who it is for and what to bring.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[DataRequired(message="Enter the description"),
                    Length(max=services.DESCRIPTION_MAX_LENGTH,
                           message=f"Description must be {services.DESCRIPTION_MAX_LENGTH} "
                                   "characters or fewer")])
    venue = text_field("Venue", max_length=services.VENUE_MAX_LENGTH,
                       hint="For a meet-the-buyer event or a workshop: the building's name.")
    address = TextAreaField(
        "Address", description="For a meet-the-buyer event or a workshop, with the postcode.",
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[Length(max=services.ADDRESS_MAX_LENGTH,
                           message=f"Address must be {services.ADDRESS_MAX_LENGTH} characters "
                                   "or fewer")])
    join_url = text_field("Join link", max_length=services.JOIN_URL_MAX_LENGTH,
                          hint="For a webinar: the https:// link to join. Only confirmed "
                               "attendees see it.")
    starts_at = LondonDateTimeField("Start")
    ends_at = LondonDateTimeField("End")
    capacity = WholeNumberField("Capacity", maximum=services.CAPACITY_MAX,
                                description="How many people can attend.")
    registration_opens_at = LondonDateTimeField("Registration opens")
    registration_closes_at = LondonDateTimeField(
        "Registration closes", description="No later than the start of the event.")
    places_per_organisation = WholeNumberField(
        "Places per organisation", maximum=services.CAPACITY_MAX,
        default=services.DEFAULT_PLACES_PER_ORGANISATION,
        description="How many people one organisation can register.")
    eligibility = ChoiceRadios("Who can register", "Select who can register", choices=[
        (value.value, services.ELIGIBILITY_LABELS[value]) for value in Eligibility
    ], default=Eligibility.ANY_BUSINESS.value)

    def details(self) -> services.EventDetails:
        return services.EventDetails(**{
            name: getattr(self, name).data
            for name in services.EventDetails.__dataclass_fields__})

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then the event's rules, each message beside its field."""
        valid = super().validate(extra_validators)
        problems = services.problems_with(self.details())
        for name, message in problems.items():
            field = getattr(self, name)
            if not field.errors:
                field.errors = [message]
                valid = False
        return valid

    def show_problems(self, problems: dict[str, str]) -> None:
        for name, message in problems.items():
            getattr(self, name).errors = [message]


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Why is the event cancelled?",
        description=("The reason is shown on the event page and emailed to everyone "
                     "registered; their places, waiting positions and appointments are "
                     "cancelled."),
        widget=GovCharacterCount(), filters=[clean_text],
        validators=[DataRequired(message="Enter the reason the event is cancelled"),
                    Length(max=services.CANCELLATION_REASON_MAX_LENGTH,
                           message="The reason must be "
                                   f"{services.CANCELLATION_REASON_MAX_LENGTH} characters or "
                                   "fewer")])


class ConfirmForm(FlaskForm):
    """Publish or duplicate: only the CSRF token."""
