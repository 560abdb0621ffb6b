"""`charter seed-demo` loads realistic data that the directory, staff pages and dashboards can
show: signatories with pledges, and two financial years of quarterly reports filed through the
reporting services."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from charter_app.accounts.models import User
from charter_app.badges.models import BadgeAward
from charter_app.events import registrations
from charter_app.events.models import Booking, Event, Feedback, Registration
from charter_app.extensions import db
from charter_app.hub.case_study_models import CaseStudy
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import Organisation, StatusChange
from charter_app.pledges.models import Measure, PledgePeriod, ProxyValue
from charter_app.pledges.services import add_years
from charter_app.presentation import uk_date
from charter_app.reporting import annual, services, totals
from charter_app.reporting import tasks as reporting_tasks
from charter_app.reporting.calculations import entry_value
from charter_app.reporting.models import (
    AnnualUpdate,
    QuarterlyReport,
    ReportCheck,
    ReportEntry,
    ReportRevision,
    exact_pounds,
)
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reports.models import CollectiveReport
from charter_app.timeutil import london_date, utcnow

DEMO_PROXY_SOURCE = ("Demo data only: the 2026-27 example value reused for 2025-26; not a "
                     "published 2025-26 figure")


def test_seed_demo_loads_signatories_applications_and_logins_once(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["charter", "seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert ("Loaded demo data: 49 approved signatories, 1 lapsed, 6 applications waiting for "
            "review, 1 draft;") in result.output
    assert "staff@example.org  password: demo-staff-password" in result.output
    assert "signatory@example.org  password: demo-signatory-password" in result.output

    with app.app_context():
        statuses = dict(db.session.execute(
            select(Organisation.status, func.count()).group_by(Organisation.status)).all())
        areas = db.session.scalar(select(func.count(func.distinct(Organisation.area))))
        sectors = set(db.session.scalars(select(Organisation.sector).distinct()))
        loaded = _report_counts()
    assert statuses["approved"] == 49 and statuses["lapsed"] == 1
    assert statuses["submitted"] == 6 and statuses["draft"] == 1
    assert areas >= 5 and sectors == {"private", "third"}
    # Badges, as the rules give them from the demo's year of evidence: every level held by
    # someone, Reported badges, levels that ended (expired), and the lapsed one's revoked.
    with app.app_context():
        now = utcnow()
        held = Counter((award.name if award.kind != "reported" else "Reported",
                        award.state(now).value) for award in db.session.scalars(select(BadgeAward)))
    for level in ("Bronze level", "Silver level", "Gold level", "Reported", "Charter Signatory"):
        assert held[level, "valid"] >= 1, held
    assert sum(count for (_, state), count in held.items() if state == "expired") >= 1
    assert held["Charter Signatory", "revoked"] == 1
    # The partnership's collective reports: two quarters published, the latest closed in draft.
    with app.app_context():
        reports = db.session.scalars(select(CollectiveReport)).all()
    assert sorted(report.status for report in reports) == ["draft", "published", "published"]
    published = client.get("/reports").get_data(as_text=True)
    assert published.count("Progress report 20") == 2
    # The demo partners have pages: real, general facts; placeholder contacts marked as demo.
    council = client.get("/partners/durham-county-council").get_data(as_text=True)
    assert "NEPO" in council and "social.value@partner.example" in council
    assert "Demo contact" in council
    # A dozen case studies with drawn pictures: most published, some for staff to moderate.
    listed = client.get("/case-studies").get_data(as_text=True)
    assert "9 case studies" in listed
    assert 'href="/case-studies/a-repair-cafe-in-crook"' in listed
    shown = client.get("/case-studies/a-repair-cafe-in-crook").get_data(as_text=True)
    assert 'alt="A drawing of green hills with a workshop and a bicycle"' in shown
    with app.app_context():
        states = Counter(db.session.scalars(select(CaseStudy.status)))
    assert states == {"published": 9, "submitted": 2, "changes_requested": 1}
    assert "School meals with local produce" in council

    again = runner.invoke(args=["charter", "seed-demo", "--if-empty"])
    assert "Demo data already loaded." in again.output
    with app.app_context():
        assert _report_counts() == loaded

    # The directory lists every signatory the API lists (lapsed ones too, once they are shown).
    listed = client.get("/api/v1/signatories").get_json()["total"]
    assert listed in (49, 50)
    assert f"{listed} signatories" in client.get("/directory").get_data(as_text=True)
    assert client.get("/signatories/teesdale-timber-frames").status_code == 200
    detail = client.get("/api/v1/signatories/teesdale-timber-frames").get_json()
    # Its annual update kept its pledges and added two.
    assert {pledge["measure_code"] for pledge in detail["pledges"]} == {
        "CDP-JOB-03", "CDP-GRO-02", "CDP-ENV-03", "CDP-SOC-02", "CDP-ENV-01"}

    with app.app_context():
        _assert_periods_dated_from_approval()
        _assert_reports()
        _assert_history_obeys_the_services()
        _assert_events()
    assert "6 events with 107 registrations and 14 appointments booked." in result.output
    upcoming = client.get("/events").get_data(as_text=True)
    assert "Meet the buyer: spring contracts day" in upcoming
    assert "Draft: social value" not in upcoming
    assert "Meet the buyer: County Durham Pound partners" in client.get(
        "/events/past").get_data(as_text=True)


def _assert_events() -> None:
    """Past events with attendance and feedback; upcoming ones with registrations, one full
    with a waiting list, a meet-the-buyer day with buyers and booked slots; a webinar; a draft;
    and no demo email left queued for the made-up attendees."""
    events = {event.title: event for event in db.session.scalars(select(Event))}
    now = datetime.now(UTC)
    past = [e for e in events.values() if e.ends_at < now]
    assert len(past) == 2
    for event in past:
        attended = db.session.scalar(select(func.count()).select_from(Registration).where(
            Registration.event_id == event.id, Registration.checked_in_at.is_not(None)))
        answers = db.session.scalar(select(func.count()).select_from(Feedback).where(
            Feedback.event_id == event.id))
        assert attended > 10 and 0 < answers <= attended
    full = events["Writing a winning tender: a small-business clinic"]
    assert registrations.places_left(full) == 0
    assert [registrations.waiting_position(r) for r in registrations.waiting_list(full.id)] == [
        1, 2, 3, 4]
    day = events["Meet the buyer: spring contracts day"]
    assert len(day.buyers) == 3 and all(len(buyer.slots) == 11 for buyer in day.buyers)
    assert db.session.scalar(select(func.count()).select_from(Booking).where(
        Booking.event_id == day.id)) == 14
    assert any(event.kind == "webinar" and event.starts_at > now for event in events.values())
    assert any(event.status == "draft" for event in events.values())
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def _report_counts() -> tuple:
    return (db.session.scalar(select(func.count()).select_from(QuarterlyReport)),
            db.session.scalar(select(func.count()).select_from(ReportEntry)),
            db.session.scalar(select(func.count()).select_from(ProxyValue)))


def _assert_periods_dated_from_approval() -> None:
    """Every signatory's pledges sit in periods dated from its approval, the latest current."""
    undated = db.session.scalar(
        select(func.count()).select_from(PledgePeriod)
        .join(Organisation, Organisation.id == PledgePeriod.organisation_id)
        .where(Organisation.status.in_(["approved", "lapsed"]), PledgePeriod.starts_on.is_(None)))
    without_pledges = db.session.scalar(
        select(func.count()).select_from(Organisation)
        .where(Organisation.status != "draft", Organisation.current_pledge_period_id.is_(None)))
    assert undated == 0 and without_pledges == 0
    today = london_date(utcnow())
    for organisation in db.session.scalars(select(Organisation).where(
            Organisation.status == "approved")):
        current = organisation.current_pledge_period
        assert current.starts_on <= today <= current.ends_on, organisation.name
        assert current.pledges
        # Each renewal is recorded by the annual update that closed the year before.
        updates = db.session.scalar(select(func.count()).select_from(AnnualUpdate).where(
            AnnualUpdate.organisation_id == organisation.id))
        assert updates == current.number - 1, organisation.name


