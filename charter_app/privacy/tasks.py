"""The daily retention job: each rule in privacy/retention.py once per UK day, its outcome kept
in retention_runs for the staff page."""

from datetime import datetime

from charter_app.extensions import db
from charter_app.locking import insert_unless_taken
from charter_app.privacy.models import DETAIL_MAX_LENGTH, RetentionRun
from charter_app.privacy.retention import BATCH, RULES, Outcome
from charter_app.timeutil import london_date

# A first run on a large backlog goes on in batches up to this many; the next day's run does
# the rest, so no run holds the scheduler for long.
MAX_BATCHES = 20


def apply_retention(now: datetime) -> dict[str, str]:
    """Run every rule not yet run today (UK day); what each deleted, by rule."""
    day = london_date(now)
    done = {}
    for rule in RULES:
        # The day's claim first: two schedulers, or a rerun, never apply a rule twice a day.
        run = insert_unless_taken(RetentionRun, ("rule", "day"), rule=rule.name, day=day,
                                  ran_at=now)
        if run is None:
            continue
        outcome = rule.apply(now)
        for _ in range(MAX_BATCHES - 1):
            if outcome.affected < BATCH:
                break
            outcome = outcome + rule.apply(now)
        run.affected = sum(outcome.counts.values())
        run.detail = _fit(outcome)
        done[rule.name] = run.detail
    db.session.flush()
    return done


def _fit(outcome: Outcome) -> str:
    return outcome.detail[:DETAIL_MAX_LENGTH]
