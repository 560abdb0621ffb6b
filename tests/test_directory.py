"""The public directory: /directory (HTML and htmx), /directory.csv, /signatories/<slug> and the
JSON API. Only listed signatories (approved, and lapsed ones marked as such) are ever public;
search and filters run in the database. Lapsing, withdrawing and suspending: test_standing.py."""

import csv
import html
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from charter_app.extensions import db
from charter_app.organisations import review
from charter_app.organisations.models import ApplicationStatus

APPROVED = ApplicationStatus.APPROVED
NOT_PUBLIC = [
    ApplicationStatus.DRAFT,
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.SUSPENDED,
    ApplicationStatus.WITHDRAWN,
]
# Were listed once: their old addresses say so (410 Gone) rather than "not found".
NO_LONGER_LISTED = {ApplicationStatus.SUSPENDED, ApplicationStatus.WITHDRAWN}
RESULT_LINK = re.compile(r'<a class="govuk-link" href="/signatories/([^"]+)">([^<]+)</a>')
PAGINATION_LINK = re.compile(r'href="(/directory\?[^"]*)"')


def names_on(response) -> list[str]:
    """The signatories listed in a directory response, in order."""
    assert response.status_code == 200, response.status_code
    text = response.get_data(as_text=True)
    return [html.unescape(name) for _slug, name in RESULT_LINK.findall(text)]


def api_names(response) -> list[str]:
    assert response.status_code == 200, response.status_code
    return [item["name"] for item in response.get_json()["items"]]


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200, response.status_code
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def signatory(build, name: str, **fields):
    return build.organisation(status=APPROVED, name=name, **fields)


# -- who is public ----------------------------------------------------------------------------


def test_only_listed_signatories_are_listed_everywhere(client, build):
    signatory(build, "Approved Joinery Ltd")
    for status in NOT_PUBLIC:
        build.organisation(status=status, name=f"Hidden {status.value} Org",
                           slug=f"hidden-{status.value}")

    assert names_on(client.get("/directory")) == ["Approved Joinery Ltd"]
    assert [row["name"] for row in csv_rows(client.get("/directory.csv"))] == [
        "Approved Joinery Ltd"
    ]
    body = client.get("/api/v1/signatories").get_json()
    assert [item["name"] for item in body["items"]] == ["Approved Joinery Ltd"]
    assert body["total"] == 1

    # Not even a search or a direct link finds them.
    assert names_on(client.get("/directory?q=Hidden")) == []
    assert api_names(client.get("/api/v1/signatories?q=Hidden")) == []
    for status in NOT_PUBLIC:
        expected = 410 if status in NO_LONGER_LISTED else 404
        assert client.get(f"/signatories/hidden-{status.value}").status_code == expected
        assert client.get(f"/api/v1/signatories/hidden-{status.value}").status_code == expected


def test_a_signatory_appears_as_soon_as_it_is_approved(app, client, build):
    staff = build.staff()
    organisation = build.organisation(status=ApplicationStatus.SUBMITTED,
                                      name="Brand New Bakery Ltd")
    assert names_on(client.get("/directory")) == []
    assert api_names(client.get("/api/v1/signatories")) == []

    with app.test_request_context():  # the approval email links to the profile
        review.approve_application(organisation, staff)
        db.session.commit()

    assert names_on(client.get("/directory")) == ["Brand New Bakery Ltd"]
    assert api_names(client.get("/api/v1/signatories")) == ["Brand New Bakery Ltd"]
    assert [row["name"] for row in csv_rows(client.get("/directory.csv"))] == [
        "Brand New Bakery Ltd"
    ]
    assert client.get(f"/signatories/{organisation.slug}").status_code == 200


def test_a_suspended_signatory_leaves_the_directory_at_once(client, build):
    organisation = signatory(build, "Soon Suspended Ltd", slug="soon-suspended")
    assert names_on(client.get("/directory")) == ["Soon Suspended Ltd"]
    assert client.get("/signatories/soon-suspended").status_code == 200

    organisation.status = ApplicationStatus.SUSPENDED
    db.session.commit()

    assert names_on(client.get("/directory")) == []
    assert client.get("/signatories/soon-suspended").status_code == 410
    assert client.get("/api/v1/signatories/soon-suspended").status_code == 410


