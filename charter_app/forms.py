"""Form helpers every domain uses: text cleaning, and GOV.UK text and email fields.

A length the database limits is checked here, in the field, before the database sees the value.
"""

import re

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovTextInput
from wtforms import EmailField, RadioField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, StopValidation

# Control characters other than tab and line breaks, and DEL: invisible, and unsafe in files.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str | None) -> str | None:
    """Strip control characters (other than newlines) and surrounding space."""
    if value is None:
        return None
    return CONTROL_CHARACTERS.sub("", value).strip()


def column_length(column) -> int:
    """The length the database allows a column, so a form checks it before the database does."""
    return column.property.columns[0].type.length


def strip_spaces(value):
    # Phones and copy-paste often add a space: it is not part of the address.
    return value.strip() if isinstance(value, str) else value


def text_field(label, required_message=None, max_length=120, hint=None, **kwargs) -> StringField:
    """A one-line text input, cleaned, with its length limit as a GOV.UK message."""
    # Optional fields get no Optional(): it would stop the in-form checks that make a number
    # required for some legal forms.
    validators = [DataRequired(message=required_message)] if required_message else []
    validators.append(
        Length(max=max_length, message=f"{label} must be {max_length} characters or fewer")
    )
    return StringField(label, description=hint, widget=GovTextInput(), validators=validators,
                       filters=[clean_text], **kwargs)


def email_field(label: str = "Email address", hint: str | None = None) -> EmailField:
    return EmailField(
        label,
        description=hint,
        widget=GovTextInput(),
        filters=[strip_spaces],
        validators=[
            InputRequired(message="Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
    )


class ChoiceRadios(RadioField):
    """Radios whose refusal says what to choose, whatever was sent."""

    def __init__(self, label, message: str, **kwargs):
        super().__init__(label, widget=GovRadioInput(), **kwargs)
        self.message = message

    def pre_validate(self, form):
        if self.data not in {value for value, _ in self.choices}:
            raise StopValidation(self.message)
