"""`make cluster-test`: two web nodes behind nginx, Redis, the scheduler and its standby on a
throwaway PostgreSQL, all from deploy/, under a bounded mixed load while one node is killed,
Redis stops for 20 s, the leading scheduler is killed and PostgreSQL restarts. Then it checks
that nothing was lost or doubled and prints what it saw.

    python -m tests.cluster [--profile short|full] [--require]

Exit 0 when every check passed (or, without --require, when this machine cannot run it: the
reason is printed); 1 when a check failed; 2 when it could not run and --require was given.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from tests.cluster import load, servers
from tests.cluster.checks import check_deployment, check_everything

PROFILES = {
    # CI: every failure once, with short quiet spells between them.
    "short": {"settle": 4, "redis_outage": 20, "scheduler_interval": 15, "max_requests": 400},
    # By hand: longer spells, the production scheduler interval, more requests.
    "full": {"settle": 20, "redis_outage": 20, "scheduler_interval": 60, "max_requests": 5000},
}


def say(message: str) -> None:
    print(f"[cluster {time.strftime('%H:%M:%S')}] {message}", flush=True)


def environment(workdir: Path, postgres, redis, mail, cert: Path, key: Path,
                profile: dict) -> dict[str, str]:
    first_port = servers.free_port()
    while not all(servers.free_port_is(first_port + n) for n in range(2)):
        first_port = servers.free_port()
    https_port = servers.free_port()
    env = {
        **os.environ,
        "CHARTER_ENV": "production",
        "SECRET_KEY": "cluster-test-secret-key-not-for-production",
        "BASE_URL": f"https://localhost:{https_port}",
        "DATABASE_URL": postgres.url,
        "REDIS_URL": redis.url,
        "TRUSTED_PROXY_COUNT": "1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(mail.port),
        "OUTBOX_POLL_SECONDS": "2",
        # A scheduler killed mid-send leaves its claim; the next leader retries after this.
        "OUTBOX_CLAIM_SECONDS": "30",
        "UPLOAD_DIR": str(workdir / "uploads"),
        "EVIDENCE_DIR": str(workdir / "evidence"),
        "PDF_CACHE_DIR": str(workdir / "pdf-cache"),
        "LOG_FORMAT": "json",
        "METRICS_TOKEN": "cluster-test-metrics-token",
        "CHARTER_ROOT": str(servers.ROOT),
        "CHARTER_RUN_DIR": str(workdir / "run"),
        "CHARTER_LOG_DIR": str(workdir / "log"),
        "CHARTER_WEB_NODES": "2",
        "CHARTER_WEB_FIRST_PORT": str(first_port),
        "CHARTER_WEB_HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
        "CHARTER_SCHEDULERS": "2",
        "SCHEDULER_INTERVAL_SECONDS": str(profile["scheduler_interval"]),
        "CHARTER_DOMAIN": "localhost",
        "CHARTER_HTTP_PORT": str(servers.free_port()),
        "CHARTER_HTTPS_PORT": str(https_port),
        "CHARTER_TLS_CERT": str(cert),
        "CHARTER_TLS_KEY": str(key),
        "CHARTER_ACME_ROOT": str(workdir / "acme"),
        "CHARTER_WEB_NODE_1": f"127.0.0.1:{first_port}",
        "CHARTER_WEB_NODE_2": f"127.0.0.1:{first_port + 1}",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    # Where bytecode may not be written beside the code (PYTHONDONTWRITEBYTECODE, as on CI),
    # every node would compile the whole app at each start: cache it in the working folder.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(workdir / "pycache")
    return env


def node_answers(port: int) -> bool:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=2) as response:  # noqa: S310
        return response.status == 200


def leading_scheduler(supervisor) -> str | None:
    """The scheduler whose log last says it holds the lock (a restarted copy logs again)."""
    best = None
    for name in ("scheduler-0", "scheduler-1"):
        log = supervisor.log(name)
        at = log.rfind("This scheduler holds the lock")
        if at >= 0 and log.rfind("standing by") < at and (best is None or at > best[1]):
            best = (name, at)
    return best and best[0]


def run(profile_name: str, keep: bool = False) -> int:
    profile = PROFILES[profile_name]
    workdir = Path(tempfile.mkdtemp(prefix="charter-cluster-"))
    postgres, redis, mail = servers.Postgres(), servers.Redis(workdir), servers.MailSink()
    supervisor = nginx = None
    started = time.monotonic()
    try:
        say(f"profile {profile_name}; working in {workdir}")
        postgres.start()
        redis.start()
        mail.start()
        cert, key = servers.self_signed_certificate(workdir)
        env = environment(workdir, postgres, redis, mail, cert, key, profile)
        flask = str(servers.ROOT / ".venv" / "bin" / "flask")
        subprocess.run([flask, "--app", "wsgi", "db", "upgrade"], env=env, check=True,  # noqa: S603
                       cwd=servers.ROOT, capture_output=True)
        say("migrated; seeding")
        os.environ.update({k: env[k] for k in ("CHARTER_ENV", "SECRET_KEY", "DATABASE_URL",
                                               "BASE_URL", "REDIS_URL", "UPLOAD_DIR",
                                               "EVIDENCE_DIR", "PDF_CACHE_DIR")})
        from tests.cluster.checks import seed

        plan, app = seed()
        supervisor = servers.Supervisor(workdir, env)
        supervisor.start()
        nodes = [int(env["CHARTER_WEB_FIRST_PORT"]) + n for n in range(2)]
        for port in nodes:
            servers.wait_for(lambda port=port: node_answers(port), timeout=180,
                             what=f"web node on {port}")
        servers.wait_for(lambda: leading_scheduler(supervisor), timeout=60,
                         what="a leading scheduler")
        nginx = servers.Nginx(workdir, env)
        nginx.start()
        https_port = int(env["CHARTER_HTTPS_PORT"])
        say("cluster up: 2 web nodes, nginx, Redis, scheduler and standby")
        deployment_problems = check_deployment(env)
        say(f"deployment checks: {len(deployment_problems)} problems; load starts")

        record, stop = load.Record(), threading.Event()
        threads = load.run(https_port, plan, record, seconds=600,
                           max_requests=profile["max_requests"], stop=stop)
        failures: dict[str, float] = {}
        phases: list[tuple[str, float]] = [("steady load", time.monotonic())]
        time.sleep(profile["settle"])

        killed_port = nodes[0]
        say(f"killing web node {killed_port} (SIGKILL to its process group)")
        failures["kill_at"] = time.monotonic()
        phases.append(("web node killed", failures["kill_at"]))
        supervisor.kill(f"web:web-{killed_port}")
        servers.wait_for(lambda: not servers.port_open(killed_port), timeout=10,
                         what="the killed node to go", every=0.05)
        servers.wait_for(lambda: node_answers(killed_port), timeout=120,
                         what="the killed node to come back")
        failures["web node back (s)"] = time.monotonic() - failures["kill_at"]
        phases.append(("after the node came back", time.monotonic()))
        say(f"web node back after {failures['web node back (s)']:.1f} s")
        time.sleep(profile["settle"])

        say(f"stopping Redis for {profile['redis_outage']} s")
        phases.append(("Redis stopped", time.monotonic()))
        redis.stop()
        time.sleep(profile["redis_outage"])
        redis.start()
        phases.append(("Redis back", time.monotonic()))
        failures["Redis outage (s)"] = profile["redis_outage"]
        say("Redis is back")
        time.sleep(profile["settle"])

        leader = leading_scheduler(supervisor)
        standby = "scheduler-1" if leader == "scheduler-0" else "scheduler-0"
        before = supervisor.log(standby).count("This scheduler holds the lock")
        say(f"killing the leading scheduler ({leader})")
        killed_at = time.monotonic()
        phases.append(("scheduler killed", killed_at))
        supervisor.kill(f"scheduler:{leader}")
        # Keep the killed copy down until the standby leads: restarted at once, it could take
        # the lock back first, and the standby would never be tested.
        supervisor.ctl("stop", f"scheduler:{leader}")
        servers.wait_for(
            lambda: supervisor.log(standby).count("This scheduler holds the lock") > before,
            timeout=profile["scheduler_interval"] + 60, what="the standby to take over")
        failures["scheduler takeover (s)"] = time.monotonic() - killed_at
        supervisor.ctl("start", f"scheduler:{leader}")  # back, as the new standby
        say(f"{standby} took over after {failures['scheduler takeover (s)']:.1f} s")
        time.sleep(profile["settle"])

        say("restarting PostgreSQL (fast: sessions are ended)")
        phases.append(("PostgreSQL restarting", time.monotonic()))
        failures["PostgreSQL restart (s)"] = postgres.restart()
        phases.append(("after PostgreSQL restarted", time.monotonic()))
        say(f"PostgreSQL accepted connections again after "
            f"{failures['PostgreSQL restart (s)']:.1f} s")
        time.sleep(profile["settle"] * 2)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        say(f"load done: {len(record.outcomes)} requests; waiting for the outbox to empty")
        problems, table = check_everything(app, record, mail, nginx, failures, killed_port,
                                           plan, phases)
        print(table, flush=True)
        say(f"finished in {time.monotonic() - started:.0f} s")
        problems = deployment_problems + problems
        for problem in problems:
            print(f"FAILED: {problem}", flush=True)
        return 1 if problems else 0
    finally:
        for server in (nginx, supervisor):
            if server is not None:
                server.stop()
        redis.stop()
        mail.stop()
        postgres.stop()
        if keep:
            say(f"kept {workdir} (logs in log/, nginx/access.log)")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), default="full")
    parser.add_argument("--require", action="store_true",
                        help="fail (exit 2) rather than skip when the cluster cannot run here")
    parser.add_argument("--keep", action="store_true",
                        help="keep the working folder (the servers' logs) afterwards")
    options = parser.parse_args()
    missing = servers.missing_packages()
    reason = (f"missing Debian packages: {' '.join(missing)} (apt-get install them)"
              if missing else None)
    if reason is None and os.geteuid() != 0:
        reason = "must run as root (it starts PostgreSQL as the postgres user)"
    if reason:
        print(f"The cluster test cannot run here: {reason}.", file=sys.stderr)
        return 2 if options.require else 0
    try:
        return run(options.profile, options.keep)
    except servers.ClusterUnavailable as unavailable:
        print(f"The cluster test cannot run here: {unavailable}.", file=sys.stderr)
        return 2 if options.require else 0


if __name__ == "__main__":
    sys.exit(main())
