"""Working days (Monday to Friday, less England and Wales bank holidays) and the 10-working-day
review promise the staff queue counts against."""

from datetime import UTC, date, datetime

import pytest

from charter_app.timeutil import (
    REVIEW_PROMISE_WORKING_DAYS,
    add_working_days,
    bank_holidays,
    is_working_day,
    review_clock,
    working_days_between,
)

# GOV.UK's published list for England and Wales, 2026 (gov.uk/bank-holidays): Boxing Day falls on
# a Saturday, so its substitute is Monday 28 December.
GOV_UK_2026 = {
    date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 5, 25),
    date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
}


def test_the_bank_holidays_that_fall_on_weekdays_are_gov_uks_2026_list():
    assert {day for day in bank_holidays(2026) if day.weekday() < 5} == GOV_UK_2026


@pytest.mark.parametrize(("day", "working"), [
    (date(2026, 11, 20), True),    # a Friday
    (date(2026, 11, 21), False),   # Saturday
    (date(2026, 11, 22), False),   # Sunday
    (date(2026, 4, 3), False),     # Good Friday
    (date(2026, 4, 6), False),     # Easter Monday
    (date(2026, 12, 28), False),   # Boxing Day's substitute
    (date(2026, 12, 29), True),
])
def test_working_days_skip_weekends_and_bank_holidays(day, working):
    assert is_working_day(day) is working


@pytest.mark.parametrize(("start", "end", "count"), [
    (date(2026, 11, 20), date(2026, 11, 20), 0),   # the same day
    (date(2026, 11, 20), date(2026, 11, 23), 1),   # Friday to Monday
    (date(2026, 11, 21), date(2026, 11, 23), 1),   # a Saturday submission, seen on Monday
    (date(2026, 4, 2), date(2026, 4, 7), 1),       # over Easter
    (date(2026, 12, 24), date(2026, 12, 29), 1),   # over Christmas
    (date(2026, 11, 9), date(2026, 11, 23), 10),   # two whole weeks
    (date(2026, 11, 23), date(2026, 11, 20), 0),   # the end before the start
])
def test_working_days_between_counts_the_days_after_the_start(start, end, count):
    assert working_days_between(start, end) == count


def test_ten_working_days_from_mid_december_reach_past_christmas():
    # 15-18, 21-24 December (8), then 29 and 30: the 25th and the 28th are bank holidays.
    assert add_working_days(date(2026, 12, 14), 10) == date(2026, 12, 30)
    assert add_working_days(date(2026, 11, 20), 0) == date(2026, 11, 20)


def test_the_review_clock_counts_in_uk_dates():
    # 23:30 UTC on Friday 29 May 2026 is already Saturday in London (BST): the clock starts
    # from Saturday, so on Monday it has waited one working day, not two.
    clock = review_clock(datetime(2026, 5, 29, 23, 30, tzinfo=UTC),
                         now=datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    assert clock.waiting == 1
    assert not clock.overdue


def test_an_application_is_overdue_only_after_the_promised_working_days():
    submitted = datetime(2026, 11, 9, 10, 0, tzinfo=UTC)  # a Monday
    on_the_last_day = review_clock(submitted, now=datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    assert on_the_last_day.waiting == REVIEW_PROMISE_WORKING_DAYS == 10
    assert on_the_last_day.due == date(2026, 11, 23)
    assert not on_the_last_day.overdue
    assert on_the_last_day.days_over == 0

    a_day_late = review_clock(submitted, now=datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    assert a_day_late.waiting == 11
    assert a_day_late.overdue
    assert a_day_late.days_over == 1
