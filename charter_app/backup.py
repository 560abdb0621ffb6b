"""Backups an operator can restore: the database, consistent to one moment, and the uploaded files.

`charter backup DIR` writes into a new, empty folder:
- `database.dump`: PostgreSQL's custom format from `pg_dump`, run inside the snapshot of a
  repeatable-read transaction that also counted every table's rows, so the counts in the
  manifest are those of the dump exactly, however busy the service is. On SQLite,
  `database.sqlite3` from SQLite's online backup API, which copies a consistent database too.
- `files/<setting>/...`: each upload folder named in FILE_SETTINGS, copied after the database.
- `manifest.json`: when, which schema revision, each table's row count, each file's SHA-256.

`charter restore DIR` refuses any database that already holds a table, restores, then checks the
row counts and checksums against the manifest, so a damaged backup is found when restored, not
trusted. Backups hold personal data: folders are made 0700 and files 0600, and a backup is
never written where the web server serves files.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Engine

MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
# Configuration settings naming folders of uploaded files, kept with the database.
FILE_SETTINGS = ("EVIDENCE_DIR", "UPLOAD_DIR")
FORMAT = 1


class BackupRefused(Exception):
    """The backup or restore cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class RestoreResult:
    tables: int
    rows: int
    files: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_checksums(folder: Path) -> dict[str, str]:
    """Every regular file under the folder by its relative path, with its SHA-256."""
    if not folder.is_dir():
        return {}
    return {path.relative_to(folder).as_posix(): _sha256(path)
            for path in sorted(folder.rglob("*")) if path.is_file() and not path.is_symlink()}


def _web_roots() -> list[Path]:
    roots = [Path(current_app.static_folder or "static"), Path(current_app.root_path).parent]
    roots += [Path(folder) for folder in current_app.config.get("WEB_ROOTS", ())]
    return [root.resolve() for root in roots]


def _check_destination(destination: Path) -> Path:
    destination = destination.expanduser().resolve()
    for root in _web_roots():
        if destination == root or root in destination.parents:
            raise BackupRefused(
                f"{destination} is inside {root}, which the web server may serve: a backup "
                "holds personal data. Choose a folder outside the application and web root")
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise BackupRefused(f"{destination} is not an empty folder: choose a new one, so no "
                            "earlier backup is overwritten")
    return destination


def _private_folder(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def _table_names(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


def _count_rows(connection, tables: list[str]) -> dict[str, int]:
    return {name: connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            for name in tables}


def _libpq_environment(url: URL) -> dict[str, str]:
    """Connection settings for pg_dump and pg_restore, the password kept off the command line."""
    environment = {**os.environ, "PGHOST": url.host or "", "PGPORT": str(url.port or 5432),
                   "PGUSER": url.username or "", "PGDATABASE": url.database or ""}
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    return environment


def _run(command: list[str], environment: dict[str, str]) -> None:
    try:
        # A fixed program and arguments, no shell; the password travels in the environment.
        subprocess.run(command, env=environment, check=True, capture_output=True,  # noqa: S603
                       text=True)
    except FileNotFoundError:
        raise BackupRefused(f"{command[0]} is not installed: apt-get install "
                            "postgresql-client") from None
    except subprocess.CalledProcessError as error:
        raise BackupRefused(f"{command[0]} failed: {error.stderr.strip()[-500:]}") from None


def _back_up_postgresql(engine: Engine, destination: Path) -> tuple[dict[str, int], str | None]:
    tables = _table_names(engine)
    with engine.connect() as connection:
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            # One snapshot for the counts and the dump: both see the same moment.
            snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = _count_rows(connection, tables)
            revision = _revision(connection, tables)
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges",
                  f"--snapshot={snapshot}", f"--file={destination / PG_DUMP}"],
                 _libpq_environment(engine.url))
    return counts, revision


def _back_up_sqlite(engine: Engine, destination: Path) -> tuple[dict[str, int], str | None]:
    copy_path = destination / SQLITE_COPY
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(copy_path) as copy:
            raw.driver_connection.backup(copy)
        copy.close()
    finally:
        raw.close()
    # Counted in the copy: exactly what was saved.
    copy_engine = create_engine(f"sqlite:///{copy_path}")
    try:
        tables = _table_names(copy_engine)
        with copy_engine.connect() as connection:
            return _count_rows(connection, tables), _revision(connection, tables)
    finally:
        copy_engine.dispose()


