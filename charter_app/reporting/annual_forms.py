"""The annual update form: a narrative per theme pledged in the year reviewed, and next year's
targets, one box per active measure as on the application's pledges page."""

from decimal import Decimal

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from charter_app.forms import clean_text
from charter_app.pledges.catalogue import theme_label
from charter_app.pledges.forms import TargetsMixin, add_target_fields
from charter_app.reporting.annual import NARRATIVE_MAX_LENGTH


def narrative_field_name(theme: str) -> str:
    return f"narrative_{theme}"


def _narrative_field(theme: str) -> TextAreaField:
    label = theme_label(theme)
    return TextAreaField(
        f"{label}: what you did this year",
        description=(f"What you delivered for your {label} pledges, what helped, what got in "
                     "the way, and what you will do differently."),
        widget=GovCharacterCount(),
        filters=[clean_text],
        validators=[
            DataRequired(message=f"Write a few lines about your {label} pledges"),
            Length(max=NARRATIVE_MAX_LENGTH,
                   message=f"{label} must be {NARRATIVE_MAX_LENGTH} characters or fewer"),
        ],
    )


def annual_update_form_for(themes: list[str], measures, pledged: dict[int, Decimal],
                           formdata=None):
    """The form for one year's update: `themes` need a narrative each; the target boxes start
    from `pledged` (the year's targets, keyed by measure id), so keeping them is no work."""

    class AnnualUpdateForm(TargetsMixin, FlaskForm):
        # The year this page reviewed: a second tab sending an older page is told it was sent.
        period_id = HiddenField()

        def narrative_fields(self) -> dict[str, TextAreaField]:
            return {theme: self[narrative_field_name(theme)] for theme in themes}

        def narratives(self) -> dict[str, str]:
            return {theme: field.data for theme, field in self.narrative_fields().items()}

        def reviewed_period_id(self) -> int | None:
            value = (self.period_id.data or "").strip()
            return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else None

        def validate(self, extra_validators=None):
            valid = super().validate(extra_validators)
            if any(field.errors for field in self.target_fields()):
                return False
            # Said even while a narrative is missing, so one round of corrections is enough.
            return self.require_one_target() and valid

    for theme in themes:
        setattr(AnnualUpdateForm, narrative_field_name(theme), _narrative_field(theme))
    add_target_fields(AnnualUpdateForm, measures, pledged)
    return AnnualUpdateForm(formdata=formdata) if formdata is not None else AnnualUpdateForm()
