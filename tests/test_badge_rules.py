"""The badge rules at their boundaries, as pure functions of the evidence (badges/rules.py)."""

from datetime import date, timedelta

from charter_app.badges.rules import (
    AnnualUpdateRecord,
    Evidence,
    counts_on,
    first_day_without,
    level_on,
    next_level,
)

TODAY = date(2026, 11, 23)


def _gold(**changes) -> Evidence:
    values = dict(
        in_good_standing=True,
        reports=(date(2026, 1, 20), date(2026, 4, 20), date(2026, 7, 20), date(2026, 10, 20)),
        checked_reports=(date(2026, 4, 20),),
        themes={"jobs": date(2026, 10, 20), "growth": date(2026, 7, 20),
                "social": date(2026, 4, 20)},
        events=(date(2026, 6, 3),),
        annual_updates=(AnnualUpdateRecord(due_on=date(2026, 3, 1), filed_on=date(2026, 2, 27)),),
    )
    values.update(changes)
    return Evidence(**values)


def test_evidence_counts_for_twelve_months_and_falls_out_on_its_anniversary():
    sent = date(2025, 11, 23)
    assert counts_on(sent, date(2026, 11, 22))
    assert not counts_on(sent, date(2026, 11, 23))
    assert not counts_on(sent, date(2025, 11, 22))  # not before it happened


def test_evidence_from_29_february_counts_until_28_february():
    assert counts_on(date(2024, 2, 29), date(2025, 2, 28))
    assert not counts_on(date(2024, 2, 29), date(2025, 3, 1))


def test_each_level_by_its_evidence():
    assert level_on(Evidence(in_good_standing=False), TODAY) is None
    assert level_on(Evidence(in_good_standing=True), TODAY).key == "bronze"
    silver = Evidence(in_good_standing=True, reports=(date(2026, 4, 1), date(2026, 8, 1)),
                      events=(date(2026, 9, 9),))
    assert level_on(silver, TODAY).key == "silver"
    assert level_on(_gold(), TODAY).key == "gold"
    # A lapsed signatory with all the evidence of gold holds nothing.
    assert level_on(_gold(in_good_standing=False), TODAY) is None


def test_gold_needs_every_one_of_its_criteria():
    assert level_on(_gold(reports=_gold().reports[1:]), TODAY).key == "silver"
    assert level_on(_gold(checked_reports=()), TODAY).key == "silver"
    assert level_on(_gold(themes={"jobs": date(2026, 10, 20), "growth": date(2026, 7, 20)}),
                    TODAY).key == "silver"
    late = (AnnualUpdateRecord(due_on=date(2026, 3, 1), filed_on=date(2026, 3, 2)),)
    assert level_on(_gold(annual_updates=late), TODAY).key == "silver"
    assert level_on(_gold(events=()), TODAY).key == "bronze"  # silver needs an event too


def test_an_annual_update_filed_on_the_anniversary_is_on_time_and_counts_until_the_next():
    on_the_day = (AnnualUpdateRecord(due_on=date(2026, 3, 1), filed_on=date(2026, 3, 1)),)
    assert level_on(_gold(annual_updates=on_the_day), TODAY).key == "gold"
    # On the next anniversary the next update can still be filed on time: gold holds that day,
    # and drops the day after if it was not.
    evidence = _gold(annual_updates=on_the_day + (AnnualUpdateRecord(date(2027, 3, 1), None),),
                     reports=(date(2026, 4, 20), date(2026, 7, 20), date(2026, 10, 20),
                              date(2027, 1, 20)),
                     events=(date(2027, 2, 1),), checked_reports=(date(2026, 10, 20),))
    assert level_on(evidence, date(2027, 3, 1)).key == "gold"
    assert level_on(evidence, date(2027, 3, 2)).key == "silver"


def test_the_level_drops_on_the_day_its_oldest_needed_report_ages_out():
    evidence = _gold()
    assert first_day_without("gold", evidence, TODAY, TODAY + timedelta(days=30)) is None
    # The first of the four reports (20 January 2026) stops counting on 20 January 2027.
    assert first_day_without("gold", evidence, TODAY, date(2027, 3, 1)) == date(2027, 1, 20)
    assert level_on(evidence, date(2027, 1, 19)).key == "gold"
    assert level_on(evidence, date(2027, 1, 20)).key == "silver"


def test_the_dashboard_is_told_what_the_next_level_still_needs():
    level, missing = next_level(Evidence(in_good_standing=True, reports=(date(2026, 9, 1),)),
                                TODAY)
    assert level.key == "silver"
    assert missing == ["2 quarterly reports submitted in the last 12 months",
                       "an event attended (checked in at the door) in the last 12 months"]
    assert next_level(_gold(), TODAY) is None
