"""The cluster test's data: what it seeds before the load, and what it checks after."""

import http.client as http_client
import re
import ssl
import statistics
import time
from collections import Counter
from decimal import Decimal

from tests.cluster.load import PASSWORD, Plan, Record

EVENT_CAPACITY = 20
SIGNATORIES = 40


def seed() -> tuple[Plan, object]:
    """Signatories for the directory, two members who register people for one event, two who
    save their quarterly report; made in process on the cluster's database."""
    from charter_app import create_app
    from charter_app.extensions import db
    from charter_app.organisations.models import ApplicationStatus
    from charter_app.reporting import services as reporting
    from tests.builders import Builders

    app = create_app()
    build = Builders()
    with app.app_context():
        slugs = [build.organisation(status=ApplicationStatus.APPROVED,
                                    name=f"Cluster Signatory {n}").slug
                 for n in range(SIGNATORIES)]
        event = build.event(capacity=EVENT_CAPACITY, places_per_organisation=10_000)
        registrars = []
        for n in range(2):
            user = build.user(f"registrar{n}@example.org", password=PASSWORD)
            build.organisation(user, status=ApplicationStatus.APPROVED,
                               name=f"Cluster Registrar {n}")
            registrars.append(user.email)
        reporters = []
        for n in range(2):
            user = build.user(f"reporter{n}@example.org", password=PASSWORD)
            organisation = build.organisation(user, status=ApplicationStatus.APPROVED,
                                              name=f"Cluster Reporter {n}")
            quarter = reporting.first_quarter(organisation)
            reporting.start_report(organisation, quarter, user, today=quarter.ends_on)
            db.session.commit()
            measure = build.measure("CDP-JOB-03")
            path = (f"/organisations/{organisation.id}/reports/{quarter.financial_year}"
                    f"/q{quarter.number}/entries/{measure.id}")
            reporters.append((user.email, path, organisation.id, measure.id))
        pages = ["/", "/directory", "/directory?q=Cluster", "/search?q=signatory",
                 f"/events/{event.id}", "/events", "/hub", "/livez",
                 *[f"/signatories/{slug}" for slug in slugs[:10]]]
        plan = Plan(pages=pages, event_id=event.id, registrars=registrars,
                    reporters=reporters)
        db.session.remove()
    return plan, app


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _in_flight_on_killed_node(outcome, nginx_log, failures: dict, killed_port: int) -> bool:
    """A 502, or an answer cut short, for a request nginx had sent to the killed node before it
    came back: in flight when it died, or a POST on one of nginx's kept-alive connections to
    it, which nginx does not send twice (a GET is retried on the other node)."""
    if outcome.status not in (502, None):
        return False
    back_at = failures["kill_at"] + failures["web node back (s)"]
    if not (failures["kill_at"] - 0.5 <= outcome.started <= back_at
            and outcome.finished >= failures["kill_at"] - 0.5):
        return False
    line = nginx_log.get(outcome.request_id)
    return line is not None and f":{killed_port}" in line


def _phase(at: float, phases: list[tuple[str, float]]) -> str:
    return [name for name, started in phases if started <= at][-1]


