"""`charter backup` and `charter restore`: the demo data and the uploaded files, backed up,
restored into an empty database elsewhere and compared table by table and file by file."""

import hashlib
import json
import os
import secrets
import stat
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, func, inspect, select, table

from charter_app import create_app
from charter_app.extensions import db
from tests.conftest import _admin_dsn, _postgres_url


@pytest.fixture
def empty_database(database_url, tmp_path):
    """A second, empty database of the same kind as the one under test."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    base = os.environ["TEST_DATABASE_URL"]
    name = f"charter_restore_{secrets.token_hex(4)}"
    with psycopg.connect(_admin_dsn(base), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield _postgres_url(base, name)
    with psycopg.connect(_admin_dsn(base), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def uploads(app, tmp_path):
    """Upload folders of this test's own, holding files as the service stores them."""
    folders = {"EVIDENCE_DIR": tmp_path / "evidence", "UPLOAD_DIR": tmp_path / "uploads"}
    before = {setting: app.config.get(setting) for setting in folders}
    (folders["EVIDENCE_DIR"]).mkdir()
    (folders["EVIDENCE_DIR"] / secrets.token_hex(16)).write_bytes(b"%PDF-1.7 timesheet\n")
    (folders["UPLOAD_DIR"] / "case-studies").mkdir(parents=True)
    (folders["UPLOAD_DIR"] / "case-studies" / f"{secrets.token_hex(16)}-480.webp").write_bytes(
        os.urandom(2048))
    app.config.update({setting: str(folder) for setting, folder in folders.items()})
    yield folders
    app.config.update(before)


@pytest.fixture
def app_elsewhere():
    """Apps on the restored database, their connections closed before it is dropped."""
    made = []

    def make(url: str, **folders) -> object:
        made.append(create_app("testing", SQLALCHEMY_DATABASE_URI=url, **folders))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {name: connection.execute(
                        select(func.count()).select_from(table(name))).scalar_one()
                    for name in inspect(engine).get_table_names()}
    finally:
        engine.dispose()


def _checksums(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in folder.rglob("*") if path.is_file()}


def test_the_demo_backed_up_and_restored_elsewhere_has_every_row_and_file(
        app, database_url, empty_database, uploads, tmp_path, app_elsewhere):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["charter", "seed-demo", "--signatories", "8"]).exit_code == 0
    backup = tmp_path / "backups" / "2026-11-23"
    result = runner.invoke(args=["charter", "backup", str(backup)])
    assert result.exit_code == 0, result.output
    assert "Backed up" in result.output
    # Personal data: only the operator may read the backup.
    assert stat.S_IMODE(backup.stat().st_mode) == 0o700
    assert {stat.S_IMODE(path.stat().st_mode) for path in backup.rglob("*") if path.is_file()} \
        == {0o600}

    restored_folders = {"EVIDENCE_DIR": tmp_path / "restored-evidence",
                        "UPLOAD_DIR": tmp_path / "restored-uploads"}
    elsewhere = app_elsewhere(empty_database, **{setting: str(folder) for setting, folder
                                                 in restored_folders.items()})
    result = elsewhere.test_cli_runner().invoke(args=["charter", "restore", str(backup)])
    assert result.exit_code == 0, result.output
    assert "every count and checksum matches" in result.output

    source_counts = _counts(database_url)
    assert source_counts["organisations"] >= 8 and source_counts["report_entries"] > 0
    assert _counts(empty_database) == source_counts
    for setting, folder in uploads.items():
        assert _checksums(restored_folders[setting]) == _checksums(folder) != {}

    # The restored database is a working service: its directory lists the demo signatories.
    page = elsewhere.test_client().get("/directory")
    assert page.status_code == 200 and "signatories" in page.text


def test_a_restore_refuses_a_database_that_holds_data(app, uploads, tmp_path):
    runner = app.test_cli_runner()
    backup = tmp_path / "backup"
    assert runner.invoke(args=["charter", "backup", str(backup)]).exit_code == 0
    result = runner.invoke(args=["charter", "restore", str(backup)])
    assert result.exit_code != 0
    assert "already holds tables" in result.output


def test_a_damaged_backup_is_found_when_restored(app, empty_database, uploads, tmp_path,
                                                app_elsewhere):
    backup = tmp_path / "backup"
    assert app.test_cli_runner().invoke(args=["charter", "backup", str(backup)]).exit_code == 0
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["tables"]["measures"] += 1  # as if a row had been lost from the dump
    (backup / "manifest.json").write_text(json.dumps(manifest))
    elsewhere = app_elsewhere(empty_database, EVIDENCE_DIR=str(tmp_path / "e"),
                              UPLOAD_DIR=str(tmp_path / "u"))
    result = elsewhere.test_cli_runner().invoke(args=["charter", "restore", str(backup)])
    assert result.exit_code != 0
    assert "differs from the backup in: measures" in result.output


@pytest.mark.parametrize("where", ["static", "static/backups", "."])
def test_a_backup_is_never_written_where_the_web_server_serves_files(app, uploads, where):
    target = Path(app.root_path).parent / where
    result = app.test_cli_runner().invoke(args=["charter", "backup", str(target)])
    assert result.exit_code != 0
    assert "which the web server may serve" in result.output
    assert not (Path(app.root_path).parent / "static" / "backups").exists()


def test_a_backup_never_overwrites_an_earlier_one(app, uploads, tmp_path):
    earlier = tmp_path / "backup"
    earlier.mkdir()
    (earlier / "manifest.json").write_text("{}")
    result = app.test_cli_runner().invoke(args=["charter", "backup", str(earlier)])
    assert result.exit_code != 0 and "is not an empty folder" in result.output
    assert (earlier / "manifest.json").read_text() == "{}"
