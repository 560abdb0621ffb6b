"""Filing quarterly reports: start, enter, submit, correct; and the totals the database adds up."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.pledges.models import ProxyValue
from charter_app.reporting import services, totals
from charter_app.reporting.models import ReportEntry, ReportStatus
from charter_app.reporting.quarters import FinancialQuarter

Q3 = FinancialQuarter(2026, 3)
APPROVED = datetime(2026, 5, 10, 9, tzinfo=UTC)  # 2026-27 Q1


def _entry(build, code, quantity, **fields):
    return services.EntryInput(measure_id=build.measure(code).id, quantity=Decimal(quantity),
                               description=fields.pop("description", "Work done"), **fields)


@pytest.fixture
def signatory(build):
    owner = build.user()
    organisation = build.organisation(owner, status="approved", approved_at=APPROVED,
                                      pledges={"CDP-JOB-03": "52", "CDP-SOC-02": "200"})
    return organisation, owner


def test_a_report_opens_on_the_quarters_first_day_and_only_once(signatory):
    organisation, owner = signatory
    with pytest.raises(services.ReportRefused, match="has not started"):
        services.start_report(organisation, Q3, owner, today=date(2026, 9, 30))
    report = services.start_report(organisation, Q3, owner, today=date(2026, 10, 1))
    db.session.commit()
    assert report.status == ReportStatus.DRAFT and report.draft_revision.number == 1
    assert report.pledge_period == organisation.pledge_periods[0]
    with pytest.raises(services.ReportExists) as refused:
        services.start_report(organisation, Q3, owner, today=date(2026, 10, 2))
    assert refused.value.report.id == report.id
    with pytest.raises(services.ReportRefused, match="before you signed"):
        services.start_report(organisation, FinancialQuarter(2025, 4), owner,
                              today=date(2026, 10, 2))


def test_pledged_measures_come_first_then_every_other_active_one(signatory):
    organisation, owner = signatory
    report = services.start_report(organisation, Q3, owner, today=date(2026, 11, 1))
    pledged, others = services.measures_for(report)
    assert [measure.code for measure in pledged] == ["CDP-JOB-03", "CDP-SOC-02"]
    assert "CDP-JOB-01" in {measure.code for measure in others}
    assert not {"CDP-JOB-03", "CDP-SOC-02"} & {measure.code for measure in others}


def test_bad_entries_are_refused_beside_the_field(build, signatory):
    organisation, owner = signatory
    report = services.start_report(organisation, Q3, owner, today=date(2026, 11, 1))
    cases = [
        (_entry(build, "CDP-JOB-03", "-1"), "quantity", "0 or more"),
        (_entry(build, "CDP-JOB-03", "10001"), "quantity", "10,000"),
        (_entry(build, "CDP-JOB-03", "1", deadweight=Decimal("101"),
                deflator_reason="x"), "deadweight", "0 to 100"),
        (_entry(build, "CDP-JOB-03", "1", attribution=Decimal("25")), "deflator_reason", "why"),
    ]
    for data, field, words in cases:
        with pytest.raises(services.EntryInvalid, match=words) as refused:
            services.save_entry(report, data, owner)
        assert refused.value.field == field
    assert report.draft_revision.entries == []


def test_submitting_freezes_the_figures_and_a_catalogue_change_leaves_them(build, signatory):
    organisation, owner = signatory
    report = services.start_report(organisation, Q3, owner, today=date(2026, 11, 1))
    services.save_entry(report, _entry(build, "CDP-JOB-03", "10", deadweight=Decimal(50),
                                       deflator_reason="Half would have happened anyway"), owner)
    services.save_entry(report, _entry(build, "CDP-GRO-02", "2500"), owner)  # no proxy value
    revision = services.submit_report(report, owner)
    db.session.commit()
    entries = {entry.measure.code: entry for entry in revision.entries}
    assert entries["CDP-JOB-03"].gross == Decimal("3097.30")
    assert entries["CDP-JOB-03"].net == Decimal("1548.65")
    assert entries["CDP-GRO-02"].value is None  # reported, counted towards its target, not valued
    assert report.status == ReportStatus.SUBMITTED and report.draft_revision is None

    proxy = db.session.scalar(select(ProxyValue).where(
        ProxyValue.measure_id == build.measure("CDP-JOB-03").id,
        ProxyValue.financial_year == 2026))
    proxy.value = Decimal("999")
    db.session.commit()
    db.session.expire_all()
    entry = db.session.get(ReportEntry, entries["CDP-JOB-03"].id)
    assert (entry.proxy_value, entry.gross) == (Decimal("309.73"), Decimal("3097.30"))
    assert totals.grand_total(organisation_id=organisation.id).gross == Decimal("3097.30")

    with pytest.raises(StateChangeRefused):
        services.save_entry(report, _entry(build, "CDP-JOB-03", "11"), owner)


def test_a_correction_is_a_new_revision_and_counts_only_once_submitted(build, signatory):
    organisation, owner = signatory
    report = build.report(organisation, Q3, entries={"CDP-JOB-03": "10"}, actor=owner)
    correction = services.start_correction(report, owner)
    assert services.start_correction(report, owner) is correction  # a second click: same draft
    services.save_entry(report, _entry(build, "CDP-JOB-03", "12"), owner)
    db.session.commit()
    # The figures that count are still the first revision's until the correction is submitted.
    assert totals.grand_total(organisation_id=organisation.id).gross == Decimal("3097.30")
    with pytest.raises(services.EntryInvalid, match="correction changes"):
        services.submit_report(report, owner)
    services.submit_report(report, owner, change_note="We counted two more weeks")
    db.session.commit()
    assert [revision.number for revision in report.revisions] == [1, 2]
    assert totals.grand_total(organisation_id=organisation.id).gross == Decimal("3716.76")
    first, second = report.revisions
    changes = services.revision_changes(first, second)
    assert {(change.field, change.before, change.after) for change in changes} >= {
        ("quantity", Decimal("10.00"), Decimal("12.00"))}
    assert second.submitted_by == owner and second.change_note == "We counted two more weeks"


def test_discarding_a_correction_keeps_the_submitted_revision(build, signatory):
    organisation, owner = signatory
    report = build.report(organisation, Q3, entries={"CDP-JOB-03": "10"}, actor=owner)
    services.start_correction(report, owner)
    services.discard_draft(report)
    db.session.commit()
    assert [revision.number for revision in report.revisions] == [1]
    assert report.submitted_revision.number == 1 and report.draft_revision is None


def test_totals_group_by_theme_quarter_area_and_say_what_was_checked(build, signatory):
    organisation, owner = signatory
    q1, q2 = FinancialQuarter(2026, 1), FinancialQuarter(2026, 2)
    first = build.report(organisation, q1, entries={"CDP-JOB-03": "10"}, actor=owner)
    build.report(organisation, q2, entries={"CDP-JOB-03": "1", "CDP-SOC-02": "100"}, actor=owner)
    report = services.start_report(organisation, Q3, owner, today=date(2026, 11, 1))
    services.save_entry(report, _entry(build, "CDP-SOC-02", "5", location="dh1 3he"), owner)
    services.submit_report(report, owner)
    first.status = ReportStatus.CHECKED
    db.session.commit()

    by_theme = totals.totals_by("theme", organisation_id=organisation.id)
    assert by_theme["jobs"].gross == Decimal("3407.03")
    assert by_theme["jobs"].checked_gross == Decimal("3097.30")
    assert by_theme["social"].gross == Decimal("1835.40")
    by_quarter = totals.totals_by("quarter", first=q2, last=Q3)
    assert sorted(by_quarter) == [q2, Q3]
    assert totals.totals_by("area")["Durham"].gross == Decimal("87.40")
    quantities = totals.quantities_by_measure(organisation.id, organisation.pledge_periods[0].id)
    assert quantities[build.measure("CDP-JOB-03").id] == Decimal("11.00")


def test_last_complete_quarters():
    assert totals.last_complete_quarters(date(2026, 11, 22)) == [
        FinancialQuarter(2025, 3), FinancialQuarter(2025, 4),
        FinancialQuarter(2026, 1), FinancialQuarter(2026, 2)]


quantities = st.decimals(min_value=0, max_value=10_000, places=2)
percentages = st.sampled_from([Decimal(value) for value in (0, 25, 50, 75, 100)]) | st.decimals(
    min_value=0, max_value=100, places=2)


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.tuples(quantities, percentages, percentages, percentages),
                min_size=1, max_size=4))
def test_the_database_total_is_the_exact_sum_of_the_entries(app_ctx, rows):
    from tests.builders import Builders

    build = Builders()
    organisation = build.organisation(build.user(), status="approved", approved_at=APPROVED)
    codes = ["CDP-JOB-03", "CDP-SOC-02", "CDP-ENV-02", "CDP-JOB-01"]
    report = services.start_report(organisation, Q3, None, today=date(2026, 11, 1))
    for code, (quantity, deadweight, attribution, displacement) in zip(codes, rows, strict=False):
        measure = build.measure(code)
        services.save_entry(report, services.EntryInput(
            measure_id=measure.id, quantity=min(quantity, measure.plausible_max),
            description="x", deadweight=deadweight, attribution=attribution,
            displacement=displacement, deflator_reason="Tested"), None)
    revision = services.submit_report(report, None)
    db.session.commit()
    figures = totals.grand_total(organisation_id=organisation.id)
    assert figures.gross == sum(entry.gross for entry in revision.entries)
    assert figures.net == sum(entry.net for entry in revision.entries)
    for entry in revision.entries:
        assert entry.net <= entry.gross


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(quantities, st.decimals(min_value=0, max_value=100_000, places=4), percentages)
def test_a_catalogue_change_after_submission_never_changes_a_submitted_figure(
        app_ctx, quantity, new_value, deadweight):
    from tests.builders import Builders

    build = Builders()
    organisation = build.organisation(build.user(), status="approved", approved_at=APPROVED)
    measure = build.measure("CDP-JOB-03")
    report = services.start_report(organisation, Q3, None, today=date(2026, 11, 1))
    services.save_entry(report, services.EntryInput(
        measure_id=measure.id, quantity=quantity, description="x", deadweight=deadweight,
        deflator_reason="Tested"), None)
    (entry,) = services.submit_report(report, None).entries
    db.session.commit()
    before = (entry.proxy_value, entry.proxy_source, entry.gross, entry.net,
              totals.grand_total(organisation_id=organisation.id))

    proxy = services.proxy_for(measure, 2026)
    proxy.value, proxy.source, proxy.edition = new_value, "A later edition", "2027"
    db.session.commit()
    db.session.expire_all()
    entry = db.session.get(ReportEntry, entry.id)
    assert (entry.proxy_value, entry.proxy_source, entry.gross, entry.net,
            totals.grand_total(organisation_id=organisation.id)) == before
    # Put the example value back for the next example (the fixture restores it after the test).
    proxy.value, proxy.source, proxy.edition = Decimal("309.73"), before[1], None
    db.session.commit()