def _revision(connection, tables: list[str]) -> str | None:
    if "alembic_version" not in tables:
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _file_folders() -> dict[str, Path]:
    return {setting: Path(current_app.config[setting]) for setting in FILE_SETTINGS
            if current_app.config.get(setting)}


def back_up(engine: Engine, destination: Path) -> dict:
    """Write a backup into the empty folder `destination`; return its manifest."""
    destination = _check_destination(destination)
    _private_folder(destination)
    if engine.dialect.name == "postgresql":
        counts, revision = _back_up_postgresql(engine, destination)
    elif engine.dialect.name == "sqlite":
        counts, revision = _back_up_sqlite(engine, destination)
    else:
        raise BackupRefused(f"Backups of {engine.dialect.name} databases are not supported")
    files: dict[str, dict[str, str]] = {}
    for setting, folder in _file_folders().items():
        copied = destination / "files" / setting
        _private_folder(copied)
        if folder.is_dir():
            shutil.copytree(folder, copied, dirs_exist_ok=True, symlinks=False)
        files[setting] = file_checksums(copied)
    manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "database": engine.dialect.name, "schema_revision": revision,
                "tables": counts, "files": files}
    (destination / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    for path in destination.rglob("*"):
        path.chmod(0o700 if path.is_dir() else 0o600)
    return manifest


def _read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupRefused(f"{source} holds no {MANIFEST}: it is not a backup made by "
                            "`charter backup`") from None
    except ValueError:
        raise BackupRefused(f"{source / MANIFEST} is damaged: it is not JSON") from None
    if manifest.get("format") != FORMAT:
        raise BackupRefused(f"{source} was written in a format this version cannot read")
    return manifest


def restore(engine: Engine, source: Path) -> RestoreResult:
    """Restore the backup in `source` into the empty database behind `engine` and the empty
    upload folders, then check every table's rows and every file against the manifest."""
    source = source.expanduser().resolve()
    manifest = _read_manifest(source)
    if manifest["database"] != engine.dialect.name:
        raise BackupRefused(f"This backup is of a {manifest['database']} database; it cannot "
                            f"be restored into {engine.dialect.name}")
    if _table_names(engine):
        raise BackupRefused("The database already holds tables: restore only into an empty "
                            "database, so nothing in it is overwritten")
    folders = _file_folders()
    for setting, folder in folders.items():
        if folder.is_dir() and any(folder.iterdir()):
            raise BackupRefused(f"{setting} ({folder}) is not empty: restore only into empty "
                                "folders, so no file is overwritten")
    if engine.dialect.name == "postgresql":
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
              "--single-transaction", f"--dbname={engine.url.database}", str(source / PG_DUMP)],
             _libpq_environment(engine.url))
    else:
        target = Path(engine.url.database or "")
        engine.dispose()
        with sqlite3.connect(source / SQLITE_COPY) as saved, sqlite3.connect(target) as restored:
            saved.backup(restored)
        saved.close()
        restored.close()
    for setting, folder in folders.items():
        saved_files = source / "files" / setting
        if saved_files.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            shutil.copytree(saved_files, folder, dirs_exist_ok=True)
    return _verify(engine, manifest, folders)


def _verify(engine: Engine, manifest: dict, folders: dict[str, Path]) -> RestoreResult:
    tables = _table_names(engine)
    with engine.connect() as connection:
        counts = _count_rows(connection, tables)
    if counts != manifest["tables"]:
        differing = sorted(name for name in set(counts) | set(manifest["tables"])
                           if counts.get(name) != manifest["tables"].get(name))
        raise BackupRefused(f"The restored database differs from the backup in: "
                            f"{', '.join(differing[:10])}")
    files = 0
    for setting, expected in manifest["files"].items():
        found = file_checksums(folders[setting]) if setting in folders else {}
        if found != expected:
            raise BackupRefused(f"The restored files of {setting} differ from the backup")
        files += len(found)
    return RestoreResult(tables=len(counts), rows=sum(counts.values()), files=files)

