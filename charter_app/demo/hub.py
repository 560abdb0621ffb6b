"""The Knowledge Hub's demo content: the standard guidance pages (as a fresh installation has
them) and a few news posts about the service itself, with no invented facts or figures."""

from datetime import datetime, timedelta

from charter_app.hub import news, pages
from charter_app.hub.news import NewsText

POSTS = [
    (40, "The County Durham Pound Charter is open",
     "Businesses and voluntary organisations in County Durham can now sign the Charter online.",
     "Signing means agreeing to the six commitments of the County Durham Pound and pledging "
     "targets in at least one of its five themes.\n\n[How to sign the Charter]"
     "(/hub/how-to-sign-the-charter)"),
    (21, "Guidance for bidders: the Procurement Act 2023 and PPN 002",
     "How public buyers weigh social value now, and how to answer their questions.",
     "Our new page explains the rules that apply since 24 February 2025 and how to use your "
     "Charter statement in a tender.\n\n[Read the guidance]"
     "(/hub/social-value-guidance-for-bidders)"),
    (9, "The TOMs guide: every measure with a worked example",
     "See how each measure is counted and valued this financial year.",
     "The guide lists each County Durham Pound measure with its unit, its proxy value and the "
     "value's source.\n\n[Open the TOMs guide](/hub/toms)"),
    (2, "Quarterly reports: what to record",
     "Record what you delivered against your pledges at least once a quarter.",
     "A report is due 30 days after the quarter ends. The service works out the social value "
     "in pounds from the quantities you enter.\n\n- Record quantities in the measure's unit.\n"
     "- Keep evidence: a timesheet, an invoice, a certificate.\n- Count each thing once."),
]


def seed(now: datetime) -> None:
    pages.install_standard_pages(now)
    for days_ago, title, summary, body in POSTS:
        news.create_post(NewsText(title, summary, body, True), author=None,
                         now=now - timedelta(days=days_ago))
