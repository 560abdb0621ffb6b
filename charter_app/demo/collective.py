"""Demo collective reports: the two quarters before the latest closed one published (by the
demo's member of staff), and a draft for the latest closed quarter, as staff would leave them
mid-way through the cycle. The figures are the demo's own, computed by the rules."""

from datetime import datetime

from sqlalchemy import select

from charter_app.accounts.models import User
from charter_app.extensions import db
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports import publishing
from charter_app.reports.figures import previous_quarter
from charter_app.timeutil import london_date

COMMENTARY = ("Demo data: a quarter of the County Durham Pound Charter as the demo's fictional "
              "signatories reported it.")


def latest_closed(today) -> FinancialQuarter:
    quarter = FinancialQuarter.containing(today)
    while not publishing.is_closed(quarter, today):
        quarter = previous_quarter(quarter)
    return quarter


def seed(now: datetime) -> None:
    staff = db.session.scalar(select(User).where(User.is_staff).order_by(User.id).limit(1))
    today = london_date(now)
    latest = latest_closed(today)
    for quarter in (previous_quarter(previous_quarter(latest)), previous_quarter(latest)):
        draft = publishing.start_draft(quarter, today)
        publishing.save_draft(draft, COMMENTARY, "", None)
        publishing.publish(draft, staff, now)
    draft = publishing.start_draft(latest, today)
    publishing.save_draft(draft, COMMENTARY, "", None)
