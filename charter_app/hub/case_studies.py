"""Case studies: write, submit, moderate, publish. Services flush; the request commits.

Who may do what:
- members of a listed signatory write case studies for it and submit them; they never publish;
- staff approve (publish), ask for changes (with a message) or reject (with a reason) what was
  submitted, and write their own for a signatory or a partner, which they may publish at once.

A member's edit of a published case study takes it off the public pages (back to a draft) until
staff approve it again: the simpler rule, and nothing unmoderated is ever public.

Every change names the version it started from. The row's `version` is also SQLAlchemy's
version counter, so the UPDATE itself says "WHERE version = <read>": of two decisions made at
the same moment one wins and the other is told (CaseStudyConflict), on SQLite as on PostgreSQL.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

from slugify import slugify
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from charter_app import images
from charter_app.events.models import Partner
from charter_app.extensions import db
from charter_app.hub import case_study_emails as emails
from charter_app.hub.case_study_models import (
    MAX_IMAGES,
    SLUG_LENGTH,
    STATUS_LABELS,
    CaseStudy,
    CaseStudyImage,
    CaseStudyMeasure,
    CaseStudyStatus,
    CaseStudyTheme,
    CaseStudyVideo,
)
from charter_app.hub.pages import is_slug
from charter_app.organisations.data_postcodes import AREAS
from charter_app.organisations.models import LISTED_STATUSES, Organisation
from charter_app.pledges.catalogue import THEME_ORDER
from charter_app.pledges.models import Measure

PER_PAGE = 10
Status = CaseStudyStatus
# What a member may still change; a submitted one is with staff, a rejected one is closed.
MEMBER_EDITABLE = (Status.DRAFT, Status.CHANGES_REQUESTED, Status.PUBLISHED)
SUBMITTABLE = (Status.DRAFT, Status.CHANGES_REQUESTED)


class CaseStudyRefused(Exception):
    """Not allowed now; the message says why."""


class CaseStudyConflict(CaseStudyRefused):
    """Someone else changed or decided on the case study since the page was opened."""


@dataclass(frozen=True)
class VideoLink:
    title: str
    url: str
    transcript_url: str | None = None


@dataclass(frozen=True)
class CaseStudyText:
    title: str
    area: str
    summary: str
    body: str
    themes: list[str]
    measure_ids: list[int] = field(default_factory=list)
    videos: list[VideoLink] = field(default_factory=list)


@dataclass(frozen=True)
class NewImage:
    image: images.Responsive
    alt: str
    caption: str | None


# --- finding ----------------------------------------------------------------------------------

def _with_details(query):
    return query.options(selectinload(CaseStudy.themes), selectinload(CaseStudy.images),
                         selectinload(CaseStudy.videos), selectinload(CaseStudy.organisation),
                         selectinload(CaseStudy.partner),
                         selectinload(CaseStudy.measures).selectinload(CaseStudyMeasure.measure))


def of_organisation(organisation_id: int) -> list[CaseStudy]:
    return list(db.session.scalars(select(CaseStudy).where(
        CaseStudy.organisation_id == organisation_id).order_by(CaseStudy.updated_at.desc())))


def for_organisation(organisation_id: int, case_study_id: int) -> CaseStudy | None:
    """One of the organisation's case studies; None for anybody else's."""
    return db.session.scalar(_with_details(select(CaseStudy)).where(
        CaseStudy.id == case_study_id, CaseStudy.organisation_id == organisation_id))


def by_id(case_study_id: int) -> CaseStudy | None:
    return db.session.scalar(_with_details(select(CaseStudy)).where(CaseStudy.id == case_study_id))


def published(slug: str) -> CaseStudy | None:
    if not is_slug(slug):
        return None
    return db.session.scalar(_with_details(select(CaseStudy)).where(
        CaseStudy.slug == slug, CaseStudy.status == Status.PUBLISHED))


def _public_order(query):
    return query.order_by(CaseStudy.published_at.desc(), CaseStudy.id.desc())


def published_for_organisation(organisation_id: int) -> list[CaseStudy]:
    return list(db.session.scalars(_public_order(select(CaseStudy).where(
        CaseStudy.organisation_id == organisation_id, CaseStudy.status == Status.PUBLISHED))))


def published_for_partner(partner_id: int) -> list[CaseStudy]:
    return list(db.session.scalars(_public_order(select(CaseStudy).where(
        CaseStudy.partner_id == partner_id, CaseStudy.status == Status.PUBLISHED))))


def moderation_queue() -> list[CaseStudy]:
    """Submitted first (oldest first: fair), then the rest by last change; members' drafts
    stay theirs until they send them."""
    waiting = select(CaseStudy).where(CaseStudy.status == Status.SUBMITTED).order_by(
        CaseStudy.submitted_at, CaseStudy.id)
    others = select(CaseStudy).where(
        CaseStudy.status != Status.SUBMITTED,
        or_(CaseStudy.status != Status.DRAFT, CaseStudy.by_staff.is_(True))).order_by(
        CaseStudy.updated_at.desc())
    loaded = (selectinload(CaseStudy.organisation), selectinload(CaseStudy.partner))
    return [*db.session.scalars(waiting.options(*loaded)),
            *db.session.scalars(others.options(*loaded))]


@dataclass(frozen=True)
class Filters:
    theme: str | None = None
    area: str | None = None
    organisation: str | None = None  # a signatory's or a partner's slug


@dataclass(frozen=True)
class Listing:
    items: list[CaseStudy]
    total: int
    page: int
    pages: int


def _filtered(filters: Filters):
    query = select(CaseStudy).where(CaseStudy.status == Status.PUBLISHED)
    if filters.theme:
        query = query.where(CaseStudy.themes.any(CaseStudyTheme.theme == filters.theme))
    if filters.area:
        query = query.where(CaseStudy.area == filters.area)
    if filters.organisation:
        query = query.where(or_(
            CaseStudy.organisation.has(Organisation.slug == filters.organisation),
            CaseStudy.partner.has(Partner.slug == filters.organisation)))
    return query


def search(filters: Filters, page: int) -> Listing:
    """One page of published case studies matching the filters (newest first)."""
    total = db.session.scalar(select(func.count()).select_from(_filtered(filters).subquery()))
    pages = max(1, math.ceil(total / PER_PAGE))
    page = min(max(page, 1), pages)
    items = db.session.scalars(_public_order(_filtered(filters)).options(
        selectinload(CaseStudy.themes), selectinload(CaseStudy.images),
        selectinload(CaseStudy.organisation), selectinload(CaseStudy.partner))
        .limit(PER_PAGE).offset((page - 1) * PER_PAGE))
    return Listing(list(items), total, page, pages)


def organisations_with_published() -> list[tuple[str, str]]:
    """(slug, name) of every signatory and partner with a published case study, by name."""
    signatories = db.session.execute(select(Organisation.slug, Organisation.name).join(
        CaseStudy, CaseStudy.organisation_id == Organisation.id).where(
        CaseStudy.status == Status.PUBLISHED, Organisation.slug.is_not(None)).distinct())
    partners = db.session.execute(select(Partner.slug, Partner.name).join(
        CaseStudy, CaseStudy.partner_id == Partner.id).where(
        CaseStudy.status == Status.PUBLISHED, Partner.slug.is_not(None)).distinct())
    return sorted({(slug, name) for slug, name in [*signatories, *partners]},
                  key=lambda pair: pair[1].lower())


def measure_choices() -> list[Measure]:
    return list(db.session.scalars(select(Measure).order_by(Measure.theme, Measure.code)))


# --- writing ----------------------------------------------------------------------------------

def may_write_for(organisation: Organisation) -> bool:
    """Members write case studies for a signatory that is in the directory."""
    return organisation.status in LISTED_STATUSES


def _free_slug(title: str) -> str:
    base = slugify(title, max_length=SLUG_LENGTH - 4, word_boundary=True) or "case-study"
    taken = set(db.session.scalars(select(CaseStudy.slug).where(
        or_(CaseStudy.slug == base, CaseStudy.slug.like(base + "-%")))))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def _apply(case_study: CaseStudy, text: CaseStudyText, now: datetime) -> None:
    if text.area not in AREAS:
        raise CaseStudyRefused("Choose the area where the work was done")
    measures = {measure.id: measure for measure in db.session.scalars(
        select(Measure).where(Measure.id.in_(text.measure_ids)))} if text.measure_ids else {}
    # A measure's theme is a theme of the case study, whether or not it was ticked.
    themes = {theme for theme in text.themes if theme in THEME_ORDER}
    themes |= {measure.theme for measure in measures.values()}
    if not themes:
        raise CaseStudyRefused("Choose at least one theme")
    case_study.title = text.title
    case_study.area = text.area
    case_study.summary = text.summary
    case_study.body = text.body
    case_study.updated_at = now
    wanted_themes = sorted(themes, key=THEME_ORDER.index)
    if case_study.theme_codes != wanted_themes:
        case_study.themes = [CaseStudyTheme(theme=theme) for theme in wanted_themes]
    if sorted(row.measure_id for row in case_study.measures) != sorted(measures):
        case_study.measures = [CaseStudyMeasure(measure_id=measure_id)
                               for measure_id in sorted(measures)]
    current = [(video.title, video.url, video.transcript_url) for video in case_study.videos]
    wanted = [(video.title, video.url, video.transcript_url or None) for video in text.videos]
    if current != wanted:
        case_study.videos = [CaseStudyVideo(position=position, title=title, url=url,
                                            transcript_url=transcript)
                             for position, (title, url, transcript) in enumerate(wanted)]


def create(text: CaseStudyText, *, author, now: datetime, organisation: Organisation | None = None,
           partner: Partner | None = None, new_image: NewImage | None = None) -> CaseStudy:
    """A new draft for exactly one signatory or partner."""
    if (organisation is None) == (partner is None):
        raise CaseStudyRefused("Choose a signatory or a partner, not both")
    case_study = CaseStudy(
        slug=_free_slug(text.title), organisation=organisation, partner=partner,
        status=Status.DRAFT, created_by_id=author.id, by_staff=bool(author.is_staff),
        created_at=now)
    _apply(case_study, text, now)
    db.session.add(case_study)
    if new_image is not None:
        _add_image(case_study, new_image)
    db.session.flush()
    return case_study


def _check_version(case_study: CaseStudy, based_on: int, allowed, action: str) -> None:
    """Re-read the row, and refuse if it moved on since `based_on` or is in no state for
    `action`."""
    db.session.refresh(case_study)
    if case_study.version != based_on:
        raise CaseStudyConflict(
            f"Someone else changed this case study since you opened it: it is now "
            f"“{STATUS_LABELS[Status(case_study.status)].lower()}”. Nothing was {action}: check "
            f"it below and try again if you still need to.")
    if case_study.status not in allowed:
        raise CaseStudyRefused(
            f"This case study is {STATUS_LABELS[Status(case_study.status)].lower()}: it "
            f"cannot be {action} now.")


def _flush(case_study: CaseStudy, action: str) -> None:
    """Flush the change; the UPDATE names the version read, so a concurrent change wins."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except StaleDataError:
        db.session.expire_all()
        raise CaseStudyConflict(
            f"Someone else changed this case study at the same moment. Nothing was {action}: "
            "check it below and try again if you still need to.") from None