# -- search and filters -----------------------------------------------------------------------


@pytest.fixture
def varied(build):
    """Five signatories differing in every filterable way."""
    signatory(build, "Consett Precision Engineering Ltd", sector="private", size_band="medium",
              area="Derwentside", town="Consett",
              description="Precision engineering and fabrication for manufacturers.",
              pledges={"CDP-JOB-03": "52", "CDP-ENV-01": "10"})
    signatory(build, "Seaham Youth Project", sector="third", size_band="micro",
              legal_form="registered_charity", company_number=None, charity_number="1123456",
              area="Easington", town="Seaham",
              description="Youth clubs and holiday activities for teenagers.",
              pledges={"CDP-SOC-02": "200"})
    signatory(build, "Teesdale Timber Frames Ltd", sector="private", size_band="small",
              area="Teesdale", town="Barnard Castle",
              description="Timber frame homes and garden rooms.",
              pledges={"CDP-GRO-02": "25000", "CDP-ENV-03": "40"})
    signatory(build, "Durham Community Larder", sector="third", size_band="small",
              legal_form="cio", company_number=None, charity_number="1187654",
              area="Durham", town="Durham",
              description="Affordable food and cooking sessions for families.",
              pledges={"CDP-SOC-01": "1000"})
    signatory(build, "Stanley Digital Ltd", sector="private", size_band="micro",
              area="Derwentside", town="Stanley",
              description="Websites and IT support; apprenticeships for young people.",
              pledges={"CDP-JOB-01": "2"})


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=Timber", ["Teesdale Timber Frames Ltd"]),
        ("q=timber", ["Teesdale Timber Frames Ltd"]),  # case does not matter
        ("q=larder", ["Durham Community Larder"]),
        ("q=fabrication", ["Consett Precision Engineering Ltd"]),  # a word in the description
        ("q=teenagers", ["Seaham Youth Project"]),
        ("q=Youth+clubs", ["Seaham Youth Project"]),  # every word must match
        ("q=Youth+timber", []),
        ("q=++stanley++", ["Stanley Digital Ltd"]),  # spaces around are ignored
        ("q=%25", []),  # LIKE wildcards are matched literally
        ("q=_", []),
        ("q=nothing-like-this", []),
    ],
)
def test_search_by_name_and_description_keyword(client, varied, query, expected):
    assert names_on(client.get(f"/directory?{query}")) == expected
    assert api_names(client.get(f"/api/v1/signatories?{query}")) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sector=third", ["Durham Community Larder", "Seaham Youth Project"]),
        ("sector=private", ["Consett Precision Engineering Ltd", "Stanley Digital Ltd",
                            "Teesdale Timber Frames Ltd"]),
        ("size=micro", ["Seaham Youth Project", "Stanley Digital Ltd"]),
        ("size=medium", ["Consett Precision Engineering Ltd"]),
        ("size=large", []),
        ("theme=environment", ["Consett Precision Engineering Ltd", "Teesdale Timber Frames Ltd"]),
        ("theme=social", ["Durham Community Larder", "Seaham Youth Project"]),
        ("theme=jobs", ["Consett Precision Engineering Ltd", "Stanley Digital Ltd"]),
        ("theme=innovation", []),
        ("area=Derwentside", ["Consett Precision Engineering Ltd", "Stanley Digital Ltd"]),
        ("area=Teesdale", ["Teesdale Timber Frames Ltd"]),
        ("area=Wear+Valley", []),
        # combinations narrow the list
        ("sector=private&size=micro", ["Stanley Digital Ltd"]),
        ("sector=private&theme=environment&area=Teesdale", ["Teesdale Timber Frames Ltd"]),
        ("theme=jobs&area=Derwentside&size=medium", ["Consett Precision Engineering Ltd"]),
        ("q=ltd&theme=jobs", ["Consett Precision Engineering Ltd", "Stanley Digital Ltd"]),
        ("q=food&sector=private", []),
        ("sector=third&size=small&theme=social&area=Durham&q=cooking",
         ["Durham Community Larder"]),
    ],
)
def test_filters_and_their_combinations(client, varied, query, expected):
    assert names_on(client.get(f"/directory?{query}")) == expected
    assert api_names(client.get(f"/api/v1/signatories?{query}&per_page=100")) == expected
    assert [row["name"] for row in csv_rows(client.get(f"/directory.csv?{query}"))] == expected


