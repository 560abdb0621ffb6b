"""Builders: make the users and organisations a test needs, committed, with sensible defaults."""

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select

from charter_app.accounts.models import MemberRole, Membership, User
from charter_app.accounts.services import hash_password
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.pledges.models import Measure, Pledge, PledgePeriod
from charter_app.pledges.services import period_dates
from charter_app.timeutil import london_date

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_HASH = None


def _password_hash(password: str) -> str:
    # Hashing with argon2 is slow on purpose; reuse one hash for the default password.
    global _HASH
    if password != PASSWORD:
        return hash_password(password)
    if _HASH is None:
        _HASH = hash_password(PASSWORD)
    return _HASH


class Builders:
    def user(self, email: str | None = None, *, password: str = PASSWORD, confirmed: bool = True,
             staff: bool = False, admin: bool = False) -> User:
        user = User(
            email=email or f"person{next(_counter)}@example.org",
            password_hash=_password_hash(password),
            email_confirmed_at=datetime.now(UTC) if confirmed else None,
            is_staff=staff or admin,
            is_admin=admin,
        )
        db.session.add(user)
        db.session.commit()
        return user

    def staff(self, email: str | None = None, *, admin: bool = False) -> User:
        return self.user(email or f"staff{next(_counter)}@businessdurham.example", staff=True,
                         admin=admin)

    def admin(self, email: str | None = None) -> User:
        return self.staff(email or f"admin{next(_counter)}@businessdurham.example", admin=True)

    def measure(self, code: str) -> Measure:
        return db.session.scalar(select(Measure).where(Measure.code == code))

    def organisation(self, owner: User | None = None, *, status: str = ApplicationStatus.DRAFT,
                     name: str | None = None, pledges: dict[str, str] | None = None,
                     complete: bool = True, **fields) -> Organisation:
        """An organisation; complete=True fills every section of the application."""
        number = next(_counter)
        name = name or f"Test Organisation {number}"
        values = {
            "name": name,
            "status": status,
        }
        if complete:
            values.update(
                legal_form="limited_company",
                sector="private",
                size_band="small",
                company_number=f"{10_000_000 + number:08d}",
                address_line_1="1 Front Street",
                town="Durham",
                postcode="DH1 3HE",
                area="Durham",
                website="https://example.org",
                description="We make things in Durham.",
                commitments_agreed_at=datetime.now(UTC) - timedelta(days=2),
                signatory_name="Sam Robson",
                signatory_role="Director",
            )
        values.update(fields)
        if status != ApplicationStatus.DRAFT:
            values.setdefault("submitted_at", datetime.now(UTC) - timedelta(days=1))
        if status == ApplicationStatus.APPROVED:
            values.setdefault("approved_at", datetime.now(UTC) - timedelta(hours=1))
            values.setdefault("slug", f"test-organisation-{number}")
        organisation = Organisation(**values)
        if complete:
            period = PledgePeriod(number=1)
            if values.get("approved_at"):
                period.starts_on, period.ends_on = period_dates(
                    london_date(values["approved_at"]), 1)
            for code, target in (pledges or {"CDP-JOB-03": "52"}).items():
                period.pledges.append(
                    Pledge(measure_id=self.measure(code).id, target=Decimal(target))
                )
            organisation.pledge_periods.append(period)
            organisation.current_pledge_period = period
        if owner is not None:
            organisation.memberships.append(Membership(user=owner, role=MemberRole.OWNER))
        db.session.add(organisation)
        db.session.commit()
        return organisation

    def report(self, organisation: Organisation, quarter=None, *,
               entries: dict[str, str] | None = None, submit: bool = True,
               actor: User | None = None, today=None):
        """A quarterly report with an entry per measure code (quantity as a string), submitted
        unless submit=False; the quarter defaults to the one approval fell in."""
        from charter_app.reporting import services as reporting

        quarter = quarter or reporting.first_quarter(organisation)
        report = reporting.start_report(organisation, quarter, actor,
                                        today=today or quarter.ends_on)
        for code, quantity in (entries or {"CDP-JOB-03": "4"}).items():
            reporting.save_entry(report, reporting.EntryInput(
                measure_id=self.measure(code).id, quantity=Decimal(quantity),
                description=f"What we did for {code}"), actor)
        if submit:
            reporting.submit_report(report, actor)
        db.session.commit()
        return report

    def member(self, organisation: Organisation, user: User,
               role: MemberRole = MemberRole.MEMBER) -> Membership:
        membership = Membership(organisation=organisation, user=user, role=role)
        db.session.add(membership)
        db.session.commit()
        return membership

    def event(self, *, capacity: int = 30, kind: str = "meet_the_buyer", publish: bool = True,
              starts_in: timedelta = timedelta(days=14), hours: int = 3,
              closes_before: timedelta = timedelta(days=1), **changes):
        """An event starting `starts_in` from now, registration open from a week ago until
        `closes_before` its start; published unless publish=False."""
        from charter_app.events import services as events

        starts_at = (datetime.now(UTC) + starts_in).replace(second=0, microsecond=0)
        details = events.EventDetails(
            kind=kind, title=changes.pop("title", f"Meet the buyer {next(_counter)}"),
            description="Meet the county's buyers.", starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=hours), capacity=capacity,
            registration_opens_at=starts_at - starts_in - timedelta(days=7),
            registration_closes_at=starts_at - closes_before,
            venue=None if kind == "webinar" else "Durham Town Hall",
            address=None if kind == "webinar" else "Market Place, Durham DH1 3NJ",
            join_url="https://meet.example.com/abc" if kind == "webinar" else None)
        for name, value in changes.items():
            setattr(details, name, value)
        event = events.create_event(details, by=None)
        if publish:
            events.publish_event(event.id)
        db.session.commit()
        return event

    def registration(self, event, organisation: Organisation | None = None, *,
                     name: str | None = None, email: str | None = None, needs: str | None = None,
                     now: datetime | None = None):
        """One attendee registered through the service (confirmed, or waiting when full)."""
        from charter_app.events.registrations import Attendee, register

        number = next(_counter)
        organisation = organisation or self.organisation(status=ApplicationStatus.APPROVED)
        registration = register(
            event.id, organisation=organisation, now=now,
            attendee=Attendee(name=name or f"Attendee {number}",
                              email=email or f"attendee{number}@example.org", needs=needs))
        db.session.commit()
        return registration

    # --- meet-the-buyer: partners, buyers and their timetables --------------------------------

    def partner(self, name: str | None = None, **fields):
        from charter_app.events import buyers

        partner = buyers.add_partner(buyers.PartnerDetails(
            name=name or f"Partner {next(_counter)}", **fields))
        db.session.commit()
        return partner

    def buyer(self, event, partner=None, *, slot_minutes: int = 15, starts: str | None = None,
              ends: str | None = None, breaks: str = "", buys: str = "Office supplies"):
        """A partner as a buyer at the event with a timetable (UK times on the event's day;
        by default the event's first hour)."""
        from datetime import time

        from charter_app.events import buyers
        from charter_app.timeutil import to_london

        starts = starts or f"{to_london(event.starts_at):%H:%M}"
        ends = ends or f"{to_london(event.starts_at + timedelta(hours=1)):%H:%M}"

        def clock(text: str) -> time:
            hour, minute = text.split(":")
            return time(int(hour), int(minute))

        partner = partner or self.partner()
        buyer = buyers.add_buyer(event.id, partner.id, buys=buys, opportunities=None)
        buyers.set_timetable(buyer.id, buyers.TimetablePlan(
            slot_minutes=slot_minutes, starts=clock(starts), ends=clock(ends),
            breaks=[(clock(start), clock(end)) for start, end in
                    (part.split("-") for part in breaks.split(",") if part)]))
        db.session.commit()
        return buyer