def save(case_study: CaseStudy, text: CaseStudyText, *, based_on: int, by, now: datetime,
         new_image: NewImage | None = None) -> CaseStudy:
    """Save new text (and maybe one new image). A member's edit of a published case study
    takes it back to a draft, off the public pages, until staff approve it again."""
    allowed = tuple(Status) if by.is_staff else MEMBER_EDITABLE
    if by.is_staff:
        allowed = tuple(status for status in allowed if status != Status.REJECTED)
    _check_version(case_study, based_on, allowed, "saved")
    _apply(case_study, text, now)
    if new_image is not None:
        _add_image(case_study, new_image)
    _unpublish_if_member(case_study, by)
    _flush(case_study, "saved")
    return case_study


def _unpublish_if_member(case_study: CaseStudy, by) -> None:
    if not by.is_staff and case_study.status == Status.PUBLISHED:
        case_study.status = Status.DRAFT
        case_study.published_at = None


def _add_image(case_study: CaseStudy, new: NewImage) -> CaseStudyImage:
    if len(case_study.images) >= MAX_IMAGES:
        raise CaseStudyRefused(f"A case study can have up to {MAX_IMAGES} images. Remove one "
                               "to add another")
    stem = images.store_responsive(new.image)
    image = CaseStudyImage(
        stored_name=stem, content_type=new.image.content_type, width=new.image.width,
        height=new.image.height, widths=",".join(str(width) for width in new.image.versions),
        size_bytes=new.image.size_bytes, alt=new.alt, caption=new.caption or None)
    case_study.images.append(image)
    return image


