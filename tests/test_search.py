"""One search across the directory and the Knowledge Hub, on the full-text index: what it finds,
in which order, what it never shows, and that no query can break it."""

import re

import pytest
from sqlalchemy import delete, func, select

from charter_app.extensions import db
from charter_app.hub import news, pages, partners
from charter_app.hub.models import PageKind
from charter_app.organisations.applications import transition
from charter_app.organisations.models import ApplicationStatus
from charter_app.search import query as search
from charter_app.search.models import SearchDocument
from charter_app.timeutil import utcnow
from tests.conftest import counting_statements

MARKED = re.compile(r"<mark>(.*?)</mark>")


def _page(title: str, body: str, *, published: bool = True, slug: str | None = None,
          kind: str = PageKind.GUIDANCE):
    page = pages.create_page(slug or pages.new_slug(title), kind,
                             pages.PageText(title, "", body, published),
                             change_note="Written for a test", author=None, now=utcnow())
    db.session.commit()
    return page


def _post(title: str, body: str, *, publish: bool = True):
    post = news.create_post(news.NewsText(title, "A summary", body, publish), author=None,
                            now=utcnow())
    db.session.commit()
    return post


def _partner_page(build, name: str, description: str, *, published: bool = True):
    partner = build.partner(name, description=description)
    partners.save_page(partner, partners.PartnerPage(
        slug=pages.new_slug(name), what_it_buys="Catering and cleaning", tenders_url=None,
        tenders_text=None, social_value_contact_name=None, social_value_contact_email=None,
        published=published), based_on=partner.version)
    db.session.commit()
    return partner


def _signatory(build, name: str, description: str = "We make things in Durham.", **fields):
    return build.organisation(status=ApplicationStatus.APPROVED, name=name,
                              description=description, **fields)


def _titles(html: str) -> list[str]:
    """Result titles in page order, highlights removed."""
    found = re.findall(r'<h3 class="govuk-heading-s[^"]*"><a class="govuk-link" href="[^"]*">'
                       r"(.*?)</a></h3>", html)
    return [MARKED.sub(r"\1", title) for title in found]


def _page_html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# -- ranking and matching -------------------------------------------------------------------


def test_an_exact_title_match_comes_first(client, build):
    # Many more matching words in the other one's text, which bm25 / ts_rank would prefer.
    _signatory(build, "Bakery Bridge Supplies",
               "Bridge bakery. Bakery bridge bakery bridge. Bridge Bakery bridge bakery.")
    _signatory(build, "Bridge Bakery", "Bread and cakes.")
    _signatory(build, "The Bridge Bakery Company", "Bridge bakery bridge bakery.")
    for url in ("/search?q=bridge+bakery", "/search?q=BRIDGE++Bakery&kind=signatories"):
        assert _titles(_page_html(client, url))[0] == "Bridge Bakery", url


def test_the_start_of_a_word_is_enough_and_every_word_must_match(client, build):
    _signatory(build, "Durham Engineering Ltd", town="Durham")
    _signatory(build, "Consett Bakery", town="Consett", description="Bread in Consett.")
    assert _titles(_page_html(client, "/search?q=eng")) == ["Durham Engineering Ltd"]
    assert _titles(_page_html(client, "/search?q=durh+engin")) == ["Durham Engineering Ltd"]
    # Both words must match one signatory: none has both.
    html = _page_html(client, "/search?q=engineering+bakery")
    assert _titles(html) == []
    assert "Nothing matches" in html
    # Words match from their start, not from the middle.
    assert _titles(_page_html(client, "/search?q=gineering")) == []


def test_results_are_grouped_by_kind_with_counts_and_see_all(client, build):
    for number in range(7):
        _signatory(build, f"Zephyrine Works {number}")
    _page("Zephyrine guidance", "How to bid.")
    _post("Zephyrine news", "Something happened.")
    _partner_page(build, "Zephyrine Council", "A council.")
    html = _page_html(client, "/search?q=zephyrine")
    headings = re.findall(r'<h2 class="govuk-heading-m" id="results-([a-z-]+)">([^<]*)</h2>', html)
    assert headings == [("signatories", "Signatories (7)"), ("guidance", "Guidance (1)"),
                        ("news", "News (1)"), ("partners", "Partners (1)")]
    assert len(_titles(html)) == search.PER_GROUP + 3
    assert "See all 7 signatories" in html
    assert "See all 1" not in html
    everything = _page_html(client, "/search?q=zephyrine&kind=signatories")
    assert sorted(_titles(everything)) == [f"Zephyrine Works {n}" for n in range(7)]
    assert "7 signatories found" in everything


