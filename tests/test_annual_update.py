"""The annual pledge update and lapsing: due on each anniversary of approval (29 February falls
due on 28 February), open 30 days before, the next pledge year starting on the anniversary
whether the update came early or late, lapsing past 60 days overdue and renewal."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus, Organisation, StatusChange
from charter_app.pledges.models import PledgePeriod
from charter_app.pledges.services import add_years
from charter_app.reporting import annual
from charter_app.reporting.annual import UpdateState
from charter_app.reporting.models import AnnualUpdate, QuarterlyReport
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.reporting.tasks import lapse_overdue_signatories
from charter_app.timeutil import london_date, utcnow
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in, submit_form

S = ApplicationStatus
PLEDGES = {"CDP-JOB-03": "52", "CDP-SOC-02": "200"}


def _approved_at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=UTC)  # 9 or 10am in London


@pytest.fixture
def make_signatory(build):
    def make(approved_on: date, pledges=None, **fields):
        owner = build.user()
        fields.setdefault("status", S.APPROVED)
        organisation = build.organisation(owner, approved_at=_approved_at(approved_on),
                                          pledges=pledges or PLEDGES, **fields)
        return organisation, owner
    return make


def _update_input(build, organisation, targets=None, narratives=None):
    period = organisation.current_pledge_period
    return annual.UpdateInput(
        period.id,
        narratives or {theme: f"What we did for {theme}." for theme in annual.themes_of(period)},
        {build.measure(code).id: Decimal(target)
         for code, target in (targets or {"CDP-JOB-03": "60"}).items()})


def _submit(build, organisation, owner, today, **kwargs):
    update = annual.submit_annual_update(organisation, _update_input(build, organisation,
                                                                     **kwargs), owner, today)
    db.session.commit()
    return update


def _count(model, **where) -> int:
    statement = select(func.count()).select_from(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    return db.session.scalar(statement)


# --- when it is due ----------------------------------------------------------------------------


def test_due_on_each_anniversary_and_29_february_falls_due_on_28_february(build,
                                                                          make_signatory):
    organisation, owner = make_signatory(date(2024, 2, 29))
    status = annual.annual_update_status
    assert status(organisation, date(2025, 1, 28)) == (date(2025, 2, 28), UpdateState.NOT_YET_OPEN)
    assert status(organisation, date(2025, 1, 29)) == (date(2025, 2, 28), UpdateState.OPEN)
    assert annual.opens_on(date(2025, 2, 28)) == date(2025, 1, 29)  # 30 days before
    assert status(organisation, date(2025, 2, 28)) == (date(2025, 2, 28), UpdateState.OPEN)
    assert status(organisation, date(2025, 3, 1)) == (date(2025, 2, 28), UpdateState.OVERDUE)

    # Year after year, each update starts the next year on the anniversary; in a leap year the
    # anniversary is 29 February again.
    for today in (date(2025, 2, 20), date(2026, 2, 20), date(2027, 2, 20), date(2028, 3, 1)):
        _submit(build, organisation, owner, today)
    starts = [period.starts_on for period in organisation.pledge_periods]
    assert starts == [date(2024, 2, 29), date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28),
                      date(2028, 2, 29)]
    assert organisation.current_pledge_period.ends_on == date(2029, 2, 27)
    assert status(organisation, date(2029, 2, 1)) == (date(2029, 2, 28), UpdateState.OPEN)


def test_an_early_update_starts_the_next_year_on_the_anniversary_and_keeps_last_years(
        build, make_signatory):
    organisation, owner = make_signatory(date(2025, 6, 10))
    first = organisation.current_pledge_period
    build.report(organisation, FinancialQuarter(2025, 2), entries={"CDP-JOB-03": "4"},
                 actor=owner)
    with pytest.raises(annual.UpdateRefused, match="opens on 11 May 2026"):
        _submit(build, organisation, owner, date(2026, 5, 10))
    db.session.rollback()

    update = _submit(build, organisation, owner, date(2026, 5, 11),
                     targets={"CDP-JOB-03": "60", "CDP-GRO-01": "20"})
    second = organisation.current_pledge_period
    assert (second.number, second.starts_on, second.ends_on) == (
        2, date(2026, 6, 10), date(2027, 6, 9))
    assert (update.pledge_period, update.next_period, update.submitted_by) == (
        first, second, owner)
    assert {p.measure.code: p.target for p in second.pledges} == {
        "CDP-JOB-03": Decimal("60.00"), "CDP-GRO-01": Decimal("20.00")}
    # Last year's pledges and reports stay attached to it.
    assert {p.measure.code: p.target for p in first.pledges} == {
        "CDP-JOB-03": Decimal("52.00"), "CDP-SOC-02": Decimal("200.00")}
    assert db.session.scalar(select(QuarterlyReport.pledge_period_id)) == first.id
    assert [p.measure.code for p in organisation.pledges] == ["CDP-JOB-03", "CDP-GRO-01"]

    # Until the anniversary the update is done; from it, the next one is not yet open.
    assert annual.annual_update_status(organisation, date(2026, 6, 9)) == (
        date(2026, 6, 10), UpdateState.DONE)
    assert annual.annual_update_status(organisation, date(2026, 6, 10)) == (
        date(2027, 6, 10), UpdateState.NOT_YET_OPEN)
    [change] = [c for c in organisation.status_changes if c.reason.startswith("Annual")]
    assert (change.from_status, change.to_status, change.actor) == (S.APPROVED, S.APPROVED, owner)
    assert change.reason == ("Annual update received for 10 June 2025 to 9 June 2026; the next "
                             "pledge year starts on 10 June 2026")


def test_a_late_update_starts_the_next_year_on_the_anniversary_not_on_the_day(
        build, make_signatory):
    organisation, owner = make_signatory(date(2025, 6, 10))
    # A quarter of the new year reported before its pledge year existed...
    report = build.report(organisation, FinancialQuarter(2026, 1), actor=owner)
    assert report.pledge_period_id is None
    assert annual.annual_update_status(organisation, date(2026, 7, 30)) == (
        date(2026, 6, 10), UpdateState.OVERDUE)

    _submit(build, organisation, owner, date(2026, 7, 30))
    second = organisation.current_pledge_period
    assert (second.starts_on, second.ends_on) == (date(2026, 6, 10), date(2027, 6, 9))
    # ...counts towards it once the update has made it.
    db.session.refresh(report)
    assert report.pledge_period_id == second.id
    assert organisation.status == S.APPROVED


def test_the_form_starts_from_the_years_reported_totals_and_percentages(build, make_signatory):
    organisation, owner = make_signatory(date(2025, 6, 10))
    build.report(organisation, FinancialQuarter(2025, 2), actor=owner,
                 entries={"CDP-JOB-03": "4", "CDP-GRO-01": "7.5"})
    build.report(organisation, FinancialQuarter(2025, 3), actor=owner,
                 entries={"CDP-JOB-03": "10", "CDP-SOC-02": "150"})
    build.report(organisation, FinancialQuarter(2025, 4), actor=owner, submit=False,
                 entries={"CDP-JOB-03": "1000"})  # a draft does not count
    reviews = annual.year_in_review(organisation, organisation.current_pledge_period)
    assert [(r.measure.code, r.target, r.reported, r.percent) for r in reviews] == [
        ("CDP-JOB-03", Decimal("52.00"), Decimal("14.00"), 27),  # 26.92% shown as 27%
        ("CDP-SOC-02", Decimal("200.00"), Decimal("150.00"), 75),
        ("CDP-GRO-01", None, Decimal("7.50"), None),  # reported without a pledge
    ]
    update = _submit(build, organisation, owner, date(2026, 6, 1))
    db.session.expire_all()
    assert update.achieved[0] == {
        "measure_code": "CDP-JOB-03", "measure_name": "Weeks of apprenticeship, level 2 or above",
        "unit": "weeks", "theme": "jobs", "target": "52.00", "reported": "14.00", "percent": "27"}
    assert update.achieved[2]["target"] is None
    assert set(update.narratives) == {"jobs", "social"}


def test_achieved_percentages_round_halves_up():
    assert annual.achieved_percent(Decimal("1"), Decimal("8")) == 13  # 12.5
    assert annual.achieved_percent(Decimal("0"), Decimal("8")) == 0
    assert annual.achieved_percent(Decimal("30"), Decimal("20")) == 150


# --- lapsing and renewal -------------------------------------------------------------------------


def test_day_60_after_the_anniversary_is_still_approved_and_day_61_is_lapsed(
        build, make_signatory, smtp):
    organisation, owner = make_signatory(date(2025, 6, 10))
    due = date(2026, 6, 10)
    day_60 = due + timedelta(days=60)  # 9 August 2026
    assert annual.lapses_on(due) == day_60 + timedelta(days=1)

    # 22:30 UTC on day 60 is 23:30 in London: still day 60.
    assert lapse_overdue_signatories(datetime(2026, 8, 9, 22, 30, tzinfo=UTC)) == 0
    db.session.commit()
    assert db.session.get(Organisation, organisation.id).status == S.APPROVED
    # 23:30 UTC on day 60 is 00:30 on day 61 in London (summer time): lapsed.
    assert lapse_overdue_signatories(datetime(2026, 8, 9, 23, 30, tzinfo=UTC)) == 1
    db.session.commit()
    organisation = db.session.get(Organisation, organisation.id)
    assert organisation.status == S.LAPSED
    change = organisation.status_changes[-1]
    assert (change.from_status, change.to_status, change.actor) == (S.APPROVED, S.LAPSED, None)
    assert change.reason == "Annual update due on 10 June 2026 not received within 60 days"
    assert annual.annual_update_status(organisation, day_60) == (due, UpdateState.LAPSED)
    [message] = smtp.wait_for(1)
    assert message["To"] == owner.email
    assert message["Subject"] == f"{organisation.name} is now a lapsed signatory"
    assert "was due on 10 June 2026" in smtp.text(message)
    assert f"/organisations/{organisation.id}/annual-update" in smtp.text(message)


def test_signatories_with_their_update_in_or_not_approved_are_never_lapsed(build,
                                                                           make_signatory):
    long_ago = date(2023, 1, 5)
    updated, owner = make_signatory(long_ago)
    for today in (date(2024, 1, 1), date(2025, 1, 1), date(2026, 1, 1)):
        _submit(build, updated, owner, today)
    suspended, _ = make_signatory(long_ago, status=S.SUSPENDED, slug="suspended-ltd")
    overdue, _ = make_signatory(long_ago)
    assert lapse_overdue_signatories(datetime(2026, 3, 10, 12, tzinfo=UTC)) == 1
    db.session.commit()
    assert [o.status for o in (updated, suspended, overdue)] == [S.APPROVED, S.SUSPENDED,
                                                                 S.LAPSED]


def test_a_lapsed_signatory_is_approved_again_by_its_update_from_the_anniversary(
        build, make_signatory, smtp):
    organisation, owner = make_signatory(date(2025, 6, 10))
    colleague = build.user()
    build.member(organisation, colleague)
    lapse_overdue_signatories(datetime(2026, 9, 1, 12, tzinfo=UTC))
    db.session.commit()
    assert organisation.status == S.LAPSED
    assert len(smtp.wait_for(2)) == 2

    update = _submit(build, organisation, owner, date(2026, 10, 20))
    assert organisation.status == S.APPROVED
    assert (update.next_period.starts_on, update.next_period.ends_on) == (
        date(2026, 6, 10), date(2027, 6, 9))
    change = organisation.status_changes[-1]
    assert (change.from_status, change.to_status, change.actor) == (S.LAPSED, S.APPROVED, owner)
    assert change.reason.startswith("Annual update received for 10 June 2025 to 9 June 2026")
    received = smtp.wait_for(4, besides_badges=True)[2:]
    assert sorted(m["To"] for m in received) == sorted([owner.email, colleague.email])
    text = smtp.text(received[0])
    assert "is a signatory of the County Durham Pound Charter again" in text
    assert "runs from 10 June 2026 to 9 June 2027" in text
    assert "Weeks of apprenticeship, level 2 or above: 60 weeks" in text
    # Not lapsed again by the next run: its update for that year is in.
    assert lapse_overdue_signatories(datetime(2026, 10, 21, 12, tzinfo=UTC)) == 0


def test_run_jobs_lapses_once_and_a_second_run_for_the_same_time_sends_nothing(
        app, build, make_signatory, smtp):
    organisation, owner = make_signatory(date(2025, 6, 10))
    now = "2026-08-10T12:00:00+01:00"
    runner = app.test_cli_runner()
    first = runner.invoke(args=["charter", "run-jobs", "--now", now])
    assert first.exit_code == 0, first.output
    assert "lapse_overdue_signatories: 1" in first.output
    assert "deliver_outbox: 1" in first.output
    second = runner.invoke(args=["charter", "run-jobs", "--now", now])
    assert "lapse_overdue_signatories: 0" in second.output
    assert "deliver_outbox: 0" in second.output
    assert [m["To"] for m in smtp.received] == [owner.email]
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).status == S.LAPSED
    assert _count(StatusChange, organisation_id=organisation.id, to_status=S.LAPSED) == 1


def test_the_lapse_check_is_repeated_under_the_lock(build, make_signatory):
    """An update that arrived after the job listed the signatory stops the lapse."""
    organisation, owner = make_signatory(date(2025, 6, 10))
    today = date(2026, 8, 20)
    [listed] = annual.overdue_signatories(today)
    _submit(build, organisation, owner, today)
    assert annual.lapse_if_overdue(listed, today) is None
    assert organisation.status == S.APPROVED


# --- two submissions at once -------------------------------------------------------------------


def test_a_second_submission_of_the_same_year_is_refused_without_a_second_year(
        build, make_signatory):
    organisation, owner = make_signatory(date(2025, 6, 10))
    stale = _update_input(build, organisation)
    _submit(build, organisation, owner, date(2026, 6, 1))
    with pytest.raises(annual.UpdateAlreadySent,
                       match="for 10 June 2025 to 9 June 2026 was already sent by "):
        annual.submit_annual_update(organisation, stale, owner, date(2026, 6, 1))
    db.session.rollback()
    assert _count(AnnualUpdate) == 1
    assert _count(PledgePeriod, organisation_id=organisation.id) == 2


# --- the page ----------------------------------------------------------------------------------


def _page(organisation) -> str:
    return f"/organisations/{organisation.id}/annual-update"


@pytest.fixture
def due_soon(make_signatory):
    """A signatory whose update is due in 10 days (real dates: the page uses today)."""
    today = london_date(utcnow())
    return make_signatory(add_years(today + timedelta(days=10), -1))


def _form(build, organisation, **changes) -> dict:
    data = {"narrative_jobs": "We took on two apprentices.",
            "narrative_social": "Staff volunteered at the food bank.",
            "target_CDP_JOB_03": "52", "target_CDP_SOC_02": "200",
            "period_id": str(organisation.current_pledge_period_id)}
    data.update(changes)
    return data


def test_a_member_sees_the_year_and_sends_the_update(app, build, due_soon, smtp):
    organisation, owner = due_soon
    build.report(organisation,
                 FinancialQuarter.containing(organisation.current_pledge_period.starts_on),
                 entries={"CDP-JOB-03": "13"}, actor=owner)
    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    page = client.get(_page(organisation)).get_data(as_text=True)
    due = organisation.current_pledge_period.ends_on + timedelta(days=1)
    assert f"Due on <strong>{due.day} {due:%B %Y}</strong>" in page
    assert "13 weeks" in page and "25%" in page  # 13 of 52
    assert re.search(r'name="target_CDP_JOB_03"[^>]*value="52"', page)  # kept unless changed
    assert 'name="narrative_jobs"' in page and 'name="narrative_social"' in page
    assert 'name="narrative_growth"' not in page

    response = submit_form(client, _page(organisation), _form(
        build, organisation, target_CDP_JOB_03="60", target_CDP_SOC_02="",
        target_CDP_GRO_01="25"))
    assert response.status_code == 302
    done = client.get(_page(organisation)).get_data(as_text=True)
    assert "Annual update sent. Your next pledge year starts on" in done
    assert "We took on two apprentices." in done
    db.session.expire_all()
    organisation = db.session.get(Organisation, organisation.id)
    assert {p.measure.code: p.target for p in organisation.pledges} == {
        "CDP-JOB-03": Decimal("60.00"), "CDP-GRO-01": Decimal("25.00")}
    assert organisation.current_pledge_period.starts_on == due
    [message] = smtp.wait_for(1, besides_badges=True)
    assert message["Subject"] == f"Annual update received for {organisation.name}"


def test_a_second_tab_is_told_the_update_was_sent(app, build, due_soon):
    organisation, owner = due_soon
    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    html = client.get(_page(organisation)).get_data(as_text=True)
    form = {"csrf_token": csrf_token_from(html), "period_id": str(
        organisation.current_pledge_period.id), **_form(build, organisation)}
    assert client.post(_page(organisation), data=form).status_code == 302
    again = client.post(_page(organisation), data=form, follow_redirects=True)
    assert again.status_code == 200
    assert "was already sent by" in again.get_data(as_text=True)
    assert _count(AnnualUpdate) == 1
    assert _count(PledgePeriod, organisation_id=organisation.id) == 2


def test_missing_narratives_and_no_targets_are_explained_and_typing_kept(app, build, due_soon):
    organisation, owner = due_soon
    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    response = submit_form(client, _page(organisation), _form(
        build, organisation, narrative_social="", target_CDP_JOB_03="", target_CDP_SOC_02="",
        narrative_jobs="Kept as typed " + "x" * 20))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<title>Error: Annual update" in html
    assert "Write a few lines about your Social pledges" in html
    assert "Pledge at least one measure" in html
    assert "Kept as typed xxxx" in html
    too_long = submit_form(client, _page(organisation), _form(
        build, organisation, narrative_jobs="y" * 1001)).get_data(as_text=True)
    assert "Jobs must be 1000 characters or fewer" in too_long
    assert _count(AnnualUpdate) == 0


def test_before_the_window_the_page_says_when_it_opens(app, build, make_signatory):
    today = london_date(utcnow())
    organisation, owner = make_signatory(add_years(today + timedelta(days=45), -1))
    due = organisation.current_pledge_period.ends_on + timedelta(days=1)
    opens = due - timedelta(days=30)
    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    html = client.get(_page(organisation)).get_data(as_text=True)
    assert f"You can send it from {opens.day} {opens:%B %Y}" in html
    assert 'name="narrative_jobs"' not in html
    posted = submit_form(client, _page(organisation), _form(build, organisation),
                         follow_redirects=True)
    assert f"Your annual update opens on {opens.day} {opens:%B %Y}" in posted.get_data(
        as_text=True)
    assert _count(AnnualUpdate) == 0


def test_overdue_and_lapsed_pages_say_so(app, build, make_signatory):
    today = london_date(utcnow())
    organisation, owner = make_signatory(add_years(today - timedelta(days=20), -1))
    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    assert "Overdue: your update was due on" in client.get(_page(organisation)).get_data(
        as_text=True)
    db.session.get(Organisation, organisation.id).status = S.LAPSED
    db.session.commit()
    html = client.get(_page(organisation)).get_data(as_text=True)
    assert "shows" in html and "as a lapsed signatory" in html
    assert submit_form(client, _page(organisation), _form(build, organisation)).status_code == 302
    db.session.expire_all()
    assert db.session.get(Organisation, organisation.id).status == S.APPROVED


def test_only_the_organisations_members_reach_the_page(app, build, due_soon):
    organisation, owner = due_soon
    other_owner = build.user()
    build.organisation(other_owner, status=S.APPROVED)
    client = app.test_client()
    log_in(client, other_owner.email, PASSWORD)
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    assert client.get(_page(organisation)).status_code == 404
    posted = client.post(_page(organisation), data={"csrf_token": token, **_form(
        build, organisation), "period_id": str(organisation.current_pledge_period_id)})
    assert posted.status_code == 404
    assert client.get("/organisations/999999/annual-update").status_code == 404
    assert app.test_client().get(_page(organisation)).status_code == 302  # to sign in
    assert _count(AnnualUpdate) == 0


def test_a_member_who_is_not_an_owner_may_send_it_and_a_draft_has_none(app, build, due_soon):
    organisation, _owner = due_soon
    member = build.user()
    build.member(organisation, member)
    client = app.test_client()
    log_in(client, member.email, PASSWORD)
    assert client.get(_page(organisation)).status_code == 200
    draft = build.organisation(member)
    response = client.get(_page(draft))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/organisations/{draft.id}/application")


def test_a_post_without_a_csrf_token_is_refused(app, build, due_soon):
    organisation, owner = due_soon
    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    response = client.post(_page(organisation), data={
        **_form(build, organisation), "period_id": str(organisation.current_pledge_period_id)})
    assert response.status_code == 400
    assert _count(AnnualUpdate) == 0


def test_ten_submissions_at_once_make_one_update_and_one_new_year(live_server, build, due_soon):
    """Two tabs (or ten) sent together, over real HTTP, each request in its own thread."""
    from tests.test_concurrency import HttpSession, _all_at_once

    organisation, owner = due_soon
    session = HttpSession(live_server)
    session.sign_in(owner.email)
    _status, _location, html = session.request("GET", _page(organisation))
    form = {"csrf_token": csrf_token_from(html), **_form(build, organisation)}
    statuses = _all_at_once(lambda: session.request("POST", _page(organisation), form)[0],
                            count=10)
    assert statuses == [302] * 10
    db.session.expire_all()
    assert _count(AnnualUpdate) == 1
    assert _count(PledgePeriod, organisation_id=organisation.id) == 2
    renewals = [change for change in db.session.get(Organisation, organisation.id).status_changes
                if change.reason and change.reason.startswith("Annual update")]
    assert len(renewals) == 1


def test_staff_see_each_renewal_in_the_organisations_history(app, build, make_signatory):
    organisation, owner = make_signatory(date(2025, 6, 10))
    lapse_overdue_signatories(datetime(2026, 9, 1, 12, tzinfo=UTC))
    _submit(build, organisation, owner, date(2026, 9, 2))
    _submit(build, organisation, owner, date(2027, 6, 1))
    client = app.test_client()
    log_in(client, build.staff().email, PASSWORD)
    html = client.get(f"/staff/applications/{organisation.id}").get_data(as_text=True)
    assert "Lapsed — Annual update due on 10 June 2026 not received within 60 days" in html
    assert html.count("Renewed by") == 2
    assert "Annual update received for 10 June 2026 to 9 June 2027" in html


def test_the_public_profile_shows_the_lapse_until_the_update_arrives(app, build,
                                                                     make_signatory):
    today = london_date(utcnow())
    organisation, owner = make_signatory(add_years(today - timedelta(days=70), -1))
    profile = f"/signatories/{organisation.slug}"
    visitor = app.test_client()
    assert 'id="lapsed"' not in visitor.get(profile).get_data(as_text=True)  # cached now
    assert lapse_overdue_signatories(utcnow()) == 1
    db.session.commit()
    assert 'id="lapsed"' in visitor.get(profile).get_data(as_text=True)
    client = app.test_client()
    log_in(client, owner.email, PASSWORD)
    assert submit_form(client, _page(organisation), _form(build, organisation)).status_code == 302
    assert 'id="lapsed"' not in visitor.get(profile).get_data(as_text=True)