def _assert_reports() -> None:
    today = london_date(utcnow())
    current = FinancialQuarter.containing(today)
    reports = list(db.session.scalars(select(QuarterlyReport)))
    signatories = list(db.session.scalars(select(Organisation).where(
        Organisation.status.in_(["approved", "lapsed"]))))
    assert len(reports) > 6 * len(signatories)

    # Most signatories report, from the quarter they signed in and never before it.
    reporting = {report.organisation_id for report in reports if report.is_submitted}
    assert len(reporting) >= 45
    for report in reports:
        first = services.first_quarter(report.organisation)
        assert first <= report.financial_quarter <= current
        assert report.pledge_period is not None

    # Two financial years: last year's whole, and this one's so far.
    years = {report.financial_year for report in reports if report.is_submitted}
    assert {current.year - 1, current.year} <= years | {current.year}
    by_quarter = totals.totals_by("quarter")
    assert by_quarter[FinancialQuarter(current.year - 1, 1)].gross > 0
    assert by_quarter[FinancialQuarter(current.year - 1, 4)].net > 0

    statuses = [report.status for report in reports]
    assert statuses.count("checked") >= 100 and statuses.count("queried") == 1
    assert statuses.count("draft") >= 5  # this quarter's, under way
    queried = next(report for report in reports if report.status == "queried")
    check = db.session.scalar(select(ReportCheck).where(ReportCheck.report_id == queried.id))
    assert check.outcome == "queried" and "evidence" in check.message
    assert queried.organisation.slug == "teesdale-timber-frames"
    assert grand_checked() > 0

    # One correction: two revisions, the second with its note, the first kept.
    corrected = [report for report in reports if len(report.revisions) == 2]
    assert len(corrected) == 1
    first, second = corrected[0].revisions
    assert corrected[0].submitted_revision == second and second.change_note
    assert services.revision_changes(first, second)

    # Some are late or missing with the last complete quarter.
    last_complete = totals.last_complete_quarters(today, 1)[0]
    filed = {report.organisation_id for report in reports
             if report.financial_quarter == last_complete and report.is_submitted}
    assert 4 <= len(signatories) - len(filed) <= 10

    # One lapsed: its update is more than 60 days overdue, and the change is on record.
    lapsed = [organisation for organisation in signatories if organisation.status == "lapsed"]
    assert len(lapsed) == 1
    organisation = lapsed[0]
    period = organisation.current_pledge_period
    anniversary = add_years(london_date(organisation.approved_at), period.number)
    assert today - anniversary > timedelta(days=60)
    assert db.session.scalar(select(AnnualUpdate).where(
        AnnualUpdate.pledge_period_id == period.id)) is None
    change = db.session.scalar(select(StatusChange).where(
        StatusChange.organisation_id == organisation.id, StatusChange.to_status == "lapsed"))
    assert change is not None and change.reason

    assert sum(bool(organisation.publishes_social_value) for organisation in signatories) == 6
    _assert_entries_are_honest()


