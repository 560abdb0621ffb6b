"""A PostgreSQL server of a test's own, on a free port, to stop and start at will: the machine's
shared server on 5432 must never be restarted. initdb refuses to run as root, so the server runs
as the `postgres` user (through runuser), in a folder of its own that is deleted afterwards."""

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    installed = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(installed[-1]).parent if installed else None


def unavailable_reason() -> str | None:
    """Why a throwaway server cannot be run here, or None when it can."""
    if os.geteuid() != 0:
        return "starting a throwaway PostgreSQL server needs root (to run it as postgres)"
    if shutil.which("runuser") is None:
        return "runuser is not installed"
    if _bin_dir() is None:
        return "initdb and pg_ctl are not installed (apt-get install postgresql)"
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return "there is no postgres user to run the server as"
    return None


class ThrowawayPostgres:
    def __init__(self, port: int):
        self.port = port
        self.bin_dir = _bin_dir()
        self.folder = Path(tempfile.mkdtemp(prefix="charter-pg-"))
        shutil.chown(self.folder, user="postgres")
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self._as_postgres("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                          "-E", "UTF8", "--locale=C", "--no-sync")

    def _as_postgres(self, program: str, *arguments: str) -> None:
        command = ["runuser", "-u", "postgres", "--", str(self.bin_dir / program), *arguments]
        subprocess.run(command, cwd=self.folder, check=True, capture_output=True,  # noqa: S603 - our own command
                       timeout=60)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off -c synchronous_commit=off")
        self._as_postgres("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.log),
                          "-w", "-t", "30", "start")

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')

    def dsn(self, database: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def end_session(self, backend_pid: int, database: str = "postgres") -> None:
        """End one session as a restart would ("terminating connection due to administrator
        command"), and wait until it has gone."""
        with psycopg.connect(self.dsn(database), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (backend_pid,))

    def remove(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)
