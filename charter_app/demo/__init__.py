"""Realistic demo data: signatories across sectors, sizes, areas and themes, with their pledges,
plus applications waiting for review. Fictional names; real County Durham places.

One module per domain (accounts, organisations, pledges); `seed` calls them in a fixed order so
the same seed always gives the same data.
"""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from charter_app.demo import accounts, organisations, pledges
from charter_app.demo.accounts import DEMO_LOGINS
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus, Organisation
from charter_app.pledges.catalogue import active_measures

__all__ = ["DEMO_LOGINS", "demo_counts", "has_data", "seed"]


def has_data() -> bool:
    return db.session.scalar(select(Organisation.id).limit(1)) is not None


def demo_counts() -> dict[str, int]:
    """Organisations by state, as `seed-demo` reports what it loaded."""
    rows = db.session.execute(select(Organisation.status, func.count()).group_by(
        Organisation.status))
    return {"approved": 0, "submitted": 0, "draft": 0, **dict(rows.all())}


def seed(signatories: int = 48, pending: int = 5, seed_value: int = 2026,
         with_logins: bool = True) -> None:
    """Add demo organisations (approved and pending) and, optionally, the demo logins."""
    rng = random.Random(seed_value)
    now = datetime.now(UTC)
    measures = active_measures()
    staff = accounts.staff_login() if with_logins else None
    shared_hash = accounts.shared_owner_hash(seed_value)
    used_slugs: set[str] = set()
    used_names: set[str] = set()
    for index in range(signatories + pending):
        created = now - timedelta(days=rng.randint(30, 720))
        organisation = organisations.random_organisation(rng, index, created, used_names)
        organisation.created_at = created
        organisation.submitted_at = created + timedelta(days=rng.randint(0, 6))
        pledges.pledge_at_random(rng, organisation, measures)
        owner = accounts.add_owner(organisation, index, created, shared_hash)
        organisations.record_submission(organisation, owner)
        if index < signatories:
            organisations.approve(rng, organisation, staff, used_slugs)
        else:
            organisation.status = ApplicationStatus.SUBMITTED
            organisation.submitted_at = now - timedelta(days=pending + signatories - index)
        db.session.add(organisation)
        if index % 500 == 499:
            db.session.flush()
    if with_logins:
        signatory, applicant = accounts.member_logins(now)
        organisations.login_organisations(now, measures, signatory, applicant)
    db.session.flush()