def remove_image(case_study: CaseStudy, image_id: int, *, based_on: int, by,
                 now: datetime) -> None:
    """Take an image off; its files go when the transaction commits."""
    allowed = MEMBER_EDITABLE if not by.is_staff else (
        Status.DRAFT, Status.SUBMITTED, Status.CHANGES_REQUESTED, Status.PUBLISHED)
    _check_version(case_study, based_on, allowed, "changed")
    image = next((image for image in case_study.images if image.id == image_id), None)
    if image is None:
        raise LookupError(image_id)
    files = (image.stored_name, image.width_list, image.content_type)
    case_study.images.remove(image)
    case_study.updated_at = now
    _unpublish_if_member(case_study, by)
    _flush(case_study, "changed")
    images.forget_responsive(*files)


def submit(case_study: CaseStudy, *, based_on: int, by, now: datetime, staff_mailbox: str):
    """Send it to staff for review (again, after changes were asked for)."""
    _check_version(case_study, based_on, SUBMITTABLE, "submitted")
    case_study.status = Status.SUBMITTED
    case_study.submitted_by_id = by.id
    case_study.submitted_at = now
    case_study.updated_at = now
    _flush(case_study, "submitted")
    emails.case_study_submitted(case_study, staff_mailbox)
    return case_study


APPROVE, CHANGES, REJECT = "approve", "changes", "reject"
DECISIONS = {
    APPROVE: (Status.PUBLISHED, "published"),
    CHANGES: (Status.CHANGES_REQUESTED, "sent back for changes"),
    REJECT: (Status.REJECTED, "rejected"),
}


