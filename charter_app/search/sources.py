"""What search finds, one registration per source (see search/index.py).

To add a source: a function giving a row's `Document` (or None while the row is not public),
and `register(Source(...))` with its kind, heading, link and the fields the document reads.
"""

from flask import url_for

from charter_app.events.models import Partner
from charter_app.hub.case_study_models import CaseStudy, CaseStudyStatus
from charter_app.hub.models import NewsPost, Page, PageKind
from charter_app.hub.pages import MEASURE_NOTE_PREFIX
from charter_app.organisations.models import LISTED_STATUSES, Organisation
from charter_app.search.index import Document, Source, register
from charter_app.timeutil import format_london


def _join(*parts: str | None) -> str:
    return "\n".join(part for part in parts if part)


def signatory(organisation: Organisation) -> Document | None:
    if organisation.status not in LISTED_STATUSES or not organisation.slug:
        return None
    return Document(title=organisation.name, body=_join(organisation.town,
                                                        organisation.description),
                    slug=organisation.slug, detail=organisation.town or "")


def case_study(study: CaseStudy) -> Document | None:
    if study.status != CaseStudyStatus.PUBLISHED:
        return None
    return Document(title=study.title, body=_join(study.summary, study.body, study.area),
                    slug=study.slug, detail=f"Case study, {study.area}" if study.area
                    else "Case study")


def guidance(page: Page) -> Document | None:
    if not page.published:
        return None
    detail = ("A note in the County Durham TOMs guide" if page.kind == PageKind.MEASURE_NOTE
              else "Guidance")
    return Document(title=page.title, body=_join(page.summary, page.body), slug=page.slug,
                    detail=detail)


def guidance_link(slug: str) -> str:
    # A measure's note is shown in the TOMs guide, under the measure (templates/hub/toms.html).
    if slug.startswith(MEASURE_NOTE_PREFIX):
        return url_for("hub.toms_guide", _anchor=slug)
    return url_for("hub.page", slug=slug)


def news(post: NewsPost) -> Document | None:
    if post.published_at is None:
        return None
    return Document(title=post.title, body=_join(post.summary, post.body), slug=post.slug,
                    detail="Published " + format_london(post.published_at, with_time=False))


def partner(found: Partner) -> Document | None:
    if not found.published or not found.slug:
        return None
    return Document(title=found.name,
                    body=_join(found.description, found.what_it_buys, found.tenders_text),
                    slug=found.slug, detail="County Durham Pound partner")


register(Source(
    kind="signatories", label="Signatories", model=Organisation, document=signatory,
    link=lambda slug: url_for("directory.profile", slug=slug),
    fields=("name", "town", "description", "status", "slug"), code=1, order=10))
register(Source(
    kind="guidance", label="Guidance", model=Page, document=guidance, link=guidance_link,
    fields=("title", "summary", "body", "published", "kind", "slug"), code=2, order=20))
register(Source(
    kind="case-studies", label="Case studies", model=CaseStudy, document=case_study,
    link=lambda slug: url_for("case_studies.show", slug=slug),
    fields=("title", "summary", "body", "area", "status", "slug"), code=3, order=30))
register(Source(
    kind="news", label="News", model=NewsPost, document=news,
    link=lambda slug: url_for("hub.news_post", slug=slug),
    fields=("title", "summary", "body", "published_at", "slug"), code=4, order=40))
register(Source(
    kind="partners", label="Partners", model=Partner, document=partner,
    link=lambda slug: url_for("hub.partner", slug=slug),
    fields=("name", "description", "what_it_buys", "tenders_text", "published", "slug"),
    code=5, order=50))
