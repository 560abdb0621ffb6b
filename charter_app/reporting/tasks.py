"""The reporting domain's scheduled work: lapsing signatories whose annual update is long
overdue (the rule lives in reporting/annual.py), and reminding signatories of their annual
update and quarterly reports (reporting/reminders.py)."""

from datetime import datetime

from charter_app.reporting import reminders
from charter_app.reporting.annual import lapse_if_overdue, overdue_signatories
from charter_app.timeutil import london_date


def lapse_overdue_signatories(now: datetime) -> int:
    """Lapse every approved signatory more than the grace period past its annual update, as of
    `now`'s UK date; how many were lapsed. A lapsed signatory is no longer approved, so a second
    run for the same time finds nobody and sends nothing. The job runner commits."""
    today = london_date(now)
    return sum(lapse_if_overdue(organisation, today) is not None
               for organisation in overdue_signatories(today))


def remind_annual_updates(now: datetime) -> int:
    """The latest reminder that fell due of each approved signatory's annual update not yet in,
    as of `now`'s UK date, to each member once; how many emails were queued."""
    return reminders.remind_annual_updates(now)


def remind_quarterly_reports(now: datetime) -> int:
    """The latest reminder that fell due of each quarterly report an approved signatory owes
    and has not submitted (until the day it is due), to each member once; how many emails."""
    return reminders.remind_quarterly_reports(now)
