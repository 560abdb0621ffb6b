"""Every email the service sends: one typed function each, rendered from fixed data and compared
with the snapshots under tests/snapshots/emails/ (rewrite them with `pytest --update-snapshots`
and read the diff before committing). Links come from BASE_URL with or without a request, and
subjects stay one bounded line whatever the organisation is called."""

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask import has_request_context
from sqlalchemy import select

from charter_app.accounts import emails as account_emails
from charter_app.accounts import services as accounts
from charter_app.accounts import staff as staff_accounts
from charter_app.accounts.models import Invitation, MemberRole, User
from charter_app.badges import emails as badge_emails
from charter_app.badges.awards import Change
from charter_app.badges.models import BadgeAward
from charter_app.contact import emails as contact_emails
from charter_app.contact import services as contact_services
from charter_app.contact.models import ContactMessage, ContactReply
from charter_app.events import (
    announcement_emails,
    announcements,
    booking_emails,
    feedback_emails,
)
from charter_app.events import bookings as event_bookings
from charter_app.events import emails as event_emails
from charter_app.events import registrations as event_registrations
from charter_app.events import services as event_services
from charter_app.events import tasks as event_tasks
from charter_app.events.models import Booking, BuyerSlot, Event, EventBuyer, Partner, Registration
from charter_app.extensions import db
from charter_app.hub import case_studies
from charter_app.hub import case_study_emails as hub_emails
from charter_app.hub.case_study_models import CaseStudy
from charter_app.notifications.models import EmailCategory, OutboxMessage
from charter_app.organisations import applications, change_requests, review, standing
from charter_app.organisations import emails as organisation_emails
from charter_app.organisations.models import LegalChangeRequest, Organisation, StatusChange
from charter_app.pledges.models import Measure, Pledge, PledgePeriod
from charter_app.reminders import schedule
from charter_app.reporting import annual
from charter_app.reporting import checks as report_checks
from charter_app.reporting import emails as reporting_emails
from charter_app.reporting import tasks as reporting_tasks
from charter_app.reporting.models import (
    AnnualUpdate,
    QuarterlyReport,
    ReportCheck,
    ReportRevision,
)
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.staff import emails as staff_emails
from charter_app.staff import tasks as staff_tasks
from charter_app.timeutil import LONDON, review_clock
from charter_app.tokens import make_token
from charter_app.urls import external_url

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "emails"
BASE_URL = "https://charter.countydurhampound.example"
NONCE = re.compile(r":[0-9a-f]{16}$")

# Fixed data: objects built in memory, never saved, so every run renders the same email.
PERSON = User(id=7, email="sam.robson@wearvalley.example")
INVITATION = Invitation(id=3, email="alex.lee@wearvalley.example", role=MemberRole.MEMBER)
ORGANISATION = Organisation(id=12, name="Wear Valley Widgets & Sons Ltd",
                            slug="wear-valley-widgets-sons-ltd")
CHANGE = StatusChange(id=5)
LEGAL_CHANGE = LegalChangeRequest(id=4, old_name="Wear Valley Widgets Ltd",
                                  new_name="Wear Valley Widgets & Sons Ltd")
STAFF_MEMBER = User(id=8, email="jo.bell@businessdurham.example", is_staff=True, is_admin=False)
WITHDRAWAL = StatusChange(id=6, actor=PERSON, reason="We are closing our Durham office.")
# Staff checks of quarterly reports.
QUERIED_REPORT = QuarterlyReport(id=21, organisation_id=12, organisation=ORGANISATION,
                                 financial_year=2026, quarter=2)
REPORT_QUERY = ReportCheck(id=6, outcome="queried", revision=ReportRevision(id=30, number=2),
                           message="The timesheets show 8 weeks, not 10.\nWhich is right?")
# The annual update and lapsing.
ANNUAL_UPDATE = AnnualUpdate(
    id=21,
    pledge_period=PledgePeriod(number=1, starts_on=date(2025, 6, 10), ends_on=date(2026, 6, 9)),
    next_period=PledgePeriod(number=2, starts_on=date(2026, 6, 10), ends_on=date(2027, 6, 9),
                             pledges=[
        Pledge(measure=Measure(name="Weeks of apprenticeship, level 2 or above", unit="weeks"),
               target=Decimal("60")),
        Pledge(measure=Measure(name="Spend with County Durham suppliers", unit="£ spent"),
               target=Decimal("125000")),
    ]))
