"""Guidance pages: find them, save a new version, restore an old one, install the standard set.

Every save is a compare-and-set on the page's version number: the editor says which version
it started from, and the UPDATE only happens if that is still the latest. Two staff saving at
once therefore never overwrite each other silently: the second is told, and keeps what it typed.
Services flush; the request (or command) commits.
"""

import re
from dataclasses import dataclass
from datetime import datetime

from slugify import slugify
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from charter_app.extensions import db
from charter_app.hub.models import SLUG_MAX_LENGTH, Page, PageKind, PageVersion
from charter_app.hub.standard_pages import INSTALLED_NOTE, read_standard_pages
from charter_app.pledges.models import Measure

MEASURE_NOTE_PREFIX = "toms-note-"
# What an address we made can look like; anything else (a NUL byte, a very long string) is
# answered "not found" without asking the database, which may refuse it with an error.
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


def is_slug(text: str) -> bool:
    return len(text) <= SLUG_MAX_LENGTH and SLUG.match(text) is not None


class PageConflict(Exception):
    """Someone saved a newer version (or made a page with this address) first."""

    def __init__(self, message: str, latest: int | None = None):
        super().__init__(message)
        self.latest = latest


@dataclass(frozen=True)
class PageText:
    title: str
    summary: str
    body: str
    published: bool


def page_by_slug(slug: str) -> Page | None:
    if not is_slug(slug):
        return None
    return db.session.scalar(select(Page).where(Page.slug == slug))


def published_guidance(slug: str) -> Page | None:
    if not is_slug(slug):
        return None
    return db.session.scalar(select(Page).where(
        Page.slug == slug, Page.kind == PageKind.GUIDANCE, Page.published))


def guidance_pages(*, published_only: bool) -> list[Page]:
    query = select(Page).where(Page.kind == PageKind.GUIDANCE)
    if published_only:
        query = query.where(Page.published)
    return list(db.session.scalars(query.order_by(Page.sort_order, Page.title)))


def version_of(page: Page, number: int) -> PageVersion | None:
    return db.session.scalar(select(PageVersion).where(
        PageVersion.page_id == page.id, PageVersion.number == number))


def measure_note_slug(measure_code: str) -> str:
    return MEASURE_NOTE_PREFIX + slugify(measure_code)


def measure_for_note(slug: str) -> Measure | None:
    """The measure a note's address belongs to, or None if it is not a note's address."""
    if not slug.startswith(MEASURE_NOTE_PREFIX):
        return None
    for measure in db.session.scalars(select(Measure).order_by(Measure.id)):
        if measure_note_slug(measure.code) == slug:
            return measure
    return None


def measure_notes(*, published_only: bool) -> dict[str, Page]:
    """Staff notes on measures, by the note's slug."""
    query = select(Page).where(Page.kind == PageKind.MEASURE_NOTE)
    if published_only:
        query = query.where(Page.published)
    return {page.slug: page for page in db.session.scalars(query)}


def new_slug(title: str) -> str:
    return slugify(title, max_length=SLUG_MAX_LENGTH, word_boundary=True) or "page"


def create_page(slug: str, kind: str, text: PageText, *, change_note: str, author,
                now: datetime, sort_order: int = 0) -> Page:
    """A new page with its first version; PageConflict if the address is taken, even by a
    page another request is creating at the same moment."""
    if page_by_slug(slug) is not None:
        raise PageConflict(f"There is already a page at /hub/{slug}: choose another address.")
    page = Page(slug=slug, kind=kind, title=text.title, summary=text.summary, body=text.body,
                published=text.published, sort_order=sort_order, version=1, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(page)
            db.session.flush()
    except IntegrityError as error:
        raise PageConflict("Someone else has just made a page at this address.") from error
    _record_version(page, text, change_note, author, now)
    return page


def save_page(page: Page, text: PageText, *, based_on: int, change_note: str, author,
              now: datetime, restored_from: int | None = None) -> PageVersion:
    """Save a new version of the page if `based_on` is still its latest version."""
    compare_and_set(page, based_on, "page", title=text.title, summary=text.summary,
                    body=text.body, published=text.published, updated_at=now)
    return _record_version(page, text, change_note, author, now, restored_from)


def compare_and_set(row, based_on: int, what: str, **values) -> None:
    """Write `values` and bump the version only if `based_on` is still the row's version;
    the row is re-read either way. PageConflict (with the latest version) if it was not."""
    model = type(row)
    changed = db.session.execute(
        update(model).where(model.id == row.id, model.version == based_on)
        .values(version=model.version + 1, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(row)
    if changed != 1:
        raise PageConflict(f"Someone saved a newer version of this {what} while you were "
                           f"editing.", latest=row.version)


def restore_version(page: Page, number: int, *, based_on: int, author,
                    now: datetime) -> PageVersion:
    """Make an old version the latest again, as a new version (the history keeps both)."""
    old = version_of(page, number)
    if old is None:
        raise LookupError(number)
    text = PageText(old.title, old.summary, old.body, old.published)
    return save_page(page, text, based_on=based_on, change_note=f"Restored version {number}",
                     author=author, now=now, restored_from=number)


def _record_version(page: Page, text: PageText, change_note: str, author, now: datetime,
                    restored_from: int | None = None) -> PageVersion:
    version = PageVersion(page_id=page.id, number=page.version, title=text.title,
                          summary=text.summary, body=text.body, published=text.published,
                          change_note=change_note, author=author, restored_from=restored_from,
                          created_at=now)
    db.session.add(version)
    db.session.flush()
    return version


def install_standard_pages(now: datetime) -> int:
    """Create any standard guidance page that does not exist yet (never touch edited ones);
    returns how many were made. The migration does the same on a fresh installation."""
    made = 0
    for item in read_standard_pages():
        if page_by_slug(item["slug"]) is not None:
            continue
        text = PageText(item["title"], item["summary"], item["body"], True)
        create_page(item["slug"], PageKind.GUIDANCE, text, change_note=INSTALLED_NOTE,
                    author=None, now=now, sort_order=item["sort_order"])
        made += 1
    return made