def test_results_link_to_their_pages(client, build):
    _signatory(build, "Quillon Joinery", slug="quillon-joinery")
    _page("Quillon bidding guide", "Text.", slug="quillon-bidding-guide")
    _page("Quillon measure note", "Text.", slug="toms-note-cdp-job-01",
          kind=PageKind.MEASURE_NOTE)
    post = _post("Quillon news", "Text.")
    _partner_page(build, "Quillon Council", "A council.")
    html = _page_html(client, "/search?q=quillon")
    for href in ("/signatories/quillon-joinery", "/hub/quillon-bidding-guide",
                 "/hub/toms#toms-note-cdp-job-01", f"/news/{post.slug}",
                 "/partners/quillon-council"):
        assert f'href="{href}"' in html
    for href in ("/signatories/quillon-joinery", "/hub/quillon-bidding-guide",
                 f"/news/{post.slug}", "/partners/quillon-council"):
        assert client.get(href).status_code == 200, href
    assert 'id="toms-note-cdp-job-01"' in _page_html(client, "/hub/toms")


# -- what is never public -------------------------------------------------------------------


def test_unpublished_and_unlisted_things_never_appear(client, build):
    build.organisation(status=ApplicationStatus.SUBMITTED, name="Vortigern Applicant")
    build.organisation(status=ApplicationStatus.DRAFT, name="Vortigern Draft")
    _page("Vortigern draft page", "Not yet.", published=False)
    _post("Vortigern draft news", "Not yet.", publish=False)
    _partner_page(build, "Vortigern Council", "Not yet.", published=False)
    html = _page_html(client, "/search?q=vortigern")
    assert _titles(html) == []
    assert db.session.scalar(select(func.count()).select_from(SearchDocument).where(
        SearchDocument.title.like("Vortigern%"))) == 0


def test_a_withdrawal_leaves_the_index_in_the_same_transaction(app_ctx, build):
    organisation = _signatory(build, "Marrowdale Foods")
    assert list(db.session.scalars(search.matching_keys("signatories", "marrowdale"))) == [
        organisation.id]
    transition(organisation, ApplicationStatus.WITHDRAWN, None)
    db.session.flush()
    assert list(db.session.scalars(search.matching_keys("signatories", "marrowdale"))) == []
    db.session.rollback()  # the same transaction: undoing it brings the signatory back
    assert list(db.session.scalars(search.matching_keys("signatories", "marrowdale"))) == [
        organisation.id]


def test_unpublishing_and_editing_through_compare_and_set_keep_the_index(app_ctx, build):
    """Pages, news and partners are saved with an UPDATE statement, not a flush of the object:
    the index follows them all the same."""
    post = _post("Heronsgate news", "Text.")
    page = _page("Heronsgate guide", "Text.")
    partner = _partner_page(build, "Heronsgate Council", "A council.")
    assert {hit.kind for group in search.grouped("heronsgate") for hit in group.hits} == {
        "news", "guidance", "partners"}
    news.save_post(post, news.NewsText("Heronsgate news", "A summary", "Text.", False),
                   based_on=post.version, now=utcnow())
    pages.save_page(page, pages.PageText("Kestrelford guide", "", "Text.", True),
                    based_on=page.version, change_note="Renamed", author=None, now=utcnow())
    partners.save_page(partner, partners.PartnerPage(
        slug="heronsgate-council", what_it_buys=None, tenders_url=None, tenders_text=None,
        social_value_contact_name=None, social_value_contact_email=None, published=False),
        based_on=partner.version)
    assert search.grouped("heronsgate") == []
    [group] = search.grouped("kestrelford")
    assert [str(hit.title) for hit in group.hits] == ["<mark>Kestrelford</mark> guide"]
    db.session.commit()
    assert search.grouped("heronsgate") == []


# -- safety ---------------------------------------------------------------------------------


def test_highlights_are_escaped(client, build):
    _signatory(build, "Xanthe <b>Bold</b> Ltd",
               '<script>alert("x")</script> Xanthe makes <img src=x onerror=alert(1)> things')
    html = _page_html(client, "/search?q=xanthe")
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>Bold</b>" not in html
    # Shown as text (PostgreSQL's ts_headline drops some tags from fragments; both are safe).
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<mark>Xanthe</mark> &lt;b&gt;Bold&lt;/b&gt; Ltd" in html


def test_marker_characters_in_text_cannot_make_markup(build, app_ctx):
    _signatory(build, "Ysolde \ue000Trading\ue001", "Ysolde \ue000 text \ue001")
    [group] = search.grouped("ysolde")
    assert str(group.hits[0].title) == "<mark>Ysolde</mark> Trading"
    assert str(group.hits[0].snippet).count("<mark>") == str(group.hits[0].snippet).count(
        "</mark>")


INJECTIONS = ['"', '""', "*", "NEAR", "NEAR(orchard ltd)", "OR", "orch OR zzz", "-", "-orch",
              "orch -zzz", ":", "title:orch", "&", "orch & zzz", "|", "!", "!orch", "(", ")",
              "'", "\\", "%", "_", "^orch", "orch*", "{title body}: orch", "AND", "NOT orch",
              "orch:*", "'orch':*", "<->", "a" * 500, "orch " * 50, "\u0000orch", "ö"]


