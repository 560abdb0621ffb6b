"""`make run PORT=…` serves on that port and the links it sends follow it unless BASE_URL is set.
Checked with `make -n` (print the commands, run nothing) on a copy of the Makefile."""

import shutil
import subprocess
from pathlib import Path

import pytest

MAKEFILE = Path(__file__).resolve().parent.parent / "Makefile"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def dev_server_command(folder: Path, *arguments: str, env: dict | None = None) -> str:
    shutil.copy(MAKEFILE, folder / "Makefile")
    environment = {"PATH": "/usr/bin:/bin", **(env or {})}
    result = subprocess.run(["make", "-n", "run", *arguments], cwd=folder, env=environment,
                            capture_output=True, text=True, timeout=30, check=True)
    [line] = [line for line in result.stdout.splitlines() if "dev-server" in line]
    return line


def test_port_changes_the_port_and_base_url_follows(tmp_path):
    line = dev_server_command(tmp_path, "PORT=8123")
    assert line.endswith("charter dev-server --port 8123")
    assert line.startswith("BASE_URL='http://127.0.0.1:8123' ")


def test_the_default_port_is_5000(tmp_path):
    line = dev_server_command(tmp_path)
    assert line.startswith("BASE_URL='http://127.0.0.1:5000' ")
    assert line.endswith("--port 5000")


def test_a_base_url_from_the_environment_or_the_command_line_wins(tmp_path):
    from_env = dev_server_command(tmp_path, "PORT=8123",
                                  env={"BASE_URL": "https://charter.example"})
    assert from_env.startswith("BASE_URL='https://charter.example' ")
    from_command_line = dev_server_command(tmp_path, "PORT=8123", "BASE_URL=https://b.example")
    assert from_command_line.startswith("BASE_URL='https://b.example' ")


def test_a_base_url_in_dot_env_is_left_for_the_app_to_read(tmp_path):
    (tmp_path / ".env").write_text("BASE_URL=https://from-dotenv.example\n")
    line = dev_server_command(tmp_path, "PORT=8123")
    assert "BASE_URL=" not in line
    assert line.endswith("--port 8123")
