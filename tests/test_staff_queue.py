"""The staff queue (/staff/applications): how long each application has waited against the
promise of a review within 10 working days, with overdue ones marked in words, and counts in
plain English."""

import html
import re
from datetime import UTC, datetime, timedelta

from charter_app.extensions import db
from charter_app.organisations.models import StatusChange
from charter_app.timeutil import london_date
from tests.builders import PASSWORD
from tests.conftest import log_in


def queue_rows(text: str) -> dict[str, str]:
    """Each application's row as a reader hears it: organisation name → the row's text."""
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', text, re.DOTALL)[1:]
    readable = {}
    for row in rows:
        words = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split())
        name = html.unescape(re.search(r'<a class="govuk-link"[^>]*>([^<]+)</a>', row).group(1))
        readable[name] = words
    return readable


def summary(text: str) -> str:
    found = re.search(r'<p class="govuk-body" id="queue-summary">(.*?)</p>', text, re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())


def staff_queue(client, build) -> str:
    log_in(client, build.staff().email, PASSWORD)
    response = client.get("/staff/applications")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_each_application_shows_its_working_days_waiting_and_overdue_ones_say_so(client, build):
    now = datetime.now(UTC)
    build.organisation(status="submitted", name="Fresh Ltd", submitted_at=now)
    # Forty calendar days always hold more than ten working days, whatever the holidays.
    build.organisation(status="submitted", name="Forgotten Ltd",
                       submitted_at=now - timedelta(days=40))
    text = staff_queue(client, build)
    rows = queue_rows(text)

    assert "Overdue" not in rows["Fresh Ltd"]
    assert "0 working days" in rows["Fresh Ltd"]
    due = re.search(r"due by (\d{1,2} \w+ \d{4})", rows["Fresh Ltd"]).group(1)
    assert datetime.strptime(due, "%d %B %Y").date() > london_date(now)

    assert rows["Forgotten Ltd"].count("Overdue") == 1
    waited = int(re.search(r"Overdue (\d+) working days", rows["Forgotten Ltd"]).group(1))
    assert waited > 10
    assert f"{waited - 10} working day" in rows["Forgotten Ltd"]
    assert re.search(r"late: due by \d{1,2} \w+ \d{4}", rows["Forgotten Ltd"])

    assert summary(text) == "2 applications waiting for review, 1 overdue."
    assert "10 working days" in text
    assert "bank holidays in England and Wales" in text


def test_counts_use_the_right_plural(client, build):
    build.organisation(status="submitted", name="Only Ltd")
    build.organisation(status="approved", name="Signed Ltd")
    build.organisation(status="draft", name="Drafting Ltd")
    text = staff_queue(client, build)
    assert summary(text) == "1 application waiting for review."
    assert "1 approved signatory and 1 draft in progress" in text
    for wrong in ("1 applications", "1 approved signatories", "1 drafts", "1 working days"):
        assert wrong not in text


def test_an_empty_queue_says_so(client, build):
    build.organisation(status="approved", name="Signed Ltd")
    build.organisation(status="approved", name="Also Signed Ltd")
    text = staff_queue(client, build)
    assert summary(text) == "0 applications waiting for review."
    assert "There are no applications waiting for review." in text
    assert "2 approved signatories and 0 drafts in progress" in text


def test_the_application_history_names_each_change_in_words(client, build):
    organisation = build.organisation(status="submitted", name="History Ltd")
    organisation.status_changes.append(StatusChange(from_status="draft", to_status="submitted"))
    db.session.commit()
    log_in(client, build.staff().email, PASSWORD)
    text = client.get(f"/staff/applications/{organisation.id}").get_data(as_text=True)
    history = text[text.index(">History<"):]
    assert "Submitted" in history
    assert "→" not in history
    assert "draft" not in history.split("</ul>")[0]