def check_everything(app, record: Record, mail, nginx, failures: dict, killed_port: int,
                     plan: Plan, phases: list[tuple[str, float]]) -> tuple[list[str], str]:
    from sqlalchemy import func, select

    from charter_app.accounts.models import User
    from charter_app.events import registrations
    from charter_app.events.models import Registration, RegistrationStatus
    from charter_app.extensions import db
    from charter_app.notifications.models import OutboxMessage, OutboxStatus
    from charter_app.reporting.models import QuarterlyReport, ReportEntry

    problems: list[str] = []
    with app.app_context():
        deadline = time.monotonic() + 180
        while db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.QUEUED)) and time.monotonic() < deadline:
            db.session.remove()
            time.sleep(2)
        statuses = Counter(dict(db.session.execute(
            select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()))
        if statuses[OutboxStatus.QUEUED] or statuses[OutboxStatus.FAILED]:
            problems.append(f"outbox not delivered: {dict(statuses)}")

        # Registrations: each one acknowledged is there once; the capacity held.
        rows = list(db.session.execute(select(Registration.email_key, Registration.status)
                                       .where(Registration.event_id == plan.event_id)))
        by_email = Counter(email for email, _status in rows)
        doubled = [email for email, count in by_email.items() if count > 1]
        lost = [email for email in record.registered if by_email[email.lower()] != 1]
        confirmed = sum(status == RegistrationStatus.CONFIRMED for _email, status in rows)
        if doubled:
            problems.append(f"registrations doubled: {doubled[:5]}")
        if lost:
            problems.append(f"registrations lost: {lost[:5]}")
        if confirmed != min(EVENT_CAPACITY, len(record.registered)):
            problems.append(f"{confirmed} confirmed places for {EVENT_CAPACITY}, with "
                            f"{len(record.registered)} registered")
        # The waiting list is one queue across both nodes: positions 1, 2, 3... with no gap.
        waiting = registrations.waiting_list(plan.event_id)
        positions = sorted(registrations.waiting_position(entry) for entry in waiting)
        if positions != list(range(1, len(waiting) + 1)):
            problems.append(f"waiting-list positions are not 1 to {len(waiting)}")

        # Report saves: the last save acknowledged is what the draft holds, once.
        for (organisation, measure), quantity in record.saved.items():
            report = db.session.scalar(select(QuarterlyReport).where(
                QuarterlyReport.organisation_id == organisation))
            entries = list(db.session.scalars(select(ReportEntry).where(
                ReportEntry.revision_id == report.draft_revision_id,
                ReportEntry.measure_id == measure)))
            if len(entries) != 1 or entries[0].quantity != Decimal(quantity):
                problems.append(f"report of organisation {organisation}: expected one entry of "
                                f"{quantity}, found {[e.quantity for e in entries]}")

        # Sign-ups: one account each.
        accounts = set(db.session.scalars(select(User.email).where(
            User.email.like("newcomer%"))))
        missing = [email for email in record.signed_up if email not in accounts]
        if missing:
            problems.append(f"sign-ups lost: {missing[:5]}")
        sent = statuses[OutboxStatus.SENT]
        db.session.remove()

    # Email: every message the outbox sent arrived exactly once.
    message_ids = mail.message_ids()
    twice = [mid for mid, count in message_ids.items() if count > 1]
    if twice:
        problems.append(f"emails delivered more than once: {twice[:5]}")
    if len(message_ids) != sent:
        problems.append(f"the outbox sent {sent} emails; the mail server got {len(message_ids)}")
    recipients = mail.recipients()
    unmailed = [email for email in record.registered + record.signed_up
                if recipients[email.lower()] != 1]
    if unmailed:
        problems.append(f"expected exactly one email each: {unmailed[:5]}")

    # Errors: no 5xx and no failed connection, but for requests in flight on the killed node.
    nginx_log = {fields[1]: " ".join(fields) for fields in nginx.access_log() if len(fields) > 1}
    errors, excused = Counter(), 0
    for outcome in record.outcomes:
        if outcome.status is not None and outcome.status < 500:
            continue
        if _in_flight_on_killed_node(outcome, nginx_log, failures, killed_port):
            excused += 1
            continue
        label = "no answer" if outcome.status is None else str(outcome.status)
        phase = _phase(outcome.started, phases)
        errors[f"{label} {outcome.method} ({outcome.kind}) during {phase}"] += 1
    if errors:
        problems.append(f"server errors: {dict(errors)}")

    answered = [o for o in record.outcomes if o.status is not None]
    latencies = [(o.finished - o.started) * 1000 for o in answered]
    by_kind = ", ".join(f"{kind} {count}" for kind, count in
                        sorted(Counter(o.kind for o in record.outcomes).items()))
    limited = sum(o.status == 429 for o in answered)
    lines = [
        "| what | value |", "|---|---:|",
        f"| requests | {len(record.outcomes):,} ({by_kind}) |",
        f"| 5xx or no answer (not excused) | {sum(errors.values())} |",
        f"| 502 or cut short in flight on the killed node (excused) | {excused} |",
        f"| 429 (rate limited, counted across nodes) | {limited} |",
        f"| latency p50 / p99 (ms) | {statistics.median(latencies):.0f} / "
        f"{_percentile(latencies, 0.99):.0f} |",
        f"| registrations acknowledged / confirmed / waiting | {len(record.registered)} / "
        f"{confirmed} of {EVENT_CAPACITY} / {len(waiting)} |",
        f"| report saves acknowledged (last kept) | {len(record.saved)} entries |",
        f"| sign-ups acknowledged | {len(record.signed_up)} |",
        f"| emails sent by the outbox / received | {sent} / {sum(message_ids.values())} |",
        *[f"| {name} | {value:.1f} |" for name, value in failures.items() if name != "kill_at"],
    ]
    return problems, "\n".join(lines)


HASHED_STATIC = re.compile(r'/static/[^"]+\.[0-9a-f]{12}\.css')


def check_deployment(env: dict[str, str]) -> list[str]:
    """What nginx and the nodes promise an operator, checked on the running cluster."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    https, http = int(env["CHARTER_HTTPS_PORT"]), int(env["CHARTER_HTTP_PORT"])
    node = env["CHARTER_WEB_NODE_1"]
    problems = []

    def fetch(connection, path, headers=None):
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response, response.read().decode(errors="replace")
        finally:
            connection.close()

    def public(path):
        return fetch(http_client.HTTPSConnection("localhost", https, timeout=30,
                                                 context=context), path)

    response, _ = public("/metrics")
    if response.status != 404:
        problems.append(f"/metrics through nginx answered {response.status}, not 404")
    response, _ = fetch(http_client.HTTPConnection("127.0.0.1", http, timeout=30), "/directory")
    if response.status != 301 or not response.getheader("Location", "").startswith("https://"):
        problems.append(f"plain HTTP answered {response.status}, not a redirect to HTTPS")
    host, port = node.split(":")
    response, text = fetch(http_client.HTTPConnection(host, int(port), timeout=30), "/metrics",
                           {"Authorization": f"Bearer {env['METRICS_TOKEN']}"})
    if response.status != 200 or "charter_scheduler_leader 1.0" not in text:
        problems.append("a node's /metrics does not show the leading scheduler "
                        f"({response.status})")
    response, html = public("/")
    if not response.getheader("X-Request-ID"):
        problems.append("no X-Request-ID on a page through nginx")
    if "max-age=63072000" not in (response.getheader("Strict-Transport-Security") or ""):
        problems.append("no HSTS header through nginx")
    stylesheet = HASHED_STATIC.search(html)
    if stylesheet is None:
        problems.append("the home page links no stylesheet with a hashed name")
    else:
        response, _ = public(stylesheet.group(0))
        if response.status != 200 or "immutable" not in (response.getheader("Cache-Control")
                                                         or ""):
            problems.append(f"{stylesheet.group(0)} through nginx: {response.status}, "
                            f"{response.getheader('Cache-Control')}")
    return problems
