"""The reporting domain's scheduled work: lapsing signatories whose annual update is long
overdue (the rule lives in reporting/annual.py)."""

from datetime import datetime

from charter_app.reporting.annual import lapse_if_overdue, overdue_signatories
from charter_app.timeutil import london_date


def lapse_overdue_signatories(now: datetime) -> int:
    """Lapse every approved signatory more than the grace period past its annual update, as of
    `now`'s UK date; how many were lapsed. A lapsed signatory is no longer approved, so a second
    run for the same time finds nobody and sends nothing. The job runner commits."""
    today = london_date(now)
    return sum(lapse_if_overdue(organisation, today) is not None
               for organisation in overdue_signatories(today))