@pytest.mark.parametrize(
    "query",
    [
        "sector=public",
        "size=huge",
        "theme=nonsense",
        "area=Narnia",
        "area=durham",  # not the exact choice
        "sector=%27%3B+DROP+TABLE+organisations%3B--",
        "page=abc",
        "page=0",
        "page=-3",
        "page=99999999999999999999",
        "q=" + "x" * 500,
        "sector=&size=&theme=&area=&q=",
    ],
)
def test_invalid_filter_values_are_ignored_not_errors(client, varied, query):
    if query.startswith("q="):
        # An over-long query is cut short, not refused.
        assert client.get(f"/directory?{query}").status_code == 200
        assert client.get(f"/api/v1/signatories?{query}").status_code == 200
        return
    expected_count = 5
    names = names_on(client.get(f"/directory?{query}"))
    assert len(names) == expected_count
    assert client.get(f"/api/v1/signatories?{query}").get_json()["total"] == expected_count
    assert len(csv_rows(client.get(f"/directory.csv?{query}"))) == expected_count


def test_a_chosen_filter_stays_selected_in_the_form(client, varied):
    text = client.get("/directory?sector=third&area=Durham&q=food").get_data(as_text=True)
    assert '<option value="third" selected>' in text
    assert '<option value="Durham" selected>' in text
    assert 'value="food"' in text
    assert "2 signatories" not in text
    assert "1 signatory found" in text


# -- pagination (DIRECTORY_PAGE_SIZE is 5 when testing) ---------------------------------------


def _seven(build, **fields):
    names = [f"Pagination Org {letter}" for letter in "ABCDEFG"]
    for name in names:
        signatory(build, name, **fields)
    return names


def test_pagination_page_two_has_the_rest(client, build):
    names = _seven(build)
    assert client.get("/directory").status_code == 200
    assert names_on(client.get("/directory")) == names[:5]
    assert names_on(client.get("/directory?page=2")) == names[5:]
    assert "7 signatories" in client.get("/directory?page=2").get_data(as_text=True)


def test_a_page_beyond_the_last_shows_the_last_page(client, build):
    names = _seven(build)
    assert names_on(client.get("/directory?page=3")) == names[5:]
    assert names_on(client.get("/directory?page=500")) == names[5:]
    body = client.get("/api/v1/signatories?per_page=5&page=9").get_json()
    assert (body["page"], body["pages"], body["total"]) == (2, 2, 7)
    assert [item["name"] for item in body["items"]] == names[5:]


def test_pagination_links_keep_the_search_and_filters(client, build):
    names = _seven(build, sector="third", legal_form="cio", size_band="micro", area="Teesdale")
    signatory(build, "Pagination Org Private", sector="private", area="Teesdale")

    first = client.get("/directory?q=pagination&sector=third&area=Teesdale")
    assert names_on(first) == names[:5]
    links = {html.unescape(link) for link in PAGINATION_LINK.findall(first.get_data(as_text=True))}
    page_two = "/directory?q=pagination&sector=third&area=Teesdale&page=2"
    assert page_two in links
    assert not any("page=3" in link for link in links)

    second = client.get(page_two)
    assert names_on(second) == names[5:]
    back = {html.unescape(link) for link in PAGINATION_LINK.findall(second.get_data(as_text=True))}
    # The link back to page 1 keeps the filters and leaves out page=1.
    assert "/directory?q=pagination&sector=third&area=Teesdale" in back


