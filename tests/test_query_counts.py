"""The public directory issues a constant number of SQL statements per request, whatever the page
size and however many signatories and pledges there are (no N+1 queries)."""

import random

import pytest

from charter_app.badges import awards
from charter_app.extensions import db
from charter_app.organisations.models import ApplicationStatus
from charter_app.timeutil import utcnow
from tests.conftest import counting_statements

MEASURES = ["CDP-JOB-01", "CDP-JOB-03", "CDP-GRO-02", "CDP-SOC-01", "CDP-SOC-02", "CDP-ENV-01",
            "CDP-ENV-03", "CDP-INN-01"]
MAX_STATEMENTS = 6


def statements_for(app, client, url: str) -> list[str]:
    """Statements for one anonymous GET (no session cookie, so flask-login loads no user)."""
    client.get(url)  # warm up: templates compiled, connection pooled, dialect initialised
    client.delete_cookie("session")
    with counting_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return statements


def add_signatories(build, count: int, start: int = 0) -> list[str]:
    """`count` approved signatories with 1 to 4 pledges each; returns their slugs."""
    rng = random.Random(start)
    slugs = []
    for number in range(start, start + count):
        codes = rng.sample(MEASURES, k=rng.randint(1, 4))
        organisation = build.organisation(
            status=ApplicationStatus.APPROVED,
            name=f"Counted Signatory {number:03d}",
            slug=f"counted-{number:03d}",
            sector=rng.choice(["private", "third"]),
            pledges={code: str(rng.randint(1, 500)) for code in codes},
        )
        # Its badges too (Charter Signatory and Bronze), so listing them is counted as well.
        awards.refresh(organisation.id, utcnow())
        slugs.append(organisation.slug)
    # Some that must never be listed, to show filtering costs nothing extra.
    build.organisation(status=ApplicationStatus.SUBMITTED, name=f"Pending {start}")
    db.session.commit()
    return slugs


def _report(label: str, small: list[str], large: list[str]) -> str:
    return f"{label}: {len(small)} vs {len(large)} statements\n" + "\n---\n".join(large)


@pytest.mark.parametrize(
    "url",
    [
        "/directory",
        "/directory?page=2",
        "/directory?q=counted&sector=private",
        "/directory?theme=jobs",
        "/directory?level=bronze",
        "/api/v1/signatories",
        "/api/v1/signatories?theme=environment&per_page=100",
        "/api/v1/signatories?level=bronze&per_page=100",
        # The whole list, though SQLAlchemy's selectinload sends its IN list in batches of
        # 500, so the CSV takes one more statement per 500 signatories; never one per row.
        "/directory.csv",
    ],
)
def test_directory_statements_do_not_grow_with_the_data(app, client, build, url):
    add_signatories(build, 3)
    # Enough that page 2 exists at 3 signatories too (DIRECTORY_PAGE_SIZE is 5 when testing).
    add_signatories(build, 3, start=100)
    small = statements_for(app, client, url)

    add_signatories(build, 24, start=200)
    large = statements_for(app, client, url)

    assert len(small) == len(large), _report(url, small, large)
    assert len(large) <= MAX_STATEMENTS, _report(url, small, large)


def test_directory_statements_do_not_grow_with_the_page_size(app, client, build, monkeypatch):
    add_signatories(build, 30)
    monkeypatch.setitem(app.config, "DIRECTORY_PAGE_SIZE", 5)
    five = statements_for(app, client, "/directory")
    monkeypatch.setitem(app.config, "DIRECTORY_PAGE_SIZE", 50)
    fifty = statements_for(app, client, "/directory")
    assert len(five) == len(fifty), _report("/directory", five, fifty)
    assert len(fifty) <= MAX_STATEMENTS


def test_api_statements_do_not_grow_with_per_page(app, client, build):
    add_signatories(build, 30)
    five = statements_for(app, client, "/api/v1/signatories?per_page=5")
    fifty = statements_for(app, client, "/api/v1/signatories?per_page=50")
    hundred = statements_for(app, client, "/api/v1/signatories?per_page=100")
    assert len(five) == len(fifty) == len(hundred), _report("/api/v1/signatories", five, fifty)
    assert len(fifty) <= MAX_STATEMENTS


def test_htmx_fragment_statements_are_the_same_as_the_full_page(app, client, build):
    add_signatories(build, 30)
    full = statements_for(app, client, "/directory")
    client.get("/directory", headers={"HX-Request": "true"})
    with counting_statements(app) as fragment:
        client.get("/directory", headers={"HX-Request": "true"})
    assert len(fragment) == len(full)


@pytest.mark.parametrize("path", ["/signatories/{slug}", "/api/v1/signatories/{slug}"])
def test_profile_statements_do_not_grow_with_pledges_or_data(app, client, build, path):
    one = build.organisation(status=ApplicationStatus.APPROVED, name="One Pledge Ltd",
                             slug="one-pledge", pledges={"CDP-JOB-03": "52"})
    four = build.organisation(
        status=ApplicationStatus.APPROVED, name="Four Pledges Ltd", slug="four-pledges",
        pledges={"CDP-JOB-03": "52", "CDP-GRO-02": "1000", "CDP-ENV-01": "3", "CDP-INN-01": "1"},
    )
    counts = {
        "one pledge": statements_for(app, client, path.format(slug=one.slug)),
        "four pledges": statements_for(app, client, path.format(slug=four.slug)),
    }
    add_signatories(build, 30)
    counts["four pledges, 30 more signatories"] = statements_for(
        app, client, path.format(slug=four.slug)
    )
    sizes = {label: len(statements) for label, statements in counts.items()}
    assert len(set(sizes.values())) == 1, sizes
    assert max(sizes.values()) <= MAX_STATEMENTS, sizes


def test_counting_really_sees_the_statements(app, client, build):
    """Guard against a listener that silently counts nothing."""
    add_signatories(build, 3)
    statements = statements_for(app, client, "/directory")
    assert any("organisations" in statement for statement in statements)
    assert any("pledges" in statement for statement in statements)
    with counting_statements(app) as livez:
        client.get("/livez")
    assert livez == []