RENEWAL = StatusChange(id=9, from_status="approved", to_status="approved")
LAPSE = StatusChange(id=10, from_status="approved", to_status="lapsed")
# Events: a meet-the-buyer day after the October clock change (10:00 in London is 10:00 UTC).
EVENT = Event(id=40, kind="meet_the_buyer", title="Meet the buyer: health & housing",
              starts_at=datetime(2026, 11, 5, 10, tzinfo=UTC),
              ends_at=datetime(2026, 11, 5, 13, tzinfo=UTC), venue="Durham Town Hall",
              address="Market Place, Durham DH1 3NJ", status="published", sequence=0)
# An announced webinar (announcements are optional emails, with an unsubscribe link).
WEBINAR = Event(id=41, kind="webinar", title="Webinar: social value in your bid",
                description="How public buyers weigh social value under the Procurement Act "
                            "2023, and how to write about yours.\n\nFor any local business.",
                starts_at=datetime(2026, 11, 12, 14, tzinfo=UTC),
                ends_at=datetime(2026, 11, 12, 15, 30, tzinfo=UTC), status="published")

# A webinar's reminders: its join link goes to those with a place.
JOINABLE_WEBINAR = Event(id=42, kind="webinar", title="Webinar: writing a bid",
                         starts_at=datetime(2026, 11, 19, 14, tzinfo=UTC),
                         ends_at=datetime(2026, 11, 19, 15, tzinfo=UTC), status="published",
                         join_url="https://meet.example.com/writing-a-bid")

# The weekly staff digest (an optional email for staff).
DIGEST = staff_tasks.Digest(
    week=staff_tasks.DigestWeek("2026-W46", date(2026, 11, 9)),
    applications=[staff_tasks.WaitingApplication(12, ORGANISATION.name, review_clock(
        datetime(2026, 10, 19, 10, tzinfo=UTC), datetime(2026, 11, 9, 8, tzinfo=UTC)))],
    applications_waiting=3, reports_to_check=2, overdue_signatories=1, lapsed_signatories=4,
    events=[staff_tasks.EventPlaces(Event(
                id=43, kind="workshop", title="Bids and tenders workshop", capacity=30,
                starts_at=datetime(2026, 11, 12, 10, tzinfo=UTC),
                ends_at=datetime(2026, 11, 12, 12, tzinfo=UTC)), 4, 0),
            staff_tasks.EventPlaces(Event(
                id=44, kind="webinar", title="Webinar: social value in your bid", capacity=50,
                starts_at=datetime(2026, 11, 13, 14, tzinfo=UTC),
                ends_at=datetime(2026, 11, 13, 15, tzinfo=UTC)), 0, 2)])


CANCELLED_EVENT = Event(id=41, kind="workshop", title="Bids and tenders workshop",
                        starts_at=datetime(2026, 11, 12, 10, tzinfo=UTC),
                        ends_at=datetime(2026, 11, 12, 12, tzinfo=UTC), venue="Durham Town Hall",
                        address="Market Place, Durham DH1 3NJ", status="cancelled", sequence=0,
                        cancellation_reason="The speaker is ill.\nWe will run it again soon.")

# A message from the public, and a staff reply to it.
CONTACT_MESSAGE = ContactMessage(
    id=14, name="Sam Robson & <Co>", email="sam.robson@wearvalley.example",
    organisation="Wear Valley Widgets & Sons Ltd", topic="case_study",
    body="We trained four apprentices with Bishop Auckland College.\nCan we write it up?",
    received_at=datetime(2026, 11, 20, 15, 5, tzinfo=UTC))
CONTACT_REPLY = ContactReply(
    id=9, subject="Your case study for the County Durham Pound",
    body="Thank you, Sam. We would like to share it.\nWe will email you a draft to check.")
STAFF_MAILBOX = "charter@businessdurham.example"