def test_pagination_links_the_first_last_and_nearby_pages(client, build, monkeypatch):
    monkeypatch.setitem(client.application.config, "DIRECTORY_PAGE_SIZE", 1)
    for number in range(1, 13):
        signatory(build, f"Many Pages Org {number:02d}")

    def linked(page):
        text = client.get(f"/directory?page={page}").get_data(as_text=True)
        numbers = {int(n) for n in re.findall(r'href="/directory\?page=(\d+)"', text)}
        return numbers | ({1} if 'href="/directory"' in text else set()), text

    numbers, text = linked(6)
    assert numbers == {1, 4, 5, 6, 7, 8, 12}  # 5 and 7 are also previous and next
    assert text.count("govuk-pagination__item--ellipsis") == 2
    assert 'aria-current="page" aria-label' not in text and 'aria-current="page"' in text
    # A gap of a single page shows that page rather than an ellipsis.
    numbers, text = linked(4)
    assert numbers == {1, 2, 3, 4, 5, 6, 12}
    assert text.count("govuk-pagination__item--ellipsis") == 1
    assert names_on(client.get("/directory?page=12")) == ["Many Pages Org 12"]


def test_no_pagination_when_everything_fits_on_one_page(client, build):
    for number in range(5):
        signatory(build, f"Single Page Org {number}")
    text = client.get("/directory").get_data(as_text=True)
    assert "5 signatories" in text
    assert "govuk-pagination" not in text


def test_empty_directory_says_so(client, app_ctx):
    text = client.get("/directory?q=zzz").get_data(as_text=True)
    assert "0 signatories found" in text
    assert "No signatories match your search" in text


# -- htmx live search and the no-JavaScript form ----------------------------------------------


