"""The settings of one process, read once and passed down, and the clock.

Precedence: an option on the command line, then the environment (`RRF_PLAN`,
`RRF_DATABASE_URL`, `RRF_NOTIFY_CONFIG`, `RRF_ITALIA_DATA`, `RRF_PORTAL_URL`, `RRF_WEB_SECRET`,
`RRF_REPORTS_DIR`, `RRF_OPERATOR`, `RRF_EVIDENCE_DIR`, `RRF_AUDIT_KEY`, `RRF_AUDIT_PUBLIC_KEY`,
`RRF_CHECKPOINT_DIR`), then a `.env` file in the
current folder, then the defaults below. Only the CLI and the flows build `Settings` or
read the clock; everything below them is handed what it needs.
"""

import sys
from datetime import datetime, timezone
from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

SOURCE_ROOT = Path(__file__).resolve().parent.parent  # the checkout, when run from one
SHARE = Path(sys.prefix) / "share" / "rrf"  # where `pip install` puts the shipped plan
PLAN_FILE = "milestones.toml"
DB_FILE = "rrf.db"
NOTIFY_FILE = "rrf-notify.toml"
REPORTS_DIR = "rrf-reports"
CHECKPOINT_DIR = "rrf-checkpoints"


class Settings(BaseSettings):
    """What a command or a flow run works on. Unset fields take the defaults of CONTRACT.md."""

    model_config = SettingsConfigDict(env_prefix="RRF_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", frozen=True)

    plan: Path | None = None
    """The plan file (default: ./milestones.toml, else the shipped one)."""
    database_url: str | None = None
    """The database (default: a SQLite file rrf.db in the current folder)."""
    notify_config: Path | None = None
    """Where messages go; may hold secrets (default: ./rrf-notify.toml if present, else none)."""
    italia_data: Path | None = None
    """Italia Domani's open data files (default: data/italia-domani of the checkout, carried in the repo)."""
    portal_url: str | None = None
    """The portal's address as its users reach it, e.g. https://rrf.example.gov.lv (digests link
    to it; without it they carry the institution report as an attachment)."""
    web_secret: SecretStr | None = None
    """The key that signs portal cookies (default: one made once and kept in the database)."""
    reports_dir: Path | None = None
    """Where each check writes the institution reports (default: ./rrf-reports)."""
    operator: str | None = None
    """Who the command line acts as: a portal user's name, whose role and scope then apply
    (default: the local operator `os:<login>`, a coordinator: whoever runs `rrf` here has the
    database anyway)."""
    evidence_dir: Path | None = None
    """Where evidence uploaded through the portal is kept, by SHA-256 (default: ./rrf-evidence)."""
    audit_key: Path | None = None
    """The Ed25519 private key (PEM, `rrf audit keygen`) that signs the checkpoints of the evaluation
    log and the trail; kept outside the database (default: none, no checkpoint is written)."""
    audit_public_key: Path | None = None
    """The public key that `rrf audit verify` checks the checkpoints with (default: the public half
    of `audit_key`; none: checkpoints are not checked)."""
    checkpoint_dir: Path | None = None
    """Where the signed checkpoints are written and read (default: ./rrf-checkpoints)."""

    @property
    def plan_path(self) -> Path:
        if self.plan is not None:
            return self.plan
        here = Path.cwd() / PLAN_FILE
        if here.is_file():
            return here
        return next((c for c in (SOURCE_ROOT / PLAN_FILE, SHARE / PLAN_FILE) if c.is_file()), here)

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{Path.cwd() / DB_FILE}"

    @property
    def notify_path(self) -> Path | None:
        if self.notify_config is not None:
            return self.notify_config.resolve()
        here = Path(NOTIFY_FILE)
        return here.resolve() if here.is_file() else None

    @property
    def reports_path(self) -> Path:
        return (self.reports_dir or Path(REPORTS_DIR)).resolve()

    @property
    def evidence_path(self) -> Path:
        return (self.evidence_dir or Path("rrf-evidence")).resolve()

    @property
    def checkpoint_path(self) -> Path:
        return (self.checkpoint_dir or Path(CHECKPOINT_DIR)).resolve()

    @property
    def italia_dir(self) -> Path:
        return self.italia_data or SOURCE_ROOT / "data" / "italia-domani"


def settings(**given: object) -> Settings:
    """The settings with the options a user gave (None: not given) over the environment's."""
    return Settings(**{k: v for k, v in given.items() if v is not None})


def clock() -> datetime:
    """Now, aware, in UTC: the one place the engine reads the wall clock."""
    return datetime.now(timezone.utc)
