"""A bounded mixed load through nginx: visitors reading pages, people signing up, members
registering people for an event and saving their quarterly report. Every request is recorded
with its status (or the connection error), its time and nginx's request id."""

import http.client
import itertools
import random
import re
import ssl
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlencode

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                  r'name="csrf_token" value="([^"]+)"')
PASSWORD = "cluster test password 7"  # noqa: S105 - a throwaway database's accounts


@dataclass
class Outcome:
    started: float
    finished: float
    method: str
    kind: str
    status: int | None  # None: no answer (the connection failed)
    request_id: str | None
    error: str | None = None


@dataclass
class Record:
    outcomes: list[Outcome] = field(default_factory=list)
    signed_up: list[str] = field(default_factory=list)  # emails told "Check your email"
    registered: list[str] = field(default_factory=list)  # attendees' emails answered 302
    saved: dict[tuple[int, int], str] = field(default_factory=dict)  # last quantity acknowledged
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)


class Browser:
    """One person's session over HTTPS to nginx: keeps cookies, follows no redirects."""

    _context = ssl.create_default_context()
    _context.check_hostname = False
    _context.verify_mode = ssl.CERT_NONE  # the test's own self-signed certificate

    def __init__(self, port: int, record: Record, kind: str):
        self.port, self.record, self.kind = port, record, kind
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Referer": f"https://localhost:{self.port}{path}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        connection = http.client.HTTPSConnection("localhost", self.port, timeout=90,
                                                 context=self._context)
        response = None
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            html = response.read().decode(errors="replace")
        except (OSError, http.client.HTTPException) as error:
            # A body cut short still has its headers: nginx's request id tells whose it was.
            request_id = response.getheader("X-Request-ID") if response else None
            self.record.add(Outcome(started, time.monotonic(), method, self.kind, None,
                                    request_id, f"{type(error).__name__}: {error}"))
            return None, None, ""
        finally:
            connection.close()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value
        self.record.add(Outcome(started, time.monotonic(), method, self.kind, response.status,
                                response.getheader("X-Request-ID")))
        return response.status, response.getheader("Location"), html

    def sign_in(self, email: str) -> None:
        for _attempt in range(20):
            status, _location, html = self.request("GET", "/login")
            token = csrf_from(html) if status == 200 else None
            if token:
                status, _location, _html = self.request(
                    "POST", "/login", {"csrf_token": token, "email": email,
                                       "password": PASSWORD})
                if status == 302:
                    return
            time.sleep(1)
        raise RuntimeError(f"could not sign in as {email}")


def csrf_from(html: str) -> str | None:
    match = CSRF.search(html)
    return (match.group(1) or match.group(2)) if match else None


class FormValues(HTMLParser):
    """What a browser would send for the form holding `field`: inputs, checked radios and
    checkboxes, textareas and selected options."""

    def __init__(self, field_name: str):
        super().__init__()
        self.field_name = field_name
        self.forms: list[dict] = []
        self._current: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self._current = {}
            self.forms.append(self._current)
        elif self._current is None:
            return
        elif tag == "input" and attributes.get("name"):
            kind = attributes.get("type", "text")
            if kind in ("radio", "checkbox") and "checked" not in attributes:
                return
            if kind in ("submit", "button", "file"):
                return
            self._current[attributes["name"]] = attributes.get("value", "")
        elif tag == "textarea":
            self._textarea = attributes.get("name")
            self._current[self._textarea] = ""
        elif tag == "select":
            self._select = attributes.get("name")
        elif tag == "option" and self._select and "selected" in attributes:
            self._current[self._select] = attributes.get("value", "")

    def handle_data(self, data):
        if self._textarea and self._current is not None:
            self._current[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._current = None

    def values(self) -> dict | None:
        return next((form for form in self.forms if self.field_name in form), None)


@dataclass(frozen=True)
class Plan:
    """What the load visits and as whom (made by the cluster's setup)."""

    pages: list[str]
    event_id: int
    registrars: list[str]  # members' emails, one thread each
    reporters: list[tuple[str, str, int, int]]  # (email, entry path, organisation, measure)


def run(port: int, plan: Plan, record: Record, *, seconds: float, max_requests: int,
        stop: threading.Event) -> list[threading.Thread]:
    """Start the load's threads; each stops at `seconds`, after `max_requests`, or on `stop`."""
    deadline = time.monotonic() + seconds
    serial = itertools.count(1)

    def going(count: int) -> bool:
        return count < max_requests and time.monotonic() < deadline and not stop.is_set()

    def visitor(number: int):
        browser, rng = Browser(port, record, "page"), random.Random(number)  # noqa: S311
        count = 0
        while going(count):
            browser.request("GET", rng.choice(plan.pages))
            count += 1
            time.sleep(0.05)

    def signing_up():
        browser = Browser(port, record, "sign-up")
        count = 0
        while going(count):
            status, _location, html = browser.request("GET", "/account/create")
            token = csrf_from(html) if status == 200 else None
            if token:
                email = f"newcomer{next(serial)}@example.org"
                status, _location, html = browser.request("POST", "/account/create", {
                    "csrf_token": token, "email": email, "password": PASSWORD,
                    "password_confirm": PASSWORD})
                if status == 200 and "Check your email" in html:
                    with record.lock:
                        record.signed_up.append(email)
            count += 1
            time.sleep(1.0)

    def registering(member: str):
        browser = Browser(port, record, "registration")
        browser.sign_in(member)
        count = 0
        while going(count):
            status, _location, html = browser.request("GET", f"/events/{plan.event_id}/register")
            token = csrf_from(html) if status == 200 else None
            if token:
                number = next(serial)
                email = f"attendee{number}@example.org"
                status, _location, _html = browser.request(
                    "POST", f"/events/{plan.event_id}/register",
                    {"csrf_token": token, "name": f"Attendee {number}", "email": email,
                     "needs": ""})
                if status == 302:
                    with record.lock:
                        record.registered.append(email)
            count += 1
            time.sleep(0.3)

    def reporting(member: str, path: str, organisation: int, measure: int):
        browser = Browser(port, record, "report save")
        browser.sign_in(member)
        count = 0
        while going(count):
            status, _location, html = browser.request("GET", path)
            parser = FormValues("quantity")
            parser.feed(html if status == 200 else "")
            form = parser.values()
            if form:
                quantity = str(count + 1)
                form.update(quantity=quantity, description=f"Cluster test save {count + 1}")
                form.pop("action", None)
                status, _location, _html = browser.request("POST", path, form)
                if status == 302:
                    with record.lock:
                        record.saved[(organisation, measure)] = quantity
            count += 1
            time.sleep(0.3)

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(3)]
    threads.append(threading.Thread(target=signing_up))
    threads += [threading.Thread(target=registering, args=(m,)) for m in plan.registrars]
    threads += [threading.Thread(target=reporting, args=r) for r in plan.reporters]
    for thread in threads:
        thread.start()
    return threads