def test_htmx_request_gets_only_the_results_fragment(client, varied):
    response = client.get("/directory?sector=third", headers={"HX-Request": "true"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in text
    assert "<form" not in text
    assert 'id="results-count"' in text
    assert names_on(response) == ["Durham Community Larder", "Seaham Youth Project"]
    # The fragment carries the new title, which htmx puts in the tab.
    assert "<title>Search results: signatories – County Durham Pound Charter</title>" in text
    assert "HX-Request" in response.headers.get("Vary", "")


def test_normal_request_gets_the_full_page_with_a_plain_get_form(client, varied):
    response = client.get("/directory?sector=third")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" in text
    assert 'id="directory-results"' in text
    assert names_on(response) == ["Durham Community Larder", "Seaham Youth Project"]
    # Without JavaScript the form still works: a GET to /directory with named fields.
    form = re.search(r'<form\b[^>]*role="search"[^>]*>', text).group(0)
    assert 'method="get"' in form
    assert 'action="/directory"' in form
    for field in ("q", "sector", "size", "theme", "area"):
        assert f'name="{field}"' in text
    assert re.search(r'<button type="submit"[^>]*>\s*Search', text)
    # The form must not need a CSRF token (a search is safe to GET).
    assert 'name="csrf_token"' not in form


def test_htmx_boosted_and_history_restore_requests_get_the_full_page(client, varied):
    boosted = client.get("/directory", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)
    # htmx asks again with this header when its history cache misses (Back button), and swaps
    # the answer into <body>: it must be the whole page, not only the results.
    restore = client.get("/directory?sector=third",
                         headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    text = restore.get_data(as_text=True)
    assert "<html" in text and "<form" in text
    assert names_on(restore) == ["Durham Community Larder", "Seaham Youth Project"]


# -- the public profile -----------------------------------------------------------------------


def test_profile_shows_name_commitments_and_pledges_with_targets(client, build):
    signatory(build, "Teesdale Timber Frames Ltd", slug="teesdale-timber-frames",
              description="Timber frame homes and garden rooms.",
              pledges={"CDP-JOB-03": "104", "CDP-GRO-02": "1234.5", "CDP-ENV-03": "40.5"})
    response = client.get("/signatories/teesdale-timber-frames")
    assert response.status_code == 200
    text = html.unescape(response.get_data(as_text=True))
    assert "<h1 class=\"govuk-heading-l\">Teesdale Timber Frames Ltd</h1>" in text
    assert "Timber frame homes and garden rooms." in text
    assert "Commitments" in text
    assert "six commitments" in text
    assert "Pledges for the next 12 months" in text
    for measure_code, target in (("CDP-JOB-03", "104 weeks"), ("CDP-GRO-02", "£1,234.50"),
                                 ("CDP-ENV-03", "40.5 tonnes")):
        measure = build.measure(measure_code)
        assert measure.name in text
        assert target in text
    for theme in ("Jobs", "Growth", "Environment"):
        assert f'<td class="govuk-table__cell">{theme}</td>' in text
    # Privacy: the street address and postcode are not published.
    assert "1 Front Street" not in text
    assert "DH1 3HE" not in text


@pytest.mark.parametrize(("target", "shown"), [("100", "100 weeks"), ("250000", "250,000 weeks")])
def test_profile_shows_round_targets_in_full(client, build, target, shown):
    signatory(build, "Round Ltd", slug="round-ltd", pledges={"CDP-JOB-03": target})
    text = client.get("/signatories/round-ltd").get_data(as_text=True)
    assert f'numeric">{shown}</td>' in text


def test_profile_is_404_for_an_unknown_slug(client, app_ctx):
    response = client.get("/signatories/no-such-signatory")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_profile_is_404_for_an_organisation_that_is_not_approved(client, build):
    build.organisation(status=ApplicationStatus.SUBMITTED, name="Waiting Ltd", slug="waiting")
    build.organisation(status=ApplicationStatus.REJECTED, name="Rejected Ltd", slug="rejected")
    assert client.get("/signatories/waiting").status_code == 404
    assert client.get("/signatories/rejected").status_code == 404


def test_directory_links_to_each_profile(client, build):
    organisation = signatory(build, "Linked Ltd")
    text = client.get("/directory").get_data(as_text=True)
    assert f'href="/signatories/{organisation.slug}"' in text
    assert client.get(f"/signatories/{organisation.slug}").status_code == 200


def test_user_text_is_escaped(client, build):
    signatory(build, "<script>alert(1)</script> Ltd", slug="script-ltd",
              description="<img src=x onerror=alert(1)>")
    for url in ("/directory", "/signatories/script-ltd"):
        text = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in text
        assert "<img src=x" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Ltd" in text


# -- the JSON API -----------------------------------------------------------------------------


def test_api_list_has_exactly_the_documented_shape(client, build):
    # 23:30 UTC on 30 June is already 1 July in London (BST).
    signatory(build, "Api Example Ltd", slug="api-example",
              approved_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
              sector="private", size_band="small", area="Sedgefield",
              pledges={"CDP-ENV-01": "5", "CDP-JOB-03": "52", "CDP-ENV-03": "1"})
    response = client.get("/api/v1/signatories")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"items", "page", "pages", "total"}
    assert (body["page"], body["pages"], body["total"]) == (1, 1, 1)
    [item] = body["items"]
    for key in ("name", "slug", "url", "sector", "size", "area", "themes", "approved_on",
                "badges"):
        assert key in item, key
    assert item["name"] == "Api Example Ltd"
    assert item["slug"] == "api-example"
    assert item["url"] == "http://localhost/signatories/api-example"
    assert item["sector"] == "private"
    assert item["size"] == "small"
    assert item["area"] == "Sedgefield"
    assert item["themes"] == ["jobs", "environment"]  # catalogue order, no duplicates
    assert item["approved_on"] == "2026-07-01"
    assert item["badges"] == []
    # Privacy: no street address or postcode in open data.
    assert not {"postcode", "address_line_1", "address_line_2", "address"} & set(item)
    assert "DH1 3HE" not in response.get_data(as_text=True)


def test_api_approved_on_in_winter_is_the_utc_date(client, build):
    signatory(build, "Winter Ltd", approved_at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC))
    [item] = client.get("/api/v1/signatories").get_json()["items"]
    assert item["approved_on"] == "2026-01-15"


def test_api_pagination_and_per_page(client, build):
    names = _seven(build)
    body = client.get("/api/v1/signatories?per_page=3&page=2").get_json()
    assert (body["page"], body["pages"], body["total"]) == (2, 3, 7)
    assert [item["name"] for item in body["items"]] == names[3:6]
    # Nonsense per_page falls back to the default; zero or negative means one.
    assert len(client.get("/api/v1/signatories?per_page=abc").get_json()["items"]) == 7
    assert client.get("/api/v1/signatories?per_page=0").get_json()["pages"] == 7
    assert client.get("/api/v1/signatories?per_page=-5").get_json()["pages"] == 7


def test_api_per_page_is_capped_at_100(client, build):
    for number in range(101):
        signatory(build, f"Capped {number:03d}")
    body = client.get("/api/v1/signatories?per_page=1000").get_json()
    assert len(body["items"]) == 100
    assert (body["page"], body["pages"], body["total"]) == (1, 2, 101)
    last = client.get("/api/v1/signatories?per_page=1000&page=2").get_json()
    assert [item["name"] for item in last["items"]] == ["Capped 100"]


def test_api_detail_has_the_pledges(client, build):
    signatory(build, "Detail Ltd", slug="detail-ltd",
              pledges={"CDP-JOB-03": "52", "CDP-GRO-02": "1250.50"})
    response = client.get("/api/v1/signatories/detail-ltd")
    assert response.status_code == 200
    item = response.get_json()
    assert item["name"] == "Detail Ltd"
    assert item["url"] == "http://localhost/signatories/detail-ltd"
    assert item["themes"] == ["jobs", "growth"]
    assert item["badges"] == []
    pledges = {pledge["measure_code"]: pledge for pledge in item["pledges"]}
    assert set(pledges) == {"CDP-JOB-03", "CDP-GRO-02"}
    assert Decimal(pledges["CDP-JOB-03"]["target"]) == Decimal("52")
    assert Decimal(pledges["CDP-GRO-02"]["target"]) == Decimal("1250.50")
    assert pledges["CDP-JOB-03"]["theme"] == "jobs"
    assert pledges["CDP-JOB-03"]["unit"] == "weeks"
    assert pledges["CDP-JOB-03"]["measure"] == build.measure("CDP-JOB-03").name


def test_api_unknown_slug_is_a_json_404(client, build):
    build.organisation(status=ApplicationStatus.SUBMITTED, name="Pending Ltd", slug="pending")
    for slug in ("no-such-signatory", "pending"):
        response = client.get(f"/api/v1/signatories/{slug}")
        assert response.status_code == 404
        assert response.mimetype == "application/json"
        assert response.get_json() == {"error": "Page not found", "status": 404}


# -- the CSV open data ------------------------------------------------------------------------


def test_csv_has_a_header_and_one_row_per_signatory(client, build):
    _seven(build)
    build.organisation(status=ApplicationStatus.SUBMITTED, name="Not Yet Ltd")
    response = client.get("/directory.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header, rows = lines[0], lines[1:]
    assert header[0] == "name"
    assert {"name", "url", "sector", "size", "area", "themes", "approved_on", "level"} <= set(
        header)
    assert len(rows) == 7  # every signatory, not one page of them
    assert all(len(row) == len(header) for row in rows)
    first = dict(zip(header, rows[0], strict=True))
    assert first["name"] == "Pagination Org A"
    assert first["url"].startswith("http://localhost/signatories/")
    assert first["themes"] == "jobs"
    assert first["level"] == ""  # no badge level yet: test_directory_badges.py has them


def test_csv_publishes_no_postcode_or_street_address(client, build):
    signatory(build, "Private Address Ltd", address_line_1="12 Secret Lane",
              address_line_2="Flat 3", postcode="DH7 8XX")
    response = client.get("/directory.csv")
    text = response.get_data(as_text=True)
    header = next(csv.reader(io.StringIO(text)))
    assert not [column for column in header if "postcode" in column or "address" in column]
    assert "Secret Lane" not in text
    assert "Flat 3" not in text
    assert "DH7 8XX" not in text


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", '=HYPERLINK("http://evil.example","Click")'),
        ("name", "=1+2"),
        ("description", "+44 191 000 0000 call us"),
        ("description", "-2+3+cmd|' /C calc'!A0"),
        ("description", "@SUM(1+1)*cmd|' /C calc'!A0"),
        ("description", "\t=1+1"),
    ],
)
def test_csv_neutralises_formula_injection(client, build, field, value):
    fields = {"name": "Formula Ltd", "description": "Harmless."}
    fields[field] = value
    build.organisation(status=APPROVED, **fields)
    [row] = csv_rows(client.get("/directory.csv"))
    assert row[field] == "'" + value


