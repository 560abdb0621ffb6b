"""UK financial-year quarters (April to March), the unit signatories report in.

A report is due 30 days after its quarter ends, late after that, and missing 60 days after the
quarter ends (DESIGN.md section 3; issue 6). The year is the one the financial year starts in,
as in ProxyValue.financial_year: 2026 is April 2026 to March 2027, written "2026-27".
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

DUE_AFTER_DAYS = 30
MISSING_AFTER_DAYS = 60
# The first month of each quarter: April, July, October, then January of the next year.
_FIRST_MONTHS = {1: 4, 2: 7, 3: 10, 4: 1}
_FINANCIAL_YEAR = re.compile(r"([0-9]{4})-([0-9]{2})\Z")


class ReportState(StrEnum):
    NOT_STARTED = "not started"  # the quarter has not begun: nothing can be reported yet
    OPEN = "open"  # the quarter is running: entries can be added through it
    DUE = "due"  # the quarter has ended and the report is not yet late
    LATE = "late"
    MISSING = "missing"
    SUBMITTED = "submitted"


@dataclass(frozen=True, order=True)
class FinancialQuarter:
    year: int  # the calendar year the financial year starts in
    number: int  # 1 (April to June) to 4 (January to March)

    def __post_init__(self):
        if self.number not in _FIRST_MONTHS:
            raise ValueError(f"A financial quarter is numbered 1 to 4, not {self.number}")

    @classmethod
    def containing(cls, day: date) -> "FinancialQuarter":
        year = day.year if day.month >= 4 else day.year - 1
        return cls(year, (day.month - 4) % 12 // 3 + 1)

    @classmethod
    def parse(cls, financial_year: str, number: int) -> "FinancialQuarter":
        """From the public form, "2026-27" and 2; ValueError for anything else."""
        match = _FINANCIAL_YEAR.match(financial_year)
        if not match or (int(match[1]) + 1) % 100 != int(match[2]):
            raise ValueError(f"{financial_year!r} is not a financial year like 2026-27")
        return cls(int(match[1]), number)

    @property
    def financial_year(self) -> str:
        return f"{self.year}-{(self.year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        return f"{self.financial_year} Q{self.number}"

    @property
    def starts_on(self) -> date:
        month = _FIRST_MONTHS[self.number]
        return date(self.year + (month < 4), month, 1)

    @property
    def ends_on(self) -> date:
        return self.next().starts_on - timedelta(days=1)

    def next(self) -> "FinancialQuarter":
        if self.number == 4:
            return FinancialQuarter(self.year + 1, 1)
        return FinancialQuarter(self.year, self.number + 1)

    @property
    def due_on(self) -> date:
        """The last day a report counts as on time."""
        return self.ends_on + timedelta(days=DUE_AFTER_DAYS)

    @property
    def missing_from(self) -> date:
        return self.ends_on + timedelta(days=MISSING_AFTER_DAYS)

    def state_on(self, today: date, submitted: bool = False) -> ReportState:
        if submitted:
            return ReportState.SUBMITTED
        if today < self.starts_on:
            return ReportState.NOT_STARTED
        if today <= self.ends_on:
            return ReportState.OPEN
        if today <= self.due_on:
            return ReportState.DUE
        if today < self.missing_from:
            return ReportState.LATE
        return ReportState.MISSING