def grand_checked() -> Decimal:
    return totals.grand_total().checked_gross


def _assert_entries_are_honest() -> None:
    """Figures as the services froze them; deflators changed only with a reason; places in
    County Durham; quantities within each measure's maximum."""
    entries = list(db.session.scalars(
        select(ReportEntry).join(ReportRevision).where(ReportRevision.submitted_at.is_not(None))))
    valued = [entry for entry in entries if entry.proxy_value is not None]
    assert valued and len(valued) < len(entries)  # measures with no proxy value: not valued
    for entry in valued:
        value = entry_value(entry.quantity, entry.proxy_value, entry.deflators)
        assert (entry.gross, entry.net) == (exact_pounds(value.gross), exact_pounds(value.net))
    changed = [entry for entry in entries if entry.deflator_reason]
    assert len(changed) >= 20 and any(entry.net < entry.gross for entry in changed
                                      if entry.gross is not None)
    assert all(entry.quantity <= entry.measure.plausible_max for entry in entries)
    assert {entry.area for entry in entries} - {None} <= {
        "Chester-le-Street", "Derwentside", "Durham", "Easington", "Sedgefield", "Teesdale",
        "Wear Valley"}
    assert len({entry.description for entry in entries}) > 40

    # Last financial year's values reuse this year's examples, and say so.
    reused = list(db.session.scalars(select(ProxyValue).where(ProxyValue.financial_year == 2025)))
    if FinancialQuarter.containing(london_date(utcnow())).year == 2026:
        assert reused and all(proxy.source == DEMO_PROXY_SOURCE and proxy.is_example
                              for proxy in reused)
        for proxy in reused:
            example = db.session.scalar(select(ProxyValue).where(
                ProxyValue.measure_id == proxy.measure_id, ProxyValue.financial_year == 2026))
            assert proxy.value == example.value
    unvalued = db.session.scalars(select(Measure.code).where(~Measure.proxy_values.any(
        ProxyValue.value.is_not(None))))
    assert set(unvalued) >= {"CDP-GRO-02"}


