"""The notifications domain's scheduled work: draining the outbox."""

from datetime import datetime

from charter_app.notifications.delivery import deliver_due


def deliver_outbox(now: datetime) -> int:
    """Send every queued email that is due; each outcome is committed as it happens."""
    return deliver_due(now)
