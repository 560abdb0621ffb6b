"""News: staff write and publish posts; the public reads them at /news, on the home page and in
the Atom feed, whose required elements (RFC 4287) are all there."""

import re
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest

from charter_app.extensions import db
from charter_app.hub import news
from charter_app.hub.news import NewsText
from tests.builders import PASSWORD
from tests.conftest import csrf_token_from, log_in

ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})\Z")


@pytest.fixture
def staff_client(app, build):
    client = app.test_client()
    log_in(client, build.staff("news.desk@businessdurham.example").email, PASSWORD)
    return client


def _posts(count: int, start=datetime(2026, 9, 1, 9, tzinfo=UTC)):
    made = []
    for number in range(count):
        made.append(news.create_post(
            NewsText(f"Post {number + 1}", f"Summary {number + 1}", "Body", True),
            author=None, now=start + timedelta(days=number)))
    db.session.commit()
    return made


def test_staff_draft_then_publish_and_the_public_reads_it(app_ctx, staff_client, client):
    page = staff_client.get("/staff/hub/news/new").text
    data = {"csrf_token": csrf_token_from(page), "based_on": "0", "title": "Meet the buyer: May",
            "summary": "Book a 1:1 with the council's buyers.",
            "body": "Places are **limited**.", "action": "save"}
    response = staff_client.post("/staff/hub/news/new", data=data)
    assert response.status_code == 302
    post_url = response.headers["Location"]
    assert client.get("/news/meet-the-buyer-may").status_code == 404  # a draft
    assert "Meet the buyer" not in client.get("/news.atom").text

    response = staff_client.post(post_url, data={**data, "based_on": "1", "publish": "y"})
    assert response.status_code == 302
    article = client.get("/news/meet-the-buyer-may").text
    assert "Places are <strong>limited</strong>." in article
    assert "Meet the buyer: May" in client.get("/news").text
    assert "Meet the buyer: May" in client.get("/").text
    assert "Meet the buyer: May" in client.get("/news.atom").text


def test_the_home_page_shows_the_three_latest(app_ctx, client):
    _posts(4)
    home = client.get("/").text
    assert all(f"Post {n}<" in home for n in (2, 3, 4)) and "Post 1<" not in home


def test_news_is_paginated(app_ctx, client):
    _posts(news.PER_PAGE + 2)
    first = client.get("/news").text
    assert f"Post {news.PER_PAGE + 2}<" in first and "Post 1<" not in first
    second = client.get("/news?page=2").text
    assert "Post 1<" in second and "Post 2<" in second
    assert client.get("/news?page=3").status_code == 404


def test_the_atom_feed_has_every_required_element(app_ctx, client):
    post = _posts(1)[0]
    news.create_post(NewsText("Tom & Jerry's <b>café</b>", "A < B", "x", True), author=None,
                     now=datetime(2026, 10, 1, tzinfo=UTC))
    db.session.commit()
    response = client.get("/news.atom")
    assert response.content_type.startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.data)  # noqa: S314 - our own feed, in a test
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id").startswith("tag:")
    assert feed.findtext(f"{ATOM}title")
    assert RFC3339.match(feed.findtext(f"{ATOM}updated"))
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    self_link = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert len(self_link) == 1 and self_link[0].get("href").endswith("/news.atom")
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == 2
    for entry in entries:
        assert entry.findtext(f"{ATOM}id").startswith("tag:")
        assert entry.findtext(f"{ATOM}title")
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))
        assert entry.find(f"{ATOM}content") is not None or entry.find(f"{ATOM}summary") is not None
    # Escaping is the library's: the title reads back exactly as typed.
    assert entries[0].findtext(f"{ATOM}title") == "Tom & Jerry's <b>café</b>"

    # An entry keeps its id when the post is edited.
    before = {entry.findtext(f"{ATOM}id") for entry in entries}
    news.save_post(post, NewsText("Renamed", "Summary", "Body", True), based_on=1,
                   now=datetime(2026, 11, 1, tzinfo=UTC))
    db.session.commit()
    after = ElementTree.fromstring(client.get("/news.atom").data)  # noqa: S314 - as above
    assert {entry.findtext(f"{ATOM}id") for entry in after.findall(f"{ATOM}entry")} == before


def test_two_staff_saving_one_post_the_second_is_told(app_ctx, staff_client):
    post = _posts(1)[0]
    url = f"/staff/hub/news/{post.id}"
    token = csrf_token_from(staff_client.get(url).text)
    data = {"csrf_token": token, "based_on": "1", "title": "Post 1", "summary": "S",
            "body": "First", "publish": "y", "action": "save"}
    assert staff_client.post(url, data=data).status_code == 302
    late = staff_client.post(url, data={**data, "body": "Second, typed meanwhile"})
    assert late.status_code == 409
    assert "Someone saved a newer version of this post" in late.text
    assert "Second, typed meanwhile" in late.text
