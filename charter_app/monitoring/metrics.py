"""Prometheus metrics (prometheus-client).

Kept by each process: requests by Flask endpoint (never the raw path, so a crawler cannot make
a label per URL), method and status class, with their latency; jobs run and how long they took,
by job and outcome; and whether this process holds the scheduler's lock. Computed from the
database at each scrape: the outbox's queued and failed messages, the age of the oldest queued
one, and when the scheduler last ran, so every web node answers the same.

Gunicorn runs several worker processes, each with its own counters. With
`PROMETHEUS_MULTIPROC_DIR` set (an empty directory, emptied at each start, shared by the workers
and the scheduler on that server) every process writes its values there and a scrape adds them
up (prometheus-client's multiprocess mode); without it, the scrape reads this process's own.
"""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter(
    "charter_http_requests", "HTTP requests answered, by Flask endpoint, method and status class.",
    ["endpoint", "method", "status"], registry=REGISTRY)
LATENCY = Histogram(
    "charter_http_request_duration_seconds", "Time to answer a request, by endpoint and method.",
    ["endpoint", "method"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
JOBS = Counter(
    "charter_jobs", "Scheduled jobs run, by job and outcome (ok, failed).",
    ["job", "outcome"], registry=REGISTRY)
JOB_DURATION = Histogram(
    "charter_job_duration_seconds", "Time a scheduled job took, by job and outcome.",
    ["job", "outcome"], registry=REGISTRY,
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300))
REDIS_ERRORS = Counter(
    "charter_redis_errors", "Redis commands that failed (the node carried on without Redis), "
    "by use (page_cache, ratelimit, probe, health).", ["use"], registry=REGISTRY)
# In multiprocess mode only live processes count, and the highest wins: 1 when any scheduler
# process on this server holds the lock.
SCHEDULER_LEADER = Gauge(
    "charter_scheduler_leader", "1 when this process is the scheduler that holds the lock.",
    registry=REGISTRY, multiprocess_mode="livemax")

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "other"
    REQUESTS.labels(endpoint, method, f"{status // 100}xx").inc()
    LATENCY.labels(endpoint, method).observe(seconds)


def observe_job(job: str, outcome: str, seconds: float) -> None:
    JOBS.labels(job, outcome).inc()
    JOB_DURATION.labels(job, outcome).observe(seconds)


def observe_redis_error(use: str) -> None:
    REDIS_ERRORS.labels(use).inc()


def set_scheduler_leader(leading: bool) -> None:
    SCHEDULER_LEADER.set(1 if leading else 0)


class DatabaseCollector:
    """Gauges read from the database at scrape time (the same on every node)."""

    def __init__(self, read):
        self.read = read

    def collect(self):
        state = self.read()
        yield GaugeMetricFamily("charter_database_up",
                                "1 when this node reached the database at this scrape.",
                                value=0 if state is None else 1)
        if state is None:
            return
        outbox = GaugeMetricFamily("charter_outbox_messages",
                                   "Emails in the outbox by status (queued, failed).",
                                   labels=["status"])
        for status in ("queued", "failed"):
            outbox.add_metric([status], state.outbox_counts.get(status, 0))
        yield outbox
        yield GaugeMetricFamily(
            "charter_outbox_oldest_queued_age_seconds",
            "Age of the oldest email still queued (0 when none is).",
            value=state.oldest_queued_seconds or 0)
        yield GaugeMetricFamily(
            "charter_scheduler_last_run_timestamp_seconds",
            "When a scheduled job last finished (Unix time; 0 if never).",
            value=state.scheduler_last_run.timestamp() if state.scheduler_last_run else 0)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def exposition(read_database) -> tuple[bytes, str]:
    """The text a scrape gets: this process's (or every process's) metrics, then the database's."""
    if multiprocess_dir():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(DatabaseCollector(read_database))
    return own + generate_latest(database), CONTENT_TYPE_LATEST


def child_exit(server, worker) -> None:
    """For gunicorn's `child_exit` hook in multiprocess mode: drop a dead worker's live gauges."""
    if multiprocess_dir():
        multiprocess.mark_process_dead(worker.pid)
