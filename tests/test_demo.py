"""`charter seed-demo` loads realistic data that the directory and staff pages can show."""

from sqlalchemy import func, select

from charter_app.extensions import db
from charter_app.organisations.models import Organisation


def test_seed_demo_loads_signatories_applications_and_logins_once(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["charter", "seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
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
