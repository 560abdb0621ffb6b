"""Partners' public pages: the County Durham Pound's anchor institutions, what they buy, where
they publish tenders and whom to ask about social value, with the events where they meet
suppliers as buyers. The `Partner` rows are the events domain's; the hub adds their page.

Edits are a compare-and-set on `version`, as for guidance pages. Services flush; the request
commits.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from charter_app.events.models import Event, EventBuyer, EventStatus, Partner
from charter_app.extensions import db
from charter_app.hub.pages import PageConflict, compare_and_set, is_slug


@dataclass(frozen=True)
class PartnerPage:
    slug: str
    what_it_buys: str | None
    tenders_url: str | None
    tenders_text: str | None
    social_value_contact_name: str | None
    social_value_contact_email: str | None
    published: bool


def published_partners() -> list[Partner]:
    return list(db.session.scalars(
        select(Partner).where(Partner.published.is_(True), Partner.slug.is_not(None))
        .order_by(func.lower(Partner.name))))


def all_partners() -> list[Partner]:
    return list(db.session.scalars(select(Partner).order_by(func.lower(Partner.name))))


def partner_by_id(partner_id: int) -> Partner | None:
    return db.session.get(Partner, partner_id)


def published_partner(slug: str) -> Partner | None:
    # Not a slug: not a page, and no query.
    if not is_slug(slug):
        return None
    return db.session.scalar(select(Partner).where(Partner.slug == slug,
                                                   Partner.published.is_(True)))


def events_as_buyer(partner: Partner, now: datetime) -> tuple[list[Event], list[Event]]:
    """The published events where the partner is a buyer: (upcoming soonest first, past most
    recent first)."""
    events = list(db.session.scalars(
        select(Event).join(EventBuyer, EventBuyer.event_id == Event.id)
        .where(EventBuyer.partner_id == partner.id, Event.status == EventStatus.PUBLISHED)
        .order_by(Event.starts_at)))
    upcoming = [event for event in events if event.ends_at >= now]
    past = [event for event in reversed(events) if event.ends_at < now]
    return upcoming, past


def save_page(partner: Partner, page: PartnerPage, *, based_on: int) -> Partner:
    """Save the partner's page if nobody saved it since `based_on` (PageConflict if someone
    did, or if another partner has the address)."""
    taken = db.session.scalar(select(Partner.id).where(Partner.slug == page.slug,
                                                       Partner.id != partner.id).limit(1))
    if taken is not None:
        raise PageConflict(f"Another partner's page is at /partners/{page.slug}: choose "
                           f"another address.")
    try:
        with db.session.begin_nested():
            compare_and_set(partner, based_on, "partner", slug=page.slug,
                            what_it_buys=page.what_it_buys or None,
                            tenders_url=page.tenders_url or None,
                            tenders_text=page.tenders_text or None,
                            social_value_contact_name=page.social_value_contact_name or None,
                            social_value_contact_email=page.social_value_contact_email or None,
                            published=page.published)
    except IntegrityError as error:  # the same address taken a moment ago
        raise PageConflict(f"Another partner's page is at /partners/{page.slug}: choose "
                           f"another address.") from error
    return partner
