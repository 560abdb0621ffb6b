"""gunicorn settings for one web node: `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

Read from the environment (deploy/charter.env.example lists it), so supervisord (deploy/
supervisord.conf) and the cluster test start every node from this one file.
"""

import os
from pathlib import Path

bind = os.environ.get("CHARTER_BIND", "127.0.0.1:8001")
# Sync workers: nginx buffers slow clients, so a worker is busy only while the app works.
workers = int(os.environ.get("WEB_CONCURRENCY", str(2 * (os.cpu_count() or 1) + 1)))
worker_class = "sync"
# A request the app has not answered in 45 s is stuck: kill its worker and start another.
# Above twice DATABASE_WAIT_SECONDS (15): a request may wait for the database, lose its
# connection and wait again on its one replay (charter_app/database_retry.py).
timeout = 45
# On SIGTERM (supervisorctl stop, a deploy) workers finish what they hold for up to 20 s.
graceful_timeout = 20
keepalive = 5  # nginx keeps upstream connections open (deploy/nginx/charter.conf)
# Recycle workers now and then, at different times, so a slow leak never grows for long.
max_requests = 5000
max_requests_jitter = 500
# Only nginx on this host may say who the client was; the app's ProxyFix reads the headers
# (TRUSTED_PROXY_COUNT=1).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app logs every request itself (JSON with its request id): no second access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
proc_name = f"charter-web-{bind}"
# supervisord manages the nodes; two nodes on one machine would share the default socket path.
control_socket_disable = True


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def on_starting(server):
    """Every process on this machine (both nodes' workers and the scheduler) keeps its metrics
    in PROMETHEUS_MULTIPROC_DIR, one file per process and kind. Files of processes that are gone
    would be counted for ever: remove them, and leave the running processes' alone."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, mode=0o700, exist_ok=True)
    for path in Path(folder).glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if pid.isdigit() and not _running(int(pid)):
            path.unlink(missing_ok=True)


def child_exit(server, worker):
    from charter_app.monitoring.metrics import child_exit as drop_dead_workers_gauges

    drop_dead_workers_gauges(server, worker)
