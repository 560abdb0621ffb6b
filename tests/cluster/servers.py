"""The servers a cluster runs, started from Debian's packages on loopback in a throwaway folder:
PostgreSQL (its own throwaway server, so it can be restarted), Redis, an SMTP server that keeps
what it receives, supervisord with deploy/supervisord.conf (two gunicorn web nodes from
deploy/gunicorn.conf.py, the scheduler and its standby) and nginx with deploy/nginx/charter.conf.
"""

import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

from tests.throwaway_postgres import ThrowawayPostgres, unavailable_reason

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
# What deploy/nginx/charter.conf says to render, exactly (README, "Running it in production").
NGINX_VARIABLES = ("$CHARTER_DOMAIN $CHARTER_ROOT $CHARTER_HTTP_PORT $CHARTER_HTTPS_PORT "
                   "$CHARTER_TLS_CERT $CHARTER_TLS_KEY $CHARTER_ACME_ROOT "
                   "$CHARTER_WEB_NODE_1 $CHARTER_WEB_NODE_2")
NEEDED = {"redis-server": "redis-server", "nginx": "nginx", "supervisord": "supervisor",
          "envsubst": "gettext-base", "openssl": "openssl", "runuser": "util-linux"}


class ClusterUnavailable(Exception):
    """This machine cannot run the cluster (a package missing, not root): the reason."""


def missing_packages() -> list[str]:
    found = {name: shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")
             for name in NEEDED}
    return sorted({NEEDED[name] for name, path in found.items() if not path})


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, *, timeout: float, what: str, every: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except Exception:  # noqa: BLE001 - not up yet
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not ready after {timeout:.0f} s")
        time.sleep(every)


def port_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Postgres:
    """The cluster's own PostgreSQL server (tests/throwaway_postgres.py), so it can be restarted
    without touching the machine's shared one."""

    def __init__(self):
        reason = unavailable_reason()
        if reason:
            raise ClusterUnavailable(reason)
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/charter"
        self.server: ThrowawayPostgres | None = None

    def start(self) -> None:
        self.server = ThrowawayPostgres(self.port)
        self.server.start()
        self.server.create_database("charter")

    def restart(self) -> float:
        """A fast restart (every session is ended, as in a failover or a minor upgrade);
        seconds until it accepts connections again."""
        started = time.monotonic()
        self.server.stop("fast")
        self.server.start()
        wait_for(lambda: port_open(self.port), timeout=60, what="PostgreSQL after restart")
        return time.monotonic() - started

    def stop(self) -> None:
        if self.server is not None:
            self.server.remove()


class Redis:
    def __init__(self, workdir: Path):
        self.folder = workdir / "redis"
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - Debian's server, our arguments
            [shutil.which("redis-server") or "/usr/bin/redis-server", "--bind", "127.0.0.1",
             "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.folder), "--logfile", str(self.folder / "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(self.port), timeout=20, what="Redis")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


class MailSink:
    """A real SMTP server (aiosmtpd) that keeps every message it accepts."""

    def __init__(self):
        self.port = free_port()
        self.messages: list = []
        self._lock = threading.Lock()
        self._controller = None

    def start(self) -> None:
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
        sink = self

        class Keep:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd
                with sink._lock:
                    sink.messages.append(message_from_bytes(envelope.content))
                return "250 OK"

        self._controller = Controller(Keep(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def message_ids(self) -> Counter:
        with self._lock:
            return Counter(message["Message-ID"] for message in self.messages)

    def recipients(self) -> Counter:
        with self._lock:
            return Counter(message["To"].lower() for message in self.messages)

    def stop(self) -> None:
        if self._controller:
            self._controller.stop()


class Supervisor:
    """supervisord with deploy/supervisord.conf, in the foreground of its own process."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.env = env
        self.config = DEPLOY / "supervisord.conf"
        self.logs = Path(env["CHARTER_LOG_DIR"])
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # What deploy/charter.service makes before it starts supervisord.
        for folder in (self.env["CHARTER_RUN_DIR"], self.env["CHARTER_LOG_DIR"],
                       f"{self.env['CHARTER_RUN_DIR']}/metrics"):
            Path(folder).mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(  # noqa: S603 - Debian's supervisord, our config
            ["supervisord", "-n", "-c", str(self.config)], env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def ctl(self, *arguments: str) -> str:
        result = subprocess.run(["supervisorctl", "-c", str(self.config), *arguments],  # noqa: S603
                                env=self.env, capture_output=True, text=True, timeout=60)
        return result.stdout

    def pid(self, name: str) -> int:
        return int(self.ctl("pid", name).strip())

    def kill(self, name: str) -> None:
        """SIGKILL the program and everything it started, as a crash would (supervisord runs
        each program in its own process group), and let supervisord start it again."""
        os.killpg(self.pid(name), signal.SIGKILL)

    def log(self, program: str) -> str:
        path = self.logs / f"{program}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


class Nginx:
    """nginx with deploy/nginx/charter.conf rendered by envsubst, as the README says, inside a
    minimal main configuration of our own (Debian's would need /var/log and /run)."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.folder = workdir / "nginx"
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir()
        site = subprocess.run(["envsubst", NGINX_VARIABLES],  # noqa: S603, S607
                              input=(DEPLOY / "nginx" / "charter.conf").read_text(),
                              env=self.env, capture_output=True, text=True, check=True).stdout
        (self.folder / "charter.conf").write_text(site)
        temp = self.folder / "temp"
        temp.mkdir()
        (self.folder / "nginx.conf").write_text(f"""
daemon off;
worker_processes 1;
pid {self.folder}/nginx.pid;
error_log {self.folder}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    log_format cluster '$msec $request_id $status $upstream_addr $upstream_status '
                       '$request_method $request_uri';
    access_log {self.folder}/access.log cluster;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include {self.folder}/charter.conf;
}}
""")
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        subprocess.run([nginx, "-t", "-q", "-c", str(self.folder / "nginx.conf")],  # noqa: S603
                       check=True, capture_output=True, text=True)
        self.process = subprocess.Popen(  # noqa: S603 - Debian's nginx, our config
            [nginx, "-c", str(self.folder / "nginx.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: port_open(int(self.env["CHARTER_HTTPS_PORT"])), timeout=20,
                 what="nginx")

    def access_log(self) -> list[list[str]]:
        path = self.folder / "access.log"
        return [line.split(" ") for line in path.read_text().splitlines()] if path.exists() else []

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def self_signed_certificate(workdir: Path) -> tuple[Path, Path]:
    cert, key = workdir / "tls.crt", workdir / "tls.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",  # noqa: S603, S607
                    "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return cert, key


def free_port_is(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True