def test_csv_leaves_ordinary_text_alone(client, build):
    signatory(build, "Plain Ltd", description="We fix bikes; 100% local.")
    [row] = csv_rows(client.get("/directory.csv"))
    assert row["name"] == "Plain Ltd"
    assert row["description"] == "We fix bikes; 100% local."


def test_directory_page_links_to_the_csv_with_the_same_filters(client, varied):
    text = html.unescape(client.get("/directory?sector=third&page=1").get_data(as_text=True))
    assert 'href="/directory.csv?sector=third"' in text


def test_live_search_puts_a_tidy_shareable_address_in_the_address_bar(client, app_ctx):
    response = client.get("/directory?q=bakery&sector=&size=small&theme=&area=",
                          headers={"HX-Request": "true"})
    assert response.headers["HX-Push-Url"] == "/directory?q=bakery&size=small"
    assert "Clear search and filters" in response.get_data(as_text=True)


def summary_rows(response) -> dict[str, str]:
    """The profile's summary list, key → value, as a reader sees them."""
    assert response.status_code == 200, response.status_code
    text = response.get_data(as_text=True)
    pairs = re.findall(r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*'
                       r'<dd class="govuk-summary-list__value">(.*?)</dd>', text, re.DOTALL)
    return {html.unescape(key).strip(): html.unescape(re.sub(r"<[^>]+>", "", value)).strip()
            for key, value in pairs}