def _assert_history_obeys_the_services() -> None:
    """The checks, renewals and lapse were made by the services, at times their rules allow,
    and left no emails about that made-up past queued for the worker to send."""
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0

    staff = db.session.scalar(select(User).where(User.email == "staff@example.org"))
    for check in db.session.scalars(select(ReportCheck)):
        assert check.actor == staff
        assert check.created_at > check.revision.submitted_at
        assert check.report.checks[-1].revision == check.report.submitted_revision

    updates = list(db.session.scalars(select(AnnualUpdate)))
    assert len(updates) >= 30
    for update in updates:
        due = annual.due_on(update.pledge_period)
        sent_on = london_date(update.submitted_at)
        assert annual.opens_on(due) <= sent_on < annual.lapses_on(due)
        assert update.next_period.starts_on == due
        assert update.next_period.number == update.pledge_period.number + 1
        assert update.achieved and set(update.narratives) == set(
            annual.themes_of(update.pledge_period))
    renewals = db.session.scalar(select(func.count()).select_from(StatusChange).where(
        StatusChange.to_status == "approved", StatusChange.from_status == "approved",
        StatusChange.reason.like("Annual update received for %")))
    assert renewals == len(updates)

    # Lapsed by the daily job on the first day it could be, with the job's reason.
    change = db.session.scalar(select(StatusChange).where(StatusChange.to_status == "lapsed"))
    due = annual.due_on(change.organisation.current_pledge_period)
    assert change.actor is None and london_date(change.created_at) == annual.lapses_on(due)
    assert change.reason == (f"Annual update due on {uk_date(due)} not received within "
                             f"{annual.LAPSES_AFTER_DAYS} days")
    # Today's run of the job finds nobody else overdue.
    assert reporting_tasks.lapse_overdue_signatories(utcnow()) == 0
    db.session.rollback()


def test_a_year_after_the_demo_run_jobs_sends_a_realistic_set_of_reminders(app, smtp):
    """`run-jobs --now` a year on, as after a year's downtime: only the latest reminder of each
    kind that fell due, the lapses the year brought, and the digest, delivered to a real SMTP
    server (visible at /dev/mail under `make run`)."""
    from collections import Counter

    runner = app.test_cli_runner()
    assert runner.invoke(args=["charter", "seed-demo", "--if-empty"]).exit_code == 0
    a_year_on = (datetime.now(UTC) + timedelta(days=365)).replace(hour=9, minute=0)
    result = runner.invoke(args=["charter", "run-jobs", "--now", a_year_on.isoformat()])
    assert result.exit_code == 0, result.output
    with app.app_context():
        kinds = Counter(db.session.scalars(select(OutboxMessage.template)))
        unsent = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status != "sent"))
    assert unsent == 0
    # Nobody sent an annual update all year: most signatories lapse (each member told), the
    # few whose anniversary has just passed are reminded, those still approved are reminded of
    # the quarter; the full workshop's waiting list heard it got no place; staff get a digest.
    assert kinds["signatory_lapsed"] >= 40
    assert kinds["annual_update_reminder"] >= 1 and kinds["quarterly_report_reminder"] >= 1
    assert kinds["event_not_placed"] == 4
    assert kinds["staff_digest"] == 1  # the demo's one member of staff
    # The lapsed lose their badges, and the nightly re-check tells each member so.
    assert kinds["badges_changed"] >= 40
    received = smtp.wait_for(sum(kinds.values()))
    assert len(received) == sum(kinds.values())
    # Run again for the same moment: nothing new.
    again = runner.invoke(args=["charter", "run-jobs", "--now", a_year_on.isoformat()])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == sum(
            kinds.values())