def _case_study(status: str, message: str | None = None) -> CaseStudy:
    """A case study of ORGANISATION in a given state (version 3: submitted, then decided)."""
    return CaseStudy(id=17, slug="apprentices-on-the-rail-works", organisation_id=12,
                     organisation=ORGANISATION, title="Apprentices on the rail works & <depot>",
                     summary="Four local apprentices joined our team.\nAll from Crook.",
                     status=status, version=3, decision_message=message)


def _registration(status: str, **fields) -> Registration:
    return Registration(id=501, event_id=40, event=EVENT, attendee_name="Sam Robson",
                        attendee_email=PERSON.email, status=status, sequence=0, **fields)


def _booking(status: str, sequence: int, **fields) -> Booking:
    """An appointment at EVENT: 10:15 to 10:30 with a buyer, booked by PERSON."""
    buyer = EventBuyer(id=31, event=EVENT, partner=Partner(id=3, name="Believe Housing & Co"))
    return Booking(id=601, event_id=40, status=status, sequence=sequence, buyer=buyer,
                   slot=BuyerSlot(id=77, starts_at=datetime(2026, 11, 5, 10, 15, tzinfo=UTC),
                                  ends_at=datetime(2026, 11, 5, 10, 30, tzinfo=UTC)),
                   organisation=ORGANISATION, booked_by=PERSON,
                   offer="We make widgets & gadgets.\nOur workshop is in Crook.",
                   created_at=datetime(2026, 10, 20, 9, tzinfo=UTC), **fields)


