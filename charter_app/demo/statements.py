"""Demo quality marks, carbon reduction plans and a statement for bids, for the signatory login's
organisation and two others. Certificate numbers and links are fictional (example.org)."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from charter_app.accounts.models import Membership
from charter_app.extensions import db
from charter_app.organisations.declaration_models import CarbonReductionPlan, QualityMark
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.reports.statement import generate_statement

# (name, certificate number, expiry in days from today: negative is already expired)
MARKS = [
    [("ISO 9001", "QMS-40117", 400), ("Cyber Essentials", "CE-2291-77", -20)],
    [("Investors in People", "IIP-55120", 700)],
    [("ISO 14001", "EMS-88213", 250), ("Social Enterprise Mark", None, 120)],
]


def seed(now: datetime) -> None:
    today = now.date()
    showcase = db.session.scalar(select(Organisation).where(
        Organisation.slug == "teesdale-timber-frames"))
    others = db.session.scalars(select(Organisation).where(
        Organisation.status == ApplicationStatus.APPROVED,
        Organisation.slug != "teesdale-timber-frames").order_by(Organisation.id).limit(2)).all()
    chosen = [organisation for organisation in (showcase, *others) if organisation is not None]
    for organisation, marks in zip(chosen, MARKS, strict=False):
        slug = organisation.slug or str(organisation.id)
        for name, number, days in marks:
            db.session.add(QualityMark(
                organisation_id=organisation.id, name=name, certificate_number=number,
                url=None if number else f"https://www.example.org/register/{slug}",
                expires_on=today + timedelta(days=days)))
        db.session.add(CarbonReductionPlan(
            organisation_id=organisation.id, url=f"https://www.example.org/{slug}/carbon-plan",
            published_on=date(today.year - 1, 4, 1), review_on=date(today.year + 1, 3, 31)))
        db.session.flush()
        owner = db.session.scalar(select(Membership).where(
            Membership.organisation_id == organisation.id).order_by(Membership.id).limit(1))
        if owner is not None:
            generate_statement(organisation, owner.user, now)
