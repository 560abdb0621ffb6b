"""The staff page of every reminder timing, under /staff/reminders: read from
reminders/schedule.py and the rules it works beside (lapsing, report due and missing days), so
the page says what the jobs do."""

import calendar
from dataclasses import dataclass

from flask import Blueprint, render_template

from charter_app.access import staff_required
from charter_app.reminders import schedule
from charter_app.reporting.annual import LAPSES_AFTER_DAYS
from charter_app.reporting.quarters import DUE_AFTER_DAYS, MISSING_AFTER_DAYS

bp = Blueprint("reminders_staff", __name__)


@dataclass(frozen=True)
class Timing:
    when: str
    what: str


@dataclass(frozen=True)
class Kind:
    name: str
    who: str
    timings: list[Timing]


def _clock(hour: int) -> str:
    return f"{hour % 12 or 12}{'am' if hour < 12 else 'pm'}"


def _days(count: int) -> str:
    return f"{count} {'day' if count == 1 else 'days'}"


def timings() -> list[Kind]:
    """Every timing, grouped by what it is about, in the order it happens."""
    to_members = "A reminder to each member of the signatory"
    return [
        Kind("Annual pledge update", "Each member of an approved signatory, until the update "
             "is sent. Charter obligations: these always arrive, whatever a person's email "
             "preferences.",
             [Timing(reminder.says, to_members) for reminder in schedule.ANNUAL_UPDATE]
             + [Timing(f"more than {_days(LAPSES_AFTER_DAYS)} after the anniversary (on day "
                       f"{LAPSES_AFTER_DAYS + 1})",
                       "The signatory is marked as lapsed, and each member is told")]),
        Kind("Quarterly reports", "Each member of an approved signatory, for each quarter from "
             "the one it was approved in, until the report is submitted or due. Charter "
             "obligations: these always arrive.",
             [Timing(schedule.QUARTER_OPENS.says, to_members),
              Timing(schedule.QUARTER_DUE_SOON.says, to_members),
              Timing(f"{_days(DUE_AFTER_DAYS)} after the quarter ends",
                     "The report is due: after this day it is late (no more reminders; the "
                     "signatory's dashboard and the staff pages show it)"),
              Timing(f"{_days(MISSING_AFTER_DAYS)} after the quarter ends",
                     "A report not yet sent counts as missing")]),
        Kind("Events", "Each person with a place.",
             [Timing(reminder.says, "A reminder") for reminder in schedule.EVENT]
             + [Timing(schedule.WEBINAR_JOIN_LINK.says, "The link to join the webinar")]),
        Kind("Staff digest", "Each member of staff who wants it.",
             [Timing(f"every {calendar.day_name[schedule.STAFF_DIGEST_WEEKDAY]} at "
                     f"{_clock(schedule.STAFF_DIGEST_HOUR)} UK time",
                     "Applications waiting, reports to check, overdue and lapsed signatories, "
                     "and the next events with places left")]),
    ]


@bp.route("/staff/reminders")
@staff_required
def timings_page():
    return render_template("reminders/staff/timings.html", title="When reminders are sent",
                           kinds=timings())