def test_profile_shows_the_company_number_and_open_data_keeps_the_org_id(client, build):
    signatory(build, "Numbered Ltd", slug="numbered", company_number="01234567")
    text = client.get("/signatories/numbered").get_data(as_text=True)
    rows = summary_rows(client.get("/signatories/numbered"))
    assert rows["Company number"] == "01234567"
    assert "Charity number" not in rows
    assert "Registered as" not in text
    assert "GB-COH" not in text
    assert client.get("/api/v1/signatories/numbered").get_json()["identifier"] == (
        "GB-COH-01234567")
    assert csv_rows(client.get("/directory.csv"))[0]["identifier"] == "GB-COH-01234567"


def test_profile_shows_the_charity_number_of_a_charity(client, build):
    signatory(build, "Weardale Riding Trust", slug="riding-trust", sector="third",
              legal_form="cio", company_number=None,
              charity_number="1123456")
    rows = summary_rows(client.get("/signatories/riding-trust"))
    assert rows["Charity number"] == "1123456"
    assert "Company number" not in rows
    assert client.get("/api/v1/signatories/riding-trust").get_json()["identifier"] == (
        "GB-CHC-1123456")


def test_profile_without_a_registered_number_shows_none(client, build):
    signatory(build, "Tow Law Walking Group", slug="walkers", sector="third",
              legal_form="community_group", company_number=None, charity_number=None)
    rows = summary_rows(client.get("/signatories/walkers"))
    assert "Company number" not in rows
    assert "Charity number" not in rows


@pytest.mark.parametrize(("town", "area", "shown"), [
    ("Durham", "Durham", "Durham"),
    ("Chester-le-Street", "Chester-le-Street", "Chester-le-Street"),
    ("Stanhope", "Wear Valley", "Stanhope, Wear Valley area"),
    ("Barnard Castle", "Teesdale", "Barnard Castle, Teesdale area"),
])
def test_profile_says_where_without_repeating_the_town(client, build, town, area, shown):
    signatory(build, "Placed Ltd", slug="placed", town=town, area=area)
    assert summary_rows(client.get("/signatories/placed"))["Where"] == shown
