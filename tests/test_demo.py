"""`charter seed-demo` loads realistic data that the directory and staff pages can show."""

from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.organisations.models import Organisation
from charter_app.pledges.models import PledgePeriod


def test_seed_demo_loads_signatories_applications_and_logins_once(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["charter", "seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert ("Loaded demo data: 49 approved signatories, 6 applications waiting for review, "
            "1 draft.") in result.output
    assert "staff@example.org  password: demo-staff-password" in result.output
    assert "signatory@example.org  password: demo-signatory-password" in result.output

    with app.app_context():
        statuses = dict(db.session.execute(
            select(Organisation.status, func.count()).group_by(Organisation.status)).all())
        areas = db.session.scalar(select(func.count(func.distinct(Organisation.area))))
        sectors = set(db.session.scalars(select(Organisation.sector).distinct()))
    assert statuses["approved"] == 49 and statuses["submitted"] == 6 and statuses["draft"] == 1
    assert areas >= 5 and sectors == {"private", "third"}

    again = runner.invoke(args=["charter", "seed-demo", "--if-empty"])
    assert "Demo data already loaded." in again.output

    html = client.get("/directory").get_data(as_text=True)
    assert "49 signatories" in html
    assert client.get("/signatories/teesdale-timber-frames").status_code == 200
    detail = client.get("/api/v1/signatories/teesdale-timber-frames").get_json()
    assert {pledge["measure_code"] for pledge in detail["pledges"]} == {
        "CDP-JOB-03", "CDP-GRO-02", "CDP-ENV-03"}

    # Every signatory's pledges sit in a first period dated from its approval.
    with app.app_context():
        undated = db.session.scalar(
            select(func.count()).select_from(PledgePeriod)
            .join(Organisation, Organisation.id == PledgePeriod.organisation_id)
            .where(Organisation.status == "approved", PledgePeriod.starts_on.is_(None)))
        without_pledges = db.session.scalar(
            select(func.count()).select_from(Organisation)
            .where(Organisation.status != "draft", Organisation.current_pledge_period_id.is_(None)))
    assert undated == 0 and without_pledges == 0
