"""News posts: staff write and publish them; the public reads the published ones.

A post keeps the address (slug) it was given when first saved, so links and feed entries stay
the same when its title is corrected. Edits are a compare-and-set on `version`, as for pages.
Services flush; the request commits.
"""

from dataclasses import dataclass
from datetime import datetime

from slugify import slugify
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from charter_app.extensions import db
from charter_app.hub.models import SLUG_MAX_LENGTH, NewsPost
from charter_app.hub.pages import PageConflict, compare_and_set, is_slug

PER_PAGE = 10
FEED_ENTRIES = 20


@dataclass(frozen=True)
class NewsText:
    title: str
    summary: str
    body: str
    publish: bool


def post_by_id(post_id: int) -> NewsPost | None:
    return db.session.get(NewsPost, post_id)


def published_post(slug: str) -> NewsPost | None:
    if not is_slug(slug):
        return None
    return db.session.scalar(select(NewsPost).where(
        NewsPost.slug == slug, NewsPost.published_at.is_not(None)))


def _published():
    return (select(NewsPost).where(NewsPost.published_at.is_not(None))
            .order_by(NewsPost.published_at.desc(), NewsPost.id.desc()))


def latest_posts(count: int) -> list[NewsPost]:
    return list(db.session.scalars(_published().limit(count)))


def published_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(NewsPost).where(NewsPost.published_at.is_not(None)))


def published_page(page: int, per_page: int = PER_PAGE) -> list[NewsPost]:
    return list(db.session.scalars(_published().offset((page - 1) * per_page).limit(per_page)))


def all_posts() -> list[NewsPost]:
    """For staff: drafts first, then the newest."""
    return list(db.session.scalars(select(NewsPost).order_by(
        NewsPost.published_at.is_not(None), NewsPost.published_at.desc(), NewsPost.id.desc())))


def _free_slug(title: str) -> str:
    base = slugify(title, max_length=SLUG_MAX_LENGTH - 4, word_boundary=True) or "news"
    taken = set(db.session.scalars(select(NewsPost.slug).where(NewsPost.slug.startswith(base))))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def create_post(text: NewsText, *, author, now: datetime) -> NewsPost:
    post = NewsPost(slug=_free_slug(text.title), title=text.title, summary=text.summary,
                    body=text.body, published_at=now if text.publish else None, version=1,
                    created_at=now, updated_at=now, author=author)
    try:
        with db.session.begin_nested():
            db.session.add(post)
            db.session.flush()
    except IntegrityError as error:
        raise PageConflict("Another post with this title was saved at the same moment: "
                           "save again.") from error
    return post


def save_post(post: NewsPost, text: NewsText, *, based_on: int, now: datetime) -> NewsPost:
    """Save the edit if nobody saved the post since `based_on`. Publishing stamps the time
    of first publication; unpublishing takes the post down (and publishing again re-stamps)."""
    published_at = (post.published_at or now) if text.publish else None
    compare_and_set(post, based_on, "post", title=text.title, summary=text.summary,
                    body=text.body, published_at=published_at, updated_at=now)
    return post