EMAILS = {
    "account_exists": lambda: account_emails.account_exists(PERSON),
    "confirm_email": lambda: account_emails.confirm_email(PERSON, "CONFIRM-TOKEN"),
    "reset_password": lambda: account_emails.reset_password(PERSON, "RESET-TOKEN"),
    "invitation": lambda: account_emails.invitation(INVITATION, ORGANISATION.name, PERSON,
                                                    "INVITE-TOKEN"),
    "change_email": lambda: account_emails.change_email(PERSON, "sam@newaddress.example",
                                                        "CHANGE-TOKEN"),
    "email_changed": lambda: account_emails.email_changed(PERSON, "sam@oldaddress.example"),
    "email_in_use": lambda: account_emails.email_in_use(PERSON),
    "staff_invitation": lambda: account_emails.staff_invitation(STAFF_MEMBER, PERSON,
                                                                "STAFF-TOKEN"),
    "application_submitted": lambda: organisation_emails.application_submitted(
        ORGANISATION, CHANGE, PERSON),
    "application_approved": lambda: organisation_emails.application_approved(
        ORGANISATION, CHANGE, PERSON),
    "application_rejected": lambda: organisation_emails.application_rejected(
        ORGANISATION, CHANGE, PERSON, "Your address is in Cumbria.\nWe can only accept "
        "organisations based in County Durham."),
    "legal_change_approved": lambda: organisation_emails.legal_change_approved(
        ORGANISATION, LEGAL_CHANGE, PERSON),
    "legal_change_rejected": lambda: organisation_emails.legal_change_rejected(
        ORGANISATION, LEGAL_CHANGE, PERSON, "Companies House still shows the old name.\nAsk "
        "again once it shows the new one."),
    "signatory_withdrawn": lambda: organisation_emails.signatory_withdrawn(
        ORGANISATION, WITHDRAWAL, PERSON),
    "signatory_suspended": lambda: organisation_emails.signatory_suspended(
        ORGANISATION, CHANGE, PERSON, "Your public profile names a company that was dissolved."
        "\nTell us who now runs the business."),
    "suspension_lifted": lambda: organisation_emails.suspension_lifted(
        ORGANISATION, CHANGE, PERSON, "Thank you for the new details."),
    "report_queried": lambda: reporting_emails.report_queried(QUERIED_REPORT, REPORT_QUERY,
                                                              PERSON),
    # Social value reporting: the annual update and lapsing.
    "annual_update_received": lambda: reporting_emails.annual_update_received(
        ORGANISATION, ANNUAL_UPDATE, RENEWAL, PERSON),
    "signatory_lapsed": lambda: reporting_emails.signatory_lapsed(
        ORGANISATION, LAPSE, date(2026, 6, 10), 60, PERSON),
    # Reminders of the Charter's obligations (reporting/reminders.py).
    "annual_update_reminder": lambda: reporting_emails.annual_update_reminder(
        ORGANISATION, PledgePeriod(id=33, number=1, starts_on=date(2025, 6, 10),
                                   ends_on=date(2026, 6, 9)),
        date(2026, 6, 10), "T-7", date(2026, 6, 3), date(2026, 8, 10), PERSON),
    "quarterly_report_reminder": lambda: reporting_emails.quarterly_report_reminder(
        ORGANISATION, FinancialQuarter(2026, 2), "due-14", date(2026, 10, 16), PERSON),
    # Events: registrations and the waiting list.
    "event_place_confirmed": lambda: event_emails.registration_received(
        _registration("confirmed")),
    "event_waiting_list": lambda: event_emails.registration_received(_registration(
        "waiting", waiting_since=datetime(2026, 10, 20, 9, tzinfo=UTC))),
    "event_registration_cancelled": lambda: event_emails.registration_cancelled(
        _registration("cancelled")),
    "event_not_placed": lambda: event_emails.registration_not_placed(
        _registration("not_placed")),
    # Events: reminders before the day, and a webinar's join link.
    "event_reminder": lambda: event_emails.event_reminder(_registration(
        "confirmed", confirmed_at=datetime(2026, 10, 20, 9, tzinfo=UTC)), schedule.EVENT[0]),
    "event_join_link": lambda: event_emails.event_join_link(Registration(
        id=503, event_id=42, event=JOINABLE_WEBINAR, attendee_name="Sam Robson",
        attendee_email=PERSON.email, status="confirmed", sequence=0,
        confirmed_at=datetime(2026, 10, 20, 9, tzinfo=UTC))),
    # Staff: the weekly digest.
    "staff_digest": lambda: staff_emails.staff_digest(STAFF_MEMBER, DIGEST,
                                                      "staff-digest:2026-W46:8"),
    # Badges: gained, changed or lost.
    "badges_changed": lambda: badge_emails.badges_changed(ORGANISATION, [
        Change("ended", BadgeAward(public_id="SILVER-AWARD-ID", kind="level", level="silver",
                                   year_label="2026", valid_from=datetime(2025, 11, 2, tzinfo=UTC),
                                   ended_reason="Replaced by the Gold level on 20 November "
                                                "2026.")),
        Change("gained", BadgeAward(public_id="GOLD-AWARD-ID", kind="level", level="gold",
                                    year_label="2026",
                                    valid_from=datetime(2026, 11, 20, 9, tzinfo=UTC)))], PERSON),
    # Events: after the day, and announcements.
    "event_thank_you": lambda: feedback_emails.event_thank_you(
        _registration("confirmed", checked_in_at=datetime(2026, 11, 5, 9, 50, tzinfo=UTC)),
        "FEEDBACK-TOKEN"),
    "event_announcement": lambda: announcement_emails.event_announcement(WEBINAR, PERSON),
    # Events: appointments with buyers at a meet-the-buyer event.
    "booking_confirmed": lambda: booking_emails.booking_confirmed(_booking("booked", 0)),
    "booking_cancelled": lambda: booking_emails.booking_cancelled(_booking(
        "cancelled", 1, cancelled_at=datetime(2026, 10, 25, 9, tzinfo=UTC))),
    # Events: notices of staff changes.
    "event_time_changed": lambda: event_emails.event_time_changed(_registration(
        "confirmed", confirmed_at=datetime(2026, 10, 20, 9, tzinfo=UTC))),
    # Messages from the public: to the staff mailbox, the sender's acknowledgement, a reply.
    "contact/message_received": lambda: contact_emails.message_received(CONTACT_MESSAGE,
                                                                        STAFF_MAILBOX),
    "contact/message_acknowledged": lambda: contact_emails.message_acknowledged(CONTACT_MESSAGE),
    "contact/reply": lambda: contact_emails.reply_sent(CONTACT_REPLY, CONTACT_MESSAGE,
                                                       STAFF_MAILBOX),
    # Case studies: to staff when one is sent for review, to its author when staff decide.
    "hub/case_study_submitted": lambda: hub_emails.case_study_submitted(
        _case_study("submitted"), STAFF_MAILBOX),
    "hub/case_study_published": lambda: hub_emails.case_study_decided(
        _case_study("published"), PERSON),
    "hub/case_study_changes_requested": lambda: hub_emails.case_study_decided(
        _case_study("changes_requested", "Name the college, please.\nAnd add a photo."), PERSON),
    "hub/case_study_rejected": lambda: hub_emails.case_study_decided(
        _case_study("rejected", "The work was outside County Durham."), PERSON),
    "event_cancelled": lambda: event_emails.event_cancelled(Registration(
        id=502, event_id=41, event=CANCELLED_EVENT, attendee_name="Sam Robson",
        attendee_email=PERSON.email, status="cancelled", sequence=1,
        confirmed_at=datetime(2026, 10, 20, 9, tzinfo=UTC))),
}


