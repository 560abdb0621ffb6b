"""Forms for partners, buyers, timetables and bookings. Each length the database or the rules
limit is checked in the field, and a refusal from the services is shown beside its field, so
nothing typed is lost."""

from datetime import time

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovTextInput
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, StopValidation

from charter_app.events import bookings, buyers
from charter_app.events.forms import ChoiceRadios, WholeNumberField, parse_time
from charter_app.forms import clean_text, text_field


def _long_text(label: str, limit: int, hint: str | None = None, required: str | None = None):
    validators = [DataRequired(message=required)] if required else []
    validators.append(Length(max=limit, message=f"{label} must be {limit} characters or fewer"))
    return TextAreaField(label, description=hint, widget=GovCharacterCount(),
                         filters=[clean_text], validators=validators)


class RefusalsBesideFields:
    """Show a service's refusal beside the field it names; False when it names no field."""

    def show_refusal(self, refusal) -> bool:
        field = getattr(self, refusal.field, None)
        if field is None or not hasattr(field, "errors"):
            return False
        field.errors = [refusal.message]
        return True


class PartnerForm(RefusalsBesideFields, FlaskForm):
    name = text_field("Name", "Enter the partner's name", buyers.PARTNER_NAME_MAX_LENGTH,
                      hint="For example, Durham County Council.")
    website = text_field("Website (optional)", max_length=buyers.PARTNER_WEBSITE_MAX_LENGTH,
                         hint="The full address, like https://www.durham.gov.uk")
    description = _long_text("Description (optional)", buyers.PARTNER_DESCRIPTION_MAX_LENGTH,
                             "What the partner is and does, in a sentence or two.")

    def details(self) -> buyers.PartnerDetails:
        return buyers.PartnerDetails(name=self.name.data or "", website=self.website.data,
                                     description=self.description.data)


class BuyerForm(RefusalsBesideFields, FlaskForm):
    buys = _long_text("What it buys", buyers.BUYS_MAX_LENGTH,
                      "The goods, works and services suppliers could offer it.")
    opportunities = _long_text("Upcoming opportunities (optional)",
                               buyers.OPPORTUNITIES_MAX_LENGTH,
                               "Contracts and tenders coming up that suppliers should know of.")


class NewBuyerForm(BuyerForm):
    partner = ChoiceRadios("Partner", "Select the partner", choices=[])


def _clean_typed(value):
    return clean_text(value) if isinstance(value, str) else value


class TimeField(StringField):
    """A time of day typed as '10:00', '10am' or '2:30pm'; `data` is a `time`."""

    widget = GovTextInput()

    def __init__(self, label, **kwargs):
        super().__init__(label, filters=[_clean_typed], **kwargs)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0][:12]
        return self.data.strftime("%H:%M") if isinstance(self.data, time) else ""

    def pre_validate(self, form):
        if isinstance(self.data, time):
            return
        text = (self.data or "")[:12]
        if not text:
            raise StopValidation(f"Enter the {self.label.text.lower()}")
        parsed = parse_time(text) if text.isascii() else None
        if parsed is None:
            raise StopValidation(f"Enter the {self.label.text.lower()} as 10:00 or 2:30pm")
        self.data = time(*parsed)


class TimetableForm(RefusalsBesideFields, FlaskForm):
    slot_minutes = WholeNumberField("Slot length in minutes", maximum=buyers.SLOT_MINUTES_MAX,
                                    description="For example, 15.")
    starts = TimeField("First slot starts", description="UK time on the day of the event, "
                                                        "like 10:00.")
    ends = TimeField("Last slot ends", description="UK time, like 13:00.")
    breaks = text_field("Breaks (optional)", max_length=200,
                        hint="Times with no appointments, like 11:00-11:15. Separate more "
                             "than one with commas.")

    def plan(self) -> buyers.TimetablePlan:
        """The plan typed; BuyerRefused (shown beside "breaks") when a break is not a time."""
        return buyers.TimetablePlan(
            slot_minutes=self.slot_minutes.data, starts=self.starts.data, ends=self.ends.data,
            breaks=buyers.parse_breaks(self.breaks.data, parse_time))


class BookingForm(RefusalsBesideFields, FlaskForm):
    offer = _long_text("What does your organisation offer?", bookings.OFFER_MAX_LENGTH,
                       "Two sentences for the buyer to read before you meet: what you sell "
                       "or do, and why it suits them.",
                       required="Enter two sentences on what your organisation offers")
