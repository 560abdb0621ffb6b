"""The pledges form: one 12-month target per measure in the catalogue."""

from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import Field
from wtforms.validators import ValidationError

from charter_app.pledges.catalogue import target_with_unit


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
                f"Target for {self.measure.name} must be "
                f"{target_with_unit(self.measure.plausible_max, self.measure.unit)} or less: "
                "check the unit")
        self.decimal = value


def target_field_name(measure) -> str:
    return f"target_{measure.code.replace('-', '_')}"


def add_target_fields(form_class, measures, pledged: dict[int, Decimal]) -> None:
    """One target field per measure on a form class, named by measure code, pre-filled from
    `pledged` (targets keyed by measure id)."""
    for measure in measures:
        setattr(
            form_class,
            target_field_name(measure),
            TargetField(
                measure.name,
                measure,
                # The unit is beside the box (a £ prefix or a suffix): the hint does not repeat it.
                description=measure.guidance,
                default=pledged.get(measure.id),
            ),
        )


class TargetsMixin:
    """For a form with target fields: at least one must be filled in."""

    def target_fields(self):
        return [field for field in self if isinstance(field, TargetField)]

    def targets(self) -> dict[int, Decimal]:
        """The valid targets entered, keyed by measure id."""
        return {field.measure.id: field.decimal for field in self.target_fields()
                if field.decimal is not None}

    def require_one_target(self) -> bool:
        if any(field.decimal is not None for field in self.target_fields()):
            return True
        first = self.target_fields()[0]
        first.errors = list(first.errors) + [
            "Pledge at least one measure: enter a 12-month target for it"
        ]
        return False


def pledges_form_for(measures, pledged: dict[int, Decimal], formdata=None):
    """A form with one target field per measure, named by measure code."""

    class PledgesForm(TargetsMixin, FlaskForm):
        def validate(self, extra_validators=None):
            valid = super().validate(extra_validators)
            return valid and self.require_one_target()

    add_target_fields(PledgesForm, measures, pledged)
    return PledgesForm(formdata=formdata) if formdata is not None else PledgesForm()