@pytest.fixture
def fixed_base_url(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)


def _snapshot_text(message: OutboxMessage) -> str:
    return (f"Subject: {message.subject}\nCategory: {message.category}\n"
            f"Key: {NONCE.sub(':<nonce>', message.idempotency_key)}\n"
            f"To: {message.recipient}\n\n{message.body_text}")


@pytest.mark.parametrize("name", sorted(EMAILS))
def test_every_email_matches_its_snapshot(request, app_ctx, fixed_base_url, name):
    message = EMAILS[name]()
    rendered = {".txt": _snapshot_text(message), ".html": message.body_html}
    assert message.template == name
    for suffix, content in rendered.items():
        path = SNAPSHOTS / f"{name}{suffix}"
        if request.config.getoption("--update-snapshots"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(content)
        assert path.exists(), f"no snapshot {path.name}: run pytest --update-snapshots"
        assert content == path.read_text(), f"{path.name} differs from its snapshot"


def test_every_template_pair_has_a_typed_email():
    folder = Path(__file__).parent.parent / "email_templates"
    templates = {path.relative_to(folder).with_suffix("").as_posix()
                 for path in folder.rglob("*.txt")}
    assert templates == set(EMAILS)


def test_each_email_has_its_category_and_key_scheme(app_ctx, fixed_base_url):
    messages = {name: make() for name, make in EMAILS.items()}
    account_kinds = {"account_exists", "confirm_email", "reset_password", "invitation",
                     "change_email", "email_changed", "email_in_use", "staff_invitation",
                     "contact/message_acknowledged", "contact/reply"}
    optional_kinds = {"event_announcement", "staff_digest"}
    for name, message in messages.items():
        expected = (EmailCategory.TRANSACTIONAL if name in account_kinds
                    else EmailCategory.OPTIONAL if name in optional_kinds
                    else EmailCategory.SERVICE)
        assert message.category == expected, name
    assert messages["application_approved"].idempotency_key == "application-approved:12:5:7"
    assert messages["invitation"].idempotency_key == "invitation:3"
    # An email a person asks for again is a new email each time.
    again = account_emails.confirm_email(PERSON, "CONFIRM-TOKEN")
    assert again.idempotency_key != messages["confirm_email"].idempotency_key
    # One approval emails each owner once, however often it is queued.
    assert organisation_emails.application_approved(ORGANISATION, CHANGE, PERSON).id == (
        messages["application_approved"].id)


def test_names_are_escaped_in_html_and_kept_as_typed_in_text(app_ctx, fixed_base_url):
    message = account_emails.invitation(INVITATION, "Smith & <Sons>", PERSON, "T")
    assert message.subject == "Join Smith & <Sons> on the County Durham Pound Charter"
    assert "join Smith & <Sons> on the County Durham Pound Charter as a member" in (
        message.body_text)
    assert "Smith &amp; &lt;Sons&gt;" in message.body_html
    assert "<Sons>" not in message.body_html


@pytest.mark.parametrize("name", [
    "x" * 160,
    "Evil\r\nBcc: everyone@example.org\r\n" + "y" * 140,
    "Line\u2028separator\x85and\ttabs " + "z" * 130,
])
def test_subjects_are_one_bounded_line_whatever_the_name(app_ctx, fixed_base_url, name):
    organisation = Organisation(id=99, name=name[:160], slug="long")
    invitation = Invitation(id=98, email="a@example.org", role=MemberRole.OWNER)
    change = LegalChangeRequest(id=97, old_name=name[:160], new_name=name[:160])
    for message in (organisation_emails.application_approved(organisation, CHANGE, PERSON),
                    organisation_emails.legal_change_approved(organisation, change, PERSON),
                    account_emails.invitation(invitation, name[:160], PERSON, "T")):
        assert len(message.subject) <= 130
        assert not re.search(r"[\x00-\x1f\x7f\x85\u2028\u2029]", message.subject)
        assert "  " not in message.subject
    db.session.commit()  # the subject fits its column, on PostgreSQL as on SQLite


def test_every_email_sending_service_works_without_a_request(app, app_ctx, build, smtp,
                                                              fixed_base_url):
    """As from a CLI command or a scheduled job: no request, links from BASE_URL."""
    assert not has_request_context()
    owner = build.user("owner@example.org")
    staff = build.staff()
    drafts = [build.organisation(owner, status="draft") for _ in range(2)]

    accounts.register_user("new.person@example.org", "a long enough password 1")
    accounts.register_user(owner.email, "a long enough password 1")  # account_exists
    accounts.send_confirmation(owner)
    accounts.request_password_reset(owner.email)
    accounts.invite_colleague(drafts[0], "colleague@example.org", MemberRole.MEMBER, owner)
    accounts.request_email_change(owner, "owner.new@example.org")
    accounts.request_email_change(owner, staff.email)  # email_in_use, told to its holder
    staff_accounts.invite_staff("new.staff@example.org", admin=False, invited_by=staff)
    accounts.confirm_email_change(make_token(
        "change-email", {"user": owner.id, "email": "owner.new@example.org"}))
    for organisation in drafts:
        applications.submit_application(organisation, owner)
    review.approve_application(drafts[0], staff)
    review.reject_application(drafts[1], staff, "Outside County Durham.")
    signatory = build.organisation(owner, status="approved", name="Renamed Ltd")
    for decide in (change_requests.approve_change, change_requests.reject_change):
        details = change_requests.LegalDetails(f"Renamed Again {decide.__name__} Ltd",
                                               "limited_company", "01234567", None)
        change = change_requests.request_legal_change(signatory, owner, details)
        if decide is change_requests.reject_change:
            decide(change, staff, "Not yet registered.")
        else:
            decide(change, staff)
    leaving = build.organisation(owner, status="approved", name="Leaving Ltd", slug="leaving")
    standing.withdraw(leaving, owner, None)
    suspended = build.organisation(owner, status="approved", name="Paused Ltd", slug="paused")
    standing.suspend(suspended, staff, "A reason.")
    standing.lift_suspension(suspended, staff, None)
    report = build.report(signatory, actor=owner)
    report_checks.query_report(report, report.submitted_revision_id, staff, "Which weeks?")
    # The jobs' reminders of the annual update (due in 7 days) and a quarter's report (open).
    build.organisation(owner, status="approved", approved_at=datetime(2025, 3, 3, 9, tzinfo=UTC))
    reminders_at = datetime(2026, 2, 24, 9, tzinfo=UTC)
    assert reporting_tasks.remind_annual_updates(reminders_at) == 1
    assert reporting_tasks.remind_quarterly_reports(reminders_at) == 1
    # The annual update's: lapsed by the daily job, then approved again by the update.
    lapsing = build.organisation(owner, status="approved",
                                 approved_at=datetime(2024, 1, 10, 12, tzinfo=UTC))
    annual.lapse_if_overdue(lapsing, date(2025, 3, 20))
    annual.submit_annual_update(lapsing, annual.UpdateInput(
        lapsing.current_pledge_period_id, {"jobs": "Two apprentices."},
        {build.measure("CDP-JOB-03").id: Decimal(60)}), owner, date(2025, 3, 20))
    # Events: a place, a waiting position, a cancellation that promotes, and the job that
    # tells those still waiting when the event starts.
    event = build.event(capacity=1)
    registered = build.registration(event)
    build.registration(event)
    last_in_line = build.registration(event)
    event_registrations.cancel_registration(registered.id)
    event_registrations.close_waiting_lists(now=event.starts_at)
    assert last_in_line.status == "not_placed"
    # After an event: thanks to those who came; and a new event announced to those who asked.
    attended = build.registration(build.event())
    attended.checked_in_at = attended.event.starts_at
    assert event_tasks.thank_attendees(attended.event.ends_at) == 1
    owner.wants_event_announcements = True
    assert announcements.announce_event(build.event().id) == 1
    # Appointments: one booked, then cancelled.
    meet = build.event(starts_in=datetime.combine(  # 10am UK time in a fortnight
        date.today() + timedelta(days=14), time(10), tzinfo=LONDON) - datetime.now(UTC))
    buyer = build.buyer(meet)
    booker = build.user()
    supplier = build.organisation(booker, status="approved")
    build.registration(meet, supplier, email=booker.email)
    booking = event_bookings.book_slot(meet.id, buyer.slots[0].id, organisation_id=supplier.id,
                                       by=booker, offer="We make widgets.")
    event_bookings.cancel_booking(booking.id, organisation_id=supplier.id)
    # Staff move one event (its attendee gets the new time) and cancel it (told again).
    moved = build.event()
    build.registration(moved)
    details = event_services.EventDetails.of(moved)
    details.starts_at += timedelta(hours=1)
    details.ends_at += timedelta(hours=1)
    event_services.update_event(moved.id, details)
    event_services.cancel_event(moved.id, "The venue flooded.", by=staff)
    # Reminders before an event: half an hour before a webinar, its 1-day one and join link.
    webinar = build.event(kind="webinar", starts_in=timedelta(days=30))  # after the others
    build.registration(webinar)
    assert event_tasks.remind_attendees(webinar.starts_at - timedelta(minutes=30)) == 2
    # The weekly staff digest, to the one staff member who has accepted (next Monday, 9am).
    monday = date.today() + timedelta(days=7 - date.today().weekday())
    assert staff_tasks.send_staff_digest(datetime.combine(monday, time(9), tzinfo=LONDON)) == 1
    # A message from the public (to staff, and acknowledged), and a staff reply to it.
    message = contact_services.receive_message(
        contact_services.MessageInput("Sam Robson", "sam@example.org", None, "idea", "An idea."),
        client_address="192.0.2.1", honeypot=None,
        stamp=contact_services.form_stamp(datetime.now(UTC) - timedelta(seconds=5)))
    contact_services.send_reply(message, subject="Thank you", body="Thank you.", by=staff,
                                form_key=contact_services.new_reply_key())
    # Case studies: three sent for review, then published, sent back and rejected.
    for decision, note in (("approve", None), ("changes", "Name the college."),
                           ("reject", "Outside the county.")):
        case_study = case_studies.create(
            case_studies.CaseStudyText(f"Story {decision}", "Durham", "Summary", "Body",
                                       ["jobs"]),
            author=owner, now=datetime.now(UTC), organisation=signatory)
        case_studies.submit(case_study, based_on=case_study.version, by=owner,
                            now=datetime.now(UTC), staff_mailbox=STAFF_MAILBOX)
        case_studies.decide(case_study, decision, based_on=case_study.version, by=staff,
                            now=datetime.now(UTC), message=note)
    db.session.commit()

    templates = set(db.session.scalars(select(OutboxMessage.template)))
    assert templates == set(EMAILS)
    # 51 of the services above, and 4 of badges: an approval, a report submitted and checked,
    # and an annual update each change some organisation's badges.
    received = smtp.wait_for(55)
    assert len(received) == 55
    links = [link for message in received for link in smtp.links(message)
             if link != webinar.join_url]  # the one link that is not ours
    assert len(links) >= 10
    assert all(link.startswith(BASE_URL + "/") for link in links), links


def test_links_come_from_base_url_never_from_the_request_host(app, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://example.org/charter/")
    expected = "https://example.org/charter/signatories/wear-valley"
    with app.app_context():
        assert external_url("directory.profile", slug="wear-valley") == expected
    with app.test_request_context("/", base_url="http://attacker.example"):
        assert external_url("directory.profile", slug="wear-valley") == expected
