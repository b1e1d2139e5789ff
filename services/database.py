"""The schema: `rrf db upgrade`."""

from dataclasses import dataclass

from rrf.models import db as dbm
from rrf.services.context import Context


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
