"""Registrations and the fair waiting list, through the services (pages are tested elsewhere)."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from charter_app.events import registrations, services
from charter_app.events.models import Registration, RegistrationStatus
from charter_app.events.registrations import Attendee, RegistrationRefused
from charter_app.extensions import db
from charter_app.locking import StateChangeRefused
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.timeutil import utcnow


def _emails(template: str) -> list[str]:
    return list(db.session.scalars(
        select(OutboxMessage.recipient).where(OutboxMessage.template == template)
        .order_by(OutboxMessage.id)))


def test_places_go_first_come_then_the_waiting_list_with_positions(app_ctx, build):
    event = build.event(capacity=2, places_per_organisation=5)
    organisation = build.organisation(status=ApplicationStatus.APPROVED)
    people = [build.registration(event, organisation, email=f"p{n}@example.org")
              for n in range(5)]
    assert [r.status for r in people] == ["confirmed"] * 2 + ["waiting"] * 3
    assert [registrations.waiting_position(r) for r in people] == [None, None, 1, 2, 3]
    assert registrations.places_left(event) == 0
    assert _emails("event_place_confirmed") == ["p0@example.org", "p1@example.org"]
    assert _emails("event_waiting_list") == ["p2@example.org", "p3@example.org", "p4@example.org"]
    assert "position 1" in db.session.scalars(select(OutboxMessage.body_text).where(
        OutboxMessage.recipient == "p2@example.org")).one()


def test_a_cancellation_promotes_the_first_in_line_and_tells_them(app_ctx, build):
    event = build.event(capacity=1)
    first = build.registration(event)
    second = build.registration(event)
    third = build.registration(event)
    registrations.cancel_registration(first.id)
    db.session.commit()
    assert first.status == RegistrationStatus.CANCELLED
    assert second.status == RegistrationStatus.CONFIRMED and second.promoted_at
    assert second.promoted_by_id is None  # automatic
    assert registrations.waiting_position(third) == 1
    assert _emails("event_place_confirmed")[-1] == second.attendee_email
    assert _emails("event_registration_cancelled") == [first.attendee_email]


def test_leaving_the_waiting_list_closes_the_gap(app_ctx, build):
    event = build.event(capacity=1, places_per_organisation=9)
    organisation = build.organisation(status=ApplicationStatus.APPROVED)
    _, a, b, c = (build.registration(event, organisation) for _ in range(4))
    registrations.cancel_registration(b.id)
    db.session.commit()
    assert b.status == RegistrationStatus.LEFT
    assert [registrations.waiting_position(r) for r in (a, c)] == [1, 2]


def test_nobody_is_promoted_after_registration_closes_but_staff_can_by_hand(app_ctx, build):
    event = build.event(capacity=1)
    first, second = build.registration(event), build.registration(event)
    after_close = event.registration_closes_at + timedelta(minutes=1)
    registrations.cancel_registration(first.id, now=after_close)
    db.session.commit()
    assert second.status == RegistrationStatus.WAITING
    staff = build.staff()
    registrations.promote_by_hand(second.id, by=staff, now=after_close)
    db.session.commit()
    assert second.status == RegistrationStatus.CONFIRMED
    assert second.promoted_by_id == staff.id
    with pytest.raises(StateChangeRefused):
        registrations.promote_by_hand(second.id, by=staff, now=after_close)


def test_when_the_event_starts_those_still_waiting_are_told_once(app_ctx, build):
    event = build.event(capacity=1)
    confirmed = build.registration(event)
    waiting = build.registration(event)
    assert registrations.close_waiting_lists(now=event.starts_at - timedelta(minutes=1)) == 0
    assert registrations.close_waiting_lists(now=event.starts_at) == 1
    db.session.commit()
    assert registrations.close_waiting_lists(now=event.starts_at) == 0
    assert waiting.status == RegistrationStatus.NOT_PLACED
    assert _emails("event_not_placed") == [waiting.attendee_email]
    with pytest.raises(RegistrationRefused, match="started"):
        registrations.cancel_registration(confirmed.id, now=event.starts_at)


@pytest.mark.parametrize(("change", "message"), [
    ({"status": "draft"}, "not open"),
    ({"now": "before"}, "not opened yet"),
    ({"now": "closed"}, "has closed"),
    ({"now": "started"}, "has started"),
])
def test_registration_outside_its_window_is_refused(app_ctx, build, change, message):
    event = build.event(publish=change.get("status") != "draft")
    moments = {"before": event.registration_opens_at - timedelta(minutes=1),
               "closed": event.registration_closes_at, "started": event.starts_at}
    with pytest.raises(RegistrationRefused, match=message):
        build.registration(event, now=moments.get(change.get("now")))


def test_the_same_email_twice_places_per_organisation_and_eligibility(app_ctx, build):
    event = build.event(places_per_organisation=2, eligibility="signatories")
    organisation = build.organisation(status=ApplicationStatus.APPROVED)
    build.registration(event, organisation, email="Same@Example.org")
    with pytest.raises(RegistrationRefused, match="already registered") as refused:
        build.registration(event, organisation, email="same@example.org")
    assert refused.value.field == "email"
    build.registration(event, organisation)
    with pytest.raises(RegistrationRefused, match="its 2 places"):
        build.registration(event, organisation)
    with pytest.raises(RegistrationRefused, match="signatories only"):
        build.registration(event, build.organisation(status=ApplicationStatus.DRAFT))


def test_after_cancelling_the_same_person_can_register_again(app_ctx, build):
    event = build.event()
    first = build.registration(event, email="again@example.org")
    registrations.cancel_registration(first.id)
    db.session.commit()
    assert build.registration(event, email="again@example.org").is_confirmed


@pytest.mark.parametrize(("field", "attendee", "message"), [
    ("name", Attendee("  ", "a@example.org"), "full name"),
    ("name", Attendee("x" * 121, "a@example.org"), "120 characters"),
    ("email", Attendee("A", "not-an-email"), "correct format"),
    ("email", Attendee("A", "a" * 250 + "@example.org"), "254 characters"),
    ("needs", Attendee("A", "a@example.org", "n" * 1001), "1000 characters"),
])
def test_bad_attendee_details_are_refused_by_field(app_ctx, build, field, attendee, message):
    event = build.event()
    with pytest.raises(RegistrationRefused, match=message) as refused:
        registrations.register(event.id, organisation=build.organisation(
            status=ApplicationStatus.APPROVED), attendee=attendee)
    assert refused.value.field == field


def test_capacity_cannot_drop_below_the_confirmed_count_and_raising_it_promotes(app_ctx, build):
    event = build.event(capacity=2, places_per_organisation=9)
    organisation = build.organisation(status=ApplicationStatus.APPROVED)
    people = [build.registration(event, organisation) for _ in range(4)]
    details = services.EventDetails.of(event)
    details.capacity = 1
    with pytest.raises(services.InvalidEvent) as invalid:
        services.update_event(event.id, details)
    assert "2 places already confirmed" in invalid.value.problems["capacity"]
    db.session.rollback()
    details.capacity = 3
    services.update_event(event.id, details)
    db.session.commit()
    assert [r.status for r in people] == ["confirmed"] * 3 + ["waiting"]


def test_a_walk_in_is_confirmed_and_checked_in_even_when_full(app_ctx, build):
    event = build.event(capacity=1)
    build.registration(event)
    staff = build.staff()
    walk_in = registrations.register(
        event.id, organisation=build.organisation(), by=staff, walk_in=True,
        attendee=Attendee("Walk In", "walkin@example.org"), now=event.starts_at)
    db.session.commit()
    assert walk_in.is_confirmed and walk_in.checked_in_at and walk_in.walk_in


def test_fifty_people_at_once_for_the_last_five_places(app, app_ctx, build):
    """Real parallel transactions, each on its own connection (the HTTP race is in the page
    tests): exactly 5 get places and 45 wait at positions 1..45, none lost."""
    event = build.event(capacity=10, places_per_organisation=100)
    organisation = build.organisation(status=ApplicationStatus.APPROVED)
    for _ in range(5):
        build.registration(event, organisation)
    event_id, organisation_id = event.id, organisation.id  # read here, not in the threads
    start = threading.Barrier(50)
    errors = []

    def one(number: int) -> None:
        with app.app_context():
            start.wait()
            try:
                registrations.register(event_id, organisation=db.session.get(
                    Organisation, organisation_id),
                    attendee=Attendee(f"Racer {number}", f"racer{number}@example.org"))
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - collected and asserted below
                db.session.rollback()
                errors.append(error)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    db.session.expire_all()
    racers = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.attendee_name.like("Racer%"))).all()
    assert sum(r.is_confirmed for r in racers) == 5
    waiting = [r for r in racers if r.is_waiting]
    assert sorted(registrations.waiting_position(r) for r in waiting) == list(range(1, 46))
    assert utcnow() < event.starts_at
