"""Pledges belong to yearly periods from approval; changing them later keeps the earlier ones."""

from datetime import UTC, date, datetime
from decimal import Decimal

from charter_app.extensions import db
from charter_app.organisations import review
from charter_app.pledges import services
from charter_app.pledges.services import period_dates, period_number_on
from charter_app.timeutil import london_date
from tests.builders import PASSWORD
from tests.conftest import log_in, submit_form


def _targets(period) -> dict[str, Decimal]:
    return {pledge.measure.code: pledge.target for pledge in period.pledges}


def test_periods_run_from_approval_to_each_anniversary():
    approved = date(2026, 3, 15)
    assert period_dates(approved, 1) == (date(2026, 3, 15), date(2027, 3, 14))
    assert period_dates(approved, 2) == (date(2027, 3, 15), date(2028, 3, 14))
    assert period_number_on(approved, date(2027, 3, 14)) == 1
    assert period_number_on(approved, date(2027, 3, 15)) == 2
    # A leap-day approval has its anniversary on 28 February in other years.
    assert period_dates(date(2028, 2, 29), 2) == (date(2029, 2, 28), date(2030, 2, 27))


def test_approval_dates_the_drafts_pledges_as_the_first_period(app, build):
    staff = build.staff()
    organisation = build.organisation(status="submitted", pledges={"CDP-JOB-03": "52"})
    (period,) = organisation.pledge_periods
    assert (period.number, period.starts_on, period.ends_on) == (1, None, None)

    with app.test_request_context():  # the approval email's links
        review.approve_application(organisation, staff)
    db.session.commit()
    assert period.starts_on == london_date(organisation.approved_at)
    assert period.ends_on == period_dates(period.starts_on, 1)[1]
    assert organisation.current_pledge_period == period


def test_editing_pledges_in_a_later_period_keeps_the_earlier_periods(build, client):
    organisation = build.organisation(
        status="approved", approved_at=datetime(2025, 6, 1, 11, tzinfo=UTC),
        pledges={"CDP-JOB-03": "52", "CDP-GRO-02": "1000"},
    )
    jobs, growth = build.measure("CDP-JOB-03"), build.measure("CDP-GRO-02")
    environment = build.measure("CDP-ENV-01")

    # A change within the first year replaces that year's pledges...
    services.set_pledges(organisation, {jobs.id: Decimal("60"), growth.id: Decimal("1000")},
                         today=date(2026, 5, 31))
    db.session.commit()
    assert len(organisation.pledge_periods) == 1

    # ...a change after the first anniversary starts the second year's and keeps the first's.
    services.set_pledges(organisation, {environment.id: Decimal("12.5")}, today=date(2026, 6, 1))
    db.session.commit()
    db.session.expire_all()
    first, second = organisation.pledge_periods
    assert _targets(first) == {"CDP-JOB-03": Decimal("60"), "CDP-GRO-02": Decimal("1000")}
    assert (first.starts_on, first.ends_on) == (date(2025, 6, 1), date(2026, 5, 31))
    assert _targets(second) == {"CDP-ENV-01": Decimal("12.5")}
    assert (second.number, second.starts_on, second.ends_on) == (
        2, date(2026, 6, 1), date(2027, 5, 31))

    # The public pages show the current period's pledges only.
    assert organisation.themes == ["environment"]
    profile = client.get(f"/signatories/{organisation.slug}").get_data(as_text=True)
    assert environment.name in profile and jobs.name not in profile
    api = client.get(f"/api/v1/signatories/{organisation.slug}").get_json()
    assert [pledge["measure_code"] for pledge in api["pledges"]] == ["CDP-ENV-01"]


def test_the_directory_filters_and_lists_themes_by_the_current_period(build, client):
    organisation = build.organisation(
        status="approved", name="Moved On Ltd", approved_at=datetime(2025, 1, 10, tzinfo=UTC),
        pledges={"CDP-JOB-03": "52"})
    services.set_pledges(organisation, {build.measure("CDP-ENV-01").id: Decimal("3")},
                         today=date(2026, 2, 1))
    db.session.commit()

    assert "Moved On Ltd" in client.get("/directory?theme=environment").get_data(as_text=True)
    assert "Moved On Ltd" not in client.get("/directory?theme=jobs").get_data(as_text=True)
    (item,) = client.get("/api/v1/signatories").get_json()["items"]
    assert item["themes"] == ["environment"]


def test_the_applicants_pledges_page_saves_into_the_first_period(build, client):
    owner = build.user()
    organisation = build.organisation(owner, pledges={"CDP-JOB-03": "52"})
    log_in(client, owner.email, PASSWORD)
    url = f"/organisations/{organisation.id}/pledges"
    assert submit_form(client, url, {"target_CDP_SOC_02": "7"}).status_code == 302
    db.session.expire_all()
    (period,) = organisation.pledge_periods
    assert _targets(period) == {"CDP-SOC-02": Decimal("7")}
