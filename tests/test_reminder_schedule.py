"""The reminder timings: only the latest reminder that fell due is the one to send."""

from datetime import UTC, date, datetime, timedelta

from charter_app.reminders import schedule


def test_before_the_first_reminder_nothing_is_due():
    assert schedule.latest_due(schedule.ANNUAL_UPDATE, date(2027, 6, 10), date(2027, 5, 10)
                               ) is None


def test_each_day_the_latest_reminder_that_fell_due_and_never_an_earlier_one():
    anniversary = date(2027, 6, 10)
    seen = {}
    day = anniversary - timedelta(days=40)
    while day <= anniversary + timedelta(days=40):
        due = schedule.latest_due(schedule.ANNUAL_UPDATE, anniversary, day)
        seen.setdefault(due.key if due else None, day)
        day += timedelta(days=1)
    assert seen == {None: date(2027, 5, 1), "T-30": date(2027, 5, 11), "T-7": date(2027, 6, 3),
                    "T0": date(2027, 6, 10), "T+14": date(2027, 6, 24)}


def test_a_scheduler_down_for_a_month_sends_only_the_latest():
    anniversary = date(2028, 2, 29)  # a leap-day anniversary
    assert schedule.latest_due(schedule.ANNUAL_UPDATE, anniversary, date(2028, 3, 20)).key == (
        "T+14")


def test_event_reminders_are_moments_before_the_start():
    start = datetime(2026, 10, 25, 10, tzinfo=UTC)  # the autumn clock-change day
    assert schedule.latest_due(schedule.EVENT, start, start - timedelta(days=7, seconds=1)
                               ) is None
    assert schedule.latest_due(schedule.EVENT, start, start - timedelta(days=7)).key == "T-7d"
    assert schedule.latest_due(schedule.EVENT, start, start - timedelta(hours=2)).key == "T-1d"
    assert schedule.WEBINAR_JOIN_LINK.due_at(start) == datetime(2026, 10, 25, 9, tzinfo=UTC)
