"""Search on the full-text index (charter_app/search/).

- `prepare(app)`, for `make bench` (bench/run.py): adds 1,000 Knowledge Hub documents (guidance
  pages, news posts and partner pages, through the ORM so the index listener indexes them) to
  the 10,000-signatory bench database; `/search?q=...` is then one of the wrk rows beside
  /livez.
- `python bench/search.py`: the directory's keyword search at 10,000 and 100,000 signatories,
  uncached, for a common word (in thousands of names at 100,000) and a rare one, on SQLite and,
  when BENCH_DATABASE_URL or TEST_DATABASE_URL names a server, PostgreSQL; with the query plans.
  The requirement: the time at 100,000 stays within 2x the time at 10,000. For comparison it
  also times the scan the directory used before (every word a LIKE on organisations.search_text).
  Prints a Markdown report and saves it to bench/results/search.md.

Settings: BENCH_SEARCH_SIZES ("10000,100000"), BENCH_SEARCH_CALLS (30 timed requests each),
BENCH_SEARCH_DATABASES ("sqlite,postgresql").
"""

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "search.md"
SIZES = [int(size) for size in os.environ.get("BENCH_SEARCH_SIZES", "10000,100000").split(",")]
CALLS = int(os.environ.get("BENCH_SEARCH_CALLS", "30"))
DATABASES = os.environ.get("BENCH_SEARCH_DATABASES", "sqlite,postgresql").split(",")
HUB_DOCUMENTS = 1000
COMMON = "Engineering"  # a trade in demo.organisations.PRIVATE_TRADES: about 1 name in 22
RARE = "Clockmakers"  # one signatory, "Wolsingham Clockmakers Ltd"
SEARCH_WORD = "Engineering"
BATCH = 2000


def log(message: str) -> None:
    print(f"[bench search {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- make bench: the /search row --------------------------------------------------------------


def prepare(app) -> str:
    """Add 1,000 hub documents (400 guidance pages, 300 news posts, 100 partner pages and 200
    published case studies); the path to request."""
    from charter_app.demo.organisations import PLACES, PRIVATE_TRADES, THIRD_TRADES
    from charter_app.events.models import Partner
    from charter_app.extensions import db
    from charter_app.hub.case_study_models import CaseStudy, CaseStudyStatus
    from charter_app.hub.models import NewsPost, Page, PageKind

    rng = random.Random(11)
    now = datetime.now(UTC)
    trades = PRIVATE_TRADES + THIRD_TRADES
    places = list(PLACES.values())

    def paragraph() -> str:
        return " ".join(f"{about} in {rng.choice(places)}." for _trade, about in
                        rng.sample(trades, 6))

    with app.app_context():
        for number in range(400):
            trade, _about = rng.choice(trades)
            db.session.add(Page(slug=f"bench-guide-{number}", kind=PageKind.GUIDANCE,
                                title=f"Social value for {trade.lower()} bids {number}",
                                summary=paragraph()[:300], body=paragraph() * 4, published=True,
                                version=1, updated_at=now))
        for number in range(300):
            trade, _about = rng.choice(trades)
            db.session.add(NewsPost(slug=f"bench-news-{number}",
                                    title=f"{rng.choice(places)} {trade} news {number}",
                                    summary=paragraph()[:300], body=paragraph() * 2,
                                    published_at=now - timedelta(days=number), version=1,
                                    created_at=now, updated_at=now))
        partners = [Partner(name=f"Bench Partner {number}", slug=f"bench-partner-{number}",
                            description=paragraph(), what_it_buys=paragraph()[:2000],
                            published=True) for number in range(100)]
        db.session.add_all(partners)
        db.session.flush()
        for number in range(200):
            trade, _about = rng.choice(trades)
            db.session.add(CaseStudy(
                slug=f"bench-case-study-{number}", title=f"{trade} in {rng.choice(places)}",
                partner_id=partners[number % 100].id, area=rng.choice(places)[:40],
                summary=paragraph()[:300], body=paragraph() * 3,
                status=CaseStudyStatus.PUBLISHED, published_at=now))
        db.session.commit()
    return f"/search?q={SEARCH_WORD}"


# -- the directory's keyword search at 10,000 and 100,000 -----------------------------------


def add_signatories(count: int) -> None:
    """`count` approved signatories as the demo makes them (names, towns, descriptions), with
    one "Wolsingham Clockmakers Ltd"; through the ORM, so the index listener indexes them."""
    from slugify import slugify

    from charter_app.demo.organisations import random_organisation
    from charter_app.extensions import db
    from charter_app.organisations.models import ApplicationStatus

    rng = random.Random(2026)
    now = datetime.now(UTC)
    used_names: set[str] = set()
    batch = []
    for index in range(count):
        organisation = random_organisation(rng, index, now, used_names)
        if index == count // 2:
            organisation.name = "Wolsingham Clockmakers Ltd"
            organisation.description = "Clock repair and restoration in Weardale."
        organisation.status = ApplicationStatus.APPROVED
        organisation.slug = f"{slugify(organisation.name)}-{index}"
        organisation.submitted_at = organisation.approved_at = now
        batch.append(organisation)
        if len(batch) == BATCH:
            db.session.add_all(batch)
            db.session.flush()
            db.session.expunge_all()
            batch = []
    db.session.add_all(batch)
    db.session.commit()


def plans(word: str) -> dict[str, str]:
    """The planner's plans for the statements a directory search sends (count, first page),
    captured as sent, then explained with their parameters."""
    from sqlalchemy import event

    from charter_app.directory import services
    from charter_app.extensions import db

    sent = []

    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        services.search(services.DirectoryQuery(q=word), 20)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    connection = db.session.connection()
    found = {}
    for name, (statement, parameters) in zip(("count", "page"), sent[:2], strict=True):
        if engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                              parameters).all()
            found[name] = "\n".join(f"{'  ' * (row[1] > 0)}{row[3]}" for row in rows)
        else:
            rows = connection.exec_driver_sql(f"EXPLAIN ANALYZE {statement}", parameters).all()
            found[name] = "\n".join(row[0] for row in rows)
    return found


