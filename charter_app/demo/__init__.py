"""Realistic demo data: signatories across sectors, sizes, areas and themes, with their pledges,
plus applications waiting for review. Fictional names; real County Durham places.

One module per domain (accounts, organisations, pledges); `seed` calls them in a fixed order so
the same seed always gives the same data.
"""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select

from charter_app.demo import (
    accounts,
    badges,
    case_studies,
    collective,
    events,
    hub,
    local_needs,
    organisations,
    pledges,
    reports,
    statements,
)
from charter_app.demo.accounts import DEMO_LOGINS
from charter_app.events.models import Booking, Event, Registration
from charter_app.extensions import db
from charter_app.notifications.models import OutboxMessage
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.pledges.catalogue import active_measures
from charter_app.reporting.models import QuarterlyReport, ReportEntry
from charter_app.signals import evidence_changed

__all__ = ["DEMO_LOGINS", "demo_counts", "has_data", "seed"]


def has_data() -> bool:
    return db.session.scalar(select(Organisation.id).limit(1)) is not None


def demo_counts() -> dict[str, int]:
    """Organisations by state, and quarterly reports by state with their entries (every
    revision's), as `seed-demo` reports what it loaded."""
    rows = db.session.execute(select(Organisation.status, func.count()).group_by(
        Organisation.status))
    by_status = dict(db.session.execute(select(QuarterlyReport.status, func.count()).group_by(
        QuarterlyReport.status)).all())
    return {"approved": 0, "submitted": 0, "draft": 0, "lapsed": 0, **dict(rows.all()),
            "reports": sum(by_status.values()),
            **{f"reports_{status}": by_status.get(status, 0)
               for status in ("draft", "submitted", "checked", "queried")},
            "entries": db.session.scalar(select(func.count()).select_from(ReportEntry)),
            **{name: db.session.scalar(select(func.count()).select_from(model))
               for name, model in (("events", Event), ("registrations", Registration),
                                   ("bookings", Booking))}}


def seed(signatories: int = 49, pending: int = 5, seed_value: int = 2026,
         with_logins: bool = True, with_reports: bool = True,
         with_events: bool = True, with_badges: bool | None = None) -> None:
    """Add demo organisations (approved and pending), optionally the demo logins, and the
    signatories' quarterly reports (one of them lapsed; see demo/reports.py), events, the
    badges all that earns (by default when there are reports), and the partnership's
    collective reports (two published, one in draft: demo/collective.py) with the shipped
    local-needs data (demo/local_needs.py)."""
    # The services replaying the demo's history signal each change as it happens "now"; the
    # badges are worked out once the history is all there, as of its own days (demo/badges.py).
    with evidence_changed.muted():
        _seed(signatories, pending, seed_value, with_logins, with_reports, with_events)
        if with_reports if with_badges is None else with_badges:
            badges.seed(datetime.now(UTC))
        if with_reports:
            local_needs.seed()
            collective.seed(datetime.now(UTC))
            statements.seed(datetime.now(UTC))
        hub.seed(datetime.now(UTC))
        case_studies.seed(datetime.now(UTC))


def _seed(signatories: int, pending: int, seed_value: int, with_logins: bool,
          with_reports: bool, with_events: bool) -> None:
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    measures = active_measures()
    staff = accounts.staff_login() if with_logins else None
    shared_hash = accounts.shared_owner_hash(seed_value)
    used_slugs: set[str] = set()
    used_names: set[str] = set()
    signed: list[Organisation] = []
    for index in range(signatories + pending):
        signs = index < signatories
        approved_at = organisations.approval_time(rng, now) if signs else None
        created = (approved_at - timedelta(days=rng.randint(3, 15)) if approved_at
                   else now - timedelta(days=rng.randint(30, 720)))
        organisation = organisations.random_organisation(rng, index, created, used_names)
        organisation.created_at = created
        organisation.submitted_at = created + timedelta(days=rng.randint(0, 2))
        pledges.pledge_at_random(rng, organisation, measures)
        owner = accounts.add_owner(organisation, index, created, shared_hash)
        organisations.record_submission(organisation, owner)
        if approved_at:
            organisations.approve(organisation, approved_at, staff, used_slugs)
            signed.append(organisation)
        else:
            organisation.status = ApplicationStatus.SUBMITTED
            organisation.submitted_at = now - timedelta(days=pending + signatories - index)
        db.session.add(organisation)
        if index % 500 == 499:
            db.session.flush()
    showcase = None
    if with_logins:
        signatory, applicant = accounts.member_logins(now)
        showcase = organisations.login_organisations(now, measures, signatory, applicant)
    db.session.flush()
    if with_reports:
        queued_before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        # Its own generator, so changing the reports never changes the organisations.
        reports.seed(random.Random(seed_value + 1), showcase, signed, staff, now)
        # The services email members as the demo's history is replayed (renewals, the query,
        # the lapse). Those emails are about events months ago, to fictional addresses: left
        # queued, `make run`'s worker would "send" them all to the mail catcher at once.
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id > queued_before))
    if with_events:
        queued_before = db.session.scalar(select(func.max(OutboxMessage.id))) or 0
        events.seed(random.Random(seed_value + 2), signed, showcase, staff, now)
        # Confirmations and thank-yous for made-up people, as above: not left queued.
        db.session.execute(delete(OutboxMessage).where(OutboxMessage.id > queued_before))
