"""The news as an Atom feed (RFC 4287), built with xml.etree so escaping is the library's job.

Ids are tag: URIs (RFC 4151) on the service's own domain, minted from each post's database id
and the day it was created, so an entry keeps its id when its title or address changes and a
feed reader never shows the same post twice.
"""

from datetime import UTC, datetime
from urllib.parse import urlsplit
from xml.etree import ElementTree

from flask import current_app

from charter_app.hub.markdown import render_markdown
from charter_app.hub.models import NewsPost
from charter_app.urls import external_url

ATOM = "http://www.w3.org/2005/Atom"
FEED_TITLE = "County Durham Pound news"
FEED_AUTHOR = "Business Durham, for the County Durham Pound partnership"
# The day the feed was first published: part of every tag: URI, never changed afterwards.
FEED_TAG_DATE = "2026-11-23"

ElementTree.register_namespace("", ATOM)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _authority() -> str:
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def feed_id() -> str:
    return f"tag:{_authority()},{FEED_TAG_DATE}:news"


def entry_id(post: NewsPost) -> str:
    return f"tag:{_authority()},{post.created_at.astimezone(UTC).date().isoformat()}:news/{post.id}"


def _add(parent, name: str, text: str | None = None, **attributes) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{name}", attributes)
    if text is not None:
        element.text = text
    return element


def atom_feed(posts: list[NewsPost], *, now: datetime) -> bytes:
    """The feed document: the latest published posts, newest first."""
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", feed_id())
    _add(feed, "title", FEED_TITLE)
    updated = max((post.updated_at for post in posts), default=now)
    _add(feed, "updated", rfc3339(updated))
    author = _add(feed, "author")
    _add(author, "name", FEED_AUTHOR)
    _add(feed, "link", rel="self", type="application/atom+xml",
         href=external_url("hub.news_feed"))
    _add(feed, "link", rel="alternate", type="text/html", href=external_url("hub.news_index"))
    for post in posts:
        entry = _add(feed, "entry")
        _add(entry, "id", entry_id(post))
        _add(entry, "title", post.title)
        _add(entry, "updated", rfc3339(post.updated_at))
        _add(entry, "published", rfc3339(post.published_at))
        _add(entry, "link", rel="alternate", type="text/html",
             href=external_url("hub.news_post", slug=post.slug))
        _add(entry, "summary", post.summary)
        # The sanitised HTML, as text: ElementTree escapes it, the reader unescapes it.
        _add(entry, "content", str(render_markdown(post.body)), type="html")
    return ElementTree.tostring(feed, encoding="utf-8", xml_declaration=True)