def old_scan_ms(word: str) -> float:
    """The scan the directory did before: search_text LIKE '%word%' (median of CALLS)."""
    from sqlalchemy import func, select

    from charter_app.extensions import db
    from charter_app.organisations.models import LISTED_STATUSES, Organisation

    statement = select(func.count()).select_from(Organisation).where(
        Organisation.status.in_(LISTED_STATUSES),
        Organisation.search_text.contains(word.lower(), autoescape=True))
    timings = []
    for _ in range(CALLS):
        began = time.perf_counter()
        db.session.scalar(statement)
        timings.append((time.perf_counter() - began) * 1000)
    return statistics.median(timings)


def time_requests(app, word: str) -> tuple[float, float, int]:
    """Median and 90th percentile ms of an uncached GET /directory?q=word; how many matched."""
    from charter_app.directory import services
    from charter_app.extensions import db

    client = app.test_client()
    path = f"/directory?q={word}"
    for _ in range(3):
        assert client.get(path).status_code == 200
    timings = []
    for _ in range(CALLS):
        began = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    with app.app_context():
        matched = services.search(services.DirectoryQuery(q=word), 20).total
        db.session.remove()
    return (statistics.median(timings), statistics.quantiles(timings, n=10)[-1], matched)


def measure(kind: str, url: str, size: int) -> dict:
    import warnings

    from flask_migrate import upgrade
    from sqlalchemy import text

    from charter_app import create_app
    from charter_app.extensions import db

    warnings.filterwarnings("ignore", message="Using the in-memory storage")
    os.environ.setdefault("SECRET_KEY", "bench-search-only")
    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, PUBLIC_PAGE_CACHE=False,
                     RATELIMIT_ENABLED=False)
    with app.app_context():
        upgrade()
        began = time.perf_counter()
        add_signatories(size)
        log(f"{kind} {size:,}: signatories added and indexed in "
            f"{time.perf_counter() - began:.0f} s")
        db.session.execute(text("ANALYZE"))  # statistics, as a live database has
        db.session.commit()
        scans = {word: old_scan_ms(word) for word in (COMMON, RARE)}
        query_plans = {word: plans(word) for word in (COMMON, RARE)}
        db.session.remove()
    rows = {}
    for word in (COMMON, RARE):
        p50, p90, matched = time_requests(app, word)
        rows[word] = {"p50": p50, "p90": p90, "matched": matched, "scan": scans[word]}
        log(f"{kind} {size:,} '{word}': {matched} found, p50 {p50:.1f} ms, p90 {p90:.1f} ms "
            f"(old scan alone {scans[word]:.1f} ms)")
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    return {"kind": kind, "size": size, "rows": rows, "plans": query_plans}


def report(results: list[dict]) -> str:
    lines = [f"# Directory keyword search on the index, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
             "",
             f"Uncached `GET /directory?q=word` in process (production config, page cache off),"
             f" median and 90th percentile of {CALLS} requests; the old scan is the LIKE "
             "count the directory did before, alone, on the same data.",
             "",
             "| database | signatories | word | found | p50 ms | p90 ms | x the 10,000 p50 "
             "| old LIKE scan ms |",
             "|---|---:|---|---:|---:|---:|---:|---:|"]
    base = {(r["kind"], word): r["rows"][word]["p50"] for r in results
            if r["size"] == min(SIZES) for word in r["rows"]}
    for result in results:
        for word, row in result["rows"].items():
            ratio = row["p50"] / base[(result["kind"], word)]
            lines.append(f"| {result['kind']} | {result['size']:,} | {word} | {row['matched']:,} "
                         f"| {row['p50']:.1f} | {row['p90']:.1f} | {ratio:.2f} "
                         f"| {row['scan']:.1f} |")
    for result in results:
        if result["size"] != max(SIZES):
            continue
        for word, found in result["plans"].items():
            for name, plan in found.items():
                lines += ["", f"{result['kind']}, {result['size']:,} signatories, '{word}', "
                          f"{name} statement:", "", "```", plan, "```"]
    return "\n".join(lines)


def main() -> int:
    from bench.databases import throwaway_postgres

    results = []
    with tempfile.TemporaryDirectory(prefix="charter-bench-search-") as workdir:
        for size in SIZES if "sqlite" in DATABASES else ():
            results.append(measure("SQLite", f"sqlite:///{Path(workdir) / f's{size}.db'}", size))
    base = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("TEST_DATABASE_URL")
    if base and "postgresql" in DATABASES:
        for size in SIZES:
            with throwaway_postgres(base, log) as url:
                results.append(measure("PostgreSQL", url, size))
    text = report(results)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text + "\n")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
