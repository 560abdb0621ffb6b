"""The Knowledge Hub's public pages: guidance, the TOMs guide, news and its Atom feed."""

import math

from flask import Blueprint, abort, render_template, request, url_for

from charter_app.access import public
from charter_app.hub import case_studies, feed, news, pages, partner_logos, partners, toms
from charter_app.hub.markdown import render_markdown
from charter_app.pledges.catalogue import THEMES
from charter_app.presentation import page_numbers
from charter_app.reporting.quarters import FinancialQuarter
from charter_app.timeutil import london_date, utcnow

bp = Blueprint("hub", __name__)

# A page number past this is not a page of news: 404 rather than a huge OFFSET.
MAX_PAGE = 10_000


def current_financial_year() -> int:
    return FinancialQuarter.containing(london_date(utcnow())).year


def financial_year_label(year: int) -> str:
    return FinancialQuarter(year, 1).financial_year


@bp.route("/hub")
@public
def index():
    return render_template("hub/index.html", title="Knowledge Hub",
                           guidance=pages.guidance_pages(published_only=True),
                           latest=news.latest_posts(3))


@bp.route("/partners")
@public
def partners_index():
    return render_template("hub/partners.html", title="Partners",
                           partners=partners.published_partners(), render_markdown=render_markdown,
                           logo_sources=partner_logos.logo_sources)


@bp.route("/partners/<slug>")
@public
def partner(slug: str):
    found = partners.published_partner(slug)
    if found is None:
        abort(404)
    upcoming, past = partners.events_as_buyer(found, utcnow())
    return render_template("hub/partner.html", title=found.name, partner=found,
                           buys=render_markdown(found.what_it_buys or ""),
                           upcoming=upcoming, past=past,
                           case_studies=case_studies.published_for_partner(found.id),
                           logo=partner_logos.logo_sources(found))


@bp.route("/hub/toms")
@public
def toms_guide():
    year = current_financial_year()
    return render_template("hub/toms.html", title="The County Durham TOMs guide",
                           grouped=toms.guide(year), themes=THEMES,
                           year_label=financial_year_label(year), render_markdown=render_markdown)


@bp.route("/hub/<slug>")
@public
def page(slug: str):
    found = pages.published_guidance(slug)
    if found is None:
        abort(404)
    return render_template("hub/page.html", title=found.title, page=found,
                           description=found.summary or None, body=render_markdown(found.body))


@bp.route("/news")
@public
def news_index():
    number = request.args.get("page", 1, type=int) or 1
    total = news.published_count()
    last = max(1, math.ceil(total / news.PER_PAGE))
    if not 1 <= number <= min(last, MAX_PAGE):
        abort(404)

    def page_url(n):
        return url_for("hub.news_index", page=n) if n > 1 else url_for("hub.news_index")

    links = [(n, page_url(n) if n else None, n == number) for n in page_numbers(number, last)]
    return render_template(
        "hub/news_index.html", title="News" if number == 1 else f"News, page {number}",
        posts=news.published_page(number), total=total, links=links, pages=last,
        previous_href=page_url(number - 1) if number > 1 else None,
        next_href=page_url(number + 1) if number < last else None)


@bp.route("/news/<slug>")
@public
def news_post(slug: str):
    post = news.published_post(slug)
    if post is None:
        abort(404)
    return render_template("hub/news_post.html", title=post.title, post=post,
                           description=post.summary, body=render_markdown(post.body))


@bp.route("/news.atom")
@public
def news_feed():
    document = feed.atom_feed(news.latest_posts(news.FEED_ENTRIES), now=utcnow())
    return document, 200, {"Content-Type": "application/atom+xml; charset=utf-8"}
