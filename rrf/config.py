"""Where the plan and the database are when the user does not say."""

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_FILE = "rrf.db"
PLAN_FILE = "milestones.toml"
NOTIFY_FILE = "rrf-notify.toml"


def default_plan() -> Path:
    """`milestones.toml` in the current folder, else the one shipped with the project."""
    here = Path.cwd() / PLAN_FILE
    if here.is_file():
        return here
    for candidate in (PROJECT_ROOT / PLAN_FILE, Path(sys.prefix) / "share" / "rrf" / PLAN_FILE):
        if candidate.is_file():
            return candidate
    return here


def default_db_url() -> str:
    """A SQLite file `rrf.db` in the current folder."""
    return f"sqlite:///{Path.cwd() / DEFAULT_DB_FILE}"


def example_progress() -> Path:
    for candidate in (PROJECT_ROOT / "examples", Path(sys.prefix) / "share" / "rrf" / "examples"):
        if (candidate / "seed-progress.csv").is_file():
            return candidate / "seed-progress.csv"
    return PROJECT_ROOT / "examples" / "seed-progress.csv"
