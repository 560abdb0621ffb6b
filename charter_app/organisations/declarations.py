"""A signatory's quality marks and carbon reduction plan: what its members declare for bids.

Owners and members may both change them, as they may the public profile. Each change locks the
organisation's row first, so two people saving at once take turns (and the limit on how many
marks one organisation keeps holds). Services flush; the request commits.
"""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.locking import lock_for_update
from charter_app.organisations.declaration_models import CarbonReductionPlan, QualityMark
from charter_app.organisations.models import Organisation

MAX_QUALITY_MARKS = 20


@dataclass(frozen=True)
class QualityMarkInput:
    name: str
    certificate_number: str | None
    url: str | None
    expires_on: date | None


@dataclass(frozen=True)
class CarbonPlanInput:
    url: str
    published_on: date
    review_on: date


class TooManyQualityMarks(Exception):
    """An organisation keeps at most MAX_QUALITY_MARKS; it removes one to add another."""


def quality_marks(organisation_id: int) -> list[QualityMark]:
    """The organisation's marks, by name (expired ones too: they are shown as expired)."""
    return list(db.session.scalars(
        select(QualityMark).where(QualityMark.organisation_id == organisation_id)
        .order_by(QualityMark.name, QualityMark.id)))


def quality_mark_of(organisation_id: int, mark_id: int) -> QualityMark | None:
    """One of the organisation's marks; None for another organisation's (never reveal it)."""
    return db.session.scalar(select(QualityMark).where(
        QualityMark.id == mark_id, QualityMark.organisation_id == organisation_id))


def carbon_plan(organisation_id: int) -> CarbonReductionPlan | None:
    return db.session.scalar(select(CarbonReductionPlan).where(
        CarbonReductionPlan.organisation_id == organisation_id))


def _apply(mark: QualityMark, values: QualityMarkInput, actor: User) -> None:
    mark.name = values.name
    mark.certificate_number = values.certificate_number or None
    mark.url = values.url or None
    mark.expires_on = values.expires_on
    mark.updated_by_id = actor.id


def add_quality_mark(organisation: Organisation, actor: User,
                     values: QualityMarkInput) -> QualityMark:
    lock_for_update(Organisation, organisation.id)
    held = db.session.scalar(select(func.count(QualityMark.id)).where(
        QualityMark.organisation_id == organisation.id)) or 0
    if held >= MAX_QUALITY_MARKS:
        raise TooManyQualityMarks(held)
    mark = QualityMark(organisation_id=organisation.id)
    _apply(mark, values, actor)
    db.session.add(mark)
    db.session.flush()
    return mark


def update_quality_mark(mark: QualityMark, actor: User, values: QualityMarkInput) -> QualityMark:
    lock_for_update(Organisation, mark.organisation_id)
    _apply(mark, values, actor)
    db.session.flush()
    return mark


def remove_quality_mark(organisation: Organisation, mark_id: int) -> bool:
    """Remove the mark; False when it had gone already (a second click, or a colleague)."""
    lock_for_update(Organisation, organisation.id)
    mark = quality_mark_of(organisation.id, mark_id)
    if mark is None:
        return False
    db.session.delete(mark)
    db.session.flush()
    return True


def save_carbon_plan(organisation: Organisation, actor: User,
                     values: CarbonPlanInput) -> CarbonReductionPlan:
    """Record the plan, or replace the one recorded: an organisation has one current plan."""
    lock_for_update(Organisation, organisation.id)
    plan = carbon_plan(organisation.id) or CarbonReductionPlan(organisation_id=organisation.id)
    plan.url = values.url
    plan.published_on = values.published_on
    plan.review_on = values.review_on
    plan.updated_by_id = actor.id
    db.session.add(plan)
    db.session.flush()
    return plan


def remove_carbon_plan(organisation: Organisation) -> bool:
    lock_for_update(Organisation, organisation.id)
    plan = carbon_plan(organisation.id)
    if plan is None:
        return False
    db.session.delete(plan)
    db.session.flush()
    return True
