"""`make bench`, events: a meet-the-buyer day with 500 registrations (one per signatory) and 3
buyers x 12 slots with 30 appointments booked, all made through the events services; its
public page (anonymous) and the staff check-in list (a staff member signed in through
POST /login) under wrk, each beside /livez.
"""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bench import dashboard

REGISTRATIONS = 500
BUYERS = 3
BOOKINGS = 30
STAFF_EMAIL = "bench-staff@example.org"
LONDON = ZoneInfo("Europe/London")


def prepare(app) -> tuple[str, str]:
    """The event's public path and its check-in path."""
    from sqlalchemy import select

    from charter_app.accounts.models import User
    from charter_app.accounts.services import hash_password
    from charter_app.events import bookings, buyers, registrations, services
    from charter_app.extensions import db
    from charter_app.organisations.models import ApplicationStatus, Organisation

    now = datetime.now(UTC)
    with app.app_context():
        staff = User(email=STAFF_EMAIL, password_hash=hash_password(dashboard.PASSWORD),
                     email_confirmed_at=now, is_staff=True)
        db.session.add(staff)
        day = (now + timedelta(days=14)).astimezone(LONDON).date()
        starts_at = datetime.combine(day, time(10), LONDON).astimezone(UTC)
        event = services.create_event(services.EventDetails(
            kind="meet_the_buyer", title="Bench meet the buyer", description="For the bench.",
            starts_at=starts_at, ends_at=starts_at + timedelta(hours=4),
            capacity=REGISTRATIONS + 100, registration_opens_at=now - timedelta(days=1),
            registration_closes_at=starts_at - timedelta(days=1), venue="Durham Town Hall",
            address="Market Place, Durham DH1 3NJ"), by=staff)
        services.publish_event(event.id, by=staff)
        organisations = db.session.scalars(
            select(Organisation).where(Organisation.status == ApplicationStatus.APPROVED)
            .order_by(Organisation.id).limit(REGISTRATIONS)).all()
        for number, organisation in enumerate(organisations):
            registrations.register(event.id, organisation=organisation, attendee=(
                registrations.Attendee(f"Attendee {number}", f"attendee{number}@bench.example")))
        made = []
        for number in range(BUYERS):
            partner = buyers.add_partner(buyers.PartnerDetails(name=f"Bench partner {number}"))
            buyer = buyers.add_buyer(event.id, partner.id, buys="Services", opportunities=None)
            buyers.set_timetable(buyer.id, buyers.TimetablePlan(
                slot_minutes=15, starts=time(10), ends=time(13)))
            made.append(buyer)
        for number, organisation in enumerate(organisations[:BOOKINGS]):
            buyer = made[number % BUYERS]
            bookings.book_slot(event.id, buyer.slots[number // BUYERS].id,
                               organisation_id=organisation.id, by=staff,
                               offer="We supply local services.")
        db.session.commit()
        paths = f"/events/{event.id}", f"/staff/events/{event.id}/check-in"
        db.session.remove()
    return paths


def run(base: str, app, paths: tuple[str, str], rows: list[dict], livez_runs: list[dict],
        wrk, anonymous_sql: dict[str, int]) -> str:
    """wrk on the event page and the check-in list, each after its own /livez run."""
    event_path, checkin_path = paths
    cookie = dashboard.sign_in(base, STAFF_EMAIL, dashboard.PASSWORD)
    if dashboard.status_of(base, checkin_path, cookie) != 200:
        raise RuntimeError(f"{checkin_path} did not answer 200 to staff")
    checkin_sql = dashboard.statements(app, checkin_path, STAFF_EMAIL, dashboard.PASSWORD)
    for label, path, headers, sql in (
            ("/events/<id> (500 registrations)", event_path, (), anonymous_sql[event_path]),
            ("/staff/events/<id>/check-in (500 registrations, staff)", checkin_path,
             (f"Cookie: {cookie}",), checkin_sql)):
        reference = wrk(base, "/livez")
        livez_runs.append(reference)
        measured = wrk(base, path, headers=headers)
        rows.append({"label": label, **measured, "ratio": measured["rps"] / reference["rps"],
                     "sql": sql})
    if dashboard.status_of(base, checkin_path, cookie) != 200:
        raise RuntimeError(f"{checkin_path} stopped answering 200 to staff")
    return (f"Events: one meet-the-buyer day with {REGISTRATIONS} registrations and {BUYERS} "
            f"buyers x 12 slots ({BOOKINGS} booked); the check-in list is requested by a staff "
            "member signed in through POST /login.")
