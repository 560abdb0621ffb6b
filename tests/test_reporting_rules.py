"""The rules reports are built on: financial quarters and their deadlines, and gross and net
social value in exact Decimals (property-based, as issue 6 asks)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter_app.reporting.calculations import (
    Deflators,
    SocialValue,
    entry_value,
    pennies,
    total,
)
from charter_app.reporting.quarters import FinancialQuarter, ReportState

RULES = settings(max_examples=300, deadline=None, derandomize=True)
days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
quantities = st.decimals(min_value=0, max_value=Decimal("99999999999999.99"), places=2)
proxy_values = st.decimals(min_value=0, max_value=Decimal("9999999999.9999"), places=4)
percentages = st.decimals(min_value=0, max_value=100, places=2)
deflators = st.builds(Deflators, percentages, percentages, percentages)


@RULES
@given(days)
def test_every_day_falls_in_exactly_the_quarter_that_contains_it(day):
    quarter = FinancialQuarter.containing(day)
    assert quarter.starts_on <= day <= quarter.ends_on
    assert FinancialQuarter.containing(quarter.starts_on - timedelta(days=1)).next() == quarter
    assert quarter.next().starts_on == quarter.ends_on + timedelta(days=1)


@pytest.mark.parametrize("year, length", [(2026, 365), (2027, 366)])
def test_four_quarters_make_a_financial_year_from_april_to_march(year, length):
    quarters = [FinancialQuarter(year, number) for number in (1, 2, 3, 4)]
    assert [(q.starts_on, q.ends_on) for q in quarters] == [
        (date(year, 4, 1), date(year, 6, 30)),
        (date(year, 7, 1), date(year, 9, 30)),
        (date(year, 10, 1), date(year, 12, 31)),
        (date(year + 1, 1, 1), date(year + 1, 3, 31)),
    ]
    assert (quarters[3].ends_on - quarters[0].starts_on).days + 1 == length  # 2028 is a leap year
    assert quarters[1].label == f"{year}-{(year + 1) % 100:02d} Q2"


def test_financial_years_are_read_as_the_public_addresses_write_them():
    assert FinancialQuarter.parse("2026-27", 2) == FinancialQuarter(2026, 2)
    assert FinancialQuarter.parse("2099-00", 4) == FinancialQuarter(2099, 4)
    for bad_year, number in (("2026-28", 1), ("2026", 1), ("26-27", 1), ("2026-27", 5),
                             ("2026-27\n", 1), ("\u0662\u0660\u0662\u0666-27", 1)):
        with pytest.raises(ValueError):
            FinancialQuarter.parse(bad_year, number)


def test_a_report_is_due_30_days_after_its_quarter_late_after_that_missing_from_60():
    quarter = FinancialQuarter(2026, 2)  # July to September 2026
    on = quarter.state_on
    assert on(date(2026, 6, 30)) == ReportState.NOT_STARTED
    assert on(date(2026, 7, 1)) == on(date(2026, 9, 30)) == ReportState.OPEN
    assert on(date(2026, 10, 1)) == on(date(2026, 10, 30)) == ReportState.DUE
    assert on(date(2026, 10, 31)) == on(date(2026, 11, 28)) == ReportState.LATE
    assert on(date(2026, 11, 29)) == ReportState.MISSING
    assert on(date(2026, 11, 29), submitted=True) == ReportState.SUBMITTED


@RULES
@given(quantities, proxy_values, deflators)
def test_net_is_never_above_gross_and_both_are_exact(quantity, proxy_value, deflated):
    value = entry_value(quantity, proxy_value, deflated)
    assert value.gross == quantity * proxy_value
    assert 0 <= value.net <= value.gross


def test_net_applies_each_deflator_in_turn():
    value = entry_value(Decimal("10"), Decimal("17.48"),
                        Deflators(Decimal(25), Decimal(50), Decimal(0)))
    assert value == SocialValue(Decimal("174.80"), Decimal("65.55"))
    assert entry_value(Decimal(3), Decimal(2)).net == Decimal(6)  # no deflators: net is gross
    assert entry_value(Decimal(3), Decimal(2), Deflators(displacement=Decimal(100))).net == 0


@RULES
@given(st.lists(st.tuples(quantities, proxy_values, deflators), max_size=30))
def test_totals_are_the_sum_of_exact_entries_and_display_loses_at_most_half_a_penny_each(rows):
    values = [entry_value(*row) for row in rows]
    summed = total(values)
    assert summed.gross == sum((value.gross for value in values), Decimal(0))
    assert summed.net == sum((value.net for value in values), Decimal(0))
    for value in values:
        assert abs(pennies(value.gross) - value.gross) <= Decimal("0.005")
    assert abs(sum(pennies(v.gross) for v in values) - summed.gross) <= (
        Decimal("0.005") * len(values))


@pytest.mark.parametrize("bad", [Decimal(-1), Decimal("100.01"), Decimal("NaN")])
def test_a_deflator_outside_0_to_100_is_refused(bad):
    with pytest.raises(ValueError, match="from 0 to 100"):
        Deflators(deadweight=bad)


def test_negative_quantities_are_refused_and_halves_of_a_penny_round_up_for_display():
    with pytest.raises(ValueError):
        entry_value(Decimal(-1), Decimal(1))
    assert pennies(Decimal("0.005")) == Decimal("0.01")
    assert pennies(Decimal("1234.5649")) == Decimal("1234.56")
