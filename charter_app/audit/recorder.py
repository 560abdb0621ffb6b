"""Records every change staff make, without any domain having to ask.

A session listener runs after each flush. When the flush happens inside a state-changing
request by a member of staff (or inside an operator's command, `acting_as`), it writes one audit
row per created, changed or deleted record: the changed columns' values before and after, from
SQLAlchemy's attribute history. The rows are inserted on the flush's own connection, in the same
transaction, so an action that is rolled back leaves no audit row behind.

Secrets never reach the log: a column whose name says password, token, secret, hash or key is
written as "[redacted]". Tables that only record side effects (the outbox's email bodies, the
sign-in and contact throttles) are left out.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import Flask, g, has_request_context, request
from flask_login import current_user
from sqlalchemy import event, inspect, select, tuple_
from sqlalchemy.orm import Session, attributes

from charter_app.audit.models import (
    ACTION_MAX_LENGTH,
    ACTOR_MAX_LENGTH,
    TARGET_LABEL_MAX_LENGTH,
    AuditEntry,
)
from charter_app.timeutil import utcnow

REDACTED = "[redacted]"
SECRET_COLUMN = re.compile(r"password|token|secret|hash|(^|_)key$|signature|private")
SKIPPED_TABLES = {"audit_entries", "outbox_messages", "sign_in_throttles", "contact_throttles",
                  "job_runs"}
LABEL_COLUMNS = ("name", "title", "email", "slug", "subject", "code", "recipient")
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Bumped by every sign-out: not a change anyone needs to audit.
NOISE_COLUMNS = {"session_generation"}
TEXT_LIMIT = 500


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    role: str
    action: str


_operator: ContextVar[Actor | None] = ContextVar("audit_operator", default=None)


@contextmanager
def acting_as(operator: str, command: str) -> Iterator[None]:
    """Changes made inside are recorded as `command`, run by `operator` on the server."""
    token = _operator.set(Actor(None, operator[:ACTOR_MAX_LENGTH], "operator",
                                command[:ACTION_MAX_LENGTH]))
    try:
        yield
    finally:
        _operator.reset(token)


def _request_actor() -> Actor | None:
    if request.method in SAFE_METHODS or not current_user.is_authenticated:
        return None
    if not current_user.is_staff:
        return None
    return Actor(current_user.id, current_user.email[:ACTOR_MAX_LENGTH],
                 "administrator" if current_user.is_admin else "staff",
                 (request.endpoint or request.path)[:ACTION_MAX_LENGTH])


def current_actor() -> Actor | None:
    operator = _operator.get()
    if operator is not None:
        return operator
    if has_request_context():
        return g.get("audit_actor")
    return None


def register(app: Flask) -> None:
    @app.before_request
    def note_staff_actor():
        # Settled once per request, before any flush: asking Flask-Login inside a flush
        # could load the user mid-flush.
        g.audit_actor = _request_actor()

    if not event.contains(Session, "after_flush", _record_flush):
        event.listen(Session, "after_flush", _record_flush)
        event.listen(Session, "do_orm_execute", _record_bulk_update)


def _record_flush(session: Session, flush_context) -> None:
    actor = current_actor()
    if actor is None:
        return
    request_id = g.get("request_id") if has_request_context() else None
    now = utcnow()
    rows = []
    for change, objects in (("created", session.new), ("updated", session.dirty),
                            ("deleted", session.deleted)):
        for obj in objects:
            row = _describe(obj, change)
            if row is not None:
                rows.append({
                    "at": now, "actor_id": actor.user_id, "actor": actor.label,
                    "role": actor.role, "action": actor.action, "request_id": request_id,
                    "change": change, **row})
    if rows:
        session.connection().execute(AuditEntry.__table__.insert(), rows)


def _record_bulk_update(execute_state):
    """An UPDATE statement run through the session (a compare-and-set such as a hub page's new
    version) bypasses attribute history: read the rows it matches before and after it runs."""
    if not execute_state.is_update:
        return None
    actor = current_actor()
    description = execute_state.statement.entity_description if actor else None
    mapper = inspect(description["entity"], raiseerr=False) if description else None
    if mapper is None or mapper.local_table.name in SKIPPED_TABLES:
        return None
    table = mapper.local_table
    where = execute_state.statement.whereclause
    if where is None:
        return None
    # On the session's connection but not through the session, so this listener is not re-run.
    connection = execute_state.session.connection()
    key = list(table.primary_key.columns)
    before = {tuple(row[column.name] for column in key): row for row in
              connection.execute(select(table).where(where)).mappings()}
    result = execute_state.invoke_statement()
    if not before:
        return result
    if len(key) == 1:
        matched = key[0].in_([identity[0] for identity in before])
    else:
        matched = tuple_(*key).in_(list(before))
    after = {tuple(row[column.name] for column in key): row
             for row in connection.execute(select(table).where(matched)).mappings()}
    rows = []
    for identity, old in before.items():
        new = after.get(identity)
        if new is None:
            continue
        changed = {name: (old[name], new[name]) for name in old
                   if name not in NOISE_COLUMNS and _json(old[name]) != _json(new[name])}
        if not changed:
            continue
        label = next((str(new[name]) for name in LABEL_COLUMNS if new.get(name)), "")
        rows.append({
            "at": utcnow(), "actor_id": actor.user_id, "actor": actor.label, "role": actor.role,
            "action": actor.action, "request_id": g.get("request_id") if has_request_context()
            else None, "change": "updated", "target_type": table.name,
            "target_id": "/".join(str(part) for part in identity)[:60],
            "target_label": _safe("label", label)[:TARGET_LABEL_MAX_LENGTH],
            "before": {name: _safe(name, values[0]) for name, values in changed.items()},
            "after": {name: _safe(name, values[1]) for name, values in changed.items()}})
    if rows:
        connection.execute(AuditEntry.__table__.insert(), rows)
    return result


def _describe(obj, change: str) -> dict | None:
    state = inspect(obj)
    mapper = state.mapper
    table = mapper.local_table.name
    if table in SKIPPED_TABLES:
        return None
    before, after = {}, {}
    for column_attr in mapper.column_attrs:
        key = column_attr.key
        if key in NOISE_COLUMNS:
            continue
        if change == "updated":
            history = attributes.get_history(obj, key, passive=attributes.PASSIVE_NO_INITIALIZE)
            if not history.added and not history.deleted:
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if _json(old) == _json(new):
                continue
            before[key], after[key] = _safe(key, old), _safe(key, new)
        elif key in state.dict:
            value = _safe(key, state.dict[key])
            if value is not None:
                (after if change == "created" else before)[key] = value
    if change == "updated" and not after:
        return None
    identity = [state.dict.get(mapper.get_property_by_column(column).key)
                for column in mapper.primary_key]
    label = next((str(state.dict[name]) for name in LABEL_COLUMNS
                  if state.dict.get(name) not in (None, "")), "")
    return {
        "target_type": table,
        "target_id": "/".join("" if part is None else str(part) for part in identity)[:60],
        "target_label": _safe("label", label)[:TARGET_LABEL_MAX_LENGTH],
        "before": before or None,
        "after": after or None,
    }


def _safe(column: str, value):
    if value is None:
        return None
    if SECRET_COLUMN.search(column.lower()):
        return REDACTED
    return _json(value)


def _json(value):
    """The value as JSON keeps it: text, numbers as text where exact, times in UTC ISO."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, Decimal | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"({len(value)} bytes)"
    text = str(value)
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…"
