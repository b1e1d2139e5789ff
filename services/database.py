"""The database itself: the schema (`rrf db upgrade`), and the file a writer is about to create."""

from dataclasses import dataclass
from pathlib import Path

from rrf.models import db as dbm
from rrf.services.context import Context
from rrf.services.store import existing_store


@dataclass(frozen=True)
class Upgrade:
    database: str  # the URL with any password masked
    before: str | None
    after: str


def upgrade(ctx: Context) -> Upgrade:
    """Apply every pending migration (writers also do it on first use)."""
    engine = dbm.open_engine(ctx.url)
    try:
        before = dbm.current_revision(engine)
        dbm.upgrade(engine)
        return Upgrade(dbm.safe_url(ctx.url), before, dbm.current_revision(engine) or "")
    finally:
        engine.dispose()


def new_file(ctx: Context) -> Path | None:
    """The SQLite file of the context's database when it does not exist yet (a writing command
    will create it), as an absolute path; None for PostgreSQL, an existing file, or a URL that
    is no database's (refused where it is used)."""
    try:
        path = dbm.sqlite_file(ctx.settings.db_url)
    except dbm.BadDatabaseUrl:
        return None
    return None if path is None or path.exists() else path.resolve()


def existing(ctx: Context) -> None:
    """Refuse (NoDatabase, naming it) a database that does not exist or holds none of rrf's tables:
    `rrf web` serves only a database that something was written to (an older schema is migrated,
    as for any writer). Creates nothing."""
    existing_store(ctx.url, upgrade_older=True).dispose()