def decide(case_study: CaseStudy, decision: str, *, based_on: int, by, now: datetime,
           message: str | None = None) -> CaseStudy:
    """Staff's decision on a submitted case study; staff may also publish what staff wrote
    without submitting it. Changes and rejections need a message, which the author is sent."""
    if not by.is_staff:  # never reached through the views; the rule stands on its own
        raise CaseStudyRefused("Only Business Durham staff can publish case studies")
    status, done = DECISIONS[decision]
    allowed = [Status.SUBMITTED]
    if decision == APPROVE and case_study.by_staff:
        allowed += [Status.DRAFT, Status.CHANGES_REQUESTED]
    if decision != APPROVE and not (message or "").strip():
        raise CaseStudyRefused("Write the message to the author" if decision == CHANGES
                               else "Give the reason for rejecting it")
    _check_version(case_study, based_on, allowed, done)
    case_study.status = status
    case_study.decided_by_id = by.id
    case_study.decided_at = now
    case_study.updated_at = now
    case_study.decision_message = None if decision == APPROVE else message.strip()
    if decision == APPROVE:
        case_study.published_at = now
    _flush(case_study, done)
    if case_study.submitted_by is not None and not case_study.submitted_by.is_staff:
        emails.case_study_decided(case_study, case_study.submitted_by)
    return case_study
