"""The notifications domain's scheduled work: draining the outbox."""

from datetime import datetime

from charter_app.notifications.delivery import deliver_due
from charter_app.timeutil import utcnow


def deliver_outbox(now: datetime) -> int:
    """Send every queued email that is due; each outcome is committed as it happens.

    Never earlier than the clock: email the jobs before it queued in this run is stamped with
    the real time, and must go out in the same run.
    """
    return deliver_due(max(now, utcnow()))
