"""The badge rules, in one place: what each level asks for, in code and in the plain words the
public `/badges` page, the dashboard and the emails show.

Levels are worked out from the last 12 months of evidence. A piece of evidence dated D (a UK
date) counts from D until the day before its first anniversary: a report first submitted on
23 November 2025 counts up to 22 November 2026 and falls out on 23 November 2026 (evidence
dated 29 February counts up to 28 February of the next year).

Pure functions over `Evidence`, so each rule is tested at its boundaries without a database;
badges/evidence.py gathers the evidence.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

EVIDENCE_MONTHS = 12


def anniversary(day: date) -> date:
    """The same day a year on; 29 February's is 1 March."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return date(day.year + 1, 3, 1)


def counts_on(evidence_day: date, today: date) -> bool:
    """Evidence dated `evidence_day` is within the last 12 months on `today`."""
    return evidence_day <= today < anniversary(evidence_day)


@dataclass(frozen=True)
class AnnualUpdateRecord:
    due_on: date  # the pledge year's anniversary
    filed_on: date | None  # the UK day the update was submitted, if it was


@dataclass(frozen=True)
class Evidence:
    """What one organisation has done, each item by its UK date."""

    in_good_standing: bool  # an approved signatory (not lapsed, suspended or withdrawn)
    reports: tuple[date, ...] = ()  # each quarterly report, by the day it was first submitted
    checked_reports: tuple[date, ...] = ()  # those staff checked, by the same day
    # Each theme delivery was reported under, by the latest report that reported it.
    themes: dict[str, date] = field(default_factory=dict)
    events: tuple[date, ...] = ()  # each event attended, by the day it started
    annual_updates: tuple[AnnualUpdateRecord, ...] = ()


def _at_least(count: int, days) -> Callable[[date], bool]:
    return lambda today: sum(counts_on(day, today) for day in days) >= count


def _annual_update_on_time(evidence: Evidence, today: date) -> bool:
    """The update for the pledge year that most recently reached its anniversary (before
    today: on the anniversary itself the update can still be filed on time) was filed by it."""
    fell_due = [record for record in evidence.annual_updates if record.due_on < today]
    if not fell_due:
        return False
    latest = max(fell_due, key=lambda record: record.due_on)
    return latest.filed_on is not None and latest.filed_on <= latest.due_on


@dataclass(frozen=True)
class Criterion:
    words: str  # as the public page lists it
    met: Callable[[Evidence, date], bool]


GOOD_STANDING = Criterion(
    "an approved signatory in good standing (not lapsed, suspended or withdrawn)",
    lambda evidence, today: evidence.in_good_standing)


def _reports(count: int) -> Criterion:
    words = "a quarterly report" if count == 1 else f"{count} quarterly reports"
    if count == 4:
        words = "all four quarterly reports"
    return Criterion(f"{words} submitted in the last 12 months",
                     lambda evidence, today: _at_least(count, evidence.reports)(today))


EVENT_ATTENDED = Criterion(
    "an event attended (checked in at the door) in the last 12 months",
    lambda evidence, today: _at_least(1, evidence.events)(today))
THREE_THEMES = Criterion(
    "delivery reported under at least 3 of the 5 themes in the last 12 months",
    lambda evidence, today: _at_least(3, evidence.themes.values())(today))
REPORT_CHECKED = Criterion(
    "at least one of those reports checked by staff",
    lambda evidence, today: _at_least(1, evidence.checked_reports)(today))
ANNUAL_UPDATE_ON_TIME = Criterion(
    "the last annual pledge update filed on time (by the pledge anniversary)",
    _annual_update_on_time)


@dataclass(frozen=True)
class Level:
    key: str
    name: str
    criteria: tuple[Criterion, ...]

    def holds(self, evidence: Evidence, today: date) -> bool:
        return all(criterion.met(evidence, today) for criterion in self.criteria)

    def missing(self, evidence: Evidence, today: date) -> list[str]:
        return [criterion.words for criterion in self.criteria
                if not criterion.met(evidence, today)]


# Lowest first. A level's criteria are complete in themselves (gold lists everything it needs).
LEVELS: tuple[Level, ...] = (
    Level("bronze", "Bronze", (GOOD_STANDING,)),
    Level("silver", "Silver", (GOOD_STANDING, _reports(2), EVENT_ATTENDED)),
    Level("gold", "Gold", (GOOD_STANDING, _reports(4), THREE_THEMES, ANNUAL_UPDATE_ON_TIME,
                           REPORT_CHECKED, EVENT_ATTENDED)),
)
LEVEL_KEYS = tuple(level.key for level in LEVELS)
LEVELS_BY_KEY = {level.key: level for level in LEVELS}


def level_on(evidence: Evidence, today: date) -> Level | None:
    """The highest level the evidence earns on `today`; None when not even bronze."""
    earned = None
    for level in LEVELS:
        if level.holds(evidence, today):
            earned = level
    return earned


def next_level(evidence: Evidence, today: date) -> tuple[Level, list[str]] | None:
    """The level above today's and what is still missing for it; None at the top."""
    current = level_on(evidence, today)
    index = LEVELS.index(current) + 1 if current else 0
    if index >= len(LEVELS):
        return None
    return LEVELS[index], LEVELS[index].missing(evidence, today)


def first_day_without(level_key: str, evidence: Evidence, after: date, today: date) -> date | None:
    """The first day after `after`, up to `today`, on which the level no longer held, or None
    if it held every day: how the nightly re-check ends a level on the right day, however late
    it runs (at most a few hundred cheap evaluations)."""
    day = after + timedelta(days=1)
    while day <= today:
        earned = level_on(evidence, day)
        if earned is None or earned.key != level_key:
            return day
        day += timedelta(days=1)
    return None


# --- the other badges, in words ----------------------------------------------------------------

SIGNATORY_WORDS = ("Earned when the organisation's application to sign the Charter is approved. "
                   "Valid while it is a signatory in good standing.")
REPORTED_WORDS = ("Earned for a pledge year when the organisation files its annual pledge update "
                  "reviewing that year. Valid until the next year's update falls due.")
REVOKED_WORDS = ("When a signatory lapses (its annual update more than 60 days late), is "
                 "suspended or withdraws, all its badges are revoked, with the reason. Revocation "
                 "is final for that award; back in good standing, the organisation earns new ones.")