@pytest.mark.parametrize("text", INJECTIONS)
def test_full_text_syntax_in_a_query_gives_results_or_none_never_an_error(client, build, text):
    _signatory(build, "Orchard Ltd", "Apples.")
    for url in ("/search", "/directory", "/api/v1/signatories"):
        response = client.get(url, query_string={"q": text})
        assert response.status_code == 200, (url, text)
    # Operators are words like any other: "orch OR zzz" needs both, and no signatory has zzz.
    names = [row["name"] for row in client.get(
        "/api/v1/signatories", query_string={"q": text}).get_json()["items"]]
    assert names in ([], ["Orchard Ltd"])
    if text in ("orch OR zzz", "orch & zzz", "orch -zzz"):
        assert names == []


def test_punctuation_alone_finds_nothing(client, build):
    _signatory(build, "Orchard Ltd")
    html = _page_html(client, "/search?q=%21%21%22%2A")
    assert _titles(html) == []
    assert client.get("/api/v1/signatories?q=%22%2A%29").get_json()["items"] == []


def test_an_empty_search_explains_what_search_covers(client):
    html = _page_html(client, "/search")
    assert "The start of a word is enough" in html
    assert "<title>Search – County Durham Pound Charter</title>" in html


def test_an_unknown_kind_is_not_found(client):
    assert client.get("/search?q=x&kind=nonsense").status_code == 404


def test_live_search_answers_a_fragment(client, build):
    _signatory(build, "Ulverton Print")
    response = client.get("/search?q=ulver", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<form" not in html
    assert _titles(html) == ["Ulverton Print"]
    assert response.headers["HX-Push-Url"] == "/search?q=ulver"


# -- the directory on the index ---------------------------------------------------------------


def test_the_directory_keyword_search_uses_the_index(app, client, build):
    _signatory(build, "Wendlebury Plastics", town="Stanley")
    with counting_statements(app) as statements:
        html = _page_html(client, "/directory?q=wendle")
    assert "Wendlebury Plastics" in html
    sql = " ".join(statements)
    assert "search_index" in sql or "search_vector" in sql
    assert "LIKE" not in sql.upper()
    # The town is searched too, and every word must match.
    assert "Wendlebury Plastics" in _page_html(client, "/directory?q=stanley+plast")
    assert "Wendlebury Plastics" not in _page_html(client, "/directory?q=stanley+bakery")
    csv = client.get("/directory.csv?q=wendle").get_data(as_text=True)
    assert "Wendlebury Plastics" in csv


# -- the reindex command --------------------------------------------------------------------


def test_reindex_search_rebuilds_the_index(app, build):
    _signatory(build, "Ashbury Crafts")
    _post("Ashbury news", "Text.")
    db.session.execute(delete(SearchDocument))
    db.session.commit()
    assert search.grouped("ashbury") == []
    result = app.test_cli_runner().invoke(args=["charter", "reindex-search"])
    assert result.exit_code == 0, result.output
    assert "1 signatories" in result.output and "1 news" in result.output
    db.session.remove()
    assert [group.source.kind for group in search.grouped("ashbury")] == ["signatories", "news"]


# -- statements per request -------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/search?q=counted", "/search?q=counted&kind=signatories"])
def test_search_statements_do_not_grow_with_the_matches(app, client, build, url):
    def statements() -> int:
        client.get(url)  # warm up
        client.delete_cookie("session")
        with counting_statements(app) as sent:
            assert client.get(url).status_code == 200
        return len(sent)

    _signatory(build, "Counted One")
    _page("Counted guide", "Text.")
    few = statements()
    for number in range(12):
        _signatory(build, f"Counted {number}")
        _post(f"Counted news {number}", "Text.")
    assert statements() == few <= 3


def test_many_keyword_matches_page_the_same_way_by_walking_the_name_order(app, app_ctx, build,
                                                                          monkeypatch):
    from charter_app.directory import services

    for name in ("Zeta Weaving", "Alpha Weaving", "Mu Weaving", "Beta Weaving", "Weaving Co"):
        _signatory(build, name)
    _signatory(build, "Other Trade")
    query = services.DirectoryQuery(q="weav")
    sorted_pages = [[o.name for o in services.search(
        services.DirectoryQuery(q="weav", page=n), 2).items] for n in (1, 2, 3)]
    monkeypatch.setattr(services, "WALK_NAME_ORDER_FROM", 1)
    monkeypatch.setattr(services, "WALK_ROWS_PER_MATCH", 1)
    with counting_statements(app) as statements:
        walked = services.search(query, 2)
    if db.engine.dialect.name == "sqlite":
        assert any("organisations.id + ?" in sql for sql in statements)
    assert walked.total == 5
    assert [o.name for o in walked.items] == sorted_pages[0] == ["Alpha Weaving", "Beta Weaving"]
    assert sorted_pages[1:] == [["Mu Weaving", "Weaving Co"], ["Zeta Weaving"]]
    # Every word must match, however the page is found.
    assert services.search(services.DirectoryQuery(q="weav zeta"), 2).total == 1
