"""Settings are read once per command, in one order: an option, then the environment (RRF_*),
then a `.env` file in the current folder, then the defaults of CONTRACT.md."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import TARGET
from rrf.cli.main import app
from rrf.settings import Settings, settings


@pytest.fixture
def clean(workdir, monkeypatch):
    """An empty folder with no RRF_* variable set."""
    for name in ("RRF_PLAN", "RRF_DATABASE_URL", "RRF_NOTIFY_CONFIG", "RRF_ITALIA_DATA"):
        monkeypatch.delenv(name, raising=False)
    return workdir


@pytest.mark.parametrize("option, env, dotenv, expected", [
    (None, None, None, "sqlite:///{cwd}/rrf.db"),
    (None, None, "sqlite:///dotenv.db", "sqlite:///dotenv.db"),
    (None, "sqlite:///env.db", "sqlite:///dotenv.db", "sqlite:///env.db"),
    ("sqlite:///option.db", "sqlite:///env.db", "sqlite:///dotenv.db", "sqlite:///option.db"),
])
def test_the_database_comes_from_the_first_place_that_names_it(clean, monkeypatch, option, env, dotenv, expected):
    """It takes --db over RRF_DATABASE_URL over .env over ./rrf.db."""
    if env:
        monkeypatch.setenv("RRF_DATABASE_URL", env)
    if dotenv:
        (clean / ".env").write_text(f"RRF_DATABASE_URL={dotenv}\n", encoding="utf-8")
    assert settings(database_url=option).db_url == expected.format(cwd=Path.cwd())


def test_the_notification_configuration_defaults_to_the_file_in_the_current_folder(clean):
    """It uses ./rrf-notify.toml when present (also for the scheduled flow, which reads the same settings)."""
    assert Settings().notify_path is None
    (clean / "rrf-notify.toml").write_text("", encoding="utf-8")
    assert Settings().notify_path == (clean / "rrf-notify.toml").resolve()


def test_a_notification_configuration_saved_with_a_byte_order_mark_is_read(clean):
    """It reads a notification configuration that Notepad saved with a UTF-8 byte-order mark as
    without one (it was refused as not valid TOML at line 1)."""
    from rrf.notifications.config import load_notify_config

    path = clean / "rrf-notify.toml"
    path.write_bytes(b"\xef\xbb\xbf" + '[coordinator]\nname = "Anna Kalniņa"\n'.encode("utf-8"))
    assert load_notify_config(path).coordinator.name == "Anna Kalniņa"


def test_a_command_writes_where_the_dotenv_file_says(clean, plan_file):
    """It records into the database named in .env when neither --db nor the environment names one."""
    (clean / ".env").write_text(f"RRF_DATABASE_URL=sqlite:///{clean / 'from-dotenv.db'}\n"
                                f"RRF_PLAN={plan_file()}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["record", TARGET, "10", "--as-of", "2024-01-31", "--source", "s",
                                      "--breakdown", "region=KPR"])
    assert result.exit_code == 0, result.output
    assert (clean / "from-dotenv.db").exists() and not (clean / "rrf.db").exists()
